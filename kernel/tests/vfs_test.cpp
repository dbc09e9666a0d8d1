// kernel/tests/vfs_test.cpp - the file tree, path lookup, open files, fd
// tables and the tty line discipline, inside the kernel.
//
// These run from the boot thread with no process, so they never touch the
// current process's cwd or fd table: each test builds its own FsTree from a
// small cpio archive made right here, and walks it with an explicit
// PathStart. Data moves through kernel-mode UserBuffers. Every test ends
// with a leak check: the heap holds exactly as many allocations as before
// (xv6's usertests count free pages the same way).
#include "kernel/errno.h"
#include "kernel/fs/cpio.h"
#include "kernel/fs/devices.h"
#include "kernel/fs/file.h"
#include "kernel/fs/inode.h"
#include "kernel/fs/linux_abi.h"
#include "kernel/fs/tty.h"
#include "kernel/fs/vfs.h"
#include "kernel/ktest.h"
#include "kernel/lib/string.h"
#include "kernel/mm/heap.h"
#include "kernel/printk.h"
#include "kernel/syscall/handlers.h"

namespace {

constexpr uint32_t kDir = kModeDir | 0755, kFile = kModeRegular | 0644, kExec = kModeRegular | 0755;

// The test archive. Static: file contents point into it.
uint8_t g_archive[4096];
size_t g_archive_len;

// / +-- bin/ (0755)      +-- init "#!init"
//   +-- etc/ (implicit)  +-- motd "hello, world\n"
//   +-- a/b/c/ (implicit) +-- deep
//   +-- secret/ (0700)
//   +-- dev/
// Plus three entries the unpacker must skip: a device node "dev/tty0",
// "../evil" (outside the tree) and "bin/init/x" (under a file).
// (Only the test of unpacking itself adds those: each prints a warning.)
bool build_archive(bool with_skipped) {
    struct {
        const char* name;
        uint32_t mode;
        const char* data;
        bool skipped;
    } const entries[] = {
        {".", kDir, "", false},
        {"bin", kDir, "", false},
        {"bin/init", kExec, "#!init", false},
        {"./etc//motd", kFile, "hello, world\n", false},
        {"a/b/c/deep", kFile, "deep", false},
        {"secret", kModeDir | 0700, "", false},
        {"dev", kDir, "", false},
        {"dev/tty0", kModeChar | 0620, "", true},
        {"../evil", kFile, "evil", true},
        {"bin/init/x", kFile, "x", true},
    };
    g_archive_len = 0;
    for (const auto& e : entries) {
        if (e.skipped && !with_skipped) continue;
        if (!cpio_append(g_archive, sizeof g_archive, &g_archive_len, e.name, e.mode, e.data,
                         strlen(e.data)))
            return false;
    }
    return cpio_append_trailer(g_archive, sizeof g_archive, &g_archive_len);
}

// Heap allocations now; compare at the end of a test.
size_t allocations() { return heap_stats().allocations; }

// A tree unpacked from the archive, freed at the end of the scope.
struct TestTree {
    FsTree tree;
    long unpacked = 0;
    bool ok = false;

    explicit TestTree(bool with_skipped = false) {
        if (!build_archive(with_skipped)) return;
        unpacked = tree.unpack_cpio(g_archive, g_archive_len);
        ok = unpacked > 0;
    }
    Inode* root() const { return tree.root(); }
    PathStart at(const char* cwd) {
        Lookup found;
        if (path_lookup({root(), root()}, cwd, &found) != 0) return {root(), root()};
        return {root(), found.node};
    }
    Inode* find(const char* path) {
        Lookup found;
        return path_lookup({root(), root()}, path, &found) == 0 ? found.node : nullptr;
    }
};

UserBuffer kbuf(void* p, size_t n) { return UserBuffer{uintptr_t(p), n, true}; }

// Does `path` from `cwd` resolve to `want` (an absolute path), or fail with
// `error`?
bool resolves(TestTree& fs, const char* cwd, const char* path, int error, const char* want) {
    Lookup found;
    int result = path_lookup(fs.at(cwd), path, &found);
    if (result != error) return false;
    if (error) return found.node == nullptr;
    char got[256];
    return inode_path(found.node, got, sizeof got) > 0 && strcmp(got, want) == 0;
}

}  // namespace

