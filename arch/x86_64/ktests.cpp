// arch/x86_64/ktests.cpp - in-kernel tests of the x86-64 CPU side: traps and
// their reports, W^X and NX really enforced, the double-fault IST stack, the
// timer interrupt, clock calibration, page tables, the COM1 interrupt, a
// first trip to ring 3 and back; then the pieces of user mode: copies to and
// from user memory with faults caught (and SMAP enforced outside them),
// switch_context between two test threads, FP/SSE state and the FS base,
// arch_prctl, and the SYSCALL MSRs; last, several CPUs: bring-up, per-CPU
// state, IPIs, cross-CPU calls and TLB shootdowns.
//
// The faulting instructions live in the small assembly functions below, each
// with a global label on the one instruction that must fault, so a test can
// check that the report names exactly that pc.
#include "arch/arch.h"
#include "arch/x86_64/cpu_regs.h"
#include "arch/x86_64/fw_cfg.h"
#include "arch/x86_64/gdt.h"
#include "arch/x86_64/include/portio.h"
#include "arch/x86_64/interrupts.h"
#include "arch/x86_64/lapic.h"
#include "arch/x86_64/msr.h"
#include "arch/x86_64/paging.h"
#include "arch/x86_64/smp.h"
#include "arch/x86_64/thread.h"
#include "arch/x86_64/tlb.h"
#include "arch/x86_64/vectors.h"
#include "drivers/ioapic.h"
#include "kernel/console.h"
#include "kernel/errno.h"
#include "kernel/ktest.h"
#include "kernel/lib/format.h"
#include "kernel/lib/string.h"
#include "kernel/mm/page_alloc.h"
#include "kernel/printk.h"
#include "kernel/sync/spinlock.h"
#include "kernel/time.h"
#include "kernel/trap_catch.h"
#include "kernel/uaccess.h"

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

        /* An "NMI" (int $2: the same gate and entry code) arriving in ring 0
         * with the user's GS base live, as one could between the SYSCALL
         * entry's first instruction and its SWAPGS. The test sets
         * KERNEL_GS_BASE to 0 first, so after our SWAPGS the GS base is 0
         * and the kernel's Cpu pointer waits in KERNEL_GS_BASE. Only the
         * paranoid entry's look at the MSR gets the kernel's GS back. */
        .globl ktest_x86_nmi_with_user_gs, ktest_x86_nmi_with_user_gs_pc
ktest_x86_nmi_with_user_gs:
        cli                             /* no ordinary interrupt in between */
        swapgs
ktest_x86_nmi_with_user_gs_pc:
        int     $2
        ud2                             /* not reached: the catch resumes the test */

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
void ktest_x86_nmi_with_user_gs(uintptr_t);
extern const char ktest_x86_nmi_with_user_gs_pc[];
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

