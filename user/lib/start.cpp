// user/lib/start.cpp -- process startup for Handoff user programs (after crt0's _start).
//
// crt0.S hands us the initial stack pointer, laid out by the kernel as on Linux:
//   sp[0] = argc, sp[1..argc] = argv[], NULL, envp[]..., NULL, auxv (type, value) pairs, AT_NULL
// __handoff_start then, in this order:
//   1. records environ and the auxiliary vector (getauxval);
//   2. finds the program's static TLS segment (PT_TLS, via AT_PHDR/AT_PHNUM) and gives the main
//      thread its ThreadBlock + TLS, installing the thread pointer -- before ANY newlib call,
//      since newlib reaches errno/stdio through __getreent(), which reads the thread pointer;
//   3. registers .fini_array for exit() and runs .preinit_array/_init/.init_array
//      (newlib's __libc_init_array: C++ global constructors);
//   4. exit(main(argc, argv, envp)).
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <reent.h>

#include "handoff.h"
#include "linux_abi.h"
#include "syscall.h"
#include "thread_block.h"

extern "C" {
int main(int argc, char** argv, char** envp);
void __libc_init_array(void);
void __libc_fini_array(void);
extern char** environ;
void __handoff_start(long* sp) __attribute__((noreturn, used));
struct _reent* __getreent(void);
void _init(void);
void _fini(void);
void __handoff_locks_linked(void);  // lock.cpp
void __handoff_glue_linked(void);   // newlib_glue.cpp
}

namespace {

// ELF64 program header (only what we read). PT_TLS = 7.
struct Elf64Phdr {
  uint32_t p_type;
  uint32_t p_flags;
  uint64_t p_offset;
  uint64_t p_vaddr;
  uint64_t p_paddr;
  uint64_t p_filesz;
  uint64_t p_memsz;
  uint64_t p_align;
};
constexpr uint32_t kPtTls = 7;

unsigned long* g_auxv;

// The static TLS image (all zero when the program has no thread_local/__thread variables).
struct TlsImage {
  const void* init;  // .tdata contents
  size_t filesz;     // bytes to copy
  size_t memsz;      // filesz + .tbss (zeroed)
  size_t align;      // p_align (1 if there is no PT_TLS). The linker computes every TLS
                     // offset from this exact value (x86-64: tp - align_up(memsz, p_align)),
                     // so it must not be rounded up here.
} g_tls;

constexpr size_t align_up(size_t v, size_t a) { return (v + a - 1) & ~(a - 1); }

void find_tls() {
  g_tls.align = 1;
  auto phdr = reinterpret_cast<const Elf64Phdr*>(getauxval(LINUX_AT_PHDR));
  size_t phnum = getauxval(LINUX_AT_PHNUM);
  if (!phdr) return;
  for (size_t i = 0; i < phnum; i++) {
    if (phdr[i].p_type != kPtTls) continue;
    // A static non-PIE executable: p_vaddr is the absolute address of the .tdata image.
    g_tls.init = reinterpret_cast<const void*>(phdr[i].p_vaddr);
    g_tls.filesz = phdr[i].p_filesz;
    g_tls.memsz = phdr[i].p_memsz;
    if (phdr[i].p_align > 1) g_tls.align = phdr[i].p_align;
  }
}

// The thread-pointer alignment we guarantee: the TLS segment's, the block's own, and 16.
size_t tp_align() {
  size_t a = alignof(ThreadBlock) > 16 ? alignof(ThreadBlock) : 16;
  return g_tls.align > a ? g_tls.align : a;
}

// Byte copy/zero that cannot be turned into a newlib call (runs before the thread pointer
// is valid on the main thread; newlib's memcpy would be fine, but keep startup obvious).
void copy_bytes(char* d, const char* s, size_t n) {
  for (size_t i = 0; i < n; i++) {
    __asm__("" ::: "memory");  // stop the compiler turning this loop into memcpy()
    d[i] = s[i];
  }
}
void zero_bytes(char* d, size_t n) {
  for (size_t i = 0; i < n; i++) {
    __asm__("" ::: "memory");
    d[i] = 0;
  }
}

// Lays out TLS + block in `mem` (see thread_block.h for the two ABIs) without touching newlib.
ThreadBlock* layout_block(void* mem) {
  const size_t a = tp_align();
  char* base = static_cast<char*>(mem);
  char* tls;
  ThreadBlock* tb;
#if defined(__x86_64__)
  // Variant II: [ .tdata .tbss ][ ThreadBlock ], thread pointer = block, TLS ends at tp and
  // starts at tp - align_up(memsz, align).
  const size_t tls_span = align_up(g_tls.memsz, g_tls.align);
  char* tp = reinterpret_cast<char*>(align_up(reinterpret_cast<uintptr_t>(base) + tls_span, a));
  tb = reinterpret_cast<ThreadBlock*>(tp);
  tls = tp - tls_span;
#else
  // Variant I: [ ThreadBlock ... tcb[2] ][ .tdata .tbss ], thread pointer = &tcb, TLS starts
  // at tp + align_up(16, align).
  const size_t off = offsetof(ThreadBlock, tcb);
  char* tp = reinterpret_cast<char*>(align_up(reinterpret_cast<uintptr_t>(base) + off, a));
  tb = reinterpret_cast<ThreadBlock*>(tp - off);
  tls = tp + align_up(16, g_tls.align);
#endif
  zero_bytes(reinterpret_cast<char*>(tb), sizeof(ThreadBlock));
  copy_bytes(tls, static_cast<const char*>(g_tls.init), g_tls.filesz);
  zero_bytes(tls + g_tls.filesz, g_tls.memsz - g_tls.filesz);
  tb->self = tb;
  return tb;
}

void set_thread_pointer(ThreadBlock* tb) {
#if defined(__x86_64__)
  long r = syscall2(SYS_arch_prctl, LINUX_ARCH_SET_FS, reinterpret_cast<long>(tb));
  if (syscall_failed(r)) syscall1(SYS_exit_group, 127);  // no way to report it yet
#else
  __asm__ volatile("msr tpidr_el0, %0" ::"r"(handoff_tb_thread_pointer(tb)) : "memory");
#endif
}

// The main thread's block: static storage when the TLS segment is small (the usual case),
// otherwise an anonymous mmap. 4 KiB of TLS covers all of Handoff's programs.
constexpr size_t kMainStatic = sizeof(ThreadBlock) + 4096 + 256;
alignas(64) char g_main_area[kMainStatic];

}  // namespace

