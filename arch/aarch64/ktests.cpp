// arch/aarch64/ktests.cpp - in-kernel tests of the AArch64 CPU side.
//
// Exceptions (decoded reports caught with a TrapCatch), W^X and XN enforced
// by the page tables, PAN, the generic timer's tick, the GIC routing an
// interrupt, and the PageTable API with a leak check. Protocol: kernel/ktest.h.
//
// Integer division by zero does NOT trap on AArch64: SDIV/UDIV simply return
// 0 (the Arm ARM defines it so). The x86-64 tests provoke a "divide error";
// here the equivalent "this instruction cannot run" exception is an
// undefined instruction, UDF #0, which every AArch64 CPU rejects.
#include "arch/aarch64/irq.h"
#include "arch/aarch64/mmu.h"
#include "arch/aarch64/sysreg.h"
#include "arch/arch.h"
#include "drivers/gicv2.h"
#include "kernel/errno.h"
#include "kernel/ktest.h"
#include "kernel/lib/format.h"
#include "kernel/lib/string.h"
#include "kernel/mm/page_alloc.h"
#include "kernel/printk.h"
#include "kernel/time.h"
#include "kernel/trap_catch.h"

// Tiny functions whose exact instructions matter, so written in assembly.
extern "C" void ktest_udf();  // UDF #0: an undefined instruction
extern "C" void ktest_brk();  // BRK #0x42: a breakpoint
asm(R"(
        .pushsection .text
        .balign 4
        .globl  ktest_udf
ktest_udf:
        udf     #0
        ret
        .globl  ktest_brk
ktest_brk:
        brk     #0x42
        ret
        .popsection
)");

namespace {

constexpr unsigned kEcUnknown = 0x00, kEcInstAbortSame = 0x21, kEcDataAbortSame = 0x25,
                   kEcBrk64 = 0x3c;

// A RET instruction placed in .data (writable, so mapped execute-never): if
// XN failed, calling it would simply return and the test would notice.
uint32_t g_code_in_data[2] = {0xd65f03c0 /* ret */, 0};
// A constant in .rodata (read-only). Not `const volatile`: GCC puts those
// in .data.
[[gnu::used]] const uint64_t g_rodata_word = 0x1234;

bool contains(const char* haystack, const char* needle) {
    size_t n = strlen(needle);
    for (; *haystack; haystack++)
        if (strncmp(haystack, needle, n) == 0) return true;
    return false;
}

// Expects the report to contain "<prefix>0x<value in hex>".
bool reports_hex(const TrapCatch& tc, const char* prefix, uint64_t value) {
    char want[48];
    ksnprintf(want, sizeof want, "%s0x%lx", prefix, value);
    return contains(tc.report, want);
}

// The first physical address above RAM's start (QEMU virt: 1 GiB) that the
// direct map does not cover.
[[gnu::noinline]] uintptr_t end_of_direct_mapped_ram() {
    uintptr_t pa = 0x40000000;
    while (arch::kernel_page_table().lookup(arch::phys_to_virt(pa), nullptr, nullptr))
        pa += kPageSize;
    return pa;
}

// Prints the first line of a caught report, so the test log shows it.
void show(const TrapCatch& tc) {
    const char* end = strchr(tc.report, '\n');
    kprintf("  caught: %.*s\n", int(end ? end - tc.report : strlen(tc.report)), tc.report);
}

}  // namespace

KTEST(aarch64_udf_caught) {
    TrapCatch tc;
    if (trap_catch_arm(&tc)) {
        ktest_udf();
        trap_catch_disarm(&tc);
    }
    EXPECT(t, tc.caught);
    show(tc);
    EXPECT_EQ(t, tc.vector, kEcUnknown);
    EXPECT_EQ(t, tc.pc, uintptr_t(ktest_udf));
    EXPECT(t, contains(tc.report, "Undefined Instruction"));
    EXPECT(t, contains(tc.report, "Synchronous from EL1h"));
    EXPECT(t, reports_hex(tc, "pc ", uintptr_t(ktest_udf)));
    EXPECT(t, contains(tc.report, "instruction 0x00000000"));  // UDF #0 encodes as 0
    EXPECT(t, arch::interrupts_enabled());  // the catch restored the test's state
}

