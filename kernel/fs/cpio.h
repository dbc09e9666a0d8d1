// kernel/fs/cpio.h - reading (and, for tests, writing) cpio "newc" archives.
//
// The initramfs is a cpio archive in the "new ASCII" format (`cpio -o -H
// newc`, the one Linux's initramfs uses: Documentation/driver-api/
// early-userspace/buffer-format.rst). It is a plain sequence of entries:
//
//   header   110 ASCII bytes: the magic "070701", then 13 fields of exactly
//            8 hex digits: ino mode uid gid nlink mtime filesize devmajor
//            devminor rdevmajor rdevminor namesize check
//   name     namesize bytes, the path including its terminating NUL;
//            header + name are padded with NULs to a multiple of 4
//   data     filesize bytes (a file's contents, a symlink's target), padded
//            to a multiple of 4
//
// and ends with an entry named "TRAILER!!!". ("070702" is the same format
// with a checksum in `check`; we accept it and do not verify the sum.)
//
// The archive comes from outside the kernel, so nothing in it is trusted:
// every field is checked to be hex, and every length against what is left
// of the archive, before anything is read. A corrupt or truncated archive is
// an error (-EINVAL), never a read out of bounds. Host unit tests run this
// file under AddressSanitizer to hold it to that (tests/host/cpio_test.cpp).
// Linux's counterpart is init/initramfs.c.
#pragma once

#include <stddef.h>
#include <stdint.h>

// One archive member. The pointers point into the archive itself.
struct CpioEntry {
    const char* name;       // NUL-terminated path as stored ("bin/init", "./etc")
    size_t name_len;        // strlen(name)
    uint32_t ino, mode, uid, gid, nlink, mtime;
    uint32_t rdev_major, rdev_minor;  // device nodes
    const uint8_t* data;    // filesize bytes
    size_t size;
};

class CpioReader {
public:
    // The archive is [archive, archive + size); it is only read.
    CpioReader(const uint8_t* archive, size_t size) : archive_(archive), size_(size) {}

    // Reads the next entry into *entry. Returns 1 for an entry, 0 at the
    // trailer (and on every call after it), or -EINVAL if the archive is
    // malformed or ends early (and on every call after that).
    int next(CpioEntry* entry);

    // Bytes consumed so far: where the next header starts (after the
    // trailer: the end of the trailer entry).
    size_t offset() const { return pos_; }

private:
    const uint8_t* archive_;
    size_t size_;
    size_t pos_ = 0;
    int done_ = 1;  // 1 while entries may follow; then 0 (trailer) or -EINVAL
};

// Writing, for tests and tools that build an archive in memory: appends one
// entry to buf[0, capacity) at *len (which must be a multiple of 4) and
// advances *len. `mode` is the full st_mode (type and permissions). End an
// archive with cpio_append_trailer(). False if it does not fit (*len is then
// unchanged).
bool cpio_append(uint8_t* buf, size_t capacity, size_t* len, const char* name, uint32_t mode,
                 const void* data, size_t size);
bool cpio_append_trailer(uint8_t* buf, size_t capacity, size_t* len);

constexpr size_t kCpioHeaderSize = 110;  // magic + 13 x 8 hex digits
