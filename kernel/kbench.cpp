// kernel/kbench.cpp - see kbench.h.
#include "kernel/kbench.h"

#include "arch/arch.h"
#include "kernel/ktest.h"
#include "kernel/lib/string.h"
#include "kernel/printk.h"
#include "kernel/sync/spinlock.h"

extern "C" const KBench __kbench_start[], __kbench_end[];

void kbench_report(const char* name, const char* per, uint64_t insns_x1000) {
    kprintf("bench: {\"bench\":\"%s\",\"arch\":\"%s\",\"per\":\"%s\",\"insns\":%lu.%03lu}\n", name,
            arch::name(), per, insns_x1000 / 1000, insns_x1000 % 1000);
}

void kbench_run(const char* selection) {
    for (const KBench* b = __kbench_start; b < __kbench_end; b++) {
        if (strcmp(selection, "all") != 0 && !name_in_list(selection, b->name)) continue;
        b->run();
    }
    kprintf("bench: done\n");
}

// The calibration row: a loop of known length timed with the cycle counter.
// (delta(N) - delta(0)) / N removes the cost of reading the counter and of
// the call itself, leaving instructions per iteration: exactly
// kCalibrationLoopInsns when one tick is one instruction. Interrupts stay off
// so no timer interrupt adds its instructions to the count.
KBENCH(calibration_loop) {
    constexpr uint64_t kIterations = 1000000;
    InterruptsOffGuard irqs_off;
    uint64_t t0 = arch::cycle_counter();
    arch::calibration_loop(0);
    uint64_t t1 = arch::cycle_counter();
    arch::calibration_loop(kIterations);
    uint64_t t2 = arch::cycle_counter();
    uint64_t empty = t1 - t0, full = t2 - t1;
    kbench_report("calibration_loop", "iteration", (full - empty) * 1000 / kIterations);
    kprintf("bench: calibration: %lu iterations x %lu instructions: counter delta %lu (empty call %lu)\n",
            kIterations, arch::kCalibrationLoopInsns, full, empty);
}
