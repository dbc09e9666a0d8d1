// arch/x86_64/ktests.cpp - in-kernel tests of the x86-64 CPU side: traps and
// their reports, W^X and NX really enforced, the double-fault IST stack, the
// timer interrupt, clock calibration, page tables, the COM1 interrupt, and a
// first trip to ring 3 and back.
//
// The faulting instructions live in the small assembly functions below, each
// with a global label on the one instruction that must fault, so a test can
// check that the report names exactly that pc.
#include "arch/arch.h"
#include "arch/x86_64/gdt.h"
#include "arch/x86_64/include/portio.h"
#include "arch/x86_64/interrupts.h"
#include "arch/x86_64/msr.h"
#include "arch/x86_64/paging.h"
#include "arch/x86_64/vectors.h"
#include "drivers/ioapic.h"
#include "kernel/console.h"
#include "kernel/errno.h"
#include "kernel/ktest.h"
#include "kernel/lib/format.h"
#include "kernel/lib/string.h"
#include "kernel/mm/page_alloc.h"
#include "kernel/printk.h"
#include "kernel/time.h"
#include "kernel/trap_catch.h"

asm(R"(
        .pushsection .text
        .globl ktest_x86_divide_error, ktest_x86_divide_error_pc
ktest_x86_divide_error:
        xorl    %ecx, %ecx
        movl    $1, %eax
        xorl    %edx, %edx
ktest_x86_divide_error_pc:
        divl    %ecx                    /* 1 / 0 */
        ret

        .globl ktest_x86_invalid_opcode, ktest_x86_invalid_opcode_pc
ktest_x86_invalid_opcode:
ktest_x86_invalid_opcode_pc:
        ud2                             /* the "defined undefined" instruction */
        ret

        .globl ktest_x86_read_byte, ktest_x86_read_byte_pc
ktest_x86_read_byte:                    /* rdi = address */
ktest_x86_read_byte_pc:
        movzbl  (%rdi), %eax
        ret

        .globl ktest_x86_load_ds, ktest_x86_load_ds_pc
ktest_x86_load_ds:                      /* rdi = a segment selector */
ktest_x86_load_ds_pc:
        movw    %di, %ds
        movl    $0x10, %eax             /* not reached if it faults; else undo */
        movw    %ax, %ds
        ret

        .globl ktest_x86_write_byte, ktest_x86_write_byte_pc
ktest_x86_write_byte:                   /* rdi = address */
ktest_x86_write_byte_pc:
        movb    $0xcc, (%rdi)
        ret

        /* rdi = an unmapped address: make it the stack and push. The #PF
         * cannot be delivered on that stack either, so the CPU raises #DF,
         * which gets through only because its gate switches to IST1. */
        .globl ktest_x86_double_fault
ktest_x86_double_fault:
        movq    %rdi, %rsp
        pushq   $0
        ud2                             /* not reached */

        /* Into ring 3: rdi = user rip, rsi = user rsp, rdx = passed to the
         * user code in rdi. Builds the frame IRETQ pops - the same one a trap
         * from user mode leaves - with IF set, and hands the user its GS base
         * (SWAPGS: the kernel's Cpu pointer moves to KERNEL_GS_BASE). */
        .globl ktest_x86_enter_user
ktest_x86_enter_user:
        pushq   $0x23                   /* ss = kUserDataSelector */
        pushq   %rsi                    /* rsp */
        pushq   $0x202                  /* rflags: IF */
        pushq   $0x2b                   /* cs = kUserCodeSelector */
        pushq   %rdi                    /* rip */
        movq    %rdx, %rdi
        swapgs
        iretq

        /* User code, copied to a user page: spin for rdi TSC cycles (timer
         * interrupts arrive meanwhile, from ring 3, and must return there),
         * then execute ud2. Position-independent. */
        .globl ktest_x86_user_code, ktest_x86_user_code_ud2, ktest_x86_user_code_end
ktest_x86_user_code:
        rdtsc
        shlq    $32, %rdx
        orq     %rdx, %rax
        movq    %rax, %rsi
1:      rdtsc
        shlq    $32, %rdx
        orq     %rdx, %rax
        subq    %rsi, %rax
        cmpq    %rdi, %rax
        jb      1b
ktest_x86_user_code_ud2:
        ud2
ktest_x86_user_code_end:
        .popsection
)");

