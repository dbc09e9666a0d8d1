// user/lib/lock.cpp -- newlib's retargetable locks on futexes, plus C++ static-init guards.
//
// newlib 3.3 configured with --enable-newlib-retargetable-locking (user/newlib/build.sh) calls
// these through <sys/lock.h>:
//   __retarget_lock_{init,close,acquire,try_acquire,release}[_recursive](_LOCK_T)
// where _LOCK_T is `struct __lock *` -- a type WE define -- and refers by name to nine static
// locks it declares with __LOCK_INIT(): __lock___{sinit,sfp,atexit,malloc,env}_recursive_mutex,
// __lock___{at_quick_exit,tz,dd_hash,arc4random}_mutex.
// newlib's libc/misc/lock.c holds single-threaded no-op versions of all nineteen symbols in
// ONE object, so a program must define every one of them, or link errors (duplicates) or,
// worse, silently no-op locks follow. start.cpp calls __handoff_locks_linked() so this object
// is always taken from libhandoff.a before libc.a is scanned.
//
// Recursive locks (malloc, stdio FILEs, atexit...) record their owner as the ThreadBlock
// pointer: reading the thread pointer is one instruction, a gettid() would be a syscall.
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/lock.h>

#include "futex_mutex.h"
#include "thread_block.h"

struct __lock {
  handoff::FutexMutex m;
  ThreadBlock* owner;  // recursive locks: holder, else nullptr
  unsigned count;      // recursive locks: depth
  int dynamic;         // 1: allocated by __retarget_lock_init*, freed by close
};

extern "C" {

struct __lock __lock___sinit_recursive_mutex;
struct __lock __lock___sfp_recursive_mutex;
struct __lock __lock___atexit_recursive_mutex;
struct __lock __lock___at_quick_exit_mutex;
struct __lock __lock___malloc_recursive_mutex;
struct __lock __lock___env_recursive_mutex;
struct __lock __lock___tz_mutex;
struct __lock __lock___dd_hash_mutex;
struct __lock __lock___arc4random_mutex;

// Used when malloc cannot give a new lock (out of memory): every such FILE then shares this
// one recursive lock -- coarser, still correct.
static struct __lock g_fallback_lock;

void __handoff_locks_linked(void) {}

static _LOCK_T new_lock() {
  auto* l = static_cast<struct __lock*>(calloc(1, sizeof(struct __lock)));
  if (!l) return &g_fallback_lock;
  l->dynamic = 1;
  return l;
}

void __retarget_lock_init(_LOCK_T* lock) { *lock = new_lock(); }
void __retarget_lock_init_recursive(_LOCK_T* lock) { *lock = new_lock(); }

void __retarget_lock_close(_LOCK_T lock) {
  if (lock && lock->dynamic) free(lock);
}
void __retarget_lock_close_recursive(_LOCK_T lock) { __retarget_lock_close(lock); }

void __retarget_lock_acquire(_LOCK_T lock) { lock->m.lock(); }

int __retarget_lock_try_acquire(_LOCK_T lock) { return lock->m.try_lock() ? 1 : 0; }

void __retarget_lock_release(_LOCK_T lock) { lock->m.unlock(); }

void __retarget_lock_acquire_recursive(_LOCK_T lock) {
  ThreadBlock* me = handoff_tb_self();
  // Only this thread can have stored `me`, so a relaxed read is enough to recognise itself.
  if (__atomic_load_n(&lock->owner, __ATOMIC_RELAXED) == me) {
    lock->count++;
    return;
  }
  lock->m.lock();
  __atomic_store_n(&lock->owner, me, __ATOMIC_RELAXED);
  lock->count = 1;
}

int __retarget_lock_try_acquire_recursive(_LOCK_T lock) {
  ThreadBlock* me = handoff_tb_self();
  if (__atomic_load_n(&lock->owner, __ATOMIC_RELAXED) == me) {
    lock->count++;
    return 1;
  }
  if (!lock->m.try_lock()) return 0;
  __atomic_store_n(&lock->owner, me, __ATOMIC_RELAXED);
  lock->count = 1;
  return 1;
}

void __retarget_lock_release_recursive(_LOCK_T lock) {
  if (--lock->count == 0) {
    __atomic_store_n(&lock->owner, static_cast<ThreadBlock*>(nullptr), __ATOMIC_RELAXED);
    lock->m.unlock();
  }
}

// ---- C++ function-local statics (-fthreadsafe-statics) ----------------------------------------
// The Itanium C++ ABI guard is a 64-bit word whose first byte says "initialised". One global
// recursive lock serialises initialisers (recursive: an initialiser may itself touch another
// function-local static). Normally libsupc++ provides these; we do not link libstdc++.
static struct __lock g_guard_lock;

int __cxa_guard_acquire(uint64_t* guard) {
  auto* done = reinterpret_cast<unsigned char*>(guard);
  if (__atomic_load_n(done, __ATOMIC_ACQUIRE)) return 0;
  __retarget_lock_acquire_recursive(&g_guard_lock);
  if (__atomic_load_n(done, __ATOMIC_ACQUIRE)) {
    __retarget_lock_release_recursive(&g_guard_lock);
    return 0;
  }
  return 1;  // caller runs the initialiser, then __cxa_guard_release
}

void __cxa_guard_release(uint64_t* guard) {
  __atomic_store_n(reinterpret_cast<unsigned char*>(guard), 1, __ATOMIC_RELEASE);
  __retarget_lock_release_recursive(&g_guard_lock);
}

void __cxa_guard_abort(uint64_t*) { __retarget_lock_release_recursive(&g_guard_lock); }

}  // extern "C"
