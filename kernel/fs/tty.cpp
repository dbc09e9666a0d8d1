// kernel/fs/tty.cpp - see tty.h.
//
// The input lives in one circular buffer with three counters, exactly as in
// xv6's console.c:
//
//        r               w               e
//   ... [ complete lines | line being typed ] free ...
//
//   r  next byte a reader takes          w  end of the completed lines
//   e  end of what has been typed        (r <= w <= e; slot = counter % size)
//
// Typing appends at e; backspace takes back from e, but never below w (a
// completed line cannot be edited); Enter moves w up to e, which is what
// makes a line readable. The counters only grow, so e - r is the fill level
// even when they wrap. (kernel/lib/ring_buffer.h cannot take bytes back
// from its tail, which line editing needs.)
#include "kernel/fs/tty.h"

#include "kernel/console.h"
#include "kernel/errno.h"
#include "kernel/proc/process.h"
#include "kernel/sched/sched.h"

namespace {

// Longest line, its NL included. Linux's N_TTY allows 4096; a line must fit
// a reader's on-stack copy below.
constexpr size_t kMaxLine = 256;
constexpr size_t kBufferSize = 1024;  // room for a few lines typed ahead

constexpr char kCtrlC = 0x03, kCtrlD = 0x04, kCtrlH = 0x08, kCtrlU = 0x15, kDelete = 0x7f;
// ^D completes a line like NL but is not part of the data. It is stored as
// itself at the end of its line (so readers know where it was) and never as
// data: typing ^D always ends a line.
constexpr char kEofMark = kCtrlD;

struct Tty {
    char buffer[kBufferSize];
    size_t r = 0, w = 0, e = 0;
    bool echo = true;
};

Tty g_tty;
// Readers blocked until a line is complete. Its lock guards g_tty as well.
WaitQueue g_readers;

char& slot(size_t counter) { return g_tty.buffer[counter % kBufferSize]; }

// Control characters echo as ^X (Linux's ECHOCTL), so they take two columns.
bool is_control(char c) { return (uint8_t(c) < 0x20 && c != '\t' && c != '\n') || c == kDelete; }

void echo(const char* s, size_t n) {
    if (g_tty.echo) console_write(s, n);
}

void echo_char(char c) {
    if (is_control(c)) {
        char caret[2] = {'^', char(c ^ 0x40)};
        echo(caret, 2);
    } else {
        echo(&c, 1);
    }
}

// Takes back the last character typed, and wipes it off the screen. A
// UTF-8 character is one lead byte and its continuation bytes (10xxxxxx):
// they go together, as with Linux's IUTF8.
void erase_char() {
    if (g_tty.e == g_tty.w) return;
    char c;
    do {
        c = slot(--g_tty.e);
    } while (g_tty.e != g_tty.w && (uint8_t(c) & 0xc0) == 0x80);
    for (int columns = is_control(c) ? 2 : 1; columns > 0; columns--) echo("\b \b", 3);
}

// Makes the typed line readable, ended by `delimiter` (NL or the EOF mark).
// Typing always leaves room for the delimiter, except when the buffer was
// already full of unread lines: then the empty line is dropped.
bool complete_line(char delimiter) {
    if (g_tty.e - g_tty.r >= kBufferSize) return false;
    slot(g_tty.e++) = delimiter;
    g_tty.w = g_tty.e;
    return true;
}

// One typed byte, with the lock held. True if it completed a line.
bool input_locked(char c) {
    bool completed = false;
    if (c == '\r') c = '\n';  // ICRNL: terminals send CR for Enter
    switch (c) {
    case kDelete:
    case kCtrlH:
        erase_char();
        break;
    case kCtrlU:
        while (g_tty.e != g_tty.w) erase_char();
        break;
    case kCtrlC:
        // Linux sends SIGINT here (ISIG); with no signals yet, the line goes.
        echo("^C\n", 3);
        g_tty.e = g_tty.w;
        break;
    case '\n':
        echo("\n", 1);
        completed = complete_line('\n');
        break;
    case kCtrlD:
        completed = complete_line(kEofMark);
        break;
    default:
        // Keep one slot for the delimiter; beyond that the byte is dropped
        // (Linux rings the terminal bell).
        if (g_tty.e - g_tty.w < kMaxLine - 1 && g_tty.e - g_tty.r < kBufferSize - 1) {
            slot(g_tty.e++) = c;
            echo_char(c);
        }
        break;
    }
    return completed;
}

// The console's input listener: takes every byte the UART interrupt queued
// in kernel/console.cpp. All under the tty lock, so that two CPUs draining
// at once cannot feed the bytes to the line discipline out of order.
void drain_console() {
    bool completed = false;
    {
        SpinLockGuard guard(g_readers.lock());
        for (int c; (c = console_read_char()) >= 0;) completed |= input_locked(char(c));
    }
    if (completed) {
        g_readers.wake_all();
        poll_wake(tty_poll_head(), kPollReadable);
    }
}

}  // namespace

