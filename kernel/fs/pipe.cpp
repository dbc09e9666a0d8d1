// kernel/fs/pipe.cpp - see pipe.h.
//
// The bytes sit in a ring of kPipeCapacity bytes (16 pages from the page
// allocator) with two counters that only grow, as in xv6:
//   nread     bytes ever read       slot = counter % kPipeCapacity
//   nwritten  bytes ever written    nwritten - nread = bytes in the pipe
// Data moves straight between the ring and the user's buffer (uaccess.h),
// which is why this is not kernel/lib/ring_buffer.h (that one copies from
// kernel memory, and keeps its bytes inside itself).
//
// One WaitQueue serves both sides, and its lock guards every field of the
// Pipe. One queue is enough because readers and writers never wait at the
// same time: a reader waits only while the pipe is empty, a writer only
// while it holds more than capacity - PIPE_BUF bytes, so never when empty.
// Whoever changes the pipe in a way the other side waits for (data in, room
// out, an end closed) calls wake_all(); the woken re-check under the lock.
// Doing the transfer inside the wait_until() condition keeps "is there
// data?" and "take it" one locked step: no other reader can empty the pipe
// between them.
//
// Copying user memory with a spinlock held is fine here: a page fault in
// copy_user only pages memory in (demand paging), which takes the address
// space's spinlock and never sleeps. Linux holds pipe->mutex, a sleeping
// lock, across its copies for the same reason. Lock order: the pipe's lock,
// then the address space's.
//
// epoll asks a pipe end whether it is ready (poll(), Linux's pipe_poll()),
// under the pipe's lock: the read end is readable when nwritten != nread, and
// says hang-up once every write end is closed; the write end is writable when
// at least PIPE_BUF bytes fit, and says error once every read end is closed.
// Both ends share one PollHead: every wake_all() below is a readiness change
// and is followed by poll_wake() with what changed.
#include "kernel/fs/pipe.h"

#include "kernel/errno.h"
#include "kernel/fs/linux_abi.h"
#include "kernel/fs/poll.h"
#include "kernel/mm/page_alloc.h"
#include "kernel/proc/process.h"
#include "kernel/sched/sched.h"
#include "kernel/syscall/handlers.h"
#include "kernel/uaccess.h"

namespace {

// kPipeCapacity as a buddy order: 2^4 pages.
constexpr unsigned kBufferOrder = 4;
static_assert((kPageSize << kBufferOrder) == kPipeCapacity);

// Linux's FIONREAD (asm-generic/ioctls.h): bytes ready to read.
constexpr unsigned long FIONREAD = 0x541B;

long g_pipes = 0;          // alive, for tests
uint64_t g_next_ino = 1;   // st_ino of each pipe (Linux numbers them in pipefs)

struct Pipe {
    WaitQueue waiters;      // readers and writers; its lock guards all below
    PollHead poll_head;     // epoll registrations on either end (epoll's lock guards it)
    uint8_t* ring = nullptr;
    uint64_t nread = 0, nwritten = 0;
    int readers = 0, writers = 0;  // open ends
    int refs = 0;           // PipeFiles pointing here (atomic): the last frees it
    uint64_t ino = 0;

    size_t used() const { return size_t(nwritten - nread); }
    size_t room() const { return kPipeCapacity - used(); }
};

void pipe_free(Pipe* pipe) {
    page_allocator().free_pages(page_allocator().to_phys(pipe->ring), kBufferOrder);
    delete pipe;
    __atomic_sub_fetch(&g_pipes, 1, __ATOMIC_RELAXED);
}

class PipeFile final : public File {
public:
    PipeFile(Pipe* pipe, bool reader) : pipe_(pipe), reader_(reader) {
        __atomic_add_fetch(&pipe->refs, 1, __ATOMIC_RELAXED);
    }

    // The last reference to this end is gone (every descriptor for it
    // closed): the other side may now see EOF or EPIPE.
    ~PipeFile() override {
        {
            SpinLockGuard guard(pipe_->waiters.lock());
            if (reader_)
                pipe_->readers--;
            else
                pipe_->writers--;
        }
        pipe_->waiters.wake_all();
        poll_wake(&pipe_->poll_head, kPollHangup);
        if (__atomic_sub_fetch(&pipe_->refs, 1, __ATOMIC_ACQ_REL) == 0) pipe_free(pipe_);
    }

