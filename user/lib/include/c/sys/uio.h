// user/lib/include/c/sys/uio.h -- newlib has no <sys/uio.h>; Handoff's declarations live in
// user/lib/handoff.h. This lets code shared with the Linux host build (e.g. the G/M/P runtime)
// include the usual POSIX header on both.
#pragma once
#include "../../../handoff.h"
