// user/lib/include/cxx/bits/gthr-default.h -- libstdc++'s thread layer on Handoff futexes.
//
// The host's libstdc++ headers map their internal locking (__gthread_*) onto glibc pthreads,
// which newlib does not have. GCC's fallback "single" model (gthr-single.h) would compile, but
// it leaves __GTHREADS undefined, and then ext/atomicity.h's __is_single_threaded() is
// constant true: shared_ptr reference counts would use NON-atomic arithmetic, a silent data
// race in a multi-threaded program. So we keep __GTHREADS and implement the part of the gthr
// interface the header-only parts of libstdc++ use -- active_p, once, mutex, recursive mutex,
// yield -- on the same futex mutex as newlib's locks (user/lib/futex_mutex.h).
// No condition variables (__GTHREAD_HAS_COND) and no std::thread/std::mutex (those need
// _GLIBCXX_HAS_GTHREADS, switched off in c++config.h): use user/lib/thread.h.
#ifndef HANDOFF_GTHR_DEFAULT_H
#define HANDOFF_GTHR_DEFAULT_H

#include "../../../futex_mutex.h"
#include "../../../thread_block.h"

#define __GTHREADS 1

typedef int __gthread_key_t;
typedef int __gthread_once_t;  // 0 not run, 1 running, 2 done
typedef handoff::FutexMutex __gthread_mutex_t;
struct __handoff_gthread_recursive_mutex {
  handoff::FutexMutex m;
  struct ThreadBlock* owner;
  unsigned count;
};
typedef __handoff_gthread_recursive_mutex __gthread_recursive_mutex_t;

#define __GTHREAD_ONCE_INIT 0
#define __GTHREAD_MUTEX_INIT {0}
#define __GTHREAD_MUTEX_INIT_FUNCTION(mx) ((mx)->state = 0)
#define __GTHREAD_RECURSIVE_MUTEX_INIT {{0}, 0, 0}

static inline int __gthread_active_p(void) { return 1; }

static inline int __gthread_once(__gthread_once_t* once, void (*func)(void)) {
  if (__atomic_load_n(once, __ATOMIC_ACQUIRE) == 2) return 0;
  int expected = 0;
  if (__atomic_compare_exchange_n(once, &expected, 1, false, __ATOMIC_ACQUIRE,
                                  __ATOMIC_ACQUIRE)) {
    func();
    __atomic_store_n(once, 2, __ATOMIC_RELEASE);
    handoff::futex_wake(once, 0x7fffffff);
    return 0;
  }
  int s;
  while ((s = __atomic_load_n(once, __ATOMIC_ACQUIRE)) != 2) handoff::futex_wait(once, s);
  return 0;
}

// Thread-specific keys are not provided (no header-only user needs them).
static inline int __gthread_key_create(__gthread_key_t*, void (*)(void*)) { return 38; }
static inline int __gthread_key_delete(__gthread_key_t) { return 38; }
static inline void* __gthread_getspecific(__gthread_key_t) { return 0; }
static inline int __gthread_setspecific(__gthread_key_t, const void*) { return 38; }

static inline int __gthread_mutex_destroy(__gthread_mutex_t*) { return 0; }
static inline int __gthread_mutex_lock(__gthread_mutex_t* m) {
  m->lock();
  return 0;
}
static inline int __gthread_mutex_trylock(__gthread_mutex_t* m) { return m->try_lock() ? 0 : 1; }
static inline int __gthread_mutex_unlock(__gthread_mutex_t* m) {
  m->unlock();
  return 0;
}

static inline int __gthread_recursive_mutex_lock(__gthread_recursive_mutex_t* m) {
  struct ThreadBlock* me = handoff_tb_self();
  if (__atomic_load_n(&m->owner, __ATOMIC_RELAXED) != me) {
    m->m.lock();
    __atomic_store_n(&m->owner, me, __ATOMIC_RELAXED);
  }
  m->count++;
  return 0;
}
static inline int __gthread_recursive_mutex_trylock(__gthread_recursive_mutex_t* m) {
  struct ThreadBlock* me = handoff_tb_self();
  if (__atomic_load_n(&m->owner, __ATOMIC_RELAXED) != me) {
    if (!m->m.try_lock()) return 1;
    __atomic_store_n(&m->owner, me, __ATOMIC_RELAXED);
  }
  m->count++;
  return 0;
}
static inline int __gthread_recursive_mutex_unlock(__gthread_recursive_mutex_t* m) {
  if (--m->count == 0) {
    __atomic_store_n(&m->owner, static_cast<struct ThreadBlock*>(0), __ATOMIC_RELAXED);
    m->m.unlock();
  }
  return 0;
}
static inline int __gthread_recursive_mutex_destroy(__gthread_recursive_mutex_t*) { return 0; }

static inline int __gthread_yield(void) {
  syscall0(SYS_sched_yield);
  return 0;
}

#endif  // HANDOFF_GTHR_DEFAULT_H