KTEST(aarch64_brk_decoded) {
    TrapCatch tc;
    if (trap_catch_arm(&tc)) {
        ktest_brk();
        trap_catch_disarm(&tc);
    }
    EXPECT(t, tc.caught);
    EXPECT_EQ(t, tc.vector, kEcBrk64);
    EXPECT_EQ(t, tc.pc, uintptr_t(ktest_brk));
    EXPECT(t, contains(tc.report, "BRK instruction"));
    EXPECT(t, contains(tc.report, "immediate #66"));
}

KTEST(aarch64_unmapped_read_faults) {
    // 1 TiB into the kernel half: far beyond RAM, and no level-0 entry.
    uintptr_t address = DIRECT_MAP_BASE + (1ul << 40) + 0x1238;
    EXPECT(t, !arch::kernel_page_table().lookup(address, nullptr, nullptr));
    TrapCatch tc;
    if (trap_catch_arm(&tc)) {
        (void)*reinterpret_cast<volatile uint64_t*>(address);
        trap_catch_disarm(&tc);
    }
    EXPECT(t, tc.caught);
    show(tc);
    EXPECT_EQ(t, tc.vector, kEcDataAbortSame);
    EXPECT_EQ(t, tc.fault_address, address);
    EXPECT(t, contains(tc.report, "Data Abort"));
    EXPECT(t, contains(tc.report, "translation fault at level 0, read"));
    EXPECT(t, reports_hex(tc, "address ", address));
    EXPECT(t, reports_hex(tc, "pc ", tc.pc));

    // Just past the end of RAM: the walk gets further before it fails.
    uintptr_t ram_end = end_of_direct_mapped_ram();
    TrapCatch tc2;
    if (trap_catch_arm(&tc2)) {
        (void)*reinterpret_cast<volatile uint8_t*>(arch::phys_to_virt(ram_end));
        trap_catch_disarm(&tc2);
    }
    EXPECT(t, tc2.caught);
    EXPECT_EQ(t, tc2.fault_address, arch::phys_to_virt(ram_end));
    EXPECT(t, contains(tc2.report, "translation fault"));
}

KTEST(aarch64_text_is_not_writable) {
    // W^X: the kernel's code is mapped read-only + executable. Write back the
    // value already there, so even a failure corrupts nothing.
    auto* code = reinterpret_cast<volatile uint32_t*>(ktest_udf);
    uint32_t flags = 0;
    EXPECT(t, arch::kernel_page_table().lookup(uintptr_t(code), nullptr, &flags));
    EXPECT_EQ(t, flags, arch::kMapRead | arch::kMapExec);
    TrapCatch tc;
    if (trap_catch_arm(&tc)) {
        *code = *code;
        trap_catch_disarm(&tc);
    }
    EXPECT(t, tc.caught);
    show(tc);
    EXPECT_EQ(t, tc.vector, kEcDataAbortSame);
    EXPECT_EQ(t, tc.fault_address, uintptr_t(code));
    EXPECT(t, contains(tc.report, "Data Abort"));
    EXPECT(t, contains(tc.report, "permission fault at level 3, write"));
    EXPECT(t, reports_hex(tc, "address ", uintptr_t(code)));

    // .rodata: read-only and not executable.
    auto* constant = const_cast<volatile uint64_t*>(&g_rodata_word);
    EXPECT(t, arch::kernel_page_table().lookup(uintptr_t(constant), nullptr, &flags));
    EXPECT_EQ(t, flags, arch::kMapRead);
    TrapCatch tc2;
    if (trap_catch_arm(&tc2)) {
        *constant = 0x1234;
        trap_catch_disarm(&tc2);
    }
    EXPECT(t, tc2.caught);
    EXPECT(t, contains(tc2.report, "permission fault at level 3, write"));
}

KTEST(aarch64_data_is_not_executable) {
    // XN: .data is read-write, never executable; so is the RAM direct map.
    auto* code = reinterpret_cast<void (*)()>(g_code_in_data);
    uint32_t flags = 0;
    EXPECT(t, arch::kernel_page_table().lookup(uintptr_t(code), nullptr, &flags));
    EXPECT_EQ(t, flags, arch::kMapRead | arch::kMapWrite);
    TrapCatch tc;
    if (trap_catch_arm(&tc)) {
        code();
        trap_catch_disarm(&tc);
    }
    EXPECT(t, tc.caught);
    show(tc);
    EXPECT_EQ(t, tc.vector, kEcInstAbortSame);
    EXPECT_EQ(t, tc.pc, uintptr_t(code));
    EXPECT_EQ(t, tc.fault_address, uintptr_t(code));
    EXPECT(t, contains(tc.report, "Instruction Abort"));
    EXPECT(t, contains(tc.report, "permission fault at level 3, instruction fetch"));
    EXPECT(t, reports_hex(tc, "pc ", uintptr_t(code)));
}

