// sched/runtime1.cpp -- settings from the environment (Go: parsedebugvars in runtime1.go and
// the GOMAXPROCS handling in schedinit).
//
//   GOMAXPROCS=n                     number of Ps (default: the CPUs sched_getaffinity allows)
//   GODEBUG=schedtrace=N,scheddetail=1
// A Config field that is set wins over the environment (like calling runtime.GOMAXPROCS or
// debug.SetMaxThreads at the top of main).
#include "os.h"
#include "runtime.h"
#include "runtime2.h"

namespace rt {
namespace {

// A decimal integer, or -1 if s is not one.
int64_t atoi(const char* s, const char* end) {
  if (s == end) return -1;
  int64_t v = 0;
  for (; s != end; s++) {
    if (*s < '0' || *s > '9') return -1;
    v = v * 10 + (*s - '0');
    if (v > (int64_t{1} << 31)) return -1;
  }
  return v;
}

bool keyIs(const char* k, const char* kend, const char* name) {
  while (k != kend && *name && *k == *name) {
    k++;
    name++;
  }
  return k == kend && *name == 0;
}

}  // namespace

int32_t gomaxprocsFromEnv(const Config& cfg) {
  if (cfg.gomaxprocs > 0) return cfg.gomaxprocs;
  int32_t procs = ncpu;
  if (const char* s = os::getenv("GOMAXPROCS")) {
    const char* e = s;
    while (*e) e++;
    int64_t n = atoi(s, e);
    if (n > 0) procs = static_cast<int32_t>(n);
  }
  return procs;
}

void parsedebugvars(const Config& cfg) {
  debug = dbgVar{};
  if (const char* s = os::getenv("GODEBUG")) {
    // key=value pairs separated by commas; unknown keys are ignored, as in Go.
    while (*s) {
      const char* field = s;
      while (*s && *s != ',') s++;
      const char* fend = s;
      if (*s == ',') s++;
      const char* eq = field;
      while (eq != fend && *eq != '=') eq++;
      if (eq == fend) continue;
      int64_t v = atoi(eq + 1, fend);
      if (v < 0) continue;
      if (keyIs(field, eq, "schedtrace")) debug.schedtrace = static_cast<int32_t>(v);
      if (keyIs(field, eq, "scheddetail")) debug.scheddetail = static_cast<int32_t>(v);
    }
  }
  if (cfg.schedtrace_ms >= 0) debug.schedtrace = cfg.schedtrace_ms;
  if (cfg.scheddetail >= 0) debug.scheddetail = cfg.scheddetail;
}

}  // namespace rt
