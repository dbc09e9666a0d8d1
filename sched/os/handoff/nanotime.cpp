// sched/os/handoff/nanotime.cpp -- the runtime's clock (Go: nanotime1 in sys_linux_*.s, which
// calls the vDSO's clock_gettime). handoff_clock_gettime (user/lib/vdso_time.h) jumps straight
// into the vDSO that the kernel mapped (no trap: ~40 guest instructions) and falls back to the
// system call only when there is no vDSO (Handoff booted with vdso=off).
#include "os.h"
#include "vdso_time.h"

namespace rt::os {

int64_t nanotime() {
  linux_timespec ts;
  handoff_clock_gettime(LINUX_CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

}  // namespace rt::os
