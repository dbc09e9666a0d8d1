// arch/x86_64/paging.cpp - arch::PageTable on x86-64 and the kernel's own
// page tables. Compare xv6's vm.c (walk, mappages) and Linux's
// arch/x86/mm/init_64.c (kernel_physical_mapping_init) and mm/memory.c.
//
// Every page-table page comes from the page allocator and is reached through
// the direct map (arch::phys_to_virt), so this code never needs a table to be
// mapped anywhere special.
//
// One rule makes user address spaces cheap: the kernel half (PML4 entries
// 256..511) is the same in every address space. PageTable::create() copies
// those 256 entries from the kernel's table; they point at the same
// lower-level tables, so a kernel mapping made later below them shows up in
// every address space at once. For that to hold, no new kernel-half PML4
// entry may appear after boot: paging_init creates the ones the kernel uses
// (direct map, kernel image) and map() refuses to add another (Linux's
// x86-64 instead syncs new top-level entries into every process, see
// sync_global_pgds).
#include "arch/x86_64/paging.h"

#include "arch/arch.h"
#include "arch/x86_64/cpu_regs.h"
#include "arch/x86_64/tlb.h"
#include "kernel/boot_info.h"
#include "kernel/errno.h"
#include "kernel/lib/string.h"
#include "kernel/mm/page_alloc.h"
#include "kernel/printk.h"

// Read by trap_entry.S: 1 when CR4.SMAP is set, so entry code must CLAC.
uint8_t x86_smap_enabled = 0;  // extern "C" by its declaration in paging.h

// The kernel image's sections, from linker/kernel-x86_64.ld (page aligned).
extern "C" char __text_start[], __text_end[], __rodata_start[], __rodata_end[];
extern "C" char __data_start[], __data_end[];

