// kernel/main.h - the hand-over from arch boot code to the arch-neutral kernel.
#pragma once

#include "kernel/boot_info.h"

// Runs global constructors; call first thing in boot_main.
void run_global_constructors();

[[noreturn]] void kmain(BootInfo& boot);
