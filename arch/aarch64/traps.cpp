// arch/aarch64/traps.cpp - what to do with an exception, once vectors.S saved it.
//
// vectors.S calls aarch64_trap(frame, kind) for all 16 vector entries; the
// kind says where the exception came from, ESR_EL1 (in the frame) why.
//
//   from EL0 (a user program), synchronous:
//     SVC (ESR class 0x15)      a system call: syscall_dispatch(frame);
//     data/instruction abort    a page fault: demand paging may resolve it
//                               (handle_user_page_fault), else SIGSEGV;
//     anything else             the process is killed with the signal Linux
//                               would send (SIGILL, SIGBUS, SIGTRAP, SIGFPE).
//     Then prepare_return_to_user(frame) and back through the frame.
//   from EL0, IRQ               the device's handler, then the same return.
//   from EL1 (the kernel):
//     IRQ                       the device's handler, back to the kernel;
//     data abort at a uaccess   copy_user touched a bad user address: page
//       instruction             it in, or resume at the copy's fixup;
//     anything else             a kernel bug, or a test provoking one: ESR
//                               is decoded into a report a student can read,
//                               offered to an armed TrapCatch
//                               (kernel/trap_catch.h), otherwise panic.
//
// Linux's counterparts are arch/arm64/kernel/entry-common.c (el0t_64_sync_
// handler, el1h_64_sync_handler & co.) and arch/arm64/mm/fault.c
// (do_mem_abort, the fault_info table); xv6-riscv's are usertrap() and
// kerneltrap() in trap.c.
#include "arch/aarch64/irq.h"
#include "arch/aarch64/sysreg.h"
#include "arch/aarch64/trap_frame.h"
#include "arch/arch.h"
#include "kernel/lib/format.h"
#include "kernel/printk.h"
#include "kernel/trap.h"
#include "kernel/trap_catch.h"

extern "C" char exception_vectors[];  // vectors.S

// One entry of the exception table: a kernel instruction that may fault on
// a user address, and where to resume if it does. uaccess.S emits them into
// section __ex_table; linker/kernel-aarch64.ld gathers them between these
// two symbols. Linux: struct exception_table_entry (which stores 32-bit
// offsets to save space; plain addresses are easier to read in gdb).
struct ExceptionTableEntry {
    uintptr_t insn;
    uintptr_t fixup;
};
extern "C" const ExceptionTableEntry __ex_table_start[], __ex_table_end[];

