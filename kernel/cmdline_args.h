// kernel/cmdline_args.h - the parsed kernel command line, for everyone.
#pragma once

#include "kernel/lib/cmdline.h"

// Filled once by kmain() before anything else reads it.
Cmdline& kernel_args();