KTEST(aarch64_cntfrq_sane) {
    uint64_t hz = arch::cycle_counter_hz();
    kprintf("  CNTFRQ_EL0 = %lu Hz\n", hz);
    // The architecture leaves the frequency to the system; Armv8.6 fixes it
    // at 1 GHz, QEMU virt uses 62.5 MHz. Anything outside 1 MHz..1 GHz is wrong.
    EXPECT(t, hz >= 1000000 && hz <= 1000000000);
    EXPECT_EQ(t, arch::timer_source_hz(), hz);
    uint64_t a = arch::cycle_counter(), b = arch::cycle_counter();
    EXPECT(t, b >= a);
    // EL0 may read the virtual counter (for the vDSO), nothing else.
    EXPECT_EQ(t, read_sysreg(cntkctl_el1) & 0x3ff, 1u << 1);
}

KTEST(aarch64_timer_ticks) {
    EXPECT(t, arch::interrupts_enabled());
    uint64_t start_ticks = ticks();
    uint64_t start_interrupts = arch::this_cpu()->interrupts;
    uint64_t start_cpu_ticks = arch::this_cpu()->ticks;
    // A bounded busy-wait: count loop iterations, never time. At 100 Hz
    // three ticks take ~30 ms; the bound is many times that under TCG.
    constexpr uint64_t kMaxSpins = 500000000;
    uint64_t spins = 0;
    while (ticks() < start_ticks + 3 && spins < kMaxSpins) {
        arch::cpu_relax();
        spins++;
    }
    EXPECT(t, ticks() >= start_ticks + 3);
    EXPECT(t, arch::this_cpu()->ticks >= start_cpu_ticks + 3);
    EXPECT(t, arch::this_cpu()->interrupts >= start_interrupts + 3);
}

KTEST(aarch64_gic_routes_uart_interrupt) {
    // Make the UART's interrupt pending at the distributor as if the device
    // had raised it: the GIC must deliver it to this CPU, irq_handle must
    // acknowledge it and run the UART handler (which finds no byte).
    unsigned irq = aarch64::console_irq();
    EXPECT(t, irq >= aarch64::kFirstSpi);
    uint64_t before = aarch64::irq_count(irq);
    gic().set_pending(irq);
    for (uint64_t spins = 0; aarch64::irq_count(irq) == before && spins < 100000000; spins++)
        arch::cpu_relax();
    EXPECT_EQ(t, aarch64::irq_count(irq), before + 1);
    EXPECT(t, !gic().is_pending(irq));
}