    long read(const UserBuffer& buf, uint64_t*) override;
    long write(const UserBuffer& buf, uint64_t*) override;
    PollHead* poll_head() override { return &pipe_->poll_head; }

    uint32_t poll() override {
        SpinLockGuard guard(pipe_->waiters.lock());
        uint32_t events = 0;
        if (reader_) {
            if (pipe_->used() > 0) events |= kEpollIn | kEpollRdNorm;
            if (pipe_->writers == 0) events |= kEpollHup;
        } else {
            if (pipe_->room() >= kPipeBuf) events |= kEpollOut | kEpollWrNorm;
            if (pipe_->readers == 0) events |= kEpollErr;
        }
        return events;
    }

    int stat(KStat* st) override {
        *st = {};
        st->dev = linux_dev(0, 12);  // an anonymous device, like Linux's pipefs
        st->ino = pipe_->ino;
        st->mode = kModeFifo | 0600;
        st->nlink = 1;
        st->blksize = 4096;
        return 0;
    }

    long ioctl(unsigned long request, uintptr_t arg) override {
        if (request != FIONREAD) return -ENOTTY;
        int ready;
        {
            SpinLockGuard guard(pipe_->waiters.lock());
            ready = int(pipe_->used());
        }
        return put_user(arg, ready);
    }

private:
    bool nonblocking() const { return open_flags & O_NONBLOCK; }
    bool try_read(const UserBuffer& buf, long* result);
    bool try_write(const UserBuffer& buf, size_t done, long* result);

    Pipe* pipe_;
    bool reader_;
};

// Copies `n` bytes between the ring at counter `pos` and the user's buffer
// at offset `at`, in at most two pieces (the ring wraps around). 0 or -EFAULT.
int copy_ring(Pipe* pipe, uint64_t pos, const UserBuffer& buf, size_t at, size_t n, bool to_user) {
    while (n > 0) {
        size_t slot = size_t(pos % kPipeCapacity);
        size_t piece = kPipeCapacity - slot < n ? kPipeCapacity - slot : n;
        int error = to_user ? buf.write(at, pipe->ring + slot, piece) : buf.read(at, pipe->ring + slot, piece);
        if (error) return error;
        pos += piece;
        at += piece;
        n -= piece;
    }
    return 0;
}

// One attempt at a read, with the pipe locked. True when the read is over
// (*result: bytes read, 0 for EOF, or -errno); false to wait for a writer.
bool PipeFile::try_read(const UserBuffer& buf, long* result) {
    Pipe* pipe = pipe_;
    size_t n = pipe->used();
    if (n == 0) {
        if (pipe->writers == 0) {
            *result = 0;  // empty and nobody can write any more: end of file
            return true;
        }
        if (nonblocking()) {
            *result = -EAGAIN;
            return true;
        }
        return false;
    }
    if (n > buf.size) n = buf.size;
    // A bad buffer consumes nothing: the bytes stay for the next read.
    if (int error = copy_ring(pipe, pipe->nread, buf, 0, n, true)) {
        *result = error;
        return true;
    }
    pipe->nread += n;
    *result = long(n);
    return true;
}

long PipeFile::read(const UserBuffer& buf, uint64_t*) {
    if (buf.size == 0) return 0;
    long result = 0;
    if (!pipe_->waiters.wait_until([&] { return try_read(buf, &result); }, "pipe")) return -EINTR;
    if (result > 0) {
        pipe_->waiters.wake_all();  // room for waiting writers
        poll_wake(&pipe_->poll_head, kPollWritable);
    }
    return result;
}

// One step of a write, with the pipe locked: copies as much of buf[done..]
// as the rules allow. True when this step is over (*result: bytes copied
// now, or -errno); false to wait for a reader to make room.
bool PipeFile::try_write(const UserBuffer& buf, size_t done, long* result) {
    Pipe* pipe = pipe_;
    if (pipe->readers == 0) {
        *result = -EPIPE;  // Linux would also raise SIGPIPE here
        return true;
    }
    size_t left = buf.size - done;
    size_t room = pipe->room();
    // Up to PIPE_BUF bytes go in whole or not at all; more may be split.
    bool atomic = buf.size <= kPipeBuf;
    if (room == 0 || (atomic && room < left)) {
        if (!nonblocking()) return false;
        *result = -EAGAIN;
        return true;
    }
    size_t n = left < room ? left : room;
    if (int error = copy_ring(pipe, pipe->nwritten, buf, done, n, false)) {
        *result = error;  // nothing of this piece is added
        return true;
    }
    pipe->nwritten += n;
    *result = long(n);
    return true;
}

long PipeFile::write(const UserBuffer& buf, uint64_t*) {
    if (buf.size == 0) return 0;  // Linux: before even looking at the readers
    size_t done = 0;
    while (done < buf.size) {
        long step = 0;
        if (!pipe_->waiters.wait_until([&] { return try_write(buf, done, &step); }, "pipe"))
            return done ? long(done) : -EINTR;  // killed while waiting
        // An error after some progress reports the progress (Linux's
        // pipe_write: "ret ? ret : -EPIPE").
        if (step < 0) return done ? long(done) : step;
        done += size_t(step);
        pipe_->waiters.wake_all();  // data for waiting readers
        poll_wake(&pipe_->poll_head, kPollReadable);
    }
    return long(done);
}

}  // namespace

