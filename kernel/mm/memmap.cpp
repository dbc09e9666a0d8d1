// kernel/mm/memmap.cpp - the physical memory map (see memmap.h).
//
// Two sorted lists of disjoint, non-touching ranges (usable, reserved) and an
// answer recomputed from them after every change: a merge-style walk that
// cuts each usable range at the reserved ranges it overlaps. With a few dozen
// entries, recomputing is cheaper to read than updating incrementally, and
// this only runs during boot. Linux's memblock keeps the same two lists
// (memblock.memory, memblock.reserved) and subtracts them when memblock
// releases its pages to the buddy allocator.
#include "kernel/mm/memmap.h"

namespace {

constexpr uint64_t kMax = UINT64_MAX;
constexpr uint64_t kPageMask = kPageSize - 1;

// base + size, clamped at the top of the address space instead of wrapping
// (a range reaching the very last byte loses that byte; it is not a whole
// page anyway).
uint64_t end_of(uint64_t base, uint64_t size) { return size > kMax - base ? kMax : base + size; }

uint64_t align_down(uint64_t x) { return x & ~kPageMask; }
// Rounded up to a page; kMax if that would overflow.
uint64_t align_up(uint64_t x) { return x > kMax - kPageMask ? kMax : (x + kPageMask) & ~kPageMask; }

uint64_t min(uint64_t a, uint64_t b) { return a < b ? a : b; }
uint64_t max(uint64_t a, uint64_t b) { return a > b ? a : b; }

// Adds [base, end) to a sorted list of disjoint, non-touching ranges, merging
// with every entry it overlaps or touches. False if the list is full and the
// range merges with nothing.
bool insert(PhysRange* list, size_t& count, size_t capacity, uint64_t base, uint64_t end) {
    if (base >= end) return true;  // empty: nothing to add
    // Entries before `first` end strictly before base (with a gap): untouched.
    size_t first = 0;
    while (first < count && list[first].end() < base) first++;
    // Entries [first, last) overlap or touch [base, end): they merge into it.
    size_t last = first;
    while (last < count && list[last].base <= end) {
        base = min(base, list[last].base);
        end = max(end, list[last].end());
        last++;
    }
    size_t merged = last - first;
    if (merged == 0) {
        if (count == capacity) return false;
        for (size_t i = count; i > first; i--) list[i] = list[i - 1];  // open a slot
        count++;
    } else {
        // Keep one slot for the result, close the gap behind it.
        for (size_t i = last; i < count; i++) list[i - merged + 1] = list[i];
        count -= merged - 1;
    }
    list[first] = PhysRange{base, end - base};
    return true;
}

}  // namespace

bool MemoryMap::add_usable(uint64_t base, uint64_t size) {
    bool ok = insert(usable_, usable_count_, kMaxUsable, base, end_of(base, size));
    if (!ok) overflowed_ = true;
    rebuild();
    return ok;
}

void MemoryMap::reserve(uint64_t base, uint64_t size) {
    if (size == 0) return;
    uint64_t start = align_down(base);
    uint64_t end = align_up(end_of(base, size));
    while (!insert(reserved_, reserved_count_, kMaxReserved, start, end)) {
        // Full: join the two neighbours with the smallest gap between them
        // (reserving that gap too), which frees one slot, and try again.
        overflowed_ = true;
        size_t best = 0;
        for (size_t i = 1; i + 1 < reserved_count_; i++) {
            if (reserved_[i + 1].base - reserved_[i].end() < reserved_[best + 1].base - reserved_[best].end())
                best = i;
        }
        reserved_[best].size = reserved_[best + 1].end() - reserved_[best].base;
        for (size_t i = best + 1; i + 1 < reserved_count_; i++) reserved_[i] = reserved_[i + 1];
        reserved_count_--;
    }
    rebuild();
}

// The answer = usable minus reserved. Both lists are sorted, so for each
// usable range we step through the reserved ranges that overlap it, emitting
// the pieces in between.
void MemoryMap::rebuild() {
    count_ = 0;
    for (size_t u = 0; u < usable_count_; u++) {
        uint64_t cursor = usable_[u].base;
        const uint64_t end = usable_[u].end();
        for (size_t r = 0; r < reserved_count_ && cursor < end; r++) {
            const PhysRange& hole = reserved_[r];
            if (hole.end() <= cursor) continue;  // wholly before what is left
            if (hole.base >= end) break;         // this and later ones are after it
            if (hole.base > cursor) emit(cursor, hole.base);
            cursor = hole.end();
        }
        if (cursor < end) emit(cursor, end);
    }
}

// Appends [base, end) rounded inwards to whole pages, if a page remains.
void MemoryMap::emit(uint64_t base, uint64_t end) {
    uint64_t first = align_up(base);
    uint64_t last = align_down(end);
    // count_ < kMaxRanges always holds: see kMaxRanges in memmap.h.
    if (first < last && count_ < kMaxRanges) ranges_[count_++] = PhysRange{first, last - first};
}

uint64_t MemoryMap::total_usable() const {
    uint64_t total = 0;
    for (const PhysRange& r : *this) total += r.size;
    return total;
}
