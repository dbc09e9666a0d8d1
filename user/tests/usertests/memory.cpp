// user/tests/usertests/memory.cpp -- tests of the memory system calls: brk, mmap, munmap,
// mprotect (kernel/mm/mm_syscalls.cpp, kernel/mm/address_space.cpp).
//
// A test that must see a fault (touching unmapped or read-only memory) cannot survive it:
// a fault kills the process. So it starts a child (`usertests --fault KIND`, process.cpp)
// that does the bad access, and checks the child was killed by SIGSEGV.
#include <stdlib.h>
#include <string.h>

#include "ut.h"

using ut::sys;

namespace {

constexpr long kPage = 4096;

long map_anon(size_t size, int prot = LINUX_PROT_READ | LINUX_PROT_WRITE, int flags = 0,
              uintptr_t addr = 0) {
  return sys(SYS_mmap, addr, size, prot, LINUX_MAP_PRIVATE | LINUX_MAP_ANONYMOUS | flags, -1, 0);
}

bool all_bytes(const char* p, size_t n, char value) {
  for (size_t i = 0; i < n; i++)
    if (p[i] != value) return false;
  return true;
}

// Runs `usertests --fault kind` and expects SIGSEGV.
void expect_segv_child(const char* kind, const char* what) {
  int status;
  if (EXPECT_OK(ut::run_self({"--fault", kind}, &status)) > 0)
    EXPECT_SIGNAL(status, LINUX_SIGSEGV, what);
}

}  // namespace

void test_brk() {
  // Between growing and shrinking nothing here may call malloc (printf can): newlib's sbrk
  // keeps its own idea of the break and would move it. So the results are collected first
  // and checked once the break is back where newlib left it.
  const long start = sys(SYS_brk, 0);
  const long want = start + 16 * kPage + 123;  // the break need not be page aligned
  const long grown = sys(SYS_brk, want);
  bool usable = false, zero_again = false;
  if (grown == want) {
    char* p = reinterpret_cast<char*>(start);
    memset(p, 0x5a, want - start);
    usable = all_bytes(p, want - start, 0x5a);
  }
  const long shrunk = sys(SYS_brk, start);
  // Refusals answer with the unchanged break: below the heap's start, into the stack at the
  // top of the user half, non-canonical, kernel.
  const long low = sys(SYS_brk, 1);
  const long top = sys(SYS_brk, ut::kUserTopHere);
  const long noncanonical = sys(SYS_brk, ut::kNonCanonical);
  const long kernel = sys(SYS_brk, ut::kKernelHere);
  // Pages given back and taken again come back zeroed (only whole pages above the old
  // break's page: the rest of that page keeps what it had, on Linux too).
  const long first_new_page = (start + kPage - 1) & ~(kPage - 1);
  if (sys(SYS_brk, want) == want)
    zero_again = all_bytes(reinterpret_cast<char*>(first_new_page), want - first_new_page, 0);
  const long restored = sys(SYS_brk, start);

  EXPECT(start > 0);
  EXPECT_EQ(grown, want);
  EXPECT(usable);
  EXPECT_EQ(shrunk, start);
  EXPECT_EQ(low, start);
  EXPECT_EQ(top, start);
  EXPECT_EQ(noncanonical, start);
  EXPECT_EQ(kernel, start);
  EXPECT(zero_again);
  EXPECT_EQ(restored, start);
  EXPECT_RESULT(sys(SYS_brk, 0), start);
}

