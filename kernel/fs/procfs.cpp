// kernel/fs/procfs.cpp - see procfs.h.
//
// The nodes. /proc and /proc/disk are ordinary nodes of the tree. The
// <pid> and <tid> directories cannot be: processes come and go, while the
// tree is read without locks and never frees a node (open Files and path
// walks hold plain pointers to nodes). So procfs keeps a fixed pool of
// ready-made directories, built at boot and never freed:
//   kPidSlots x  <pid>/ { status, stat, task/ }
//   kTidSlots x  <tid>/ { status, stat }
// A lookup of /proc/123 finds the pool entry showing pid 123, or relabels
// one whose process is gone (and which no open directory File holds) to
// show 123: its name, inode numbers and Slot change, its shape never does.
// A path walk racing with a relabel may therefore see the wrong number,
// never freed memory. (Linux allocates inodes and dentries per task and
// frees them safely with RCU and reference counts; the pool keeps the
// kernel's memory use fixed, so leak checks stay exact.)
//
// File contents are generated at open (see procfs.h), reading processes
// and threads under the process tree lock, which keeps every process
// reachable from init and every thread on its process's list alive (exit
// and reaping unlink them under that lock). The counters of a thread
// running on another CPU change meanwhile: the text is a snapshot, as
// Linux's is. Lock order: the pool's lock, then the process tree lock.
#include "kernel/fs/procfs.h"

#include <stdarg.h>

#include "kernel/errno.h"
#include "kernel/fs/disk_files.h"
#include "kernel/fs/linux_abi.h"
#include "kernel/lib/format.h"
#include "kernel/lib/string.h"
#include "kernel/mm/heap.h"
#include "kernel/mm/page_alloc.h"
#include "kernel/printk.h"
#include "kernel/proc/process.h"
#include "kernel/time.h"

namespace {

// How many processes and threads /proc can show at once by number. More
// live ones than that looked up at the same time: the lookup fails (ENOENT).
constexpr int kPidSlots = 32;
constexpr int kTidSlots = 64;
// Every file here fits in a page with room to spare.
constexpr size_t kTextSize = kPageSize;
// Made-up nodes are numbered from here (far above the initramfs's), from
// their kind and the pid or tid: the same path always has the same st_ino.
constexpr uint64_t kProcInoBase = uint64_t(1) << 40;
// USER_HZ: the unit of stat's times (AT_CLKTCK in the auxiliary vector).
constexpr uint64_t kUserHz = 100;

enum class ProcKind : uint8_t {
    kRoot, kDisk,                      // /proc, /proc/disk
    kPidDir, kPidStatus, kPidStat,     // /proc/<pid>[/status|/stat]
    kTaskDir,                          // /proc/<pid>/task
    kTidDir, kTidStatus, kTidStat,     // /proc/<pid>/task/<tid>[/status|/stat]
};

// What a pool entry shows now.
struct Slot {
    int pid = 0;         // 0: not in use yet
    int tid = 0;         // <tid> entries
    int open_dirs = 0;   // directory Files open on it: not relabelled meanwhile
};

// What a node's private_data points at.
struct NodeInfo {
    ProcKind kind;
    Slot* slot;  // nullptr for /proc and /proc/disk
};

struct ProcNode {
    Inode inode;
    NodeInfo info = {};
    char name[12] = {};  // a decimal pid/tid, or "status" ...
};

struct PidEntry {
    Slot slot;
    ProcNode dir, status, stat, task;
};

struct TidEntry {
    Slot slot;
    ProcNode dir, status, stat;
};

SpinLock g_pool_lock;  // relabelling and Slot::open_dirs
PidEntry g_pids[kPidSlots];
TidEntry g_tids[kTidSlots];
Inode* g_disk_node = nullptr;  // /proc/disk
NodeInfo g_root_info = {ProcKind::kRoot, nullptr};
NodeInfo g_disk_info = {ProcKind::kDisk, nullptr};

const NodeInfo& info_of(const Inode* node) { return *static_cast<const NodeInfo*>(node->private_data); }

uint64_t ino_for(ProcKind kind, int id) { return kProcInoBase + (uint64_t(id) << 4) + uint64_t(kind); }

// ---- text files ------------------------------------------------------------------

// Appends formatted text to a fixed buffer; output that does not fit is cut.
class Text {
public:
    Text(char* buf, size_t size) : buf_(buf), size_(size) { buf_[0] = '\0'; }
    [[gnu::format(printf, 2, 3)]] void add(const char* fmt, ...) {
        va_list ap;
        va_start(ap, fmt);
        int n = kvsnprintf(buf_ + len_, size_ - len_, fmt, ap);
        va_end(ap);
        if (n > 0) len_ = len_ + size_t(n) < size_ ? len_ + size_t(n) : size_ - 1;
    }
    size_t length() const { return len_; }

private:
    char* buf_;
    size_t size_;
    size_t len_ = 0;
};

// A file whose whole contents were written at open. It keeps its own
// stat() answer too: its node may show another process by now.
class ProcTextFile final : public File {
public:
    ProcTextFile(char* text, size_t len, const KStat& st) : text_(text), len_(len), stat_(st) {}
    ~ProcTextFile() override { page_allocator().free_page(page_allocator().to_phys(text_)); }