namespace {

// ---- ESR_EL1: Exception Syndrome Register ---------------------------------
// [31:26] EC, the exception class: what happened.
// [25]    IL, 32-bit instruction (always 1 for AArch64 code).
// [24:0]  ISS, class-specific details (for aborts: DFSC/IFSC, WnR, ...).
// Arm ARM D17.2.37 "ESR_EL1"; Linux: arch/arm64/include/asm/esr.h.
constexpr unsigned esr_class(uint64_t esr) { return unsigned(esr >> 26) & 0x3f; }
constexpr uint32_t esr_iss(uint64_t esr) { return uint32_t(esr) & 0x1ffffff; }

enum ExceptionClass : unsigned {
    kEcUnknown = 0x00,  // includes every undefined instruction (UDF)
    kEcWfx = 0x01,
    kEcFpAccess = 0x07,  // FP/SIMD used while CPACR_EL1.FPEN traps it
    kEcBti = 0x0d,
    kEcIllegalState = 0x0e,
    kEcSvc32 = 0x11,
    kEcSvc64 = 0x15,  // system call from AArch64: x8 = number
    kEcHvc64 = 0x16,
    kEcSmc64 = 0x17,
    kEcSysReg = 0x18,  // MSR/MRS to a register this EL may not use
    kEcSve = 0x19,
    kEcPacFail = 0x1c,
    kEcInstAbortLower = 0x20,
    kEcInstAbortSame = 0x21,
    kEcPcAlignment = 0x22,
    kEcDataAbortLower = 0x24,
    kEcDataAbortSame = 0x25,
    kEcSpAlignment = 0x26,
    kEcFp32 = 0x28,
    kEcFp64 = 0x2c,
    kEcSError = 0x2f,
    kEcBreakpointLower = 0x30,
    kEcBreakpointSame = 0x31,
    kEcStepLower = 0x32,
    kEcStepSame = 0x33,
    kEcWatchpointLower = 0x34,
    kEcWatchpointSame = 0x35,
    kEcBkpt32 = 0x38,
    kEcBrk64 = 0x3c,  // BRK #imm: debuggers, and compilers' __builtin_trap
};

const char* exception_class_name(unsigned ec) {
    switch (ec) {
        // No class of its own: "unknown reason" is what an undefined
        // instruction produces, and the name tests (and students) look for.
        case kEcUnknown: return "Undefined Instruction (unknown reason)";
        case kEcWfx: return "WFI/WFE trapped";
        case kEcFpAccess: return "FP/SIMD access trapped";
        case kEcBti: return "Branch Target Identification fault";
        case kEcIllegalState: return "Illegal Execution state";
        case kEcSvc32: return "SVC from AArch32";
        case kEcSvc64: return "SVC from AArch64 (system call)";
        case kEcHvc64: return "HVC from AArch64";
        case kEcSmc64: return "SMC from AArch64";
        case kEcSysReg: return "MSR/MRS/system instruction trapped";
        case kEcSve: return "SVE access trapped";
        case kEcPacFail: return "Pointer authentication failure";
        case kEcInstAbortLower: return "Instruction Abort from a lower EL";
        case kEcInstAbortSame: return "Instruction Abort from the same EL";
        case kEcPcAlignment: return "PC alignment fault";
        case kEcDataAbortLower: return "Data Abort from a lower EL";
        case kEcDataAbortSame: return "Data Abort from the same EL";
        case kEcSpAlignment: return "SP alignment fault";
        case kEcFp32: return "FP exception (AArch32)";
        case kEcFp64: return "FP exception (AArch64)";
        case kEcSError: return "SError interrupt";
        case kEcBreakpointLower: return "Breakpoint from a lower EL";
        case kEcBreakpointSame: return "Breakpoint from the same EL";
        case kEcStepLower: return "Software step from a lower EL";
        case kEcStepSame: return "Software step from the same EL";
        case kEcWatchpointLower: return "Watchpoint from a lower EL";
        case kEcWatchpointSame: return "Watchpoint from the same EL";
        case kEcBkpt32: return "BKPT (AArch32)";
        case kEcBrk64: return "BRK instruction";
        default: return "reserved/unknown exception class";
    }
}

// FAR_EL1 holds an address only for these classes; otherwise it is stale.
bool far_is_valid(uint64_t esr) {
    unsigned ec = esr_class(esr);
    if (ec == kEcDataAbortLower || ec == kEcDataAbortSame) {
        return !(esr_iss(esr) & (1 << 10));  // FnV: "FAR not valid" (external aborts)
    }
    return ec == kEcInstAbortLower || ec == kEcInstAbortSame || ec == kEcPcAlignment ||
           ec == kEcWatchpointLower || ec == kEcWatchpointSame;
}

// ---- The report -----------------------------------------------------------

// Appends formatted text to a fixed buffer, dropping what does not fit: the
// report must be built without allocating, from any context.
class Report {
public:
    [[gnu::format(printf, 2, 3)]] void add(const char* fmt, ...) {
        if (len_ >= sizeof buf_ - 1) return;
        va_list ap;
        va_start(ap, fmt);
        int n = kvsnprintf(buf_ + len_, sizeof buf_ - len_, fmt, ap);
        va_end(ap);
        if (n > 0) len_ += size_t(n);
        if (len_ > sizeof buf_ - 1) len_ = sizeof buf_ - 1;  // truncated
    }
    const char* text() const { return buf_; }

private:
    // TrapCatch keeps 1024 bytes; the register dump at the end may be cut
    // there, the decoded head never is.
    char buf_[2048] = {};
    size_t len_ = 0;
};

// "EL1t"/"EL1h": EL1 running on SP_EL0 ("thread" stack) or on its own
// SP_EL1 ("handler" stack), the Arm ARM's names for the first two groups.
const char* const kVectorNames[16] = {
    "Synchronous from EL1t",
    "IRQ from EL1t",
    "FIQ from EL1t",
    "SError from EL1t",
    "Synchronous from EL1h",
    "IRQ from EL1h",
    "FIQ from EL1h",
    "SError from EL1h",
    "Synchronous from EL0 (AArch64)",
    "IRQ from EL0 (AArch64)",
    "FIQ from EL0 (AArch64)",
    "SError from EL0 (AArch64)",
    "Synchronous from EL0 (AArch32)",
    "IRQ from EL0 (AArch32)",
    "FIQ from EL0 (AArch32)",
    "SError from EL0 (AArch32)",
};

// The fault status code (DFSC for data aborts, IFSC for instruction aborts,
// ESR bits [5:0]). The common ones carry the translation-table level of the
// walk that failed in their low two bits.
void describe_fault_status(Report& r, unsigned fsc) {
    static const char* const kLevelled[4] = {"address size fault", "translation fault",
                                             "access flag fault", "permission fault"};
    if (fsc < 0x10) {
        // translation: no valid descriptor at that level (unmapped);
        // access flag: valid, but AF clear (Handoff always sets AF);
        // permission: mapped, but AP/XN/PXN forbid this access.
        r.add("%s at level %u", kLevelled[fsc >> 2], fsc & 3);
        return;
    }
    switch (fsc) {
        case 0x10: r.add("synchronous external abort"); return;
        case 0x14:
        case 0x15:
        case 0x16:
        case 0x17: r.add("external abort on a table walk at level %u", fsc & 3); return;
        case 0x21: r.add("alignment fault"); return;
        case 0x30: r.add("TLB conflict abort"); return;
        case 0x31: r.add("unsupported atomic hardware update"); return;
        default: r.add("fault status 0x%02x", fsc); return;
    }
}

// The class-specific line(s) of the report.
void describe_syndrome(Report& r, const TrapFrame& frame, bool from_kernel) {
    uint64_t esr = frame.esr;
    unsigned ec = esr_class(esr);
    uint32_t iss = esr_iss(esr);
    switch (ec) {
        case kEcDataAbortLower:
        case kEcDataAbortSame:
            r.add("  ");
            describe_fault_status(r, iss & 0x3f);
            // WnR (bit 6): the access was a write. CM (bit 8): a cache
            // maintenance instruction, which always reports "write".
            // S1PTW (bit 7): the fault hit while reading a page table itself.
            r.add(", %s", (iss & (1 << 8))   ? "cache maintenance"
                          : (iss & (1 << 6)) ? "write"
                                             : "read");
            if (iss & (1 << 7)) r.add(", during the page-table walk");
            r.add("\n");
            break;
        case kEcInstAbortLower:
        case kEcInstAbortSame:
            r.add("  ");
            describe_fault_status(r, iss & 0x3f);
            r.add(", instruction fetch\n");
            break;
        case kEcUnknown:
            // The instruction was fetched (it was undecodable, not
            // unreachable), so reading it back cannot fault.
            if (from_kernel)
                r.add("  instruction 0x%08x\n", *reinterpret_cast<const uint32_t*>(frame.elr));
            break;
        case kEcSvc64:
        case kEcBrk64: r.add("  immediate #%u\n", iss & 0xffff); break;
        default: break;
    }
}

const char* spsr_mode_name(uint64_t spsr) {
    switch (spsr & 0xf) {  // M[3:0]
        case 0x0: return "EL0t";
        case 0x4: return "EL1t";
        case 0x5: return "EL1h";
        default: return "?";
    }
}

// Did the exception interrupt the kernel (EL1) rather than user mode?
bool from_kernel_mode(unsigned kind) { return (kind >> 2) <= VECTOR_FROM_EL1H; }

void build_report(Report& r, const TrapFrame& frame, unsigned kind) {
    uint64_t esr = frame.esr;
    unsigned ec = esr_class(esr);
    bool from_kernel = from_kernel_mode(kind);
    bool synchronous = (kind & 3) == VECTOR_TYPE_SYNC;

    r.add("%s", kVectorNames[kind & 15]);
    if (synchronous || (kind & 3) == VECTOR_TYPE_SERROR)
        r.add(": %s (EC 0x%02x, ESR 0x%08lx)\n", exception_class_name(ec), ec, esr);
    else
        r.add(": unexpected interrupt\n");
    if (synchronous) describe_syndrome(r, frame, from_kernel);
    if (synchronous && far_is_valid(esr)) r.add("  address 0x%lx (FAR_EL1)\n", frame.far);
    r.add("  pc 0x%lx (ELR_EL1), SPSR 0x%08lx (%s, IRQs %s)\n", frame.elr, frame.spsr,
          spsr_mode_name(frame.spsr), (frame.spsr & (1 << 7)) ? "masked" : "on");

    // All registers, four to a line (x29 is the frame pointer, x30 the link
    // register), then the stack pointer at the time of the exception: for
    // the kernel that is just above the frame vectors.S pushed; for EL0 it is
    // sp_el0, the user stack.
    for (unsigned i = 0; i < 31; i++)
        r.add("  x%-2u %016lx%s", i, frame.x[i], i % 4 == 3 ? "\n" : "");
    uint64_t sp = from_kernel ? uintptr_t(&frame) + sizeof frame : frame.sp_el0;
    r.add("  sp  %016lx\n  sp_el0 %016lx\n", sp, frame.sp_el0);
}

// An exception nobody expected: report it, and stop unless a test armed a
// TrapCatch. Never returns.
[[noreturn]] void unexpected_exception(TrapFrame* frame, unsigned kind) {
    Report report;
    build_report(report, *frame, kind);
    if (from_kernel_mode(kind)) {
        // Only kernel-mode exceptions may be caught: a TrapCatch resumes a
        // kernel context on this CPU. User faults will kill the process.
        uintptr_t far = far_is_valid(frame->esr) ? frame->far : 0;
        trap_catch_deliver(esr_class(frame->esr), far, frame->elr, report.text());
    }
    panic("%s", report.text());
}

// ---- Exceptions from user mode (EL0) -----------------------------------------

// PSTATE.I in SPSR_EL1: the interrupted code had IRQs masked.
constexpr uint64_t kSpsrIrqMasked = 1 << 7;
// ISS bits of a data abort: WnR (the access was a write) and CM (a cache
// maintenance instruction, which always reports WnR = 1, but only reads).
constexpr uint32_t kIssWnR = 1 << 6, kIssCm = 1 << 8;

// Fault status codes 0x04..0x0f: a translation fault (no valid entry:
// not mapped yet), an access flag fault (AF clear) or a permission fault
// (mapped, but AP/XN forbid the access), each at table level fsc & 3. These
// are the ones demand paging may resolve; everything else (alignment,
// external aborts, TLB conflicts) never will.
bool is_page_fault(unsigned fsc) { return fsc >= 0x04 && fsc <= 0x0f; }

// The fault's access type, for handle_user_page_fault.
FaultAccess abort_access(uint64_t esr) {
    if (esr_class(esr) == kEcInstAbortLower || esr_class(esr) == kEcInstAbortSame)
        return FaultAccess::kExecute;
    uint32_t iss = esr_iss(esr);
    return (iss & kIssWnR) && !(iss & kIssCm) ? FaultAccess::kWrite : FaultAccess::kRead;
}

// Every exception from EL0 must land at the top of the running thread's
// kernel stack (thread.cpp explains why). If it did not, the frame the
// kernel reads as "the user's registers" is not the one the thread's
// user_frame points to, and a clone() or execve() would edit the wrong one.
void check_el0_entry(TrapFrame* frame) {
    KASSERT(uintptr_t(frame) + sizeof(TrapFrame) == arch::this_cpu()->el0_stack_top);
}

// A data or instruction abort from EL0. Returns if demand paging resolved
// it (the instruction simply runs again after the ERET); otherwise kills
// the process.
void el0_abort(TrapFrame* frame) {
    uint64_t esr = frame->esr;
    unsigned fsc = esr_iss(esr) & 0x3f;
    uintptr_t address = far_is_valid(esr) ? frame->far : 0;
    if (is_page_fault(fsc)) {
        // A permission fault may be resolvable too: the page could be
        // present read-only in a writable region (copy-on-write, later).
        // kernel/mm decides from the region, not from the fault code.
        if (handle_user_page_fault(address, abort_access(esr))) return;
        user_fault(kSigSegv, page_fault_hit_stack_guard(address) ? "stack overflow" : "page fault",
                   address, frame->elr);
    }
    if (fsc <= 0x03)  // the address does not fit the configured address size
        user_fault(kSigSegv, "address size fault", address, frame->elr);
    // Alignment faults (an exclusive or atomic access to a misaligned
    // address; ordinary accesses may be misaligned with SCTLR_EL1.A = 0)
    // and external aborts: SIGBUS, as on Linux.
    user_fault(kSigBus, fsc == 0x21 ? "alignment fault" : "external abort", address, frame->elr);
}

// A synchronous exception from EL0 that is not a system call. Interrupts
// are on. Returns only if it was resolved.
void el0_exception(TrapFrame* frame) {
    current_thread()->user_traps++;
    unsigned ec = esr_class(frame->esr);
    uintptr_t pc = frame->elr;
    switch (ec) {
        case kEcDataAbortLower:
        case kEcInstAbortLower: el0_abort(frame); return;
        // UDF, or any encoding this CPU does not implement (including MRS
        // and MSR of EL1's system registers, which are UNDEFINED at EL0).
        // Linux: do_el0_undef.
        case kEcUnknown: user_fault(kSigIll, "undefined instruction", pc, pc);
        // A branch to a pc that is not a multiple of 4.
        case kEcPcAlignment: user_fault(kSigBus, "PC alignment fault", frame->far, pc);
        // A load or store based on a sp that is not a multiple of 16
        // (SCTLR_EL1.SA0, set in traps_init; QEMU's TCG does not implement
        // the check, so there the access simply happens).
        case kEcSpAlignment: user_fault(kSigBus, "SP alignment fault", frame->sp_el0, pc);
        // BRK (debuggers, and GCC's __builtin_trap) and the hardware
        // debug events: SIGTRAP, as a debugger expects.
        case kEcBrk64:
        case kEcBreakpointLower:
        case kEcStepLower:
        case kEcWatchpointLower: user_fault(kSigTrap, "breakpoint", pc, pc);
        // A trapped floating-point exception, if FPCR enables traps and the
        // CPU implements them (QEMU does not). Integer division by zero
        // never gets here: on AArch64 SDIV/UDIV by zero simply return 0 -
        // there is no equivalent of x86's divide error, so no SIGFPE.
        case kEcFp64: user_fault(kSigFpe, "floating-point exception", pc, pc);
        // Everything else user code can provoke - SVE or SME instructions
        // (not enabled for EL0), a trapped system register access, a
        // pointer-authentication failure, a BTI violation, an illegal
        // execution state (PSTATE.IL): SIGILL, naming the class.
        default: user_fault(kSigIll, exception_class_name(ec), pc, pc);
    }
}

// The synchronous vector from EL0: system calls and faults.
void el0_sync(TrapFrame* frame) {
    check_el0_entry(frame);
    if (esr_class(frame->esr) == kEcSvc64) {
        // x8 = number, x0..x5 = arguments; the result goes into frame->x[0].
        // ELR_EL1 already points past the SVC, so no pc adjustment (unlike
        // xv6-riscv, whose sepc points AT the ecall). The SVC's immediate
        // is ignored, as Linux ignores it. syscall_dispatch turns IRQs on.
        syscall_dispatch(frame);
    } else {
        // The frame holds ESR and FAR; a nested exception may now
        // overwrite the registers. Faults may page in memory, which may
        // take a while: let interrupts in (Linux: local_daif_restore).
        arch::interrupts_enable();
        el0_exception(frame);
    }
    prepare_return_to_user(frame);
    // From here to the ERET, ELR_EL1 and SPSR_EL1 are about to be loaded
    // from the frame: an interrupt in between would overwrite them. (A tick
    // that ends the time slice after prepare_return_to_user looked is acted
    // on at the next tick; Linux closes that gap by rechecking with IRQs
    // off in a loop, exit_to_user_mode_loop.)
    arch::interrupts_disable();
}

// An IRQ that interrupted EL0: the same work as one in the kernel, but the
// way out goes past prepare_return_to_user, so a tick that ended the time
// slice makes this thread give up the CPU here (the only place Handoff
// preempts: the kernel itself is not preemptible).
void el0_irq(TrapFrame* frame) {
    check_el0_entry(frame);
    aarch64::irq_handle();
    prepare_return_to_user(frame);
    arch::interrupts_disable();  // schedule() may have come back with them on
}

// Any exception from EL0 in AArch32 state. Handoff never enters AArch32
// (return_to_user checks SPSR.M[4]), so this cannot happen; if it does,
// end the process rather than the machine.
[[noreturn]] void el0_aarch32(TrapFrame* frame, unsigned type) {
    if (type == VECTOR_TYPE_IRQ) aarch64::irq_handle();  // the interrupt is real all the same
    arch::interrupts_enable();
    user_fault(kSigIll, "AArch32 execution (unsupported)", frame->elr, frame->elr);
}

// ---- Kernel faults on user memory (copy_user) -----------------------------------

const ExceptionTableEntry* search_exception_table(uintptr_t pc) {
    // A dozen entries: a linear scan. (Linux sorts the table at boot and
    // searches it with bsearch; it has thousands.)
    for (const ExceptionTableEntry* e = __ex_table_start; e < __ex_table_end; e++)
        if (e->insn == pc) return e;
    return nullptr;
}

// A synchronous exception in the kernel. If it is a data abort at one of
// uaccess.S's user-access instructions, handle it like a user page fault
// and return true: either the page is now there (retry the instruction) or
// the copy resumes at its fixup and reports the bytes it could not copy.
// Any other fault - even on a user address - is a kernel bug: false, and
// the caller reports and panics (Linux: "Unable to handle kernel access to
// user memory outside uaccess routines").
bool el1_uaccess_fault(TrapFrame* frame) {
    if (esr_class(frame->esr) != kEcDataAbortSame) return false;
    const ExceptionTableEntry* entry = search_exception_table(frame->elr);
    if (!entry) return false;
    unsigned fsc = esr_iss(frame->esr) & 0x3f;
    if (far_is_valid(frame->esr) && frame->far < arch::kUserTop && is_page_fault(fsc)) {
        // Paging in may allocate memory and take locks: run it with IRQs as
        // the copying code had them (on, in a system call).
        if (!(frame->spsr & kSpsrIrqMasked)) arch::interrupts_enable();
        bool resolved = handle_user_page_fault(frame->far, abort_access(frame->esr));
        arch::interrupts_disable();
        if (resolved) return true;
    }
    frame->elr = entry->fixup;
    return true;
}

}  // namespace

