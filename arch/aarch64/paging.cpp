// arch/aarch64/paging.cpp - AArch64 translation tables (the MMU).
//
// Handoff configures (boot/aarch64/entry.S, TCR_EL1) 48-bit virtual
// addresses with 4 KiB pages: a four-level tree of 4 KiB tables, 512 8-byte
// entries each, indexed by 9 bits of the address per level:
//
//    47      39 38      30 29      21 20      12 11         0
//   | L0 index | L1 index | L2 index | L3 index | page offset |
//     512 GiB    1 GiB      2 MiB      4 KiB      per entry
//
// The top 16 bits choose the tree: all ones -> TTBR1_EL1 (the kernel, here),
// all zeros -> TTBR0_EL1 (user space, one table per process). An L1/L2 entry
// may map a whole 1 GiB / 2 MiB "block" instead of pointing to a table; the
// kernel's direct map uses 2 MiB blocks. Linux: arch/arm64/mm/mmu.c and
// pgtable-hwdef.h; xv6-riscv: vm.c (walk, mappages, uvmunmap) - the same
// three-level idea on RISC-V's Sv39.
//
// Table pages come from the page allocator and are reached through the
// direct map (arch::phys_to_virt), so the tree itself needs no mapping of
// its own.
#include "arch/aarch64/mmu.h"
#include "arch/aarch64/sysreg.h"
#include "arch/arch.h"
#include "drivers/gicv2.h"
#include "kernel/boot_info.h"
#include "kernel/errno.h"
#include "kernel/lib/fdt.h"
#include "kernel/lib/string.h"
#include "kernel/mm/page_alloc.h"
#include "kernel/printk.h"
#include "kernel/sync/spinlock.h"

extern "C" char __text_start[], __text_end[], __rodata_start[], __rodata_end[], __data_start[],
    __data_end[];
// replace_ttbr1.S; called at its physical (identity-mapped) address.
extern "C" void aarch64_replace_ttbr1(uint64_t ttbr1, uint64_t empty_table_phys);

