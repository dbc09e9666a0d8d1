// sched/os/glibc/getg.h -- where the running G is found, on a glibc host (Go: getg(), which the
// compiler turns into a load from the TLS register).
//
// A C++ thread_local, reached through an out-of-line function on purpose: goroutines move
// between threads in the middle of a C++ function (at mcall), and a compiler that inlined the
// TLS access may keep the thread's TLS address in a register across that call and read the
// old thread's slot afterwards. A call into another file cannot be cached. (The Handoff
// flavour reads its thread pointer with `asm volatile` instead.) Performance on the host does
// not matter: it is where the runtime is tested, not measured.
#pragma once

namespace rt {
struct G;
G* getg();
void setg(G* gp);
}  // namespace rt