extern "C" void aarch64_trap(TrapFrame* frame, unsigned kind) {
    unsigned from = kind >> 2, type = kind & 3;
    switch (from) {
        case VECTOR_FROM_EL0_64:
            if (type == VECTOR_TYPE_SYNC) return el0_sync(frame);
            if (type == VECTOR_TYPE_IRQ) return el0_irq(frame);
            break;  // FIQ (the GIC sends none) or SError: report and stop
        case VECTOR_FROM_EL0_32: el0_aarch32(frame, type);
        case VECTOR_FROM_EL1H:
            if (type == VECTOR_TYPE_IRQ) return aarch64::irq_handle();
            if (type == VECTOR_TYPE_SYNC && el1_uaccess_fault(frame)) return;
            break;
        default: break;  // EL1t: Handoff never runs EL1 on SP_EL0
    }
    unexpected_exception(frame, kind);
}

namespace arch {

void traps_init() {
    // The table's address goes straight into VBAR_EL1; the ISB makes sure
    // the next exception already uses it.
    write_sysreg(vbar_el1, uintptr_t(exception_vectors));

    // What user mode may do by itself (SCTLR_EL1's EL0 controls), as Linux
    // sets them (INIT_SCTLR_EL1_MMU_ON): read the cache geometry (CTR_EL0,
    // used by memcpy/memset and JITs), zero cache lines (DC ZVA, used by
    // memset), clean caches to the point of unification (needed by code
    // that writes instructions), and wait (WFE/WFI) without trapping. SA0:
    // a misaligned sp used as a base address faults (SIGBUS) instead of
    // being silently accepted. Reset values of these bits are UNKNOWN.
    constexpr uint64_t kSctlrSa0 = 1 << 4, kSctlrDze = 1 << 14, kSctlrUct = 1 << 15,
                       kSctlrNtwi = 1 << 16, kSctlrNtwe = 1 << 18, kSctlrUci = 1 << 26;
    write_sysreg(sctlr_el1, read_sysreg(sctlr_el1) | kSctlrSa0 | kSctlrDze | kSctlrUct |
                                kSctlrNtwi | kSctlrNtwe | kSctlrUci);
    isb();
}

}  // namespace arch
