// kernel/mm/heap.cpp - kmalloc/kfree on slabs and whole blocks (see heap.h).
//
// A slab block starts with its Slab header; the objects follow from byte 32,
// so they are 16-byte aligned. Slabs of the bigger classes span several
// pages, so that each slab holds at least 7 objects instead of wasting most
// of a page on one 2048-byte object. A slab is on its class's `partial_`
// list while it has a free object; a full slab is off every list until one
// of its objects is freed. A large allocation is a page block whose first 16
// bytes are a LargeHeader. Linux's SLUB has the same partial lists
// (kmem_cache_node.partial) and its kmalloc_large() sends big requests to
// the page allocator directly.
#include "kernel/mm/heap.h"

#include <new>

#include "kernel/lib/string.h"

#ifndef HANDOFF_HOST_TEST
#include "kernel/printk.h"
#endif

namespace {

struct SizeClass {
    size_t size;     // object size
    unsigned order;  // slab block: 2^order pages
};
constexpr SizeClass kSizeClasses[Heap::kClasses] = {
    {16, 0}, {32, 0}, {64, 0}, {128, 0}, {256, 0}, {512, 0}, {1024, 1}, {2048, 2},
};

constexpr size_t kObjectsOffset = 32;  // first object after the Slab header
constexpr uint32_t kSlabMagic = 0x42414c53;   // "SLAB" in memory (little-endian)
constexpr uint32_t kLargeMagic = 0x4752414c;  // "LARG"
// Written into every free object; Linux's slab poisons with 0x6b bytes.
constexpr uint64_t kFreeMarker = 0x6b6b6b6b6b6b6b6bULL;

// The header in front of a large allocation; 16 bytes keep the pointer
// after it 16-byte aligned.
struct LargeHeader {
    uint32_t magic;
    uint32_t order;
    uint64_t unused;
};
constexpr size_t kLargeHeaderSize = sizeof(LargeHeader);
static_assert(kLargeHeaderSize == Heap::kAlignment);

size_t slab_bytes(unsigned c) { return kPageSize << kSizeClasses[c].order; }
size_t capacity(unsigned c) { return (slab_bytes(c) - kObjectsOffset) / kSizeClasses[c].size; }

// The smallest class holding `size` bytes (size <= kMaxSlabObject).
unsigned class_for(size_t size) {
    unsigned c = 0;
    while (kSizeClasses[c].size < size) c++;
    return c;
}

void default_misuse(const char* what, const void* ptr) {
#ifdef HANDOFF_HOST_TEST
    (void)what;
    (void)ptr;
#else
    panic("kfree: %s (%p)", what, ptr);
#endif
}

}  // namespace

void* Heap::alloc(size_t size) {
    if (size == 0) size = 1;  // C++ wants a distinct pointer even for new T[0]
    if (size > kMaxSlabObject) return alloc_large(size);
    unsigned c = class_for(size);

    SpinLockGuard guard(lock_);
    Slab* slab = partial_[c].front();
    if (slab == nullptr) {
        slab = new_slab(c);
        if (slab == nullptr) return nullptr;
        partial_[c].push_front(*slab);
        empty_slabs_[c]++;
    }
    if (slab->in_use == 0) empty_slabs_[c]--;  // about to be not empty
    FreeObject* object = slab->free_list;
    slab->free_list = object->next;
    slab->in_use++;
    object->free_marker = 0;
    if (slab->free_list == nullptr) partial_[c].remove(*slab);  // full now

    stats_.bytes_in_use += kSizeClasses[c].size;
    stats_.allocations++;
    return object;
}

void* Heap::alloc_large(size_t size) {
    // Pages for size + header, rounded up to a power of two: the order.
    if (size > (kPageSize << PageAllocator::kMaxOrder) - kLargeHeaderSize) return nullptr;
    size_t pages = (size + kLargeHeaderSize + kPageSize - 1) / kPageSize;
    unsigned order = 0;
    while ((size_t(1) << order) < pages) order++;

    uintptr_t phys = pages_.alloc_pages(order);
    if (phys == 0) return nullptr;
    auto* header = new (pages_.to_virt(phys)) LargeHeader{kLargeMagic, order, 0};

    SpinLockGuard guard(lock_);
    stats_.bytes_in_use += (kPageSize << order) - kLargeHeaderSize;
    stats_.allocations++;
    stats_.pages_held += size_t(1) << order;
    return header + 1;
}

// A new slab for class c: header, then every object on the free list in
// address order. Called with lock_ held (then takes the page allocator's).
Heap::Slab* Heap::new_slab(unsigned c) {
    static_assert(sizeof(Slab) <= kObjectsOffset && kObjectsOffset % kAlignment == 0);
    uintptr_t phys = pages_.alloc_pages(kSizeClasses[c].order);
    if (phys == 0) return nullptr;
    auto* base = static_cast<unsigned char*>(pages_.to_virt(phys));
    auto* slab = new (base) Slab{kSlabMagic, uint16_t(c), 0, nullptr, {}};

    const size_t size = kSizeClasses[c].size;
    FreeObject** link = &slab->free_list;
    for (size_t i = 0; i < capacity(c); i++) {
        auto* object = new (base + kObjectsOffset + i * size) FreeObject{nullptr, kFreeMarker};
        *link = object;
        link = &object->next;
    }
    stats_.pages_held += size_t(1) << kSizeClasses[c].order;
    return slab;
}