void tty_init() {
    console_set_input_listener(drain_console);
    drain_console();  // whatever was typed before
}

void tty_input(char c) {
    bool completed;
    {
        SpinLockGuard guard(g_readers.lock());
        completed = input_locked(c);
    }
    // After the lock is dropped: waking takes the queue's lock itself.
    if (completed) {
        g_readers.wake_all();
        poll_wake(tty_poll_head(), kPollReadable);  // epoll watchers of the console
    }
}

PollHead* tty_poll_head() {
    static PollHead head;
    return &head;
}

long tty_read(const UserBuffer& buf, bool nonblock) {
    if (buf.size == 0) return 0;
    char line[kMaxLine];
    size_t n = 0;
    size_t want = buf.size < kMaxLine ? buf.size : kMaxLine;
    // A process being killed must not stay blocked here: its exit wakes its
    // threads, and then this condition lets go. (nullptr: a kernel thread.)
    Process* process = current_process();
    auto exiting = [process] { return process && __atomic_load_n(&process->exiting, __ATOMIC_RELAXED); };
    for (;;) {
        if (!nonblock)
            g_readers.wait_until([&] { return g_tty.r != g_tty.w || exiting(); }, "tty read");
        SpinLockGuard guard(g_readers.lock());
        if (g_tty.r == g_tty.w) {
            if (nonblock) return -EAGAIN;
            if (exiting()) return -EINTR;
            continue;  // another reader was faster
        }
        // Copy up to the end of this line (its NL included, its EOF mark not).
        while (n < want && g_tty.r != g_tty.w) {
            char c = slot(g_tty.r++);
            if (c == kEofMark) break;
            line[n++] = c;
            if (c == '\n') break;
        }
        // A read that fills up right before its line's EOF mark takes the
        // mark too, so the next read does not report a false end of file
        // (n_tty does the same look-ahead).
        if (n == want && line[n - 1] != '\n' && g_tty.r != g_tty.w && slot(g_tty.r) == kEofMark)
            g_tty.r++;
        break;
    }
    // The copy to user memory happens without the lock: it may fault, and a
    // fault may need to sleep. If it fails, the line is lost, as on Linux.
    if (n == 0) return 0;  // ^D on an empty line: end of file
    if (int error = buf.write(0, line, n)) return error;
    return long(n);
}

size_t tty_bytes_ready() {
    SpinLockGuard guard(g_readers.lock());
    return g_tty.w - g_tty.r;
}

void tty_flush_input() {
    SpinLockGuard guard(g_readers.lock());
    g_tty.r = g_tty.w = g_tty.e;
}

void tty_set_echo(bool on) {
    SpinLockGuard guard(g_readers.lock());
    g_tty.echo = on;
}

bool tty_echo() {
    SpinLockGuard guard(g_readers.lock());
    return g_tty.echo;
}