namespace {

// ---- Descriptor bits (Arm ARM D8.3, "VMSAv8-64 translation table format") --
using Pte = uint64_t;

constexpr Pte kValid = 1 << 0;
// Bit 1: at L0..L2, 1 = "points to the next table", 0 = "block". At L3 it
// must be 1 for a page (0 there is reserved and faults).
constexpr Pte kTable = 1 << 1;
constexpr Pte kPage = kValid | kTable;
constexpr Pte kBlock = kValid;
// AttrIndx [4:2]: which MAIR_EL1 attribute, as entry.S programmed it.
constexpr Pte kAttrDevice = 0 << 2;  // attr0: Device-nGnRnE (MMIO)
constexpr Pte kAttrNormal = 1 << 2;  // attr1: Normal, write-back cacheable
constexpr Pte kAttrMask = 7 << 2;
// AP[2:1] [7:6]: AP[1] = EL0 may access; AP[2] = read-only (for every EL).
constexpr Pte kApUser = 1 << 6;
constexpr Pte kApReadOnly = 1 << 7;
constexpr Pte kShareInner = 3 << 8;  // SH: coherent across all our CPUs
// AF: "accessed". With it clear, the first access faults so an OS can track
// use (Linux's page aging). We have no use for that yet: always set.
constexpr Pte kAccessFlag = 1 << 10;
// nG: the translation belongs to one address space (tagged with its ASID in
// the TLB) rather than to all of them. User mappings are per process.
constexpr Pte kNotGlobal = 1 << 11;
constexpr Pte kPxn = 1ull << 53;                  // privileged execute-never: EL1 may not run it
constexpr Pte kUxn = 1ull << 54;                  // unprivileged execute-never: EL0 may not run it
constexpr Pte kAddressMask = 0x0000fffffffff000;  // output address [47:12]

// TCR_EL1.EPD0: "no table walks through TTBR0". With it set, every address
// in the lower (user) half takes a translation fault without touching memory.
constexpr uint64_t kTcrEpd0 = 1ull << 7;

constexpr unsigned kLevels = 4;         // L0..L3
constexpr unsigned kEntries = 512;      // per table
constexpr size_t kBlockSize = 2 << 20;  // an L2 block
constexpr unsigned kBlockLevel = 2;
constexpr unsigned kPageLevel = 3;

constexpr unsigned level_shift(unsigned level) { return 39 - 9 * level; }  // 39, 30, 21, 12
constexpr uint64_t level_size(unsigned level) { return 1ull << level_shift(level); }
constexpr unsigned table_index(uintptr_t va, unsigned level) {
    return unsigned(va >> level_shift(level)) & (kEntries - 1);
}

Pte* table_at(uintptr_t phys) { return reinterpret_cast<Pte*>(arch::phys_to_virt(phys)); }

// A zeroed table page, or 0.
uintptr_t alloc_table() {
    uintptr_t phys = page_allocator().alloc_page();
    if (phys) memset(table_at(phys), 0, kPageSize);
    return phys;
}

// The descriptor bits for arch::MapFlags. AArch64's stage 1 cannot express
// "mapped but not readable", so kMapRead is implied.
Pte attributes(uint32_t flags) {
    Pte pte = kAccessFlag;
    pte |= (flags & arch::kMapDevice) ? kAttrDevice : (kAttrNormal | kShareInner);
    if (!(flags & arch::kMapWrite)) pte |= kApReadOnly;
    if (flags & arch::kMapUser) {
        // The kernel never runs user code: PXN always. (The CPU also treats
        // any EL0-writable page as PXN.)
        pte |= kApUser | kNotGlobal | kPxn;
        if (!(flags & arch::kMapExec)) pte |= kUxn;
    } else {
        pte |= kUxn;
        if (!(flags & arch::kMapExec)) pte |= kPxn;
    }
    // Never execute from MMIO: even a speculative instruction fetch could
    // read a device register with side effects.
    if (flags & arch::kMapDevice) pte |= kPxn | kUxn;
    return pte;
}

uint32_t flags_of(Pte pte) {
    uint32_t flags = arch::kMapRead;
    if (!(pte & kApReadOnly)) flags |= arch::kMapWrite;
    if (pte & kApUser) flags |= arch::kMapUser;
    if (!(pte & ((pte & kApUser) ? kUxn : kPxn))) flags |= arch::kMapExec;
    if ((pte & kAttrMask) == kAttrDevice) flags |= arch::kMapDevice;
    return flags;
}

// The entry for `va` at `level`, descending from the root through the
// tables above it and allocating missing ones. nullptr with *error =
// -ENOMEM (no page for a table) or -EEXIST (a block already maps va at a
// higher level).
Pte* walk_create(uintptr_t root, uintptr_t va, unsigned level, int* error) {
    Pte* table = table_at(root);
    for (unsigned l = 0; l < level; l++) {
        Pte& entry = table[table_index(va, l)];
        if (!(entry & kValid)) {
            uintptr_t next = alloc_table();
            if (!next) {
                *error = -ENOMEM;
                return nullptr;
            }
            entry = next | kTable | kValid;
        } else if (!(entry & kTable)) {
            *error = -EEXIST;
            return nullptr;
        }
        table = table_at(entry & kAddressMask);
    }
    return &table[table_index(va, level)];
}

// The valid leaf (block or page) entry mapping `va` and its level, or
// nullptr if va is unmapped.
Pte* walk_find(uintptr_t root, uintptr_t va, unsigned* level) {
    Pte* table = table_at(root);
    for (unsigned l = 0; l < kLevels; l++) {
        Pte* entry = &table[table_index(va, l)];
        if (!(*entry & kValid)) return nullptr;
        if (l == kPageLevel || !(*entry & kTable)) {
            *level = l;
            return entry;
        }
        table = table_at(*entry & kAddressMask);
    }
    return nullptr;
}

void free_table(uintptr_t phys, unsigned level) {
    if (level < kPageLevel) {
        Pte* table = table_at(phys);
        for (unsigned i = 0; i < kEntries; i++) {
            if ((table[i] & kValid) && (table[i] & kTable))
                free_table(table[i] & kAddressMask, level + 1);
        }
    }
    page_allocator().free_page(phys);
}

// TLB maintenance after removing or changing valid entries: the stores must
// reach the table walker (DSB ISHST) before the invalidation; the
// invalidation must finish on every CPU (TLBI ...IS, DSB ISH) before we go
// on; ISB discards instructions fetched with the old translation.
//
// This is where AArch64 and x86-64 differ most on SMP. Another CPU may be
// running a thread of the same process and hold the old translation in its
// TLB. On x86-64 INVLPG only reaches the executing CPU, so the kernel must
// interrupt every other CPU using the address space and have each flush its
// own TLB (a "TLB shootdown" IPI, Linux's flush_tlb_mm_range ->
// smp_call_function_many). On AArch64 the "IS" (Inner Shareable) forms of
// TLBI are broadcast by the hardware to every CPU in the inner shareable
// domain - all our CPUs - and the DSB ISH that follows waits until every one
// of them has finished. So unmap, and mprotect (which AddressSpace does as
// unmap + map), need no IPI here: one instruction and one barrier. Linux's
// arm64 flush_tlb_range is the same (__tlbi(vale1is) + dsb(ish)). The non-IS
// form (TLBI VAAE1) would flush this CPU only and leave the others using the
// old page: arch/aarch64/ktests.cpp (aarch64_smp_tlbi_broadcast) checks that.
void flush_tlb_page(uintptr_t va) {
    // TLBI VAAE1IS: this VA, all ASIDs, all CPUs in the inner shareable
    // domain. The operand is VA[55:12].
    asm volatile("tlbi vaae1is, %0" ::"r"((va >> 12) & ((1ull << 44) - 1)) : "memory");
}
void tlb_barrier_before() { asm volatile("dsb ishst" ::: "memory"); }
void tlb_barrier_after() { asm volatile("dsb ish; isb" ::: "memory"); }

// Serialises every change to any PageTable. One lock keeps it simple; the
// kernel's table changes rarely after boot.
SpinLock g_page_table_lock;

struct MapStats {
    size_t blocks = 0, pages = 0;
};

// Maps [va, va+size) to pa with `flags`, with 2 MiB blocks where va, pa and
// the remaining size allow it (if allow_blocks), 4 KiB pages elsewhere.
// Returns 0 or -errno; *mapped says how far it got.
int map_range(uintptr_t root, uintptr_t va, uintptr_t pa, size_t size, uint32_t flags,
              bool allow_blocks, size_t* mapped, MapStats* stats) {
    Pte attrs = attributes(flags);
    *mapped = 0;
    while (*mapped < size) {
        uintptr_t v = va + *mapped, p = pa + *mapped;
        size_t left = size - *mapped;
        bool block =
            allow_blocks && v % kBlockSize == 0 && p % kBlockSize == 0 && left >= kBlockSize;
        unsigned level = block ? kBlockLevel : kPageLevel;
        int error = 0;
        Pte* entry = walk_create(root, v, level, &error);
        if (!entry) return error;
        if (*entry & kValid) return -EEXIST;
        *entry = p | attrs | (block ? kBlock : kPage);
        *mapped += level_size(level);
        if (stats) (block ? stats->blocks : stats->pages)++;
    }
    return 0;
}

void unmap_range(uintptr_t root, uintptr_t va, size_t size) {
    for (size_t done = 0; done < size;) {
        uintptr_t v = va + done;
        unsigned level;
        Pte* entry = walk_find(root, v, &level);
        if (!entry) {
            done += kPageSize;
            continue;
        }
        uint64_t span = level_size(level);
        // Part of a block cannot be removed without splitting the block into
        // a table first (break-before-make on live memory); nobody needs it.
        if (v % span != 0 || size - done < span)
            panic("unmap [0x%lx, +0x%lx) would split a %lu KiB block", va, size, span >> 10);
        *entry = 0;
        tlb_barrier_before();
        flush_tlb_page(v);
        done += span;
    }
    tlb_barrier_after();
}

arch::PageTable g_kernel_table;

// An all-zero table: TTBR1 points here for an instant while the kernel's
// tables are replaced (replace_ttbr1.S). Never written.
alignas(4096) const Pte g_empty_table[kEntries] = {};

bool g_pan_enabled;

// Maps a device's register block [phys, phys + size), rounded out to whole
// pages, into the direct map as Device-nGnRnE memory.
void map_device(arch::PageTable& table, uint64_t phys, uint64_t size, const char* what) {
    uint64_t start = phys & ~uint64_t(kPageSize - 1);
    uint64_t end = (phys + size + kPageSize - 1) & ~uint64_t(kPageSize - 1);
    int error = table.map(arch::phys_to_virt(start), start, end - start,
                          arch::kMapRead | arch::kMapWrite | arch::kMapDevice);
    if (error) panic("paging: cannot map %s at 0x%lx: error %d", what, phys, error);
}

}  // namespace

