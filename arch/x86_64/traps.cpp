// arch/x86_64/traps.cpp - what happens after trap_entry.S: sending each
// vector to its handler. Exceptions from user mode become page-ins or
// signals (kernel/trap.h); in the kernel, a fault at an instruction listed
// in the exception table (uaccess.S: a copy to or from user memory) is
// expected and resumes at its fixup; any other gets the decoded report and
// a panic. Compare xv6's trap.c and Linux's arch/x86/kernel/traps.c (with
// show_regs()), arch/x86/mm/fault.c (do_user_addr_fault, the oops) and
// arch/x86/mm/extable.c.
#include <stdarg.h>

#include "arch/arch.h"
#include "arch/x86_64/cpu_regs.h"
#include "arch/x86_64/entry.h"
#include "arch/x86_64/interrupts.h"
#include "arch/x86_64/smp.h"
#include "arch/x86_64/trap_frame.h"
#include "arch/x86_64/vectors.h"
#include "kernel/lib/format.h"
#include "kernel/printk.h"
#include "kernel/proc/thread.h"
#include "kernel/trap.h"
#include "kernel/trap_catch.h"

// The top of the boot CPU's stack, from boot/x86_64/multiboot.S.
extern "C" char boot_stack_top[];

namespace {

// ---- Names (Intel SDM vol. 3, table 6-1) ------------------------------------
struct ExceptionName {
    const char* mnemonic;
    const char* name;
};
constexpr ExceptionName kExceptionNames[x86::kExceptionCount] = {
    {"#DE", "Divide Error"},
    {"#DB", "Debug"},
    {"NMI", "Non-Maskable Interrupt"},
    {"#BP", "Breakpoint"},
    {"#OF", "Overflow"},
    {"#BR", "BOUND Range Exceeded"},
    {"#UD", "Invalid Opcode"},
    {"#NM", "Device Not Available"},
    {"#DF", "Double Fault"},
    {"#09", "Coprocessor Segment Overrun"},  // 386 only; reserved since
    {"#TS", "Invalid TSS"},
    {"#NP", "Segment Not Present"},
    {"#SS", "Stack-Segment Fault"},
    {"#GP", "General Protection"},
    {"#PF", "Page Fault"},
    {"#15", "Reserved"},
    {"#MF", "x87 Floating-Point Error"},
    {"#AC", "Alignment Check"},
    {"#MC", "Machine Check"},
    {"#XM", "SIMD Floating-Point Exception"},
    {"#VE", "Virtualization Exception"},
    {"#CP", "Control Protection"},
    {"#22", "Reserved"},
    {"#23", "Reserved"},
    {"#24", "Reserved"},
    {"#25", "Reserved"},
    {"#26", "Reserved"},
    {"#27", "Reserved"},
    {"#HV", "Hypervisor Injection"},
    {"#VC", "VMM Communication"},
    {"#SX", "Security Exception"},
    {"#31", "Reserved"},
};

// ---- Page-fault error code (Intel SDM vol. 3, 4.7) --------------------------
constexpr uint64_t kPfPresent = 1 << 0;      // 0: page not present; 1: protection violation
constexpr uint64_t kPfWrite = 1 << 1;        // the access was a write
constexpr uint64_t kPfUser = 1 << 2;         // the access came from ring 3
constexpr uint64_t kPfReserved = 1 << 3;     // a reserved bit was set in a paging entry
constexpr uint64_t kPfInstruction = 1 << 4;  // the access was an instruction fetch
constexpr uint64_t kPfProtectionKey = 1 << 5;
constexpr uint64_t kPfShadowStack = 1 << 6;

// ---- Selector error code (#TS #NP #SS #GP; Intel SDM vol. 3, 6.13) ---------
constexpr uint64_t kSelExternal = 1 << 0;    // caused by an external event (an IRQ)
constexpr uint64_t kSelTableShift = 1;       // bits 1..2: 0 GDT, 1 or 3 IDT, 2 LDT
constexpr uint64_t kSelIndexShift = 3;       // bits 3..15: descriptor index

// Appends printf-formatted text to a fixed buffer; truncates silently. The
// report is built once, then both handed to trap_catch and printed by panic.
class ReportWriter {
public:
    ReportWriter(char* buf, size_t size) : buf_(buf), size_(size) { buf_[0] = 0; }
    [[gnu::format(printf, 2, 3)]] void add(const char* fmt, ...) {
        if (len_ + 1 >= size_) return;
        va_list ap;
        va_start(ap, fmt);
        int n = kvsnprintf(buf_ + len_, size_ - len_, fmt, ap);
        va_end(ap);
        if (n > 0) len_ = (len_ + size_t(n) < size_) ? len_ + size_t(n) : size_ - 1;
    }

private:
    char* buf_;
    size_t size_;
    size_t len_ = 0;
};

void describe_error_code(ReportWriter& out, const TrapFrame& f) {
    uint64_t e = f.error_code;
    switch (f.vector) {
    case x86::kVectorPageFault:
        out.add("error code 0x%lx: %s, %s, %s mode", e,
                (e & kPfPresent) ? "protection violation" : "not-present",
                (e & kPfInstruction) ? "instruction fetch" : (e & kPfWrite) ? "write" : "read",
                (e & kPfUser) ? "user" : "kernel");
        if (e & kPfReserved) out.add(", reserved bit set in a page-table entry");
        if (e & kPfProtectionKey) out.add(", protection key");
        if (e & kPfShadowStack) out.add(", shadow stack");
        out.add("\n");
        break;
    case x86::kVectorInvalidTss:
    case x86::kVectorSegmentNotPresent:
    case x86::kVectorStackFault:
    case x86::kVectorGeneralProtection:
        if (e == 0) {
            out.add("error code 0x0 (no selector involved)\n");
            break;
        }
        {
            static const char* const kTables[4] = {"GDT", "IDT", "LDT", "IDT"};
            unsigned table = (e >> kSelTableShift) & 3;
            unsigned index = unsigned(e >> kSelIndexShift) & 0x1fff;
            out.add("error code 0x%lx: %s entry %u", e, kTables[table], index);
            // For the GDT and LDT, the error code minus its low bits is the
            // selector itself (RPL 0).
            if (table == 0 || table == 2) out.add(" (selector 0x%lx)", e & 0xfffc);
            out.add("%s\n", (e & kSelExternal) ? ", during delivery of an external event" : "");
        }
        break;
    default:
        out.add("error code 0x%lx\n", e);
        break;
    }
}

// Builds the report panic prints (and a TrapCatch receives) for `f`.
void build_report(char* buf, size_t size, const TrapFrame& f, uintptr_t cr2) {
    ReportWriter out(buf, size);
    const ExceptionName& n = kExceptionNames[f.vector];
    out.add("%s %s (vector %lu) in %s mode on cpu %u\n", n.mnemonic, n.name, f.vector,
            f.from_user() ? "user" : "kernel", arch::cpu_id());
    describe_error_code(out, f);
    if (f.vector == x86::kVectorPageFault) out.add("address 0x%lx (CR2)\n", cr2);
    out.add("pc 0x%lx  cs 0x%lx  rflags 0x%lx  rsp 0x%lx  ss 0x%lx\n", f.rip, f.cs, f.rflags,
            f.rsp, f.ss);
    struct {
        const char* name;
        uint64_t value;
    } const regs[] = {
        {"rax", f.rax}, {"rbx", f.rbx}, {"rcx", f.rcx}, {"rdx", f.rdx}, {"rsi", f.rsi},
        {"rdi", f.rdi}, {"rbp", f.rbp}, {"r8", f.r8},   {"r9", f.r9},   {"r10", f.r10},
        {"r11", f.r11}, {"r12", f.r12}, {"r13", f.r13}, {"r14", f.r14}, {"r15", f.r15},
    };
    for (size_t i = 0; i < sizeof regs / sizeof regs[0]; i++)
        out.add("%3s 0x%016lx%s", regs[i].name, regs[i].value, i % 3 == 2 ? "\n" : "  ");
}

// An exception no handler claimed: a kernel bug (or a ktest that expects
// it).
[[noreturn]] void unexpected_exception(const TrapFrame& f, uintptr_t cr2) {
    char report[1024];
    build_report(report, sizeof report, f, cr2);
    // A test that armed a TrapCatch resumes there and never comes back.
    trap_catch_deliver(unsigned(f.vector), cr2, f.rip, report);
    panic("%s", report);
}

FaultAccess page_fault_access(uint64_t error_code) {
    if (error_code & kPfInstruction) return FaultAccess::kExecute;
    return (error_code & kPfWrite) ? FaultAccess::kWrite : FaultAccess::kRead;
}

// ---- Exceptions in user mode ---------------------------------------------------
// What each exception a program can cause does to it: the signal Linux
// sends for it (arch/x86/kernel/traps.c) and the name in the one-line
// report. `address_is_pc`: the report's address is the faulting
// instruction, as Linux's si_addr is for these; otherwise there is none.
// NMI, #DF and #MC are not the program's doing and are not listed: they
// panic whatever the mode. Neither is #NM: the kernel never sets CR0.TS, so
// it would be a kernel bug.
struct UserFaultKind {
    unsigned vector;
    int signal;
    const char* what;
    bool address_is_pc;
};
constexpr UserFaultKind kUserFaults[] = {
    {x86::kVectorDivideError, kSigFpe, "divide error", true},
    {x86::kVectorDebug, kSigTrap, "debug trap", true},
    {x86::kVectorBreakpoint, kSigTrap, "breakpoint", true},
    {x86::kVectorOverflow, kSigSegv, "overflow", false},
    {x86::kVectorBoundRange, kSigSegv, "bound range exceeded", false},
    {x86::kVectorInvalidOpcode, kSigIll, "invalid opcode", true},
    {x86::kVectorInvalidTss, kSigSegv, "invalid TSS", false},
    {x86::kVectorSegmentNotPresent, kSigBus, "segment not present", false},
    {x86::kVectorStackFault, kSigBus, "stack-segment fault", false},
    {x86::kVectorGeneralProtection, kSigSegv, "general protection", false},
    {x86::kVectorX87Fpu, kSigFpe, "x87 floating-point error", true},
    {x86::kVectorAlignmentCheck, kSigBus, "alignment check", false},
    {x86::kVectorSimdFpu, kSigFpe, "SIMD floating-point exception", true},
    {x86::kVectorControlProtection, kSigSegv, "control protection", false},
};

// An exception from ring 3: page in, or end the process. Returns only if
// the program may go on (a page fault that was resolved).
void user_exception(TrapFrame* frame, uintptr_t cr2) {
    // Only a thread of a user process has a program to punish. Ring 3
    // without one is a ktest that went there by hand (x86_user_mode_traps):
    // give it the report, as for a kernel fault.
    Thread* thread = arch::this_cpu()->current;
    if (!thread || !thread->process) unexpected_exception(*frame, cr2);
    // A reserved bit in a page-table entry means the kernel built a broken
    // table, whoever tripped over it.
    if (frame->vector == x86::kVectorPageFault && (frame->error_code & kPfReserved))
        unexpected_exception(*frame, cr2);

    // The program ran with interrupts on; handling its fault may allocate
    // memory or take a while, so let them in (Linux does the same).
    arch::interrupts_enable();
    if (frame->vector == x86::kVectorPageFault) {
        // An address in the kernel half is never the program's to touch.
        if (cr2 < arch::kUserTop && handle_user_page_fault(cr2, page_fault_access(frame->error_code))) {
            arch::interrupts_disable();
            return;  // paged in: run the instruction again
        }
        user_fault(kSigSegv, page_fault_hit_stack_guard(cr2) ? "stack overflow" : "page fault", cr2,
                   frame->rip);
    }
    for (const UserFaultKind& kind : kUserFaults)
        if (kind.vector == frame->vector)
            user_fault(kind.signal, kind.what, kind.address_is_pc ? frame->rip : 0, frame->rip);
    arch::interrupts_disable();
    unexpected_exception(*frame, cr2);
}

// ---- Exceptions in kernel mode: the exception table ----------------------------
// uaccess.S lists every instruction that touches user memory, each with the
// place to continue if it faults (section __ex_table; the linker script
// brackets it with these two symbols).
struct ExceptionTableEntry {
    uintptr_t fault_pc;
    uintptr_t fixup_pc;
};
extern "C" const ExceptionTableEntry __ex_table_start[], __ex_table_end[];

// The fixup for a fault at `pc`, or 0 if no fault was expected there. A
// linear search: the table has a handful of entries (Linux sorts its
// thousands at boot and bisects).
uintptr_t find_fixup(uintptr_t pc) {
    for (const ExceptionTableEntry* e = __ex_table_start; e < __ex_table_end; e++)
        if (e->fault_pc == pc) return e->fixup_pc;
    return 0;
}

// An exception in ring 0. The only ones the kernel expects are a #PF (an
// unmapped, not yet paged-in or read-only user page) or a #GP (a
// non-canonical address) inside copy_user or copy_user_string.
void kernel_exception(TrapFrame* frame, uintptr_t cr2) {
    bool is_page_fault = frame->vector == x86::kVectorPageFault;
    uintptr_t fixup = 0;
    if (is_page_fault || frame->vector == x86::kVectorGeneralProtection) fixup = find_fixup(frame->rip);
    if (!fixup) unexpected_exception(*frame, cr2);

    // A user page the program has not touched yet: page it in and let the
    // copy go on, as if the program had touched it itself. The copy ran
    // with interrupts on if its caller did (a system call); so does this.
    if (is_page_fault && cr2 < arch::kUserTop && !(frame->error_code & kPfReserved)) {
        if (frame->rflags & RFLAGS_IF) arch::interrupts_enable();
        bool resolved = handle_user_page_fault(cr2, page_fault_access(frame->error_code));
        arch::interrupts_disable();
        if (resolved) return;  // the same instruction again (rep movsb resumes)
    }
    // A bad user pointer: the copy gives up and returns its error.
    frame->rip = fixup;
}

}  // namespace

