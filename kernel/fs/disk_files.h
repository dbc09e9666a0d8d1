// kernel/fs/disk_files.h - /disk: files whose reads go to a slow block device.
//
// /disk/data0 .. /disk/data15 and /disk/slow are read-only regular files
// laid end to end on one BlockDevice (layout and contents: the
// kHandoffDisk* constants in kernel/uapi/handoff.h). A read() is cut into
// device requests of at most max_request_sectors, each read into a kernel
// buffer by the device - blocking the calling thread - and then copied to
// the user. There is no page cache: every read goes to the device, so every
// read blocks. (Linux would serve a second read of the same bytes from its
// page cache; opening with O_DIRECT is the closest Linux comparison.)
// O_NONBLOCK changes nothing, as for Linux's regular files: a disk cannot
// say "ready" in advance, so epoll does not take these files either - the
// reason Go's runtime hands its P off when an M blocks in a file read.
#pragma once

#include "drivers/block_device.h"
#include "kernel/fs/inode.h"

// Adds /disk and its files to `tree` under `root`, reading from `disk`.
// Called once while the tree is built (kernel/fs/vfs.cpp). False when out
// of memory.
bool disk_files_add(FsTree& tree, Inode* root, BlockDevice* disk);

// The device behind /disk (nullptr before disk_files_add).
BlockDevice* disk_files_device();
// /proc/disk's text: the device's name and counters, one "name:\tvalue"
// line each, into buf[size] (NUL-terminated). Returns the length.
size_t disk_files_describe(char* buf, size_t size);
