// kernel/trap_catch.cpp - see trap_catch.h.
#include "kernel/trap_catch.h"

#include "kernel/lib/string.h"

void trap_catch_prepare(TrapCatch* tc) {
    tc->caught = false;
    tc->interrupts_were_on = arch::interrupts_enabled();
    arch::this_cpu()->trap_catch = tc;
}

void trap_catch_disarm(TrapCatch* tc) {
    if (arch::this_cpu()->trap_catch == tc) arch::this_cpu()->trap_catch = nullptr;
}

void trap_catch_deliver(unsigned vector, uintptr_t fault_address, uintptr_t pc, const char* report) {
    TrapCatch* tc = arch::this_cpu()->trap_catch;
    if (!tc) return;
    arch::this_cpu()->trap_catch = nullptr;  // one catch per arming
    tc->caught = true;
    tc->vector = vector;
    tc->fault_address = fault_address;
    tc->pc = pc;
    strlcpy(tc->report, report, sizeof tc->report);
    // The exception entry turned interrupts off; put back what the test had.
    if (tc->interrupts_were_on) arch::interrupts_enable();
    arch_longjmp(&tc->resume, 1);
}
