#!/usr/bin/env bash
# sched/tests/run_guest.sh ARCH BINARY [filter]  --  run the runtime's guest test program
# (runtime_tests, a static newlib binary) the way the Handoff runner will read it, before
# Handoff has threads: natively for x86_64 (the Linux host runs static Linux-ABI programs),
# under qemu-aarch64 user-mode emulation for aarch64. Judges the rtest: protocol like
# tests/run_qemu.py: every test reported, the closing "done:" line agrees with the PASS/FAILED
# lines, the exit status is 0, within the timeout. Last line: "N passed, M failed".
set -uo pipefail

arch=${1:?usage: run_guest.sh x86_64|aarch64 BINARY [filter]}
bin=${2:?usage: run_guest.sh x86_64|aarch64 BINARY [filter]}
filter=${3:-}
timeout_s=${RUN_GUEST_TIMEOUT:-900}

case "$arch" in
  x86_64) runner=() ;;
  aarch64) runner=(qemu-aarch64) ;;
  *) echo "run_guest.sh: unknown arch $arch" >&2; exit 2 ;;
esac

log=$(mktemp)
trap 'rm -f "$log"' EXIT
timeout "$timeout_s" "${runner[@]}" "$bin" $filter >"$log" 2>&1
status=$?

grep -vE '^rtest: (RUN|PASS) ' "$log"
passed=$(grep -cE '^rtest: PASS ' "$log")
failed=$(grep -cE '^rtest: FAILED ' "$log")
done_line=$(grep -E '^rtest: done: ' "$log" | tail -1)
problems=0
if [ "$status" -ne 0 ] && [ "$failed" -eq 0 ]; then
  echo "run_guest.sh: $arch: exit status $status (timeout or crash)" >&2
  problems=1
fi
if [ -z "$done_line" ]; then
  echo "run_guest.sh: $arch: no 'rtest: done' line" >&2
  problems=1
elif [ "$done_line" != "rtest: done: $passed passed, $failed failed" ]; then
  echo "run_guest.sh: $arch: '$done_line' disagrees with $passed PASS / $failed FAILED lines" >&2
  problems=1
fi
echo "$passed passed, $((failed + problems)) failed"
[ "$failed" -eq 0 ] && [ "$problems" -eq 0 ]
