#!/usr/bin/env bash
# user/newlib/build.sh ARCH  --  build newlib 3.3.0 for Handoff user programs (once, cached).
#
#   ARCH = x86_64 | aarch64
#   Prints the install prefix on stdout as its LAST line; the prefix holds
#     <prefix>/include   newlib headers (use with -nostdinc -isystem <prefix>/include)
#     <prefix>/lib       libc.a libm.a (libg.a)
#   Build logs go to <cache>/<arch>.log, never to stdout. On failure the log tail goes to
#   stderr and the exit status is non-zero.
#
# Cache: ${HANDOFF_CACHE:-$HOME/.cache/handoff}/newlib-3.3.0-<key>/<arch>/, where <key> is a
# short hash of everything below that changes the produced library (configure flags, CFLAGS,
# tool names and versions, RECIPE_REV). A finished build writes <arch>/.stamp as its very
# last step; when the stamp is there we print the prefix and exit at once (this script runs
# on every `make`). flock(1) serialises two concurrent makes building the same cache.
#
# ---------------------------------------------------------------------------------------------
# What newlib 3.3's configure.host does for our two targets (read from the 3.3.0 source):
#
# x86_64-elf   host_cpu table: machine_dir=x86_64 (setjmp, memcpy/memset asm, x86_64 libm bits).
#              host table: NO x86_64 entry, so the default `*)` arm applies:
#                 newlib_cflags += -DMISSING_SYSCALL_NAMES ; syscall_dir= (empty)
#              => no libc/syscalls/ wrappers. libc/include/_syslist.h maps _read -> read etc.,
#                 so newlib's reentrant layer (libc/reent/readr.c ...) calls the PLAIN names.
#                 The port provides: read write open close fstat stat isatty lseek sbrk kill
#                 getpid gettimeofday times link unlink wait execve fork fcntl mkdir, and
#                 _exit (exit() calls _exit directly, never mapped).
#              No sys_dir => no crt0 is built: we ship our own (user/lib/arch/*/crt0.S).
# aarch64-none-elf  host_cpu table: -D_COMPILING_NEWLIB, machine_dir=aarch64.
#              host table: syscall_dir=syscalls, default_newlib_io_long_long=yes,
#                 NO MISSING_SYSCALL_NAMES.
#              => libc/syscalls/sysread.c etc. define read() -> _read_r() -> _read(); the port
#                 provides the UNDERSCORED names: _read _write _open _close _fstat _stat
#                 _isatty _lseek _sbrk _kill _getpid _gettimeofday _times _link _unlink _wait
#                 _execve _fork _fcntl _mkdir, and _exit.
#              (libgloss would supply them over semihosting; we do not build libgloss.)
# REENTRANT_SYSCALLS_PROVIDED is NOT set for either target (only spu, rtems, sparc64, ...),
#              so newlib's own libc/reent/*r.c wrappers are used: they call the stub and copy
#              the stub's `errno` into ptr->_errno. Our stubs just set errno.
# __DYNAMIC_REENT__ is NOT set by sys/config.h for either target (only i386 Linux/RDOS), so we
#              pass -D__DYNAMIC_REENT__ in CFLAGS_FOR_TARGET, and ALSO patch the installed
#              <newlib.h> to define it: user code must agree with libc on what _REENT,
#              stdout and errno mean (otherwise `stdout` in user code would read the global
#              _impure_ptr while libc uses __getreent()).
#              newlib still builds a default __getreent() (libc/reent/getreent.c, returns
#              _impure_ptr); ours in libhandoff.a must be linked first (user/lib/start.cpp
#              makes sure of it).
# --enable-newlib-retargetable-locking defines _RETARGETABLE_LOCKING in newlib.h; sys/lock.h
#              then calls __retarget_lock_* and names 9 static locks __lock___*_mutex. newlib's
#              libc/misc/lock.c supplies no-op versions of ALL of them in ONE object, so the
#              program must provide all (user/lib/lock.cpp), or get duplicates / silent no-ops.
# --enable-newlib-global-stdio-streams (our addition): without it every struct _reent owns
#              its own stdin/stdout/stderr FILEs (__sf[3] inside _reent), i.e. each thread would
#              get a private stdout buffer, and exit() flushes only _GLOBAL_REENT's, losing
#              other threads' buffered output. With it the three std streams are global
#              objects (__sf[3]) shared, and locked, by all threads.
# --enable-newlib-io-long-long / --enable-newlib-io-c99-formats (our addition): x86_64 has
#              default_newlib_io_long_long=no and neither target has C99 formats, so "%lld",
#              "%zu", "%jd", "%hhd" would print garbage on x86_64 but not on aarch64. Enabled
#              on both for identical behaviour.
# newlib_multithread defaults to yes (no __SINGLE_THREAD__), which the locks need.
# newlib adds -fno-builtin to its own CFLAGS by default (newlib_fno_builtin).
# _READ_WRITE_RETURN_TYPE stays `int` for both targets (only i386-linux, m68k, riscv use
#              ssize_t), so read/write stubs return int as <unistd.h> declares them.
# ---------------------------------------------------------------------------------------------
set -euo pipefail

