// kernel/cxxrt.cpp - the little C++ runtime a freestanding kernel must provide.
//
// Global constructors (the compiler lists them in .init_array), operator
// new/delete on the kernel heap, and the hooks g++ may call.
#include <stddef.h>

#include "kernel/mm/heap.h"
#include "kernel/printk.h"

using InitFunction = void (*)();
extern "C" InitFunction __init_array_start[], __init_array_end[];

// Called by each arch's boot_main before anything else uses a global object.
void run_global_constructors() {
    for (InitFunction* fn = __init_array_start; fn < __init_array_end; fn++) (*fn)();
}

// The kernel heap never throws: a failed allocation returns nullptr and the
// caller must check (-fno-exceptions).
void* operator new(size_t size) { return kmalloc(size); }
void* operator new[](size_t size) { return kmalloc(size); }
void operator delete(void* p) noexcept { kfree(p); }
void operator delete[](void* p) noexcept { kfree(p); }
void operator delete(void* p, size_t) noexcept { kfree(p); }
void operator delete[](void* p, size_t) noexcept { kfree(p); }

extern "C" void __cxa_pure_virtual() { panic("pure virtual function called"); }
// Static objects' destructors never run in a kernel that never exits.
extern "C" int __cxa_atexit(void (*)(void*), void*, void*) { return 0; }
void* __dso_handle = nullptr;
