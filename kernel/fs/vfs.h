// kernel/fs/vfs.h - the file namespace: the initramfs and /dev.
//
// Handoff's root file system is the initramfs the boot loader put in memory
// (a cpio "newc" archive, QEMU -initrd), unpacked at boot into a read-only
// tree of directories and files whose contents stay where the archive put
// them (kernel/fs/inode.h). /dev/console and /dev/null are built in, and so
// are /proc (kernel/fs/procfs.h) and /disk (kernel/fs/disk_files.h), whose
// files the kernel makes up when they are opened. Paths
// are resolved from the root or the process's working directory; `.` and
// `..` work. This is the layer that knows about "the current process";
// below it, inode.h works on any tree (the tests build their own).
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "kernel/fs/file.h"
#include "kernel/fs/inode.h"

// Unpacks the initramfs at [data, data+size) (direct-mapped; it must stay
// mapped and reserved for good: files point into it). Call once at boot,
// before the first process; data == nullptr (no initrd) gives a root with
// only /dev. Also connects the console's input to /dev/console's line
// discipline (tty_init). Returns the number of entries unpacked, or a
// negative errno: -EINVAL for a malformed archive (nothing of it is used:
// the kernel then runs with only /dev), -ENOMEM.
long vfs_init(const uint8_t* data, size_t size);

// The root directory (built on first use if vfs_init has not run yet), or
// nullptr if even that failed for lack of memory.
Inode* vfs_root();

// Where the current process's paths start: the root, and its working
// directory (the root for kernel threads, which have no process).
// root and cwd are nullptr only if vfs_root() is.
PathStart vfs_start();
// The same, but relative paths start at `dir` (openat with a directory fd).
PathStart vfs_start_at(Inode* dir);

// Opens `path` (relative to the current process's cwd) with Linux open()
// flags. Returns a File reference or nullptr with *error set to -ENOENT,
// -ENOTDIR, -EISDIR (write to a directory), -EROFS (create/write), ...
File* vfs_open(const char* path, int flags, int* error);

// For execve: the whole contents of a regular file, in place (initramfs
// files are contiguous in memory). 0, or -ENOENT / -ENOTDIR / -ENAMETOOLONG
// from the lookup, or -EACCES: not a regular file, or no execute bit (as
// Linux's do_open_execat / may_open).
int vfs_file_data(const char* path, const uint8_t** data, size_t* size);

// The working directory of the current process: chdir changes it (0,
// -ENOENT, -ENOTDIR, -ENAMETOOLONG if its absolute path does not fit
// Process::cwd), getcwd copies it into buf[size] (its length, or -ERANGE).
int vfs_chdir(const char* path);
long vfs_getcwd(char* buf, size_t size);

// The console as a File (stdin/stdout/stderr of the first process): a new
// reference to an open /dev/console, or nullptr when out of memory.
File* console_file();
