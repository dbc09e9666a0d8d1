// tests/host/multiboot_test.cpp - kernel/mm/multiboot_mmap.cpp.
//
// Each test builds a Multiboot information structure, memory map, module
// list and strings inside a host buffer that stands for physical memory at
// kBase, and passes the parser the offset from those physical addresses to
// the buffer. The buffer ends exactly where the test's data ends, so a read
// past a length the parser should have respected trips AddressSanitizer.
#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "kernel/mm/multiboot_mmap.h"

namespace {

constexpr uint64_t kBase = 0x100000;  // where the fake structures "are"
constexpr uint32_t kInfo = 0x100000, kCmdline = 0x100200, kMods = 0x100300, kModName = 0x100400,
                   kMmap = 0x100500;

// Flag bits of the information structure.
constexpr uint32_t kMemSizes = 1 << 0, kCmdlineFlag = 1 << 2, kModsFlag = 1 << 3, kMmapFlag = 1 << 6;

class FakePhys {
public:
    explicit FakePhys(size_t size) : bytes_(size, 0) {}
    void put32(uint64_t phys, uint32_t v) { std::memcpy(at(phys), &v, 4); }
    void put64(uint64_t phys, uint64_t v) { std::memcpy(at(phys), &v, 8); }
    void puts(uint64_t phys, const std::string& s) { std::memcpy(at(phys), s.c_str(), s.size() + 1); }
    uint8_t* at(uint64_t phys) { return bytes_.data() + (phys - kBase); }
    uintptr_t offset() const { return uintptr_t(bytes_.data()) - kBase; }
    const void* info() { return at(kInfo); }

