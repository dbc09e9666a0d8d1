// kernel/mm/multiboot_mmap.cpp - parsing the Multiboot 1 information (see
// multiboot_mmap.h).
//
// The structure and its memory map come from outside the kernel, so nothing
// in them is trusted: fields are copied out with memcpy (the memory map's
// 64-bit fields are not 8-byte aligned), every entry must fit inside the
// stated map length, and strings must end within a bounded length. Linux
// likewise copies the e820 table into its own array and sanitises it
// (e820__update_table) before believing it.
#include "kernel/mm/multiboot_mmap.h"

#include "kernel/lib/string.h"

namespace {

// The information structure up to the fields we read (Multiboot 0.6.96,
// section 3.3). The full structure is longer; these offsets never change.
struct MultibootInfo {
    uint32_t flags;
    uint32_t mem_lower;    // bit 0: KiB of RAM below 1 MiB
    uint32_t mem_upper;    // bit 0: KiB of RAM from 1 MiB to the first hole
    uint32_t boot_device;  // bit 1
    uint32_t cmdline;      // bit 2: physical address of a C string
    uint32_t mods_count;   // bit 3: module list
    uint32_t mods_addr;
    uint32_t syms[4];      // bits 4/5: symbol tables (unused)
    uint32_t mmap_length;  // bit 6: memory map, bytes
    uint32_t mmap_addr;
};
static_assert(offsetof(MultibootInfo, cmdline) == 16);
static_assert(offsetof(MultibootInfo, mods_count) == 20);
static_assert(offsetof(MultibootInfo, mmap_length) == 44);
static_assert(sizeof(MultibootInfo) == 52);

constexpr uint32_t kFlagMemSizes = 1u << 0;
constexpr uint32_t kFlagCmdline = 1u << 2;
constexpr uint32_t kFlagModules = 1u << 3;
constexpr uint32_t kFlagMemoryMap = 1u << 6;

// One memory map entry: u32 size, then `size` bytes that start with
// u64 base_addr, u64 length, u32 type. `size` does not count itself, so the
// next entry is at +4 + size (usually 4 + 20 = 24 bytes).
constexpr uint32_t kEntryMinSize = 20;
constexpr uint32_t kTypeAvailable = 1;

// The whole information structure, with the fields after mmap_addr we do not
// read (drives, config table, loader name, APM, VBE, framebuffer).
constexpr uint32_t kInfoFullSize = 116;

// A module list entry: mod_start, mod_end, string, reserved (all u32).
constexpr uint32_t kModuleEntrySize = 16;

// Caps on loader-supplied lengths. A real memory map has a few dozen
// entries and a command line is short; anything beyond is corrupt.
constexpr uint32_t kMaxMmapLength = 16 * 1024;
constexpr size_t kMaxString = 4096;

uint32_t load_u32(const uint8_t* p) {
    uint32_t v;
    memcpy(&v, p, sizeof v);  // x86 is little-endian, as Multiboot is
    return v;
}
uint64_t load_u64(const uint8_t* p) {
    uint64_t v;
    memcpy(&v, p, sizeof v);
    return v;
}

class Parser {
public:
    Parser(uintptr_t offset, MemoryMap& map, MultibootResult* result)
        : offset_(offset), map_(map), result_(result) {}

    const uint8_t* at(uint64_t phys) const {
        return reinterpret_cast<const uint8_t*>(uintptr_t(phys) + offset_);
    }

    // The C string at physical address `phys`, reserved in the map; nullptr
    // (and truncated) if it has no NUL within kMaxString bytes.
    const char* string_at(uint32_t phys) {
        if (phys == 0) return nullptr;
        const char* s = reinterpret_cast<const char*>(at(phys));
        size_t len = strnlen(s, kMaxString);
        if (len == kMaxString) {
            result_->truncated = true;
            return nullptr;
        }
        map_.reserve(phys, len + 1);
        return s;
    }

    // Adds the available ranges of the memory map; false if it is malformed.
    bool read_memory_map(uint32_t phys, uint32_t length) {
        if (length > kMaxMmapLength) {
            result_->truncated = true;
            length = kMaxMmapLength;
        }
        map_.reserve(phys, length);  // after the cap: a garbage length must not reserve all RAM
        const uint8_t* mmap = at(phys);
        uint64_t pos = 0;
        while (pos + 4 <= length) {
            uint32_t size = load_u32(mmap + pos);
            // The entry must hold base, length and type, and end inside the map.
            if (size < kEntryMinSize || pos + 4 + size > length) {
                result_->truncated = true;
                return false;
            }
            uint64_t base = load_u64(mmap + pos + 4);
            uint64_t len = load_u64(mmap + pos + 12);
            uint32_t type = load_u32(mmap + pos + 20);
            // Only type 1 is free RAM. 2 is reserved, 3 ACPI tables (reusable
            // once read: Handoff does not read them), 4 ACPI NVS, 5 bad RAM.
            if (type == kTypeAvailable && len > 0) {
                if (!map_.add_usable(base, len)) result_->truncated = true;
                result_->memory_total += len;
            }
            pos += 4 + uint64_t(size);
        }
        return true;
    }

    void read_modules(uint32_t phys, uint32_t count) {
        if (count > MultibootResult::kMaxModules) {
            result_->truncated = true;
            count = MultibootResult::kMaxModules;
        }
        map_.reserve(phys, uint64_t(count) * kModuleEntrySize);
        const uint8_t* list = at(phys);
        for (uint32_t i = 0; i < count; i++) {
            const uint8_t* entry = list + i * kModuleEntrySize;
            uint32_t start = load_u32(entry);
            uint32_t end = load_u32(entry + 4);
            if (end < start) {
                result_->truncated = true;
                continue;
            }
            map_.reserve(start, end - start);
            MultibootModule& m = result_->modules[result_->module_count++];
            m.start = start;
            m.end = end;
            m.string = string_at(load_u32(entry + 8));
        }
    }

private:
    uintptr_t offset_;
    MemoryMap& map_;
    MultibootResult* result_;
};

}  // namespace

bool multiboot_parse(const void* info, uintptr_t phys_to_virt_offset, MemoryMap& map,
                     MultibootResult* result) {
    *result = MultibootResult{};
    if (info == nullptr) return false;
    MultibootInfo mbi;
    memcpy(&mbi, info, sizeof mbi);
    Parser parser(phys_to_virt_offset, map, result);

    // The structure itself: keep it until the kernel has read what it needs.
    map.reserve(uintptr_t(info) - phys_to_virt_offset, kInfoFullSize);

    if (mbi.flags & kFlagCmdline) result->cmdline = parser.string_at(mbi.cmdline);
    if (mbi.flags & kFlagModules) parser.read_modules(mbi.mods_addr, mbi.mods_count);

    if (mbi.flags & kFlagMemoryMap) return parser.read_memory_map(mbi.mmap_addr, mbi.mmap_length);
    if (mbi.flags & kFlagMemSizes) {
        // No map: the two sizes say there is RAM at [0, lower) and from 1 MiB.
        constexpr uint64_t kOneMiB = 1 << 20;
        uint64_t lower = uint64_t(mbi.mem_lower) * 1024, upper = uint64_t(mbi.mem_upper) * 1024;
        map.add_usable(0, lower);
        map.add_usable(kOneMiB, upper);
        result->memory_total = lower + upper;
        return true;
    }
    return false;
}
