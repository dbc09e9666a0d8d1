// kernel/tests/selfcheck_test.cpp - tests that must FAIL.
//
// A test runner that cannot see failures proves nothing. These three are
// left out of `test=all`; tests/run_all.py boots each one on its own and
// checks that tests/run_qemu.py reports it as failed: a failed expectation,
// a kernel panic, and a hang.
#include "kernel/ktest.h"
#include "arch/arch.h"
#include "kernel/printk.h"

KTEST(selfcheck_fails) {
    EXPECT_EQ(t, 1 + 1, 3);
}

KTEST(selfcheck_panics) {
    panic("selfcheck_panics: a deliberate panic");
}

KTEST(selfcheck_hangs) {
    for (;;) arch::wait_for_interrupt();
}
