// kernel/uaccess.h - the only way the kernel touches user memory.
//
// Every pointer a system call receives is an untrusted number. These helpers
// check that [ptr, ptr+n) lies wholly inside the user half (without
// overflowing), then copy with faults caught (arch::copy_user), so a bad
// pointer becomes -EFAULT instead of a kernel crash. With SMAP (x86-64) or
// PAN (AArch64) on, any other kernel access to user memory faults at once.
// Compare Linux's copy_from_user/access_ok and xv6's copyin/copyout.
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "arch/arch.h"
#include "kernel/errno.h"

// Is [address, address + size) a range of user addresses? "Both tests are
// needed, in case of overflow" (xv6): a huge size must not wrap around.
inline bool user_range_ok(uintptr_t address, size_t size) {
    return address <= arch::kUserTop && size <= arch::kUserTop - address;
}

// 0 or -EFAULT.
inline int copy_from_user(void* dst, uintptr_t user_src, size_t n) {
    if (!user_range_ok(user_src, n)) return -EFAULT;
    return arch::copy_user(dst, reinterpret_cast<const void*>(user_src), n) ? -EFAULT : 0;
}

inline int copy_to_user(uintptr_t user_dst, const void* src, size_t n) {
    if (!user_range_ok(user_dst, n)) return -EFAULT;
    return arch::copy_user(reinterpret_cast<void*>(user_dst), src, n) ? -EFAULT : 0;
}

template <typename T>
int get_user(T* out, uintptr_t user_src) {
    return copy_from_user(out, user_src, sizeof(T));
}

template <typename T>
int put_user(uintptr_t user_dst, const T& value) {
    return copy_to_user(user_dst, &value, sizeof(T));
}

// Copies a NUL-terminated user string into dst[max]. Returns its length,
// -EFAULT, or -ENAMETOOLONG if it does not fit.
inline long copy_string_from_user(char* dst, uintptr_t user_src, size_t max) {
    if (max == 0 || user_src >= arch::kUserTop) return -EFAULT;
    size_t limit = arch::kUserTop - user_src < max ? arch::kUserTop - user_src : max;
    long len = arch::copy_user_string(dst, reinterpret_cast<const char*>(user_src), limit);
    if (len < 0) return -EFAULT;
    if (size_t(len) >= limit) return limit < max ? -EFAULT : -ENAMETOOLONG;
    return len;
}
