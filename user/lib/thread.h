// user/lib/thread.h -- minimal kernel threads for Handoff user programs (C and C++).
//
// Each thread is a Linux-style thread made with the raw clone(2) system call:
//   CLONE_VM|CLONE_FS|CLONE_FILES|CLONE_SIGHAND|CLONE_THREAD|CLONE_SYSVSEM  share everything
//   CLONE_SETTLS          thread pointer = the new thread's ThreadBlock (thread_block.h), so
//                         newlib's errno/stdio state and thread_local variables are per thread
//   CLONE_PARENT_SETTID   the kernel stores the tid in the block before clone returns
//   CLONE_CHILD_CLEARTID  at exit the kernel zeroes that tid word and futex-wakes it: that is
//                         how thread_join learns the thread is gone and its stack is free
// This is what the G/M/P runtime's newosproc does on Handoff (on the Linux host it uses
// pthread_create instead: glibc keeps per-thread state a raw clone would not set up).
//
//   thread_t t = thread_create(worker, arg);      // NULL + errno on failure
//   void* result = thread_join(t);                // waits, frees the stack, returns fn's value
#pragma once

#include <stddef.h>

#include "thread_block.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct ThreadBlock* thread_t;

// Default stack: 256 KiB plus a guard page.
#define THREAD_DEFAULT_STACK (256 * 1024)

thread_t thread_create(void* (*fn)(void*), void* arg);
thread_t thread_create_stack(void* (*fn)(void*), void* arg, size_t stack_size);
// Waits for t to exit, releases its memory and returns what fn returned. Call once per thread.
void* thread_join(thread_t t);
// The calling thread's block and kernel tid (no syscall).
thread_t thread_self(void);
int thread_tid(thread_t t);

#ifdef __cplusplus
}
#endif
