// kernel/fs/linux_abi.h - the numbers and layouts of Linux's file system calls.
//
// Handoff's system calls are Linux's (DESIGN.md), so open() flags, *at()
// flags, whence values and the getdents64 record must be Linux's too. Most
// are the same on every 64-bit Linux arch; a few differ between x86-64 and
// arm64, which use different uapi headers (arch/x86/include/uapi/asm/ and
// arch/arm64/include/uapi/asm/ over include/uapi/asm-generic/). Which set
// applies follows from the system-call table the arch already chose
// (arch::kSyscallColumn: 0 = x86-64's numbers, 1 = arm64's generic ones):
// a Linux ABI comes as a whole, so there is no second switch to keep in step.
// The user side's copy of these values is user/lib/linux_abi.h.
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "arch/arch.h"

enum class LinuxAbi { kX86_64, kGeneric };
inline constexpr LinuxAbi kLinuxAbi =
    arch::kSyscallColumn == 0 ? LinuxAbi::kX86_64 : LinuxAbi::kGeneric;

// ---- open(2) flags (include/uapi/asm-generic/fcntl.h) -----------------------
constexpr int O_RDONLY = 00, O_WRONLY = 01, O_RDWR = 02, O_ACCMODE = 03;
constexpr int O_CREAT = 0100, O_EXCL = 0200, O_NOCTTY = 0400, O_TRUNC = 01000,
              O_APPEND = 02000, O_NONBLOCK = 04000, O_CLOEXEC = 02000000;
// arm64 overrides these in arch/arm64/include/uapi/asm/fcntl.h.
constexpr int O_DIRECTORY = kLinuxAbi == LinuxAbi::kX86_64 ? 0200000 : 040000;
constexpr int O_NOFOLLOW = kLinuxAbi == LinuxAbi::kX86_64 ? 0400000 : 0100000;

// ---- *at(2) (include/uapi/linux/fcntl.h) -------------------------------------
constexpr int AT_FDCWD = -100;                // "relative to the working directory"
constexpr int AT_SYMLINK_NOFOLLOW = 0x100;
constexpr int AT_NO_AUTOMOUNT = 0x800;
constexpr int AT_EMPTY_PATH = 0x1000;         // "" names the dirfd itself

// ---- lseek(2) whence ---------------------------------------------------------
constexpr int SEEK_SET = 0, SEEK_CUR = 1, SEEK_END = 2;

// ---- limits (include/uapi/linux/limits.h) ------------------------------------
constexpr size_t kPathMax = 4096;  // PATH_MAX, including the terminating NUL
constexpr size_t kNameMax = 255;   // NAME_MAX: one path component

// ---- getdents64(2) -------------------------------------------------------------
// struct linux_dirent64 (include/linux/dirent.h): a variable-length record,
// the name NUL-terminated and the whole record padded to 8 bytes so the next
// one is aligned. d_off is the directory position of the *next* record: what
// lseek(SEEK_SET) takes to continue after this one.
struct LinuxDirent64 {
    uint64_t d_ino;
    int64_t d_off;
    uint16_t d_reclen;
    uint8_t d_type;
    char d_name[1];  // really d_name[d_reclen - 19]
};
static_assert(offsetof(LinuxDirent64, d_name) == 19, "linux_dirent64 layout");
constexpr size_t kDirentNameOffset = offsetof(LinuxDirent64, d_name);
// d_type values (include/linux/fs_types.h): the S_IF* type >> 12.
constexpr uint8_t DT_UNKNOWN = 0, DT_FIFO = 1, DT_CHR = 2, DT_DIR = 4, DT_BLK = 6,
                  DT_REG = 8, DT_LNK = 10, DT_SOCK = 12;
constexpr size_t dirent_record_size(size_t name_len) {
    return (kDirentNameOffset + name_len + 1 + 7) & ~size_t(7);
}