extern "C" {
// All take one argument (ignored by the first two), so run_caught can call any.
void ktest_x86_divide_error(uintptr_t);
void ktest_x86_invalid_opcode(uintptr_t);
void ktest_x86_read_byte(uintptr_t address);
void ktest_x86_write_byte(uintptr_t address);
void ktest_x86_load_ds(uintptr_t selector);
void ktest_x86_double_fault(uintptr_t stack);
extern const char ktest_x86_divide_error_pc[], ktest_x86_invalid_opcode_pc[];
extern const char ktest_x86_read_byte_pc[], ktest_x86_write_byte_pc[];
extern const char ktest_x86_load_ds_pc[];
extern char __text_start[], __rodata_start[], __data_start[];
void ktest_x86_enter_user(uintptr_t rip, uintptr_t rsp, uintptr_t arg);
extern const char ktest_x86_user_code[], ktest_x86_user_code_ud2[], ktest_x86_user_code_end[];
}

// The selectors written as numbers in the assembly above and below.
static_assert(x86::kUserDataSelector == 0x23 && x86::kUserCodeSelector == 0x2b);
static_assert(x86::kKernelDataSelector == 0x10 && x86::kGdtEntries * 8 == 0x40);

namespace {

// 3.5 GiB into the direct map: beyond the test machine's RAM (512 MiB) and
// not device memory, so nothing maps it.
constexpr uintptr_t kUnmappedKernelAddress = DIRECT_MAP_BASE + 0xdeadb000;

// Runs fn(arg) with `tc` armed. A function of its own because after the
// longjmp back into the frame that called setjmp, that frame's locals held
// in registers may be stale: keep the callers' loops out of it.
[[gnu::noinline]] void run_caught(TrapCatch* tc, void (*fn)(uintptr_t), uintptr_t arg) {
    if (trap_catch_arm(tc)) {
        fn(arg);
        trap_catch_disarm(tc);
    }
}

bool contains(const char* haystack, const char* needle) {
    size_t n = strlen(needle);
    for (const char* p = haystack; *p; p++)
        if (strncmp(p, needle, n) == 0) return true;
    return false;
}

// Checks that `tc` caught `vector` at `pc` (and, for page faults, at
// `address`) and that the report says `what` and names the pc and address.
void expect_caught(KTestContext& t, const TrapCatch& tc, unsigned vector, uintptr_t pc,
                   const char* what, uintptr_t address = 0) {
    if (!EXPECT(t, tc.caught)) return;
    EXPECT_EQ(t, tc.vector, vector);
    EXPECT_EQ(t, tc.pc, pc);
    EXPECT(t, contains(tc.report, what));
    char expected[48];
    ksnprintf(expected, sizeof expected, "pc 0x%lx", pc);
    EXPECT(t, contains(tc.report, expected));
    if (vector == x86::kVectorPageFault) {
        EXPECT_EQ(t, tc.fault_address, address);
        ksnprintf(expected, sizeof expected, "address 0x%lx", address);
        EXPECT(t, contains(tc.report, expected));
    }
    if (t.failures()) kprintf("report was:\n%s\n", tc.report);
}

}  // namespace

KTEST(x86_divide_error) {
    TrapCatch tc;
    run_caught(&tc, ktest_x86_divide_error, 0);
    expect_caught(t, tc, x86::kVectorDivideError, uintptr_t(ktest_x86_divide_error_pc),
                  "#DE Divide Error");
}

KTEST(x86_invalid_opcode) {
    TrapCatch tc;
    run_caught(&tc, ktest_x86_invalid_opcode, 0);
    expect_caught(t, tc, x86::kVectorInvalidOpcode, uintptr_t(ktest_x86_invalid_opcode_pc),
                  "#UD Invalid Opcode");
}

KTEST(x86_page_fault_not_present) {
    EXPECT(t, !arch::kernel_page_table().lookup(kUnmappedKernelAddress, nullptr, nullptr));
    TrapCatch tc;
    run_caught(&tc, ktest_x86_read_byte, kUnmappedKernelAddress);
    expect_caught(t, tc, x86::kVectorPageFault, uintptr_t(ktest_x86_read_byte_pc),
                  "#PF Page Fault", kUnmappedKernelAddress);
    EXPECT(t, contains(tc.report, "not-present, read, kernel mode"));
}

