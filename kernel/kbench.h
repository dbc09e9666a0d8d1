// kernel/kbench.h - in-kernel benchmarks, reported in guest instructions.
//
// `bench=all` on the kernel command line runs every KBENCH and prints one
// JSON line each, which tools/bench.py collects:
//
//   bench: {"bench":"calibration_loop","arch":"x86_64","per":"iteration","insns":2.000}
//
// Figures are differences of arch::cycle_counter(), which counts guest
// instructions only when QEMU runs with icount (qemu/qemu.sh --icount);
// without it they are host-speed noise and must never be quoted.
#pragma once

#include <stdint.h>

struct alignas(16) KBench {  // see KTest: no gaps in the section array
    const char* name;
    void (*run)();
};

#define KBENCH(bench_name)                                                                 \
    static void kbench_fn_##bench_name();                                                  \
    [[gnu::used, gnu::section(".kbench")]] static const KBench kbench_desc_##bench_name = { \
        #bench_name, kbench_fn_##bench_name};                                             \
    static void kbench_fn_##bench_name()

// Prints one result line. `per` names the unit of work ("op", "iteration");
// insns_x1000 is the figure times 1000, printed with three decimals.
void kbench_report(const char* name, const char* per, uint64_t insns_x1000);

// Runs the benchmarks named by `selection` ("all" or a comma-separated list).
void kbench_run(const char* selection);
