// kernel/mm/memmap.h - which physical memory the kernel may use.
//
// Boot code learns where RAM is from the firmware (the Multiboot memory map
// on x86-64, the device tree's memory nodes on AArch64) and knows what is
// already taken: the kernel image, the initrd, the DTB, the boot page tables,
// the first MiB on x86 (BIOS data, VGA memory). MemoryMap collects both lists
// and answers "which whole pages are free to hand out", which is exactly what
// the page allocator needs to start. Counterparts: Linux's memblock
// (mm/memblock.c: memblock_add / memblock_reserve), x86's e820 tables; xv6
// simply frees everything from the kernel's end to a fixed PHYSTOP.
//
// Both lists are kept sorted and merged on every call, and the result
// (usable minus reserved, rounded inwards to whole pages) is recomputed each
// time, so the order of add_usable() and reserve() calls does not matter and
// the map is always ready to read. Fixed capacity, no allocation: it exists
// before any allocator does.
#pragma once

#include <stddef.h>
#include <stdint.h>

// The page: the unit of physical memory management on both architectures
// (4 KiB base pages on x86-64 and, as Handoff configures it, on AArch64).
constexpr size_t kPageSize = 4096;
constexpr unsigned kPageShift = 12;

// [base, base + size) in physical memory.
struct PhysRange {
    uint64_t base = 0;
    uint64_t size = 0;

    uint64_t end() const { return base + size; }  // one past the last byte
};

class MemoryMap {
public:
    // QEMU reports 3 to 8 RAM ranges; room to spare.
    static constexpr size_t kMaxUsable = 32;
    static constexpr size_t kMaxReserved = 32;
    // Each reserved range can split one usable range in two, so the result
    // never has more than kMaxUsable + kMaxReserved ranges.
    static constexpr size_t kMaxRanges = kMaxUsable + kMaxReserved;

    constexpr MemoryMap() = default;

    // Records [base, base + size) as RAM. Overlapping or touching ranges
    // merge. Returns false (and sets overflowed()) if the table is full and
    // the range had to be dropped: losing RAM is safe, just wasteful.
    bool add_usable(uint64_t base, uint64_t size);

    // Marks [base, base + size) as not for the page allocator, rounded
    // outwards to whole pages (a page that is partly taken is taken). Never
    // forgets a reservation, since that would hand out, say, the kernel's own
    // code: when the table is full, the two closest reservations are joined
    // into one, giving up the RAM between them (and overflowed() is set).
    void reserve(uint64_t base, uint64_t size);

    // The answer: usable minus reserved, whole pages only, sorted by address,
    // no two ranges overlapping or touching. Iterate with range-for:
    //     for (const PhysRange& r : map) ...
    size_t count() const { return count_; }
    const PhysRange& operator[](size_t i) const { return ranges_[i]; }
    const PhysRange* begin() const { return ranges_; }
    const PhysRange* end() const { return ranges_ + count_; }
    // Bytes in the answer (a multiple of kPageSize).
    uint64_t total_usable() const;

    // The inputs, sorted and merged: for printing the boot memory map.
    size_t usable_count() const { return usable_count_; }
    const PhysRange& usable(size_t i) const { return usable_[i]; }
    size_t reserved_count() const { return reserved_count_; }
    const PhysRange& reserved(size_t i) const { return reserved_[i]; }

    // True if a range was dropped or reservations were joined.
    bool overflowed() const { return overflowed_; }

private:
    void rebuild();
    void emit(uint64_t base, uint64_t end);

    PhysRange usable_[kMaxUsable] = {};
    size_t usable_count_ = 0;
    PhysRange reserved_[kMaxReserved] = {};
    size_t reserved_count_ = 0;
    PhysRange ranges_[kMaxRanges] = {};  // the answer
    size_t count_ = 0;
    bool overflowed_ = false;
};
