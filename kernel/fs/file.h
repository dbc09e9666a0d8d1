// kernel/fs/file.h - open files and file-descriptor tables.
//
// A File is what a file descriptor refers to: an open initramfs file, a
// directory, the console, later a pipe, socket, epoll or eventfd. Each kind
// implements the operations it supports; the rest fail like Linux does
// (-EINVAL / -ESPIPE / -ENOTTY / -ENOTDIR). Files are reference counted: dup,
// fork-like clones and the fd table each hold a reference. Compare xv6's
// file.c and Linux's struct file / file_operations.
//
// Data moves between files and user memory only through UserBuffer, which
// goes through kernel/uaccess.h: a bad pointer gives -EFAULT, never a crash.
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "kernel/fs/poll.h"
#include "kernel/sync/spinlock.h"

struct Inode;  // kernel/fs/inode.h

// A user-space byte range [address, address+size) (or, for the kernel's own
// reads such as execve loading a program or the in-kernel tests, a kernel
// buffer).
struct UserBuffer {
    uintptr_t address;
    size_t size;
    bool kernel = false;  // address is a kernel pointer (no user checks)

    // Copy `n` bytes to/from offset `at` of this buffer: 0, or -EFAULT for a
    // bad user address or a range outside [0, size).
    int write(size_t at, const void* src, size_t n) const;
    int read(size_t at, void* dst, size_t n) const;
};

// Linux's struct stat, as each arch's ABI lays it out (arch/<arch>/... in
// Linux: x86-64 has its own order; AArch64 uses asm-generic's).
struct KStat {
    uint64_t dev, ino;
    uint32_t mode, nlink, uid, gid;
    uint64_t rdev;
    int64_t size, blksize, blocks;
    int64_t atime_sec, atime_nsec, mtime_sec, mtime_nsec, ctime_sec, ctime_nsec;
};
// Fills the arch's `struct stat` layout at user address `out` (kernel/fs/stat.cpp).
// 0 or -EFAULT.
int put_user_stat(uintptr_t out, const KStat& st);

// File mode bits (Linux's S_IF*): the type is mode & kModeTypeMask.
constexpr uint32_t kModeTypeMask = 0170000;
constexpr uint32_t kModeFifo = 0010000, kModeChar = 0020000, kModeDir = 0040000,
                   kModeBlock = 0060000, kModeRegular = 0100000, kModeSymlink = 0120000,
                   kModeSocket = 0140000;

// Linux's device numbers as stat() shows them (new_encode_dev in
// include/linux/kdev_t.h): minor's low byte, major, then minor's high bits.
constexpr uint64_t linux_dev(uint32_t major, uint32_t minor) {
    return (minor & 0xff) | (uint64_t(major & 0xfff) << 8) | (uint64_t(minor & ~0xffu) << 12);
}

// What a File is, for the calls that work on one kind only (epoll_ctl wants an epoll, accept a
// socket). Linux compares f_op with the kind's file_operations; we have no RTTI.
enum class FileKind : uint8_t { kOther, kEpoll, kSocket };

class File {
public:
    virtual ~File() = default;
    // `offset` is &this->offset for read()/write(), a caller's copy for
    // pread64(); files without a position ignore it.
    virtual long read(const UserBuffer& buf, uint64_t* offset);    // default -EINVAL
    virtual long write(const UserBuffer& buf, uint64_t* offset);   // default -EINVAL
    virtual long lseek(uint64_t* offset, int64_t delta, int whence);  // default -ESPIPE
    virtual long ioctl(unsigned long request, uintptr_t arg);      // default -ENOTTY
    // Default: the inode's attributes (every file opened by path has one).
    virtual int stat(KStat* st);
    // Directory listing: writes linux_dirent64 records. 0 at the end.
    virtual long getdents64(const UserBuffer& buf, uint64_t* offset);  // default -ENOTDIR
    // Readiness for epoll (kernel/fs/poll.h): which kEpoll* events hold right now. Only asked
    // of files that have a PollHead.
    virtual uint32_t poll() { return 0; }
    // Where epoll registrations of this file hang; nullptr (the default): the file cannot be
    // watched (regular files, directories: epoll_ctl says EPERM, as Linux's).
    virtual PollHead* poll_head() { return nullptr; }

