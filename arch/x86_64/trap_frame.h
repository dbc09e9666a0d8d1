// arch/x86_64/trap_frame.h - the registers saved on every trap, interrupt and
// system call, as one struct shared by C++ and assembly.
//
// trap_entry.S builds this frame on the kernel stack; the C++ dispatcher gets
// a pointer to it, may read or change any field, and the assembly restores the
// CPU from it. The TF_* constants are the offsets the assembly uses; the
// static_asserts below check that the struct agrees with them, byte for byte,
// so neither side can drift (Linux generates the same kind of constants in
// asm-offsets.c; SerenityOS checks its RegisterState the same way).
//
// Layout, lowest address first (the stack grows down, so the CPU's own
// pushes are at the top):
//
//   r15 r14 r13 r12 rbp rbx r11 r10 r9 r8 rax rcx rdx rsi rdi   <- pushed by us
//   vector error_code                                            <- by the stub
//   rip cs rflags rsp ss                                         <- by the CPU
//
// A system call (syscall_entry.S) builds the very same frame by hand, so the
// kernel sees one shape of "user registers" however it was entered, and
// either exit (SYSRET or IRETQ) can leave through any frame.
//
// The general registers are in the order of Linux's struct pt_regs
// (arch/x86/include/asm/ptrace.h), so the two can be read side by side.
#pragma once

#define TF_R15 0
#define TF_R14 8
#define TF_R13 16
#define TF_R12 24
#define TF_RBP 32
#define TF_RBX 40
#define TF_R11 48
#define TF_R10 56
#define TF_R9 64
#define TF_R8 72
#define TF_RAX 80
#define TF_RCX 88
#define TF_RDX 96
#define TF_RSI 104
#define TF_RDI 112
#define TF_VECTOR 120
#define TF_ERROR_CODE 128
#define TF_RIP 136
#define TF_CS 144
#define TF_RFLAGS 152
#define TF_RSP 160
#define TF_SS 168
#define TF_SIZE 176

// The `vector` of a frame built by the SYSCALL entry: one past the last IDT
// vector, so no interrupt or exception can be mistaken for a system call.
#define TF_VECTOR_SYSCALL 256

#ifndef __ASSEMBLER__
#include <stddef.h>
#include <stdint.h>

struct TrapFrame {
    // Saved by trap_entry.S.
    uint64_t r15, r14, r13, r12, rbp, rbx, r11, r10, r9, r8;
    uint64_t rax, rcx, rdx, rsi, rdi;
    // Pushed by the per-vector stub. error_code is the CPU's for the
    // exceptions that push one (#DF #TS #NP #SS #GP #PF #AC #CP #VC #SX) and
    // 0 for every other vector, so all frames have the same shape.
    uint64_t vector;
    uint64_t error_code;
    // Pushed by the CPU on every interrupt in 64-bit mode (always including
    // rsp and ss, even without a privilege change).
    uint64_t rip;
    uint64_t cs;
    uint64_t rflags;
    uint64_t rsp;
    uint64_t ss;

    // The low two bits of the saved CS are the privilege level the CPU was
    // running at: 3 means the trap came from user mode.
    bool from_user() const { return (cs & 3) == 3; }
    // Built by the SYSCALL entry (syscall_entry.S) rather than an IDT gate.
    bool is_syscall() const { return vector == TF_VECTOR_SYSCALL; }
};

static_assert(offsetof(TrapFrame, r15) == TF_R15);
static_assert(offsetof(TrapFrame, r14) == TF_R14);
static_assert(offsetof(TrapFrame, r13) == TF_R13);
static_assert(offsetof(TrapFrame, r12) == TF_R12);
static_assert(offsetof(TrapFrame, rbp) == TF_RBP);
static_assert(offsetof(TrapFrame, rbx) == TF_RBX);
static_assert(offsetof(TrapFrame, r11) == TF_R11);
static_assert(offsetof(TrapFrame, r10) == TF_R10);
static_assert(offsetof(TrapFrame, r9) == TF_R9);
static_assert(offsetof(TrapFrame, r8) == TF_R8);
static_assert(offsetof(TrapFrame, rax) == TF_RAX);
static_assert(offsetof(TrapFrame, rcx) == TF_RCX);
static_assert(offsetof(TrapFrame, rdx) == TF_RDX);
static_assert(offsetof(TrapFrame, rsi) == TF_RSI);
static_assert(offsetof(TrapFrame, rdi) == TF_RDI);
static_assert(offsetof(TrapFrame, vector) == TF_VECTOR);
static_assert(offsetof(TrapFrame, error_code) == TF_ERROR_CODE);
static_assert(offsetof(TrapFrame, rip) == TF_RIP);
static_assert(offsetof(TrapFrame, cs) == TF_CS);
static_assert(offsetof(TrapFrame, rflags) == TF_RFLAGS);
static_assert(offsetof(TrapFrame, rsp) == TF_RSP);
static_assert(offsetof(TrapFrame, ss) == TF_SS);
static_assert(sizeof(TrapFrame) == TF_SIZE);
// The CPU aligns rsp to 16 before pushing ss; a frame that is a multiple of
// 16 keeps the dispatcher's stack aligned as the System V ABI requires.
static_assert(TF_SIZE % 16 == 0);

// The one C++ entry point of trap_entry.S.
extern "C" void x86_trap_dispatch(TrapFrame* frame);
#endif
