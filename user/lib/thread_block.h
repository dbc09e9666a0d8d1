// user/lib/thread_block.h -- the per-thread block of Handoff user programs (C and C++).
//
// Why this exists: newlib as configured by default is single-threaded -- its locks are no-ops
// and errno, stdio state, strtok's pointer, printf's big-number scratch... all live in ONE
// global `struct _reent`. Two threads (the runtime's Ms) calling malloc or printf at once would
// corrupt them. So user/newlib/build.sh configures newlib with
//   --enable-newlib-retargetable-locking  -> we supply real locks (lock.cpp, on futexes), and
//   -D__DYNAMIC_REENT__                   -> every libc access to "the" _reent goes through
//                                            __getreent(), which we answer per thread.
// __getreent() must be cheap and work in every thread without a syscall, so each thread's
// _reent hangs off its thread pointer, like glibc's `struct pthread` / musl's `struct pthread`:
//
//   x86-64  FS base = &ThreadBlock. The x86-64 ELF TLS ABI (variant II) requires the word at
//           %fs:0 to hold its own address (`self`); compiler-generated TLS code loads it.
//           Static TLS (.tdata/.tbss) sits just BELOW the block: var at %fs:-offset.
//   aarch64 TPIDR_EL0 = &ThreadBlock.tcb, the LAST 16 bytes of the block. The AArch64 ELF TLS
//           ABI (variant I) puts static TLS ABOVE the thread pointer, starting at tp + 16
//           (rounded up to the TLS alignment), so the block lives below tp.
//
// The main thread's block is set up by the startup code (start.cpp) before anything else runs
// (x86-64: arch_prctl(ARCH_SET_FS); aarch64: msr tpidr_el0). thread.cpp allocates one per new
// thread (with CLONE_SETTLS); a later threads library or the G/M/P runtime can do the same
// with handoff_tb_layout()/handoff_tb_init().
#pragma once

#include <stddef.h>
#include <reent.h>

#ifdef __cplusplus
extern "C" {
#endif

struct ThreadBlock {
  struct ThreadBlock* self;   // must stay first: %fs:0 on x86-64 (see above)
  struct _reent* reent;       // what __getreent() returns. The main thread uses newlib's
                              // global _impure_data (so _GLOBAL_REENT state -- atexit list,
                              // exit's stdio cleanup -- is the main thread's), others point
                              // at reent_storage below.
  volatile int tid;           // kernel thread id. For threads made by thread.cpp the kernel
                              // writes it (CLONE_PARENT_SETTID) and clears it to 0 + futex-
                              // wakes it when the thread has exited (CLONE_CHILD_CLEARTID).
  int is_main;                // 1 for the initial thread
  void* (*start)(void*);      // thread.cpp: entry function, argument, result
  void* arg;
  void* result;
  void* map_base;             // thread.cpp: the mmap holding stack + TLS + this block
  size_t map_size;
  void* user;                 // free for the runtime (e.g. the current M)
  struct _reent reent_storage;
#if defined(__aarch64__)
  // The 16-byte TCB that TPIDR_EL0 points at (variant I). Unused by us; kept zero.
  __attribute__((aligned(16))) void* tcb[2];
#endif
};

// The running thread's block: one instruction reading the thread pointer (+ one sub on arm64).
// volatile: the compiler must not reuse a thread-pointer value across a call -- with the
// user-level G/M/P scheduler, code may resume on a different kernel thread after a call.
static inline struct ThreadBlock* handoff_tb_self(void) {
#if defined(__x86_64__)
  struct ThreadBlock* tb;
  __asm__ volatile("mov %%fs:0, %0" : "=r"(tb));
  return tb;
#elif defined(__aarch64__)
  char* tp;
  __asm__ volatile("mrs %0, tpidr_el0" : "=r"(tp));
  return (struct ThreadBlock*)(tp - offsetof(struct ThreadBlock, tcb));
#else
#error "thread_block.h: unsupported architecture"
#endif
}

// The running thread's newlib state (what __getreent() returns). x86-64 reads it straight
// off the thread pointer, one instruction: mov %fs:8, %rax.
static inline struct _reent* handoff_tb_reent(void) {
#if defined(__x86_64__)
  struct _reent* r;
  __asm__ volatile("mov %%fs:%c1, %0" : "=r"(r) : "i"(offsetof(struct ThreadBlock, reent)));
  return r;
#else
  return handoff_tb_self()->reent;
#endif
}

// The thread-pointer value for a block: FS base (x86-64) / TPIDR_EL0 (aarch64), i.e. what
// clone(CLONE_SETTLS) or the startup code installs.
static inline void* handoff_tb_thread_pointer(struct ThreadBlock* tb) {
#if defined(__x86_64__)
  return tb;
#else
  return &tb->tcb[0];
#endif
}

// Memory needed for a block plus this program's static TLS (PT_TLS), and the alignment that
// memory must have. Valid after startup (the main thread's PT_TLS scan).
size_t handoff_tb_area_size(void);
size_t handoff_tb_area_align(void);

// Lay out static TLS (copy .tdata, zero .tbss) and a ThreadBlock inside `mem` (at least
// handoff_tb_area_size() bytes, aligned to handoff_tb_area_align()), initialise the block's
// own struct _reent (reent = &reent_storage), and return the block. tid/start/... are zero.
struct ThreadBlock* handoff_tb_init(void* mem);

// Release what newlib allocated for a (non-main) thread's _reent (printf big-number scratch,
// strtok state...). Call from the exiting thread itself, last thing before SYS_exit.
void handoff_tb_fini(struct ThreadBlock* tb);

#ifdef __cplusplus
}
#endif