KTEST(vfs_unpack_builds_tree) {
    size_t before = allocations();
    {
        TestTree fs(true);
        EXPECT(t, fs.ok);
        if (!fs.ok) return;
        // Entries added: bin, bin/init, etc/motd, a/b/c/deep, secret, dev.
        // "." only updates the root; "dev/tty0", "../evil" and "bin/init/x"
        // are skipped.
        EXPECT_EQ(t, fs.unpacked, 6);
        // root, bin, init, etc, motd, a, b, c, deep, secret, dev
        EXPECT_EQ(t, fs.tree.node_count(), 11);

        Inode* init = fs.find("/bin/init");
        EXPECT(t, init && init->is_regular());
        if (init) {
            EXPECT_EQ(t, init->mode, kExec);
            EXPECT_EQ(t, init->size, 6);
            EXPECT(t, memcmp(init->data, "#!init", 6) == 0);
            // In place: the data is inside the archive, not a copy.
            EXPECT(t, init->data > g_archive && init->data < g_archive + g_archive_len);
        }
        Inode* etc = fs.find("/etc");
        EXPECT(t, etc && etc->is_dir() && etc->mode == kDir);  // made implicitly, 0755
        Inode* secret = fs.find("/secret");
        EXPECT(t, secret && secret->mode == (kModeDir | 0700));
        EXPECT(t, fs.find("/a/b/c/deep") != nullptr);
        EXPECT(t, fs.find("/dev") != nullptr);
        EXPECT(t, fs.find("/dev/tty0") == nullptr);
        EXPECT(t, fs.find("/evil") == nullptr);

        // A corrupt archive adds nothing, and the tree is left as it was.
        g_archive[0] = 'X';
        EXPECT_EQ(t, fs.tree.unpack_cpio(g_archive, g_archive_len), -EINVAL);
        EXPECT_EQ(t, fs.tree.node_count(), 11);
        // A truncated one too.
        g_archive[0] = '0';
        EXPECT_EQ(t, fs.tree.unpack_cpio(g_archive, g_archive_len - 4), -EINVAL);
        EXPECT_EQ(t, fs.tree.node_count(), 11);
    }
    EXPECT_EQ(t, allocations(), before);
}