    // Writes memory map entries from `phys` on; returns the map's length.
    struct Entry {
        uint64_t base, length;
        uint32_t type;
        uint32_t size = 20;  // the entry's size field (not counting itself)
    };
    uint32_t put_mmap(uint64_t phys, const std::vector<Entry>& entries) {
        uint64_t p = phys;
        for (const Entry& e : entries) {
            put32(p, e.size);
            put64(p + 4, e.base);
            put64(p + 12, e.length);
            put32(p + 20, e.type);
            p += 4 + e.size;
        }
        return uint32_t(p - phys);
    }

private:
    std::vector<uint8_t> bytes_;
};

// QEMU's e820 map for -m 512M.
const std::vector<FakePhys::Entry> kQemu512M = {
    {0x0, 0x9fc00, 1},          {0x9fc00, 0x400, 2},     {0xf0000, 0x10000, 2},
    {0x100000, 0x1fee0000, 1},  {0x1ffe0000, 0x20000, 2}, {0xfffc0000, 0x40000, 2},
};

using Ranges = std::vector<std::pair<uint64_t, uint64_t>>;
Ranges ranges_of(const MemoryMap& m) {
    Ranges out;
    for (const PhysRange& r : m) out.emplace_back(r.base, r.end());
    return out;
}

TEST(Multiboot, QemuLikeBoot) {
    FakePhys mem(kMmap + 6 * 24 - kBase);  // ends right after the memory map
    mem.put32(kInfo + 0, kMemSizes | kCmdlineFlag | kModsFlag | kMmapFlag);
    mem.put32(kInfo + 4, 639);
    mem.put32(kInfo + 8, 523136);
    mem.put32(kInfo + 16, kCmdline);
    mem.put32(kInfo + 20, 2);  // mods_count
    mem.put32(kInfo + 24, kMods);
    mem.puts(kCmdline, "test=all quiet");
    mem.put32(kMods + 0, 0x200000);  // module 0: the initrd
    mem.put32(kMods + 4, 0x280000);
    mem.put32(kMods + 8, kModName);
    mem.put32(kMods + 16, 0x300000);  // module 1: 256 bytes, no string
    mem.put32(kMods + 20, 0x300100);
    mem.puts(kModName, "initrd.cpio");
    uint32_t len = mem.put_mmap(kMmap, kQemu512M);
    mem.put32(kInfo + 44, len);
    mem.put32(kInfo + 48, kMmap);

    MemoryMap map;
    MultibootResult r;
    ASSERT_TRUE(multiboot_parse(mem.info(), mem.offset(), map, &r));
    EXPECT_FALSE(r.truncated);
    ASSERT_NE(r.cmdline, nullptr);
    EXPECT_STREQ(r.cmdline, "test=all quiet");
    ASSERT_EQ(r.module_count, 2u);
    EXPECT_EQ(r.modules[0].start, 0x200000u);
    EXPECT_EQ(r.modules[0].end, 0x280000u);
    EXPECT_STREQ(r.modules[0].string, "initrd.cpio");
    EXPECT_EQ(r.modules[1].start, 0x300000u);
    EXPECT_EQ(r.modules[1].end, 0x300100u);
    EXPECT_EQ(r.modules[1].string, nullptr);
    EXPECT_EQ(r.memory_total, 0x9fc00u + 0x1fee0000u);

    // Available RAM, less the page holding the Multiboot structures and the
    // two modules (the second rounded out to a whole page).
    EXPECT_EQ(ranges_of(map), (Ranges{{0x0, 0x9f000},
                                      {0x101000, 0x200000},
                                      {0x280000, 0x300000},
                                      {0x301000, 0x1ffe0000}}));
    EXPECT_EQ(map.usable_count(), 2u);  // the two type-1 ranges as given
}

TEST(Multiboot, EntriesWithLargerSizeFieldAndOddAlignment) {
    // Some loaders pad entries (size 24); the map may start at any address:
    // the parser must step by size + 4 and not assume 8-byte alignment.
    const uint32_t odd = kMmap + 1;
    FakePhys mem(odd + 3 * 28 - kBase);
    std::vector<FakePhys::Entry> entries = {
        {0x0, 0x80000, 1, 24}, {0x80000, 0x20000, 2, 24}, {0x1000000, 0x1000000, 1, 24}};
    uint32_t len = mem.put_mmap(odd, entries);
    EXPECT_EQ(len, 3u * 28);
    mem.put32(kInfo + 0, kMmapFlag);
    mem.put32(kInfo + 44, len);
    mem.put32(kInfo + 48, odd);
    MemoryMap map;
    MultibootResult r;
    ASSERT_TRUE(multiboot_parse(mem.info(), mem.offset(), map, &r));
    EXPECT_EQ(r.cmdline, nullptr);
    EXPECT_EQ(r.module_count, 0u);
    EXPECT_EQ(ranges_of(map), (Ranges{{0x0, 0x80000}, {0x1000000, 0x2000000}}));
    EXPECT_EQ(r.memory_total, 0x80000u + 0x1000000u);
}

TEST(Multiboot, OnlyType1IsUsable) {
    FakePhys mem(kMmap + 5 * 24 - kBase);
    uint32_t len = mem.put_mmap(kMmap, {{0x1000000, 0x100000, 3},    // ACPI tables
                                        {0x2000000, 0x100000, 4},    // ACPI NVS
                                        {0x3000000, 0x100000, 5},    // bad RAM
                                        {0x4000000, 0, 1},           // empty
                                        {0x5000000, 0x100000, 1}});  // the only RAM
    mem.put32(kInfo + 0, kMmapFlag);
    mem.put32(kInfo + 44, len);
    mem.put32(kInfo + 48, kMmap);
    MemoryMap map;
    MultibootResult r;
    ASSERT_TRUE(multiboot_parse(mem.info(), mem.offset(), map, &r));
    EXPECT_EQ(ranges_of(map), (Ranges{{0x5000000, 0x5100000}}));
    EXPECT_EQ(r.memory_total, 0x100000u);
}

TEST(Multiboot, FallsBackToMemLowerAndUpper) {
    FakePhys mem(0x100);
    mem.put32(kInfo + 0, kMemSizes);
    mem.put32(kInfo + 4, 639);     // KiB below 1 MiB
    mem.put32(kInfo + 8, 130048);  // KiB above 1 MiB: 127 MiB
    MemoryMap map;
    MultibootResult r;
    ASSERT_TRUE(multiboot_parse(mem.info(), mem.offset(), map, &r));
    // The structure's own page (at 1 MiB) is reserved.
    EXPECT_EQ(ranges_of(map), (Ranges{{0x0, 0x9f000}, {0x101000, 0x100000 + 130048 * 1024}}));
    EXPECT_EQ(r.memory_total, (639u + 130048u) * 1024);
}

TEST(Multiboot, NoMemoryInformationFails) {
    FakePhys mem(0x100);
    mem.put32(kInfo + 0, 0);
    MemoryMap map;
    MultibootResult r;
    EXPECT_FALSE(multiboot_parse(mem.info(), mem.offset(), map, &r));
    EXPECT_EQ(map.count(), 0u);
    EXPECT_FALSE(multiboot_parse(nullptr, 0, map, &r));
}

TEST(Multiboot, EntryWithTooSmallSizeStopsTheMap) {
    FakePhys mem(kMmap + 3 * 24 - kBase);
    uint32_t len = mem.put_mmap(kMmap, {{0x1000000, 0x100000, 1}, {0x2000000, 0x100000, 1, 12},
                                        {0x3000000, 0x100000, 1}});
    mem.put32(kInfo + 0, kMmapFlag);
    mem.put32(kInfo + 44, len);
    mem.put32(kInfo + 48, kMmap);
    MemoryMap map;
    MultibootResult r;
    EXPECT_FALSE(multiboot_parse(mem.info(), mem.offset(), map, &r));
    EXPECT_TRUE(r.truncated);
    EXPECT_EQ(ranges_of(map), (Ranges{{0x1000000, 0x1100000}}));  // what came before is kept
}

TEST(Multiboot, LengthCuttingAnEntryInHalf) {
    // mmap_length ends 10 bytes into the second entry, and so does memory.
    FakePhys mem(kMmap + 24 + 10 - kBase);
    FakePhys full(kMmap + 48 - kBase);
    full.put_mmap(kMmap, {{0x1000000, 0x100000, 1}, {0x2000000, 0x100000, 1}});
    std::memcpy(mem.at(kMmap), full.at(kMmap), 34);
    mem.put32(kInfo + 0, kMmapFlag);
    mem.put32(kInfo + 44, 34);
    mem.put32(kInfo + 48, kMmap);
    MemoryMap map;
    MultibootResult r;
    EXPECT_FALSE(multiboot_parse(mem.info(), mem.offset(), map, &r));
    EXPECT_EQ(ranges_of(map), (Ranges{{0x1000000, 0x1100000}}));
}

TEST(Multiboot, HugeMapLengthIsCapped) {
    // A garbage length: the parser reads on until an entry is malformed (the
    // zeros after the real entries), never past its 16 KiB cap.
    FakePhys mem(kMmap + 24 + 4 - kBase);
    mem.put_mmap(kMmap, {{0x1000000, 0x100000, 1}});
    mem.put32(kInfo + 0, kMmapFlag);
    mem.put32(kInfo + 44, 0xffffffff);
    mem.put32(kInfo + 48, kMmap);
    MemoryMap map;
    MultibootResult r;
    EXPECT_FALSE(multiboot_parse(mem.info(), mem.offset(), map, &r));
    EXPECT_TRUE(r.truncated);
    EXPECT_EQ(ranges_of(map), (Ranges{{0x1000000, 0x1100000}}));
}

TEST(Multiboot, TooManyModulesAndBackwardsModules) {
    FakePhys mem(kMods + 1000 * 16 - kBase);
    mem.put32(kInfo + 0, kModsFlag | kMemSizes);
    mem.put32(kInfo + 8, 64 * 1024);
    mem.put32(kInfo + 20, 1000);
    mem.put32(kInfo + 24, kMods);
    for (uint32_t i = 0; i < 1000; i++) {
        uint32_t start = 0x1000000 + i * 0x10000;
        mem.put32(kMods + i * 16, start);
        mem.put32(kMods + i * 16 + 4, i == 1 ? start - 1 : start + 0x8000);  // module 1 ends before it starts
    }
    MemoryMap map;
    MultibootResult r;
    ASSERT_TRUE(multiboot_parse(mem.info(), mem.offset(), map, &r));
    EXPECT_TRUE(r.truncated);
    EXPECT_EQ(r.module_count, MultibootResult::kMaxModules - 1);  // 8 read, 1 rejected
    EXPECT_EQ(r.modules[0].start, 0x1000000u);
    EXPECT_EQ(r.modules[1].start, 0x1020000u);  // module 2: module 1 was skipped
    // Each recorded module is reserved.
    for (unsigned i = 0; i < r.module_count; i++) {
        for (const PhysRange& range : map)
            EXPECT_FALSE(r.modules[i].start < range.end() && r.modules[i].end > range.base) << i;
    }
}

TEST(Multiboot, UnterminatedCmdlineIsIgnored) {
    FakePhys mem(kCmdline + 5000 - kBase);
    std::memset(mem.at(kCmdline), 'x', 5000);
    mem.put32(kInfo + 0, kCmdlineFlag | kMemSizes);
    mem.put32(kInfo + 8, 1024);
    mem.put32(kInfo + 16, kCmdline);
    MemoryMap map;
    MultibootResult r;
    ASSERT_TRUE(multiboot_parse(mem.info(), mem.offset(), map, &r));
    EXPECT_EQ(r.cmdline, nullptr);
    EXPECT_TRUE(r.truncated);
}

}  // namespace
