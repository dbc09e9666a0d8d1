// kernel/main.cpp - the arch-neutral start of the kernel.
//
// Each architecture's boot code (arch/<arch>/boot_main.cpp) sets up the
// console and per-CPU data, turns what the firmware told it into a BootInfo,
// and calls kmain(). From here on everything is the same on both arches.
#include "kernel/main.h"

#include "arch/arch.h"
#include "kernel/cmdline_args.h"
#include "kernel/kbench.h"
#include "kernel/fs/vfs.h"
#include "kernel/ktest.h"
#include "kernel/mm/heap.h"
#include "kernel/mm/page_alloc.h"
#include "kernel/printk.h"
#include "kernel/proc/process.h"
#include "kernel/sched/sched.h"
#include "kernel/time.h"

namespace {

void print_banner(const BootInfo& boot) {
    char model[64];
    arch::cpu_model(model, sizeof model);
    uint64_t counter_hz = arch::cycle_counter_hz();
    kprintf("\nHandoff (%s) - a teaching kernel for Go-style schedulers\n", arch::name());
    kprintf("  cpu:     %s, %u found, %u online\n", model, boot.cpu_count, arch::online_cpus());
    kprintf("  memory:  %lu MiB RAM, %lu MiB free\n", boot.memory_total >> 20,
            (page_allocator().free_page_count() * kPageSize) >> 20);
    kprintf("  timer:   %u Hz ticks (source clock %lu.%03lu MHz), counter %lu.%03lu MHz\n", kHz,
            arch::timer_source_hz() / 1000000, arch::timer_source_hz() / 1000 % 1000,
            counter_hz / 1000000, counter_hz / 1000 % 1000);
    kprintf("  cmdline: %s\n", boot.cmdline[0] ? boot.cmdline : "(empty)");
    kprintf("  To quit QEMU: press Ctrl-A, then X.\n\n");
}

// Without an initramfs there is nothing to run: the boot CPU idles with
// interrupts on and the timer ticking underneath, which one line shows.
[[noreturn]] void idle_without_init() {
    kprintf("no initramfs (QEMU -initrd): nothing to run; idling\n");
    while (ticks() < kHz) arch::wait_for_interrupt();
    kprintf("idle: %lu timer ticks in the first second (%lu ns on the monotonic clock)\n", ticks(),
            monotonic_ns());
    sched_idle_loop();
}

}  // namespace

[[noreturn]] void secondary_cpu_main() {
    sched_init();
    tick_start_this_cpu();
    arch::interrupts_enable();
    sched_idle_loop();
}

[[noreturn]] void kmain(BootInfo& boot) {
    kernel_args().parse(boot.cmdline);

    // Exception vectors first, so that even a fault while building the page
    // tables gets a decoded report instead of a silent hang.
    arch::traps_init();
    page_allocator().init(boot.memory, DIRECT_MAP_BASE);
    arch::paging_init(boot);
    sched_init();
    time_init(arch::cycle_counter_hz());
    arch::interrupts_init(boot);
    tick_start_this_cpu();
    arch::start_secondary_cpus(boot);
    print_banner(boot);
    arch::interrupts_enable();

    if (const char* selection = kernel_args().get("test")) {
        int failed = ktest_run(selection);
        arch::shutdown(failed ? 1 : 0);
    }
    if (const char* selection = kernel_args().get("bench")) {
        kbench_run(selection);
        arch::shutdown(0);
    }
    if (boot.initrd_size == 0) idle_without_init();
    long files = vfs_init(reinterpret_cast<const uint8_t*>(arch::phys_to_virt(boot.initrd_phys)),
                          boot.initrd_size);
    if (files < 0) panic("the initramfs is not a valid cpio (newc) archive: error %ld", -files);
    kprintf("initramfs: %ld files; starting %s\n", files, kernel_args().init_argv()[0]);
    start_init_process(kernel_args().init_argc(), kernel_args().init_argv());
    sched_idle_loop();
}
