// arch/x86_64/entry.h - what the entry assembly (trap_entry.S,
// syscall_entry.S, switch.S) shares with C++.
//
// The assembler cannot read C++ constants, so the few it needs are written
// here as #defines, and each is checked against its C++ original with a
// static_assert below (Linux generates the same kind of constants with
// asm-offsets.c). The TrapFrame offsets (TF_*) live in trap_frame.h.
//
// For assembly it also holds the two macros that fill and empty a TrapFrame,
// so the trap path and the SYSCALL path save registers the same way (Linux:
// PUSH_AND_CLEAR_REGS / POP_REGS in arch/x86/entry/calling.h).
#pragma once

#include "arch/x86_64/trap_frame.h"

// ---- Segment selectors (gdt.h) -----------------------------------------------
#define KERNEL_CS 0x08
#define KERNEL_DS 0x10
#define USER_DS 0x23  // 0x20 | RPL 3
#define USER_CS 0x2b  // 0x28 | RPL 3

// ---- RFLAGS bits (Intel SDM vol. 1, 3.4.3) -----------------------------------
#define RFLAGS_RESERVED1 (1 << 1)  // always reads as 1
#define RFLAGS_TF (1 << 8)         // trap flag: single-step
#define RFLAGS_IF (1 << 9)         // interrupts enabled
#define RFLAGS_DF (1 << 10)        // string instructions count down
#define RFLAGS_IOPL (3 << 12)      // I/O privilege level
#define RFLAGS_NT (1 << 14)        // nested task
#define RFLAGS_RF (1 << 16)        // resume flag: suppress one instruction breakpoint
#define RFLAGS_VM (1 << 17)        // virtual-8086 mode
#define RFLAGS_AC (1 << 18)        // alignment check; with SMAP: "user access allowed"

// ---- Per-CPU fields the entry reads through %gs (kernel/cpu.h) -----------------
#define CPU_SYSCALL_STACK_TOP 64
#define CPU_SYSCALL_SCRATCH 72

// ---- Model-specific registers (msr.h) ---------------------------------------
#define MSR_GS_BASE 0xC0000101

// ---- ThreadContext (arch_inline.h) -------------------------------------------
#define CTX_RSP 0

#ifdef __ASSEMBLER__

/* Saves the 15 general registers into the TrapFrame at %rsp (whose vector,
 * error code and CPU part are already on the stack above them). */
.macro SAVE_REGS
        movq    %r15, TF_R15(%rsp)
        movq    %r14, TF_R14(%rsp)
        movq    %r13, TF_R13(%rsp)
        movq    %r12, TF_R12(%rsp)
        movq    %rbp, TF_RBP(%rsp)
        movq    %rbx, TF_RBX(%rsp)
        movq    %r11, TF_R11(%rsp)
        movq    %r10, TF_R10(%rsp)
        movq    %r9, TF_R9(%rsp)
        movq    %r8, TF_R8(%rsp)
        movq    %rax, TF_RAX(%rsp)
        movq    %rcx, TF_RCX(%rsp)
        movq    %rdx, TF_RDX(%rsp)
        movq    %rsi, TF_RSI(%rsp)
        movq    %rdi, TF_RDI(%rsp)
.endm

/* Loads the 15 general registers from the TrapFrame at %rsp (rsp itself
 * stays pointing at the frame). */
.macro RESTORE_REGS
        movq    TF_R15(%rsp), %r15
        movq    TF_R14(%rsp), %r14
        movq    TF_R13(%rsp), %r13
        movq    TF_R12(%rsp), %r12
        movq    TF_RBP(%rsp), %rbp
        movq    TF_RBX(%rsp), %rbx
        movq    TF_R11(%rsp), %r11
        movq    TF_R10(%rsp), %r10
        movq    TF_R9(%rsp), %r9
        movq    TF_R8(%rsp), %r8
        movq    TF_RAX(%rsp), %rax
        movq    TF_RCX(%rsp), %rcx
        movq    TF_RDX(%rsp), %rdx
        movq    TF_RSI(%rsp), %rsi
        movq    TF_RDI(%rsp), %rdi
.endm

/* Calls `function`(rdi = the TrapFrame at %rsp) with the stack 16-byte
 * aligned (the frame's size is a multiple of 16 and it starts on a 16-byte
 * boundary). The interrupted rip is pushed as a fake frame record {rip,
 * rbp}, so a frame-pointer backtrace from inside the handler walks on into
 * the code that trapped. */
.macro CALL_WITH_FRAME function
        pushq   TF_RIP(%rsp)
        pushq   %rbp
        movq    %rsp, %rbp
        leaq    16(%rsp), %rdi
        call    \function
        addq    $16, %rsp
.endm

#else  // C++: check every number above against its source.

#include <stddef.h>

#include "arch/arch.h"
#include "arch/x86_64/gdt.h"
#include "arch/x86_64/msr.h"
#include "kernel/cpu.h"

static_assert(KERNEL_CS == x86::kKernelCodeSelector && KERNEL_DS == x86::kKernelDataSelector);
static_assert(USER_CS == x86::kUserCodeSelector && USER_DS == x86::kUserDataSelector);
static_assert(CPU_SYSCALL_STACK_TOP == offsetof(Cpu, syscall_stack_top));
static_assert(CPU_SYSCALL_SCRATCH == offsetof(Cpu, syscall_scratch));
static_assert(MSR_GS_BASE == kMsrGsBase);
static_assert(CTX_RSP == offsetof(arch::ThreadContext, rsp));

#endif