void test_mmap_anon() {
  // Fresh anonymous memory: page aligned, zeroed, writable.
  long r = EXPECT_OK(map_anon(3 * kPage));
  if (r < 0) return;
  char* p = reinterpret_cast<char*>(r);
  EXPECT_EQ(r % kPage, 0);
  EXPECT(all_bytes(p, 3 * kPage, 0));
  memset(p, 7, 3 * kPage);
  EXPECT(all_bytes(p, 3 * kPage, 7));
  EXPECT_RESULT(sys(SYS_munmap, p, 3 * kPage), 0);
  // A length that is not a page multiple is rounded up.
  r = EXPECT_OK(map_anon(100));
  if (r > 0) {
    reinterpret_cast<char*>(r)[kPage - 1] = 1;
    EXPECT_RESULT(sys(SYS_munmap, r, 100), 0);
  }
  r = EXPECT_OK(sys(SYS_mmap, nullptr, kPage, LINUX_PROT_READ | LINUX_PROT_WRITE,
                    LINUX_MAP_SHARED | LINUX_MAP_ANONYMOUS, -1, 0));
  if (r > 0) EXPECT_RESULT(sys(SYS_munmap, r, kPage), 0);

  // MAP_FIXED: exactly there, replacing what was (here: part of a PROT_NONE reservation).
  long base = EXPECT_OK(map_anon(8 * kPage, LINUX_PROT_NONE));
  if (base < 0) return;
  const long at = base + 2 * kPage;
  EXPECT_RESULT(map_anon(2 * kPage, LINUX_PROT_READ | LINUX_PROT_WRITE, LINUX_MAP_FIXED, at), at);
  memset(reinterpret_cast<char*>(at), 1, 2 * kPage);
  // MAP_FIXED_NOREPLACE refuses an occupied range, takes a free one.
  constexpr int kMapFixedNoReplace = 0x100000;
  EXPECT_ERR(map_anon(kPage, LINUX_PROT_READ, kMapFixedNoReplace, at), LINUX_EEXIST);
  EXPECT_RESULT(sys(SYS_munmap, at, kPage), 0);
  EXPECT_RESULT(map_anon(kPage, LINUX_PROT_READ, kMapFixedNoReplace, at), at);
  EXPECT_RESULT(sys(SYS_munmap, base, 8 * kPage), 0);

  // Errors.
  EXPECT_ERR(map_anon(0), LINUX_EINVAL);
  EXPECT_ERR(sys(SYS_mmap, nullptr, kPage, LINUX_PROT_READ, LINUX_MAP_ANONYMOUS, -1, 0),
             LINUX_EINVAL);  // neither MAP_SHARED nor MAP_PRIVATE
  EXPECT_ERR(sys(SYS_mmap, nullptr, kPage, LINUX_PROT_READ, LINUX_MAP_ANONYMOUS | 0xf, -1, 0),
             LINUX_EINVAL);  // no such sharing type
  EXPECT_ERR(map_anon(kPage, LINUX_PROT_READ, LINUX_MAP_FIXED, base + 1), LINUX_EINVAL);
  EXPECT_ERR(sys(SYS_mmap, nullptr, kPage, LINUX_PROT_READ,
                 LINUX_MAP_PRIVATE | LINUX_MAP_ANONYMOUS, -1, kPage - 1),
             LINUX_EINVAL);  // the offset must be page aligned even when it is ignored
  EXPECT_ERR(map_anon(1UL << 62), LINUX_ENOMEM);
  EXPECT_ERR(map_anon(static_cast<size_t>(-kPage)), LINUX_ENOMEM);
  EXPECT_ERR(map_anon(kPage, LINUX_PROT_READ, LINUX_MAP_FIXED, ut::kKernelHere), LINUX_ENOMEM);
  EXPECT_ERR(map_anon(2 * kPage, LINUX_PROT_READ, LINUX_MAP_FIXED, ut::kUserTopHere - kPage),
             LINUX_ENOMEM);  // runs past the top of the user half
  // Not anonymous and no file: EBADF.
  EXPECT_ERR(sys(SYS_mmap, nullptr, kPage, LINUX_PROT_READ, LINUX_MAP_PRIVATE, -1, 0), LINUX_EBADF);
  // A flag bit Linux does not know: Linux ignores it (old binaries pass junk); Handoff
  // refuses it on purpose (kernel/mm/mm_syscalls.cpp) so mistakes show.
  r = map_anon(kPage, LINUX_PROT_READ, 0x800000);
  if (ut::is_handoff()) {
    EXPECT_ERR(r, LINUX_EINVAL);
  } else if (EXPECT_OK(r) > 0) {
    sys(SYS_munmap, r, kPage);
  }
}

void test_mmap_file() {
  // A private read-only mapping of /etc/motd. Linux maps the file; Handoff has no page
  // cache yet and answers ENODEV (kernel/mm/mm_syscalls.cpp) -- until it has one, when the
  // same checks as on Linux apply.
  long fd = sys(SYS_openat, LINUX_AT_FDCWD, ut::motd_path(), LINUX_O_RDONLY, 0);
  if (!EXPECT(fd >= 0)) return;
  char head[16] = {};
  long n = sys(SYS_read, fd, head, sizeof head);
  long r = sys(SYS_mmap, nullptr, kPage, LINUX_PROT_READ, LINUX_MAP_PRIVATE, fd, 0);
  if (ut::is_handoff() && r == -LINUX_ENODEV) {
    ut::note("file mappings are not implemented yet (ENODEV)");
  } else if (EXPECT_OK(r) > 0) {
    EXPECT(n > 0 && memcmp(reinterpret_cast<char*>(r), head, n) == 0);
    EXPECT_RESULT(sys(SYS_munmap, r, kPage), 0);
  }
  // A write-shared mapping of a file opened read-only: EACCES on both.
  r = sys(SYS_mmap, nullptr, kPage, LINUX_PROT_READ | LINUX_PROT_WRITE, LINUX_MAP_SHARED, fd, 0);
  if (ut::is_handoff()) EXPECT(r == -LINUX_EACCES || r == -LINUX_ENODEV);
  else EXPECT_ERR(r, LINUX_EACCES);
  sys(SYS_close, fd);
}