// #GP, twice: a non-canonical address (bits 63..47 not all equal) is not a
// page fault but a #GP with error code 0; loading a selector past the end of
// the GDT is a #GP whose error code names the selector.
KTEST(x86_general_protection) {
    TrapCatch tc;
    run_caught(&tc, ktest_x86_read_byte, 0x8000000000000000ull);
    expect_caught(t, tc, x86::kVectorGeneralProtection, uintptr_t(ktest_x86_read_byte_pc),
                  "#GP General Protection");
    EXPECT(t, contains(tc.report, "error code 0x0"));

    TrapCatch tc2;
    run_caught(&tc2, ktest_x86_load_ds, x86::kGdtEntries * 8);
    expect_caught(t, tc2, x86::kVectorGeneralProtection, uintptr_t(ktest_x86_load_ds_pc),
                  "#GP General Protection");
    EXPECT(t, contains(tc2.report, "error code 0x40: GDT entry 8 (selector 0x40)"));
}

// W^X: kernel code is not writable, neither at its link address nor through
// its alias in the direct map (CR0.WP makes ring 0 honour read-only pages).
KTEST(x86_text_not_writable) {
    uintptr_t text = uintptr_t(ktest_x86_divide_error);
    uintptr_t targets[] = {text, arch::phys_to_virt(arch::virt_to_phys(text))};
    for (uintptr_t target : targets) {
        TrapCatch tc;
        run_caught(&tc, ktest_x86_write_byte, target);
        expect_caught(t, tc, x86::kVectorPageFault, uintptr_t(ktest_x86_write_byte_pc),
                      "#PF Page Fault", target);
        EXPECT(t, contains(tc.report, "protection violation, write, kernel mode"));
    }
}

// NX: data is not executable - a direct-map page from the allocator and the
// kernel's own .data - even when it holds a perfectly good `ret`.
KTEST(x86_data_not_executable) {
    size_t free_before = page_allocator().free_page_count();
    uintptr_t page = page_allocator().alloc_page();
    if (!EXPECT(t, page != 0)) return;
    static uint8_t data_ret[16] = {0xc3};  // in .data, not .bss: initialised
    uintptr_t targets[] = {arch::phys_to_virt(page), uintptr_t(data_ret)};
    *reinterpret_cast<volatile uint8_t*>(targets[0]) = 0xc3;  // ret
    for (uintptr_t target : targets) {
        TrapCatch tc;
        run_caught(&tc, reinterpret_cast<void (*)(uintptr_t)>(target), 0);
        expect_caught(t, tc, x86::kVectorPageFault, target, "#PF Page Fault", target);
        EXPECT(t, contains(tc.report, "protection violation, instruction fetch, kernel mode"));
    }
    page_allocator().free_page(page);
    EXPECT_EQ(t, page_allocator().free_page_count(), free_before);
}

// The #DF gate switches to the IST1 stack, so even a fault caused by a broken
// stack pointer gets a report instead of a triple fault (a silent reset).
KTEST(x86_double_fault_on_ist) {
    TrapCatch tc;
    run_caught(&tc, ktest_x86_double_fault, kUnmappedKernelAddress + 64);
    // No pc to check: a double fault's saved rip is undefined (Intel SDM
    // vol. 3, "Interrupt 8").
    if (!EXPECT(t, tc.caught)) return;
    EXPECT_EQ(t, tc.vector, x86::kVectorDoubleFault);
    EXPECT(t, contains(tc.report, "#DF Double Fault"));
}

// The kernel's page table as paging_init built it.
KTEST(x86_kernel_page_table_permissions) {
    arch::PageTable& kpt = arch::kernel_page_table();
    uint32_t flags = 0;
    uintptr_t pa = 0;
    struct {
        uintptr_t va;
        uint32_t want;
    } const checks[] = {
        {uintptr_t(__text_start), arch::kMapRead | arch::kMapExec},
        {uintptr_t(__rodata_start), arch::kMapRead},
        {uintptr_t(__data_start), arch::kMapRead | arch::kMapWrite},
        {arch::phys_to_virt(arch::virt_to_phys(uintptr_t(__text_start))), arch::kMapRead},
    };
    for (const auto& c : checks) {
        if (EXPECT(t, kpt.lookup(c.va, &pa, &flags))) {
            EXPECT_EQ(t, flags, c.want);
            EXPECT_EQ(t, pa, arch::virt_to_phys(c.va));
        }
    }
    // The boot identity map is gone: low addresses belong to user space.
    EXPECT(t, !kpt.lookup(KERNEL_PHYS_BASE, nullptr, nullptr));
    // RAM is in the direct map, writable and not executable.
    uintptr_t page = page_allocator().alloc_page();
    if (EXPECT(t, page != 0)) {
        EXPECT(t, kpt.lookup(arch::phys_to_virt(page) + 123, &pa, &flags));
        EXPECT_EQ(t, pa, page + 123);
        EXPECT_EQ(t, flags, arch::kMapRead | arch::kMapWrite);
        page_allocator().free_page(page);
    }
}

