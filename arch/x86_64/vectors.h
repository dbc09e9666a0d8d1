// arch/x86_64/vectors.h - who uses which of the 256 interrupt vectors.
//
// Vectors 0..31 are the CPU's exceptions (fixed by the architecture). The
// rest are ours to hand out. The local APIC ranks pending interrupts by
// vector / 16 (the "priority class"), so the timer sits high, devices in the
// middle. Compare Linux's arch/x86/include/asm/irq_vectors.h, whose numbers
// we reuse where the concept is the same.
#pragma once

namespace x86 {

// ---- CPU exceptions (Intel SDM vol. 3, table 6-1) -------------------------
constexpr unsigned kVectorDivideError = 0;      // #DE
constexpr unsigned kVectorDebug = 1;            // #DB
constexpr unsigned kVectorNmi = 2;              // NMI
constexpr unsigned kVectorBreakpoint = 3;       // #BP (int3)
constexpr unsigned kVectorOverflow = 4;         // #OF (into)
constexpr unsigned kVectorBoundRange = 5;       // #BR
constexpr unsigned kVectorInvalidOpcode = 6;    // #UD
constexpr unsigned kVectorDeviceNotAvailable = 7;  // #NM
constexpr unsigned kVectorDoubleFault = 8;      // #DF
constexpr unsigned kVectorInvalidTss = 10;      // #TS
constexpr unsigned kVectorSegmentNotPresent = 11;  // #NP
constexpr unsigned kVectorStackFault = 12;      // #SS
constexpr unsigned kVectorGeneralProtection = 13;  // #GP
constexpr unsigned kVectorPageFault = 14;       // #PF
constexpr unsigned kVectorX87Fpu = 16;          // #MF
constexpr unsigned kVectorAlignmentCheck = 17;  // #AC
constexpr unsigned kVectorMachineCheck = 18;    // #MC
constexpr unsigned kVectorSimdFpu = 19;         // #XM
constexpr unsigned kVectorControlProtection = 21;  // #CP
constexpr unsigned kExceptionCount = 32;

// ---- Legacy 8259 PIC ------------------------------------------------------
// The PICs are remapped here and then masked (drivers/i8259.h): were they
// left at their power-on base, their IRQ 0..7 would arrive on vectors 8..15
// and look like a double fault or a #GP.
constexpr unsigned kVectorPicBase = 0x20;       // 0x20..0x2f

// ---- I/O APIC pins ---------------------------------------------------------
// Global system interrupt (GSI) n arrives on kVectorIoApicBase + n: ISA IRQ 4
// (COM1) on 0x34, and so on. 24 pins is the classic I/O APIC's size.
constexpr unsigned kVectorIoApicBase = 0x30;    // 0x30..0x47
constexpr unsigned kIoApicMaxPins = 24;

// ---- Local APIC ------------------------------------------------------------
constexpr unsigned kVectorLapicTimer = 0xec;    // Linux's LOCAL_TIMER_VECTOR
// Inter-processor interrupts (arch/x86_64/smp.cpp), in the highest priority
// class, above the timer, as Linux puts them: a CPU waiting for another to
// answer should not have to wait behind that CPU's device interrupts.
//   call function: "run the cross-CPU calls queued for you" (TLB shootdowns,
//                  arch::run_on_cpu); Linux's CALL_FUNCTION_SINGLE_VECTOR
//   reschedule:    "look at your run queue"; Linux's RESCHEDULE_VECTOR
constexpr unsigned kVectorCallFunction = 0xfb;
constexpr unsigned kVectorReschedule = 0xfd;
constexpr unsigned kVectorLapicError = 0xfe;    // Linux's ERROR_APIC_VECTOR
// Delivered when an interrupt goes away between the APIC raising it and the
// CPU accepting it. Must not be acknowledged with an EOI. The low four bits
// must be 1111 on older APICs, hence 0xff (Linux's SPURIOUS_APIC_VECTOR).
constexpr unsigned kVectorSpurious = 0xff;

}  // namespace x86
