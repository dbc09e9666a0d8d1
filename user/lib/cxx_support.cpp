// user/lib/cxx_support.cpp -- the C++ runtime pieces Handoff user programs need.
//
// We compile C++ with -fno-exceptions -fno-rtti and link no libstdc++/libsupc++ (their
// objects are built for glibc), so we provide what the compiler and the header-only parts of
// libstdc++ reference:
//   operator new/delete (all standard forms) on newlib's malloc/free/memalign,
//   __cxa_pure_virtual / __cxa_deleted_virtual,
//   std::__throw_* (called by std::vector, std::string, std::optional... where they would
//   throw): print what happened to stderr, then abort().
// __cxa_atexit comes from newlib, __dso_handle from start.cpp, __cxa_guard_* (thread-safe
// function-local statics) from lock.cpp.
#include <malloc.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <new>

namespace {

[[noreturn]] void die(const char* what, const char* detail = nullptr) {
  // fprintf may itself be what is failing (out of memory); keep it simple.
  char buf[256];
  int n = snprintf(buf, sizeof buf, "terminate: %s%s%s\n", what, detail ? ": " : "",
                   detail ? detail : "");
  if (n > 0) write(2, buf, n < static_cast<int>(sizeof buf) ? n : sizeof buf - 1);
  abort();
}

void* alloc(size_t size) {
  void* p = malloc(size ? size : 1);
  if (!p) die("operator new: out of memory");
  return p;
}

void* alloc_aligned(size_t size, std::align_val_t align) {
  void* p = memalign(static_cast<size_t>(align), size ? size : 1);
  if (!p) die("operator new: out of memory");
  return p;
}

}  // namespace

// ---- operator new / delete ------------------------------------------------------------------
// Without exceptions, a failing new cannot throw std::bad_alloc: the plain forms abort, the
// nothrow forms return nullptr.
void* operator new(size_t size) { return alloc(size); }
void* operator new[](size_t size) { return alloc(size); }
void* operator new(size_t size, const std::nothrow_t&) noexcept { return malloc(size ? size : 1); }
void* operator new[](size_t size, const std::nothrow_t&) noexcept {
  return malloc(size ? size : 1);
}
void* operator new(size_t size, std::align_val_t a) { return alloc_aligned(size, a); }
void* operator new[](size_t size, std::align_val_t a) { return alloc_aligned(size, a); }
void* operator new(size_t size, std::align_val_t a, const std::nothrow_t&) noexcept {
  return memalign(static_cast<size_t>(a), size ? size : 1);
}
void* operator new[](size_t size, std::align_val_t a, const std::nothrow_t&) noexcept {
  return memalign(static_cast<size_t>(a), size ? size : 1);
}

// newlib's memalign blocks are released with free() like any other.
void operator delete(void* p) noexcept { free(p); }
void operator delete[](void* p) noexcept { free(p); }
void operator delete(void* p, size_t) noexcept { free(p); }
void operator delete[](void* p, size_t) noexcept { free(p); }
void operator delete(void* p, const std::nothrow_t&) noexcept { free(p); }
void operator delete[](void* p, const std::nothrow_t&) noexcept { free(p); }
void operator delete(void* p, std::align_val_t) noexcept { free(p); }
void operator delete[](void* p, std::align_val_t) noexcept { free(p); }
void operator delete(void* p, size_t, std::align_val_t) noexcept { free(p); }
void operator delete[](void* p, size_t, std::align_val_t) noexcept { free(p); }
void operator delete(void* p, std::align_val_t, const std::nothrow_t&) noexcept { free(p); }
void operator delete[](void* p, std::align_val_t, const std::nothrow_t&) noexcept { free(p); }

// ---- virtual calls that must never happen -------------------------------------------------------
extern "C" void __cxa_pure_virtual() { die("pure virtual function called"); }
extern "C" void __cxa_deleted_virtual() { die("deleted virtual function called"); }

// ---- what libstdc++ would throw ------------------------------------------------------------------
namespace std {
void __throw_bad_exception() { die("std::bad_exception"); }
void __throw_bad_alloc() { die("std::bad_alloc"); }
void __throw_bad_array_new_length() { die("std::bad_array_new_length"); }
void __throw_bad_cast() { die("std::bad_cast"); }
void __throw_bad_typeid() { die("std::bad_typeid"); }
void __throw_logic_error(const char* s) { die("std::logic_error", s); }
void __throw_domain_error(const char* s) { die("std::domain_error", s); }
void __throw_invalid_argument(const char* s) { die("std::invalid_argument", s); }
void __throw_length_error(const char* s) { die("std::length_error", s); }
void __throw_out_of_range(const char* s) { die("std::out_of_range", s); }
void __throw_out_of_range_fmt(const char* fmt, ...) {
  // libstdc++ formats with %zu/%s (its own mini-printf); vsnprintf handles those.
  char buf[200];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(buf, sizeof buf, fmt, ap);
  va_end(ap);
  die("std::out_of_range", buf);
}
void __throw_runtime_error(const char* s) { die("std::runtime_error", s); }
void __throw_range_error(const char* s) { die("std::range_error", s); }
void __throw_overflow_error(const char* s) { die("std::overflow_error", s); }
void __throw_underflow_error(const char* s) { die("std::underflow_error", s); }
void __throw_system_error(int e) { die("std::system_error", strerror(e)); }
void __throw_bad_function_call() { die("std::bad_function_call"); }
}  // namespace std
