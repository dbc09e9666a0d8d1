// kernel/fs/eventfd.cpp - eventfd: a 64-bit counter behind a file descriptor (Linux's
// fs/eventfd.c, eventfd(2)).
//
// write(8 bytes) adds to the counter; read(8 bytes) returns it and resets it to 0 (or, with
// EFD_SEMAPHORE, returns 1 and subtracts 1). A read of a zero counter waits (EAGAIN with
// EFD_NONBLOCK); a write that would take the counter past 2^64 - 2 waits for a read. It is
// readable while the counter is non-zero and writable while 1 more fits - which is all a
// runtime needs to poke a thread asleep in epoll_pwait: Go's netpollBreak writes 1 to an
// eventfd the poller watches.
#include "kernel/errno.h"
#include "kernel/fs/file.h"
#include "kernel/fs/linux_abi.h"
#include "kernel/fs/poll.h"
#include "kernel/proc/process.h"
#include "kernel/sched/sched.h"
#include "kernel/syscall/handlers.h"

namespace {

// Linux's EFD_* flags (their values are O_CLOEXEC and O_NONBLOCK's).
constexpr int EFD_SEMAPHORE = 1, EFD_CLOEXEC = O_CLOEXEC, EFD_NONBLOCK = O_NONBLOCK;
constexpr uint64_t kMax = ~uint64_t(0) - 1;  // ULLONG_MAX - 1: the counter's ceiling

long g_eventfds = 0;  // alive, for tests

class EventFdFile final : public File {
public:
    EventFdFile(uint64_t initial, bool semaphore) : count_(initial), semaphore_(semaphore) {
        __atomic_add_fetch(&g_eventfds, 1, __ATOMIC_RELAXED);
    }
    ~EventFdFile() override { __atomic_sub_fetch(&g_eventfds, 1, __ATOMIC_RELAXED); }

    long read(const UserBuffer& buf, uint64_t*) override {
        if (buf.size < sizeof(uint64_t)) return -EINVAL;
        uint64_t value = 0;
        long result = 0;
        bool done = waiters_.wait_until(
            [&] {
                if (count_ == 0) {
                    if (!nonblocking()) return false;
                    result = -EAGAIN;
                    return true;
                }
                value = semaphore_ ? 1 : count_;
                count_ -= value;
                return true;
            },
            "eventfd");
        if (!done) return -EINTR;
        if (result) return result;
        if (buf.write(0, &value, sizeof value)) {
            restore(value);  // Linux's copy happens first; we put the value back
            return -EFAULT;
        }
        changed(kPollWritable);
        return sizeof value;
    }

    long write(const UserBuffer& buf, uint64_t*) override {
        uint64_t value;
        if (buf.size < sizeof value) return -EINVAL;
        if (buf.read(0, &value, sizeof value)) return -EFAULT;
        if (value == ~uint64_t(0)) return -EINVAL;
        long result = 0;
        bool done = waiters_.wait_until(
            [&] {
                if (kMax - count_ < value) {
                    if (!nonblocking()) return false;
                    result = -EAGAIN;
                    return true;
                }
                count_ += value;
                return true;
            },
            "eventfd");
        if (!done) return -EINTR;
        if (result) return result;
        changed(kPollReadable);
        return sizeof value;
    }

    uint32_t poll() override {
        SpinLockGuard guard(waiters_.lock());
        uint32_t events = 0;
        if (count_ > 0) events |= kEpollIn | kEpollRdNorm;
        if (count_ < kMax) events |= kEpollOut | kEpollWrNorm;
        return events;
    }
    PollHead* poll_head() override { return &poll_head_; }

    int stat(KStat* st) override {
        *st = {};
        st->dev = linux_dev(0, 13);  // an anonymous inode, like Linux's anon_inodefs
        st->mode = 0600;
        st->nlink = 1;
        st->blksize = 4096;
        return 0;
    }

private:
    bool nonblocking() const { return open_flags & O_NONBLOCK; }
    void restore(uint64_t value) {
        {
            SpinLockGuard guard(waiters_.lock());
            count_ += value;
        }
        changed(kPollReadable);
    }
    // The counter changed: wake blocked readers/writers, then epoll watchers.
    void changed(uint32_t hint) {
        waiters_.wake_all();
        poll_wake(&poll_head_, hint);
    }

    WaitQueue waiters_;  // its lock guards count_
    uint64_t count_;
    bool semaphore_;
    PollHead poll_head_;
};

}  // namespace

long eventfd_count() { return __atomic_load_n(&g_eventfds, __ATOMIC_RELAXED); }

long sys_eventfd2(unsigned initval, int flags) {
    if (flags & ~(EFD_SEMAPHORE | EFD_CLOEXEC | EFD_NONBLOCK)) return -EINVAL;
    EventFdFile* file = new EventFdFile(initval, flags & EFD_SEMAPHORE);
    if (!file) return -ENOMEM;
    file->open_flags = O_RDWR | (flags & EFD_NONBLOCK);
    int fd = current_process()->files->install(file, 0, flags & EFD_CLOEXEC);
    if (fd < 0) file->put();
    return fd;
}

// eventfd(initval): the old call (x86-64 only), no flags.
long sys_eventfd(unsigned initval) { return sys_eventfd2(initval, 0); }