KTEST(vfs_path_lookup) {
    size_t before = allocations();
    {
        TestTree fs;
        if (!EXPECT(t, fs.ok)) return;
        struct Case {
            const char* cwd;
            const char* path;
            int error;
            const char* want;
        } const cases[] = {
            {"/", "/", 0, "/"},
            {"/", "/bin/init", 0, "/bin/init"},
            {"/", "bin//init", 0, "/bin/init"},
            {"/", "///bin///init", 0, "/bin/init"},
            {"/", "/bin/./init", 0, "/bin/init"},
            {"/", "/bin/../etc/motd", 0, "/etc/motd"},
            {"/", "/..", 0, "/"},
            {"/", "../../bin", 0, "/bin"},
            {"/", "/bin/", 0, "/bin"},
            {"/", "/bin/.", 0, "/bin"},
            {"/", ".", 0, "/"},
            {"/bin", "init", 0, "/bin/init"},
            {"/bin", "./init", 0, "/bin/init"},
            {"/bin", "../etc/motd", 0, "/etc/motd"},
            {"/bin", ".", 0, "/bin"},
            {"/bin", "..", 0, "/"},
            {"/bin", "/etc", 0, "/etc"},
            {"/a/b", "c/deep", 0, "/a/b/c/deep"},
            {"/a/b/c", "../../../../a", 0, "/a"},
            // Only directories have anything after them.
            {"/", "/bin/init/", -ENOTDIR, nullptr},
            {"/", "/bin/init/.", -ENOTDIR, nullptr},
            {"/", "/bin/init/..", -ENOTDIR, nullptr},
            {"/", "/bin/init/x", -ENOTDIR, nullptr},
            {"/bin", "init/", -ENOTDIR, nullptr},
            {"/", "/nope", -ENOENT, nullptr},
            {"/", "/nope/x", -ENOENT, nullptr},
            {"/", "/nope/..", -ENOENT, nullptr},  // no shortcut through a missing name
            {"/", "", -ENOENT, nullptr},
            {"/", "/BIN", -ENOENT, nullptr},      // names are case-sensitive
            {"/", "/bi", -ENOENT, nullptr},
            {"/", "/bin/initx", -ENOENT, nullptr},
        };
        for (const Case& c : cases) {
            bool ok = resolves(fs, c.cwd, c.path, c.error, c.want);
            if (!ok) kprintf("vfs_path_lookup: wrong: cwd \"%s\", path \"%s\"\n", c.cwd, c.path);
            EXPECT(t, ok);
        }

        // Where a missing last component would go (open(O_CREAT) uses it).
        Lookup found;
        EXPECT_EQ(t, path_lookup(fs.at("/"), "/bin/new", &found), -ENOENT);
        EXPECT(t, found.parent == fs.find("/bin"));
        EXPECT_EQ(t, path_lookup(fs.at("/"), "/bin/new/", &found), -ENOENT);
        EXPECT(t, found.parent == fs.find("/bin"));
        EXPECT_EQ(t, path_lookup(fs.at("/"), "/nope/new", &found), -ENOENT);
        EXPECT(t, found.parent == nullptr);

        // NAME_MAX: a 255-byte component is merely missing, 256 is too long.
        static char path[kPathMax + 8];
        path[0] = '/';
        memset(path + 1, 'x', 255);
        path[256] = '\0';
        EXPECT_EQ(t, path_lookup(fs.at("/"), path, &found), -ENOENT);
        path[256] = 'x';
        path[257] = '\0';
        EXPECT_EQ(t, path_lookup(fs.at("/"), path, &found), -ENAMETOOLONG);
        // PATH_MAX: 4095 characters are fine, 4096 are too long.
        memset(path, '/', kPathMax - 1);
        path[kPathMax - 1] = '\0';
        EXPECT_EQ(t, path_lookup(fs.at("/"), path, &found), 0);
        EXPECT(t, found.node == fs.root());
        path[kPathMax - 1] = '/';
        path[kPathMax] = '\0';
        EXPECT_EQ(t, path_lookup(fs.at("/"), path, &found), -ENAMETOOLONG);

        // inode_path needs room for the whole path and its NUL.
        char small[10];
        EXPECT_EQ(t, inode_path(fs.find("/bin/init"), small, sizeof small), 9);
        EXPECT(t, strcmp(small, "/bin/init") == 0);
        EXPECT_EQ(t, inode_path(fs.find("/bin/init"), small, 9), -ENAMETOOLONG);
        EXPECT_EQ(t, inode_path(fs.root(), small, 2), 1);
        EXPECT(t, strcmp(small, "/") == 0);
    }
    EXPECT_EQ(t, allocations(), before);
}

KTEST(vfs_open_flags) {
    size_t before = allocations();
    {
        TestTree fs;
        if (!EXPECT(t, fs.ok)) return;
        Inode* null = fs.tree.add_device(fs.find("/dev"), "null", kModeChar | 0666,
                                        linux_dev(kMemMajor, kNullMinor), null_open);
        EXPECT(t, null != nullptr);
        PathStart start = fs.at("/");
        struct Case {
            const char* path;
            int flags;
            int error;
        } const cases[] = {
            {"/bin/init", O_RDONLY, 0},
            {"/bin/init", O_RDONLY | O_CREAT, 0},  // exists: O_CREAT alone is fine
            {"/bin/init", O_RDONLY | O_CLOEXEC | O_NONBLOCK, 0},
            {"/bin/init", O_WRONLY, -EROFS},
            {"/bin/init", O_RDWR, -EROFS},
            {"/bin/init", O_RDONLY | O_TRUNC, -EROFS},
            {"/bin/init", O_ACCMODE, -EROFS},      // mode 3 asks for write permission
            {"/bin/init", O_RDONLY | O_CREAT | O_EXCL, -EEXIST},
            {"/bin/init", O_RDONLY | O_DIRECTORY, -ENOTDIR},
            {"/bin/new", O_WRONLY | O_CREAT, -EROFS},
            {"/bin/new", O_RDONLY, -ENOENT},
            {"/nope/new", O_WRONLY | O_CREAT, -ENOENT},
            {"/bin", O_RDONLY, 0},
            {"/bin", O_RDONLY | O_DIRECTORY, 0},
            {"/bin", O_WRONLY, -EISDIR},
            {"/bin", O_RDWR, -EISDIR},
            {"/bin", O_RDONLY | O_CREAT, -EISDIR},
            {"/bin", O_RDONLY | O_TRUNC, -EISDIR},
            {"/dev/null", O_RDWR, 0},
            {"/dev/null", O_WRONLY | O_TRUNC | O_CREAT, 0},  // devices ignore O_TRUNC
            {"/dev/null", O_RDONLY | O_DIRECTORY, -ENOTDIR},
        };
        for (const Case& c : cases) {
            int error = 12345;
            File* file = path_open(start, c.path, c.flags, &error);
            bool ok = c.error ? (!file && error == c.error) : (file && error == 0);
            if (!ok) kprintf("vfs_open_flags: wrong: \"%s\" flags 0%o: error %d\n", c.path, c.flags, error);
            EXPECT(t, ok);
            if (file) {
                int access = c.flags & O_ACCMODE;
                EXPECT_EQ(t, file->readable, access == O_RDONLY || access == O_RDWR);
                EXPECT_EQ(t, file->writable, access == O_WRONLY || access == O_RDWR);
                EXPECT_EQ(t, file->open_flags, c.flags);
                EXPECT(t, file->inode != nullptr);
                file->put();
            }
        }
    }
    EXPECT_EQ(t, allocations(), before);
}

