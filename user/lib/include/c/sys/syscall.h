// user/lib/include/c/sys/syscall.h -- glibc-compatible <sys/syscall.h>: the SYS_* numbers
// (user/lib/sysnum.h) and the variadic libc function syscall(), declared in handoff.h.
// syscall() follows the libc convention (-1 and errno, in newlib's numbering); for raw
// -errno results use syscall0..syscall6 from user/lib/syscall.h.
#pragma once
#include "../../../sysnum.h"
#include "../../../handoff.h"