// map / lookup / unmap on a scratch address space, and no leaked pages.
KTEST(x86_page_table_roundtrip) {
    size_t free_before = page_allocator().free_page_count();
    arch::PageTable pt;
    if (!EXPECT(t, pt.create())) return;
    uintptr_t frames = page_allocator().alloc_pages(1);  // two pages
    if (!EXPECT(t, frames != 0)) return;

    constexpr uintptr_t va = 0x400000;  // a typical user program address
    constexpr uint32_t kUserRw = arch::kMapRead | arch::kMapWrite | arch::kMapUser;
    constexpr uint32_t kUserRx = arch::kMapRead | arch::kMapExec | arch::kMapUser;
    EXPECT_EQ(t, pt.map(va, frames, 2 * kPageSize, kUserRw), 0);
    uintptr_t pa = 0;
    uint32_t flags = 0;
    EXPECT(t, pt.lookup(va + kPageSize + 5, &pa, &flags));
    EXPECT_EQ(t, pa, frames + kPageSize + 5);
    EXPECT_EQ(t, flags, kUserRw);
    EXPECT_EQ(t, pt.map(va, frames, kPageSize, arch::kMapRead), -EEXIST);
    EXPECT_EQ(t, pt.map(va + 1, frames, kPageSize, arch::kMapRead), -EINVAL);
    EXPECT_EQ(t, pt.map(0x800000, frames, kPageSize, kUserRx), 0);
    EXPECT(t, pt.lookup(0x800000, nullptr, &flags));
    EXPECT_EQ(t, flags, kUserRx);
    // The kernel half is shared with the kernel's table.
    EXPECT(t, pt.lookup(uintptr_t(__text_start), &pa, &flags));
    EXPECT_EQ(t, pa, arch::virt_to_phys(uintptr_t(__text_start)));
    EXPECT_EQ(t, pt.map(uintptr_t(DIRECT_MAP_BASE), frames, kPageSize, arch::kMapRead), -EINVAL);

    pt.unmap(va, 2 * kPageSize);
    EXPECT(t, !pt.lookup(va, nullptr, nullptr));
    EXPECT(t, !pt.lookup(va + kPageSize, nullptr, nullptr));
    EXPECT(t, pt.lookup(0x800000, nullptr, nullptr));
    pt.destroy();
    page_allocator().free_pages(frames, 1);
    EXPECT_EQ(t, page_allocator().free_page_count(), free_before);
}

KTEST(x86_clock_calibration) {
    uint64_t tsc_hz = arch::cycle_counter_hz(), lapic_hz = arch::timer_source_hz();
    kprintf("x86: TSC %lu Hz, local APIC timer %lu Hz\n", tsc_hz, lapic_hz);
    constexpr uint64_t kMin = 10000000, kMax = 100000000000;  // 10 MHz .. 100 GHz
    EXPECT(t, tsc_hz >= kMin && tsc_hz <= kMax);
    EXPECT(t, lapic_hz >= kMin && lapic_hz <= kMax);
}

// The periodic local APIC timer ticks while interrupts are on. Bounded by
// cycles (two seconds' worth, 200 ticks expected), asserting a count of
// ticks, never a duration.
KTEST(x86_timer_ticks) {
    EXPECT(t, arch::interrupts_enabled());
    uint64_t ticks_start = ticks(), interrupts_start = arch::this_cpu()->interrupts;
    uint64_t cycles_start = arch::cycle_counter(), bound = 2 * arch::cycle_counter_hz();
    while (ticks() < ticks_start + 3 && arch::cycle_counter() - cycles_start < bound)
        arch::cpu_relax();
    EXPECT(t, ticks() >= ticks_start + 3);
    EXPECT(t, arch::this_cpu()->interrupts >= interrupts_start + 3);
}

