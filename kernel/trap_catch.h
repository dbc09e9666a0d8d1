// kernel/trap_catch.h - catching an expected kernel exception.
//
// Tests that deliberately divide by zero or touch an unmapped kernel address
// must see the decoded report and keep running. The test arms a TrapCatch:
//
//   TrapCatch tc;
//   if (trap_catch_arm(&tc)) {
//       *(volatile int*)0xdead000 = 1;      // faults ...
//       trap_catch_disarm(&tc);             // ... so this is never reached
//   }
//   // here tc.caught, tc.report, tc.fault_address, tc.pc describe the fault
//
// The arch trap handler calls trap_catch_deliver() for every exception taken
// in kernel mode: with a catch armed on this CPU it fills the catch in and
// resumes at trap_catch_arm (which then returns false); otherwise it returns
// and the handler panics with the same report. Linux's exception tables
// (extable) serve the same purpose for user-copy faults.
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "arch/arch.h"

struct TrapCatch {
    arch::JumpBuffer resume;
    bool caught = false;
    bool interrupts_were_on = false;
    unsigned vector = 0;          // x86: vector number; AArch64: ESR_EL1.EC
    uintptr_t fault_address = 0;  // CR2 / FAR_EL1, 0 if the fault has none
    uintptr_t pc = 0;             // where the exception happened
    char report[1024] = {};       // the decoded report, as panic would print it
};

// Arms `tc` on this CPU. Evaluates to true when armed, and to false when an
// exception was caught (execution resumes here). A macro, because the setjmp
// must happen in the caller's frame.
#define trap_catch_arm(tc) (trap_catch_prepare(tc), arch_setjmp(&(tc)->resume) == 0)

void trap_catch_prepare(TrapCatch* tc);
void trap_catch_disarm(TrapCatch* tc);

// For arch trap handlers. Returns only if no catch is armed on this CPU.
void trap_catch_deliver(unsigned vector, uintptr_t fault_address, uintptr_t pc, const char* report);