namespace x86 {
namespace {

constexpr unsigned kEntries = 512;
// Levels, named by what their entries point at or map: PML4 (level 3) down
// to PT (level 0). A level-1 (PD) entry with kPteLarge maps 2 MiB.
constexpr int kLevelPml4 = 3;
constexpr int kLevelPd = 1;
constexpr int kLevelPt = 0;

arch::PageTable g_kernel_table;
bool g_kernel_table_ready;  // paging_init finished: kernel-half PML4 entries fixed

unsigned index_at(uintptr_t va, int level) {
    return (va >> (kPageShift + 9 * level)) & (kEntries - 1);
}
// Bytes one entry at `level` covers: 4 KiB, 2 MiB, 1 GiB, 512 GiB.
uint64_t span_at(int level) { return uint64_t(1) << (kPageShift + 9 * level); }
uint64_t* table_of(uint64_t entry_or_phys) {
    return reinterpret_cast<uint64_t*>(arch::phys_to_virt(entry_or_phys & kPteAddressMask));
}
bool is_kernel_half(uintptr_t va) { return va >= kKernelHalfStart; }

// A fresh, zeroed page for a table; 0 when out of memory.
uintptr_t alloc_table() {
    uintptr_t phys = page_allocator().alloc_page();
    if (phys) memset(table_of(phys), 0, kPageSize);
    return phys;
}

// arch::MapFlags -> entry bits. x86 cannot take read permission away from a
// present page, so kMapRead needs no bit.
uint64_t leaf_bits(uintptr_t va, uint32_t flags) {
    uint64_t bits = kPtePresent;
    if (flags & arch::kMapWrite) bits |= kPteWrite;
    if (!(flags & arch::kMapExec)) bits |= kPteNoExecute;
    if (flags & arch::kMapUser) bits |= kPteUser;
    // Uncached and write-through (PCD+PWT): with the default PAT this is the
    // "UC" memory type device registers need.
    if (flags & arch::kMapDevice) bits |= kPteCacheDisable | kPteWriteThrough;
    // Kernel-half mappings are the same in every address space, so their TLB
    // entries may survive address-space switches.
    if (is_kernel_half(va)) bits |= kPteGlobal;
    return bits;
}

// Entries above the leaf only point the way; the leaf decides the rights
// (the CPU ANDs writable/user and ORs no-execute down the walk). Tables in
// the user half are user-accessible, in the kernel half never.
uint64_t table_bits(uintptr_t va) {
    return kPtePresent | kPteWrite | (is_kernel_half(va) ? 0 : kPteUser);
}

// Returns the entry that maps `va` at `level` (0 = a 4 KiB page, 1 = a 2 MiB
// page). Without `error` it only looks, and returns nullptr where a table is
// missing. With `error` it creates missing tables on the way, and returns
// nullptr with *error = -ENOMEM when memory runs out or -EEXIST when a large
// page already maps the area at a higher level.
uint64_t* walk(uintptr_t root_phys, uintptr_t va, int level, int* error = nullptr) {
    uint64_t* table = table_of(root_phys);
    for (int l = kLevelPml4; l > level; l--) {
        uint64_t& entry = table[index_at(va, l)];
        if ((entry & kPtePresent) && (entry & kPteLarge)) {
            if (error) *error = -EEXIST;
            return nullptr;
        }
        if (!(entry & kPtePresent)) {
            if (!error) return nullptr;
            // See the file comment: kernel-half PML4 entries are fixed after boot.
            if (l == kLevelPml4 && is_kernel_half(va) && g_kernel_table_ready)
                panic("x86 paging: new kernel PML4 entry %u after boot (va 0x%lx)",
                      index_at(va, l), va);
            uintptr_t phys = alloc_table();
            if (!phys) {
                *error = -ENOMEM;
                return nullptr;
            }
            entry = phys | table_bits(va);
        }
        table = table_of(entry);
    }
    return &table[index_at(va, level)];
}

// Maps [va, va + size) to [pa, ...) with `flags`, using 2 MiB pages where
// both addresses are 2 MiB aligned and a whole 2 MiB remains, if
// `large_pages`. All-or-nothing: on failure, what was mapped is unmapped.
int map_range(arch::PageTable& pt, uintptr_t va, uintptr_t pa, size_t size, uint32_t flags,
              bool large_pages) {
    if ((va | pa | size) & (kPageSize - 1)) return -EINVAL;
    // The kernel half belongs to the kernel's table; another table mapping
    // there would write into the tables every address space shares.
    if (is_kernel_half(va) && &pt != &g_kernel_table) return -EINVAL;
    uint64_t bits = leaf_bits(va, flags);
    for (size_t done = 0; done < size;) {
        bool large = large_pages && (va + done) % kLargePageSize == 0 &&
                     (pa + done) % kLargePageSize == 0 && size - done >= kLargePageSize;
        int error = 0;
        uint64_t* entry = walk(pt.root_phys(), va + done, large ? kLevelPd : kLevelPt, &error);
        if (entry && (*entry & kPtePresent)) error = -EEXIST;
        if (error) {
            pt.unmap(va, done);
            return error;
        }
        // A not-present entry is never cached in the TLB, so filling one
        // needs no flush.
        *entry = (pa + done) | bits | (large ? kPteLarge : 0);
        done += large ? kLargePageSize : kPageSize;
    }
    return 0;
}

// Frees the table at `phys` (of `level`) and every table below it.
void free_tables(uintptr_t phys, int level) {
    if (level > kLevelPt) {
        uint64_t* table = table_of(phys);
        for (unsigned i = 0; i < kEntries; i++)
            if ((table[i] & kPtePresent) && !(table[i] & kPteLarge))
                free_tables(table[i] & kPteAddressMask, level - 1);
    }
    page_allocator().free_page(phys);
}

// Maps physical [phys, phys + size) at phys_to_virt(phys) in the kernel
// table, page by page, skipping pages already mapped there (e.g. by the
// RAM direct map). Returns the virtual address of `phys`.
uintptr_t map_into_direct_map(uintptr_t phys, size_t size, uint32_t flags) {
    uintptr_t first = phys & ~(kPageSize - 1);
    uintptr_t end = (phys + size + kPageSize - 1) & ~(kPageSize - 1);
    for (uintptr_t pa = first; pa < end; pa += kPageSize) {
        uintptr_t va = arch::phys_to_virt(pa), mapped_pa;
        uint32_t mapped_flags;
        if (g_kernel_table.lookup(va, &mapped_pa, &mapped_flags)) {
            if (mapped_pa != pa) panic("x86 paging: direct map of 0x%lx is 0x%lx", pa, mapped_pa);
            continue;
        }
        if (map_range(g_kernel_table, va, pa, kPageSize, flags, false) != 0)
            panic("x86 paging: out of memory mapping 0x%lx", pa);
    }
    return arch::phys_to_virt(phys);
}

}  // namespace

// CR0 and CR4 features the kernel relies on, set once the CPU says it has
// them. (EFER.NXE and CR0.WP were already set by the boot code or the
// trampoline.) Every CPU runs this for itself (x86::cpu_init).
void enable_cpu_features() {
    // SSE for user programs (printf("%f")): no x87 emulation, FXSAVE-style
    // state, SIMD exceptions as #XM. The kernel itself is built without SSE.
    // NE: x87 errors as #MF, not the PC's old external IRQ 13. CD and NW
    // clear: caches on (INIT leaves a secondary CPU with both set; Linux
    // sets the same CR0 on every CPU, CR0_STATE).
    write_cr0((read_cr0() & ~(kCr0Em | kCr0Cd | kCr0Nw)) | kCr0Mp | kCr0Ne);
    uint64_t cr4 = read_cr4() | kCr4Pge | kCr4Osfxsr | kCr4Osxmmexcpt;
    CpuidResult features = cpuid(7, 0);
    // SMEP: the kernel faults if it ever jumps into a user page (the classic
    // way to exploit a kernel bug). SMAP: it faults if it touches a user page
    // at all, except between STAC and CLAC - so the user-copy helpers
    // (uaccess.S) bracket their accesses with stac/clac.
    if (features.ebx & (1u << 7)) cr4 |= kCr4Smep;
    if (features.ebx & (1u << 20)) cr4 |= kCr4Smap;
    write_cr4(cr4);
    x86_smap_enabled = (cr4 & kCr4Smap) ? 1 : 0;
}

uintptr_t map_mmio(uintptr_t phys, size_t size) {
    return map_into_direct_map(phys, size, arch::kMapRead | arch::kMapWrite | arch::kMapDevice);
}

uintptr_t map_firmware(uintptr_t phys, size_t size) {
    return map_into_direct_map(phys, size, arch::kMapRead);
}

uintptr_t map_low_ram(uintptr_t phys, size_t size) {
    return map_into_direct_map(phys, size, arch::kMapRead | arch::kMapWrite);
}

}  // namespace x86

