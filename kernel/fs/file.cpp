// kernel/fs/file.cpp - what every File does unless it says otherwise, and
// the copies between files and (user) buffers.
//
// The defaults are Linux's answers for a file whose file_operations lack the
// operation: read/write -EINVAL (vfs_read: no ->read), lseek -ESPIPE
// (no_llseek), ioctl -ENOTTY (vfs_ioctl), getdents64 -ENOTDIR (iterate_dir).
#include "kernel/fs/file.h"

#include "kernel/errno.h"
#include "kernel/fs/inode.h"
#include "kernel/fs/linux_abi.h"
#include "kernel/lib/string.h"
#include "kernel/uaccess.h"

long File::read(const UserBuffer&, uint64_t*) { return -EINVAL; }
long File::write(const UserBuffer&, uint64_t*) { return -EINVAL; }
long File::lseek(uint64_t*, int64_t, int) { return -ESPIPE; }
long File::ioctl(unsigned long, uintptr_t) { return -ENOTTY; }
long File::getdents64(const UserBuffer&, uint64_t*) { return -ENOTDIR; }

int File::stat(KStat* st) {
    if (inode) {
        inode_stat(inode, st);
    } else {
        *st = {};  // a File with no node must describe itself (pipes will)
        st->blksize = 4096;
    }
    return 0;
}

// [at, at + n) must lie inside the buffer: written as two comparisons so a
// huge `n` cannot wrap around.
int UserBuffer::write(size_t at, const void* src, size_t n) const {
    if (at > size || n > size - at) return -EFAULT;
    if (kernel) {
        memcpy(reinterpret_cast<void*>(address + at), src, n);
        return 0;
    }
    return copy_to_user(address + at, src, n);
}

int UserBuffer::read(size_t at, void* dst, size_t n) const {
    if (at > size || n > size - at) return -EFAULT;
    if (kernel) {
        memcpy(dst, reinterpret_cast<const void*>(address + at), n);
        return 0;
    }
    return copy_from_user(dst, address + at, n);
}

long generic_lseek(uint64_t* offset, int64_t delta, int whence, uint64_t end) {
    // Offsets never exceed INT64_MAX (they only ever come from here), so the
    // conversions below are exact.
    int64_t base;
    switch (whence) {
    case SEEK_SET: base = 0; break;
    case SEEK_CUR: base = int64_t(*offset); break;
    case SEEK_END: base = int64_t(end); break;
    default: return -EINVAL;  // SEEK_DATA/SEEK_HOLE are not supported
    }
    int64_t result;
    if (__builtin_add_overflow(base, delta, &result) || result < 0) return -EINVAL;
    *offset = uint64_t(result);
    return long(result);
}
