// kernel/fs/eventpoll.cpp - epoll: one thread waits for many files (Linux's fs/eventpoll.c).
//
// An epoll is a File with two lists (see EpItem in poll.h):
//   interest  every (fd, file) registered with epoll_ctl(ADD), with the events wanted;
//   ready     the items that MAY be ready: poll_wake() queued them when their file changed.
// epoll_pwait takes the ready list, asks each file the truth (File::poll), copies out the items
// that really are ready and then:
//   level-triggered (the default)  puts the item back on the ready list, so the next
//                                  epoll_pwait asks again - reported while it stays ready;
//   edge-triggered (EPOLLET)       does not: reported again only after the next change;
//   one-shot (EPOLLONESHOT)        disables it until epoll_ctl(MOD) re-arms it.
// Only when nothing is ready does the caller sleep, on the epoll's own waiter list, until a
// poll_wake() or the timeout. A wake-up wakes ONE waiter; a waiter that leaves ready items
// behind wakes the next (Linux's exclusive wait in ep_poll): nobody is woken who would find
// nothing to do.
//
// One lock guards every epoll, every EpItem and every PollHead in the system (g_epoll_lock).
// Linux has a mutex per epoll, a spinlock per ready list, RCU and a global epmutex for the hard
// cases; one lock is slower on a big machine and much easier to be sure of. Its rules:
//   - poll_wake() takes it, so a file calls poll_wake() after releasing its own lock;
//   - epoll_pwait calls File::poll() with it held: order "epoll, then file";
//   - File::put() calls eventpoll_release() before freeing a file, under it, so an item's
//     `file` pointer is valid whenever the lock is held.
// Not implemented: an epoll inside an epoll (epoll files have no PollHead: EPERM), EPOLLEXCLUSIVE
// and EPOLLWAKEUP (accepted and ignored).
#include "kernel/errno.h"
#include "kernel/fs/file.h"
#include "kernel/fs/linux_abi.h"
#include "kernel/fs/poll.h"
#include "kernel/proc/process.h"
#include "kernel/sched/sched.h"
#include "kernel/syscall/handlers.h"
#include "kernel/time.h"
#include "kernel/uaccess.h"

