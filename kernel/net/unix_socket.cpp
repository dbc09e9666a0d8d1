// kernel/net/unix_socket.cpp - AF_UNIX stream sockets (Linux's net/unix/af_unix.c, unix(7)).
//
// A connected pair of stream sockets is two pipes back to back: a UnixConnection holds one byte
// ring per direction, and each socket reads the ring its peer writes. Getting connected:
//   socketpair()              makes both ends at once;
//   bind(name) + listen()     a server socket takes a name (a path, or an abstract name that
//                             starts with '\0') and waits for connections;
//   connect(name)             makes the server's end of a new connection at once and queues it
//                             on the listener's backlog (or waits for room: EAGAIN when
//                             non-blocking), as Linux's unix_stream_connect does;
//   accept4()                 takes the oldest queued end (or waits for one).
// shutdown() and close use Linux's two bits per socket: RCV_SHUTDOWN (nothing more will arrive:
// reads return 0 once the ring is empty) and SEND_SHUTDOWN (writes fail with EPIPE). shutdown
// (SHUT_WR) sets our SEND and the peer's RCV bit; closing sets both of the peer's.
//
// Names: Handoff's file system is read-only, so a bound name lives in a table here instead of
// as a socket file, and disappears when the socket is closed (on Linux the file stays until
// unlink). EADDRINUSE when the name is bound or a file exists at the path.
// Memory: a ring is one page, allocated on the first write and freed whenever it drains, so an
// idle socket costs only its objects (about 300 bytes): 20,000 of them fit in a few MiB.
// Not implemented: SOCK_DGRAM and SOCK_SEQPACKET, SCM_RIGHTS, credentials, getsockopt.
#include "kernel/errno.h"
#include "kernel/fs/file.h"
#include "kernel/fs/linux_abi.h"
#include "kernel/fs/poll.h"
#include "kernel/fs/vfs.h"
#include "kernel/lib/string.h"
#include "kernel/mm/page_alloc.h"
#include "kernel/proc/process.h"
#include "kernel/sched/sched.h"
#include "kernel/syscall/handlers.h"
#include "kernel/uaccess.h"

namespace {

// Linux's constants (include/linux/socket.h, net.h, uapi/linux/un.h).
constexpr int AF_UNIX = 1, SOCK_STREAM = 1, SOCK_TYPE_MASK = 0xf;
constexpr int SOCK_NONBLOCK = O_NONBLOCK, SOCK_CLOEXEC = O_CLOEXEC;
constexpr int SHUT_RD = 0, SHUT_WR = 1, SHUT_RDWR = 2;
constexpr int RCV_SHUTDOWN = 1, SEND_SHUTDOWN = 2, SHUTDOWN_MASK = 3;
constexpr int kSomaxconn = 4096;       // net.core.somaxconn's default
constexpr size_t kSunPathMax = 108;    // sizeof(sockaddr_un.sun_path)
constexpr size_t kRing = 4096;         // bytes in flight per direction (one page)
constexpr size_t kAtomicWrite = 4096;  // like a pipe's PIPE_BUF: small writes never split

long g_sockets = 0;  // alive, for tests

// One direction of a connection: a ring of kRing bytes, present only while it holds data.
struct Ring {
    uint8_t* data = nullptr;
    uint64_t nread = 0, nwritten = 0;
    size_t used() const { return size_t(nwritten - nread); }
};

struct UnixConnection {
    WaitQueue waiters;      // readers and writers of both ends; its lock guards all below
    Ring ring[2];           // ring[i]: written by end i, read by end 1 - i
    int shutdown[2] = {};   // RCV_SHUTDOWN | SEND_SHUTDOWN, per end
    int refs = 2;           // the two sockets
};

class UnixSocket;

// Bound names (Linux: the socket inode, or the abstract namespace hash table).
struct BoundName {
    char name[kSunPathMax + 2];  // absolute path, or '@' + abstract name
    UnixSocket* socket;
    ListNode node;
};
SpinLock g_names_lock;
IntrusiveList<BoundName, &BoundName::node> g_names;

class UnixSocket final : public File {
public:
    enum class State { kUnconnected, kListening, kConnected };