NEWLIB_VERSION=3.3.0
NEWLIB_TARBALL=/usr/src/newlib/newlib-${NEWLIB_VERSION}.tar.xz
NEWLIB_SRCDIR_NAME=newlib-salsa     # what Debian's tarball unpacks to
RECIPE_REV=1                        # bump when the recipe below changes its output
JOBS=2                              # the machine has 2 cores

die() { echo "newlib/build.sh: $*" >&2; exit 1; }

arch=${1:-}
case "$arch" in
  x86_64)
    target=x86_64-elf
    tp=""                           # host binutils/gcc
    arch_cflags=""
    ;;
  aarch64)
    target=aarch64-none-elf
    tp=aarch64-linux-gnu-
    # Debian's aarch64 gcc defaults to -moutline-atomics, whose helpers call __getauxval
    # (a glibc function): inline LSE/LL-SC sequences instead.
    arch_cflags="-mno-outline-atomics"
    ;;
  *) die "usage: build.sh x86_64|aarch64" ;;
esac

common_cflags="-O2 -g -fno-pie -fno-stack-protector -ffunction-sections -fdata-sections -D__DYNAMIC_REENT__"
cflags="$common_cflags${arch_cflags:+ $arch_cflags}"
configure_flags="--disable-multilib --disable-nls \
--enable-newlib-retargetable-locking \
--enable-newlib-global-stdio-streams \
--enable-newlib-io-long-long --enable-newlib-io-c99-formats"

# The cache key covers both arches (one directory holds both), so it hashes the settings of
# each. The compiler version is included: a gcc upgrade rebuilds.
settings() {
  local a=$1 t p c
  case $a in
    x86_64)  t=x86_64-elf;       p="";                 c="$common_cflags" ;;
    aarch64) t=aarch64-none-elf; p=aarch64-linux-gnu-; c="$common_cflags -mno-outline-atomics" ;;
  esac
  echo "arch=$a target=$t tools=${p}gcc cflags=$c"
}
cc_ver() { "$1" -dumpfullversion 2>/dev/null || echo none; }
key_text="newlib=$NEWLIB_VERSION rev=$RECIPE_REV
configure=$configure_flags
$(settings x86_64)
$(settings aarch64)
gcc=$(cc_ver gcc) aarch64-linux-gnu-gcc=$(cc_ver aarch64-linux-gnu-gcc)
patch=newlib.h:__DYNAMIC_REENT__ layout=flat"
key=$(printf '%s' "$key_text" | sha256sum | cut -c1-10)

cache=${HANDOFF_CACHE:-$HOME/.cache/handoff}
root=$cache/newlib-$NEWLIB_VERSION-$key
prefix=$root/$arch
stamp=$prefix/.stamp

# Fast path: a complete build is there.
if [[ -f $stamp ]]; then
  echo "$prefix"
  exit 0
fi

[[ -r $NEWLIB_TARBALL ]] || die "$NEWLIB_TARBALL missing (install Debian package newlib-source: qemu/deps.sh)"
command -v "${tp}gcc" >/dev/null || die "${tp}gcc not found (qemu/deps.sh installs it)"
command -v flock >/dev/null || die "flock (util-linux) not found"

