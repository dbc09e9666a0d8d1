// kernel/fs/path.cpp - from a path string to an Inode, and back.
//
// The walk is Linux's link_path_walk (fs/namei.c) without symlinks, mounts
// or permissions: one component at a time from the root or the start
// directory. Two rules that are easy to miss: only a directory can have
// anything after it ("file/x", "file/.", even "file/" fail with -ENOTDIR),
// and ".." at the root stays at the root. Compare xv6's namex().
#include "kernel/errno.h"
#include "kernel/fs/inode.h"
#include "kernel/fs/linux_abi.h"
#include "kernel/lib/string.h"

int path_lookup(const PathStart& start, const char* path, Lookup* out) {
    *out = {};
    // PATH_MAX counts the NUL: 4095 characters at most.
    size_t total = strnlen(path, kPathMax);
    if (total >= kPathMax) return -ENAMETOOLONG;
    if (total == 0) return -ENOENT;  // "" names nothing (AT_EMPTY_PATH is the caller's)

    Inode* node = path[0] == '/' ? start.root : start.cwd;
    const char* p = path;
    for (;;) {
        while (*p == '/') p++;  // "a//b" is "a/b"
        if (*p == '\0') break;
        const char* name = p;
        while (*p != '\0' && *p != '/') p++;
        size_t len = size_t(p - name);

        if (len > kNameMax) return -ENAMETOOLONG;
        if (!node->is_dir()) return -ENOTDIR;
        if (len == 1 && name[0] == '.') continue;
        if (len == 2 && name[0] == '.' && name[1] == '.') {
            if (node != start.root) node = node->parent;
            continue;
        }
        Inode* child = FsTree::find_child(node, name, len);
        // A directory the kernel fills on demand (/proc) may know more names.
        if (!child && node->ops && node->ops->lookup) child = node->ops->lookup(node, name, len);
        if (!child) {
            // Missing. If it was the last component, its directory exists:
            // tell the caller (open(O_CREAT) answers -EROFS rather than -ENOENT).
            while (*p == '/') p++;
            if (*p == '\0') out->parent = node;
            return -ENOENT;
        }
        node = child;
    }
    // A trailing slash insists on a directory.
    if (path[total - 1] == '/' && !node->is_dir()) return -ENOTDIR;
    out->node = node;
    return 0;
}

File* path_open(const PathStart& start, const char* path, int flags, int* error) {
    Lookup found;
    int result = path_lookup(start, path, &found);
    // The tree is read-only: a new name can never be created.
    if (result == -ENOENT && (flags & O_CREAT) && found.parent) result = -EROFS;
    if (result == 0 && (flags & O_CREAT) && (flags & O_EXCL)) result = -EEXIST;
    if (result < 0) {
        *error = result;
        return nullptr;
    }
    return inode_open(found.node, flags, error);
}

long inode_path(const Inode* node, char* buf, size_t size) {
    // Measure first (each component is "/" + name), then fill from the end,
    // walking up through the parents a second time.
    size_t len = 0;
    for (const Inode* n = node; n->parent != n; n = n->parent) len += 1 + n->name_len;
    if (len == 0) len = 1;  // the root: "/"
    if (len >= size) return -ENAMETOOLONG;
    buf[0] = '/';
    buf[len] = '\0';
    size_t at = len;
    for (const Inode* n = node; n->parent != n; n = n->parent) {
        at -= n->name_len;
        memcpy(buf + at, n->name, n->name_len);
        buf[--at] = '/';
    }
    return long(len);
}