    UnixSocket() {
        kind = FileKind::kSocket;
        __atomic_add_fetch(&g_sockets, 1, __ATOMIC_RELAXED);
    }
    ~UnixSocket() override;

    long read(const UserBuffer& buf, uint64_t*) override;
    long write(const UserBuffer& buf, uint64_t*) override;
    uint32_t poll() override;
    PollHead* poll_head() override { return &poll_head_; }
    int stat(KStat* st) override {
        *st = {};
        st->dev = linux_dev(0, 8);  // Linux's sockfs
        st->mode = kModeSocket | 0777;
        st->nlink = 1;
        st->blksize = 4096;
        return 0;
    }

    long bind(const char* name);
    long listen(int backlog);
    long connect(const char* name);
    long accept(UnixSocket** out);
    long shutdown(int how);
    void connect_to(UnixConnection* conn, int end) {
        conn_ = conn;
        end_ = end;
        state_ = State::kConnected;
    }

private:
    bool nonblocking() const { return open_flags & O_NONBLOCK; }
    // After a change: wake blocked threads of the connection (or listener) and the epoll
    // watchers of `who` with `hint`.
    static void changed(WaitQueue* queue, UnixSocket* who, uint32_t hint) {
        queue->wake_all();
        if (who) poll_wake(&who->poll_head_, hint);
    }

    State state_ = State::kUnconnected;
    PollHead poll_head_;
    // Connected: our end of the connection, and the socket at the other end (for its
    // PollHead; nullptr once it is closed). Guarded by conn_->waiters' lock.
    UnixConnection* conn_ = nullptr;
    int end_ = 0;
    UnixSocket* peer_ = nullptr;
    // Listening: the backlog of accepted-by-the-kernel server ends, guarded by listen_'s lock.
    ListNode backlog_node_;  // a server end on its listener's backlog
    WaitQueue listen_;
    IntrusiveList<UnixSocket, &UnixSocket::backlog_node_> backlog_;
    size_t max_backlog_ = 0;
    bool closing_ = false;
    BoundName* name_ = nullptr;

    // The peer with a reference (for waking its watchers), or nullptr if it is gone or going.
    // Call with conn_'s lock held.
    UnixSocket* hold_peer() { return peer_ && peer_->try_get() ? peer_ : nullptr; }
    // Wake the peer's blocked threads and epoll watchers after a change.
    void wake_peer(uint32_t hint) {
        UnixSocket* peer;
        {
            SpinLockGuard guard(conn_->waiters.lock());
            peer = hold_peer();
        }
        changed(&conn_->waiters, peer, hint);
        if (peer) peer->put();
    }