// Gives an empty slab's pages back. Called with lock_ held, slab off every list.
void Heap::release_slab(Slab* slab) {
    unsigned order = kSizeClasses[slab->size_class].order;
    slab->magic = 0;  // a stale pointer into it must not look like a slab
    stats_.pages_held -= size_t(1) << order;
    pages_.free_pages(pages_.to_phys(slab), order);
}

// What `ptr` is: a live slab object, a live large allocation, or a problem.
// Called with lock_ held.
Heap::Found Heap::classify(const void* ptr) const {
    Found found;
    uintptr_t block;
    unsigned order;
    if (!pages_.find_allocated_block(pages_.to_phys(ptr), &block, &order)) {
        found.problem = "pointer not allocated by the heap";
        return found;
    }
    auto* start = static_cast<unsigned char*>(pages_.to_virt(block));
    uint32_t magic;
    memcpy(&magic, start, sizeof magic);

    if (magic == kLargeMagic) {
        auto* header = reinterpret_cast<LargeHeader*>(start);
        if (ptr != header + 1 || header->order != order) {
            found.problem = "pointer into the middle of an allocation";
            return found;
        }
        found.large_block = block;
        found.large_order = order;
        found.size = (kPageSize << order) - kLargeHeaderSize;
        return found;
    }

    auto* slab = reinterpret_cast<Slab*>(start);
    if (magic != kSlabMagic || slab->size_class >= kClasses ||
        kSizeClasses[slab->size_class].order != order) {
        found.problem = "pointer not allocated by the heap";  // a page block someone else owns
        return found;
    }
    const unsigned c = slab->size_class;
    const uintptr_t first = uintptr_t(start) + kObjectsOffset;
    const uintptr_t p = uintptr_t(ptr);
    const size_t size = kSizeClasses[c].size;
    if (p < first || (p - first) % size != 0 || (p - first) / size >= capacity(c)) {
        found.problem = "pointer into the middle of an allocation";
        return found;
    }
    // The marker alone could be user data that happens to match; being on
    // the free list settles it (a walk only when the marker matches).
    auto* object = reinterpret_cast<const FreeObject*>(ptr);
    if (object->free_marker == kFreeMarker) {
        for (const FreeObject* f = slab->free_list; f != nullptr; f = f->next) {
            if (f == object) {
                found.problem = "double free";
                return found;
            }
        }
    }
    found.slab = slab;
    found.size = size;
    return found;
}

bool Heap::free(void* ptr) {
    if (ptr == nullptr) return true;
    const char* problem;
    {
        SpinLockGuard guard(lock_);
        Found found = classify(ptr);
        problem = found.problem;
        if (problem == nullptr) {
            stats_.bytes_in_use -= found.size;
            stats_.allocations--;
            if (Slab* slab = found.slab) {
                const unsigned c = slab->size_class;
                bool was_full = slab->free_list == nullptr;
                slab->free_list = new (ptr) FreeObject{slab->free_list, kFreeMarker};
                slab->in_use--;
                if (was_full) partial_[c].push_front(*slab);
                if (slab->in_use == 0) {
                    // Keep a few empty slabs for the next alloc; give back the rest.
                    if (empty_slabs_[c] < kMaxEmptySlabs) {
                        empty_slabs_[c]++;
                    } else {
                        partial_[c].remove(*slab);
                        release_slab(slab);
                    }
                }
            } else {
                static_cast<LargeHeader*>(pages_.to_virt(found.large_block))->magic = 0;
                stats_.pages_held -= size_t(1) << found.large_order;
                pages_.free_pages(found.large_block, found.large_order);
            }
            return true;
        }
    }
    report(problem, ptr);  // outside the lock: the hook may print or panic
    return false;
}

size_t Heap::allocation_size(const void* ptr) const {
    if (ptr == nullptr) return 0;
    SpinLockGuard guard(lock_);
    Found found = classify(ptr);
    return found.problem ? 0 : found.size;
}

HeapStats Heap::stats() const {
    SpinLockGuard guard(lock_);
    return stats_;
}

void Heap::trim() {
    SpinLockGuard guard(lock_);
    for (unsigned c = 0; c < kClasses; c++) {
        while (empty_slabs_[c] > 0) {
            Slab* empty = nullptr;
            for (Slab& slab : partial_[c]) {
                if (slab.in_use == 0) {
                    empty = &slab;
                    break;
                }
            }
            if (empty == nullptr) break;  // cannot happen: the count says one exists
            partial_[c].remove(*empty);
            empty_slabs_[c]--;
            release_slab(empty);
        }
    }
}

void Heap::report(const char* what, const void* ptr) const {
    if (misuse_hook_)
        misuse_hook_(what, ptr);
    else
        default_misuse(what, ptr);
}

Heap& kernel_heap() {
    // Constructed on first use (kmalloc after page_allocator().init()). The
    // boot CPU makes that first call, so -fno-threadsafe-statics is fine.
    static Heap heap(page_allocator());
    return heap;
}

void* kmalloc(size_t size) { return kernel_heap().alloc(size); }
void kfree(void* ptr) { kernel_heap().free(ptr); }
HeapStats heap_stats() { return kernel_heap().stats(); }
