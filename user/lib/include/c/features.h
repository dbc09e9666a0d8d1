// user/lib/include/c/features.h -- shim so the host's libstdc++ headers work over newlib.
//
// Handoff compiles user C++ with -nostdinc against newlib, but reuses the C++ headers of
// Debian's g++ (they are mostly target-neutral templates). Their bits/os_defines.h, configured
// for glibc ("linux-gnu"), includes glibc's <features.h> and tests __GLIBC_PREREQ. newlib has
// no <features.h> (its equivalent is <sys/features.h>), so we supply one that says "not glibc".
#pragma once

#include <sys/features.h>

#ifndef __GLIBC_PREREQ
#define __GLIBC_PREREQ(major, minor) 0
#endif
