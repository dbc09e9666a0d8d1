// sched/os/glibc/nanotime.cpp -- the runtime's clock on the glibc host: glibc's clock_gettime,
// which itself calls Linux's vDSO (no trap), as Go's nanotime1 does.
#include <time.h>

#include "os.h"

namespace rt::os {

int64_t nanotime() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

}  // namespace rt::os