// Called by trap_entry.S for every vector, with interrupts off; returns
// with interrupts off.
extern "C" void x86_trap_dispatch(TrapFrame* frame) {
    if (frame->vector < x86::kExceptionCount) {
        // CR2 first: a fault while handling this one would overwrite it.
        uintptr_t cr2 = frame->vector == x86::kVectorPageFault ? x86::read_cr2() : 0;
        if (frame->from_user()) {
            if (Thread* self = arch::this_cpu()->current) self->user_traps++;
            user_exception(frame, cr2);
        }
        else
            kernel_exception(frame, cr2);
    } else {
        x86::handle_interrupt(*frame);
    }
    // Back to user mode: the kernel's last word first (reschedule if the
    // time slice is used up, exit if the process is being killed). Once the
    // scheduler exists, that is; the early ktests reach ring 3 before it.
    // (NMI, #DF and #MC never get here: they panic.)
    if (frame->from_user() && arch::this_cpu()->current) prepare_return_to_user(frame);
}

namespace arch {

// The boot CPU's own set-up (x86::cpu_init): CR0/CR4 features, GDT, TSS
// (RSP0 = the boot stack until threads exist), the shared IDT and SYSCALL.
// Every other CPU runs the same when it comes up (smp.cpp).
void traps_init() { x86::cpu_init(cpu_id(), uintptr_t(boot_stack_top)); }

}  // namespace arch
