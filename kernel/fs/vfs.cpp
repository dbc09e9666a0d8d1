// kernel/fs/vfs.cpp - the system's one file tree, and paths seen from the
// current process. See vfs.h.
#include "kernel/fs/vfs.h"

#include "drivers/slow_disk.h"
#include "kernel/errno.h"
#include "kernel/fs/devices.h"
#include "kernel/fs/disk_files.h"
#include "kernel/fs/linux_abi.h"
#include "kernel/fs/procfs.h"
#include "kernel/fs/tty.h"
#include "kernel/lib/string.h"
#include "kernel/proc/process.h"

namespace {

FsTree g_tree;
// The root, published once the base tree is complete. Read without a lock:
// the tree never changes after vfs_init, only grows during it.
Inode* g_root = nullptr;
SpinLock g_init_lock;  // building the tree
SpinLock g_cwd_lock;   // every Process::cwd string (chdir vs. path lookups)

// The root with /dev/console and /dev/null: what exists without an initramfs.
// Called with g_init_lock held. Out of memory, it leaves nothing behind, so
// a later call can try again.
bool build_base_tree() {
    if (g_root) return true;
    Inode* dev = g_tree.init() ? g_tree.find_or_add_dir(g_tree.root(), "dev", 3) : nullptr;
    // Permissions as a Linux system sets them: anyone may use /dev/null,
    // the console belongs to its user and the tty group.
    if (!dev ||
        !g_tree.add_device(dev, "console", kModeChar | 0620, linux_dev(kConsoleMajor, kConsoleMinor),
                           console_open) ||
        !g_tree.add_device(dev, "null", kModeChar | 0666, linux_dev(kMemMajor, kNullMinor),
                           null_open) ||
        // Files the kernel makes up: /proc (procfs.h) and /disk (disk_files.h).
        !procfs_add(g_tree, g_tree.root()) || !disk_files_add(g_tree, g_tree.root(), &slow_disk())) {
        g_tree.destroy();
        return false;
    }
    __atomic_store_n(&g_root, g_tree.root(), __ATOMIC_RELEASE);
    return true;
}

}  // namespace

long vfs_init(const uint8_t* data, size_t size) {
    // From now on what is typed at the console goes to /dev/console's readers.
    tty_init();
    SpinLockGuard guard(g_init_lock);
    if (!build_base_tree()) return -ENOMEM;
    if (!data || size == 0) return 0;
    return g_tree.unpack_cpio(data, size);
}

Inode* vfs_root() {
    if (Inode* root = __atomic_load_n(&g_root, __ATOMIC_ACQUIRE)) return root;
    SpinLockGuard guard(g_init_lock);
    return build_base_tree() ? g_root : nullptr;
}

PathStart vfs_start_at(Inode* dir) { return {vfs_root(), dir}; }

PathStart vfs_start() {
    Inode* root = vfs_root();
    Process* process = current_process();
    if (!root || !process) return {root, root};
    // The cwd is kept as a path (Process::cwd). Copy it under the lock -
    // another thread may chdir meanwhile - then find its directory. In a
    // tree that never changes, the directory is still there.
    char cwd[sizeof process->cwd];
    {
        SpinLockGuard guard(g_cwd_lock);
        memcpy(cwd, process->cwd, sizeof cwd);
    }
    cwd[sizeof cwd - 1] = '\0';
    Lookup found;
    if (path_lookup({root, root}, cwd, &found) == 0 && found.node->is_dir()) return {root, found.node};
    return {root, root};
}

File* vfs_open(const char* path, int flags, int* error) {
    PathStart start = vfs_start();
    if (!start.root) {
        *error = -ENOMEM;
        return nullptr;
    }
    return path_open(start, path, flags, error);
}

int vfs_file_data(const char* path, const uint8_t** data, size_t* size) {
    PathStart start = vfs_start();
    if (!start.root) return -ENOMEM;
    Lookup found;
    if (int error = path_lookup(start, path, &found)) return error;
    Inode* node = found.node;
    // Only regular files run, and only with an execute bit for someone
    // (the check Linux makes even for root).
    if (!node->is_regular() || !(node->mode & 0111)) return -EACCES;
    *data = node->data;
    *size = node->size;
    return 0;
}

int vfs_chdir(const char* path) {
    Process* process = current_process();
    PathStart start = vfs_start();
    if (!process || !start.root) return -ENOENT;
    Lookup found;
    if (int error = path_lookup(start, path, &found)) return error;
    if (!found.node->is_dir()) return -ENOTDIR;
    // Store the canonical path ("/bin", never "/usr/../bin/."), so getcwd
    // can simply copy it.
    char cwd[sizeof process->cwd];
    long len = inode_path(found.node, cwd, sizeof cwd);
    if (len < 0) return int(len);
    SpinLockGuard guard(g_cwd_lock);
    memcpy(process->cwd, cwd, size_t(len) + 1);
    return 0;
}

long vfs_getcwd(char* buf, size_t size) {
    Process* process = current_process();
    const char* cwd = process ? process->cwd : "/";
    SpinLockGuard guard(g_cwd_lock);
    size_t len = strnlen(cwd, sizeof process->cwd - 1);
    if (len + 1 > size) return -ERANGE;
    memcpy(buf, cwd, len);
    buf[len] = '\0';
    return long(len);
}

File* console_file() {
    Inode* root = vfs_root();
    if (!root) return nullptr;
    int error;
    return path_open({root, root}, "/dev/console", O_RDWR, &error);
}