    friend long make_pair(UnixSocket** a, UnixSocket** b);
};

// Makes a connected pair (socketpair, and connect's two ends). 0 or -ENOMEM.
long make_pair(UnixSocket** a, UnixSocket** b) {
    UnixConnection* conn = new UnixConnection;
    UnixSocket* first = conn ? new UnixSocket : nullptr;
    UnixSocket* second = first ? new UnixSocket : nullptr;
    if (!second) {
        if (first) first->put();
        delete conn;
        return -ENOMEM;
    }
    first->connect_to(conn, 0);
    second->connect_to(conn, 1);
    first->peer_ = second;
    second->peer_ = first;
    *a = first;
    *b = second;
    return 0;
}

UnixSocket::~UnixSocket() {
    if (name_) {
        SpinLockGuard guard(g_names_lock);
        g_names.remove(*name_);
        delete name_;
    }
    if (state_ == State::kListening) {
        // Connections nobody accepted: their clients see the end of the stream.
        IntrusiveList<UnixSocket, &UnixSocket::backlog_node_> orphans;
        {
            SpinLockGuard guard(listen_.lock());
            closing_ = true;
            while (UnixSocket* s = backlog_.pop_front()) orphans.push_back(*s);
        }
        listen_.wake_all();  // connect()s waiting for room give up
        while (UnixSocket* s = orphans.pop_front()) s->put();
    }
    if (conn_) {
        UnixSocket* peer;
        {
            SpinLockGuard guard(conn_->waiters.lock());
            conn_->shutdown[1 - end_] = SHUTDOWN_MASK;  // the peer: nothing more either way
            conn_->shutdown[end_] = SHUTDOWN_MASK;
            peer = hold_peer();
            if (peer_) peer_->peer_ = nullptr;
        }
        changed(&conn_->waiters, peer, kPollHangup);
        if (peer) peer->put();
        bool last;
        {
            SpinLockGuard guard(conn_->waiters.lock());
            last = --conn_->refs == 0;
        }
        if (last) {
            for (Ring& ring : conn_->ring)
                if (ring.data) page_allocator().free_pages(page_allocator().to_phys(ring.data), 0);
            delete conn_;
        }
    }
    __atomic_sub_fetch(&g_sockets, 1, __ATOMIC_RELAXED);
}

uint32_t UnixSocket::poll() {
    if (state_ == State::kListening) {
        SpinLockGuard guard(listen_.lock());
        return backlog_.empty() ? 0 : kEpollIn | kEpollRdNorm;
    }
    if (state_ != State::kConnected) return kEpollOut | kEpollWrNorm | kEpollHup;  // Linux too
    SpinLockGuard guard(conn_->waiters.lock());
    const int mine = conn_->shutdown[end_];
    uint32_t events = 0;
    if (conn_->ring[1 - end_].used() > 0) events |= kEpollIn | kEpollRdNorm;
    if (mine & RCV_SHUTDOWN) events |= kEpollIn | kEpollRdNorm | kEpollRdHup;
    if (mine == SHUTDOWN_MASK) events |= kEpollHup;
    // Writable with room in our ring - even when a write would fail with EPIPE: the writer
    // learns that from write() (Linux's unix_poll does not look at shutdown for this either).
    if (kRing - conn_->ring[end_].used() >= kAtomicWrite) events |= kEpollOut | kEpollWrNorm;
    return events;
}

// Copies n bytes between ring position `pos` and buf[at..], in at most two pieces.
int copy_ring(Ring& ring, uint64_t pos, const UserBuffer& buf, size_t at, size_t n,
              bool to_user) {
    while (n > 0) {
        size_t slot = size_t(pos % kRing);
        size_t piece = kRing - slot < n ? kRing - slot : n;
        int error = to_user ? buf.write(at, ring.data + slot, piece)
                            : buf.read(at, ring.data + slot, piece);
        if (error) return error;
        pos += piece, at += piece, n -= piece;
    }
    return 0;
}

long UnixSocket::read(const UserBuffer& buf, uint64_t*) {
    if (state_ == State::kListening) return -EINVAL;
    if (state_ != State::kConnected) return -ENOTCONN;
    if (buf.size == 0) return 0;
    long result = 0;
    uint8_t* drained = nullptr;  // a ring page to free once unlocked
    bool ok = conn_->waiters.wait_until(
        [&] {
            Ring& ring = conn_->ring[1 - end_];
            size_t n = ring.used();
            if (n == 0) {
                if (conn_->shutdown[end_] & RCV_SHUTDOWN) return true;  // EOF: result 0
                if (!nonblocking()) return false;
                result = -EAGAIN;
                return true;
            }
            if (n > buf.size) n = buf.size;
            if (int error = copy_ring(ring, ring.nread, buf, 0, n, true)) {
                result = error;
                return true;
            }
            ring.nread += n;
            result = long(n);
            if (ring.used() == 0) {  // drained: give the page back until the next write
                drained = ring.data;
                ring.data = nullptr;
                ring.nread = ring.nwritten = 0;
            }
            return true;
        },
        "socket");
    if (!ok) return -EINTR;
    if (drained) page_allocator().free_pages(page_allocator().to_phys(drained), 0);
    if (result > 0) wake_peer(kPollWritable);  // room for its writes
    return result;
}

long UnixSocket::write(const UserBuffer& buf, uint64_t*) {
    if (state_ != State::kConnected) return -ENOTCONN;
    if (buf.size == 0) return 0;
    size_t done = 0;
    while (done < buf.size) {
        long step = 0;
        bool ok = conn_->waiters.wait_until(
            [&] {
                Ring& ring = conn_->ring[end_];
                if ((conn_->shutdown[end_] & SEND_SHUTDOWN) ||
                    (conn_->shutdown[1 - end_] & RCV_SHUTDOWN)) {
                    step = -EPIPE;  // Linux would also raise SIGPIPE
                    return true;
                }
                size_t left = buf.size - done, room = kRing - ring.used();
                bool atomic = buf.size <= kAtomicWrite;  // small writes go in whole
                if (room == 0 || (atomic && room < left)) {
                    if (!nonblocking()) return false;
                    step = -EAGAIN;
                    return true;
                }
                if (!ring.data) {  // the ring's page comes with the first bytes
                    uintptr_t page = page_allocator().alloc_pages(0);
                    if (!page) {
                        step = -ENOMEM;
                        return true;
                    }
                    ring.data = static_cast<uint8_t*>(page_allocator().to_virt(page));
                }
                size_t n = left < room ? left : room;
                if (int error = copy_ring(ring, ring.nwritten, buf, done, n, false)) {
                    step = error;
                    return true;
                }
                ring.nwritten += n;
                step = long(n);
                return true;
            },
            "socket");
        if (!ok) return done ? long(done) : -EINTR;
        if (step < 0) return done ? long(done) : step;
        done += size_t(step);
        wake_peer(kPollReadable);  // data for its reads
    }
    return long(done);
}

long UnixSocket::shutdown(int how) {
    if (how < SHUT_RD || how > SHUT_RDWR) return -EINVAL;
    if (state_ != State::kConnected) return -ENOTCONN;
    // SHUT_RD -> RCV_SHUTDOWN, SHUT_WR -> SEND_SHUTDOWN, SHUT_RDWR -> both (Linux: how + 1).
    const int mode = how + 1;
    UnixSocket* peer;
    {
        SpinLockGuard guard(conn_->waiters.lock());
        conn_->shutdown[end_] |= mode;
        // The peer's view is the mirror image: our SEND is its RCV and the other way round.
        int peer_mode = ((mode & RCV_SHUTDOWN) ? SEND_SHUTDOWN : 0) |
                        ((mode & SEND_SHUTDOWN) ? RCV_SHUTDOWN : 0);
        conn_->shutdown[1 - end_] |= peer_mode;
        peer = hold_peer();
    }
    changed(&conn_->waiters, peer, kPollHangup);
    poll_wake(&poll_head_, kPollHangup);
    if (peer) peer->put();
    return 0;
}

long UnixSocket::bind(const char* name) {
    if (state_ != State::kUnconnected || name_) return -EINVAL;
    BoundName* bound = new BoundName;
    if (!bound) return -ENOMEM;
    strlcpy(bound->name, name, sizeof bound->name);
    bound->socket = this;
    if (name[0] != '@') {  // a path: nothing may exist there yet
        int error = 0;
        if (File* existing = vfs_open(name, O_RDONLY, &error)) {
            existing->put();
            delete bound;
            return -EADDRINUSE;
        }
    }
    SpinLockGuard guard(g_names_lock);
    for (BoundName& other : g_names) {
        if (strcmp(other.name, bound->name) == 0) {
            delete bound;
            return -EADDRINUSE;
        }
    }
    g_names.push_back(*bound);
    name_ = bound;
    return 0;
}

long UnixSocket::listen(int backlog) {
    if (state_ == State::kConnected) return -EINVAL;
    if (!name_) return -EINVAL;  // Linux autobinds datagram sockets only... and says EINVAL here
    SpinLockGuard guard(listen_.lock());
    if (backlog < 0) backlog = 0;
    max_backlog_ = size_t(backlog > kSomaxconn ? kSomaxconn : backlog);
    state_ = State::kListening;
    return 0;
}

// The listener bound to `name`, with a reference, or nullptr.
UnixSocket* find_listener(const char* name) {
    SpinLockGuard guard(g_names_lock);
    for (BoundName& bound : g_names) {
        if (strcmp(bound.name, name) == 0) {
            bound.socket->get();
            return bound.socket;
        }
    }
    return nullptr;
}

long UnixSocket::connect(const char* name) {
    if (state_ == State::kConnected) return -EISCONN;
    if (state_ == State::kListening) return -EINVAL;
    UnixSocket* listener = find_listener(name);
    if (!listener) {
        if (name[0] == '@') return -ECONNREFUSED;
        int error = 0;  // a path: refused if something is there, else no such file
        File* existing = vfs_open(name, O_RDONLY, &error);
        if (!existing) return error == -ENOENT ? -ENOENT : -ECONNREFUSED;
        existing->put();
        return -ECONNREFUSED;
    }
    FileRef hold(listener);
    if (listener->state_ != State::kListening) return -ECONNREFUSED;
    UnixSocket *ours, *server_end;
    if (long error = make_pair(&ours, &server_end)) return error;
    long result = 0;
    bool ok = listener->listen_.wait_until(
        [&] {
            if (listener->closing_ || listener->state_ != State::kListening) {
                result = -ECONNREFUSED;
                return true;
            }
            if (listener->backlog_.size() > listener->max_backlog_) {  // Linux: >, not >=
                if (!nonblocking()) return false;
                result = -EAGAIN;
                return true;
            }
            listener->backlog_.push_back(*server_end);
            return true;
        },
        "connect");
    if (!ok || result) {
        ours->put();
        server_end->put();
        return ok ? result : -EINTR;
    }
    changed(&listener->listen_, listener, kPollReadable);
    // Take over `ours`' connection: this socket keeps its descriptor, `ours` goes.
    {
        SpinLockGuard guard(ours->conn_->waiters.lock());
        conn_ = ours->conn_;
        end_ = ours->end_;
        peer_ = server_end;
        server_end->peer_ = this;
        state_ = State::kConnected;
        ours->conn_ = nullptr;
        ours->peer_ = nullptr;
        ours->state_ = State::kUnconnected;
    }
    ours->put();
    poll_wake(&poll_head_, kPollWritable);
    return 0;
}

long UnixSocket::accept(UnixSocket** out) {
    if (state_ != State::kListening) return -EINVAL;
    UnixSocket* got = nullptr;
    long result = 0;
    bool ok = listen_.wait_until(
        [&] {
            got = backlog_.pop_front();
            if (got) return true;
            if (!nonblocking()) return false;
            result = -EAGAIN;
            return true;
        },
        "accept");
    if (!ok) return -EINTR;
    if (result) return result;
    listen_.wake_all();  // room in the backlog for a waiting connect()
    *out = got;
    return 0;
}

UnixSocket* as_socket(File* file) {
    return file && file->kind == FileKind::kSocket ? static_cast<UnixSocket*>(file) : nullptr;
}

// Looks up a socket descriptor: -EBADF or -ENOTSOCK in *error.
FileRef socket_ref(int fd, long* error) {
    File* file = current_process()->files->lookup(fd);
    if (!file) *error = -EBADF;
    else if (!as_socket(file)) *error = -ENOTSOCK;
    else *error = 0;
    return FileRef(file);
}

// Reads a sockaddr_un into the name key: an absolute path (relative paths are made absolute
// against the working directory, so the same name finds the same socket from anywhere) or
// '@' + an abstract name. 0 or -errno.
long read_name(uptr addr, int len, char* key) {
    if (len < 2 || size_t(len) > 2 + kSunPathMax) return -EINVAL;
    struct {
        uint16_t family;
        char path[kSunPathMax + 1];
    } sun{};
    if (copy_from_user(&sun, addr, size_t(len))) return -EFAULT;
    if (sun.family != AF_UNIX) return -EINVAL;
    size_t n = size_t(len) - 2;
    if (n == 0) return -EINVAL;  // Linux would autobind an abstract name; not here
    if (sun.path[0] == '\0') {   // abstract: the bytes after the NUL, as given
        key[0] = '@';
        memcpy(key + 1, sun.path + 1, n - 1);
        key[n] = '\0';
        return 0;
    }
    sun.path[n] = '\0';
    if (sun.path[0] == '/') {
        strlcpy(key, sun.path, kSunPathMax + 2);
        return 0;
    }
    long cwd = vfs_getcwd(key, kSunPathMax + 2);
    if (cwd < 0) return -ENAMETOOLONG;
    size_t at = strlen(key);
    if (at + 1 + strlen(sun.path) > kSunPathMax) return -ENAMETOOLONG;
    if (at > 1) key[at++] = '/';
    strlcpy(key + at, sun.path, kSunPathMax + 2 - at);
    return 0;
}

long install(File* file, int flags) {
    file->open_flags = O_RDWR | (flags & SOCK_NONBLOCK);
    int fd = current_process()->files->install(file, 0, flags & SOCK_CLOEXEC);
    if (fd < 0) file->put();
    return fd;
}

long check_type(int family, int type, int protocol) {
    if (family != AF_UNIX) return -EAFNOSUPPORT;
    if (type & ~(SOCK_TYPE_MASK | SOCK_NONBLOCK | SOCK_CLOEXEC)) return -EINVAL;
    if ((type & SOCK_TYPE_MASK) != SOCK_STREAM) return -ESOCKTNOSUPPORT;
    if (protocol != 0 && protocol != AF_UNIX) return -EPROTONOSUPPORT;
    return 0;
}

}  // namespace