mkdir -p "$root"
exec 9>"$root/.lock-$arch"
flock 9
# Another make may have finished it while we waited for the lock.
if [[ -f $stamp ]]; then
  echo "$prefix"
  exit 0
fi

log=$root/$arch.log
work=$root/$arch.build
rm -rf "$work" "$prefix"
mkdir -p "$work"
printf '%s\n' "$key_text" > "$root/key.txt"
: > "$log"

fail() {
  echo "newlib/build.sh: building newlib for $arch failed: $1 (log: $log); last lines:" >&2
  tail -n 40 "$log" >&2 || true
  exit 1
}

start=$(date +%s)
echo "newlib/build.sh: building newlib $NEWLIB_VERSION for $arch into $prefix (takes ~3 min, log $log)" >&2

# (Every step ends in `|| exit 1`: `set -e` does not apply inside a subshell whose status is
# tested with `||`.)
(
  # make's jobserver/flags from a calling make must not leak into newlib's recursive makes.
  unset MAKEFLAGS MFLAGS MAKELEVEL MAKEOVERRIDES GNUMAKEFLAGS
  cd "$work" || exit 1
  tar xf "$NEWLIB_TARBALL" || exit 1
  [ -d "$NEWLIB_SRCDIR_NAME" ] || { echo "tarball did not unpack to $NEWLIB_SRCDIR_NAME"; exit 1; }
  mkdir obj && cd obj || exit 1
  tools=()
  for t in AR AS LD NM RANLIB OBJCOPY OBJDUMP READELF STRIP; do
    lc=$(echo "$t" | tr '[:upper:]' '[:lower:]')
    tools+=("${t}_FOR_TARGET=${tp}${lc}")
  done
  # shellcheck disable=SC2086
  ../$NEWLIB_SRCDIR_NAME/configure \
      --target="$target" --prefix="$work/inst" $configure_flags \
      CC_FOR_TARGET="${tp}gcc" CXX_FOR_TARGET="${tp}g++" GCC_FOR_TARGET="${tp}gcc" \
      "${tools[@]}" \
      CFLAGS_FOR_TARGET="$cflags" || exit 1
  # Only the C library: libgloss (semihosting/board stubs) is not used by Handoff.
  make -j"$JOBS" all-target-newlib || exit 1
  make install-target-newlib || exit 1
) >>"$log" 2>&1 || fail "configure/make"

# Flatten <inst>/<target>/{include,lib} into <prefix>/{include,lib} so users of the prefix
# need not know the newlib target triple.
{
  mkdir -p "$prefix"
  mv "$work/inst/$target/include" "$prefix/include"
  mv "$work/inst/$target/lib" "$prefix/lib"
} >>"$log" 2>&1 || fail "install layout"

# Make __DYNAMIC_REENT__ part of the installed configuration (see the header comment).
nh=$prefix/include/newlib.h
grep -q '_RETARGETABLE_LOCKING' "$nh" || fail "newlib.h lacks _RETARGETABLE_LOCKING"
grep -q '_REENT_GLOBAL_STDIO_STREAMS' "$nh" || fail "newlib.h lacks _REENT_GLOBAL_STDIO_STREAMS"
python3 - "$nh" >>"$log" 2>&1 <<'EOF' || fail "patching newlib.h"
import sys
p = sys.argv[1]
s = open(p).read()
add = ("\n/* Handoff (user/newlib/build.sh): libc was built with -D__DYNAMIC_REENT__; every user\n"
       "   of these headers must agree, so that _REENT/errno/stdout go through __getreent(). */\n"
       "#ifndef __DYNAMIC_REENT__\n#define __DYNAMIC_REENT__ 1\n#endif\n")
i = s.rindex("#endif")
open(p, "w").write(s[:i] + add + "\n" + s[i:])
EOF

for lib in libc.a libm.a; do
  [[ -f $prefix/lib/$lib ]] || fail "$lib not installed"
done

rm -rf "$work"
end=$(date +%s)
echo "built in $((end - start)) s" >> "$log"
echo "newlib/build.sh: $arch done in $((end - start)) s" >&2
date -u +%FT%TZ > "$stamp"
echo "$prefix"
