// arch/x86_64/gdt.h - segments and the task state segment, per CPU.
//
// In 64-bit mode segmentation is almost gone: code and data descriptors only
// say "ring 0 or ring 3" and "64-bit code", and bases and limits are
// ignored. What still matters:
//   - the GDT's order, because SYSCALL/SYSRET compute selectors from one MSR
//     (STAR) by adding fixed offsets, and
//   - the TSS, which holds the stack pointers the CPU switches to when an
//     interrupt arrives: RSP0 for a trap from ring 3, and up to seven
//     Interrupt Stack Table (IST) stacks for vectors that must never run on
//     a possibly broken stack (a double fault after a kernel stack overflow).
// Every CPU has its own GDT and TSS (they hold per-CPU stacks and the TSS is
// marked busy by `ltr`), as in Linux's per-CPU gdt_page and cpu_tss_rw.
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "kernel/cpu.h"

namespace x86 {

// ---- The GDT layout --------------------------------------------------------
//   0x00  null
//   0x08  kernel code, 64-bit        SYSCALL loads CS = STAR[47:32]
//   0x10  kernel data                         and SS = STAR[47:32] + 8
//   0x18  user code, 32-bit (unused) SYSRET base = STAR[63:48]
//   0x20  user data                  SYSRET loads SS = base + 8  (| 3)
//   0x28  user code, 64-bit                   and CS = base + 16 (| 3)
//   0x30  TSS (a 16-byte descriptor: two slots)
// Linux has the same shape (arch/x86/include/asm/segment.h), with an extra
// 32-bit kernel code segment first. The 32-bit user slot is left empty: we
// run no 32-bit programs, it is only there so the SYSRET arithmetic works.
constexpr uint16_t kKernelCodeSelector = 0x08;
constexpr uint16_t kKernelDataSelector = 0x10;
constexpr uint16_t kUser32CodeSelector = 0x18 | 3;
constexpr uint16_t kUserDataSelector = 0x20 | 3;
constexpr uint16_t kUserCodeSelector = 0x28 | 3;
constexpr uint16_t kTssSelector = 0x30;
constexpr unsigned kGdtEntries = 8;  // 6 descriptors + the TSS's two slots

// The STAR MSR value (msr.h: kMsrStar), written by syscall.cpp.
constexpr uint64_t kStarValue =
    (uint64_t(kUser32CodeSelector) << 48) | (uint64_t(kKernelCodeSelector) << 32);
// What the CPU will compute from it; checked here so the layout cannot drift.
static_assert(((kStarValue >> 32) & 0xffff) + 8 == kKernelDataSelector, "SYSCALL SS");
static_assert((((kStarValue >> 48) & 0xffff) + 8) == kUserDataSelector, "SYSRET SS");
static_assert((((kStarValue >> 48) & 0xffff) + 16) == kUserCodeSelector, "SYSRET CS");

// ---- The TSS ---------------------------------------------------------------
// Intel SDM vol. 3, figure 8-11. The CPU reads it at fixed offsets.
struct [[gnu::packed]] Tss {
    uint32_t reserved0;
    uint64_t rsp[3];         // stack for a trap from ring 0..2 to ring 0: rsp[0] only
    uint64_t reserved1;
    uint64_t ist[7];         // IST1..IST7 (ist[0] is IST1)
    uint64_t reserved2;
    uint16_t reserved3;
    uint16_t iomap_base;     // offset of the I/O permission bitmap
};
static_assert(offsetof(Tss, rsp) == 0x04);
static_assert(offsetof(Tss, ist) == 0x24);
static_assert(offsetof(Tss, iomap_base) == 0x66);
static_assert(sizeof(Tss) == 0x68);

// IST slots (1-based, as the IDT gate's 3-bit field counts them; 0 = none).
// Separate stacks, so a machine check during a double fault does not
// overwrite the stack the double fault is still using. Linux: ESTACK_DF,
// ESTACK_NMI, ESTACK_MCE.
constexpr unsigned kIstDoubleFault = 1;
constexpr unsigned kIstNmi = 2;
constexpr unsigned kIstMachineCheck = 3;
constexpr unsigned kIstCount = 3;
constexpr size_t kIstStackSize = 8192;

// Builds CPU `cpu`'s GDT and TSS (IST stacks set, RSP0 = `kernel_stack_top`)
// and loads them on the calling CPU: lgdt, reload the segment registers,
// ltr. Call once per CPU, on that CPU, before interrupts are enabled.
void gdt_init(unsigned cpu, uintptr_t kernel_stack_top);

// Sets the stack the CPU switches to on a trap from ring 3 (TSS.RSP0) and
// the one the SYSCALL entry switches to (Cpu::syscall_stack_top): the top of
// the running thread's kernel stack. The context switch calls this.
void set_kernel_stack(unsigned cpu, uintptr_t top);
uintptr_t kernel_stack(unsigned cpu);

}  // namespace x86
