// sched/tests/sysnums.cpp -- the system call numbers the tests use, from user/lib/sysnum.h.
// Kept alone in this file: glibc's C++ headers define the same SYS_* macros (see os_linux.cpp).
#include "sysnum.h"  // user/lib

namespace rtest {
extern const long kSysRead = SYS_read;
extern const long kSysWrite = SYS_write;
extern const long kSysClose = SYS_close;
extern const long kSysPipe2 = SYS_pipe2;
extern const long kSysNanosleep = SYS_nanosleep;
extern const long kSysGetppid = SYS_getppid;
extern const long kSysGettid = SYS_gettid;
}  // namespace rtest
