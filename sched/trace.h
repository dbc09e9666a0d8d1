// sched/trace.h -- trace points: every G, M and P state change, stamped with the cycle counter.
//
// DESIGN.md, "Both sides are observable": the kernel records its threads' state changes and the
// runtime records its Gs', Ms' and Ps', both with the same counter (TSC / CNTVCT), so a later
// tool can merge them into one timeline. On this side everything goes through ONE call,
//
//     traceEvent(TraceEv::..., a, b);
//
// which is a load and a not-taken branch while tracing is off, and while it is on stores one
// 32-byte record into the current M's ring buffer (no lock: only that M writes its ring). The
// ring keeps the newest kTraceBufEvents events per M.
//
// Turn it on with Config::trace or trace::Start(); read it after rt::Run returned with
// trace::Take() (all Ms' rings merged, ordered by time).
#pragma once

#include <atomic>
#include <stdint.h>

#include <vector>

namespace rt {

enum class TraceEv : uint8_t {
  GoStatus = 1,  // a = goid, b = old | new << 8 | waitreason << 16   (casgstatus)
  GoCreate,      // a = new goid, b = creator's goid
  ProcStatus,    // a = P id, b = old | new << 8
  Handoff,       // a = P id, b = 1 if a new M was started for it      (handoffp)
  Retake,        // a = P id, b = 1 syscall retake, 2 preemption request (sysmon)
  Steal,         // a = victim P id, b = Gs taken                         (runqsteal)
  Netpoll,       // a = Gs made runnable, b = delay asked (ns; -1 blocks)   (netpoll)
  MStart,        // a = M id                                              (mstart)
  MPark,         // a = M id                                              (stopm/stoplockedm)
  MUnpark,       // a = M id of the one woken                             (startm/startlockedm)
  MExit,         // a = M id
  SyscallEnter,  // a = goid, b = trap number
  SyscallExit,   // a = goid, b = 1 fast path (kept or got a P), 0 slow path
  NetpollBreak,  // a = 1 wrote the eventfd, 0 a wakeup was pending        (netpollBreak)
};
const char* traceEvName(TraceEv ev);

struct TraceEvent {
  uint64_t ticks;  // arch::cputicks()
  uint8_t ev;      // TraceEv
  uint8_t pad[3];
  uint32_t m;      // id of the M that recorded it
  uint64_t a, b;
};
static_assert(sizeof(TraceEvent) == 32);

inline constexpr uint32_t kTraceBufEvents = 8192;
struct TraceBuf {
  uint64_t pos = 0;  // events ever written; the ring holds the last kTraceBufEvents
  TraceEvent ev[kTraceBufEvents];
};

extern std::atomic<bool> traceEnabled;
void traceEventSlow(TraceEv ev, uint64_t a, uint64_t b);

// Is tracing on? For call sites whose arguments cost something to compute:
//   if (traceOn()) traceEvent(TraceEv::GoStatus, gp->goid, ...);
inline bool traceOn() { return __builtin_expect(traceEnabled.load(std::memory_order_relaxed), 0); }

inline void traceEvent(TraceEv ev, uint64_t a, uint64_t b) {
  if (traceOn()) traceEventSlow(ev, a, b);
}

struct M;
void traceCollect(M* mp);  // keep an exiting M's events for Take()

namespace trace {
void Start();
void Stop();
// Every event recorded since Start (of Ms that have exited: all of Run's Ms once Run returned),
// ordered by ticks. Clears the collection.
std::vector<TraceEvent> Take();
}  // namespace trace

}  // namespace rt