    FileKind kind = FileKind::kOther;
    // Is reading/writing allowed by the open mode?
    bool readable = true, writable = true;
    // Has a position that lseek/pread may set (Linux: FMODE_LSEEK|FMODE_PREAD).
    // Streams (console, pipes) do not: pread64 on them is -ESPIPE.
    bool seekable = false;
    // Offset for read/write/lseek (shared by dups, as in Linux).
    uint64_t offset = 0;
    int open_flags = 0;
    // The namespace node this was opened from (nullptr for pipes, sockets).
    // Nodes are never freed while the system runs: the tree is read-only.
    Inode* inode = nullptr;

    void get() { __atomic_add_fetch(&refs_, 1, __ATOMIC_RELAXED); }
    // A reference unless the file is already being freed (its count reached 0): for holders of
    // a plain pointer, such as a socket's pointer to its peer (Linux's get_file_rcu).
    bool try_get() {
        int refs = __atomic_load_n(&refs_, __ATOMIC_RELAXED);
        while (refs != 0) {
            if (__atomic_compare_exchange_n(&refs_, &refs, refs + 1, true, __ATOMIC_ACQUIRE,
                                            __ATOMIC_RELAXED))
                return true;
        }
        return false;
    }
    void put() {
        if (__atomic_sub_fetch(&refs_, 1, __ATOMIC_ACQ_REL) != 0) return;
        // The last reference (every descriptor closed): no epoll may watch us any more.
        if (PollHead* head = poll_head()) eventpoll_release(this, head);
        delete this;
    }
    int ref_count() const { return __atomic_load_n(&refs_, __ATOMIC_RELAXED); }  // tests

private:
    int refs_ = 1;
};

// Holds one File reference for a scope and drops it at the end, so every
// return path of a system call puts what it looked up (Linux's fdget/fdput).
class FileRef {
public:
    explicit FileRef(File* file = nullptr) : file_(file) {}
    ~FileRef() {
        if (file_) file_->put();
    }
    FileRef(const FileRef&) = delete;
    FileRef& operator=(const FileRef&) = delete;

    File* get() const { return file_; }
    File* operator->() const { return file_; }
    explicit operator bool() const { return file_ != nullptr; }
    // Gives the reference away (e.g. to an fd table).
    File* release() {
        File* file = file_;
        file_ = nullptr;
        return file;
    }

private:
    File* file_;
};

// lseek() for files with a position and an end (Linux's
// generic_file_llseek_size): SEEK_SET / SEEK_CUR / SEEK_END relative to
// `end`. A negative or overflowing result is -EINVAL and leaves *offset
// alone. Returns the new offset.
long generic_lseek(uint64_t* offset, int64_t delta, int whence, uint64_t end);

// A process's file-descriptor table (Linux's files_struct). Thread-safe.
// The slot arrays start small and double when full, up to kMaxFds (Linux's
// expand_files), so a process with three descriptors costs a few hundred
// bytes and one with 20,000 sockets still fits.
class FdTable {
public:
    // Linux's default RLIMIT_NOFILE soft limit is 1024 (hard: 4096..1M); a
    // server holding tens of thousands of connections raises it with
    // setrlimit. Handoff has no rlimits: every process may have this many.
    static constexpr int kMaxFds = 65536;
    static constexpr int kInitialFds = 64;

    static FdTable* create();         // nullptr when out of memory
    FdTable* clone();                 // a copy sharing the Files (fork); nullptr on OOM
    void get();
    void put();                       // the last put closes every descriptor

    // Installs `file` at the lowest free descriptor >= `min` and takes the
    // caller's reference. The descriptor, or -EMFILE (no free one) / -EINVAL
    // (min out of range); then the caller still owns its reference.
    int install(File* file, int min = 0, bool cloexec = false);
    // Installs at exactly `fd`, closing what was there (dup2/dup3), and takes
    // the caller's reference. `fd`, or -EBADF if out of range (caller keeps it).
    int install_at(int fd, File* file, bool cloexec);
    // A new reference to the File at fd, or nullptr (-EBADF for the caller).
    File* lookup(int fd);
    int close(int fd);                // 0 or -EBADF
    void close_on_exec();             // execve: close every O_CLOEXEC descriptor
    int count_open() const;
    bool is_cloexec(int fd) const;    // false for a closed or invalid fd

private:
    FdTable() = default;
    ~FdTable();
    // Makes the arrays at least `want` slots (a power of two up to kMaxFds).
    // Takes and drops lock_ itself. False when out of memory.
    bool grow(int want);
    mutable SpinLock lock_;
    File** files_ = nullptr;    // capacity_ slots (nullptr: empty)
    bool* cloexec_ = nullptr;
    int capacity_ = 0;
    int next_free_ = 0;         // no free slot below this (Linux's next_fd)
    int refs_ = 1;
};