namespace arch {

bool PageTable::create() {
    root_phys_ = alloc_table();
    return root_phys_ != 0;
}

int PageTable::map(uintptr_t va, uintptr_t pa, size_t size, uint32_t flags) {
    if (va % kPageSize || pa % kPageSize || size % kPageSize || size == 0) return -EINVAL;
    if (pa & ~kAddressMask) return -EINVAL;  // beyond 48-bit physical addresses
    SpinLockGuard guard(g_page_table_lock);
    size_t mapped;
    int error = map_range(root_phys_, va, pa, size, flags, false, &mapped, nullptr);
    if (error) {
        unmap_range(root_phys_, va, mapped);  // all or nothing
        return error;
    }
    // New entries replaced invalid ones, which no TLB holds: no TLBI, but
    // the walker must see the stores before anyone uses the addresses.
    asm volatile("dsb ishst; isb" ::: "memory");
    return 0;
}

void PageTable::unmap(uintptr_t va, size_t size) {
    SpinLockGuard guard(g_page_table_lock);
    unmap_range(root_phys_, va & ~uintptr_t(kPageSize - 1), size);
}

bool PageTable::lookup(uintptr_t va, uintptr_t* pa, uint32_t* flags) const {
    unsigned level;
    Pte* entry = walk_find(root_phys_, va, &level);
    if (!entry) return false;
    uint64_t offset_mask = level_size(level) - 1;
    if (pa) *pa = (*entry & kAddressMask & ~offset_mask) | (va & offset_mask);
    if (flags) *flags = flags_of(*entry);
    return true;
}

void PageTable::activate() const {
    if (this == &g_kernel_table) {
        // "No user address space": what a process's last thread asks for
        // before its tables are freed (kernel/proc/process.cpp). The kernel
        // half (TTBR1) never changes after paging_init, so this only turns
        // TTBR0 walks off again and forgets the user half's translations.
        aarch64::user_tables_off();
        return;
    }
    // A user address space: the TTBR0 half.
    //
    // No ASIDs: every user translation in the TLB is tagged ASID 0, so the
    // previous address space's entries must go before this one's are used:
    // a full flush of this CPU's TLB (TLBI VMALLE1, not broadcast - other
    // CPUs keep running their own address spaces). On QEMU that costs one
    // guest instruction and some refills; real CPUs pay more on every
    // process switch. Linux gives each address space an ASID (TTBR0[63:48],
    // arch/arm64/mm/context.c) and flushes only when the ASIDs run out;
    // user pages already carry nG (attributes()), ready for that.
    //
    // The order, as the architecture requires (Arm ARM D8.14 / Linux's
    // cpu_do_switch_mm): table stores visible to the walker (DSB ISHST);
    // the new TTBR0 and EPD0 = 0; ISB so the next instructions use them;
    // then the flush, completed (DSB NSH) and synchronized (ISB) before any
    // user address is touched. The kernel makes no user access in between.
    asm volatile("dsb ishst" ::: "memory");
    write_sysreg(ttbr0_el1, root_phys_);
    write_sysreg(tcr_el1, read_sysreg(tcr_el1) & ~kTcrEpd0);
    isb();
    asm volatile("tlbi vmalle1; dsb nsh; isb" ::: "memory");
}

void PageTable::destroy() {
    if (!root_phys_) return;
    KASSERT(this != &g_kernel_table);
    SpinLockGuard guard(g_page_table_lock);
    // Any CPU may still cache entries of these tables - the walker keeps
    // intermediate (table) entries too, even for addresses that had no page
    // - and the pages are about to be reused for anything. Forget them
    // everywhere before they are freed. (A CPU that last ran this address
    // space may even still have it in TTBR0 - the scheduler does not switch
    // TTBR0 for kernel threads - but no kernel code on it touches user
    // addresses before the next activate(), which flushes again.)
    asm volatile("dsb ishst; tlbi vmalle1is; dsb ish" ::: "memory");
    free_table(root_phys_, 0);
    root_phys_ = 0;
}

PageTable& kernel_page_table() { return g_kernel_table; }

void paging_init(const BootInfo& boot) {
    PageTable& kernel = g_kernel_table;
    if (!kernel.create()) panic("paging: no memory for the kernel's page tables");
    uintptr_t root = kernel.root_phys();
    MapStats stats;
    size_t mapped;

    // 1. The kernel image, 4 KiB pages, W^X per section. It lives inside the
    //    direct map on this arch (layout.h), so these pages ARE the direct
    //    map of those physical pages: no writable alias of the code exists.
    struct Section {
        const char* name;
        char *start, *end;
        uint32_t flags;
    };
    const Section sections[] = {
        {"text", __text_start, __text_end, kMapRead | kMapExec},
        {"rodata", __rodata_start, __rodata_end, kMapRead},
        {"data/bss", __data_start, __data_end, kMapRead | kMapWrite},
    };
    for (const Section& s : sections) {
        uintptr_t va = uintptr_t(s.start);
        int error = map_range(root, va, virt_to_phys(va), size_t(s.end - s.start), s.flags, false,
                              &mapped, &stats);
        if (error) panic("paging: cannot map the kernel's %s: error %d", s.name, error);
    }
    uintptr_t image_start = virt_to_phys(uintptr_t(__text_start));
    uintptr_t image_end = virt_to_phys(uintptr_t(__data_end));
    KASSERT(uintptr_t(__text_end) == uintptr_t(__rodata_start) &&
            uintptr_t(__rodata_end) == uintptr_t(__data_start));

    // 2. All RAM (as the device tree listed it, including what is reserved:
    //    the DTB, the initrd) read-write and never executable, with 2 MiB
    //    blocks where possible. The image's range is cut out: mapped above.
    for (size_t i = 0; i < boot.memory.usable_count(); i++) {
        const PhysRange& ram = boot.memory.usable(i);
        struct {
            uint64_t start, end;
        } pieces[2] = {{ram.base, ram.end() < image_start ? ram.end() : image_start},
                       {ram.base > image_end ? ram.base : image_end, ram.end()}};
        for (auto& piece : pieces) {
            if (piece.start >= piece.end) continue;
            int error =
                map_range(root, phys_to_virt(piece.start), piece.start, piece.end - piece.start,
                          kMapRead | kMapWrite, true, &mapped, &stats);
            if (error) panic("paging: cannot map RAM at 0x%lx: error %d", piece.start, error);
        }
    }

    // 3. The devices the kernel itself drives, as Device-nGnRnE memory, at
    //    the same place in the direct map as before: the console UART and
    //    the GIC. Drivers added later map theirs through kernel_page_table().
    Fdt fdt;
    if (!boot.device_tree || !fdt.init(boot.device_tree, Fdt::kMaxBootSize))
        panic("paging: no usable device tree");
    uint64_t base, size;
    int uart = fdt.find_compatible("arm,pl011");
    if (uart == Fdt::kNone || !fdt.read_reg(uart, 0, &base, &size))
        panic("paging: no PL011 UART in the device tree");
    map_device(kernel, base, size, "the PL011 UART");
    GicV2::Location gic;
    if (!GicV2::find(fdt, &gic))
        panic("paging: no GICv2 in the device tree (-M virt,gic-version=2?)");
    map_device(kernel, gic.distributor_phys, gic.distributor_size, "the GIC distributor");
    map_device(kernel, gic.cpu_interface_phys, gic.cpu_interface_size, "the GIC CPU interface");
    // The DTB is in RAM on QEMU virt; should a loader put it elsewhere, keep
    // it readable (the GIC and timer code read it again after this).
    uintptr_t dtb = uintptr_t(boot.device_tree);
    for (uintptr_t va = dtb & ~uintptr_t(kPageSize - 1); va < dtb + fdt.total_size();
         va += kPageSize) {
        if (!kernel.lookup(va, nullptr, nullptr))
            map_range(root, va, virt_to_phys(va), kPageSize, kMapRead, false, &mapped, &stats);
    }

    // 4. Switch, from the identity map: see replace_ttbr1.S for why.
    auto replace_ttbr1 = reinterpret_cast<void (*)(uint64_t, uint64_t)>(
        virt_to_phys(uintptr_t(aarch64_replace_ttbr1)));
    replace_ttbr1(root, virt_to_phys(uintptr_t(g_empty_table)));

    // 5. Drop the boot identity map: no user address space exists yet, so
    //    TTBR0 walks are switched off altogether (TCR_EL1.EPD0) and any
    //    access below the kernel half takes a translation fault.
    //    PageTable::activate turns them back on for each process.
    aarch64::user_tables_off();

    // 6. PAN (Privileged Access Never, Armv8.1), if the CPU has it: see
    //    aarch64::pan_enable_this_cpu.
    uint64_t mmfr1 = read_sysreg(id_aa64mmfr1_el1);
    g_pan_enabled = (mmfr1 >> 20) & 0xf;  // ID_AA64MMFR1_EL1.PAN [23:20]
    aarch64::pan_enable_this_cpu();

    kprintf(
        "paging: kernel image %lu KiB W^X, RAM direct map with %lu 2 MiB blocks + %lu pages, PAN "
        "%s\n",
        (image_end - image_start) >> 10, stats.blocks, stats.pages, g_pan_enabled ? "on" : "off");
}

}  // namespace arch

