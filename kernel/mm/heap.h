// kernel/mm/heap.h - the kernel heap: kmalloc() and kfree().
//
// The page allocator deals in 4 KiB pages; most kernel objects are far
// smaller. The heap keeps eight size classes, 16, 32, ... 2048 bytes, and for
// each a list of "slabs": blocks of pages from the page allocator cut into
// equal objects, the free ones linked through their own first bytes. A
// request is rounded up to its class and served from a slab of that class in
// O(1). Anything above 2048 bytes goes straight to the page allocator, with a
// 16-byte header in front recording the block's order so kfree knows what to
// give back. This is the idea of Linux's SLAB/SLUB (mm/slub.c: kmalloc caches
// kmalloc-16 ... kmalloc-8k) in its simplest form; xv6 has no heap at all.
//
// kfree(p) finds p's block through the page allocator (find_allocated_block,
// like Linux's virt_to_slab), then reads the header at the block's start:
// a slab or a large allocation. That also catches, cheaply: freeing a pointer
// the heap never returned, a pointer into the middle of an object, and (for
// slab objects) a double free. Objects are aligned to 16 bytes.
//
// Thread-safe: one spinlock (interrupts off). Lock order: the heap's lock,
// then the page allocator's.
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "kernel/lib/list.h"
#include "kernel/mm/page_alloc.h"
#include "kernel/sync/spinlock.h"

struct HeapStats {
    size_t bytes_in_use = 0;  // live allocations, each counted at its rounded-up size
    size_t allocations = 0;   // live allocations (kmalloc'd, not yet kfree'd)
    size_t pages_held = 0;    // pages the heap has from the page allocator
};

class Heap {
public:
    static constexpr unsigned kClasses = 8;  // 16, 32, 64, ..., 2048 bytes
    static constexpr size_t kMaxSlabObject = 2048;
    // Every pointer alloc() returns is aligned to this (max_align_t's 16).
    static constexpr size_t kAlignment = 16;
    // Empty slabs kept per class, so that alloc/free/alloc does not give a
    // page back and take it again each time. trim() drops them.
    static constexpr unsigned kMaxEmptySlabs = 1;

    // Same idea as PageAllocator::MisuseHook: the kernel's default panics.
    using MisuseHook = void (*)(const char* what, const void* ptr);

    explicit constexpr Heap(PageAllocator& pages) : pages_(pages) {}
    Heap(const Heap&) = delete;
    Heap& operator=(const Heap&) = delete;

    // At least `size` bytes, 16-byte aligned, not cleared; nullptr if out of
    // memory or above the largest block (4 MiB minus the header). alloc(0)
    // returns a unique pointer, as C++'s operator new must.
    void* alloc(size_t size);
    // Gives back a pointer from alloc(); nullptr is ignored. False (and the
    // misuse hook called) if ptr is not a live allocation of this heap.
    bool free(void* ptr);
    // Bytes usable at ptr (its class size, or the large block minus header);
    // 0 if ptr is not a live allocation.
    size_t allocation_size(const void* ptr) const;

    HeapStats stats() const;
    // Returns the cached empty slabs to the page allocator (before leak checks).
    void trim();
    void set_misuse_hook(MisuseHook hook) { misuse_hook_ = hook; }

private:
    // In a free slab object: the next free object, and a marker saying "this
    // object is free" that lets free() spot a double free cheaply.
    struct FreeObject {
        FreeObject* next;
        uint64_t free_marker;
    };

    // The header at the start of every slab block.
    struct Slab {
        uint32_t magic;          // kSlabMagic
        uint16_t size_class;     // index into the class table
        uint16_t in_use;         // objects handed out
        FreeObject* free_list;   // this slab's free objects
        ListNode node;           // on partial_[size_class] while it has free objects
    };
    using SlabList = IntrusiveList<Slab, &Slab::node>;

    // What a pointer turned out to be (see classify()).
    struct Found {
        Slab* slab = nullptr;        // a slab object: its slab
        uintptr_t large_block = 0;   // a large allocation: its block (physical)
        unsigned large_order = 0;
        size_t size = 0;             // usable bytes
        const char* problem = nullptr;  // why it is not a live allocation
    };

    void* alloc_large(size_t size);
    Slab* new_slab(unsigned size_class);
    void release_slab(Slab* slab);
    Found classify(const void* ptr) const;
    void report(const char* what, const void* ptr) const;

    PageAllocator& pages_;
    mutable SpinLock lock_;
    SlabList partial_[kClasses];        // slabs with at least one free object
    unsigned empty_slabs_[kClasses] = {};  // of those, how many are entirely free
    HeapStats stats_;
    MisuseHook misuse_hook_ = nullptr;
};

// The kernel's heap, on page_allocator(). Usable once page_allocator().init()
// has run. The kernel's operator new/delete call these.
Heap& kernel_heap();
void* kmalloc(size_t size);
void kfree(void* ptr);
HeapStats heap_stats();