int pipe_create(File** read_end, File** write_end, bool nonblock) {
    Pipe* pipe = new Pipe;
    if (!pipe) return -ENOMEM;
    uintptr_t ring = page_allocator().alloc_pages(kBufferOrder);
    if (!ring) {
        delete pipe;
        return -ENOMEM;
    }
    pipe->ring = static_cast<uint8_t*>(page_allocator().to_virt(ring));
    pipe->readers = pipe->writers = 1;
    pipe->ino = __atomic_fetch_add(&g_next_ino, 1, __ATOMIC_RELAXED);
    __atomic_add_fetch(&g_pipes, 1, __ATOMIC_RELAXED);

    PipeFile* reader = new PipeFile(pipe, true);
    PipeFile* writer = reader ? new PipeFile(pipe, false) : nullptr;
    if (!writer) {
        if (reader)
            reader->put();  // closes the read end and frees the pipe (its only reference)
        else
            pipe_free(pipe);
        return -ENOMEM;
    }
    int status = nonblock ? O_NONBLOCK : 0;
    reader->readable = true, reader->writable = false, reader->open_flags = O_RDONLY | status;
    writer->readable = false, writer->writable = true, writer->open_flags = O_WRONLY | status;
    *read_end = reader;
    *write_end = writer;
    return 0;
}

long pipe_count() { return __atomic_load_n(&g_pipes, __ATOMIC_RELAXED); }

// ---- pipe2(2) and pipe(2) ------------------------------------------------------
long sys_pipe2(uptr user_fds, int flags) {
    // Linux also accepts O_DIRECT (packet mode) and O_NOTIFICATION_PIPE;
    // Handoff has neither.
    if (flags & ~(O_NONBLOCK | O_CLOEXEC)) return -EINVAL;
    Process* process = current_process();
    FdTable* table = process ? process->files : nullptr;
    if (!table) return -EMFILE;
    File* ends[2];
    if (int error = pipe_create(&ends[0], &ends[1], flags & O_NONBLOCK)) return error;
    bool cloexec = flags & O_CLOEXEC;
    int fds[2];
    fds[0] = table->install(ends[0], 0, cloexec);
    if (fds[0] < 0) {
        ends[0]->put();
        ends[1]->put();
        return fds[0];
    }
    fds[1] = table->install(ends[1], 0, cloexec);
    if (fds[1] < 0) {
        table->close(fds[0]);
        ends[1]->put();
        return fds[1];
    }
    // Linux copies the two numbers out before it installs the files, so a
    // bad pointer leaves no trace; here the descriptors existed for a moment
    // (another thread could have seen them) and are closed again.
    if (copy_to_user(user_fds, fds, sizeof fds)) {
        table->close(fds[0]);
        table->close(fds[1]);
        return -EFAULT;
    }
    return 0;
}

long sys_pipe(uptr user_fds) { return sys_pipe2(user_fds, 0); }