long socket_count() { return __atomic_load_n(&g_sockets, __ATOMIC_RELAXED); }

long sys_socket(int family, int type, int protocol) {
    if (long error = check_type(family, type, protocol)) return error;
    UnixSocket* socket = new UnixSocket;
    if (!socket) return -ENOMEM;
    return install(socket, type);
}

long sys_socketpair(int family, int type, int protocol, uptr user_fds) {
    if (long error = check_type(family, type, protocol)) return error;
    if (!user_range_ok(user_fds, 2 * sizeof(int))) return -EFAULT;
    UnixSocket *a, *b;
    if (long error = make_pair(&a, &b)) return error;
    int fds[2];
    fds[0] = int(install(a, type));
    if (fds[0] < 0) {
        b->put();
        return fds[0];
    }
    fds[1] = int(install(b, type));
    if (fds[1] < 0) {
        current_process()->files->close(fds[0]);
        return fds[1];
    }
    if (copy_to_user(user_fds, fds, sizeof fds)) {
        current_process()->files->close(fds[0]);
        current_process()->files->close(fds[1]);
        return -EFAULT;
    }
    return 0;
}

long sys_bind(int fd, uptr addr, int len) {
    long error;
    FileRef ref = socket_ref(fd, &error);
    if (error) return error;
    char key[kSunPathMax + 2];
    if (long e = read_name(addr, len, key)) return e;
    return as_socket(ref.get())->bind(key);
}