// NMI, #DF and #MC take the paranoid entry, which decides about SWAPGS by
// the GS base itself: here an NMI finds the user's GS base in ring 0.
KTEST(x86_paranoid_entry_swapgs) {
    unsigned cpu = arch::cpu_id();
    wrmsr(kMsrKernelGsBase, 0);  // the "user's" GS base
    TrapCatch tc;
    run_caught(&tc, ktest_x86_nmi_with_user_gs, 0);
    // The report could only be built (it names the CPU through %gs) if the
    // entry swapped GS back; the catch left without the exit's SWAPGS, so
    // the kernel's GS base stays live - as before the test.
    EXPECT_EQ(t, arch::this_cpu(), &g_cpus[cpu]);
    EXPECT_EQ(t, rdmsr(kMsrKernelGsBase), 0);
    uintptr_t int_pc = uintptr_t(ktest_x86_nmi_with_user_gs_pc);
    if (EXPECT(t, tc.caught)) {
        EXPECT_EQ(t, tc.vector, x86::kVectorNmi);
        EXPECT_EQ(t, tc.pc, int_pc + 2);  // a software interrupt: the next instruction
        EXPECT(t, contains(tc.report, "NMI Non-Maskable Interrupt (vector 2) in kernel mode"));
    }
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
    // The interrupt count before the tick count: a tick between the two
    // reads then only makes the second check easier. (The other order let
    // such a tick fail it, now and then.)
    uint64_t interrupts_start = arch::this_cpu()->interrupts;
    uint64_t ticks_start = ticks();
    uint64_t cycles_start = arch::cycle_counter(), bound = 2 * arch::cycle_counter_hz();
    // Wait for both: ticks() counts 10 ms periods of the clock (kernel/time.h), and one late
    // interrupt (a busy host) can cover several of them, so three periods do not imply three
    // interrupts on this CPU, or the other way round.
    while ((ticks() < ticks_start + 3 || arch::this_cpu()->interrupts < interrupts_start + 3) &&
           arch::cycle_counter() - cycles_start < bound)
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

// ---- User memory: copy_user and copy_user_string --------------------------------

namespace {

// A user address space for one test: one user page (read-write) at kPage,
// with nothing mapped in the page above it, made current for the test's
// lifetime. The test thread has no process, so no demand paging happens:
// every fault on an unmapped user address ends at the copy's fixup.
class ScratchUserPage {
public:
    static constexpr uintptr_t kPage = 0x400000;
    static constexpr uintptr_t kUnmapped = kPage + kPageSize;

    bool create() {
        if (!pt_.create()) return false;
        frame_ = page_allocator().alloc_page();
        if (!frame_) return false;
        memset(kernel_view(), 0, kPageSize);
        if (pt_.map(kPage, frame_, kPageSize, arch::kMapRead | arch::kMapWrite | arch::kMapUser)) return false;
        pt_.activate();
        return true;
    }
    ~ScratchUserPage() {
        arch::kernel_page_table().activate();
        pt_.destroy();
        if (frame_) page_allocator().free_page(frame_);
    }
    // The same page through the direct map, for setting up and checking
    // without going through a user address.
    char* kernel_view() const { return reinterpret_cast<char*>(arch::phys_to_virt(frame_)); }

private:
    arch::PageTable pt_;
    uintptr_t frame_ = 0;
};

const void* user_ptr(uintptr_t address) { return reinterpret_cast<const void*>(address); }

bool rflags_ac_set() {
    uint64_t flags;
    asm volatile("pushfq; popq %0" : "=r"(flags));
    return flags & (1 << 18);
}

}  // namespace

// copy_user returns how many bytes it could NOT copy: all of them from an
// unmapped or non-canonical address, the rest of the request when it runs
// off the end of a mapped page (rep movsb stops exactly there). The
// uaccess.h helpers refuse kernel addresses before copying at all.
KTEST(x86_copy_user) {
    size_t free_before = page_allocator().free_page_count();
    {
        ScratchUserPage user;
        if (!EXPECT(t, user.create())) return;
        for (unsigned i = 0; i < kPageSize; i++) user.kernel_view()[i] = char(i * 7);
        char buf[64];

        // Whole, from and to user memory.
        EXPECT_EQ(t, arch::copy_user(buf, user_ptr(ScratchUserPage::kPage + 100), 40), 0);
        EXPECT_EQ(t, memcmp(buf, user.kernel_view() + 100, 40), 0);
        memset(buf, 0x5a, sizeof buf);
        EXPECT_EQ(t, arch::copy_user(const_cast<void*>(user_ptr(ScratchUserPage::kPage + 8)), buf, 16), 0);
        EXPECT_EQ(t, memcmp(user.kernel_view() + 8, buf, 16), 0);

        // Running off the end of the page: the first 10 bytes arrive.
        memset(buf, 0, sizeof buf);
        EXPECT_EQ(t, arch::copy_user(buf, user_ptr(ScratchUserPage::kUnmapped - 10), 30), 20);
        EXPECT_EQ(t, memcmp(buf, user.kernel_view() + kPageSize - 10, 10), 0);
        EXPECT_EQ(t, buf[10], 0);
        EXPECT_EQ(t, arch::copy_user(const_cast<void*>(user_ptr(ScratchUserPage::kUnmapped - 8)), buf, 16), 8);

        // Nothing mapped at all; a non-canonical address (a #GP, not a #PF).
        EXPECT_EQ(t, arch::copy_user(buf, user_ptr(ScratchUserPage::kUnmapped), 16), 16);
        EXPECT_EQ(t, arch::copy_user(buf, user_ptr(0x8000000000000000ull), 16), 16);
        EXPECT_EQ(t, arch::copy_user(buf, user_ptr(ScratchUserPage::kUnmapped), 0), 0);
        // The SMAP window is closed again after a fault, too.
        EXPECT(t, !rflags_ac_set());

        // The uaccess.h helpers: a kernel address, or a range that would run
        // past the user half, is -EFAULT without a copy being tried.
        uint64_t value = 0;
        EXPECT_EQ(t, get_user(&value, ScratchUserPage::kPage), 0);
        EXPECT_EQ(t, get_user(&value, ScratchUserPage::kUnmapped), -EFAULT);
        EXPECT_EQ(t, copy_from_user(buf, uintptr_t(buf), 8), -EFAULT);
        EXPECT_EQ(t, copy_to_user(uintptr_t(&value), buf, 8), -EFAULT);
        EXPECT_EQ(t, copy_from_user(buf, arch::kUserTop - 4, 8), -EFAULT);
        EXPECT_EQ(t, copy_from_user(buf, ScratchUserPage::kPage, ~size_t(0)), -EFAULT);
        EXPECT_EQ(t, put_user(ScratchUserPage::kPage, uint64_t(0x1122334455667788)), 0);
        EXPECT_EQ(t, *reinterpret_cast<uint64_t*>(user.kernel_view()), 0x1122334455667788ull);
    }
    EXPECT_EQ(t, page_allocator().free_page_count(), free_before);
}

// SMAP: outside copy_user the kernel cannot read a user page even when it
// is mapped (CPUs without SMAP skip this).
KTEST(x86_smap_enforced) {
    if (!x86_smap_enabled) {
        kprintf("x86: no SMAP on this CPU; skipped\n");
        return;
    }
    ScratchUserPage user;
    if (!EXPECT(t, user.create())) return;
    TrapCatch tc;
    run_caught(&tc, ktest_x86_read_byte, ScratchUserPage::kPage);
    expect_caught(t, tc, x86::kVectorPageFault, uintptr_t(ktest_x86_read_byte_pc), "#PF Page Fault",
                  ScratchUserPage::kPage);
    EXPECT(t, contains(tc.report, "protection violation, read, kernel mode"));
}

KTEST(x86_copy_user_string) {
    ScratchUserPage user;
    if (!EXPECT(t, user.create())) return;
    char* page = user.kernel_view();
    strlcpy(page, "hello", 16);
    char buf[32];

    EXPECT_EQ(t, arch::copy_user_string(buf, static_cast<const char*>(user_ptr(ScratchUserPage::kPage)), sizeof buf), 5);
    EXPECT_EQ(t, strncmp(buf, "hello", sizeof buf), 0);
    // No NUL within max: returns max, having copied max bytes.
    memset(buf, 0, sizeof buf);
    EXPECT_EQ(t, arch::copy_user_string(buf, static_cast<const char*>(user_ptr(ScratchUserPage::kPage)), 3), 3);
    EXPECT_EQ(t, strncmp(buf, "hel", 4), 0);
    EXPECT_EQ(t, arch::copy_user_string(buf, static_cast<const char*>(user_ptr(ScratchUserPage::kPage)), 0), 0);
    // The empty string.
    EXPECT_EQ(t, arch::copy_user_string(buf, static_cast<const char*>(user_ptr(ScratchUserPage::kPage + 100)), 8), 0);
    // A string ending in the page's last byte is whole; one running on into
    // the unmapped page faults.
    memset(page + kPageSize - 4, 'x', 3);
    page[kPageSize - 1] = 0;
    const char* tail = static_cast<const char*>(user_ptr(ScratchUserPage::kUnmapped - 4));
    EXPECT_EQ(t, arch::copy_user_string(buf, tail, sizeof buf), 3);
    page[kPageSize - 1] = 'x';
    EXPECT_EQ(t, arch::copy_user_string(buf, tail, sizeof buf), -1);
    EXPECT_EQ(t, arch::copy_user_string(buf, tail, 4), 4);  // stops before the fault
    EXPECT_EQ(t, arch::copy_user_string(buf, static_cast<const char*>(user_ptr(ScratchUserPage::kUnmapped)), 8), -1);
    EXPECT(t, !rflags_ac_set());

    // The uaccess.h wrapper: too long, a kernel address, a fault.
    EXPECT_EQ(t, copy_string_from_user(buf, ScratchUserPage::kPage, 4), -ENAMETOOLONG);
    EXPECT_EQ(t, copy_string_from_user(buf, uintptr_t(buf), sizeof buf), -EFAULT);
    EXPECT_EQ(t, copy_string_from_user(buf, ScratchUserPage::kUnmapped - 4, sizeof buf), -EFAULT);
    EXPECT_EQ(t, copy_string_from_user(buf, ScratchUserPage::kPage, sizeof buf), 5);
}

// ---- switch_context ------------------------------------------------------------

asm(R"(
        .pushsection .text
        /* uint64_t ktest_x86_switch_checked(from = rdi, to = rsi, seed = rdx)
         * Fills rbx rbp r12-r15 with seed+1..seed+6, calls switch_context,
         * and when switched back returns a bit mask of those registers that
         * did not keep their value (0 = all callee-saved registers survived). */
        .globl ktest_x86_switch_checked
ktest_x86_switch_checked:
        pushq   %rbp
        pushq   %rbx
        pushq   %r12
        pushq   %r13
        pushq   %r14
        pushq   %r15
        pushq   %rdx                    /* keep the seed (rsp stays 16-aligned) */
        leaq    1(%rdx), %rbx
        leaq    2(%rdx), %rbp
        leaq    3(%rdx), %r12
        leaq    4(%rdx), %r13
        leaq    5(%rdx), %r14
        leaq    6(%rdx), %r15
        call    switch_context
        popq    %rdx
        xorl    %eax, %eax
        leaq    1(%rdx), %rcx
        cmpq    %rcx, %rbx
        setne   %al
        .irp    reg, rbp, r12, r13, r14, r15
        incq    %rcx
        shlq    $1, %rax
        cmpq    %rcx, %\reg
        setne   %r8b
        orb     %r8b, %al
        .endr
        popq    %r15
        popq    %r14
        popq    %r13
        popq    %r12
        popq    %rbx
        popq    %rbp
        ret
        .popsection
)");

extern "C" uint64_t ktest_x86_switch_checked(arch::ThreadContext* from, const arch::ThreadContext* to,
                                             uint64_t seed);

namespace {

// Two test threads, A and B, and the test itself ("main") pass the CPU
// around without the scheduler: main -> A -> B -> A -> B -> A -> main. Each
// switch goes through ktest_x86_switch_checked with its own seed, so a
// register one side leaves behind cannot pass for the other's.
struct PingPong {
    arch::ThreadContext main, a, b;
    char log[16];
    unsigned steps = 0;
    uint64_t bad_registers = 0;   // OR of every switch's mask
    unsigned misaligned_starts = 0;
    unsigned starts = 0;

    void note(char who) { if (steps < sizeof log - 1) log[steps++] = who; }
    void do_switch(arch::ThreadContext* from, arch::ThreadContext* to, uint64_t seed) {
        bad_registers |= ktest_x86_switch_checked(from, to, seed);
    }
};

// Stands in for sched_thread_start: the trampoline calls it with the
// stack the ABI promises a called function, so its frame pointer (rsp
// after `push rbp`) is 16-byte aligned.
void ping_pong_start(void (*entry)(void*), void* arg) {
    PingPong* pp = static_cast<PingPong*>(arg);
    pp->starts++;
    if (uintptr_t(__builtin_frame_address(0)) % 16 != 0) pp->misaligned_starts++;
    entry(arg);
    panic("ping-pong thread returned");
}

void ping_pong_a(void* arg) {
    PingPong* pp = static_cast<PingPong*>(arg);
    for (int round = 0; round < 3; round++) {
        pp->note('A');
        if (round == 2) break;
        pp->do_switch(&pp->a, &pp->b, 0xa000 + uint64_t(round) * 0x10);
    }
    pp->do_switch(&pp->a, &pp->main, 0xaf00);
    panic("ping-pong thread A resumed after the test");
}

void ping_pong_b(void* arg) {
    PingPong* pp = static_cast<PingPong*>(arg);
    for (int round = 0;; round++) {
        pp->note('B');
        pp->do_switch(&pp->b, &pp->a, 0xb000 + uint64_t(round) * 0x10);
    }
}

}  // namespace

KTEST(x86_switch_context_ping_pong) {
    size_t free_before = page_allocator().free_page_count();
    uintptr_t stack_a = page_allocator().alloc_pages(2), stack_b = page_allocator().alloc_pages(2);
    if (!EXPECT(t, stack_a && stack_b)) return;
    PingPong pp;
    x86::init_context(&pp.a, arch::phys_to_virt(stack_a) + 4 * kPageSize, ping_pong_start, ping_pong_a, &pp);
    x86::init_context(&pp.b, arch::phys_to_virt(stack_b) + 4 * kPageSize, ping_pong_start, ping_pong_b, &pp);
    {
        InterruptsOffGuard irqs_off;  // switch_context's rule
        pp.do_switch(&pp.main, &pp.a, 0x1000);
    }
    pp.log[pp.steps] = 0;
    EXPECT_EQ(t, strncmp(pp.log, "ABABA", sizeof pp.log), 0);
    EXPECT_EQ(t, pp.starts, 2);
    EXPECT_EQ(t, pp.misaligned_starts, 0);
    EXPECT_EQ(t, pp.bad_registers, 0);
    if (t.failures()) kprintf("ping-pong log: %s\n", pp.log);
    page_allocator().free_pages(stack_a, 2);
    page_allocator().free_pages(stack_b, 2);
    EXPECT_EQ(t, page_allocator().free_page_count(), free_before);
}

// ---- User FP/SSE state and the FS base ----------------------------------------------

asm(R"(
        .pushsection .text
        /* ktest_x86_set_sse(const uint8_t pattern[256] = rdi, uint32_t mxcsr = esi)
         * The kernel never uses SSE (-mgeneral-regs-only), so these
         * registers belong to "the user" and the test may set them. */
        .globl ktest_x86_set_sse, ktest_x86_get_sse
ktest_x86_set_sse:
        .irp    n, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15
        movdqu  16*\n(%rdi), %xmm\n
        .endr
        pushq   %rsi
        ldmxcsr (%rsp)
        popq    %rsi
        ret
        /* ktest_x86_get_sse(uint8_t out[256] = rdi) -> eax = MXCSR */
ktest_x86_get_sse:
        .irp    n, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15
        movdqu  %xmm\n, 16*\n(%rdi)
        .endr
        pushq   $0
        stmxcsr (%rsp)
        popq    %rax
        ret
        .popsection
)");

extern "C" void ktest_x86_set_sse(const uint8_t* pattern, uint32_t mxcsr);
extern "C" uint32_t ktest_x86_get_sse(uint8_t* out);

// save_user_cpu_state captures what is in the registers, load puts it back,
// and a fresh state (init_user_cpu_state) clears them, with Linux's initial
// control words. FS base goes along with both.
KTEST(x86_user_cpu_state_roundtrip) {
    static uint8_t pattern[256], seen[256];  // static: 2 x 256 bytes off the stack
    for (unsigned i = 0; i < sizeof pattern; i++) pattern[i] = uint8_t(i * 13 + 1);
    constexpr uint32_t kMxcsrRoundDown = 0x3f80;  // all masked, round toward -inf
    constexpr uintptr_t kTp = 0x00007f0012345000;
    auto* fresh = new arch::UserCpuState;
    auto* saved = new arch::UserCpuState;
    auto* original = new arch::UserCpuState;
    if (!EXPECT(t, fresh && saved && original)) return;
    InterruptsOffGuard irqs_off;  // nothing else may switch this state meanwhile
    arch::save_user_cpu_state(original);

    arch::init_user_cpu_state(fresh);
    EXPECT_EQ(t, fresh->fx.fcw, 0x37f);
    EXPECT_EQ(t, fresh->fx.mxcsr, 0x1f80);
    EXPECT_EQ(t, arch::thread_pointer(fresh), 0);

    // Save: what the registers hold ends up in the image.
    ktest_x86_set_sse(pattern, kMxcsrRoundDown);
    wrmsr(kMsrFsBase, kTp);
    arch::save_user_cpu_state(saved);
    EXPECT_EQ(t, memcmp(saved->fx.xmm, pattern, sizeof pattern), 0);
    EXPECT_EQ(t, saved->fx.mxcsr, kMxcsrRoundDown);
    EXPECT_EQ(t, arch::thread_pointer(saved), kTp);

    // Load a fresh state: registers cleared, default control words.
    arch::load_user_cpu_state(fresh);
    EXPECT_EQ(t, ktest_x86_get_sse(seen), 0x1f80);
    static const uint8_t zeros[256] = {};
    EXPECT_EQ(t, memcmp(seen, zeros, sizeof seen), 0);
    EXPECT_EQ(t, rdmsr(kMsrFsBase), 0);
    uint16_t fcw = 0;
    asm volatile("fnstcw %0" : "=m"(fcw));
    EXPECT_EQ(t, fcw, 0x37f);

    // Load the saved one: everything is back.
    arch::load_user_cpu_state(saved);
    EXPECT_EQ(t, ktest_x86_get_sse(seen), kMxcsrRoundDown);
    EXPECT_EQ(t, memcmp(seen, pattern, sizeof seen), 0);
    EXPECT_EQ(t, rdmsr(kMsrFsBase), kTp);

    // set_thread_pointer only edits the copy (clone's CLONE_SETTLS), and
    // never to a value the WRMSR of a later load would fault on.
    arch::set_thread_pointer(saved, 0x1000);
    EXPECT_EQ(t, arch::thread_pointer(saved), 0x1000);
    EXPECT_EQ(t, rdmsr(kMsrFsBase), kTp);
    arch::set_thread_pointer(saved, 0x8000000000000000ull);
    EXPECT_EQ(t, arch::thread_pointer(saved), 0);

    arch::load_user_cpu_state(original);
    delete fresh;
    delete saved;
    delete original;
}

KTEST(x86_arch_prctl) {
    constexpr int kArchSetGs = 0x1001, kArchSetFs = 0x1002, kArchGetFs = 0x1003, kArchGetGs = 0x1004;
    ScratchUserPage user;
    if (!EXPECT(t, user.create())) return;
    arch::UserCpuState* state = new arch::UserCpuState;
    if (!EXPECT(t, state)) return;
    InterruptsOffGuard irqs_off;
    uint64_t fs_before = rdmsr(kMsrFsBase);
    arch::init_user_cpu_state(state);

    EXPECT_EQ(t, arch::prctl(state, kArchSetFs, 0x00007f00aabbc000), 0);
    EXPECT_EQ(t, rdmsr(kMsrFsBase), 0x00007f00aabbc000ull);  // at once, not at the next switch
    EXPECT_EQ(t, arch::thread_pointer(state), 0x00007f00aabbc000ull);
    EXPECT_EQ(t, arch::prctl(state, kArchGetFs, ScratchUserPage::kPage + 8), 0);
    EXPECT_EQ(t, *reinterpret_cast<uint64_t*>(user.kernel_view() + 8), 0x00007f00aabbc000ull);
    // Linux's errors: a kernel or non-canonical base is EPERM; a bad
    // pointer for GET is EFAULT (a kernel one refused up front, an unmapped
    // user one caught by copy_user's fixup).
    EXPECT_EQ(t, arch::prctl(state, kArchSetFs, arch::kUserTop), -EPERM);
    EXPECT_EQ(t, arch::prctl(state, kArchSetFs, 0x8000000000000000ull), -EPERM);
    EXPECT_EQ(t, arch::prctl(state, kArchSetFs, uintptr_t(__text_start)), -EPERM);
    EXPECT_EQ(t, rdmsr(kMsrFsBase), 0x00007f00aabbc000ull);
    EXPECT_EQ(t, arch::prctl(state, kArchGetFs, uintptr_t(state)), -EFAULT);
    EXPECT_EQ(t, arch::prctl(state, kArchGetFs, ScratchUserPage::kUnmapped), -EFAULT);
    // GS base is not per thread (thread.cpp), and unknown codes are EINVAL.
    EXPECT_EQ(t, arch::prctl(state, kArchSetGs, 0x1000), -EINVAL);
    EXPECT_EQ(t, arch::prctl(state, kArchGetGs, ScratchUserPage::kPage), -EINVAL);
    EXPECT_EQ(t, arch::prctl(state, 0x1011, 0), -EINVAL);  // ARCH_GET_CPUID

    wrmsr(kMsrFsBase, fs_before);
    delete state;
}

// SYSCALL is pointed at syscall_entry.S, with the segments gdt.h promises
// and the flags syscall.cpp masks.
extern "C" char x86_syscall_entry[];

KTEST(x86_syscall_msrs) {
    EXPECT(t, rdmsr(kMsrEfer) & 1);  // SCE
    EXPECT_EQ(t, rdmsr(kMsrStar), x86::kStarValue);
    EXPECT_EQ(t, rdmsr(kMsrLstar), uintptr_t(x86_syscall_entry));
    constexpr uint64_t kIf = 1 << 9, kTf = 1 << 8, kDf = 1 << 10, kAc = 1 << 18, kNt = 1 << 14;
    EXPECT_EQ(t, rdmsr(kMsrSfmask), kIf | kTf | kDf | kAc | kNt);
    // The SYSCALL stack and TSS.RSP0 move together.
    unsigned cpu = arch::cpu_id();
    uintptr_t saved = x86::kernel_stack(cpu);
    arch::set_kernel_stack(0xffff800000123000);
    EXPECT_EQ(t, x86::kernel_stack(cpu), 0xffff800000123000ull);
    EXPECT_EQ(t, arch::this_cpu()->syscall_stack_top, 0xffff800000123000ull);
    x86::set_kernel_stack(cpu, saved);
}

// ---- Several CPUs: bring-up, per-CPU state, IPIs, TLB shootdowns -------------------
//
// These run on the boot CPU while the others idle, and reach the others with
// cross-CPU calls (arch::run_on_cpu, x86::call_on_cpus): the function runs
// there with interrupts off. At -smp 1 they check that exactly one CPU is
// online and skip the rest with a note.

namespace {

// The CPUs QEMU was started with (-smp), as far as Handoff can run them.
unsigned expected_cpus() {
    unsigned n = fw_cfg_cpu_count();
    return n < kMaxCpus ? n : kMaxCpus;
}

// True if at least `needed` CPUs are online; otherwise checks that the
// machine really has fewer, prints a note and returns false.
bool have_cpus(KTestContext& t, unsigned needed) {
    unsigned online = arch::online_cpus();
    if (online >= needed) return true;
    EXPECT_EQ(t, online, expected_cpus());
    kprintf("  note: %u CPU online (-smp %u): skipping the cross-CPU part of %s\n", online,
            fw_cfg_cpu_count(), t.name());
    return false;
}

uint32_t all_online_cpus() { return (1u << arch::online_cpus()) - 1; }

// Waits (bounded by two seconds of TSC, asserting counts, never times)
// until done() is true.
template <typename Done>
bool wait_until(Done done) {
    uint64_t start = arch::cycle_counter(), bound = 2 * arch::cycle_counter_hz();
    while (!done()) {
        if (arch::cycle_counter() - start > bound) return false;
        arch::cpu_relax();
    }
    return true;
}

}  // namespace

// Every CPU the firmware lists came up, and the CPU number <-> APIC ID
// tables agree with each other and with what each CPU's APIC says.
KTEST(x86_smp_cpus_online) {
    EXPECT_EQ(t, arch::online_cpus(), expected_cpus());
    EXPECT_EQ(t, arch::cpu_id(), 0);  // the tests run on the boot CPU
    for (unsigned cpu = 0; cpu < arch::online_cpus(); cpu++) {
        EXPECT_EQ(t, g_cpus[cpu].id, cpu);
        EXPECT_EQ(t, g_cpus[cpu].self, &g_cpus[cpu]);
        EXPECT_EQ(t, x86::cpu_of_apic_id(x86::apic_id_of_cpu(cpu)), cpu);
        for (unsigned other = 0; other < cpu; other++)
            EXPECT(t, x86::apic_id_of_cpu(other) != x86::apic_id_of_cpu(cpu));
    }
    EXPECT_EQ(t, x86::cpu_of_apic_id(0xfe), kMaxCpus);  // nobody's
}

namespace {

// What a CPU says about itself, taken on that CPU.
struct CpuSnapshot {
    unsigned id;
    Cpu* cpu;
    uint64_t gs_base, cr0, cr4, efer, star, lstar, sfmask;
    uint64_t gdt_base, idt_base;
    uint16_t tr;
    uint8_t apic_id;
    bool interrupts_on;
};
CpuSnapshot g_snapshots[kMaxCpus];

struct [[gnu::packed]] DescriptorTableRegister {
    uint16_t limit;
    uint64_t base;
};

void take_snapshot(void*) {
    CpuSnapshot& s = g_snapshots[arch::cpu_id()];
    s.id = arch::cpu_id();
    s.cpu = arch::this_cpu();
    s.gs_base = rdmsr(kMsrGsBase);
    s.cr0 = x86::read_cr0();
    s.cr4 = x86::read_cr4();
    s.efer = rdmsr(kMsrEfer);
    s.star = rdmsr(kMsrStar);
    s.lstar = rdmsr(kMsrLstar);
    s.sfmask = rdmsr(kMsrSfmask);
    DescriptorTableRegister gdtr, idtr;
    asm volatile("sgdt %0" : "=m"(gdtr));
    asm volatile("sidt %0" : "=m"(idtr));
    asm volatile("str %0" : "=r"(s.tr));
    s.gdt_base = gdtr.base;
    s.idt_base = idtr.base;
    s.apic_id = x86::lapic_id();
    s.interrupts_on = arch::interrupts_enabled();
}

}  // namespace

// Each CPU set itself up like the boot CPU (x86::cpu_init): the same CR0,
// CR4, EFER and SYSCALL MSRs and the shared IDT, but its own GS base (Cpu),
// its own GDT with its own TSS loaded. run_on_cpu reaches each, the caller
// included, and runs the function with interrupts off.
KTEST(x86_smp_per_cpu_state) {
    unsigned online = arch::online_cpus();
    memset(g_snapshots, 0, sizeof g_snapshots);
    for (unsigned cpu = 0; cpu < online; cpu++) arch::run_on_cpu(cpu, take_snapshot, nullptr);
    const CpuSnapshot& boot = g_snapshots[0];
    for (unsigned cpu = 0; cpu < online; cpu++) {
        const CpuSnapshot& s = g_snapshots[cpu];
        EXPECT_EQ(t, s.id, cpu);
        EXPECT_EQ(t, s.cpu, &g_cpus[cpu]);
        EXPECT_EQ(t, s.gs_base, uintptr_t(&g_cpus[cpu]));
        EXPECT(t, !s.interrupts_on);
        EXPECT_EQ(t, s.apic_id, x86::apic_id_of_cpu(cpu));
        EXPECT_EQ(t, s.cr0, boot.cr0);
        EXPECT_EQ(t, s.cr4, boot.cr4);
        EXPECT_EQ(t, s.efer, boot.efer);
        EXPECT_EQ(t, s.star, boot.star);
        EXPECT_EQ(t, s.lstar, boot.lstar);
        EXPECT_EQ(t, s.sfmask, boot.sfmask);
        EXPECT_EQ(t, s.idt_base, boot.idt_base);
        EXPECT_EQ(t, s.tr, x86::kTssSelector);
        for (unsigned other = 0; other < cpu; other++)
            EXPECT(t, g_snapshots[other].gdt_base != s.gdt_base);
    }
    // The features every CPU must have turned on for itself.
    EXPECT(t, boot.cr0 & x86::kCr0Wp);
    EXPECT(t, !(boot.cr0 & (x86::kCr0Cd | x86::kCr0Nw | x86::kCr0Em)));
    EXPECT(t, boot.cr4 & x86::kCr4Pge);
    EXPECT(t, boot.cr4 & x86::kCr4Osfxsr);
}

// Every CPU's own local APIC timer ticks (Cpu::ticks), also on the idle
// ones, which sit in hlt between ticks.
KTEST(x86_smp_timer_ticks_on_every_cpu) {
    if (!have_cpus(t, 2)) return;
    unsigned online = arch::online_cpus();
    uint64_t start[kMaxCpus];
    auto ticks_of = [](unsigned cpu) {
        return __atomic_load_n(&g_cpus[cpu].ticks, __ATOMIC_RELAXED);
    };
    for (unsigned cpu = 0; cpu < online; cpu++) start[cpu] = ticks_of(cpu);
    auto ticked = [&](unsigned cpu) { return ticks_of(cpu) >= start[cpu] + 3; };
    wait_until([&] {
        for (unsigned cpu = 0; cpu < online; cpu++)
            if (!ticked(cpu)) return false;
        return true;
    });
    for (unsigned cpu = 0; cpu < online; cpu++) EXPECT(t, ticked(cpu));
}

// A reschedule IPI reaches each other CPU (counted by its handler).
KTEST(x86_smp_reschedule_ipi) {
    if (!have_cpus(t, 2)) return;
    for (unsigned cpu = 1; cpu < arch::online_cpus(); cpu++) {
        uint64_t before = x86::ipi_counts(cpu).reschedule;
        arch::send_reschedule_ipi(cpu);
        EXPECT(t, wait_until([&] { return x86::ipi_counts(cpu).reschedule > before; }));
    }
}

namespace {
unsigned g_calls_seen[kMaxCpus];
void count_call(void*) { __atomic_add_fetch(&g_calls_seen[arch::cpu_id()], 1, __ATOMIC_RELAXED); }
}  // namespace

// call_on_cpus runs the function exactly once on each CPU asked, and only
// there, before it returns.
KTEST(x86_smp_cross_cpu_calls) {
    memset(g_calls_seen, 0, sizeof g_calls_seen);
    x86::call_on_cpus(all_online_cpus(), count_call, nullptr);
    for (unsigned cpu = 0; cpu < arch::online_cpus(); cpu++) EXPECT_EQ(t, g_calls_seen[cpu], 1);
    if (!have_cpus(t, 2)) return;
    x86::call_on_cpus(x86::other_online_cpus(), count_call, nullptr);  // not ourselves
    EXPECT_EQ(t, g_calls_seen[0], 1);
    for (unsigned cpu = 1; cpu < arch::online_cpus(); cpu++) EXPECT_EQ(t, g_calls_seen[cpu], 2);
}

// ---- TLB shootdowns ----------------------------------------------------------------

namespace {

// One user page in a scratch address space, which the test makes every
// CPU run on (as a CPU runs on the table of the process it runs, or last
// ran). Each CPU then touches the page through its user address, so that
// its TLB caches the translation. Under QEMU a cached translation survives
// a change to the entry until the CPU flushes it, just like hardware's, so
// a missing shootdown shows: the CPU goes on using the old entry.
struct ShootdownScene {
    static constexpr uintptr_t kVa = 0x400000;
    arch::PageTable pt;
    uintptr_t frame = 0;
    // Per CPU, what its last access through kVa did: bytes NOT copied.
    size_t read_failed[kMaxCpus], write_failed[kMaxCpus];
    uint8_t read_value[kMaxCpus];
};
ShootdownScene g_scene;

// Reads and writes one byte through the user address, with faults caught by
// copy_user's fixup (the CPU runs no process, so no demand paging).
void touch_user_page(void*) {
    unsigned cpu = arch::cpu_id();
    uint8_t value = 0;
    auto* user_page = reinterpret_cast<uint8_t*>(ShootdownScene::kVa);
    g_scene.read_failed[cpu] = arch::copy_user(&value, user_page, 1);
    g_scene.read_value[cpu] = value;
    uint8_t mark = uint8_t(0x10 + cpu);
    g_scene.write_failed[cpu] = arch::copy_user(user_page + 1 + cpu, &mark, 1);
}

void enter_scene(void*) {
    g_scene.pt.activate();
    touch_user_page(nullptr);
}

void leave_scene(void*) { arch::kernel_page_table().activate(); }

}  // namespace

// The shootdown after mprotect and munmap: every CPU caches a writable
// translation of the page; the boot CPU makes the page read-only, then
// unmaps it; after each change every CPU must see the new entry at once -
// a write must fault after the first, any access after the second.
KTEST(x86_smp_tlb_shootdown) {
    size_t free_before = page_allocator().free_page_count();
    ShootdownScene& s = g_scene;
    constexpr uintptr_t kVa = ShootdownScene::kVa;
    if (!EXPECT(t, s.pt.create())) return;
    s.frame = page_allocator().alloc_page();
    if (!EXPECT(t, s.frame != 0)) return;
    auto* page = reinterpret_cast<uint8_t*>(arch::phys_to_virt(s.frame));
    memset(page, 0, kPageSize);
    page[0] = 0x5a;
    constexpr uint32_t kUserRw = arch::kMapRead | arch::kMapWrite | arch::kMapUser;
    EXPECT_EQ(t, s.pt.map(kVa, s.frame, kPageSize, kUserRw), 0);
    unsigned online = arch::online_cpus();
    uint64_t shootdowns_before[kMaxCpus];
    for (unsigned cpu = 0; cpu < online; cpu++)
        shootdowns_before[cpu] = x86::tlb_shootdowns_received(cpu);

    // 1. Every CPU on the table, with the page in its TLB, writable.
    x86::call_on_cpus(all_online_cpus(), enter_scene, nullptr);
    for (unsigned cpu = 0; cpu < online; cpu++) {
        EXPECT_EQ(t, s.read_failed[cpu], 0);
        EXPECT_EQ(t, s.read_value[cpu], 0x5a);
        EXPECT_EQ(t, s.write_failed[cpu], 0);
        EXPECT_EQ(t, page[1 + cpu], 0x10 + cpu);
        EXPECT_EQ(t, x86::active_page_table(cpu), s.pt.root_phys());
    }

    // 2. mprotect(PROT_READ), the way AddressSpace does it: unmap, map again.
    s.pt.unmap(kVa, kPageSize);
    EXPECT_EQ(t, s.pt.map(kVa, s.frame, kPageSize, arch::kMapRead | arch::kMapUser), 0);
    x86::call_on_cpus(all_online_cpus(), touch_user_page, nullptr);
    for (unsigned cpu = 0; cpu < online; cpu++) {
        EXPECT_EQ(t, s.read_failed[cpu], 0);
        EXPECT_EQ(t, s.write_failed[cpu], 1);  // a stale writable entry would let it through
    }

    // 3. munmap.
    s.pt.unmap(kVa, kPageSize);
    x86::call_on_cpus(all_online_cpus(), touch_user_page, nullptr);
    for (unsigned cpu = 0; cpu < online; cpu++) {
        EXPECT_EQ(t, s.read_failed[cpu], 1);  // a stale entry would still read 0x5a
        EXPECT_EQ(t, s.write_failed[cpu], 1);
    }
    // Each other CPU answered a shootdown for each of the two changes.
    for (unsigned cpu = 1; cpu < online; cpu++)
        EXPECT(t, x86::tlb_shootdowns_received(cpu) >= shootdowns_before[cpu] + 2);

    x86::call_on_cpus(all_online_cpus(), leave_scene, nullptr);
    s.pt.destroy();
    page_allocator().free_page(s.frame);
    EXPECT_EQ(t, page_allocator().free_page_count(), free_before);
}

namespace {
void read_cr3_into(void* out) {
    static_cast<uintptr_t*>(out)[arch::cpu_id()] = x86::read_cr3() & x86::kPteAddressMask;
}
}  // namespace

// A CPU keeps the last table it ran on while it idles (lazy TLB). Freeing
// the table must move every such CPU off it first, or the CPU would walk
// freed, reused pages at its next TLB miss.
KTEST(x86_smp_destroy_moves_cpus_off) {
    size_t free_before = page_allocator().free_page_count();
    ShootdownScene& s = g_scene;
    if (!EXPECT(t, s.pt.create())) return;
    uintptr_t root = s.pt.root_phys();
    x86::call_on_cpus(all_online_cpus(), [](void*) { g_scene.pt.activate(); }, nullptr);
    arch::kernel_page_table().activate();  // the boot CPU leaves, as process exit does
    s.pt.destroy();
    uintptr_t cr3[kMaxCpus] = {};
    x86::call_on_cpus(all_online_cpus(), read_cr3_into, cr3);
    uintptr_t kernel_root = arch::kernel_page_table().root_phys();
    for (unsigned cpu = 0; cpu < arch::online_cpus(); cpu++) {
        EXPECT_EQ(t, cr3[cpu], kernel_root);
        EXPECT(t, cr3[cpu] != root);
        EXPECT_EQ(t, x86::active_page_table(cpu), kernel_root);
    }
    EXPECT_EQ(t, page_allocator().free_page_count(), free_before);
}

namespace {

constexpr int kConcurrentRounds = 200;

// One shootdown for the scene's page (whether mapped or not: the flush
// goes out all the same to every CPU on the table).
void shoot_once() {
    x86::flush_tlb_range(g_scene.pt.root_phys(), ShootdownScene::kVa,
                         ShootdownScene::kVa + kPageSize);
}

// Shoots down, many times, on a table every CPU runs on: every other CPU
// is a target each time. Runs on all CPUs at once, interrupts off.
void shoot_repeatedly(void*) {
    for (int i = 0; i < kConcurrentRounds; i++) shoot_once();
}

}  // namespace

// Every CPU shoots down at every other at the same time, each with
// interrupts off (inside a cross-CPU call): none could take the others'
// IPIs, so each must answer them while it waits for its own (tlb.cpp,
// "Deadlock"). A hang here ends in call_on_cpus's panic.
KTEST(x86_smp_concurrent_shootdowns) {
    if (!have_cpus(t, 2)) return;
    ShootdownScene& s = g_scene;
    if (!EXPECT(t, s.pt.create())) return;
    x86::call_on_cpus(all_online_cpus(), [](void*) { g_scene.pt.activate(); }, nullptr);
    uint64_t before[kMaxCpus];
    for (unsigned cpu = 0; cpu < arch::online_cpus(); cpu++)
        before[cpu] = x86::tlb_shootdowns_received(cpu);
    x86::call_on_cpus(all_online_cpus(), shoot_repeatedly, nullptr);
    unsigned others = arch::online_cpus() - 1;
    for (unsigned cpu = 0; cpu < arch::online_cpus(); cpu++)
        EXPECT_EQ(t, x86::tlb_shootdowns_received(cpu) - before[cpu],
                  uint64_t(kConcurrentRounds) * others);
    x86::call_on_cpus(all_online_cpus(), leave_scene, nullptr);
    s.pt.destroy();
}

namespace {

// The munmap-versus-page-fault scene: CPU 0 holds a lock (the address
// space's) and shoots down; CPU 1 spins on that lock with interrupts off.
struct LockScene {
    SpinLock lock;
    bool held, trying;
};
LockScene g_lock_scene;

void lock_scene(void*) {
    LockScene& l = g_lock_scene;
    if (arch::cpu_id() == 0) {  // "munmap"
        l.lock.lock();
        __atomic_store_n(&l.held, true, __ATOMIC_RELEASE);
        while (!__atomic_load_n(&l.trying, __ATOMIC_ACQUIRE)) arch::cpu_relax();
        // Give CPU 1 a moment to be well inside lock().
        uint64_t start = arch::cycle_counter();
        uint64_t one_ms = arch::cycle_counter_hz() / 1000;
        while (arch::cycle_counter() - start < one_ms) asm volatile("pause");
        shoot_once();
        l.lock.unlock();
    } else {  // "a page fault on another CPU"
        while (!__atomic_load_n(&l.held, __ATOMIC_ACQUIRE)) arch::cpu_relax();
        __atomic_store_n(&l.trying, true, __ATOMIC_RELEASE);
        l.lock.lock();
        l.lock.unlock();
    }
}

}  // namespace

// A shootdown from a CPU that holds a spinlock, to a CPU spinning on that
// lock with interrupts off: the spinner answers from inside SpinLock::lock
// (arch::cpu_relax). A hang here ends in call_on_cpus's panic.
KTEST(x86_smp_shootdown_to_cpu_spinning_on_lock) {
    if (!have_cpus(t, 2)) return;
    ShootdownScene& s = g_scene;
    if (!EXPECT(t, s.pt.create())) return;
    x86::call_on_cpus(0b11, [](void*) { g_scene.pt.activate(); }, nullptr);
    g_lock_scene.held = g_lock_scene.trying = false;
    uint64_t before = x86::tlb_shootdowns_received(1);
    x86::call_on_cpus(0b11, lock_scene, nullptr);  // CPU 1 first, then our own share
    EXPECT_EQ(t, x86::tlb_shootdowns_received(1), before + 1);
    EXPECT(t, !g_lock_scene.lock.is_locked());
    x86::call_on_cpus(0b11, leave_scene, nullptr);
    s.pt.destroy();
}