KTEST(vfs_read_and_lseek) {
    size_t before = allocations();
    {
        TestTree fs;
        if (!EXPECT(t, fs.ok)) return;
        int error;
        FileRef file(path_open(fs.at("/etc"), "motd", O_RDONLY, &error));
        if (!EXPECT(t, file)) return;
        EXPECT(t, file->seekable);
        char buf[32] = {};
        EXPECT_EQ(t, file->read(kbuf(buf, 5), &file->offset), 5);
        EXPECT(t, memcmp(buf, "hello", 5) == 0);
        EXPECT_EQ(t, file->read(kbuf(buf, sizeof buf), &file->offset), 8);
        EXPECT(t, memcmp(buf, ", world\n", 8) == 0);
        EXPECT_EQ(t, file->read(kbuf(buf, sizeof buf), &file->offset), 0);  // EOF
        EXPECT_EQ(t, file->read(kbuf(buf, 0), &file->offset), 0);

        EXPECT_EQ(t, file->lseek(&file->offset, 7, SEEK_SET), 7);
        EXPECT_EQ(t, file->read(kbuf(buf, 5), &file->offset), 5);
        EXPECT(t, memcmp(buf, "world", 5) == 0);
        EXPECT_EQ(t, file->lseek(&file->offset, -1, SEEK_END), 12);
        EXPECT_EQ(t, file->lseek(&file->offset, -2, SEEK_CUR), 10);
        EXPECT_EQ(t, file->lseek(&file->offset, -11, SEEK_CUR), -EINVAL);  // before the start
        EXPECT_EQ(t, file->offset, 10);                                   // ... changes nothing
        EXPECT_EQ(t, file->lseek(&file->offset, 0, 3), -EINVAL);           // SEEK_DATA: no
        EXPECT_EQ(t, file->lseek(&file->offset, 1000, SEEK_SET), 1000);    // past the end is fine
        EXPECT_EQ(t, file->read(kbuf(buf, sizeof buf), &file->offset), 0);
        EXPECT_EQ(t, file->lseek(&file->offset, INT64_MAX, SEEK_SET), INT64_MAX);
        EXPECT_EQ(t, file->lseek(&file->offset, 1, SEEK_CUR), -EINVAL);   // would overflow

        // pread-style: a caller's own offset leaves the file's alone.
        uint64_t position = 0;
        EXPECT_EQ(t, file->read(kbuf(buf, 5), &position), 5);
        EXPECT_EQ(t, position, 5);
        EXPECT_EQ(t, file->offset, uint64_t(INT64_MAX));

        // Outside the buffer is -EFAULT, however the sizes are chosen.
        UserBuffer small = kbuf(buf, 4);
        EXPECT_EQ(t, small.write(3, "ab", 2), -EFAULT);
        EXPECT_EQ(t, small.write(5, "", 0), -EFAULT);
        EXPECT_EQ(t, small.write(1, "ab", SIZE_MAX), -EFAULT);
        EXPECT_EQ(t, small.write(2, "ab", 2), 0);

        // A directory is not read with read(), and a file has no entries.
        FileRef dir(path_open(fs.at("/"), "bin", O_RDONLY, &error));
        if (!EXPECT(t, dir)) return;
        EXPECT_EQ(t, dir->read(kbuf(buf, sizeof buf), &dir->offset), -EISDIR);
        EXPECT_EQ(t, dir->write(kbuf(buf, sizeof buf), &dir->offset), -EINVAL);
        EXPECT_EQ(t, file->getdents64(kbuf(buf, sizeof buf), &file->offset), -ENOTDIR);
        EXPECT_EQ(t, file->ioctl(0x5401, 0), -ENOTTY);  // TCGETS: not a terminal

        // stat: sizes, link counts, types.
        KStat st;
        EXPECT_EQ(t, file->stat(&st), 0);
        EXPECT_EQ(t, st.mode, kFile);
        EXPECT_EQ(t, st.size, 13);
        EXPECT_EQ(t, st.nlink, 1);
        EXPECT_EQ(t, st.blocks, 1);
        EXPECT_EQ(t, st.ino, fs.find("/etc/motd")->ino);
        inode_stat(fs.root(), &st);
        EXPECT_EQ(t, st.mode & kModeTypeMask, kModeDir);
        EXPECT_EQ(t, st.nlink, 2 + 5);  // ".", its name, and bin etc a secret dev's ".."
    }
    EXPECT_EQ(t, allocations(), before);
}

