#!/bin/sh
# tests/run_host_usertests.sh - the differential run: Handoff's user-space tests, natively on
# the x86-64 Linux host (DESIGN.md, Testing).
#
#   tests/run_host_usertests.sh [-v]
#
# A Handoff user program is a static Linux-ABI executable, so the very binaries that run in
# the guest run here too, against Linux. This script
#   1. builds them: make -f user/programs.mk host-user  ->  build/host-user/{bin,etc}
#      (the same tree as the initramfs: bin/usertests, etc/motd, ...);
#   2. runs build/host-user/bin/usertests: every test must pass on Linux, except the ones
#      about Handoff only, which skip themselves with a note;
#   3. runs build/host-user/bin/fuzz with a fixed seed (FUZZ_CALLS, FUZZ_SEED; defaults
#      100000 and 1): it must finish and exit 0 without crashing itself.
# Output: the usertests protocol (utest: ...), the fuzzer wrapped in the same protocol
# (host: RUN fuzz / PASS / FAILED), and last the closing line `N passed, M failed`
# (as tests/run_qemu.py and tests/run_all.py end). Exit status 0 only if nothing failed.
# -v also shows the tests' PASS/RUN lines and the fuzzer's own output.
set -u

cd "$(dirname "$0")/.." || exit 2
verbose=0
[ "${1:-}" = "-v" ] && verbose=1
calls=${FUZZ_CALLS:-100000}
seed=${FUZZ_SEED:-1}
bin=build/host-user/bin
log=build/host-user/logs
passed=0 failed=0

if [ "$(uname -m)" != x86_64 ] || [ "$(uname -s)" != Linux ]; then
    echo "run_host_usertests: needs an x86-64 Linux host"
    echo "0 passed, 1 failed"
    exit 1
fi

echo "== building build/host-user (x86-64, for Linux)"
if ! make --no-print-directory -f user/programs.mk host-user -j2 >/tmp/host-user-build.$$ 2>&1; then
    tail -n 40 /tmp/host-user-build.$$
    rm -f /tmp/host-user-build.$$
    echo "FAIL host-user/build"
    echo "0 passed, 1 failed"
    exit 1
fi
rm -f /tmp/host-user-build.$$
mkdir -p "$log"

# Children that die of a fault on purpose (usertests' faults test) must not leave core files.
ulimit -c 0

echo "== usertests, natively on Linux"
timeout 300 "$bin/usertests" </dev/null >"$log/usertests.log" 2>&1
status=$?
if [ "$verbose" = 1 ]; then
    cat "$log/usertests.log"
else
    grep -v -E '^utest: (RUN|PASS) ' "$log/usertests.log"
fi
done_line=$(grep -E '^utest: done: [0-9]+ passed, [0-9]+ failed' "$log/usertests.log" | tail -n 1)
if [ -n "$done_line" ]; then
    p=$(echo "$done_line" | sed -E 's/^utest: done: ([0-9]+) passed, ([0-9]+) failed.*/\1/')
    f=$(echo "$done_line" | sed -E 's/^utest: done: ([0-9]+) passed, ([0-9]+) failed.*/\2/')
    passed=$((passed + p))
    failed=$((failed + f))
    # The exit status is the number of failed tests; anything else is a crash or a timeout.
    if [ "$status" -ne "$f" ] && [ "$f" -lt 255 ]; then
        echo "FAIL host/usertests: exit status $status but $f tests failed"
        failed=$((failed + 1))
    fi
else
    echo "FAIL host/usertests: no closing 'done:' line (exit status $status; log: $log/usertests.log)"
    tail -n 5 "$log/usertests.log"
    failed=$((failed + 1))
fi

echo "== fuzz $calls calls, seed $seed, natively on Linux"
echo "host: RUN fuzz"
timeout 600 "$bin/fuzz" "$calls" "$seed" </dev/null >"$log/fuzz.log" 2>&1
status=$?
[ "$verbose" = 1 ] && cat "$log/fuzz.log"
if [ "$status" -eq 0 ] && grep -q "^fuzz: done: $calls calls, seed $seed\$" "$log/fuzz.log"; then
    echo "host: PASS fuzz"
    passed=$((passed + 1))
else
    case $status in
        124) why="timed out after 600 s" ;;
        0) why="no closing 'fuzz: done:' line" ;;
        *) why="exit status $status$( [ "$status" -gt 128 ] && echo " (signal $((status - 128)))")" ;;
    esac
    echo "host: FAIL fuzz: $why; last lines of $log/fuzz.log:"
    tail -n 3 "$log/fuzz.log" | sed 's/^/    /'
    echo "host: FAILED fuzz"
    failed=$((failed + 1))
fi

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