KTEST(aarch64_page_table_roundtrip) {
    PageAllocator& pages = page_allocator();
    size_t free_before = pages.free_page_count();

    uintptr_t frame = pages.alloc_page();
    EXPECT(t, frame != 0);
    arch::PageTable table;
    EXPECT(t, table.create());

    // A user page at 4 MiB and one at the very top of the user half.
    constexpr uintptr_t kVa = 0x400000, kTopVa = 0x0000fffffffff000;
    uint32_t rw_user = arch::kMapRead | arch::kMapWrite | arch::kMapUser;
    uint32_t rx_user = arch::kMapRead | arch::kMapExec | arch::kMapUser;
    EXPECT_EQ(t, table.map(kVa, frame, kPageSize, rw_user), 0);
    EXPECT_EQ(t, table.map(kTopVa, frame, kPageSize, rx_user), 0);
    EXPECT_EQ(t, table.map(kVa, frame, kPageSize, rw_user), -EEXIST);
    EXPECT_EQ(t, table.map(kVa + 1, frame, kPageSize, rw_user), -EINVAL);
    EXPECT_EQ(t, table.map(kVa + kPageSize, frame + 8, kPageSize, rw_user), -EINVAL);
    // -EEXIST part-way through: all or nothing, nothing stays mapped.
    EXPECT_EQ(t, table.map(kVa - kPageSize, frame, 2 * kPageSize, rw_user), -EEXIST);
    EXPECT(t, !table.lookup(kVa - kPageSize, nullptr, nullptr));

    uintptr_t pa = 0;
    uint32_t flags = 0;
    EXPECT(t, table.lookup(kVa + 0x123, &pa, &flags));
    EXPECT_EQ(t, pa, frame + 0x123);
    EXPECT_EQ(t, flags, rw_user);
    EXPECT(t, table.lookup(kTopVa, &pa, &flags));
    EXPECT_EQ(t, flags, rx_user);
    // Kernel-only, device memory, and read-only round trips.
    uint32_t device = arch::kMapRead | arch::kMapWrite | arch::kMapDevice;
    EXPECT_EQ(t, table.map(0x200000, 0x09000000, kPageSize, device), 0);
    EXPECT(t, table.lookup(0x200000, &pa, &flags));
    EXPECT_EQ(t, pa, 0x09000000u);
    EXPECT_EQ(t, flags, device);
    EXPECT_EQ(t, table.map(0x201000, frame, kPageSize, arch::kMapRead), 0);
    EXPECT(t, table.lookup(0x201000, nullptr, &flags));
    EXPECT_EQ(t, flags, arch::kMapRead);

    table.unmap(kVa, kPageSize);
    EXPECT(t, !table.lookup(kVa, nullptr, nullptr));
    EXPECT(t, table.lookup(kTopVa, nullptr, nullptr));  // its neighbour is untouched
    table.unmap(kVa, kPageSize);                        // unmapping nothing is fine

    table.destroy();
    EXPECT_EQ(t, table.root_phys(), 0u);
    pages.free_page(frame);
    // Every table page came back: no leak.
    EXPECT_EQ(t, pages.free_page_count(), free_before);
}

KTEST(aarch64_user_half_and_pan) {
    // Activate a scratch table in the user half (TTBR0): the kernel reaches
    // a kernel-only page through it, and - with PAN - must NOT reach a user
    // page without clearing PSTATE.PAN first.
    PageAllocator& pages = page_allocator();
    size_t free_before = pages.free_page_count();
    uintptr_t frame = pages.alloc_page();
    EXPECT(t, frame != 0);
    auto* direct = static_cast<volatile uint64_t*>(pages.to_virt(frame));
    direct[0] = 0x1122334455667788;

    arch::PageTable table;
    EXPECT(t, table.create());
    constexpr uintptr_t kKernelVa = 0x10000000, kUserVa = 0x10001000;
    EXPECT_EQ(t, table.map(kKernelVa, frame, kPageSize, arch::kMapRead | arch::kMapWrite), 0);
    EXPECT_EQ(
        t, table.map(kUserVa, frame, kPageSize, arch::kMapRead | arch::kMapWrite | arch::kMapUser),
        0);
    {
        InterruptsOffGuard no_switch_away;  // keep this CPU's TTBR0 ours
        table.activate();
        auto* low = reinterpret_cast<volatile uint64_t*>(kKernelVa);
        EXPECT_EQ(t, low[0], 0x1122334455667788u);
        low[1] = 42;
        EXPECT_EQ(t, direct[1], 42u);

        if (aarch64::pan_enabled()) {
            TrapCatch tc;
            if (trap_catch_arm(&tc)) {
                (void)*reinterpret_cast<volatile uint64_t*>(kUserVa);
                trap_catch_disarm(&tc);
            }
            EXPECT(t, tc.caught);
            show(tc);
            EXPECT_EQ(t, tc.fault_address, kUserVa);
            EXPECT(t, contains(tc.report, "permission fault at level 3, read"));
        } else {
            kprintf("  (no PAN on this CPU: user-access check skipped)\n");
        }
        aarch64::user_tables_off();
    }
    // With TTBR0 walks off again, the low address is unmapped.
    TrapCatch tc;
    if (trap_catch_arm(&tc)) {
        (void)*reinterpret_cast<volatile uint64_t*>(kKernelVa);
        trap_catch_disarm(&tc);
    }
    EXPECT(t, tc.caught);
    EXPECT(t, contains(tc.report, "translation fault at level 0"));

    table.destroy();
    pages.free_page(frame);
    EXPECT_EQ(t, pages.free_page_count(), free_before);
}