// COM1's receive interrupt, end to end: put the UART in loopback mode (its
// transmitter feeds its own receiver), send one byte, and wait for the
// interrupt to move it into the console input ring. Nothing may be printed
// meanwhile: it would be looped back too.
KTEST(x86_com1_interrupt) {
    x86::InterruptInfo info = x86::interrupt_info();
    if (!EXPECT(t, info.com1_vector != 0)) return;
    uint64_t entry = ioapic_redirection_entry(info.com1_gsi);
    EXPECT_EQ(t, entry & 0xff, info.com1_vector);
    EXPECT_EQ(t, entry & (1 << 16), 0);  // unmasked
    while (console_read_char() >= 0) {
    }

    constexpr uint16_t kCom1 = 0x3f8, kModemControl = kCom1 + 4;
    constexpr uint8_t kMcrLoopback = 1 << 4;
    uint8_t mcr = x86::inb(kModemControl);
    x86::outb(kModemControl, mcr | kMcrLoopback);
    x86::outb(kCom1, 'Z');
    uint64_t cycles_start = arch::cycle_counter(), bound = arch::cycle_counter_hz();
    while (x86::interrupt_info().com1_interrupts == info.com1_interrupts &&
           arch::cycle_counter() - cycles_start < bound)
        arch::cpu_relax();
    x86::outb(kModemControl, mcr);

    EXPECT(t, x86::interrupt_info().com1_interrupts > info.com1_interrupts);
    EXPECT_EQ(t, console_read_char(), 'Z');
    EXPECT_EQ(t, console_read_char(), -1);
}

// A trip to ring 3 and back through the trap path, ahead of the system-call
// issue: the GDT's user segments, the TSS's RSP0, SWAPGS on entry from and
// exit to ring 3 (timer interrupts taken while the user code spins return
// to it; a wrong SWAPGS there would leave the next trap without its Cpu),
// and the report for a fault in user mode.
KTEST(x86_user_mode_traps) {
    size_t free_before = page_allocator().free_page_count();
    constexpr uintptr_t kCodeVa = 0x400000, kStackVa = 0x7ff000;
    arch::PageTable pt;
    if (!EXPECT(t, pt.create())) return;
    uintptr_t code = page_allocator().alloc_page(), stack = page_allocator().alloc_page();
    uintptr_t kstack = page_allocator().alloc_pages(2);  // 16 KiB trap stack
    if (!EXPECT(t, code && stack && kstack)) return;
    memcpy(reinterpret_cast<void*>(arch::phys_to_virt(code)), ktest_x86_user_code,
           size_t(ktest_x86_user_code_end - ktest_x86_user_code));
    EXPECT_EQ(t, pt.map(kCodeVa, code, kPageSize, arch::kMapRead | arch::kMapExec | arch::kMapUser),
              0);
    EXPECT_EQ(t,
              pt.map(kStackVa, stack, kPageSize, arch::kMapRead | arch::kMapWrite | arch::kMapUser),
              0);

    // Traps from ring 3 land on RSP0: give them a stack of their own, not the
    // top of the boot stack we are running on.
    unsigned cpu = arch::cpu_id();
    uintptr_t saved_rsp0 = x86::kernel_stack(cpu);
    x86::set_kernel_stack(cpu, arch::phys_to_virt(kstack) + 4 * kPageSize);
    wrmsr(kMsrKernelGsBase, 0);  // the "user's" GS base
    pt.activate();

    uint64_t ticks_before = ticks();
    uintptr_t ud2_va = kCodeVa + uintptr_t(ktest_x86_user_code_ud2 - ktest_x86_user_code);
    TrapCatch tc;
    if (trap_catch_arm(&tc)) {
        // Spin 50 ms of TSC time in ring 3: about five timer ticks.
        ktest_x86_enter_user(kCodeVa, kStackVa + kPageSize, arch::cycle_counter_hz() / 20);
        trap_catch_disarm(&tc);
    }
    arch::kernel_page_table().activate();
    x86::set_kernel_stack(cpu, saved_rsp0);

    EXPECT(t, ticks() >= ticks_before + 2);
    if (EXPECT(t, tc.caught)) {
        EXPECT_EQ(t, tc.vector, x86::kVectorInvalidOpcode);
        EXPECT_EQ(t, tc.pc, ud2_va);
        EXPECT(t, contains(tc.report, "#UD Invalid Opcode (vector 6) in user mode"));
        EXPECT(t, contains(tc.report, "cs 0x2b"));
    }
    EXPECT_EQ(t, arch::this_cpu(), &g_cpus[cpu]);  // GS base is the kernel's again
    pt.destroy();
    page_allocator().free_page(code);
    page_allocator().free_page(stack);
    page_allocator().free_pages(kstack, 2);
    EXPECT_EQ(t, page_allocator().free_page_count(), free_before);
}