namespace {
// One parsed linux_dirent64 record.
struct Dirent {
    uint64_t ino;
    int64_t off;
    uint16_t reclen;
    uint8_t type;
    const char* name;
};
Dirent dirent_at(const uint8_t* p) {
    Dirent d;
    memcpy(&d.ino, p, 8);
    memcpy(&d.off, p + 8, 8);
    memcpy(&d.reclen, p + 16, 2);
    d.type = p[18];
    d.name = reinterpret_cast<const char*>(p + kDirentNameOffset);
    return d;
}
}  // namespace

KTEST(vfs_getdents64_records) {
    size_t before = allocations();
    {
        TestTree fs;
        if (!EXPECT(t, fs.ok)) return;
        int error;
        FileRef dir(path_open(fs.at("/"), "/", O_RDONLY | O_DIRECTORY, &error));
        if (!EXPECT(t, dir)) return;

        alignas(8) static uint8_t buf[1024];
        long n = dir->getdents64(kbuf(buf, sizeof buf), &dir->offset);
        // ".", "..", then the children in archive order.
        const struct {
            const char* name;
            uint8_t type;
        } want[] = {{".", DT_DIR}, {"..", DT_DIR}, {"bin", DT_DIR}, {"etc", DT_DIR},
                    {"a", DT_DIR}, {"secret", DT_DIR}, {"dev", DT_DIR}};
        size_t at = 0;
        int64_t index = 0;
        for (const auto& w : want) {
            if (!EXPECT(t, at + kDirentNameOffset < size_t(n))) break;
            Dirent d = dirent_at(buf + at);
            EXPECT(t, strcmp(d.name, w.name) == 0);
            EXPECT_EQ(t, d.type, w.type);
            EXPECT_EQ(t, d.reclen % 8, 0);
            EXPECT_EQ(t, d.reclen, dirent_record_size(strlen(w.name)));
            EXPECT_EQ(t, d.off, index + 1);  // where the next record starts
            index++;
            at += d.reclen;
        }
        EXPECT_EQ(t, at, size_t(n));  // nothing more
        EXPECT_EQ(t, dirent_at(buf).ino, fs.root()->ino);
        EXPECT_EQ(t, dirent_at(buf + 24).ino, fs.root()->ino);  // the root's ".." is itself
        // At the end: 0.
        EXPECT_EQ(t, dir->getdents64(kbuf(buf, sizeof buf), &dir->offset), 0);

        // One record at a time: "." takes 24 bytes; 23 is too small to make
        // any progress, which is -EINVAL.
        EXPECT_EQ(t, dir->lseek(&dir->offset, 0, SEEK_SET), 0);
        EXPECT_EQ(t, dir->getdents64(kbuf(buf, 23), &dir->offset), -EINVAL);
        EXPECT_EQ(t, dir->getdents64(kbuf(buf, 24), &dir->offset), 24);
        EXPECT(t, strcmp(dirent_at(buf).name, ".") == 0);
        EXPECT_EQ(t, dir->getdents64(kbuf(buf, 24), &dir->offset), 24);
        EXPECT(t, strcmp(dirent_at(buf).name, "..") == 0);
        // A d_off from before is a place to continue from.
        EXPECT_EQ(t, dir->lseek(&dir->offset, 5, SEEK_SET), 5);
        EXPECT_EQ(t, dir->getdents64(kbuf(buf, sizeof buf), &dir->offset), 32 + 24);
        EXPECT(t, strcmp(dirent_at(buf).name, "secret") == 0);  // 19 + 7 bytes, padded to 32
        EXPECT(t, strcmp(dirent_at(buf + 32).name, "dev") == 0);
        // Far past the end: nothing, not an error.
        EXPECT_EQ(t, dir->lseek(&dir->offset, 1000000, SEEK_SET), 1000000);
        EXPECT_EQ(t, dir->getdents64(kbuf(buf, sizeof buf), &dir->offset), 0);

        // A file's type shows in d_type, a directory's nested entries too.
        FileRef bin(path_open(fs.at("/"), "/bin", O_RDONLY, &error));
        if (!EXPECT(t, bin)) return;
        n = bin->getdents64(kbuf(buf, sizeof buf), &bin->offset);
        EXPECT_EQ(t, n, 24 + 24 + 24);
        Dirent init = dirent_at(buf + 48);
        EXPECT(t, strcmp(init.name, "init") == 0);
        EXPECT_EQ(t, init.type, DT_REG);
        EXPECT_EQ(t, init.ino, fs.find("/bin/init")->ino);
        EXPECT_EQ(t, dirent_at(buf + 24).ino, fs.root()->ino);  // /bin's ".."
    }
    EXPECT_EQ(t, allocations(), before);
}

