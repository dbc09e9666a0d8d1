// sched/defs_linux.h -- the Linux constants the netpoller and the net API use (Go: defs_linux.go
// for the runtime's, package syscall's zerrors_linux_*.go for the rest).
//
// Raw system calls see Linux's numbers, not the C library's: newlib's errno.h and fcntl.h differ
// from Linux for many of these (user/lib/linux_abi.h has the table), so code above the OS layer
// compares RawSyscall results with these names, never with <errno.h>'s. All of them are the same
// on x86-64 and AArch64; only struct epoll_event differs, see arch/<arch>/epollevent.h.
#pragma once

#include <stdint.h>

#include "epollevent.h"  // sched/arch/<arch>/

namespace rt::os {

// errno values (asm-generic/errno-base.h, errno.h).
inline constexpr int32_t kENOENT = 2, kEINTR = 4, kEBADF = 9, kEAGAIN = 11, kEINVAL = 22,
                         kEMFILE = 24, kEPIPE = 32, kENOSYS = 38, kEADDRINUSE = 98,
                         kECONNABORTED = 103, kECONNRESET = 104, kEISCONN = 106,
                         kENOTCONN = 107, kECONNREFUSED = 111, kEALREADY = 114,
                         kEINPROGRESS = 115;

// open(2)/fcntl(2) flags; SOCK_NONBLOCK, SOCK_CLOEXEC, EFD_NONBLOCK, EFD_CLOEXEC and
// EPOLL_CLOEXEC are these same bits.
inline constexpr int32_t kO_NONBLOCK = 04000, kO_CLOEXEC = 02000000;
inline constexpr int32_t kF_GETFL = 3, kF_SETFL = 4;
inline constexpr int32_t kAT_FDCWD = -100;

// epoll(7).
inline constexpr uint32_t kEPOLLIN = 0x1, kEPOLLOUT = 0x4, kEPOLLERR = 0x8, kEPOLLHUP = 0x10,
                          kEPOLLRDHUP = 0x2000, kEPOLLET = 1u << 31;
inline constexpr int32_t kEPOLL_CTL_ADD = 1, kEPOLL_CTL_DEL = 2, kEPOLL_CTL_MOD = 3;

// Sockets: AF_UNIX stream sockets and what Dial needs to ask a socket about its connect.
inline constexpr int32_t kAF_UNIX = 1, kSOCK_STREAM = 1;
inline constexpr int32_t kSOL_SOCKET = 1, kSO_ERROR = 4;
inline constexpr int32_t kSHUT_RD = 0, kSHUT_WR = 1;
// Go reads the listen backlog from /proc/sys/net/core/somaxconn (maxListenerBacklog); 4096 is
// that file's value since Linux 5.4, and the kernel caps whatever we pass at it anyway.
inline constexpr int32_t kSOMAXCONN = 4096;

// struct sockaddr_un: a family and a path of up to 107 bytes plus its NUL.
struct sockaddrUnix {
  uint16_t family;
  char path[108];
};
static_assert(sizeof(sockaddrUnix) == 110, "struct sockaddr_un is 110 bytes");

inline constexpr int32_t kSIGPIPE = 13;

}  // namespace rt::os