    int stat(KStat* st) override {
        *st = stat_;
        return 0;
    }
    long read(const UserBuffer& buf, uint64_t* offset) override {
        uint64_t pos = *offset;
        if (pos >= len_) return 0;
        size_t n = len_ - size_t(pos) < buf.size ? len_ - size_t(pos) : buf.size;
        if (int error = buf.write(0, text_ + pos, n)) return error;
        *offset = pos + n;
        return long(n);
    }
    long lseek(uint64_t* offset, int64_t delta, int whence) override {
        return generic_lseek(offset, delta, whence, len_);
    }

private:
    char* text_;
    size_t len_;
    KStat stat_;
};

// ---- processes and threads ----------------------------------------------------------

// The process after `p` in a depth-first walk of the tree under `root`, or
// nullptr at the end. Called with the process tree lock held.
Process* next_in_tree(Process* p, Process* root) {
    if (!p->children.empty()) return p->children.front();
    while (p != root) {
        Process* parent = p->parent;
        auto next = ++IntrusiveList<Process, &Process::sibling_node>::Iterator(&p->sibling_node);
        if (next != parent->children.end()) return &*next;
        p = parent;
    }
    return nullptr;
}

// The root of the process tree (init): every live process descends from
// it, orphans included (they are handed to init). nullptr on a kernel
// thread. Called with the process tree lock held.
Process* tree_root() {
    Process* p = current_process();
    while (p && p->parent) p = p->parent;
    return p;
}

// Process `pid`, alive or zombie, or nullptr. Called with the tree lock held.
Process* find_process(int pid) {
    Process* root = tree_root();
    for (Process* p = root; p; p = next_in_tree(p, root))
        if (p->pid == pid) return p;
    return nullptr;
}

Thread* find_thread(Process* process, int tid) {
    for (Thread& t : process->threads)
        if (t.tid == tid) return &t;
    return nullptr;
}

bool process_exists(int pid) {
    SpinLockGuard guard(process_tree_lock());
    return find_process(pid) != nullptr;
}

bool thread_exists(int pid, int tid) {
    SpinLockGuard guard(process_tree_lock());
    Process* process = find_process(pid);
    return process && find_thread(process, tid);
}

// Linux's comm: the program's file name without its directory, at most 15
// characters (TASK_COMM_LEN is 16 with the NUL).
void comm_of(const Process* process, char out[16]) {
    const char* slash = strrchr(process->name, '/');
    strlcpy(out, slash ? slash + 1 : process->name, 16);
}

struct StateName {
    char letter;
    const char* words;  // Linux's task_state_array
};

// A thread's state as Linux shows it. Waiting for the disk is D ("disk
// sleep"), as in Linux, where it is an uninterruptible sleep; every other
// wait is S.
StateName state_of(const Thread& t, const char** reason) {
    ThreadState state = __atomic_load_n(&t.state, __ATOMIC_RELAXED);
    const char* why = __atomic_load_n(&t.wait_reason, __ATOMIC_RELAXED);
    *reason = "-";
    switch (state) {
    case ThreadState::kRunning:
    case ThreadState::kRunnable: return {'R', "running"};
    case ThreadState::kBlocked:
        if (why) *reason = why;
        if (why && strcmp(why, "disk") == 0) return {'D', "disk sleep"};
        return {'S', "sleeping"};
    case ThreadState::kDead: break;
    }
    return {'X', "dead"};
}

// Time on a CPU and time blocked, in nanoseconds, counting the current
// stretch of a thread running or blocked right now.
uint64_t run_ns(const Thread& t, uint64_t now) {
    uint64_t cycles = t.run_cycles;
    if (t.state == ThreadState::kRunning && now > t.switched_in_at) cycles += now - t.switched_in_at;
    return cycles_to_ns(cycles);
}

uint64_t blocked_ns(const Thread& t, uint64_t now) {
    uint64_t cycles = t.blocked_cycles;
    if (t.state == ThreadState::kBlocked && now > t.blocked_at) cycles += now - t.blocked_at;
    return cycles_to_ns(cycles);
}

// The lines /proc/<pid>/status and .../task/<tid>/status share. `t` is the
// thread shown (nullptr for a zombie: it has none left).
void add_status_head(Text& out, const Process* p, const Thread* t, int pid_line) {
    char comm[16];
    comm_of(p, comm);
    const char* reason;
    StateName state = {'Z', "zombie"};
    if (p->state != Process::State::kZombie && t) state = state_of(*t, &reason);
    out.add("Name:\t%s\nState:\t%c (%s)\nTgid:\t%d\nPid:\t%d\nPPid:\t%d\n", comm, state.letter,
            state.words, p->pid, pid_line, p->ppid);
    // One user, root (misc_syscalls.cpp): real, effective, saved, filesystem.
    out.add("Uid:\t0\t0\t0\t0\nGid:\t0\t0\t0\t0\nThreads:\t%lu\n", p->threads.size());
}

// Linux's /proc/<pid>/stat line (fs/proc/array.c, do_task_stat): 52 fields.
// Handoff fills the ones it knows; time on a CPU is all counted as user
// time (field 14), as the kernel does not split it; the rest are 0.
void add_stat_line(Text& out, const Process* p, const Thread* t, int id) {
    char comm[16];
    comm_of(p, comm);
    const char* reason;
    StateName state = {'Z', "zombie"};
    uint64_t utime = 0;
    unsigned cpu = 0;
    if (p->state != Process::State::kZombie && t) {
        state = state_of(*t, &reason);
        utime = run_ns(*t, arch::cycle_counter()) / (1000000000 / kUserHz);
        cpu = t->cpu;
    }
    // 1 pid  2 (comm)  3 state  4 ppid  5 pgrp  6 session (no process groups
    // or sessions here: the process's own pid)  7 tty_nr  8 tpgid  9 flags
    // 10-13 page faults  14 utime  15 stime  16-17 children's times
    // 18 priority  19 nice  20 num_threads  21 itrealvalue  22 starttime
    // 23 vsize  24 rss
    out.add("%d (%s) %c %d %d %d 0 -1 0 0 0 0 0 %lu 0 0 0 20 0 %lu 0 0 0 0", id, comm, state.letter,
            p->ppid, p->pid, p->pid, utime, p->threads.size());
    for (int field = 25; field <= 38; field++) out.add(" 0");
    out.add(" %u", cpu);  // 39: the CPU it last ran on
    for (int field = 40; field <= 52; field++) out.add(" 0");
    out.add("\n");
}

// Writes file `kind` of process `pid` (thread `tid`) into `out`. 0, or
// -ENOENT if the process or thread is gone.
int generate(ProcKind kind, int pid, int tid, Text& out) {
    SpinLockGuard guard(process_tree_lock());
    Process* p = find_process(pid);
    if (!p) return -ENOENT;
    Thread* leader = p->threads.front();  // the oldest thread still alive
    switch (kind) {
    case ProcKind::kPidStatus:
        add_status_head(out, p, leader, p->pid);
        return 0;
    case ProcKind::kPidStat:
        add_stat_line(out, p, leader, p->pid);
        return 0;
    case ProcKind::kTidStatus:
    case ProcKind::kTidStat: {
        Thread* t = find_thread(p, tid);
        if (!t) return -ENOENT;
        if (kind == ProcKind::kTidStat) {
            add_stat_line(out, p, t, t->tid);
            return 0;
        }
        add_status_head(out, p, t, t->tid);
        const char* reason;
        state_of(*t, &reason);
        uint64_t now = arch::cycle_counter();
        // Handoff's own lines: what the thread waits for, and its counters.
        out.add("Wchan:\t%s\nCpu:\t%u\nSyscalls:\t%lu\nTraps:\t%lu\nCtxt_switches:\t%lu\n"
                "Run_ns:\t%lu\nBlocked_ns:\t%lu\n",
                reason, t->cpu, t->syscalls, t->user_traps, t->context_switches, run_ns(*t, now),
                blocked_ns(*t, now));
        return 0;
    }
    default:
        return -EINVAL;
    }
}

File* open_text(Inode* node, int, int* error) {
    const NodeInfo& info = info_of(node);
    // The ids now: the node may show another process later.
    int pid = info.slot ? __atomic_load_n(&info.slot->pid, __ATOMIC_RELAXED) : 0;
    int tid = info.slot ? __atomic_load_n(&info.slot->tid, __ATOMIC_RELAXED) : 0;
    uintptr_t page = page_allocator().alloc_page();
    if (!page) {
        *error = -ENOMEM;
        return nullptr;
    }
    char* text = static_cast<char*>(page_allocator().to_virt(page));
    size_t len;
    if (info.kind == ProcKind::kDisk) {
        len = disk_files_describe(text, kTextSize);
    } else {
        Text out(text, kTextSize);
        if (int result = generate(info.kind, pid, tid, out)) {
            page_allocator().free_page(page);
            *error = result;
            return nullptr;
        }
        len = out.length();
    }
    KStat st;
    inode_stat(node, &st);
    File* file = new ProcTextFile(text, len, st);
    if (!file) {
        page_allocator().free_page(page);
        *error = -ENOMEM;
        return nullptr;
    }
    file->seekable = true;
    return file;
}

// ---- directories --------------------------------------------------------------------

// One entry of a directory listing taken at open.
struct DirEntry {
    uint64_t ino;
    uint8_t type;   // DT_*
    char name[15];  // a number, or a short fixed name
};

class ProcDirFile final : public File {
public:
    ProcDirFile(DirEntry* entries, size_t count, const KStat& st, uint64_t parent_ino, Slot* held)
        : entries_(entries), count_(count), stat_(st), parent_ino_(parent_ino), held_(held) {}
    ~ProcDirFile() override {
        kfree(entries_);
        if (held_) __atomic_sub_fetch(&held_->open_dirs, 1, __ATOMIC_RELEASE);
    }

