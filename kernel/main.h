// kernel/main.h - the hand-over from arch boot code to the arch-neutral kernel.
#pragma once

#include "kernel/boot_info.h"

// Runs global constructors; call first thing in boot_main.
void run_global_constructors();

[[noreturn]] void kmain(BootInfo& boot);

// Where every CPU but the boot CPU enters the arch-neutral kernel, after the
// arch has set it up (arch::start_secondary_cpus): joins the scheduler and
// idles until there is work.
[[noreturn]] void secondary_cpu_main();
