// kernel/fs/pipe.h - pipes: a bounded byte queue between two file descriptors.
//
// pipe2() makes a pipe and returns two descriptors, a read end and a write
// end. Bytes written to one come out of the other in order; the kernel holds
// at most kPipeCapacity of them. A reader waits while the pipe is empty and
// a writer while it is full, so the two run at the pace of the slower, which
// is what makes `producer | consumer` work. Threads of one process and
// processes that inherited the descriptors (vfork + execve) use it alike.
//
// The rules, all Linux's (pipe(7), fs/pipe.c):
//   - read() returns what is there (up to the count), waiting only while the
//     pipe is empty; 0 (end of file) once it is empty and every write end is
//     closed.
//   - write() of at most PIPE_BUF (4096) bytes is atomic: it waits until all
//     of it fits, so writers' messages never interleave. A longer write may
//     be split: it copies what fits, wakes the readers and waits for room.
//   - write() when every read end is closed fails with EPIPE. Linux also sends
//     SIGPIPE, which by default kills the writer; Handoff has no signals yet,
//     so the writer only gets the error (as Linux's with SIGPIPE ignored).
//   - O_NONBLOCK: instead of waiting, read fails with EAGAIN when empty;
//     write fails with EAGAIN when not even part of it fits (or, for a write
//     of at most PIPE_BUF, when all of it does not fit), else writes part.
//   - No position: lseek and pread64 fail with ESPIPE; fstat says S_IFIFO.
// Compare xv6's pipe.c (a 512-byte ring with the same two counters).
#pragma once

#include <stddef.h>

#include "kernel/fs/file.h"

// Linux's default pipe size is 16 pages (PIPE_DEF_BUFFERS), 64 KiB.
constexpr size_t kPipeCapacity = 16 * 4096;
// POSIX's PIPE_BUF: writes up to this size are never interleaved.
constexpr size_t kPipeBuf = 4096;

// Makes a pipe: *read_end and *write_end get one File reference each.
// `nonblock` sets O_NONBLOCK on both. 0, or -ENOMEM.
int pipe_create(File** read_end, File** write_end, bool nonblock);

// Pipes alive now (for tests: every pipe is freed when both ends close).
long pipe_count();