extern "C" {

size_t handoff_tb_area_size(void) {
  // Worst case of either layout, plus slack for aligning the thread pointer.
  return align_up(g_tls.memsz, g_tls.align) + align_up(16, g_tls.align) + sizeof(ThreadBlock) +
         tp_align();
}

size_t handoff_tb_area_align(void) { return 16; }

ThreadBlock* handoff_tb_init(void* mem) {
  ThreadBlock* tb = layout_block(mem);
  tb->reent = &tb->reent_storage;
  // Own errno, strtok state, rand state, printf scratch; stdin/stdout/stderr are the global
  // streams (--enable-newlib-global-stdio-streams), so output is shared and locked.
  _REENT_INIT_PTR(tb->reent);
  return tb;
}

void handoff_tb_fini(ThreadBlock* tb) {
  if (tb && !tb->is_main && tb->reent == &tb->reent_storage) _reclaim_reent(tb->reent);
}

// newlib (built with -D__DYNAMIC_REENT__) calls this for every errno/stdio/... access. Each
// thread's _reent hangs off its thread pointer: one load on x86-64 (mov %fs:8), three
// instructions on aarch64, no syscall.
// Defined here, in the object that also holds __handoff_start, so the linker takes it from
// libhandoff.a before it ever scans libc.a, whose getreent.o has a single-threaded default.
struct _reent* __getreent(void) { return handoff_tb_reent(); }

unsigned long getauxval(unsigned long type) {
  if (!g_auxv) return 0;
  for (unsigned long* a = g_auxv; a[0] != LINUX_AT_NULL; a += 2)
    if (a[0] == type) return a[1];
  return 0;
}

// newlib's __libc_init_array/__libc_fini_array call these (configure.host sets HAVE_INIT_FINI).
// On Linux they come from crti.o/crtn.o; we link -nostdlib and use .init_array only.
void _init(void) {}
void _fini(void) {}

// Static executables have no DSO handle; __cxa_atexit keys destructors on it.
void* __dso_handle = nullptr;

void __handoff_start(long* sp) {
  int argc = static_cast<int>(sp[0]);
  char** argv = reinterpret_cast<char**>(sp + 1);
  char** envp = argv + argc + 1;
  char** e = envp;
  while (*e) e++;
  g_auxv = reinterpret_cast<unsigned long*>(e + 1);

  find_tls();
  void* area = g_main_area;
  if (handoff_tb_area_size() > sizeof(g_main_area)) {
    long m = syscall6(SYS_mmap, 0, static_cast<long>(handoff_tb_area_size()),
                      LINUX_PROT_READ | LINUX_PROT_WRITE, LINUX_MAP_PRIVATE | LINUX_MAP_ANONYMOUS,
                      -1, 0);
    if (syscall_failed(m)) syscall1(SYS_exit_group, 127);
    area = reinterpret_cast<void*>(m);
  }
  ThreadBlock* tb = layout_block(area);
  tb->is_main = 1;
  tb->reent = _impure_ptr;  // == _global_impure_ptr: see thread_block.h
  tb->tid = static_cast<int>(syscall0(SYS_gettid));
  set_thread_pointer(tb);
  // From here on newlib may be used.

  environ = envp;
  // These two calls make the linker take lock.o (real locks) and newlib_glue.o (our
  // fcntl...) from libhandoff.a before it scans libc.a, whose same-named no-op lock.o and
  // ENOSYS fcntl wrapper would otherwise be picked first when libc itself needs the symbol.
  __handoff_locks_linked();
  __handoff_glue_linked();
  atexit(__libc_fini_array);
  __libc_init_array();
  exit(main(argc, argv, envp));
}

}  // extern "C"