long sys_listen(int fd, int backlog) {
    long error;
    FileRef ref = socket_ref(fd, &error);
    if (error) return error;
    return as_socket(ref.get())->listen(backlog);
}

long sys_connect(int fd, uptr addr, int len) {
    long error;
    FileRef ref = socket_ref(fd, &error);
    if (error) return error;
    char key[kSunPathMax + 2];
    if (long e = read_name(addr, len, key)) return e;
    return as_socket(ref.get())->connect(key);
}

long sys_accept4(int fd, uptr addr, uptr addrlen, int flags) {
    if (flags & ~(SOCK_NONBLOCK | SOCK_CLOEXEC)) return -EINVAL;
    long error;
    FileRef ref = socket_ref(fd, &error);
    if (error) return error;
    int len = 0;
    if (addr && get_user(&len, addrlen)) return -EFAULT;
    if (addr && len < 0) return -EINVAL;
    UnixSocket* got;
    if (long e = as_socket(ref.get())->accept(&got)) return e;
    // The peer of an accepted socket is unnamed: only the family, length 2 (Linux).
    if (addr) {
        uint16_t family = AF_UNIX;
        int size = 2;
        if ((len >= 2 && copy_to_user(addr, &family, sizeof family)) ||
            put_user(addrlen, size)) {
            got->put();
            return -EFAULT;
        }
    }
    return install(got, flags);
}

long sys_accept(int fd, uptr addr, uptr addrlen) { return sys_accept4(fd, addr, addrlen, 0); }

long sys_shutdown(int fd, int how) {
    long error;
    FileRef ref = socket_ref(fd, &error);
    if (error) return error;
    return as_socket(ref.get())->shutdown(how);
}
