// kernel/tests/pipe_test.cpp - pipes inside the kernel: ordering, EOF,
// EPIPE, O_NONBLOCK's partial and atomic writes, and blocking readers and
// writers on kernel threads. Data moves through kernel-mode UserBuffers.
// The same rules are tested from user space, against Linux too, by
// user/tests/threadtests.cpp.
#include "kernel/errno.h"
#include "kernel/fs/pipe.h"
#include "kernel/ktest.h"
#include "kernel/lib/string.h"
#include "kernel/tests/kthread_test_support.h"
#include "kernel/tests/mm_test_support.h"

namespace {

UserBuffer kbuf(void* p, size_t n) { return UserBuffer{reinterpret_cast<uintptr_t>(p), n, true}; }

long pipe_read(File* f, void* p, size_t n) { return f->read(kbuf(p, n), &f->offset); }
long pipe_write(File* f, const void* p, size_t n) {
    return f->write(kbuf(const_cast<void*>(p), n), &f->offset);
}

// ---- a writer and a reader thread moving a large stream -------------------------
constexpr size_t kStreamBytes = 256 * 1024;  // four times the pipe

uint8_t pattern(size_t i) { return uint8_t(i * 7 + i / 251); }

struct Stream {
    File* read_end;
    File* write_end;
    long written = 0;
    size_t received = 0;
    bool in_order = true;
    long last_read = 1;  // 0 when the reader saw EOF
    int finished = 0;
};

void stream_writer(void* arg) {
    auto* s = static_cast<Stream*>(arg);
    static uint8_t data[kStreamBytes];  // too big for a kernel stack
    for (size_t i = 0; i < kStreamBytes; i++) data[i] = pattern(i);
    s->written = pipe_write(s->write_end, data, kStreamBytes);  // blocks for room, repeatedly
    s->write_end->put();  // the only write end: the reader sees EOF next
    __atomic_add_fetch(&s->finished, 1, __ATOMIC_RELEASE);
    ktest_thread_exit();
}

void stream_reader(void* arg) {
    auto* s = static_cast<Stream*>(arg);
    uint8_t chunk[1000];  // not a divisor of anything: reads straddle the ring's end
    for (;;) {
        long n = pipe_read(s->read_end, chunk, sizeof chunk);  // blocks while empty
        s->last_read = n;
        if (n <= 0) break;
        for (long i = 0; i < n; i++)
            if (chunk[i] != pattern(s->received + size_t(i))) s->in_order = false;
        s->received += size_t(n);
    }
    __atomic_add_fetch(&s->finished, 1, __ATOMIC_RELEASE);
    ktest_thread_exit();
}

// ---- two writers of PIPE_BUF-sized messages ----------------------------------------
constexpr int kMessages = 40;  // each writer: 40 x 4 KiB, more than the pipe holds

struct Messages {
    File* read_end;
    File* write_end;
    int counts[2] = {};
    bool whole = true;
    int finished = 0;
};
struct MessageWriter {
    Messages* shared;
    uint8_t fill;
    long failures = 0;
};

void message_writer(void* arg) {
    auto* w = static_cast<MessageWriter*>(arg);
    static uint8_t messages[2][kPipeBuf];
    uint8_t* msg = messages[w->fill & 1];
    memset(msg, w->fill, kPipeBuf);
    for (int i = 0; i < kMessages; i++) {
        if (pipe_write(w->shared->write_end, msg, kPipeBuf) != long(kPipeBuf)) w->failures++;
        if (i % 4 == 0) schedule();  // let the other writer in between messages
    }
    __atomic_add_fetch(&w->shared->finished, 1, __ATOMIC_RELEASE);
    ktest_thread_exit();
}

void message_reader(void* arg) {
    auto* m = static_cast<Messages*>(arg);
    static uint8_t msg[kPipeBuf];
    while (m->counts[0] + m->counts[1] < 2 * kMessages) {
        // Every write was exactly PIPE_BUF bytes and atomic, so the pipe
        // always holds whole messages: a 4 KiB read is exactly one.
        if (pipe_read(m->read_end, msg, kPipeBuf) != long(kPipeBuf)) {
            m->whole = false;
            break;
        }
        for (size_t i = 1; i < kPipeBuf; i++)
            if (msg[i] != msg[0]) m->whole = false;
        m->counts[msg[0] == 'B']++;
    }
    __atomic_add_fetch(&m->finished, 1, __ATOMIC_RELEASE);
    ktest_thread_exit();
}

}  // namespace

