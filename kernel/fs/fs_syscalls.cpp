// kernel/fs/fs_syscalls.cpp - the file system calls: from user arguments to
// File operations.
//
// Each handler does the same three things, in Linux's order so the errors
// match: find the File behind the descriptor (-EBADF), check the arguments
// and user pointers (-EINVAL, -EFAULT), and call the File. A File
// reference taken here is held in a FileRef and dropped on every return
// path. Paths are copied into one kernel page first (UserPath): the walk
// never reads user memory. Compare Linux's fs/read_write.c, fs/open.c,
// fs/stat.c, fs/readdir.c, fs/file.c, and xv6's sysfile.c.
#include "kernel/errno.h"
#include "kernel/fs/file.h"
#include "kernel/fs/linux_abi.h"
#include "kernel/fs/vfs.h"
#include "kernel/mm/heap.h"
#include "kernel/mm/page_alloc.h"
#include "kernel/proc/process.h"
#include "kernel/syscall/handlers.h"
#include "kernel/uaccess.h"

namespace {

// Linux's MAX_RW_COUNT: one read or write moves at most INT_MAX rounded down
// to a page, so a byte count always fits the int some callers keep it in.
constexpr size_t kMaxRwCount = 0x7ffff000;
// readv/writev: at most UIO_MAXIOV segments; up to UIO_FASTIOV of them are
// copied onto the stack, more into a heap array.
constexpr int kMaxIov = 1024;
constexpr int kFastIov = 8;

FdTable* fd_table() {
    Process* process = current_process();
    return process ? process->files : nullptr;
}

// A new reference to the File behind `fd`, or nullptr: -EBADF.
File* fd_file(int fd) {
    FdTable* table = fd_table();
    return table ? table->lookup(fd) : nullptr;
}

// A path copied in from user memory, in a page of its own (PATH_MAX is a
// page): Linux's getname()/putname().
class UserPath {
public:
    explicit UserPath(uptr user) {
        static_assert(kPathMax <= kPageSize);
        uintptr_t page = page_allocator().alloc_page();
        if (!page) {
            error_ = -ENOMEM;
            return;
        }
        path_ = static_cast<char*>(page_allocator().to_virt(page));
        long len = copy_string_from_user(path_, user, kPathMax);
        if (len < 0) error_ = int(len);  // -EFAULT, or -ENAMETOOLONG past 4095 bytes
    }
    ~UserPath() {
        if (path_) page_allocator().free_page(page_allocator().to_phys(path_));
    }
    UserPath(const UserPath&) = delete;
    UserPath& operator=(const UserPath&) = delete;

