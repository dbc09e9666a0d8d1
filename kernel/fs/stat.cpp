// kernel/fs/stat.cpp - struct stat, the way each arch's user space expects it.
//
// fstat() and newfstatat() hand the user a `struct stat` whose layout is
// part of the arch's ABI, and the two arches differ: x86-64 kept the order
// of its i386 ancestor (nlink before mode, all "long"), while arm64 uses the
// asm-generic layout every newer port shares (mode first, 32-bit nlink and
// blksize). The kernel fills one arch-neutral KStat and converts it here
// (Linux's cp_new_stat in fs/stat.c does the same). The structs below copy
// the uapi headers field for field; the static_asserts pin every offset, and
// user/lib/linux_abi.h holds the user side's copy.
#include <stddef.h>

#include "kernel/fs/file.h"
#include "kernel/fs/linux_abi.h"
#include "kernel/uaccess.h"

namespace {

// arch/x86/include/uapi/asm/stat.h (the 64-bit half).
struct X86Stat {
    uint64_t st_dev;
    uint64_t st_ino;
    uint64_t st_nlink;
    uint32_t st_mode;
    uint32_t st_uid;
    uint32_t st_gid;
    uint32_t pad0;
    uint64_t st_rdev;
    int64_t st_size;
    int64_t st_blksize;
    int64_t st_blocks;
    uint64_t st_atime, st_atime_nsec;
    uint64_t st_mtime, st_mtime_nsec;
    uint64_t st_ctime, st_ctime_nsec;
    int64_t unused[3];
};
static_assert(sizeof(X86Stat) == 144);
static_assert(offsetof(X86Stat, st_nlink) == 16 && offsetof(X86Stat, st_mode) == 24 &&
              offsetof(X86Stat, st_rdev) == 40 && offsetof(X86Stat, st_size) == 48 &&
              offsetof(X86Stat, st_blocks) == 64 && offsetof(X86Stat, st_atime) == 72 &&
              offsetof(X86Stat, st_ctime_nsec) == 112);

// include/uapi/asm-generic/stat.h (arm64, riscv64, ...).
struct GenericStat {
    uint64_t st_dev;
    uint64_t st_ino;
    uint32_t st_mode;
    uint32_t st_nlink;
    uint32_t st_uid;
    uint32_t st_gid;
    uint64_t st_rdev;
    uint64_t pad1;
    int64_t st_size;
    int32_t st_blksize;
    int32_t pad2;
    int64_t st_blocks;
    int64_t st_atime;
    uint64_t st_atime_nsec;
    int64_t st_mtime;
    uint64_t st_mtime_nsec;
    int64_t st_ctime;
    uint64_t st_ctime_nsec;
    uint32_t unused4, unused5;
};
static_assert(sizeof(GenericStat) == 128);
static_assert(offsetof(GenericStat, st_mode) == 16 && offsetof(GenericStat, st_nlink) == 20 &&
              offsetof(GenericStat, st_rdev) == 32 && offsetof(GenericStat, st_size) == 48 &&
              offsetof(GenericStat, st_blksize) == 56 && offsetof(GenericStat, st_blocks) == 64 &&
              offsetof(GenericStat, st_atime) == 72 && offsetof(GenericStat, st_ctime_nsec) == 112);

// Both layouts have the same field names, so one template fills either.
template <typename Stat>
Stat convert(const KStat& k) {
    Stat s = {};  // padding and reserved fields are zero, never kernel stack bytes
    s.st_dev = k.dev;
    s.st_ino = k.ino;
    s.st_nlink = k.nlink;
    s.st_mode = k.mode;
    s.st_uid = k.uid;
    s.st_gid = k.gid;
    s.st_rdev = k.rdev;
    s.st_size = k.size;
    s.st_blksize = decltype(s.st_blksize)(k.blksize);
    s.st_blocks = k.blocks;
    s.st_atime = decltype(s.st_atime)(k.atime_sec);
    s.st_atime_nsec = decltype(s.st_atime_nsec)(k.atime_nsec);
    s.st_mtime = decltype(s.st_mtime)(k.mtime_sec);
    s.st_mtime_nsec = decltype(s.st_mtime_nsec)(k.mtime_nsec);
    s.st_ctime = decltype(s.st_ctime)(k.ctime_sec);
    s.st_ctime_nsec = decltype(s.st_ctime_nsec)(k.ctime_nsec);
    return s;
}

}  // namespace

int put_user_stat(uintptr_t out, const KStat& st) {
    if constexpr (kLinuxAbi == LinuxAbi::kX86_64) {
        return put_user(out, convert<X86Stat>(st));
    } else {
        return put_user(out, convert<GenericStat>(st));
    }
}