KTEST(pipe_order_and_eof) {
    LeakCheck leaks;
    long pipes = pipe_count();
    File *r, *w;
    EXPECT_EQ(t, pipe_create(&r, &w, false), 0);
    EXPECT_EQ(t, pipe_write(w, "hello", 5), 5);
    EXPECT_EQ(t, pipe_write(w, ", world", 7), 7);
    EXPECT_EQ(t, pipe_write(w, "", 0), 0);
    char buf[64] = {};
    EXPECT_EQ(t, pipe_read(r, buf, 3), 3);  // a short read leaves the rest
    EXPECT_EQ(t, pipe_read(r, buf + 3, sizeof buf - 3), 9);
    EXPECT(t, memcmp(buf, "hello, world", 12) == 0);
    KStat st;
    EXPECT_EQ(t, r->stat(&st), 0);
    EXPECT_EQ(t, st.mode, kModeFifo | 0600);
    uint64_t pos = 0;
    EXPECT_EQ(t, r->lseek(&pos, 0, 0), -ESPIPE);
    EXPECT(t, !r->seekable && !w->seekable);
    EXPECT(t, r->readable && !r->writable && w->writable && !w->readable);
    w->put();  // the last write end: end of file (not EAGAIN, not a block)
    EXPECT_EQ(t, pipe_read(r, buf, sizeof buf), 0);
    r->put();
    EXPECT_EQ(t, pipe_count(), pipes);
    EXPECT(t, leaks.clean());
}

KTEST(pipe_epipe) {
    LeakCheck leaks;
    File *r, *w;
    EXPECT_EQ(t, pipe_create(&r, &w, false), 0);
    EXPECT_EQ(t, pipe_write(w, "x", 1), 1);
    r->put();  // no reader left: writing fails (Linux would also send SIGPIPE)
    EXPECT_EQ(t, pipe_write(w, "y", 1), -EPIPE);
    w->put();
    EXPECT(t, leaks.clean());
}

KTEST(pipe_nonblock) {
    LeakCheck leaks;
    File *r, *w;
    EXPECT_EQ(t, pipe_create(&r, &w, true), 0);
    static uint8_t big[kPipeCapacity + 1000];
    memset(big, 'a', sizeof big);
    EXPECT_EQ(t, pipe_read(r, big, 10), -EAGAIN);  // empty, writer open
    // A long write takes what fits; then nothing fits at all.
    EXPECT_EQ(t, pipe_write(w, big, sizeof big), long(kPipeCapacity));
    EXPECT_EQ(t, pipe_write(w, big, 1), -EAGAIN);
    EXPECT_EQ(t, pipe_read(r, big, 100), 100);
    // 100 bytes of room: an atomic write (<= PIPE_BUF) must not be split...
    EXPECT_EQ(t, pipe_write(w, big, kPipeBuf), -EAGAIN);
    // ...but a longer one is, and takes exactly the room.
    EXPECT_EQ(t, pipe_write(w, big, kPipeBuf + 1), 100);
    size_t drained = 0;
    long n;
    while ((n = pipe_read(r, big, sizeof big)) > 0) drained += size_t(n);
    EXPECT_EQ(t, n, -EAGAIN);
    EXPECT_EQ(t, drained, kPipeCapacity);
    r->put();
    w->put();
    EXPECT(t, leaks.clean());
}

KTEST(pipe_blocking_stream) {
    LeakCheck leaks;
    long threads = thread_count();
    Stream s;
    EXPECT_EQ(t, pipe_create(&s.read_end, &s.write_end, false), 0);
    // The reader first: it finds the pipe empty and blocks.
    EXPECT(t, ktest_spawn(stream_reader, &s, "pipe-reader"));
    EXPECT(t, ktest_spawn(stream_writer, &s, "pipe-writer"));
    ktest_run_until([&] { return __atomic_load_n(&s.finished, __ATOMIC_ACQUIRE) == 2; });
    EXPECT_EQ(t, s.written, long(kStreamBytes));
    EXPECT_EQ(t, s.received, kStreamBytes);
    EXPECT(t, s.in_order);
    EXPECT_EQ(t, s.last_read, 0);  // EOF after the writer closed
    s.read_end->put();
    ktest_reap_threads(threads);
    EXPECT(t, leaks.clean());
}

KTEST(pipe_atomic_messages) {
    LeakCheck leaks;
    long threads = thread_count();
    Messages m;
    EXPECT_EQ(t, pipe_create(&m.read_end, &m.write_end, false), 0);
    MessageWriter writers[2] = {{&m, 'A'}, {&m, 'B'}};
    EXPECT(t, ktest_spawn(message_writer, &writers[0], "pipe-msg-a"));
    EXPECT(t, ktest_spawn(message_writer, &writers[1], "pipe-msg-b"));
    EXPECT(t, ktest_spawn(message_reader, &m, "pipe-msg-reader"));
    ktest_run_until([&] { return __atomic_load_n(&m.finished, __ATOMIC_ACQUIRE) == 3; });
    EXPECT(t, m.whole);
    EXPECT_EQ(t, m.counts[0], kMessages);
    EXPECT_EQ(t, m.counts[1], kMessages);
    EXPECT_EQ(t, writers[0].failures + writers[1].failures, 0);
    m.read_end->put();
    m.write_end->put();
    ktest_reap_threads(threads);
    EXPECT(t, leaks.clean());
}
