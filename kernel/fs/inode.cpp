// kernel/fs/inode.cpp - building the file tree: nodes, and unpacking the
// initramfs into them. Path lookup is in path.cpp.
#include "kernel/fs/inode.h"

#include "kernel/errno.h"
#include "kernel/fs/cpio.h"
#include "kernel/fs/linux_abi.h"
#include "kernel/lib/string.h"
#include "kernel/printk.h"

namespace {

constexpr uint32_t kDefaultDirMode = kModeDir | 0755;

// The next path component of [*p, end) that is not empty and not ".", with
// *p moved past it. False when there is none. (Unpacking ignores "." and
// the slashes of "./bin//sh"; lookups treat "." with more care.)
bool next_component(const char** p, const char* end, const char** name, size_t* len) {
    for (;;) {
        while (*p < end && **p == '/') (*p)++;
        if (*p == end) return false;
        const char* start = *p;
        while (*p < end && **p != '/') (*p)++;
        size_t n = size_t(*p - start);
        if (n == 1 && start[0] == '.') continue;
        *name = start;
        *len = n;
        return true;
    }
}

void warn_skipped(const CpioEntry& entry, const char* why) {
    kprintf("initramfs: skipping \"%s\": %s\n", entry.name, why);
}

}  // namespace

bool Inode::has_name(const char* other, size_t len) const {
    return len == name_len && memcmp(name, other, len) == 0;
}

bool FsTree::init() {
    if (root_) return true;
    root_ = new Inode;
    if (!root_) return false;
    root_->ino = next_ino_++;
    root_->mode = kDefaultDirMode;
    root_->name = "";
    root_->parent = root_;
    nodes_ = 1;
    return true;
}

void FsTree::destroy() {
    // Post-order without recursion (a deep archive must not overflow the
    // 16 KiB kernel stack): go down to a leaf, free it, continue from its
    // parent, until the root itself is freed.
    Inode* node = root_;
    while (node) {
        if (Inode* child = node->children.front()) {
            node = child;
            continue;
        }
        Inode* parent = node == root_ ? nullptr : node->parent;
        if (parent) parent->children.remove(*node);
        delete node;
        node = parent;
    }
    root_ = nullptr;
    nodes_ = 0;
}

Inode* FsTree::find_child(Inode* dir, const char* name, size_t len) {
    for (Inode& child : dir->children) {
        if (child.has_name(name, len)) return &child;
    }
    return nullptr;
}

Inode* FsTree::add(Inode* dir, const char* name, size_t len, uint32_t mode) {
    Inode* node = new Inode;
    if (!node) return nullptr;
    node->ino = next_ino_++;
    node->mode = mode;
    node->name = name;
    node->name_len = len;
    node->parent = dir;
    dir->children.push_back(*node);
    nodes_++;
    return node;
}

Inode* FsTree::find_or_add_dir(Inode* dir, const char* name, size_t len) {
    if (Inode* existing = find_child(dir, name, len)) return existing->is_dir() ? existing : nullptr;
    return add(dir, name, len, kDefaultDirMode);
}

Inode* FsTree::add_device(Inode* dir, const char* name, uint32_t mode, uint64_t rdev,
                          File* (*open)()) {
    Inode* node = add(dir, name, strlen(name), mode);
    if (!node) return nullptr;
    node->rdev = rdev;
    node->open_device = open;
    return node;
}

long FsTree::unpack_cpio(const uint8_t* data, size_t size) {
    // Check the whole archive before adding anything: a corrupt one then
    // leaves the tree as it was, rather than half-built.
    CpioEntry entry;
    CpioReader check(data, size);
    int status;
    while ((status = check.next(&entry)) == 1) {
    }
    if (status < 0) return status;

    if (!init()) return -ENOMEM;
    CpioReader reader(data, size);
    long added = 0;
    while ((status = reader.next(&entry)) == 1) {
        uint32_t type = entry.mode & kModeTypeMask;
        if (type != kModeDir && type != kModeRegular) {
            warn_skipped(entry, "only files and directories are supported");
            continue;
        }
        // Walk the name's components: every one but the last is a directory,
        // created if the archive did not list it first ("find | cpio" lists
        // parents first, but a hand-made list need not).
        const char* p = entry.name;
        const char* end = entry.name + entry.name_len;
        const char* name;
        size_t len;
        if (!next_component(&p, end, &name, &len)) {
            // "." or "/": the root itself. Keep its attributes.
            if (type == kModeDir) {
                root_->mode = entry.mode;
                root_->uid = entry.uid;
                root_->gid = entry.gid;
                root_->mtime = entry.mtime;
            }
            continue;
        }
        Inode* dir = root_;
        const char* problem = nullptr;
        for (;;) {
            // ".." could reach outside the directory the archive describes;
            // Linux's initramfs would follow it, we refuse it.
            if (len == 2 && name[0] == '.' && name[1] == '.') problem = "\"..\" in the path";
            else if (len > kNameMax) problem = "a name longer than 255 bytes";
            if (problem) break;
            const char* next_name;
            size_t next_len;
            if (!next_component(&p, end, &next_name, &next_len)) break;  // `name` is the last
            Inode* child = find_child(dir, name, len);
            if (child && !child->is_dir()) {
                problem = "a parent is not a directory";
                break;
            }
            if (!child && !(child = add(dir, name, len, kDefaultDirMode))) return -ENOMEM;
            dir = child;
            name = next_name;
            len = next_len;
        }
        if (problem) {
            warn_skipped(entry, problem);
            continue;
        }

        Inode* node = find_child(dir, name, len);
        if (node && !(node->is_dir() && type == kModeDir)) {
            warn_skipped(entry, "the name is already taken");
            continue;
        }
        // A directory created implicitly above gets its real attributes now.
        if (!node && !(node = add(dir, name, len, entry.mode))) return -ENOMEM;
        node->mode = entry.mode;
        node->uid = entry.uid;
        node->gid = entry.gid;
        node->mtime = entry.mtime;
        if (type == kModeRegular) {
            node->data = entry.data;
            node->size = entry.size;
        }
        added++;
    }
    return added;
}
