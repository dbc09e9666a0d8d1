#!/usr/bin/env bash
# user/newlib/selftest.sh -- build and RUN the user C library tests on the Linux host.
#
# Handoff's user programs are static Linux-ABI binaries, so they run unchanged on Linux
# (shared/DESIGN.md, "differential"): x86-64 natively, aarch64 under qemu-aarch64 user-mode
# emulation (Debian package qemu-user). This tests newlib + user/lib without our kernel:
#   1. user/newlib/check_abi.c compiles against the system's Linux/glibc headers for both
#      arches (every hand-written LINUX_* constant, SYS_* number and struct layout);
#   2. hello_newlib prints exactly user/tests/hello_newlib.expected on both arches;
#   3. thread_stress passes (several runs: it looks for races) on both arches.
# Usage: user/newlib/selftest.sh [x86_64] [aarch64]      (default: both)
# Ends with "selftest: N passed, N failed"; exit status 0 only if nothing failed.
set -u
cd "$(dirname "$0")/../.." || exit 2

arches=("$@")
[[ ${#arches[@]} -eq 0 ]] && arches=(x86_64 aarch64)
STRESS_RUNS=${STRESS_RUNS:-3}
pass=0 fail=0
ok()  { echo "ok - $*"; pass=$((pass + 1)); }
bad() { echo "FAIL - $*"; fail=$((fail + 1)); }

run_prog() {  # arch, program, args... (clean environment, 120 s limit)
  local arch=$1; shift
  local runner=()
  if [[ $arch != "$(uname -m)" ]]; then
    if [[ $arch == aarch64 ]] && command -v qemu-aarch64 >/dev/null; then
      runner=(qemu-aarch64)
    else
      echo "no way to run $arch binaries here (install qemu-user: qemu/deps.sh)" >&2
      return 125
    fi
  fi
  env -i HANDOFF_TEST=42 timeout 120 "${runner[@]}" "$@"
}

for arch in "${arches[@]}"; do
  case $arch in
    x86_64) cc=gcc ;;
    aarch64) cc=aarch64-linux-gnu-gcc ;;
    *) echo "unknown arch $arch" >&2; exit 2 ;;
  esac

  if "$cc" -fsyntax-only -Wall -Werror -Iuser/lib user/newlib/check_abi.c; then
    ok "$arch: Linux ABI tables match the system headers"
  else
    bad "$arch: Linux ABI tables (user/newlib/check_abi.c)"
  fi

  log=build/$arch/user/selftest-build.log
  mkdir -p "build/$arch/user"
  if make -f user/lib/test_glue.mk ARCH="$arch" -j2 >"$log" 2>&1; then
    ok "$arch: build libhandoff.a, hello_newlib, thread_stress"
  else
    bad "$arch: build (log $log)"
    tail -n 30 "$log"
    continue
  fi
  bin=build/$arch/user/bin

  out=build/$arch/user/hello_newlib.out
  run_prog "$arch" "$bin/hello_newlib" arg1 >"$out" 2>&1
  rc=$?
  if [[ $rc -eq 0 ]] && diff -u user/tests/hello_newlib.expected "$out"; then
    ok "$arch: hello_newlib output as expected ($(tail -n 1 "$out"))"
  else
    bad "$arch: hello_newlib (exit $rc, output $out)"
    grep -v '^ok' "$out" | tail -n 20
  fi

  for i in $(seq 1 "$STRESS_RUNS"); do
    out=build/$arch/user/thread_stress.out
    run_prog "$arch" "$bin/thread_stress" >"$out" 2>&1
    rc=$?
    last=$(tail -n 1 "$out")
    if [[ $rc -eq 0 && $last == *" 0 failed" ]]; then
      ok "$arch: thread_stress run $i ($last)"
    else
      bad "$arch: thread_stress run $i (exit $rc)"
      grep -v '^ok' "$out" | tail -n 20
    fi
  done
done

echo "selftest: $pass passed, $fail failed"
[[ $fail -eq 0 ]]
