// kernel/fs/inode.h - the in-memory file tree and path lookup.
//
// Handoff has one file system: a tree of Inodes built at boot from the
// initramfs (plus the built-in device nodes under /dev). A directory Inode
// holds the list of its children; a regular file points at its contents
// inside the archive, which stays in memory for good, so unpacking copies no
// file data. Nothing is ever created or removed afterwards (the tree is
// read-only, like Linux's rootfs would be if it refused writes), which is
// why a raw Inode* may be kept anywhere - in an open File, as a working
// directory - without reference counts. Compare Linux's ramfs/initramfs
// (fs/ramfs, init/initramfs.c), and xv6's inodes, which live on disk.
//
// Path lookup (Linux's fs/namei.c, xv6's namei) is here too. It takes an
// explicit PathStart - the root and the directory relative paths start from -
// so that the kernel's own tests can build and search trees of their own; a
// process's paths go through kernel/fs/vfs.h, which supplies its cwd.
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "kernel/fs/file.h"
#include "kernel/lib/list.h"

struct InodeOps;

struct Inode {
    uint64_t ino = 0;         // unique in its tree; stat()'s st_ino
    uint32_t mode = 0;        // kMode* type | permission bits, as st_mode
    uint32_t uid = 0, gid = 0;
    int64_t mtime = 0;        // seconds since 1970 (from the archive)
    // Its name in its parent: not NUL-terminated. Points into the archive
    // (or at a string literal for built-in nodes), like the file data.
    const char* name = nullptr;
    size_t name_len = 0;
    Inode* parent = nullptr;  // ".."; the root is its own parent

    // Directories: the children, in the order they were added.
    ListNode sibling_node;
    IntrusiveList<Inode, &Inode::sibling_node> children;

    // Regular files: the contents, in place in the archive.
    const uint8_t* data = nullptr;
    size_t size = 0;

    // Character devices: Linux's encoded device number, and what opening
    // the node creates (a new File, or nullptr when out of memory).
    uint64_t rdev = 0;
    File* (*open_device)() = nullptr;

    // Nodes whose contents the kernel makes up when asked (/proc, /disk):
    // their hooks, and what the hooks use to tell their nodes apart (Linux's
    // inode->i_op / i_fop and i_private). nullptr for the initramfs's nodes.
    const InodeOps* ops = nullptr;
    void* private_data = nullptr;

    uint32_t type() const { return mode & kModeTypeMask; }
    bool is_dir() const { return type() == kModeDir; }
    bool is_regular() const { return type() == kModeRegular; }
    // Is this node called name[0, len)?
    bool has_name(const char* name, size_t len) const;
};

// The hooks of a made-up node; either may be nullptr.
struct InodeOps {
    // Opens the node, in place of the initramfs file or directory listing
    // (inode_open has checked the access mode already). A new File, or
    // nullptr with *error set.
    File* (*open)(Inode* node, int flags, int* error);
    // A directory's child that is not in `children` (/proc/<pid>, made when
    // first looked up), or nullptr. Like every node, the one returned must
    // never be freed: Files and path walks keep raw pointers to nodes.
    Inode* (*lookup)(Inode* dir, const char* name, size_t len);
};

// A tree of Inodes and the counter that numbers them.
class FsTree {
public:
    FsTree() = default;
    ~FsTree() { destroy(); }
    FsTree(const FsTree&) = delete;
    FsTree& operator=(const FsTree&) = delete;

    // Creates the empty root directory (mode 0755). False when out of memory.
    bool init();
    // Frees every node; root() is nullptr again.
    void destroy();
    Inode* root() const { return root_; }

    // The child of `dir` called name[0, len), or nullptr.
    static Inode* find_child(Inode* dir, const char* name, size_t len);
    // Adds a new node under `dir` (which must not have a child of that name).
    // `name` must stay valid as long as the tree. nullptr when out of memory.
    Inode* add(Inode* dir, const char* name, size_t len, uint32_t mode);
    // The directory `name` under `dir`, created (mode 0755) if missing.
    // nullptr when out of memory or if a non-directory has that name.
    Inode* find_or_add_dir(Inode* dir, const char* name, size_t len);
    // A character device node under `dir`.
    Inode* add_device(Inode* dir, const char* name, uint32_t mode, uint64_t rdev,
                      File* (*open)());

    // Adds every entry of the cpio archive [data, data+size), which must
    // outlive the tree: regular files (their contents stay in the archive)
    // and directories, with parent directories created as needed. Other
    // types (symlinks, device nodes, fifos) and names that cannot be looked
    // up (a ".." component, a component over 255 bytes) are skipped with a
    // warning. Hard links are not: cpio lists such a file once per name with
    // its data only under the last, so the other names come out empty.
    // Returns the number of entries added, or -EINVAL for a malformed
    // archive (checked before anything is added), or -ENOMEM (the tree then
    // holds what was added so far). Creates the root if init() was not called.
    long unpack_cpio(const uint8_t* data, size_t size);

    size_t node_count() const { return nodes_; }

private:
    Inode* root_ = nullptr;
    uint64_t next_ino_ = 1;
    size_t nodes_ = 0;
};

// Where a path walk starts: `root` for absolute paths (and the limit of
// ".."), `cwd` for relative ones. Both directories of the same tree.
struct PathStart {
    Inode* root;
    Inode* cwd;
};

// The result of a walk. When only the last component is missing, `parent`
// is the directory it would be in (for O_CREAT's -EROFS) and node nullptr.
struct Lookup {
    Inode* node = nullptr;
    Inode* parent = nullptr;
};

// Resolves `path` (a kernel string): `/` separated, repeated slashes count
// as one, `.` is the directory itself, `..` its parent (the root's parent is
// the root). 0 and out->node set, or:
//   -ENOENT        a component does not exist, or the path is empty
//   -ENOTDIR       a component other than the last is not a directory, or
//                  the path ends in `/` (or `/.`) and names a non-directory
//   -ENAMETOOLONG  a component is longer than 255 bytes, or the whole path
//                  longer than 4095
int path_lookup(const PathStart& start, const char* path, Lookup* out);

// Opens `node` with Linux open() flags: checks the access mode against the
// node's type (-EISDIR, -EROFS, -ENOTDIR for O_DIRECTORY) and makes the
// File. nullptr with *error set on failure (-ENOMEM too).
File* inode_open(Inode* node, int flags, int* error);
// Looks `path` up and opens it; O_CREAT/O_EXCL are decided here (-EEXIST,
// or -EROFS for a name that does not exist yet: nothing can be created).
File* path_open(const PathStart& start, const char* path, int flags, int* error);

// stat() of a node (Linux's generic_fillattr).
void inode_stat(Inode* node, KStat* st);
// The absolute path of `node` ("/", "/bin") into buf[size]: its length, or
// -ENAMETOOLONG if it does not fit with its NUL. For chdir and getcwd.
long inode_path(const Inode* node, char* buf, size_t size);
