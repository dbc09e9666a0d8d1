// sched/stack.cpp -- goroutine stacks (Go: stack.go, much simplified).
//
// Go starts a goroutine with 2 KiB and grows it by copying, which works because the compiler
// knows every pointer into the stack. C++ does not, so a stack here can never move: we reserve
// a fixed range (64 KiB by default) with mmap and let the kernel's demand paging do what Go's
// small initial stack does -- a G that never touched more than one page costs one page.
// Below each stack sits a PROT_NONE guard page: an overflow faults instead of silently
// corrupting the neighbouring mapping.
//
//   [ guard (PROT_NONE) | stack.lo ...... stack.hi ]   the stack grows down from hi
//
// Stacks are kept with their G on the free lists (gfput/gfget) and only unmapped when Run ends.
#include "os.h"
#include "runtime2.h"

#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/asan_interface.h>
#define RT_UNPOISON(p, n) __asan_unpoison_memory_region((p), (n))
#else
#define RT_UNPOISON(p, n) ((void)(p), (void)(n))
#endif

namespace rt {
namespace {
// One 4 KiB page: the smallest page both arches' Linux (and Handoff) use.
constexpr size_t kGuardSize = 4096;
}  // namespace

Stack stackalloc(size_t n) {
  n = (n + kGuardSize - 1) & ~(kGuardSize - 1);
  void* p = os::sysAlloc(n + kGuardSize);
  if (!p) fatal("runtime: cannot allocate goroutine stack (out of memory)");
  os::sysGuard(p, kGuardSize);  // a kernel without mprotect just leaves no guard
  uintptr_t lo = reinterpret_cast<uintptr_t>(p) + kGuardSize;
  return Stack{lo, lo + n};
}

void stackfree(Stack s) {
  if (s.lo == 0) return;
  os::sysFree(reinterpret_cast<void*>(s.lo - kGuardSize), s.hi - s.lo + kGuardSize);
}

// A reused stack may still carry AddressSanitizer poison from frames of the previous G that
// never returned (it left through mcall). Clear it so the new G starts clean.
void stackReuse(G* gp) {
  RT_UNPOISON(reinterpret_cast<void*>(gp->stack.lo), gp->stack.hi - gp->stack.lo);
}

}  // namespace rt