namespace aarch64 {

void user_tables_off() {
    write_sysreg(tcr_el1, read_sysreg(tcr_el1) | kTcrEpd0);
    write_sysreg(ttbr0_el1, 0);
    isb();
    // Walks through TTBR0 are off; entries the TLB already holds from it
    // are not, so flush them too - in THIS CPU's TLB only (no IS): TTBR0 is
    // per-CPU state, and other CPUs may be running their own address
    // spaces. (Freeing tables is PageTable::destroy's business, and it
    // flushes every CPU.)
    asm volatile("tlbi vmalle1; dsb nsh; isb" ::: "memory");
}

bool pan_enabled() { return g_pan_enabled; }

void pan_enable_this_cpu() {
    // While PSTATE.PAN is set the kernel faults on any access to user
    // (EL0-accessible) memory, so a stray user pointer dereference is caught
    // instead of obeyed. Clearing SCTLR_EL1.SPAN makes every exception entry
    // set PAN again. The kernel's deliberate user accesses (uaccess.S) use
    // the unprivileged LDTR/STTR instructions, which PAN does not stop. Both
    // are per-CPU state: each CPU sets its own.
    if (!g_pan_enabled) return;
    constexpr uint64_t kSctlrSpan = 1ull << 23;
    constexpr uint64_t kPstatePan = 1ull << 22;
    write_sysreg(sctlr_el1, read_sysreg(sctlr_el1) & ~kSctlrSpan);
    write_sysreg(s3_0_c4_c2_3, kPstatePan);  // the PAN register, by its encoding
    isb();
}

}  // namespace aarch64
