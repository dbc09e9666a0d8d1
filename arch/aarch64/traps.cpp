// arch/aarch64/traps.cpp - what to do with an exception, once vectors.S saved it.
//
// vectors.S calls aarch64_trap(frame, kind) for all 16 vector entries. Two
// kinds are expected today:
//   - an IRQ (from the kernel, later also from user mode): the GIC says which
//     device, interrupts.cpp runs its handler;
//   - (next issue) an SVC from EL0: a system call, ESR class 0x15.
// Everything else is a bug or a test provoking one: we decode ESR_EL1 into a
// report a student can read, offer it to an armed TrapCatch
// (kernel/trap_catch.h), and otherwise panic with it. Linux's counterparts are
// arch/arm64/kernel/entry-common.c (el1h_64_sync_handler & co.) and
// arch/arm64/mm/fault.c (do_mem_abort, the fault_info table); xv6-riscv's is
// kerneltrap() in trap.c.
#include "arch/aarch64/irq.h"
#include "arch/aarch64/sysreg.h"
#include "arch/aarch64/trap_frame.h"
#include "arch/arch.h"
#include "kernel/lib/format.h"
#include "kernel/printk.h"
#include "kernel/trap_catch.h"

extern "C" char exception_vectors[];  // vectors.S

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

}  // namespace

extern "C" void aarch64_trap(TrapFrame* frame, unsigned kind) {
    unsigned from = kind >> 2, type = kind & 3;

    // Interrupts, from the kernel or (later) from user mode. EL1t never runs
    // and AArch32 EL0 does not exist here, so an IRQ from those is a bug.
    if (type == VECTOR_TYPE_IRQ && (from == VECTOR_FROM_EL1H || from == VECTOR_FROM_EL0_64)) {
        aarch64::irq_handle();
        return;
    }

    if (type == VECTOR_TYPE_SYNC && from == VECTOR_FROM_EL0_64) {
        // The next issue's user mode plugs in here (kernel/trap.h):
        //   if (esr_class(frame->esr) == kEcSvc64) { syscall_dispatch(frame); ...; return; }
        // with x8 = number, x0..x5 = arguments and the result written to
        // frame->x[0]. ELR already points past the SVC, so no pc adjustment
        // (unlike xv6-riscv, whose sepc points AT the ecall). User aborts
        // (EC 0x20/0x24) go to handle_user_page_fault / user_fault instead
        // of panicking, and every return to EL0 passes
        // prepare_return_to_user(frame) first.
    }

    unexpected_exception(frame, kind);
}

namespace arch {

void traps_init() {
    // The table's address goes straight into VBAR_EL1; the ISB makes sure
    // the next exception already uses it.
    write_sysreg(vbar_el1, uintptr_t(exception_vectors));
    isb();
}

}  // namespace arch