    int error() const { return error_; }
    const char* get() const { return path_; }
    bool empty() const { return path_[0] == '\0'; }

private:
    char* path_ = nullptr;
    int error_ = 0;
};

// Where a *at() call's path starts: the cwd for AT_FDCWD or an absolute path
// (whose dirfd is then ignored, even if invalid, as on Linux), else the
// directory open at `dirfd`.
int path_start(int dirfd, const char* path, PathStart* start) {
    if (path[0] == '/' || dirfd == AT_FDCWD) {
        *start = vfs_start();
    } else {
        FileRef dir(fd_file(dirfd));
        if (!dir) return -EBADF;
        if (!dir->inode || !dir->inode->is_dir()) return -ENOTDIR;
        // The Inode outlives the File: nodes are never freed.
        *start = vfs_start_at(dir->inode);
    }
    return start->root ? 0 : -ENOMEM;
}

int stat_to_user(File* file, uptr statbuf) {
    KStat st;
    if (int error = file->stat(&st)) return error;
    return put_user_stat(statbuf, st);
}

// struct iovec, the same on both arches.
struct IoVec {
    uint64_t base;
    uint64_t len;
};

// readv/writev once the segments are in kernel memory.
long transfer_iov(File* file, IoVec* iov, int iovcnt, bool writing) {
    // Validate every segment before moving a byte, in Linux's order
    // (import_iovec): a length that is negative as an ssize_t is -EINVAL, a
    // segment outside user memory -EFAULT. Each segment then lies inside the
    // user half, so the total cannot overflow an ssize_t (POSIX's other
    // -EINVAL); it is cut to MAX_RW_COUNT.
    uint64_t total = 0;
    for (int i = 0; i < iovcnt; i++) {
        if (iov[i].len > uint64_t(INT64_MAX)) return -EINVAL;
        if (!user_range_ok(iov[i].base, iov[i].len)) return -EFAULT;
        total += iov[i].len;  // at most 1024 x 2^48: no overflow
    }
    size_t remaining = total < kMaxRwCount ? size_t(total) : kMaxRwCount;

    long done = 0;
    for (int i = 0; i < iovcnt && remaining > 0; i++) {
        size_t len = iov[i].len < remaining ? size_t(iov[i].len) : remaining;
        if (len == 0) continue;
        UserBuffer buf{iov[i].base, len};
        long n = writing ? file->write(buf, &file->offset) : file->read(buf, &file->offset);
        if (n < 0) return done > 0 ? done : n;  // an error after some progress: the progress
        done += n;
        remaining -= size_t(n);
        // A short transfer ends the call, as it would end one read()/write().
        if (size_t(n) < len) break;
        // A stream (console, pipe) gives what it has in one read; asking
        // again for the next segment would block with data already in hand
        // (Linux avoids it by passing all segments to one ->read_iter).
        if (!writing && !file->seekable) break;
    }
    return done;
}

long readv_writev(int fd, uptr user_iov, int iovcnt, bool writing) {
    FileRef file(fd_file(fd));
    if (!file) return -EBADF;
    if (writing ? !file->writable : !file->readable) return -EBADF;
    if (iovcnt < 0 || iovcnt > kMaxIov) return -EINVAL;
    if (iovcnt == 0) return 0;

    IoVec on_stack[kFastIov];
    IoVec* iov = on_stack;
    if (iovcnt > kFastIov) {
        iov = static_cast<IoVec*>(kmalloc(size_t(iovcnt) * sizeof(IoVec)));  // at most 16 KiB
        if (!iov) return -ENOMEM;
    }
    // One copy of the array: the user cannot change a segment between our
    // check and our use of it.
    long result = copy_from_user(iov, user_iov, size_t(iovcnt) * sizeof(IoVec));
    if (result == 0) result = transfer_iov(file.get(), iov, iovcnt, writing);
    if (iov != on_stack) kfree(iov);
    return result;
}

}  // namespace

long sys_read(int fd, uptr buf, size_t count) {
    FileRef file(fd_file(fd));
    if (!file || !file->readable) return -EBADF;
    // The whole range must be user memory (Linux's access_ok in vfs_read /
    // vfs_write, before the clamp): a count that wraps is -EFAULT.
    if (!user_range_ok(buf, count)) return -EFAULT;
    if (count > kMaxRwCount) count = kMaxRwCount;
    return file->read(UserBuffer{buf, count}, &file->offset);
}

long sys_write(int fd, uptr buf, size_t count) {
    FileRef file(fd_file(fd));
    if (!file || !file->writable) return -EBADF;
    // The whole range must be user memory (Linux's access_ok in vfs_read /
    // vfs_write, before the clamp): a count that wraps is -EFAULT.
    if (!user_range_ok(buf, count)) return -EFAULT;
    if (count > kMaxRwCount) count = kMaxRwCount;
    return file->write(UserBuffer{buf, count}, &file->offset);
}

long sys_pread64(int fd, uptr buf, size_t count, int64_t offset) {
    FileRef file(fd_file(fd));
    if (!file || !file->readable) return -EBADF;
    if (offset < 0) return -EINVAL;
    if (!file->seekable) return -ESPIPE;
    // The whole range must be user memory (Linux's access_ok in vfs_read /
    // vfs_write, before the clamp): a count that wraps is -EFAULT.
    if (!user_range_ok(buf, count)) return -EFAULT;
    if (count > kMaxRwCount) count = kMaxRwCount;
    // Reads at `offset` without moving the file's own position.
    uint64_t position = uint64_t(offset);
    return file->read(UserBuffer{buf, count}, &position);
}

long sys_readv(int fd, uptr iov, int iovcnt) { return readv_writev(fd, iov, iovcnt, false); }
long sys_writev(int fd, uptr iov, int iovcnt) { return readv_writev(fd, iov, iovcnt, true); }