    long read(const UserBuffer&, uint64_t*) override { return -EISDIR; }
    long lseek(uint64_t* offset, int64_t delta, int whence) override {
        return generic_lseek(offset, delta, whence, 2 + count_);
    }
    int stat(KStat* st) override {
        *st = stat_;
        return 0;
    }
    long getdents64(const UserBuffer& buf, uint64_t* offset) override;

private:
    DirEntry* entries_;  // after "." and ".."
    size_t count_;
    KStat stat_;
    uint64_t parent_ino_;
    Slot* held_;  // the pool entry kept from being relabelled, or nullptr
};

// Positions as kernel/fs/inode_file.cpp's directories: 0 is ".", 1 "..",
// 2 + i the i-th entry; each record's d_off is the next position.
long ProcDirFile::getdents64(const UserBuffer& buf, uint64_t* offset) {
    alignas(8) uint8_t record[dirent_record_size(sizeof DirEntry::name)];
    size_t written = 0;
    uint64_t pos = *offset;
    for (; pos < 2 + count_; pos++) {
        DirEntry dots[2] = {{stat_.ino, DT_DIR, "."}, {parent_ino_, DT_DIR, ".."}};
        const DirEntry& e = pos < 2 ? dots[pos] : entries_[pos - 2];
        size_t len = strnlen(e.name, sizeof e.name);
        size_t reclen = dirent_record_size(len);
        if (reclen > buf.size - written) {
            if (written == 0) return -EINVAL;  // not even one record fits
            break;
        }
        LinuxDirent64 header;
        header.d_ino = e.ino;
        header.d_off = int64_t(pos + 1);
        header.d_reclen = uint16_t(reclen);
        header.d_type = e.type;
        memset(record, 0, reclen);  // the NUL and the padding
        memcpy(record, &header, kDirentNameOffset);
        memcpy(record + kDirentNameOffset, e.name, len);
        if (int error = buf.write(written, record, reclen)) return error;
        written += reclen;
    }
    *offset = pos;
    return long(written);
}

// The entries of directory `node`, in a new kmalloc'ed array: /proc lists
// disk, self, thread-self and every process; a task directory its
// process's threads; <pid> and <tid> their fixed files. 0, -ENOENT (the
// process is gone) or -ENOMEM.
int list_dir(Inode* node, int pid, DirEntry** out, size_t* count) {
    ProcKind kind = info_of(node).kind;
    SpinLockGuard guard(process_tree_lock());
    Process* root = tree_root();
    Process* process = kind == ProcKind::kRoot ? nullptr : find_process(pid);
    if (kind != ProcKind::kRoot && !process) return -ENOENT;
    size_t max = 3;
    if (kind == ProcKind::kRoot)
        for (Process* p = root; p; p = next_in_tree(p, root)) max++;
    if (kind == ProcKind::kTaskDir) max = process->threads.size();
    // kmalloc with the tree lock held is fine: the heap's lock comes after it.
    DirEntry* entries = static_cast<DirEntry*>(kmalloc(max * sizeof(DirEntry)));
    if (!entries) return -ENOMEM;
    size_t n = 0;
    auto add = [&](uint64_t ino, uint8_t type, const char* name) {
        entries[n] = {ino, type, {}};
        strlcpy(entries[n].name, name, sizeof entries[n].name);
        n++;
    };
    char number[12];
    if (kind == ProcKind::kRoot) {
        Thread* self = current_thread();
        add(g_disk_node->ino, DT_REG, "disk");
        add(ino_for(ProcKind::kPidDir, self->process ? self->process->pid : 0), DT_DIR, "self");
        add(ino_for(ProcKind::kTidDir, self->tid), DT_DIR, "thread-self");
        for (Process* p = root; p; p = next_in_tree(p, root)) {
            ksnprintf(number, sizeof number, "%d", p->pid);
            add(ino_for(ProcKind::kPidDir, p->pid), DT_DIR, number);
        }
    } else if (kind == ProcKind::kTaskDir) {
        for (Thread& t : process->threads) {
            ksnprintf(number, sizeof number, "%d", t.tid);
            add(ino_for(ProcKind::kTidDir, t.tid), DT_DIR, number);
        }
    } else {  // <pid>, <tid>: the files the pool gave them
        for (Inode& child : node->children) {
            char name[16];
            strlcpy(name, child.name, child.name_len + 1 < sizeof name ? child.name_len + 1 : sizeof name);
            add(child.ino, child.is_dir() ? DT_DIR : DT_REG, name);
        }
    }
    *out = entries;
    *count = n;
    return 0;
}

File* open_dir(Inode* node, int, int* error) {
    Slot* slot = info_of(node).slot;
    int pid = 0;
    if (slot) {
        // Hold the entry, so it keeps showing this process while open.
        SpinLockGuard guard(g_pool_lock);
        slot->open_dirs++;
        pid = slot->pid;
    }
    DirEntry* entries = nullptr;
    size_t count = 0;
    KStat st;
    inode_stat(node, &st);
    File* file = nullptr;
    *error = list_dir(node, pid, &entries, &count);
    if (*error == 0) {
        file = new ProcDirFile(entries, count, st, node->parent->ino, slot);
        if (!file) {
            kfree(entries);
            *error = -ENOMEM;
        }
    }
    if (!file) {
        if (slot) __atomic_sub_fetch(&slot->open_dirs, 1, __ATOMIC_RELEASE);
        return nullptr;
    }
    file->seekable = true;
    return file;
}

// ---- the pool ------------------------------------------------------------------------

Inode* lookup_root(Inode* dir, const char* name, size_t len);
Inode* lookup_task(Inode* dir, const char* name, size_t len);
const InodeOps kRootOps = {open_dir, lookup_root};
const InodeOps kTaskOps = {open_dir, lookup_task};
const InodeOps kDirOps = {open_dir, nullptr};
const InodeOps kTextOps = {open_text, nullptr};

// Gives a pool node its fixed shape: name buffer, kind, mode, hooks.
void init_node(ProcNode& node, ProcKind kind, Slot* slot, Inode* parent, const char* name) {
    node.info = {kind, slot};
    strlcpy(node.name, name, sizeof node.name);
    Inode& inode = node.inode;
    inode.name = node.name;
    inode.name_len = strlen(node.name);
    inode.parent = parent;
    inode.private_data = &node.info;
    bool is_dir = kind == ProcKind::kPidDir || kind == ProcKind::kTaskDir || kind == ProcKind::kTidDir;
    inode.mode = is_dir ? (kModeDir | 0555) : (kModeRegular | 0444);
    inode.ops = kind == ProcKind::kTaskDir ? &kTaskOps : is_dir ? &kDirOps : &kTextOps;
}

void build_pool() {
    for (PidEntry& e : g_pids) {
        init_node(e.dir, ProcKind::kPidDir, &e.slot, nullptr, "0");
        init_node(e.status, ProcKind::kPidStatus, &e.slot, &e.dir.inode, "status");
        init_node(e.stat, ProcKind::kPidStat, &e.slot, &e.dir.inode, "stat");
        init_node(e.task, ProcKind::kTaskDir, &e.slot, &e.dir.inode, "task");
        e.dir.inode.children.push_back(e.status.inode);
        e.dir.inode.children.push_back(e.stat.inode);
        e.dir.inode.children.push_back(e.task.inode);
    }
    for (TidEntry& e : g_tids) {
        init_node(e.dir, ProcKind::kTidDir, &e.slot, nullptr, "0");
        init_node(e.status, ProcKind::kTidStatus, &e.slot, &e.dir.inode, "status");
        init_node(e.stat, ProcKind::kTidStat, &e.slot, &e.dir.inode, "stat");
        e.dir.inode.children.push_back(e.status.inode);
        e.dir.inode.children.push_back(e.stat.inode);
    }
}

// Writes `id` as the entry's directory name and numbers its nodes.
void label(ProcNode& dir, int id) {
    ksnprintf(dir.name, sizeof dir.name, "%d", id);
    dir.inode.name_len = strlen(dir.name);
}

// The pool entry showing process `pid` (which existed a moment ago),
// relabelled from a free one if there is none. nullptr if all are in use.
PidEntry* pid_entry(int pid) {
    SpinLockGuard guard(g_pool_lock);
    for (PidEntry& e : g_pids)
        if (e.slot.pid == pid) return &e;
    for (PidEntry& e : g_pids) {
        if (e.slot.open_dirs > 0 || (e.slot.pid != 0 && process_exists(e.slot.pid))) continue;
        e.slot.pid = pid;
        label(e.dir, pid);
        e.dir.inode.ino = ino_for(ProcKind::kPidDir, pid);
        e.status.inode.ino = ino_for(ProcKind::kPidStatus, pid);
        e.stat.inode.ino = ino_for(ProcKind::kPidStat, pid);
        e.task.inode.ino = ino_for(ProcKind::kTaskDir, pid);
        return &e;
    }
    kprintf("procfs: more than %d processes looked up at once; /proc/%d is not shown\n", kPidSlots, pid);
    return nullptr;
}

// The same for thread `tid` of process `pid`, whose task directory is `task`.
TidEntry* tid_entry(Inode* task, int pid, int tid) {
    SpinLockGuard guard(g_pool_lock);
    for (TidEntry& e : g_tids)
        if (e.slot.tid == tid && e.slot.pid == pid) return &e;
    for (TidEntry& e : g_tids) {
        if (e.slot.open_dirs > 0 || (e.slot.tid != 0 && thread_exists(e.slot.pid, e.slot.tid))) continue;
        e.slot.pid = pid;
        e.slot.tid = tid;
        label(e.dir, tid);
        e.dir.inode.parent = task;
        e.dir.inode.ino = ino_for(ProcKind::kTidDir, tid);
        e.status.inode.ino = ino_for(ProcKind::kTidStatus, tid);
        e.stat.inode.ino = ino_for(ProcKind::kTidStat, tid);
        return &e;
    }
    kprintf("procfs: more than %d threads looked up at once; thread %d is not shown\n", kTidSlots, tid);
    return nullptr;
}

// name[0, len) as a pid or tid: decimal digits, no leading zero, no
// overflow; -1 if it is not one.
int parse_id(const char* name, size_t len) {
    if (len == 0 || len > 9 || name[0] == '0') return -1;  // 9 digits: no int overflow
    int id = 0;
    for (size_t i = 0; i < len; i++) {
        if (name[i] < '0' || name[i] > '9') return -1;
        id = id * 10 + (name[i] - '0');
    }
    return id;
}

bool is_name(const char* name, size_t len, const char* literal) {
    return strlen(literal) == len && memcmp(name, literal, len) == 0;
}

Inode* pid_dir(int pid) {
    if (pid <= 0 || !process_exists(pid)) return nullptr;
    PidEntry* e = pid_entry(pid);
    return e ? &e->dir.inode : nullptr;
}

Inode* tid_dir(Inode* task, int pid, int tid) {
    if (tid <= 0 || !thread_exists(pid, tid)) return nullptr;
    TidEntry* e = tid_entry(task, pid, tid);
    return e ? &e->dir.inode : nullptr;
}

// /proc's names beyond its fixed children: numbers, "self", "thread-self".
Inode* lookup_root(Inode*, const char* name, size_t len) {
    Thread* self = current_thread();
    Process* process = self->process;
    if (is_name(name, len, "self")) return process ? pid_dir(process->pid) : nullptr;
    if (is_name(name, len, "thread-self")) {
        Inode* dir = process ? pid_dir(process->pid) : nullptr;
        return dir ? tid_dir(FsTree::find_child(dir, "task", 4), process->pid, self->tid) : nullptr;
    }
    return pid_dir(parse_id(name, len));
}

// A task directory's names: its process's tids.
Inode* lookup_task(Inode* task, const char* name, size_t len) {
    int pid = __atomic_load_n(&info_of(task).slot->pid, __ATOMIC_RELAXED);
    return tid_dir(task, pid, parse_id(name, len));
}

}  // namespace

bool procfs_add(FsTree& tree, Inode* root) {
    Inode* proc = tree.find_or_add_dir(root, "proc", 4);
    if (!proc) return false;
    proc->mode = kModeDir | 0555;
    proc->ops = &kRootOps;
    proc->private_data = &g_root_info;
    Inode* disk = tree.add(proc, "disk", 4, kModeRegular | 0444);
    if (!disk) return false;
    disk->ops = &kTextOps;
    disk->private_data = &g_disk_info;
    g_disk_node = disk;
    // The pool is built once; a tree build that failed for lack of memory
    // is retried from scratch, with a new /proc node.
    static bool built = false;
    if (!built) build_pool();
    built = true;
    for (PidEntry& e : g_pids) e.dir.inode.parent = proc;
    return true;
}

bool proc_tid_exists(int tid) {
    SpinLockGuard guard(process_tree_lock());
    Process* root = tree_root();
    for (Process* p = root; p; p = next_in_tree(p, root))
        if (find_thread(p, tid)) return true;
    return false;
}
