// kernel/cmdline_args.cpp - see cmdline_args.h.
#include "kernel/cmdline_args.h"

Cmdline& kernel_args() {
    static Cmdline args;
    return args;
}
