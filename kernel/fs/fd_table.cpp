// kernel/fs/fd_table.cpp - file descriptors: small integers naming Files.
//
// A table of kMaxFds slots, each empty or holding one reference to a File,
// and a close-on-exec bit per slot. New descriptors take the lowest free
// slot (POSIX requires it: programs rely on `close(0); open(...)` giving 0).
// One spinlock guards the slots; a File's last reference is always dropped
// after the lock is released, because destroying a File may do real work
// (wake a pipe's other end, free memory). Compare Linux's fs/file.c
// (alloc_fd, do_dup2, close_fd) and xv6's fdalloc() over proc->ofile[].
#include "kernel/errno.h"
#include "kernel/fs/file.h"

FdTable* FdTable::create() { return new FdTable; }

FdTable* FdTable::clone() {
    FdTable* copy = new FdTable;
    if (!copy) return nullptr;
    SpinLockGuard guard(lock_);
    for (int fd = 0; fd < kMaxFds; fd++) {
        if (File* file = files_[fd]) {
            file->get();
            copy->files_[fd] = file;
            copy->cloexec_[fd] = cloexec_[fd];
        }
    }
    return copy;
}

void FdTable::get() { __atomic_add_fetch(&refs_, 1, __ATOMIC_RELAXED); }

void FdTable::put() {
    if (__atomic_sub_fetch(&refs_, 1, __ATOMIC_ACQ_REL) != 0) return;
    // The last user: nobody else can reach the table, no lock needed.
    for (File* file : files_) {
        if (file) file->put();
    }
    delete this;
}

int FdTable::install(File* file, int min, bool cloexec) {
    if (min < 0 || min >= kMaxFds) return -EINVAL;  // F_DUPFD's answer
    SpinLockGuard guard(lock_);
    for (int fd = min; fd < kMaxFds; fd++) {
        if (!files_[fd]) {
            files_[fd] = file;
            cloexec_[fd] = cloexec;
            return fd;
        }
    }
    return -EMFILE;
}

int FdTable::install_at(int fd, File* file, bool cloexec) {
    if (fd < 0 || fd >= kMaxFds) return -EBADF;
    File* old;
    {
        SpinLockGuard guard(lock_);
        old = files_[fd];
        files_[fd] = file;
        cloexec_[fd] = cloexec;
    }
    // dup2 closes the old file silently, as Linux does.
    if (old) old->put();
    return fd;
}

File* FdTable::lookup(int fd) {
    if (fd < 0 || fd >= kMaxFds) return nullptr;
    SpinLockGuard guard(lock_);
    File* file = files_[fd];
    // The new reference is taken under the lock: a close() on another
    // thread cannot free the File between our load and our get().
    if (file) file->get();
    return file;
}

int FdTable::close(int fd) {
    if (fd < 0 || fd >= kMaxFds) return -EBADF;
    File* file;
    {
        SpinLockGuard guard(lock_);
        file = files_[fd];
        if (!file) return -EBADF;
        files_[fd] = nullptr;
        cloexec_[fd] = false;
    }
    file->put();
    return 0;
}

void FdTable::close_on_exec() {
    for (int fd = 0; fd < kMaxFds; fd++) {
        File* file = nullptr;
        {
            SpinLockGuard guard(lock_);
            if (cloexec_[fd]) {
                file = files_[fd];
                files_[fd] = nullptr;
                cloexec_[fd] = false;
            }
        }
        if (file) file->put();
    }
}

int FdTable::count_open() const {
    SpinLockGuard guard(lock_);
    int count = 0;
    for (File* file : files_) count += file != nullptr;
    return count;
}

bool FdTable::is_cloexec(int fd) const {
    if (fd < 0 || fd >= kMaxFds) return false;
    SpinLockGuard guard(lock_);
    return files_[fd] && cloexec_[fd];
}