KTEST(vfs_fd_table) {
    size_t before = allocations();
    {
        FdTable* table = FdTable::create();
        if (!EXPECT(t, table)) return;
        File* a = null_open();
        File* b = null_open();
        File* c = null_open();
        if (!EXPECT(t, a && b && c)) return;

        // Lowest free descriptor first. Each install takes one reference:
        // b gets one per descriptor plus one the test keeps to look at it.
        EXPECT_EQ(t, table->install(a), 0);
        b->get();
        b->get();
        EXPECT_EQ(t, table->install(b), 1);
        EXPECT_EQ(t, table->install(b), 2);  // two descriptors, one File (dup)
        EXPECT_EQ(t, b->ref_count(), 3);
        EXPECT_EQ(t, table->close(1), 0);
        EXPECT_EQ(t, b->ref_count(), 2);
        EXPECT_EQ(t, table->close(1), -EBADF);  // already closed
        c->get();
        EXPECT_EQ(t, table->install(c), 1);  // the hole is reused
        EXPECT_EQ(t, table->install(c, 5, true), 5);
        EXPECT(t, table->is_cloexec(5));
        EXPECT(t, !table->is_cloexec(1));
        EXPECT_EQ(t, table->count_open(), 4);

        // lookup hands out a new reference.
        File* found = table->lookup(5);
        EXPECT(t, found == c);
        EXPECT_EQ(t, c->ref_count(), 3);
        found->put();
        EXPECT(t, table->lookup(3) == nullptr);
        EXPECT(t, table->lookup(-1) == nullptr);
        EXPECT(t, table->lookup(FdTable::kMaxFds) == nullptr);
        EXPECT_EQ(t, table->close(-1), -EBADF);
        EXPECT_EQ(t, table->close(FdTable::kMaxFds), -EBADF);
        EXPECT_EQ(t, table->install(a, -1), -EINVAL);
        EXPECT_EQ(t, table->install(a, FdTable::kMaxFds), -EINVAL);

        // install_at replaces (dup2): the old File loses its reference.
        a->get();
        EXPECT_EQ(t, table->install_at(2, a, false), 2);
        EXPECT_EQ(t, b->ref_count(), 1);  // only our own reference is left
        EXPECT_EQ(t, table->install_at(FdTable::kMaxFds, a, false), -EBADF);
        b->put();  // b is gone

        // A clone shares the Files; putting it drops only its references.
        FdTable* copy = table->clone();
        if (EXPECT(t, copy)) {
            EXPECT_EQ(t, copy->count_open(), 4);
            EXPECT_EQ(t, c->ref_count(), 4);
            EXPECT(t, copy->is_cloexec(5));
            copy->put();
            EXPECT_EQ(t, c->ref_count(), 2);
        }

        // execve closes the O_CLOEXEC ones.
        table->close_on_exec();
        EXPECT(t, table->lookup(5) == nullptr);
        EXPECT_EQ(t, c->ref_count(), 1);
        EXPECT_EQ(t, table->count_open(), 3);

        // Full: -EMFILE, and the caller keeps its reference.
        int filled = 0;
        for (;;) {
            a->get();
            int fd = table->install(a);
            if (fd < 0) {
                EXPECT_EQ(t, fd, -EMFILE);
                a->put();
                break;
            }
            filled++;
        }
        EXPECT_EQ(t, filled, FdTable::kMaxFds - 3);
        EXPECT_EQ(t, table->count_open(), FdTable::kMaxFds);

        // The last put closes everything; the heap check below proves the
        // Files were freed.
        table->put();
    }
    EXPECT_EQ(t, allocations(), before);
}