long sys_openat(int dirfd, uptr path, int flags, unsigned /*mode: nothing can be created*/) {
    FdTable* table = fd_table();
    if (!table) return -EMFILE;
    UserPath name(path);
    if (name.error()) return name.error();
    if (name.empty()) return -ENOENT;
    PathStart start;
    if (int error = path_start(dirfd, name.get(), &start)) return error;
    int error;
    File* file = path_open(start, name.get(), flags, &error);
    if (!file) return error;
    int fd = table->install(file, 0, flags & O_CLOEXEC);
    if (fd < 0) file->put();
    return fd;
}

long sys_close(int fd) {
    FdTable* table = fd_table();
    return table ? table->close(fd) : -EBADF;
}

long sys_fstat(int fd, uptr statbuf) {
    FileRef file(fd_file(fd));
    if (!file) return -EBADF;
    return stat_to_user(file.get(), statbuf);
}

long sys_newfstatat(int dirfd, uptr path, uptr statbuf, int flags) {
    // No symlinks or automounts here, so those two flags change nothing.
    if (flags & ~(AT_SYMLINK_NOFOLLOW | AT_NO_AUTOMOUNT | AT_EMPTY_PATH)) return -EINVAL;
    UserPath name(path);
    if (name.error()) return name.error();
    if (name.empty()) {
        // fstatat(fd, "", buf, AT_EMPTY_PATH) is fstat(fd) (musl implements
        // fstat() this way).
        if (!(flags & AT_EMPTY_PATH)) return -ENOENT;
        if (dirfd != AT_FDCWD) return sys_fstat(dirfd, statbuf);
    }
    PathStart start;
    if (int error = path_start(dirfd, name.get(), &start)) return error;
    Inode* node = start.cwd;  // "" with AT_FDCWD: the working directory
    if (!name.empty()) {
        Lookup found;
        if (int error = path_lookup(start, name.get(), &found)) return error;
        node = found.node;
    }
    KStat st;
    inode_stat(node, &st);
    return put_user_stat(statbuf, st);
}

long sys_lseek(int fd, int64_t offset, int whence) {
    FileRef file(fd_file(fd));
    if (!file) return -EBADF;
    return file->lseek(&file->offset, offset, whence);
}

long sys_ioctl(int fd, unsigned long request, uptr arg) {
    FileRef file(fd_file(fd));
    if (!file) return -EBADF;
    // Linux's ioctl takes the request as an unsigned int: the upper half of
    // the register is ignored.
    return file->ioctl(uint32_t(request), arg);
}

long sys_getdents64(int fd, uptr dirp, size_t count) {
    FileRef file(fd_file(fd));
    if (!file) return -EBADF;
    count = uint32_t(count);  // Linux: unsigned int count
    if (!user_range_ok(dirp, count)) return -EFAULT;
    return file->getdents64(UserBuffer{dirp, count}, &file->offset);
}

long sys_dup(int fd) {
    FdTable* table = fd_table();
    File* file = table ? table->lookup(fd) : nullptr;
    if (!file) return -EBADF;
    int new_fd = table->install(file, 0, false);  // a dup never inherits O_CLOEXEC
    if (new_fd < 0) file->put();
    return new_fd;
}

long sys_dup3(int oldfd, int newfd, int flags) {
    // Linux's order of checks (ksys_dup3).
    if (flags & ~O_CLOEXEC) return -EINVAL;
    if (oldfd == newfd) return -EINVAL;  // dup2 would return newfd; dup3 refuses
    if (newfd < 0 || newfd >= FdTable::kMaxFds) return -EBADF;
    FdTable* table = fd_table();
    File* file = table ? table->lookup(oldfd) : nullptr;
    if (!file) return -EBADF;
    return table->install_at(newfd, file, flags & O_CLOEXEC);  // cannot fail now
}

long sys_getcwd(uptr buf, size_t size) {
    char cwd[sizeof Process::cwd];
    long len = vfs_getcwd(cwd, size < sizeof cwd ? size : sizeof cwd);
    if (len < 0) return len;  // -ERANGE: the buffer is too small
    if (copy_to_user(buf, cwd, size_t(len) + 1)) return -EFAULT;
    return len + 1;  // Linux's getcwd returns the length with the NUL
}

long sys_chdir(uptr path) {
    UserPath name(path);
    if (name.error()) return name.error();
    if (name.empty()) return -ENOENT;
    return vfs_chdir(name.get());
}