void test_munmap() {
  long r = EXPECT_OK(map_anon(4 * kPage));
  if (r < 0) return;
  char* p = reinterpret_cast<char*>(r);
  memset(p, 3, 4 * kPage);
  // A hole in the middle; both sides stay.
  EXPECT_RESULT(sys(SYS_munmap, p + kPage, kPage), 0);
  EXPECT(all_bytes(p, kPage, 3) && all_bytes(p + 2 * kPage, 2 * kPage, 3));
  EXPECT_RESULT(sys(SYS_munmap, p + kPage, kPage), 0);     // nothing there: fine
  EXPECT_RESULT(sys(SYS_munmap, ut::kUnmapped, kPage), 0);  // likewise
  EXPECT_ERR(sys(SYS_munmap, p + 1, kPage), LINUX_EINVAL);  // misaligned
  EXPECT_ERR(sys(SYS_munmap, p, 0), LINUX_EINVAL);
  EXPECT_ERR(sys(SYS_munmap, ut::kKernelHere, kPage), LINUX_EINVAL);
  EXPECT_ERR(sys(SYS_munmap, ut::kNonCanonical, kPage), LINUX_EINVAL);
  EXPECT_ERR(sys(SYS_munmap, -kPage, kPage), LINUX_EINVAL);  // wraps around
  EXPECT_RESULT(sys(SYS_munmap, p, 4 * kPage), 0);
  // Memory once unmapped is gone: touching it kills.
  expect_segv_child("munmap", "child reading memory after munmap");
}

void test_mprotect() {
  long r = EXPECT_OK(map_anon(2 * kPage));
  if (r < 0) return;
  char* p = reinterpret_cast<char*>(r);
  p[0] = 'x';
  EXPECT_RESULT(sys(SYS_mprotect, p, kPage, LINUX_PROT_READ), 0);
  EXPECT_EQ(p[0], 'x');  // still readable, contents kept
  EXPECT_RESULT(sys(SYS_mprotect, p, kPage, LINUX_PROT_NONE), 0);
  EXPECT_RESULT(sys(SYS_mprotect, p, 2 * kPage, LINUX_PROT_READ | LINUX_PROT_WRITE), 0);
  EXPECT_EQ(p[0], 'x');  // PROT_NONE and back keeps the page
  p[1] = 'y';
  EXPECT_RESULT(sys(SYS_mprotect, p, 0, LINUX_PROT_READ), 0);  // length 0: nothing to do
  EXPECT_ERR(sys(SYS_mprotect, p + 1, kPage, LINUX_PROT_READ), LINUX_EINVAL);
  EXPECT_ERR(sys(SYS_mprotect, p, kPage, 0x100), LINUX_EINVAL);  // unknown prot bit
  EXPECT_ERR(sys(SYS_mprotect, ut::kUnmapped, kPage, LINUX_PROT_READ), LINUX_ENOMEM);
  EXPECT_ERR(sys(SYS_mprotect, ut::kKernelHere, kPage, LINUX_PROT_READ), LINUX_ENOMEM);
  EXPECT_ERR(sys(SYS_mprotect, p, -kPage, LINUX_PROT_READ), LINUX_ENOMEM);  // wraps around
  EXPECT_RESULT(sys(SYS_munmap, p, 2 * kPage), 0);
  // What the protection is for (each in a child, which the fault kills):
  expect_segv_child("mprotect", "child writing memory made read-only");
  expect_segv_child("protnone", "child reading PROT_NONE memory");
  expect_segv_child("exec-data", "child jumping into memory mapped without PROT_EXEC");
}

void test_malloc_big() {
  // newlib's malloc over sbrk over brk: many blocks, then big ones.
  void* blocks[200];
  bool ok = true;
  for (int i = 0; i < 200; i++) {
    size_t n = 1 + static_cast<size_t>(i) * 1237;
    blocks[i] = malloc(n);
    if (!blocks[i]) {
      ok = false;
      break;
    }
    memset(blocks[i], i & 0xff, n);
  }
  for (int i = 0; ok && i < 200; i++) {
    size_t n = 1 + static_cast<size_t>(i) * 1237;
    ok = all_bytes(static_cast<char*>(blocks[i]), n, static_cast<char>(i & 0xff));
  }
  for (int i = 0; i < 200 && blocks[i]; i++) free(blocks[i]);
  EXPECT(ok);
  char* big = static_cast<char*>(malloc(16 << 20));
  if (EXPECT(big != nullptr)) {
    memset(big, 0x11, 16 << 20);
    EXPECT(big[0] == 0x11 && big[(16 << 20) - 1] == 0x11);
    big = static_cast<char*>(realloc(big, 32 << 20));
    EXPECT(big != nullptr && big[(16 << 20) - 1] == 0x11);
    free(big);
  }
  int* z = static_cast<int*>(calloc(1 << 20, sizeof(int)));
  if (EXPECT(z != nullptr)) {
    EXPECT(z[0] == 0 && z[(1 << 20) - 1] == 0);
    free(z);
  }
}