// struct epoll_event: {u32 events; u64 data}. x86-64 packs it (12 bytes, for compatibility with
// 32-bit x86); every other arch, AArch64 included, pads it to 16 (include/uapi/linux/eventpoll.h).
#if defined(__x86_64__)
struct __attribute__((packed)) LinuxEpollEvent {
#else
struct LinuxEpollEvent {
#endif
    uint32_t events;
    uint64_t data;
};
#if defined(__x86_64__)
static_assert(sizeof(LinuxEpollEvent) == 12);
#else
static_assert(sizeof(LinuxEpollEvent) == 16);
#endif

// A thread asleep in epoll_pwait.
struct EpWaiter {
    Thread* thread;
    bool woken = false;
    ListNode node;
};

struct Epoll {
    IntrusiveList<EpItem, &EpItem::interest_node> interest;
    IntrusiveList<EpItem, &EpItem::ready_node> ready;
    IntrusiveList<EpWaiter, &EpWaiter::node> waiters;
};

namespace {

SpinLock g_epoll_lock;  // guards every Epoll, EpItem and PollHead (see the top)
long g_epolls = 0;      // alive, for tests

// Linux's EPOLL_CTL_* and limits.
constexpr int EPOLL_CTL_ADD = 1, EPOLL_CTL_DEL = 2, EPOLL_CTL_MOD = 3;
constexpr int EPOLL_CLOEXEC = O_CLOEXEC;
constexpr int kMaxEvents = 0x7fffffff / int(sizeof(LinuxEpollEvent));  // EP_MAX_EVENTS

// Queue `item` as possibly ready and wake one thread waiting in its epoll. Lock held.
void make_ready(EpItem* item) {
    Epoll* ep = item->ep;
    if (!item->ready_node.linked()) ep->ready.push_back(*item);
    if (EpWaiter* w = ep->waiters.pop_front()) {
        w->woken = true;
        sched_wake(w->thread);
    }
}

// Unhooks `item` from every list and frees it. Lock held.
void remove_item(EpItem* item) {
    Epoll* ep = item->ep;
    if (item->ready_node.linked()) ep->ready.remove(*item);
    ep->interest.remove(*item);
    if (PollHead* head = item->file->poll_head()) {
        head->items.remove(*item);
        __atomic_store_n(&head->watchers, head->watchers - 1, __ATOMIC_RELEASE);
    }
    delete item;
}

// What the user gets told about `item` now: the file's readiness, filtered by the interest
// (errors and hang-ups always pass). Lock held.
uint32_t item_events(EpItem* item) {
    if ((item->events & ~(kEpollEt | kEpollOneshot | kEpollExclusive | kEpollWakeup)) == 0)
        return 0;  // a one-shot item that has fired: disabled until MOD
    return item->file->poll() & (item->events | kEpollAlways);
}

class EpollFile final : public File {
public:
    EpollFile() {
        kind = FileKind::kEpoll;
        __atomic_add_fetch(&g_epolls, 1, __ATOMIC_RELAXED);
    }
    // The last descriptor is closed: forget every registration. (Waiters cannot exist: a thread
    // in epoll_pwait holds a reference.)
    ~EpollFile() override {
        SpinLockGuard guard(g_epoll_lock);
        while (EpItem* item = ep.interest.front()) remove_item(item);
        __atomic_sub_fetch(&g_epolls, 1, __ATOMIC_RELAXED);
    }
    int stat(KStat* st) override {
        *st = {};
        st->dev = linux_dev(0, 13);  // anonymous inode, like Linux's anon_inodefs
        st->mode = 0600;
        st->nlink = 1;
        st->blksize = 4096;
        return 0;
    }
    Epoll ep;
};

EpollFile* as_epoll(File* file) {
    return file && file->kind == FileKind::kEpoll ? static_cast<EpollFile*>(file) : nullptr;
}

// Copies out up to `max` ready events. Lock held. Returns how many, or -EFAULT.
long collect(Epoll* ep, uptr user_events, int max) {
    // Take the whole ready list: items found ready again are put back at the end (level-
    // triggered), so a busy file cannot starve the others.
    IntrusiveList<EpItem, &EpItem::ready_node> scan;
    while (EpItem* item = ep->ready.pop_front()) scan.push_back(*item);
    long n = 0;
    while (n < max) {
        EpItem* item = scan.pop_front();
        if (!item) break;
        uint32_t events = item_events(item);
        if (events == 0) continue;  // not ready after all: off the list until the next change
        LinuxEpollEvent out{events, item->data};
        if (copy_to_user(user_events + uptr(n) * sizeof out, &out, sizeof out)) {
            ep->ready.push_front(*item);
            n = n ? n : -EFAULT;
            break;
        }
        n++;
        if (item->events & kEpollOneshot)
            item->events &= kEpollEt | kEpollOneshot;  // disarmed until EPOLL_CTL_MOD
        else if (!(item->events & kEpollEt))
            ep->ready.push_back(*item);  // level-triggered: ask again next time
    }
    // Not looked at (max reached): still possibly ready, first in line next time.
    while (EpItem* item = scan.pop_front()) ep->ready.push_back(*item);
    return n;
}

}  // namespace

void poll_wake(PollHead* head, uint32_t hint) {
    // Racy peek: the file changed its state under its own lock before calling us, and
    // epoll_ctl(ADD) links an item and then polls the file under that same lock, so either
    // that poll sees the change or we see the item.
    if (__atomic_load_n(&head->watchers, __ATOMIC_ACQUIRE) == 0) return;
    SpinLockGuard guard(g_epoll_lock);
    for (EpItem& item : head->items) {
        if (item.events & (hint | kEpollAlways) & ~(kEpollEt | kEpollOneshot)) make_ready(&item);
    }
}

void eventpoll_release(File* file, PollHead* head) {
    SpinLockGuard guard(g_epoll_lock);
    for (auto it = head->items.begin(); it != head->items.end();) {
        EpItem* item = &*it;
        ++it;  // remove_item invalidates the iterator on item
        if (item->file == file) remove_item(item);
    }
}

long epoll_count() { return __atomic_load_n(&g_epolls, __ATOMIC_RELAXED); }

// ---- system calls ------------------------------------------------------------------------------

long sys_epoll_create1(int flags) {
    if (flags & ~EPOLL_CLOEXEC) return -EINVAL;
    Process* process = current_process();
    EpollFile* file = new EpollFile;
    if (!file) return -ENOMEM;
    file->open_flags = O_RDWR;
    int fd = process->files->install(file, 0, flags & EPOLL_CLOEXEC);
    if (fd < 0) file->put();
    return fd;
}

// epoll_create(size): the old call (x86-64 only); size must be positive and is ignored.
long sys_epoll_create(int size) { return size <= 0 ? -EINVAL : sys_epoll_create1(0); }

long sys_epoll_ctl(int epfd, int op, int fd, uptr user_event) {
    FdTable* table = current_process()->files;
    FileRef epoll_ref(table->lookup(epfd));
    FileRef target(table->lookup(fd));
    if (!epoll_ref || !target) return -EBADF;
    LinuxEpollEvent event{};
    if (op != EPOLL_CTL_DEL && copy_from_user(&event, user_event, sizeof event)) return -EFAULT;
    EpollFile* epoll = as_epoll(epoll_ref.get());
    if (!epoll || target.get() == epoll_ref.get()) return -EINVAL;
    PollHead* head = target->poll_head();
    if (!head) return -EPERM;  // regular files, directories, epolls: not pollable here
    if (op != EPOLL_CTL_ADD && op != EPOLL_CTL_DEL && op != EPOLL_CTL_MOD) return -EINVAL;

    SpinLockGuard guard(g_epoll_lock);
    EpItem* item = nullptr;
    for (EpItem& it : epoll->ep.interest) {
        if (it.file == target.get() && it.fd == fd) {
            item = &it;
            break;
        }
    }
    switch (op) {
    case EPOLL_CTL_ADD: {
        if (item) return -EEXIST;
        item = new EpItem;
        if (!item) return -ENOMEM;
        item->ep = &epoll->ep;
        item->file = target.get();
        item->fd = fd;
        item->events = event.events;
        item->data = event.data;
        epoll->ep.interest.push_back(*item);
        head->items.push_back(*item);
        __atomic_store_n(&head->watchers, head->watchers + 1, __ATOMIC_RELEASE);
        if (item_events(item)) make_ready(item);  // ready already: report it at once
        return 0;
    }
    case EPOLL_CTL_MOD:
        if (!item) return -ENOENT;
        item->events = event.events;
        item->data = event.data;
        if (item_events(item)) make_ready(item);
        return 0;
    default:  // EPOLL_CTL_DEL
        if (!item) return -ENOENT;
        remove_item(item);
        return 0;
    }
}

long sys_epoll_pwait(int epfd, uptr user_events, int maxevents, int timeout_ms, uptr sigmask,
                     size_t sigsetsize) {
    (void)sigmask;  // Handoff has no signal handlers, hence no mask to swap in
    (void)sigsetsize;
    if (maxevents <= 0 || maxevents > kMaxEvents) return -EINVAL;
    if (!user_range_ok(user_events, size_t(maxevents) * sizeof(LinuxEpollEvent))) return -EFAULT;
    FileRef ref(current_process()->files->lookup(epfd));
    if (!ref) return -EBADF;
    EpollFile* epoll = as_epoll(ref.get());
    if (!epoll) return -EINVAL;
    Epoll* ep = &epoll->ep;
    const uint64_t deadline =
        timeout_ms < 0 ? kNoDeadline : monotonic_ns() + uint64_t(timeout_ms) * 1000000;
    Thread* self = current_thread();

    SpinLockGuard guard(g_epoll_lock);
    for (;;) {
        long n = collect(ep, user_events, maxevents);
        if (n != 0) {
            // Ready items left over (level-triggered ones, or more than maxevents): let
            // another waiter have them too.
            if (!ep->ready.empty()) {
                if (EpWaiter* w = ep->waiters.pop_front()) {
                    w->woken = true;
                    sched_wake(w->thread);
                }
            }
            return n;
        }
        if (timeout_ms == 0) return 0;
        if (thread_interrupted(self)) return -EINTR;
        EpWaiter waiter{self, false, {}};
        ep->waiters.push_back(waiter);
        bool in_time = sched_block_until(&g_epoll_lock, deadline, "epoll");
        if (waiter.node.linked()) ep->waiters.remove(waiter);
        if (!in_time && !waiter.woken) return 0;  // timed out, nothing happened
    }
}

long sys_epoll_wait(int epfd, uptr user_events, int maxevents, int timeout_ms) {
    return sys_epoll_pwait(epfd, user_events, maxevents, timeout_ms, 0, 0);
}
