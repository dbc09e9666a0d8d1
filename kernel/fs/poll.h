// kernel/fs/poll.h - readiness: how epoll learns that a file can be read or written.
//
// Two questions, two pieces (Linux: f_op->poll with a poll_table, and the wait-queue callback
// ep_poll_callback in fs/eventpoll.c):
//   "Is it ready now?"        File::poll() returns a mask of the events below, computed under
//                             the file's own lock (a pipe with bytes in it is kEpollIn).
//   "Tell me when it changes" a pollable file owns a PollHead; epoll hangs one EpItem per
//                             (epoll, file) pair on it, and the file calls poll_wake() with a
//                             hint of what changed (data in: kEpollIn; room: kEpollOut; an end
//                             closed: hang-up) after every change a reader or writer could be
//                             waiting for -- the same places it wakes its own blocked threads.
// poll_wake() only queues the items whose interest matches the hint on their epoll's ready list
// and wakes ONE thread waiting in that epoll_wait; the waiter then asks File::poll() for the
// truth. Files that return no PollHead (regular files, directories) cannot be watched:
// epoll_ctl says EPERM, as Linux does.
//
// Lock order: epoll's lock (kernel/fs/eventpoll.cpp), then a file's own lock (inside poll()).
// So a file must call poll_wake() AFTER releasing its own lock, never while holding it.
#pragma once

#include <stdint.h>

#include "kernel/lib/list.h"

class File;
struct EpItem;

// Linux's event bits (include/uapi/linux/eventpoll.h; equal to poll(2)'s POLL*).
constexpr uint32_t kEpollIn = 0x001, kEpollPri = 0x002, kEpollOut = 0x004, kEpollErr = 0x008,
                   kEpollHup = 0x010, kEpollRdNorm = 0x040, kEpollRdBand = 0x080,
                   kEpollWrNorm = 0x100, kEpollWrBand = 0x200, kEpollMsg = 0x400,
                   kEpollRdHup = 0x2000;
// Flags of a registration, not events.
constexpr uint32_t kEpollExclusive = 1u << 28, kEpollWakeup = 1u << 29,
                   kEpollOneshot = 1u << 30, kEpollEt = 1u << 31;
// Reported whether asked for or not (Linux: EPOLLERR | EPOLLHUP).
constexpr uint32_t kEpollAlways = kEpollErr | kEpollHup;
// "Something about reading / writing / the connection changed": the hints files pass.
constexpr uint32_t kPollReadable = kEpollIn | kEpollRdNorm;
constexpr uint32_t kPollWritable = kEpollOut | kEpollWrNorm;
constexpr uint32_t kPollHangup = kEpollIn | kEpollRdNorm | kEpollOut | kEpollWrNorm | kEpollHup |
                                 kEpollErr | kEpollRdHup;

struct Epoll;  // kernel/fs/eventpoll.cpp

// One registration: this epoll watches `fd`, which refers to `file` (Linux's struct epitem).
// On three lists: its epoll's interest list, the file's PollHead, and while it may be ready its
// epoll's ready list. All guarded by epoll's lock.
struct EpItem {
    Epoll* ep = nullptr;
    File* file = nullptr;   // not a reference: eventpoll_release unhooks us before it goes
    int fd = -1;            // with `file`, the key (Linux keys by the pair too)
    uint32_t events = 0;    // what user space asked for, with kEpollEt / kEpollOneshot
    uint64_t data = 0;      // handed back untouched in each event
    ListNode interest_node, head_node, ready_node;
};

// Where the epoll registrations of one file (or of both ends of one pipe) hang. Its owner keeps
// it alive until every File that returns it is gone: the last put of a File unhooks that file's
// items first (eventpoll_release, called from File::put).
struct PollHead {
    IntrusiveList<EpItem, &EpItem::head_node> items;
    int watchers = 0;  // items.size(), readable without the lock (poll_wake's quick check)
};

// A pollable file changed: queue the items on `head` whose interest meets `hint` (or that always
// hear about errors and hang-ups) and wake a thread waiting for each of their epolls. Cheap when
// nobody watches. Call with no lock of the file held.
void poll_wake(PollHead* head, uint32_t hint);

// The last reference to `file` is going away: remove it from every epoll that watches it, as
// Linux does on the last close of an open file (eventpoll_release). Called by File::put.
void eventpoll_release(File* file, PollHead* head);
