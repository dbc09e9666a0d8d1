// kernel/fs/fd_table.cpp - file descriptors: small integers naming Files.
//
// A table of slots, each empty or holding one reference to a File, and a
// close-on-exec bit per slot; it grows by doubling, up to kMaxFds slots. New descriptors take the lowest free
// slot (POSIX requires it: programs rely on `close(0); open(...)` giving 0).
// One spinlock guards the slots; a File's last reference is always dropped
// after the lock is released, because destroying a File may do real work
// (wake a pipe's other end, free memory). Compare Linux's fs/file.c
// (alloc_fd, do_dup2, close_fd) and xv6's fdalloc() over proc->ofile[].
#include "kernel/errno.h"
#include "kernel/fs/file.h"

FdTable* FdTable::create() {
    FdTable* table = new FdTable;
    if (table && !table->grow(kInitialFds)) {
        delete table;
        return nullptr;
    }
    return table;
}

FdTable::~FdTable() {
    delete[] files_;
    delete[] cloexec_;
}

bool FdTable::grow(int want) {
    int size = kInitialFds;
    while (size < want) size *= 2;
    if (size > kMaxFds) return false;
    // Allocate without the lock (the heap may take a while for big arrays),
    // then copy under it - unless another thread grew the table meanwhile.
    File** files = new File*[size]();
    bool* cloexec = files ? new bool[size]() : nullptr;
    if (!cloexec) {
        delete[] files;
        return false;
    }
    {
        SpinLockGuard guard(lock_);
        if (capacity_ < size) {
            for (int fd = 0; fd < capacity_; fd++) {
                files[fd] = files_[fd];
                cloexec[fd] = cloexec_[fd];
            }
            File** old_files = files_;
            bool* old_cloexec = cloexec_;
            files_ = files;
            cloexec_ = cloexec;
            capacity_ = size;
            files = old_files;  // freed below, outside the lock
            cloexec = old_cloexec;
        }
    }
    delete[] files;
    delete[] cloexec;
    return true;
}

FdTable* FdTable::clone() {
    FdTable* copy = new FdTable;
    if (!copy) return nullptr;
    int capacity;
    {
        SpinLockGuard guard(lock_);
        capacity = capacity_;
    }
    if (!copy->grow(capacity)) {
        delete copy;
        return nullptr;
    }
    SpinLockGuard guard(lock_);
    for (int fd = 0; fd < capacity_ && fd < copy->capacity_; fd++) {
        if (File* file = files_[fd]) {
            file->get();
            copy->files_[fd] = file;
            copy->cloexec_[fd] = cloexec_[fd];
        }
    }
    copy->next_free_ = next_free_;
    return copy;
}

void FdTable::get() { __atomic_add_fetch(&refs_, 1, __ATOMIC_RELAXED); }

void FdTable::put() {
    if (__atomic_sub_fetch(&refs_, 1, __ATOMIC_ACQ_REL) != 0) return;
    // The last user: nobody else can reach the table, no lock needed.
    for (int fd = 0; fd < capacity_; fd++) {
        if (files_[fd]) files_[fd]->put();
    }
    delete this;
}

int FdTable::install(File* file, int min, bool cloexec) {
    if (min < 0 || min >= kMaxFds) return -EINVAL;  // F_DUPFD's answer
    for (;;) {
        int capacity;
        {
            SpinLockGuard guard(lock_);
            // The lowest free slot: none below next_free_, so start there.
            for (int fd = min > next_free_ ? min : next_free_; fd < capacity_; fd++) {
                if (!files_[fd]) {
                    files_[fd] = file;
                    cloexec_[fd] = cloexec;
                    if (min <= next_free_) next_free_ = fd + 1;  // all below fd are taken
                    return fd;
                }
            }
            if (min <= next_free_) next_free_ = capacity_;
            capacity = capacity_;
        }
        // Full: double it (unless at kMaxFds) and look again.
        if (capacity >= kMaxFds) return -EMFILE;
        if (!grow(capacity * 2)) return capacity * 2 > kMaxFds ? -EMFILE : -ENOMEM;
    }
}

int FdTable::install_at(int fd, File* file, bool cloexec) {
    if (fd < 0 || fd >= kMaxFds) return -EBADF;
    if (!grow(fd + 1)) return -ENOMEM;
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
    if (fd < 0) return nullptr;
    SpinLockGuard guard(lock_);
    if (fd >= capacity_) return nullptr;
    File* file = files_[fd];
    // The new reference is taken under the lock: a close() on another
    // thread cannot free the File between our load and our get().
    if (file) file->get();
    return file;
}

int FdTable::close(int fd) {
    if (fd < 0) return -EBADF;
    File* file;
    {
        SpinLockGuard guard(lock_);
        if (fd >= capacity_) return -EBADF;
        file = files_[fd];
        if (!file) return -EBADF;
        files_[fd] = nullptr;
        cloexec_[fd] = false;
        if (fd < next_free_) next_free_ = fd;
    }
    file->put();
    return 0;
}

void FdTable::close_on_exec() {
    for (int fd = 0;; fd++) {
        File* file = nullptr;
        {
            SpinLockGuard guard(lock_);
            if (fd >= capacity_) break;
            if (cloexec_[fd]) {
                file = files_[fd];
                files_[fd] = nullptr;
                cloexec_[fd] = false;
                if (fd < next_free_) next_free_ = fd;
            }
        }
        if (file) file->put();
    }
}

int FdTable::count_open() const {
    SpinLockGuard guard(lock_);
    int count = 0;
    for (int fd = 0; fd < capacity_; fd++) count += files_[fd] != nullptr;
    return count;
}

bool FdTable::is_cloexec(int fd) const {
    if (fd < 0) return false;
    SpinLockGuard guard(lock_);
    return fd < capacity_ && files_[fd] && cloexec_[fd];
}
