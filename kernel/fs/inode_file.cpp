// kernel/fs/inode_file.cpp - open files of the tree: regular files and
// directories, and inode_open(), which decides what an open() may do.
//
// A regular file's contents sit in the initramfs, so read() is one copy
// from the archive to the user. A directory is read with getdents64: its
// position counts entries - 0 is ".", 1 is "..", 2 + i the i-th child - and
// every record carries the position of the next (d_off), which the caller
// may lseek() back to. Compare Linux's ramfs (generic_file_read_iter,
// dcache_readdir) and xv6's fileread()/dirlookup().
#include "kernel/errno.h"
#include "kernel/fs/inode.h"
#include "kernel/fs/linux_abi.h"
#include "kernel/lib/string.h"

namespace {

class RegularFile final : public File {
public:
    long read(const UserBuffer& buf, uint64_t* offset) override {
        uint64_t pos = *offset;
        if (pos >= inode->size) return 0;  // at or past the end: EOF
        size_t n = inode->size - size_t(pos);
        if (n > buf.size) n = buf.size;
        if (int error = buf.write(0, inode->data + pos, n)) return error;
        *offset = pos + n;
        return long(n);
    }
    long lseek(uint64_t* offset, int64_t delta, int whence) override {
        return generic_lseek(offset, delta, whence, inode->size);
    }
};

class DirectoryFile final : public File {
public:
    long read(const UserBuffer&, uint64_t*) override { return -EISDIR; }
    long lseek(uint64_t* offset, int64_t delta, int whence) override {
        return generic_lseek(offset, delta, whence, 2 + inode->children.size());
    }
    long getdents64(const UserBuffer& buf, uint64_t* offset) override;
};

long DirectoryFile::getdents64(const UserBuffer& buf, uint64_t* offset) {
    Inode* dir = inode;
    uint64_t pos = *offset;
    // The child at `pos` (when pos >= 2): the list is walked from the start
    // on every call, which a read-only tree makes safe (nothing moves).
    auto child = dir->children.begin();
    for (uint64_t i = 2; i < pos && child != dir->children.end(); i++) ++child;

    alignas(8) uint8_t record[dirent_record_size(kNameMax)];
    size_t written = 0;
    for (;; pos++) {
        const Inode* node;
        const char* name;
        size_t len;
        if (pos == 0) {
            node = dir, name = ".", len = 1;
        } else if (pos == 1) {
            node = dir->parent, name = "..", len = 2;
        } else {
            if (child == dir->children.end()) break;  // the end of the directory
            node = &*child, name = child->name, len = child->name_len;
            ++child;
        }
        size_t reclen = dirent_record_size(len);
        if (reclen > buf.size - written) {
            // Linux: -EINVAL only if not even the first record fits.
            if (written == 0) return -EINVAL;
            break;
        }
        LinuxDirent64 header;
        header.d_ino = node->ino;
        header.d_off = int64_t(pos + 1);
        header.d_reclen = uint16_t(reclen);
        header.d_type = uint8_t((node->mode & kModeTypeMask) >> 12);  // S_IF* -> DT_*
        memset(record, 0, reclen);  // the NUL and the padding
        memcpy(record, &header, kDirentNameOffset);
        memcpy(record + kDirentNameOffset, name, len);
        if (int error = buf.write(written, record, reclen)) return error;
        written += reclen;
    }
    *offset = pos;
    return long(written);
}

}  // namespace

File* inode_open(Inode* node, int flags, int* error) {
    int access = flags & O_ACCMODE;
    // O_TRUNC needs write permission even with O_RDONLY, and so does the odd
    // access mode 3 (Linux's "ioctl only"): may_open()/build_open_flags().
    bool wants_write = access != O_RDONLY || (flags & O_TRUNC);
    *error = 0;
    if (node->is_dir()) {
        if ((flags & O_CREAT) || wants_write) *error = -EISDIR;
    } else if (flags & O_DIRECTORY) {
        *error = -ENOTDIR;
    } else if (node->is_regular() && wants_write) {
        *error = -EROFS;  // the initramfs cannot change
    } else if (!node->is_regular() && !node->open_device) {
        *error = -ENXIO;  // a device node with no driver
    }
    if (*error) return nullptr;

    File* file;
    if (node->ops && node->ops->open) {
        file = node->ops->open(node, flags, error);  // /proc, /disk: sets its own `seekable`
        if (!file) return nullptr;
    } else if (node->is_dir()) {
        file = new DirectoryFile;
        if (file) file->seekable = true;
    } else if (node->is_regular()) {
        file = new RegularFile;
        if (file) file->seekable = true;
    } else {
        file = node->open_device();  // sets its own `seekable`
    }
    if (!file) {
        *error = -ENOMEM;
        return nullptr;
    }
    file->inode = node;
    file->readable = access == O_RDONLY || access == O_RDWR;
    file->writable = access == O_WRONLY || access == O_RDWR;
    file->open_flags = flags;
    return file;
}

void inode_stat(Inode* node, KStat* st) {
    *st = {};
    st->dev = linux_dev(0, 1);  // like Linux's rootfs: an anonymous device
    st->ino = node->ino;
    st->mode = node->mode;
    // A directory's links: its own name, its ".", and each subdirectory's "..".
    st->nlink = 1;
    if (node->is_dir()) {
        st->nlink = 2;
        for (const Inode& child : node->children)
            if (child.is_dir()) st->nlink++;
    }
    st->uid = node->uid;
    st->gid = node->gid;
    st->rdev = node->rdev;
    st->size = int64_t(node->size);
    st->blksize = 4096;
    st->blocks = int64_t((node->size + 511) / 512);  // in 512-byte units, whatever blksize is
    st->atime_sec = st->mtime_sec = st->ctime_sec = node->mtime;
}