KTEST(vfs_dev_nodes) {
    // The system tree: /dev exists even without an initramfs.
    Inode* root = vfs_root();
    if (!EXPECT(t, root)) return;
    Lookup found;
    EXPECT_EQ(t, path_lookup({root, root}, "/dev/console", &found), 0);
    size_t before = allocations();
    {
        FileRef console(console_file());
        if (!EXPECT(t, console)) return;
        EXPECT(t, console->readable && console->writable && !console->seekable);
        KStat st;
        EXPECT_EQ(t, console->stat(&st), 0);
        EXPECT_EQ(t, st.mode & kModeTypeMask, kModeChar);
        EXPECT_EQ(t, st.rdev, 0x501);  // makedev(5, 1)
        uint64_t offset = 0;
        EXPECT_EQ(t, console->lseek(&offset, 0, SEEK_SET), -ESPIPE);
        char text[] = "vfs_dev_nodes: console write\n";
        EXPECT_EQ(t, console->write(kbuf(text, sizeof text - 1), &offset), long(sizeof text - 1));

        int error;
        FileRef null(path_open({root, root}, "/dev/null", O_RDWR, &error));
        if (!EXPECT(t, null)) return;
        EXPECT_EQ(t, null->write(kbuf(text, 5), &null->offset), 5);
        EXPECT_EQ(t, null->read(kbuf(text, 5), &null->offset), 0);
        EXPECT_EQ(t, null->stat(&st), 0);
        EXPECT_EQ(t, st.rdev, 0x103);  // makedev(1, 3)
    }
    EXPECT_EQ(t, allocations(), before);
}

namespace {
// Types `input` and reads one line back (without blocking).
long type_and_read(const char* input, char* out, size_t size) {
    for (const char* p = input; *p; p++) tty_input(*p);
    return tty_read(kbuf(out, size), true);
}
}  // namespace