namespace arch {

using namespace x86;

bool PageTable::create() {
    root_phys_ = alloc_table();
    if (!root_phys_) return false;
    // Share the kernel half (see the file comment); before paging_init has
    // built the kernel's table there is nothing to share.
    if (g_kernel_table_ready) {
        uint64_t* root = table_of(root_phys_);
        uint64_t* kernel_root = table_of(g_kernel_table.root_phys());
        for (unsigned i = kKernelHalfFirstEntry; i < kEntries; i++) root[i] = kernel_root[i];
    }
    return true;
}

int PageTable::map(uintptr_t va, uintptr_t pa, size_t size, uint32_t flags) {
    return map_range(*this, va, pa, size, flags, false);
}

void PageTable::unmap(uintptr_t va, size_t size) {
    uintptr_t end = va + size;
    // The span of entries actually cleared, for one TLB flush at the end
    // rather than one per page: on several CPUs each flush may be a
    // shootdown (tlb.cpp).
    uintptr_t cleared_start = end, cleared_end = va;
    while (va < end) {
        uint64_t* pd_entry = walk(root_phys_, va, kLevelPd);
        if (pd_entry && (*pd_entry & kPteLarge)) {
            // Splitting a 2 MiB page into 512 small ones is not needed yet:
            // only the direct map uses large pages, and it is never unmapped.
            KASSERT(va % kLargePageSize == 0 && end - va >= kLargePageSize);
            *pd_entry = 0;
            if (cleared_start == end) cleared_start = va;
            cleared_end = va + kLargePageSize;
            va += kLargePageSize;
            continue;
        }
        uint64_t* entry = walk(root_phys_, va, kLevelPt);
        if (entry && (*entry & kPtePresent)) {
            *entry = 0;
            if (cleared_start == end) cleared_start = va;
            cleared_end = va + kPageSize;
        }
        va += kPageSize;
    }
    // Before returning: the caller may free the frames as soon as we do.
    if (cleared_start < cleared_end) flush_tlb_range(root_phys_, cleared_start, cleared_end);
}

bool PageTable::lookup(uintptr_t va, uintptr_t* pa, uint32_t* flags) const {
    uint64_t* table = table_of(root_phys_);
    for (int level = kLevelPml4; level >= kLevelPt; level--) {
        uint64_t entry = table[index_at(va, level)];
        if (!(entry & kPtePresent)) return false;
        // A leaf: a 4 KiB page, or a large page (2 MiB in a PD, 1 GiB in a
        // PDPT - the latter only if someone else built the table).
        if (level == kLevelPt || (entry & kPteLarge)) {
            uint64_t offset_mask = span_at(level) - 1;
            if (pa) *pa = (entry & kPteAddressMask & ~offset_mask) | (va & offset_mask);
            if (flags) {
                uint32_t f = kMapRead;
                if (entry & kPteWrite) f |= kMapWrite;
                if (!(entry & kPteNoExecute)) f |= kMapExec;
                if (entry & kPteUser) f |= kMapUser;
                if (entry & kPteCacheDisable) f |= kMapDevice;
                *flags = f;
            }
            return true;
        }
        table = table_of(entry);
    }
    return false;
}

void PageTable::activate() const { switch_page_table(root_phys_); }

void PageTable::destroy() {
    KASSERT(this != &g_kernel_table);
    if (!root_phys_) return;
    // No CPU may still run on these tables when their pages are reused.
    tlb_forget_page_table(root_phys_);
    uint64_t* root = table_of(root_phys_);
    // Only the user half is ours; the kernel half belongs to the kernel table.
    for (unsigned i = 0; i < kKernelHalfFirstEntry; i++)
        if (root[i] & kPtePresent) free_tables(root[i] & kPteAddressMask, kLevelPml4 - 1);
    page_allocator().free_page(root_phys_);
    root_phys_ = 0;
}

PageTable& kernel_page_table() { return g_kernel_table; }

void paging_init(const BootInfo& boot) {
    if (!g_kernel_table.create()) panic("x86 paging: no memory for the kernel page table");

    // The kernel image, W^X: each section gets only the rights it needs, so
    // a stray write into code or a jump into data faults at once. Its alias
    // in the direct map gets the same rights minus execute.
    struct Section {
        const char* start;
        const char* end;
        uint32_t flags;
    } const sections[] = {
        {__text_start, __text_end, kMapRead | kMapExec},
        {__rodata_start, __rodata_end, kMapRead},
        {__data_start, __data_end, kMapRead | kMapWrite},  // .data and .bss
    };
    for (const Section& s : sections) {
        uintptr_t pa = virt_to_phys(uintptr_t(s.start));
        size_t size = size_t(s.end - s.start);
        if (map_range(g_kernel_table, uintptr_t(s.start), pa, size, s.flags, false) != 0 ||
            map_range(g_kernel_table, phys_to_virt(pa), pa, size, s.flags & ~kMapExec, false) != 0)
            panic("x86 paging: cannot map the kernel image");
    }
    // (The .boot section below __text_start - the 32-bit entry code and the
    // boot page tables - is not mapped in the kernel half: it is never used
    // again. Its RAM is in the direct map like any other.)

    // The direct map: every RAM range the firmware reported, read-write,
    // never executable, with 2 MiB pages where alignment allows. The kernel
    // image's physical pages were just mapped above, so they are skipped.
    uintptr_t image_start = virt_to_phys(uintptr_t(__text_start));
    uintptr_t image_end = virt_to_phys(uintptr_t(__data_end));
    auto map_ram = [](uintptr_t start, uintptr_t end) {
        start = (start + kPageSize - 1) & ~(kPageSize - 1);
        end &= ~(kPageSize - 1);
        if (start < end &&
            map_range(g_kernel_table, phys_to_virt(start), start, end - start,
                      kMapRead | kMapWrite, true) != 0)
            panic("x86 paging: cannot direct-map RAM 0x%lx..0x%lx", start, end);
    };
    for (size_t i = 0; i < boot.memory.usable_count(); i++) {
        const PhysRange& r = boot.memory.usable(i);
        uintptr_t start = r.base, end = r.end();
        if (start < image_start) map_ram(start, end < image_start ? end : image_start);
        if (end > image_end) map_ram(start > image_end ? start : image_end, end);
    }

    // The switch. We run in the kernel half (mapped above, with the same
    // addresses) on the boot stack (in .bss), so execution continues; the
    // boot tables' identity map of low memory is gone from here on.
    g_kernel_table.activate();
    g_kernel_table_ready = true;
}

}  // namespace arch
