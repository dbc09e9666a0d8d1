// sched/trace.cpp -- the per-M trace rings (see trace.h).
#include "trace.h"

#include <algorithm>

#include "arch.h"
#include "runtime2.h"

namespace rt {

std::atomic<bool> traceEnabled{false};

namespace {
mutex collectedLock;
std::vector<TraceEvent> collected;  // events of Ms that have exited
}  // namespace

void traceEventSlow(TraceEv ev, uint64_t a, uint64_t b) {
  G* gp = getg();
  if (!gp) return;
  M* mp = gp->m.load(std::memory_order_relaxed);
  if (!mp || !mp->trace) return;
  TraceBuf* tb = mp->trace;
  TraceEvent& e = tb->ev[tb->pos % kTraceBufEvents];
  e.ticks = arch::cputicks();
  e.ev = static_cast<uint8_t>(ev);
  e.m = static_cast<uint32_t>(mp->id);
  e.a = a;
  e.b = b;
  tb->pos++;
}

// casgstatus's trace point, out of line: only the traceOn() test is on every status change.
void traceGStatus(G* gp, uint32_t oldval, uint32_t newval) {
  traceEventSlow(TraceEv::GoStatus, static_cast<uint64_t>(gp->goid.load(std::memory_order_relaxed)),
                 oldval | newval << 8 |
                     static_cast<uint64_t>(gp->waitreason.load(std::memory_order_relaxed)) << 16);
}

void traceCollect(M* mp) {
  TraceBuf* tb = mp->trace;
  if (!tb || tb->pos == 0) return;
  lock(&collectedLock);
  uint64_t first = tb->pos > kTraceBufEvents ? tb->pos - kTraceBufEvents : 0;
  for (uint64_t i = first; i < tb->pos; i++) collected.push_back(tb->ev[i % kTraceBufEvents]);
  tb->pos = 0;
  unlock(&collectedLock);
}

const char* traceEvName(TraceEv ev) {
  switch (ev) {
    case TraceEv::GoStatus: return "GoStatus";
    case TraceEv::GoCreate: return "GoCreate";
    case TraceEv::ProcStatus: return "ProcStatus";
    case TraceEv::Handoff: return "Handoff";
    case TraceEv::Retake: return "Retake";
    case TraceEv::Steal: return "Steal";
    case TraceEv::Netpoll: return "Netpoll";
    case TraceEv::MStart: return "MStart";
    case TraceEv::MPark: return "MPark";
    case TraceEv::MUnpark: return "MUnpark";
    case TraceEv::MExit: return "MExit";
    case TraceEv::SyscallEnter: return "SyscallEnter";
    case TraceEv::SyscallExit: return "SyscallExit";
    case TraceEv::NetpollBreak: return "NetpollBreak";
  }
  return "?";
}

namespace trace {

void Start() { traceEnabled.store(true, std::memory_order_relaxed); }
void Stop() { traceEnabled.store(false, std::memory_order_relaxed); }

std::vector<TraceEvent> Take() {
  lock(&collectedLock);
  std::vector<TraceEvent> out;
  out.swap(collected);
  unlock(&collectedLock);
  // Order by time; ties keep each M's own order (std::stable_sort would need std::nothrow,
  // which user/lib's C++ support does not provide yet).
  std::vector<std::pair<uint64_t, size_t>> key(out.size());
  for (size_t i = 0; i < out.size(); i++) key[i] = {out[i].ticks, i};
  std::sort(key.begin(), key.end());
  std::vector<TraceEvent> sorted(out.size());
  for (size_t i = 0; i < key.size(); i++) sorted[i] = out[key[i].second];
  return sorted;
}

}  // namespace trace
}  // namespace rt
