// sched/context.cpp -- moving between a G and its M's g0 (Go: gogo, mcall, gosave in
// asm_*.s), and telling the sanitizers about it.
//
// Two directions, both in sched/arch/<arch>/context.S:
//   mcall(fn)   a running G stops: its registers go into g->sched, the thread continues on the
//               M's g0 stack, from the top (g0.sched.sp saved by mstart), calling fn(g). fn never
//               returns: it parks, requeues or kills g and then schedules something else.
//   gogo(g)     g0 resumes g: restores g->sched. To g, its mcall simply returns -- possibly on
//               another M, which is why nothing on a G's stack may cache "my M" across a call
//               that can park (always re-read getg()->m, as Go code does).
// The scheduler therefore never stacks frames: every mcall starts g0 afresh.
//
// ThreadSanitizer and AddressSanitizer track "the stack a thread is on". A G switch swaps stacks
// under them, so the host build reports each switch (DESIGN.md, Testing):
//   TSan: every G is a fiber (__tsan_create_fiber); __tsan_switch_to_fiber just before the jump.
//   ASan: __sanitizer_start_switch_fiber(&save, dest stack) just before, and
//         __sanitizer_finish_switch_fiber(save) as the first thing on the destination stack.
// Without sanitizers all of it compiles to nothing.
#include "runtime2.h"

#if defined(__SANITIZE_THREAD__)
#define RT_TSAN 1
#endif
#if defined(__SANITIZE_ADDRESS__)
#define RT_ASAN 1
#endif
#if defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define RT_TSAN 1
#endif
#if __has_feature(address_sanitizer)
#define RT_ASAN 1
#endif
#endif

#ifdef RT_TSAN
#include <sanitizer/tsan_interface.h>
#endif
#ifdef RT_ASAN
#include <sanitizer/asan_interface.h>
#include <sanitizer/common_interface_defs.h>
#endif

extern "C" {
[[noreturn]] void rt_gogo(rt::Gobuf* buf, uintptr_t ret);
void rt_mcall_switch(rt::Gobuf* save, uintptr_t sp, rt::G* gp, void (*fn)(rt::G*));
void rt_gostart();
void rt_mcall_entry(rt::G* gp, void (*fn)(rt::G*));
void rt_goentry();
}

namespace rt {
namespace {

// We are about to leave the stack of `from` (dying: it will never be resumed) for `to`.
inline void fiberSwitchStart([[maybe_unused]] G* from, [[maybe_unused]] bool dying,
                             [[maybe_unused]] G* to) {
#ifdef RT_ASAN
  __sanitizer_start_switch_fiber(dying ? nullptr : &from->asanFakeStack,
                                 reinterpret_cast<void*>(to->stack.lo),
                                 to->stack.hi - to->stack.lo);
#endif
#ifdef RT_TSAN
  __tsan_switch_to_fiber(to->tsanFiber, 0);
#endif
}

// First thing on the stack of `now` after a switch.
inline void fiberSwitchFinish([[maybe_unused]] G* now) {
#ifdef RT_ASAN
  __sanitizer_finish_switch_fiber(now->asanFakeStack, nullptr, nullptr);
#endif
}

}  // namespace

void fiberCreate([[maybe_unused]] G* gp) {
#ifdef RT_TSAN
  gp->tsanFiber = __tsan_create_fiber(0);
#endif
}

void fiberDestroy([[maybe_unused]] G* gp) {
#ifdef RT_TSAN
  if (gp->tsanFiber) __tsan_destroy_fiber(gp->tsanFiber);
  gp->tsanFiber = nullptr;
#endif
}

void fiberInitThread([[maybe_unused]] G* g0) {
#ifdef RT_TSAN
  g0->tsanFiber = __tsan_get_current_fiber();
#endif
}

// Go: gogo. Called on g0 (from execute); g continues where it was saved.
void gogo(G* gp) {
  G* g0 = getg();
  setg(gp);
  fiberSwitchStart(g0, false, gp);
  rt_gogo(&gp->sched, 1);
}

// Go: mcall. Called on a user G; fn(gp) runs on g0 and never returns. When somebody later
// gogo's gp, this function returns (on whatever M did it).
void mcall(void (*fn)(G*)) {
  G* gp = getg();
  M* mp = gp->m.load(std::memory_order_relaxed);
  G* g0 = mp->g0;
  if (gp == g0) fatal("runtime: mcall called on m->g0 stack");
  setg(g0);
  fiberSwitchStart(gp, false, g0);
  rt_mcall_switch(&gp->sched, g0->sched.sp, gp, fn);
  fiberSwitchFinish(getg());
}

// mcall for a G that is exiting: the sanitizers may drop its stack state now.
void mcallDying(void (*fn)(G*)) {
  G* gp = getg();
  G* g0 = gp->m.load(std::memory_order_relaxed)->g0;
  setg(g0);
  fiberSwitchStart(gp, true, g0);
  rt_mcall_switch(&gp->sched, g0->sched.sp, gp, fn);
  fatal("runtime: a dead goroutine was resumed");
}

// Go: gogo(&mp.g0.sched) in goexit0 and mexit -- back to mstart, right after its gosave, which
// now "returns" 1: the M leaves. Called on g0, so there is no fiber switch.
void returnToMstart() { rt_gogo(&getg()->m.load(std::memory_order_relaxed)->g0->sched, 1); }

}  // namespace rt

using namespace rt;

// rt_mcall_switch's call on the g0 stack.
extern "C" void rt_mcall_entry(G* gp, void (*fn)(G*)) {
  fiberSwitchFinish(getg());
  fn(gp);
  fatal("runtime: mcall function returned");
}

// A new goroutine's first C++ frame (rt_gostart calls it): run the function newproc copied onto
// the stack, then exit (Go: the goexit return address newproc plants below fn).
extern "C" void rt_goentry() {
  G* gp = getg();
  fiberSwitchFinish(gp);
  gp->startfn(gp->startarg);
  goexit1();
}

// Where a new G starts (newproc1 puts it in g->sched.pc).
uintptr_t rt::goStartPC() { return reinterpret_cast<uintptr_t>(&rt_gostart); }
