// user/tests/usertests/files.cpp -- tests of the file system calls: read, write, readv,
// writev, pread64, openat, close, dup, dup3, fstat, newfstatat, lseek, ioctl, getdents64,
// getcwd, chdir (kernel/fs/fs_syscalls.cpp).
//
// The files used: our own executable (an ELF file), <root>/etc/motd (a small text file),
// <root>/etc/not-elf, directories "/" and <root>/bin, and /dev/null -- all of which exist both
// in Handoff's initramfs and on the Linux host (see ut.h for <root>).
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "handoff.h"
#include "ut.h"

using ut::sys;

namespace {

// S_IF* as Linux's struct stat carries them.
constexpr unsigned kTypeMask = 0170000, kTypeReg = 0100000, kTypeDir = 0040000,
                   kTypeChr = 0020000;
// Linux's device number for major:minor as stat shows it (new_encode_dev).
constexpr unsigned long dev_number(unsigned major, unsigned minor) {
  return (minor & 0xff) | (major << 8) | ((minor & ~0xffu) << 12);
}

long open_path(const char* path, int flags = LINUX_O_RDONLY) {
  return sys(SYS_openat, LINUX_AT_FDCWD, path, flags, 0);
}

// Closes its descriptor at the end of the scope (if it is one).
struct Fd {
  long fd;
  explicit Fd(long f) : fd(f) {}
  ~Fd() {
    if (fd >= 0) sys(SYS_close, fd);
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
};

// The whole of /etc/motd, read once (through a raw read loop) for comparisons.
struct Motd {
  char data[4096];
  long size = -1;
};
const Motd& motd() {
  static Motd m;
  if (m.size < 0) {
    Fd fd(open_path(ut::motd_path()));
    long n = 0, r;
    while (fd.fd >= 0 && n < static_cast<long>(sizeof m.data) &&
           (r = sys(SYS_read, fd.fd, m.data + n, sizeof m.data - n)) > 0)
      n += r;
    m.size = n;
  }
  return m;
}

// An anonymous mapping for buffers whose edges matter (freed at the end of the scope).
struct Mapping {
  char* base;
  size_t size;
  explicit Mapping(size_t n) : size(n) {
    long r = sys(SYS_mmap, nullptr, n, LINUX_PROT_READ | LINUX_PROT_WRITE,
                 LINUX_MAP_PRIVATE | LINUX_MAP_ANONYMOUS, -1, 0);
    base = syscall_failed(r) ? nullptr : reinterpret_cast<char*>(r);
  }
  ~Mapping() {
    if (base) sys(SYS_munmap, base, size);
  }
};

// A descriptor number that is certainly not open: open something, close it.
long closed_fd() {
  long fd = open_path(ut::motd_path());
  if (fd >= 0) sys(SYS_close, fd);
  return fd;
}

// Is fd a terminal? (TCGETS answers: what isatty() asks too.)
bool is_tty(long fd) {
  unsigned char termios[64];
  return sys(SYS_ioctl, fd, LINUX_TCGETS, termios) == 0;
}

}  // namespace

void test_write_console() {
  fflush(stdout);
  const char line[] = "  (write_console: one raw write)\n";
  EXPECT_RESULT(sys(SYS_write, 1, line, sizeof line - 1), sizeof line - 1);
  EXPECT_RESULT(sys(SYS_write, 1, line, 0), 0);
  char a[] = "  (write_console: ", b[] = "writev, ", c[] = "three pieces)\n";
  struct iovec iov[3] = {{a, strlen(a)}, {b, strlen(b)}, {c, strlen(c)}};
  EXPECT_RESULT(sys(SYS_writev, 1, iov, 3), strlen(a) + strlen(b) + strlen(c));
  const char err[] = "  (write_console: to stderr)\n";
  EXPECT_RESULT(sys(SYS_write, 2, err, sizeof err - 1), sizeof err - 1);
}

void test_read_write_badfd() {
  char buf[16] = "x";
  long closed = closed_fd();
  for (long fd : {-1L, closed, 1023L, 1L << 20, static_cast<long>(INT_MAX)}) {
    EXPECT_ERR(sys(SYS_read, fd, buf, 1), LINUX_EBADF);
    EXPECT_ERR(sys(SYS_write, fd, buf, 1), LINUX_EBADF);
  }
  // The open mode is enforced: no writing a file opened for reading, no reading one opened
  // for writing.
  Fd ro(open_path(ut::motd_path()));
  EXPECT_ERR(sys(SYS_write, ro.fd, buf, 1), LINUX_EBADF);
  Fd wo(open_path("/dev/null", LINUX_O_WRONLY));
  EXPECT(wo.fd >= 0);
  EXPECT_ERR(sys(SYS_read, wo.fd, buf, 1), LINUX_EBADF);
  EXPECT_RESULT(sys(SYS_write, wo.fd, buf, 1), 1);
  // A directory opens for reading, but read() on it is EISDIR (use getdents64).
  Fd dir(open_path(ut::etc_dir(), LINUX_O_RDONLY | LINUX_O_DIRECTORY));
  EXPECT_ERR(sys(SYS_read, dir.fd, buf, 1), LINUX_EISDIR);
  EXPECT_ERR(sys(SYS_write, dir.fd, buf, 1), LINUX_EBADF);
}

void test_read_write_badptr() {
  Fd fd(open_path(ut::motd_path()));
  Fd null(open_path("/dev/null", LINUX_O_RDWR));
  if (!EXPECT(fd.fd >= 0 && null.fd >= 0)) return;
  for (uintptr_t p : ut::kBadPointers) {
    EXPECT_ERR(sys(SYS_read, fd.fd, p, 16), LINUX_EFAULT);
    EXPECT_ERR(sys(SYS_write, 1, p, 16), LINUX_EFAULT);
    // /dev/null never touches the buffer, so only the address check can fail: addresses in
    // the user half are fine (Linux's access_ok), the others are EFAULT.
    bool user_half = p < 0x0000800000000000;
    EXPECT_RESULT(sys(SYS_write, null.fd, p, 16), user_half ? 16 : -LINUX_EFAULT);
    EXPECT_RESULT(sys(SYS_read, null.fd, p, 16), user_half ? 0 : -LINUX_EFAULT);
  }
  // The failed reads copied nothing, so the file position has not moved.
  EXPECT_RESULT(sys(SYS_lseek, fd.fd, 0, SEEK_CUR), 0);

  // Page permissions count: reading INTO read-only memory (a string literal) is EFAULT,
  // writing FROM it is fine.
  static const char kReadOnly[] = "a string literal in .rodata";
  EXPECT_ERR(sys(SYS_read, fd.fd, kReadOnly, 4), LINUX_EFAULT);
  EXPECT_RESULT(sys(SYS_write, null.fd, kReadOnly, 4), 4);

  // A buffer that runs off the end of its mapping: the bytes before the hole may be copied
  // (Linux returns that short count) or the whole call may fail (-EFAULT); never a crash.
  Mapping m(2 * 4096);
  if (EXPECT(m.base != nullptr)) {
    EXPECT_OK(sys(SYS_munmap, m.base + 4096, 4096));
    long r = sys(SYS_read, fd.fd, m.base + 4096 - 4, 16);
    if (r != 4 && r != -LINUX_EFAULT) ut::fail("read across into unmapped memory returned %ld", r);
    // Reading into PROT_NONE memory is EFAULT.
    m.base[0] = '\n';
    EXPECT_OK(sys(SYS_mprotect, m.base, 4096, LINUX_PROT_NONE));
    EXPECT_ERR(sys(SYS_pread64, fd.fd, m.base, 16, 0), LINUX_EFAULT);
    // Writing FROM a PROT_NONE page that had been touched (to stdout: /dev/null would not
    // even look): EFAULT on Linux. Handoff keeps such a page mapped kernel-readable
    // (kernel/mm/address_space.cpp explains why), so the kernel can still read it for
    // write() and prints the '\n': a known, documented difference.
    fflush(stdout);
    long w = sys(SYS_write, 1, m.base, 1);
    if (!ut::is_handoff()) EXPECT_ERR(w, LINUX_EFAULT);
    else EXPECT(w == 1 || w == -LINUX_EFAULT);
  }
}

void test_read_write_hugecount() {
  // Linux checks the whole [buf, buf + count) range first (access_ok) and only then caps a
  // transfer at MAX_RW_COUNT. So a count of SIZE_MAX, or one that wraps around past the
  // end of the address space, is EFAULT -- even on /dev/null, which would never touch it.
  Mapping m(64 * 1024);  // big enough that a wrongly accepted read of motd cannot overflow it
  Fd null(open_path("/dev/null", LINUX_O_RDWR));
  Fd fd(open_path(ut::motd_path()));
  if (!EXPECT(m.base && null.fd >= 0 && fd.fd >= 0)) return;
  const uintptr_t buf = reinterpret_cast<uintptr_t>(m.base);
  EXPECT_ERR(sys(SYS_write, null.fd, buf, SIZE_MAX), LINUX_EFAULT);
  EXPECT_ERR(sys(SYS_read, fd.fd, buf, SIZE_MAX), LINUX_EFAULT);
  EXPECT_ERR(sys(SYS_write, null.fd, buf, -buf + 16), LINUX_EFAULT);  // buf + count wraps to 16
  EXPECT_ERR(sys(SYS_read, fd.fd, buf, -buf), LINUX_EFAULT);          // buf + count wraps to 0
  // Past the user half on both arches (47-bit on x86-64, 48-bit on AArch64).
  EXPECT_ERR(sys(SYS_read, fd.fd, buf, 0x0001000000000000), LINUX_EFAULT);
  EXPECT_ERR(sys(SYS_pread64, fd.fd, buf, SIZE_MAX, 0), LINUX_EFAULT);
  // Still usable afterwards.
  EXPECT_RESULT(sys(SYS_read, fd.fd, buf, 4), motd().size >= 4 ? 4 : motd().size);
}

void test_readv_writev() {
  const Motd& all = motd();
  if (!EXPECT(all.size >= 20)) return;
  Fd fd(open_path(ut::motd_path()));
  Fd null(open_path("/dev/null", LINUX_O_RDWR));
  // Scatter the file into three pieces.
  char a[5], b[10], c[4096];
  struct iovec iov[3] = {{a, sizeof a}, {b, sizeof b}, {c, sizeof c}};
  EXPECT_RESULT(sys(SYS_readv, fd.fd, iov, 3), all.size);
  EXPECT(memcmp(a, all.data, 5) == 0 && memcmp(b, all.data + 5, 10) == 0 &&
         memcmp(c, all.data + 15, all.size - 15) == 0);
  EXPECT_RESULT(sys(SYS_readv, fd.fd, iov, 3), 0);  // at the end
  EXPECT_RESULT(sys(SYS_writev, null.fd, iov, 3), sizeof a + sizeof b + sizeof c);
  EXPECT_RESULT(sys(SYS_writev, null.fd, iov, 0), 0);
  EXPECT_RESULT(sys(SYS_writev, null.fd, nullptr, 0), 0);

  // The segment count: negative or above UIO_MAXIOV (1024) is EINVAL; exactly 1024 is fine.
  EXPECT_ERR(sys(SYS_writev, null.fd, iov, -1), LINUX_EINVAL);
  EXPECT_ERR(sys(SYS_writev, null.fd, iov, 1025), LINUX_EINVAL);
  EXPECT_ERR(sys(SYS_readv, fd.fd, iov, -1), LINUX_EINVAL);
  EXPECT_ERR(sys(SYS_readv, fd.fd, iov, 1025), LINUX_EINVAL);
  EXPECT_ERR(sys(SYS_writev, null.fd, nullptr, -1), LINUX_EINVAL);
  static struct iovec many[1024];
  for (struct iovec& v : many) v = {a, 1};
  EXPECT_RESULT(sys(SYS_writev, null.fd, many, 1024), 1024);

  // The iovec array itself at a bad address.
  for (uintptr_t p : ut::kBadPointers) {
    EXPECT_ERR(sys(SYS_writev, null.fd, p, 1), LINUX_EFAULT);
    EXPECT_ERR(sys(SYS_readv, fd.fd, p, 2), LINUX_EFAULT);
  }
  // A segment at a kernel address; a segment longer than SSIZE_MAX (negative as ssize_t:
  // EINVAL); a segment of SSIZE_MAX bytes, which Linux checks (access_ok) before it adds up
  // the total: EFAULT.
  struct iovec bad_base[2] = {{a, 1}, {reinterpret_cast<void*>(ut::kKernelHere), 1}};
  EXPECT_ERR(sys(SYS_writev, null.fd, bad_base, 2), LINUX_EFAULT);
  EXPECT_ERR(sys(SYS_readv, fd.fd, bad_base + 1, 1), LINUX_EFAULT);
  struct iovec negative[1] = {{a, static_cast<size_t>(INT64_MAX) + 1}};
  EXPECT_ERR(sys(SYS_writev, null.fd, negative, 1), LINUX_EINVAL);
  struct iovec huge[2] = {{a, static_cast<size_t>(INT64_MAX)}, {b, 1}};
  EXPECT_ERR(sys(SYS_writev, null.fd, huge, 2), LINUX_EFAULT);
  // A bad descriptor is found before anything else is looked at.
  EXPECT_ERR(sys(SYS_writev, -1, iov, 1), LINUX_EBADF);
  EXPECT_ERR(sys(SYS_readv, -1, nullptr, -1), LINUX_EBADF);
}

void test_read_file() {
  // Our own executable starts with the ELF magic, class 64-bit, our machine.
  Fd self(open_path(ut::self_path()));
  if (!EXPECT(self.fd >= 0)) return;
  unsigned char header[20];
  EXPECT_RESULT(sys(SYS_read, self.fd, header, sizeof header), sizeof header);
  EXPECT(memcmp(header, "\x7f" "ELF", 4) == 0);
  EXPECT_EQ(header[4], 2);  // ELFCLASS64
#if defined(__x86_64__)
  EXPECT_EQ(header[18] | header[19] << 8, 62);  // EM_X86_64
#else
  EXPECT_EQ(header[18] | header[19] << 8, 183);  // EM_AARCH64
#endif

  // /etc/motd in chunks of 7 bytes adds up to its size, then EOF (0), again and again.
  Fd fd(open_path(ut::motd_path()));
  linux_stat st;
  if (!EXPECT(fd.fd >= 0) || EXPECT_OK(sys(SYS_fstat, fd.fd, &st)) < 0) return;
  EXPECT(st.st_size > 0);
  char data[4096];
  long total = 0, r;
  while (total + 7 <= static_cast<long>(sizeof data) &&
         (r = sys(SYS_read, fd.fd, data + total, 7)) > 0)
    total += r;
  EXPECT_EQ(total, st.st_size);
  EXPECT_RESULT(sys(SYS_read, fd.fd, data, sizeof data), 0);
  EXPECT_RESULT(sys(SYS_read, fd.fd, data, sizeof data), 0);
  EXPECT_RESULT(sys(SYS_read, fd.fd, data, 0), 0);
  data[total < static_cast<long>(sizeof data) ? total : sizeof data - 1] = '\0';
  EXPECT(strstr(data, "Handoff") != nullptr);
}

void test_pread64() {
  const Motd& all = motd();
  Fd fd(open_path(ut::motd_path()));
  if (!EXPECT(fd.fd >= 0 && all.size >= 10)) return;
  char buf[4096];
  EXPECT_RESULT(sys(SYS_pread64, fd.fd, buf, 5, 3), 5);
  EXPECT(memcmp(buf, all.data + 3, 5) == 0);
  EXPECT_RESULT(sys(SYS_pread64, fd.fd, buf, sizeof buf, 0), all.size);
  EXPECT(memcmp(buf, all.data, all.size) == 0);
  // The file position is untouched by pread64...
  EXPECT_RESULT(sys(SYS_lseek, fd.fd, 0, SEEK_CUR), 0);
  // ...and pread64 ignores it.
  EXPECT_RESULT(sys(SYS_lseek, fd.fd, 4, SEEK_SET), 4);
  EXPECT_RESULT(sys(SYS_pread64, fd.fd, buf, 2, 0), 2);
  EXPECT(memcmp(buf, all.data, 2) == 0);
  EXPECT_RESULT(sys(SYS_lseek, fd.fd, 0, SEEK_CUR), 4);
  EXPECT_RESULT(sys(SYS_pread64, fd.fd, buf, 10, all.size), 0);  // at the end
  EXPECT_RESULT(sys(SYS_pread64, fd.fd, buf, 10, 1L << 40), 0);  // far past it
  EXPECT_ERR(sys(SYS_pread64, fd.fd, buf, 10, -1), LINUX_EINVAL);
  EXPECT_ERR(sys(SYS_pread64, -1, buf, 10, 0), LINUX_EBADF);
  EXPECT_ERR(sys(SYS_pread64, fd.fd, ut::kKernelHere, 10, 0), LINUX_EFAULT);
  Fd dir(open_path(ut::etc_dir(), LINUX_O_RDONLY | LINUX_O_DIRECTORY));
  EXPECT_ERR(sys(SYS_pread64, dir.fd, buf, 10, 0), LINUX_EISDIR);
}

void test_openat_errors() {
  char path[5200];
  snprintf(path, sizeof path, "%s/no-such-file", ut::etc_dir());
  EXPECT_ERR(open_path(path), LINUX_ENOENT);
  snprintf(path, sizeof path, "%s/no-such-dir/motd", ut::etc_dir());
  EXPECT_ERR(open_path(path), LINUX_ENOENT);
  EXPECT_ERR(open_path(""), LINUX_ENOENT);
  // Only a directory can have something after it, even just "/" or "/.".
  snprintf(path, sizeof path, "%s/x", ut::motd_path());
  EXPECT_ERR(open_path(path), LINUX_ENOTDIR);
  snprintf(path, sizeof path, "%s/", ut::motd_path());
  EXPECT_ERR(open_path(path), LINUX_ENOTDIR);
  snprintf(path, sizeof path, "%s/.", ut::motd_path());
  EXPECT_ERR(open_path(path), LINUX_ENOTDIR);
  EXPECT_ERR(open_path(ut::motd_path(), LINUX_O_RDONLY | LINUX_O_DIRECTORY), LINUX_ENOTDIR);
  // A directory cannot be opened for writing.
  EXPECT_ERR(open_path(ut::etc_dir(), LINUX_O_WRONLY), LINUX_EISDIR);
  EXPECT_ERR(open_path(ut::etc_dir(), LINUX_O_RDWR), LINUX_EISDIR);
  EXPECT_ERR(open_path("/", LINUX_O_RDONLY | LINUX_O_CREAT), LINUX_EISDIR);
  // O_CREAT | O_EXCL on an existing file: EEXIST, before anything else happens.
  EXPECT_ERR(open_path(ut::motd_path(), LINUX_O_RDONLY | LINUX_O_CREAT | LINUX_O_EXCL),
             LINUX_EEXIST);
  // Bad path pointers.
  for (uintptr_t p : ut::kBadPointers)
    EXPECT_ERR(sys(SYS_openat, LINUX_AT_FDCWD, p, LINUX_O_RDONLY, 0), LINUX_EFAULT);
  // Too long: the whole path (PATH_MAX is 4096 with its NUL), or one name (NAME_MAX 255).
  memset(path, 'a', 5000);
  path[0] = '/';
  path[5000] = '\0';
  EXPECT_ERR(open_path(path), LINUX_ENAMETOOLONG);
  int n = snprintf(path, sizeof path, "%s/", ut::etc_dir());
  memset(path + n, 'b', 300);
  path[n + 300] = '\0';
  EXPECT_ERR(open_path(path), LINUX_ENAMETOOLONG);

  // What does work: ".", "..", doubled slashes; ".." at the root stays at the root.
  snprintf(path, sizeof path, "%s/../etc/./motd", ut::etc_dir());
  Fd a(open_path(path));
  EXPECT(a.fd >= 0);
  snprintf(path, sizeof path, "%s//motd", ut::etc_dir());
  Fd b(open_path(path));
  EXPECT(b.fd >= 0);
  Fd root(open_path("/", LINUX_O_RDONLY | LINUX_O_DIRECTORY));
  Fd above(open_path("/../..", LINUX_O_RDONLY | LINUX_O_DIRECTORY));
  linux_stat s1, s2;
  if (EXPECT(root.fd >= 0 && above.fd >= 0)) {
    EXPECT_OK(sys(SYS_fstat, root.fd, &s1));
    EXPECT_OK(sys(SYS_fstat, above.fd, &s2));
    EXPECT_EQ(s1.st_ino, s2.st_ino);
  }
}

void test_openat_readonly_fs() {
  if (!ut::is_handoff()) {
    // On the host these opens would succeed (we may be root) and create or truncate files.
    ut::skip("Handoff only: its initramfs is read-only, the host's file system is not");
    return;
  }
  EXPECT_ERR(open_path(ut::motd_path(), LINUX_O_WRONLY), LINUX_EROFS);
  EXPECT_ERR(open_path(ut::motd_path(), LINUX_O_RDWR), LINUX_EROFS);
  EXPECT_ERR(open_path(ut::motd_path(), LINUX_O_RDONLY | LINUX_O_TRUNC), LINUX_EROFS);
  EXPECT_ERR(open_path("/etc/new-file", LINUX_O_WRONLY | LINUX_O_CREAT), LINUX_EROFS);
  EXPECT_ERR(open_path("/new-file", LINUX_O_RDONLY | LINUX_O_CREAT), LINUX_EROFS);
  // O_CREAT of a file that exists, without O_EXCL, is a plain open.
  Fd fd(open_path(ut::motd_path(), LINUX_O_RDONLY | LINUX_O_CREAT));
  EXPECT(fd.fd >= 0);
  // Nothing can be created in a missing directory either: that is still ENOENT.
  EXPECT_ERR(open_path("/no-such-dir/f", LINUX_O_WRONLY | LINUX_O_CREAT), LINUX_ENOENT);
}

void test_openat_dirfd() {
  Fd etc(open_path(ut::etc_dir(), LINUX_O_RDONLY | LINUX_O_DIRECTORY));
  Fd abs(open_path(ut::motd_path()));
  if (!EXPECT(etc.fd >= 0 && abs.fd >= 0)) return;
  Fd rel(sys(SYS_openat, etc.fd, "motd", LINUX_O_RDONLY, 0));
  Fd up(sys(SYS_openat, etc.fd, "../etc/motd", LINUX_O_RDONLY, 0));
  linux_stat s1, s2, s3;
  if (EXPECT(rel.fd >= 0 && up.fd >= 0)) {
    sys(SYS_fstat, abs.fd, &s1);
    sys(SYS_fstat, rel.fd, &s2);
    sys(SYS_fstat, up.fd, &s3);
    EXPECT(s1.st_ino == s2.st_ino && s1.st_ino == s3.st_ino);
  }
  EXPECT_ERR(sys(SYS_openat, closed_fd(), "motd", LINUX_O_RDONLY, 0), LINUX_EBADF);
  EXPECT_ERR(sys(SYS_openat, -1, "motd", LINUX_O_RDONLY, 0), LINUX_EBADF);
  EXPECT_ERR(sys(SYS_openat, abs.fd, "motd", LINUX_O_RDONLY, 0), LINUX_ENOTDIR);
  EXPECT_ERR(sys(SYS_openat, etc.fd, "", LINUX_O_RDONLY, 0), LINUX_ENOENT);
  // An absolute path ignores dirfd, even a bad one.
  Fd ignored(sys(SYS_openat, -1, ut::motd_path(), LINUX_O_RDONLY, 0));
  EXPECT(ignored.fd >= 0);
}

void test_close_dup() {
  long fd = open_path(ut::motd_path());
  if (!EXPECT(fd >= 0)) return;
  EXPECT_RESULT(sys(SYS_close, fd), 0);
  EXPECT_ERR(sys(SYS_close, fd), LINUX_EBADF);
  EXPECT_ERR(sys(SYS_close, -1), LINUX_EBADF);
  EXPECT_ERR(sys(SYS_close, INT_MAX), LINUX_EBADF);

  // dup takes the lowest free number; both share one file position.
  Fd a(open_path(ut::motd_path()));
  Fd b(open_path(ut::motd_path()));
  long lowest = a.fd;
  EXPECT_RESULT(sys(SYS_close, a.fd), 0);
  a.fd = -1;
  Fd d(sys(SYS_dup, b.fd));
  EXPECT_EQ(d.fd, lowest);
  char buf[8];
  EXPECT_RESULT(sys(SYS_read, b.fd, buf, 3), 3);
  EXPECT_RESULT(sys(SYS_lseek, d.fd, 0, SEEK_CUR), 3);
  EXPECT_ERR(sys(SYS_dup, -1), LINUX_EBADF);
  EXPECT_ERR(sys(SYS_dup, closed_fd()), LINUX_EBADF);

  // dup3 to a chosen number, replacing what was there.
  Fd null(open_path("/dev/null"));
  EXPECT_RESULT(sys(SYS_dup3, b.fd, null.fd, 0), null.fd);
  linux_stat st;
  EXPECT_OK(sys(SYS_fstat, null.fd, &st));
  EXPECT_EQ(st.st_mode & kTypeMask, kTypeReg);  // now the file, not /dev/null
  EXPECT_RESULT(sys(SYS_dup3, b.fd, 100, LINUX_O_CLOEXEC), 100);
  EXPECT_RESULT(sys(SYS_lseek, 100, 0, SEEK_CUR), 3);
  EXPECT_RESULT(sys(SYS_close, 100), 0);
  // dup3's rules: the same fd twice is EINVAL (dup2 would allow it), flags other than
  // O_CLOEXEC are EINVAL, a target out of range or a bad source is EBADF.
  EXPECT_ERR(sys(SYS_dup3, b.fd, b.fd, 0), LINUX_EINVAL);
  EXPECT_ERR(sys(SYS_dup3, b.fd, 100, 1), LINUX_EINVAL);
  EXPECT_ERR(sys(SYS_dup3, b.fd, -1, 0), LINUX_EBADF);
  EXPECT_ERR(sys(SYS_dup3, b.fd, INT_MAX, 0), LINUX_EBADF);
  EXPECT_ERR(sys(SYS_dup3, -1, 100, 0), LINUX_EBADF);
  EXPECT_ERR(sys(SYS_dup3, closed_fd(), 100, 0), LINUX_EBADF);
  EXPECT_ERR(sys(SYS_close, 100), LINUX_EBADF);  // none of those created it
}

void test_cloexec() {
  // Three descriptors close on exec (O_CLOEXEC at open, dup3 with O_CLOEXEC), two stay:
  // a plain open, and a dup of a close-on-exec one (dup never copies the flag).
  Fd a(open_path(ut::motd_path(), LINUX_O_RDONLY | LINUX_O_CLOEXEC));
  Fd b(open_path(ut::motd_path()));
  Fd c(sys(SYS_dup3, b.fd, 60, LINUX_O_CLOEXEC));
  Fd d(sys(SYS_dup, a.fd));
  if (!EXPECT(a.fd >= 0 && b.fd >= 0 && c.fd == 60 && d.fd >= 0)) return;
  char closed[32], open[32];
  snprintf(closed, sizeof closed, "%ld,%ld", a.fd, c.fd);
  snprintf(open, sizeof open, "%ld,%ld", b.fd, d.fd);
  int status;
  if (EXPECT_OK(ut::run_self({"--check-fds", closed, open}, &status)) > 0)
    EXPECT_EXIT(status, 0, "child checking which descriptors survived execve");
}

void test_fstat() {
  const Motd& all = motd();
  Fd fd(open_path(ut::motd_path()));
  linux_stat st;
  if (EXPECT_OK(sys(SYS_fstat, fd.fd, &st)) == 0) {
    EXPECT_EQ(st.st_mode & kTypeMask, kTypeReg);
    EXPECT_EQ(st.st_size, all.size);
    EXPECT(st.st_nlink >= 1 && st.st_blksize > 0);
  }
  Fd self(open_path(ut::self_path()));
  if (EXPECT_OK(sys(SYS_fstat, self.fd, &st)) == 0) {
    EXPECT_EQ(st.st_mode & kTypeMask, kTypeReg);
    EXPECT(st.st_mode & 0111);  // executable
    EXPECT(st.st_size > 1000);
  }
  Fd dir(open_path(ut::etc_dir(), LINUX_O_RDONLY | LINUX_O_DIRECTORY));
  if (EXPECT_OK(sys(SYS_fstat, dir.fd, &st)) == 0) {
    EXPECT_EQ(st.st_mode & kTypeMask, kTypeDir);
    EXPECT(st.st_nlink >= 2);
  }
  Fd null(open_path("/dev/null"));
  if (EXPECT_OK(sys(SYS_fstat, null.fd, &st)) == 0) {
    EXPECT_EQ(st.st_mode & kTypeMask, kTypeChr);
    EXPECT_EQ(st.st_rdev, dev_number(1, 3));
  }
  if (ut::is_handoff() && EXPECT_OK(sys(SYS_fstat, 1, &st)) == 0) {
    // Handoff's stdout is /dev/console, 5:1. (On the host it may be anything.)
    EXPECT_EQ(st.st_mode & kTypeMask, kTypeChr);
    EXPECT_EQ(st.st_rdev, dev_number(5, 1));
  }
  EXPECT_ERR(sys(SYS_fstat, -1, &st), LINUX_EBADF);
  EXPECT_ERR(sys(SYS_fstat, closed_fd(), &st), LINUX_EBADF);
  for (uintptr_t p : ut::kBadPointers) EXPECT_ERR(sys(SYS_fstat, fd.fd, p), LINUX_EFAULT);
  static const char kReadOnly[sizeof(linux_stat)] = "read-only";
  EXPECT_ERR(sys(SYS_fstat, fd.fd, kReadOnly), LINUX_EFAULT);
}

void test_newfstatat() {
  Fd fd(open_path(ut::motd_path()));
  linux_stat by_fd, st;
  if (EXPECT_OK(sys(SYS_fstat, fd.fd, &by_fd)) != 0) return;
  auto same = [&](const linux_stat& s) {
    return s.st_ino == by_fd.st_ino && s.st_size == by_fd.st_size && s.st_mode == by_fd.st_mode;
  };
  EXPECT_RESULT(sys(SYS_newfstatat, LINUX_AT_FDCWD, ut::motd_path(), &st, 0), 0);
  EXPECT(same(st));
  EXPECT_RESULT(
      sys(SYS_newfstatat, LINUX_AT_FDCWD, ut::motd_path(), &st, LINUX_AT_SYMLINK_NOFOLLOW), 0);
  EXPECT(same(st));
  // "" with AT_EMPTY_PATH is the dirfd itself: fstat.
  EXPECT_RESULT(sys(SYS_newfstatat, fd.fd, "", &st, LINUX_AT_EMPTY_PATH), 0);
  EXPECT(same(st));
  EXPECT_ERR(sys(SYS_newfstatat, fd.fd, "", &st, 0), LINUX_ENOENT);
  // Relative to a directory fd.
  Fd etc(open_path(ut::etc_dir(), LINUX_O_RDONLY | LINUX_O_DIRECTORY));
  EXPECT_RESULT(sys(SYS_newfstatat, etc.fd, "motd", &st, 0), 0);
  EXPECT(same(st));
  EXPECT_RESULT(sys(SYS_newfstatat, LINUX_AT_FDCWD, "/", &st, 0), 0);
  EXPECT_EQ(st.st_mode & kTypeMask, kTypeDir);

  EXPECT_ERR(sys(SYS_newfstatat, LINUX_AT_FDCWD, ut::motd_path(), &st, 1), LINUX_EINVAL);
  char path[512];
  snprintf(path, sizeof path, "%s/missing", ut::etc_dir());
  EXPECT_ERR(sys(SYS_newfstatat, LINUX_AT_FDCWD, path, &st, 0), LINUX_ENOENT);
  snprintf(path, sizeof path, "%s/x", ut::motd_path());
  EXPECT_ERR(sys(SYS_newfstatat, LINUX_AT_FDCWD, path, &st, 0), LINUX_ENOTDIR);
  EXPECT_ERR(sys(SYS_newfstatat, fd.fd, "motd", &st, 0), LINUX_ENOTDIR);
  EXPECT_ERR(sys(SYS_newfstatat, -1, "motd", &st, 0), LINUX_EBADF);
  for (uintptr_t p : ut::kBadPointers) {
    EXPECT_ERR(sys(SYS_newfstatat, LINUX_AT_FDCWD, p, &st, 0), LINUX_EFAULT);
    EXPECT_ERR(sys(SYS_newfstatat, LINUX_AT_FDCWD, ut::motd_path(), p, 0), LINUX_EFAULT);
  }
}

void test_lseek() {
  const Motd& all = motd();
  Fd fd(open_path(ut::motd_path()));
  const long size = all.size;
  if (!EXPECT(fd.fd >= 0 && size >= 10)) return;
  char c;
  EXPECT_RESULT(sys(SYS_lseek, fd.fd, 5, SEEK_SET), 5);
  EXPECT_RESULT(sys(SYS_read, fd.fd, &c, 1), 1);
  EXPECT_EQ(c, all.data[5]);
  EXPECT_RESULT(sys(SYS_lseek, fd.fd, 0, SEEK_CUR), 6);
  EXPECT_RESULT(sys(SYS_lseek, fd.fd, -2, SEEK_CUR), 4);
  EXPECT_RESULT(sys(SYS_lseek, fd.fd, 0, SEEK_END), size);
  EXPECT_RESULT(sys(SYS_lseek, fd.fd, -1, SEEK_END), size - 1);
  EXPECT_RESULT(sys(SYS_read, fd.fd, &c, 1), 1);
  EXPECT_EQ(c, all.data[size - 1]);
  // Past the end is allowed; reading there finds nothing.
  EXPECT_RESULT(sys(SYS_lseek, fd.fd, size + 100, SEEK_SET), size + 100);
  EXPECT_RESULT(sys(SYS_read, fd.fd, &c, 1), 0);
  // A negative result is EINVAL and leaves the position alone.
  EXPECT_ERR(sys(SYS_lseek, fd.fd, -1, SEEK_SET), LINUX_EINVAL);
  EXPECT_ERR(sys(SYS_lseek, fd.fd, -(size + 1), SEEK_END), LINUX_EINVAL);
  EXPECT_ERR(sys(SYS_lseek, fd.fd, -(size + 101), SEEK_CUR), LINUX_EINVAL);
  EXPECT_RESULT(sys(SYS_lseek, fd.fd, 0, SEEK_CUR), size + 100);
  EXPECT_ERR(sys(SYS_lseek, fd.fd, 0, 42), LINUX_EINVAL);  // no such whence
  EXPECT_ERR(sys(SYS_lseek, -1, 0, SEEK_SET), LINUX_EBADF);
  // Directories have a position too (where getdents64 continues).
  Fd dir(open_path("/", LINUX_O_RDONLY | LINUX_O_DIRECTORY));
  EXPECT_RESULT(sys(SYS_lseek, dir.fd, 0, SEEK_SET), 0);
}

void test_console_not_seekable() {
  long fd = -1;
  bool opened = false;
  if (ut::is_handoff()) {
    fd = open_path("/dev/console", LINUX_O_RDWR);
    opened = true;
    linux_stat st;
    if (EXPECT_OK(sys(SYS_fstat, fd, &st)) == 0) EXPECT_EQ(st.st_rdev, dev_number(5, 1));
  } else {
    // On the host, a terminal on 0-2 if there is one (there is none when output is piped).
    for (long f = 0; f <= 2 && fd < 0; f++)
      if (is_tty(f)) fd = f;
    if (fd < 0) {
      ut::skip("no terminal on fds 0-2 here (input and output are redirected)");
      return;
    }
  }
  char c;
  EXPECT_ERR(sys(SYS_lseek, fd, 0, SEEK_CUR), LINUX_ESPIPE);
  EXPECT_ERR(sys(SYS_lseek, fd, 10, SEEK_SET), LINUX_ESPIPE);
  EXPECT_ERR(sys(SYS_pread64, fd, &c, 1, 0), LINUX_ESPIPE);
  if (opened) sys(SYS_close, fd);
}

void test_ioctl() {
  struct Winsize {
    unsigned short rows, cols, xpixel, ypixel;
  } ws = {};
  long r = sys(SYS_ioctl, 1, LINUX_TIOCGWINSZ, &ws);
  if (ut::is_handoff()) {
    // The console is a terminal; a serial line cannot tell its size, so 24x80 or so.
    EXPECT_RESULT(r, 0);
    EXPECT(ws.rows > 0 && ws.cols > 0);
    unsigned char termios[64];
    EXPECT_RESULT(sys(SYS_ioctl, 1, LINUX_TCGETS, termios), 0);
    // ioctl's request is an unsigned int: the register's upper half is ignored.
    EXPECT_RESULT(sys(SYS_ioctl, 1, (1L << 32) | LINUX_TIOCGWINSZ, &ws), 0);
  } else {
    // On the host, stdout is a terminal or a pipe/file.
    EXPECT(r == 0 || r == -LINUX_ENOTTY);
  }
  if (r == 0) {
    for (uintptr_t p : ut::kBadPointers)
      EXPECT_ERR(sys(SYS_ioctl, 1, LINUX_TIOCGWINSZ, p), LINUX_EFAULT);
    EXPECT_ERR(sys(SYS_ioctl, 1, 0x7f7f7f7f, &ws), LINUX_ENOTTY);  // no such request
  }
  Fd null(open_path("/dev/null"));
  Fd file(open_path(ut::motd_path()));
  Fd dir(open_path(ut::etc_dir(), LINUX_O_RDONLY | LINUX_O_DIRECTORY));
  unsigned char termios[64];
  EXPECT_ERR(sys(SYS_ioctl, null.fd, LINUX_TCGETS, termios), LINUX_ENOTTY);
  EXPECT_ERR(sys(SYS_ioctl, file.fd, LINUX_TIOCGWINSZ, &ws), LINUX_ENOTTY);
  EXPECT_ERR(sys(SYS_ioctl, dir.fd, LINUX_TCGETS, termios), LINUX_ENOTTY);
  EXPECT_ERR(sys(SYS_ioctl, -1, LINUX_TCGETS, termios), LINUX_EBADF);
}

void test_dev_null() {
  Fd fd(open_path("/dev/null", LINUX_O_RDWR));
  if (!EXPECT(fd.fd >= 0)) return;
  char buf[64] = "into the void";
  EXPECT_RESULT(sys(SYS_write, fd.fd, buf, 13), 13);
  EXPECT_RESULT(sys(SYS_read, fd.fd, buf, sizeof buf), 0);
  EXPECT_RESULT(sys(SYS_pread64, fd.fd, buf, sizeof buf, 100), 0);
  EXPECT_RESULT(sys(SYS_lseek, fd.fd, 100, SEEK_SET), 0);  // every seek lands at 0
  linux_stat st;
  EXPECT_OK(sys(SYS_fstat, fd.fd, &st));
  EXPECT_EQ(st.st_mode, kTypeChr | 0666);
}

namespace {

// struct linux_dirent64 (include/linux/dirent.h).
struct Dirent64 {
  uint64_t d_ino;
  int64_t d_off;
  uint16_t d_reclen;
  uint8_t d_type;
  char d_name[1];
};
constexpr size_t kNameOffset = 19;  // offsetof(d_name)
constexpr uint8_t kDtReg = 8;

// Reads the whole directory; checks every record's shape. Calls found(name, type) for each.
template <typename F>
bool list_dir(long fd, F found) {
  alignas(8) static char buf[4096];
  for (int calls = 0; calls < 1000; calls++) {
    long n = sys(SYS_getdents64, fd, buf, sizeof buf);
    if (n == 0) return true;
    if (!EXPECT(n > 0 && n <= static_cast<long>(sizeof buf))) return false;
    for (long at = 0; at < n;) {
      auto* d = reinterpret_cast<Dirent64*>(buf + at);
      size_t len = strnlen(d->d_name, d->d_reclen > kNameOffset ? d->d_reclen - kNameOffset : 0);
      if (!EXPECT(d->d_reclen % 8 == 0 && d->d_reclen >= kNameOffset + len + 1 &&
                  at + d->d_reclen <= n))
        return false;
      found(d->d_name, d->d_type);
      at += d->d_reclen;
    }
  }
  return EXPECT(!"getdents64 never reached the end");
}

}  // namespace

void test_getdents64() {
  Fd root(open_path("/", LINUX_O_RDONLY | LINUX_O_DIRECTORY));
  if (!EXPECT(root.fd >= 0)) return;
  bool dot = false, dotdot = false, bin = false;
  char first[256] = "";
  list_dir(root.fd, [&](const char* name, uint8_t) {
    if (!first[0]) snprintf(first, sizeof first, "%s", name);
    dot |= strcmp(name, ".") == 0;
    dotdot |= strcmp(name, "..") == 0;
    bin |= strcmp(name, "bin") == 0;
  });
  EXPECT(dot && dotdot && bin);
  alignas(8) char buf[512];
  EXPECT_RESULT(sys(SYS_getdents64, root.fd, buf, sizeof buf), 0);  // still at the end
  // Rewind: the same first entry again.
  EXPECT_RESULT(sys(SYS_lseek, root.fd, 0, SEEK_SET), 0);
  if (EXPECT(sys(SYS_getdents64, root.fd, buf, sizeof buf) > 0))
    EXPECT(strcmp(reinterpret_cast<Dirent64*>(buf)->d_name, first) == 0);

  // Our own directory holds us, as a regular file.
  Fd bin_dir(open_path(ut::bin_dir(), LINUX_O_RDONLY | LINUX_O_DIRECTORY));
  bool me = false;
  const char* my_name = strrchr(ut::self_path(), '/') + 1;
  list_dir(bin_dir.fd, [&](const char* name, uint8_t type) {
    if (strcmp(name, my_name) == 0) me = type == kDtReg;
  });
  EXPECT(me);

  // Too small for even one record: EINVAL. Bad buffers, fds, non-directories.
  EXPECT_RESULT(sys(SYS_lseek, root.fd, 0, SEEK_SET), 0);
  EXPECT_ERR(sys(SYS_getdents64, root.fd, buf, 10), LINUX_EINVAL);
  EXPECT_ERR(sys(SYS_getdents64, root.fd, buf, 0), LINUX_EINVAL);
  for (uintptr_t p : ut::kBadPointers)
    EXPECT_ERR(sys(SYS_getdents64, root.fd, p, 512), LINUX_EFAULT);
  Fd file(open_path(ut::motd_path()));
  EXPECT_ERR(sys(SYS_getdents64, file.fd, buf, sizeof buf), LINUX_ENOTDIR);
  EXPECT_ERR(sys(SYS_getdents64, -1, buf, sizeof buf), LINUX_EBADF);
}

void test_getcwd_chdir() {
  char saved[512], buf[512];
  long n = EXPECT_OK(sys(SYS_getcwd, saved, sizeof saved));
  if (n <= 0) return;
  EXPECT_EQ(n, static_cast<long>(strlen(saved)) + 1);  // the length with its NUL
  EXPECT_EQ(saved[0], '/');

  EXPECT_RESULT(sys(SYS_chdir, "/"), 0);
  EXPECT_RESULT(sys(SYS_getcwd, buf, sizeof buf), 2);
  EXPECT(strcmp(buf, "/") == 0);
  EXPECT_RESULT(sys(SYS_chdir, "etc"), 0);  // relative to /
  EXPECT_RESULT(sys(SYS_getcwd, buf, sizeof buf), 5);
  EXPECT(strcmp(buf, "/etc") == 0);
  EXPECT_RESULT(sys(SYS_chdir, ".."), 0);
  EXPECT_RESULT(sys(SYS_getcwd, buf, sizeof buf), 2);
  EXPECT_RESULT(sys(SYS_chdir, "/etc/.././etc//"), 0);
  EXPECT_RESULT(sys(SYS_getcwd, buf, sizeof buf), 5);
  EXPECT(strcmp(buf, "/etc") == 0);
  // Relative opens start at the working directory.
  EXPECT_RESULT(sys(SYS_chdir, ut::etc_dir()), 0);
  Fd rel(open_path("motd"));
  EXPECT(rel.fd >= 0);

  char path[512];
  snprintf(path, sizeof path, "%s/missing", ut::etc_dir());
  EXPECT_ERR(sys(SYS_chdir, path), LINUX_ENOENT);
  EXPECT_ERR(sys(SYS_chdir, ut::motd_path()), LINUX_ENOTDIR);
  EXPECT_ERR(sys(SYS_chdir, ""), LINUX_ENOENT);
  for (uintptr_t p : ut::kBadPointers) EXPECT_ERR(sys(SYS_chdir, p), LINUX_EFAULT);
  // getcwd needs room for the path and its NUL.
  EXPECT_ERR(sys(SYS_getcwd, buf, 1), LINUX_ERANGE);
  EXPECT_ERR(sys(SYS_getcwd, buf, 0), LINUX_ERANGE);
  for (uintptr_t p : ut::kBadPointers) EXPECT_ERR(sys(SYS_getcwd, p, 100), LINUX_EFAULT);
  // A failed chdir changed nothing.
  EXPECT_RESULT(sys(SYS_getcwd, buf, sizeof buf), static_cast<long>(strlen(ut::etc_dir())) + 1);

  EXPECT_RESULT(sys(SYS_chdir, saved), 0);
}

void test_newlib_files() {
  // The same calls through newlib (its stubs are in user/lib/newlib_glue.cpp); errno holds
  // newlib's numbers, translated from Linux's.
  FILE* f = fopen(ut::motd_path(), "r");
  if (!EXPECT(f != nullptr)) return;
  char line[256] = "";
  EXPECT(fgets(line, sizeof line, f) != nullptr);
  EXPECT(line[0] != '\0');
  EXPECT_EQ(fclose(f), 0);
  char path[512];
  snprintf(path, sizeof path, "%s/missing", ut::etc_dir());
  errno = 0;
  EXPECT(fopen(path, "r") == nullptr && errno == ENOENT);

  struct stat st;
  EXPECT(stat(ut::motd_path(), &st) == 0 && S_ISREG(st.st_mode) && st.st_size == motd().size);
  EXPECT(stat(ut::etc_dir(), &st) == 0 && S_ISDIR(st.st_mode));
  int fd = open(ut::motd_path(), O_RDONLY);
  EXPECT(fd >= 0);
  char buf[8];
  EXPECT(read(fd, buf, sizeof buf) == static_cast<int>(sizeof buf));
  EXPECT(lseek(fd, 0, SEEK_CUR) == static_cast<off_t>(sizeof buf));
  EXPECT(isatty(fd) == 0);
  EXPECT_EQ(close(fd), 0);
  errno = 0;
  EXPECT(close(fd) == -1 && errno == EBADF);
  errno = 0;
  snprintf(path, sizeof path, "%s/x", ut::motd_path());
  EXPECT(open(path, O_RDONLY) == -1 && errno == ENOTDIR);
  char* cwd = getcwd(nullptr, 0);  // the glue allocates
  EXPECT(cwd && cwd[0] == '/');
  free(cwd);
}
