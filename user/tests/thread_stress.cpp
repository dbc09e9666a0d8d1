// user/tests/thread_stress.cpp -- newlib under several raw-clone threads at once.
//
// Checks that the pieces that make newlib thread-safe really work (user/lib/thread_block.h):
// per-thread errno and _reent (__getreent through the thread pointer), futex-based
// retargetable locks under malloc/free and stdio, per-thread thread_local storage, and
// thread_create/thread_join (CLONE_SETTLS, CLONE_CHILD_CLEARTID + futex join).
// Each worker, concurrently:
//   - mallocs/frees blocks of pseudo-random sizes and verifies their contents,
//   - formats floats into a private buffer (newlib's dtoa scratch lives in the _reent),
//   - appends lines to ONE shared FILE (fmemopen) -- stdio's FILE lock must keep lines whole,
//   - sets errno and checks no other thread disturbed it.
// Exit status 0 and a last line "thread_stress: N checks, 0 failed" on success.
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "handoff.h"
#include "thread.h"

namespace {

constexpr int kThreads = 4;
constexpr int kIters = 3000;
constexpr int kLinesPerThread = 500;

int g_checks, g_failed;

void check(bool ok, const char* name, long a = 0, long b = 0) {
  g_checks++;
  if (ok) {
    printf("ok - %s\n", name);
  } else {
    g_failed++;
    printf("FAIL - %s (%ld %ld)\n", name, a, b);
  }
}

thread_local int tls_id = -1;
thread_local long tls_sum;

FILE* g_shared;  // one FILE written by every thread
char g_shared_buf[kThreads * kLinesPerThread * 64];

struct Result {
  int id;
  int tid;
  void* reent;
  long bad_mem;
  long bad_fmt;
  long bad_errno;
  long bad_tls;
};

void* worker(void* arg) {
  auto* res = static_cast<Result*>(arg);
  const int id = res->id;
  tls_id = id;
  res->tid = gettid();
  res->reent = __getreent();
  unsigned seed = 12345u + static_cast<unsigned>(id) * 7919u;
  auto next = [&seed] {
    seed = seed * 1103515245u + 12345u;
    return (seed >> 8) & 0xffff;
  };
  void* held[16] = {};
  size_t held_size[16] = {};
  for (int i = 0; i < kIters; i++) {
    // malloc/free with content checks
    int slot = static_cast<int>(next() % 16);
    if (held[slot]) {
      auto* p = static_cast<unsigned char*>(held[slot]);
      if (p[0] != static_cast<unsigned char>(id) ||
          p[held_size[slot] - 1] != static_cast<unsigned char>(id))
        res->bad_mem++;
      free(held[slot]);
    }
    held_size[slot] = 1 + next() % 3000;
    held[slot] = malloc(held_size[slot]);
    if (!held[slot]) {
      res->bad_mem++;
      continue;
    }
    memset(held[slot], id, held_size[slot]);

    // private formatting (dtoa uses the thread's _reent)
    char buf[64];
    double x = id * 1000.0 + i + 0.25;
    snprintf(buf, sizeof buf, "%d:%.2f", i, x);
    char want[64];
    int whole = id * 1000 + i;
    snprintf(want, sizeof want, "%d:%d.25", i, whole);
    if (strcmp(buf, want) != 0) res->bad_fmt++;

    // errno is per thread
    errno = 1000 + id;
    if ((i & 63) == 0) sched_yield();
    if (errno != 1000 + id) res->bad_errno++;
    if (close(-1) != -1 || errno != EBADF) res->bad_errno++;

    // shared stdio stream
    if (i < kLinesPerThread) fprintf(g_shared, "T%d L%04d %.3f\n", id, i, i / 8.0);

    tls_sum += i;
    if (tls_id != id) res->bad_tls++;
  }
  for (void* p : held) free(p);
  long want_sum = static_cast<long>(kIters) * (kIters - 1) / 2;
  if (tls_sum != want_sum) res->bad_tls++;
  return res;
}

}  // namespace

int main() {
  printf("thread_stress: %d threads x %d iterations\n", kThreads, kIters);
  g_shared = fmemopen(g_shared_buf, sizeof g_shared_buf, "w");
  check(g_shared != nullptr, "fmemopen");
  if (!g_shared) return 1;

  Result res[kThreads] = {};
  thread_t t[kThreads];
  for (int i = 0; i < kThreads; i++) {
    res[i].id = i + 1;
    t[i] = thread_create(worker, &res[i]);
    check(t[i] != nullptr, "thread_create", errno);
  }
  for (int i = 0; i < kThreads; i++) {
    if (!t[i]) continue;
    void* r = thread_join(t[i]);
    check(r == &res[i], "thread_join returns the result");
  }
  fclose(g_shared);

  bool distinct = true;
  for (int i = 0; i < kThreads; i++) {
    check(res[i].bad_mem == 0, "malloc/free contents intact", res[i].id, res[i].bad_mem);
    check(res[i].bad_fmt == 0, "concurrent float formatting", res[i].id, res[i].bad_fmt);
    check(res[i].bad_errno == 0, "errno is per thread", res[i].id, res[i].bad_errno);
    check(res[i].bad_tls == 0, "thread_local is per thread", res[i].id, res[i].bad_tls);
    if (res[i].tid <= 0 || res[i].tid == gettid() || res[i].reent == __getreent())
      distinct = false;
    for (int j = 0; j < i; j++)
      if (res[j].tid == res[i].tid || res[j].reent == res[i].reent) distinct = false;
  }
  check(distinct, "distinct tids and _reent per thread");

  // Every line in the shared stream must be whole and each thread's lines in order.
  int next_line[kThreads + 1] = {};
  int lines = 0, bad = 0;
  for (char* line = strtok(g_shared_buf, "\n"); line; line = strtok(nullptr, "\n")) {
    int id, n;
    double f;
    char extra;
    if (sscanf(line, "T%d L%d %lf%c", &id, &n, &f, &extra) != 3 || id < 1 || id > kThreads ||
        n != next_line[id] || f != n / 8.0) {
      bad++;
      continue;
    }
    next_line[id]++;
    lines++;
  }
  check(bad == 0 && lines == kThreads * kLinesPerThread, "shared FILE lines whole and ordered",
        lines, bad);

  // A second round reuses freed thread memory.
  for (int i = 0; i < kThreads; i++) {
    res[i] = Result{};
    res[i].id = i + 1;
  }
  g_shared = fmemopen(g_shared_buf, sizeof g_shared_buf, "w");
  for (int i = 0; i < kThreads; i++) t[i] = thread_create(worker, &res[i]);
  bool ok2 = true;
  for (int i = 0; i < kThreads; i++) {
    if (!t[i] || thread_join(t[i]) != &res[i]) ok2 = false;
    if (res[i].bad_mem || res[i].bad_fmt || res[i].bad_errno || res[i].bad_tls) ok2 = false;
  }
  fclose(g_shared);
  check(ok2, "second round of threads");

  printf("thread_stress: %d checks, %d failed\n", g_checks, g_failed);
  return g_failed ? 1 : 0;
}