KTEST(tty_line_editing) {
    bool echo = tty_echo();
    tty_set_echo(false);  // keep the test's typing off the console
    tty_flush_input();
    char line[300];

    EXPECT_EQ(t, tty_read(kbuf(line, sizeof line), true), -EAGAIN);  // nothing typed
    EXPECT_EQ(t, type_and_read("abc", line, sizeof line), -EAGAIN);  // no Enter yet
    EXPECT_EQ(t, type_and_read("\n", line, sizeof line), 4);
    EXPECT(t, memcmp(line, "abc\n", 4) == 0);

    // Backspace (DEL and ^H), ^U, ^C.
    EXPECT_EQ(t, type_and_read("ab\x7f" "c\bd\n", line, sizeof line), 3);
    EXPECT(t, memcmp(line, "ad\n", 3) == 0);
    EXPECT_EQ(t, type_and_read("\x7f\x7fok\n", line, sizeof line), 3);  // erasing nothing is harmless
    EXPECT_EQ(t, type_and_read("junk\x15ok\n", line, sizeof line), 3);
    EXPECT(t, memcmp(line, "ok\n", 3) == 0);
    EXPECT_EQ(t, type_and_read("junk\x03" "ok\n", line, sizeof line), 3);
    EXPECT(t, memcmp(line, "ok\n", 3) == 0);
    // A UTF-8 character (e-acute, two bytes) is erased whole.
    EXPECT_EQ(t, type_and_read("x\xc3\xa9\x7fy\n", line, sizeof line), 3);
    EXPECT(t, memcmp(line, "xy\n", 3) == 0);
    // Enter is CR on a terminal: it arrives as NL.
    EXPECT_EQ(t, type_and_read("cr\r", line, sizeof line), 3);
    EXPECT(t, memcmp(line, "cr\n", 3) == 0);
    // A completed line cannot be edited any more.
    EXPECT_EQ(t, type_and_read("one\n\x7f\x7f", line, sizeof line), 4);
    EXPECT_EQ(t, type_and_read("\n", line, sizeof line), 1);

    // ^D: sends the line without a NL; on an empty line it is end of file.
    EXPECT_EQ(t, type_and_read("abc\x04", line, sizeof line), 3);
    EXPECT(t, memcmp(line, "abc", 3) == 0);
    EXPECT_EQ(t, type_and_read("\x04", line, sizeof line), 0);
    EXPECT_EQ(t, tty_read(kbuf(line, sizeof line), true), -EAGAIN);
    // A read that fills up right at the ^D takes it too: no false EOF next.
    EXPECT_EQ(t, type_and_read("xyz\x04", line, 3), 3);
    EXPECT_EQ(t, tty_read(kbuf(line, sizeof line), true), -EAGAIN);

    // A small buffer gets the line in pieces; one read never crosses a line.
    EXPECT_EQ(t, type_and_read("hello\nworld\n", line, 2), 2);
    EXPECT(t, memcmp(line, "he", 2) == 0);
    EXPECT_EQ(t, tty_bytes_ready(), 10u);
    EXPECT_EQ(t, tty_read(kbuf(line, 3), true), 3);
    EXPECT(t, memcmp(line, "llo", 3) == 0);
    EXPECT_EQ(t, tty_read(kbuf(line, sizeof line), true), 1);
    EXPECT_EQ(t, tty_read(kbuf(line, sizeof line), true), 6);
    EXPECT(t, memcmp(line, "world\n", 6) == 0);
    EXPECT_EQ(t, tty_read(kbuf(line, 0), true), 0);  // zero bytes asked: zero given

    // A line is at most 255 characters and its NL: the rest is dropped.
    for (int i = 0; i < 290; i++) tty_input('L');
    EXPECT_EQ(t, type_and_read("\n", line, sizeof line), 256);
    EXPECT_EQ(t, line[254], 'L');
    EXPECT_EQ(t, line[255], '\n');

    // Typing ahead: lines queue until the buffer is full; what does not fit
    // is dropped, and reading makes room again.
    for (int i = 0; i < 20; i++) {
        for (int j = 0; j < 99; j++) tty_input('q');
        tty_input('\n');
    }
    // Ten lines fit whole; the eleventh is cut to the 23 bytes left before
    // its NL; the rest are lost.
    EXPECT_EQ(t, tty_bytes_ready(), 1024u);
    int lines = 0;
    while (tty_read(kbuf(line, sizeof line), true) > 0) lines++;
    EXPECT_EQ(t, lines, 11);
    EXPECT_EQ(t, type_and_read("again\n", line, sizeof line), 6);

    tty_flush_input();
    tty_set_echo(echo);
}

KTEST(misc_syscall_arguments) {
    // Argument checks that fail before any user memory is touched (these
    // tests have no process and no user memory).
    EXPECT_EQ(t, sys_clock_gettime(8, 0), -EINVAL);
    EXPECT_EQ(t, sys_clock_gettime(-1, 0), -EINVAL);
    EXPECT_EQ(t, sys_clock_getres(0, 0), 0);   // CLOCK_REALTIME exists
    EXPECT_EQ(t, sys_clock_getres(7, 0), 0);   // CLOCK_BOOTTIME too
    EXPECT_EQ(t, sys_clock_getres(12, 0), -EINVAL);
    EXPECT_EQ(t, sys_clock_nanosleep(3, 0, 0, 0), -EOPNOTSUPP);   // THREAD_CPUTIME
    EXPECT_EQ(t, sys_clock_nanosleep(4, 0, 0, 0), -EOPNOTSUPP);   // MONOTONIC_RAW
    EXPECT_EQ(t, sys_clock_nanosleep(99, 0, 0, 0), -EINVAL);
    EXPECT_EQ(t, sys_getuid(), 0);
    EXPECT_EQ(t, sys_geteuid(), 0);
    EXPECT_EQ(t, sys_getgid(), 0);
    EXPECT_EQ(t, sys_getegid(), 0);
}
