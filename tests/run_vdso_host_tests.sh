#!/usr/bin/env bash
# tests/run_vdso_host_tests.sh - every vDSO test that runs on the build machine (an x86-64
# Linux host), without booting Handoff. Ends with one line "N passed, M failed"; exit status
# 0 only if nothing failed. `-v` echoes every test program's output.
#
# Suites (each prints the vtest: protocol; see the programs for what they check):
#   build           the vDSO for x86-64 and AArch64 (user/vdso/vdso.mk, which runs
#                   user/vdso/check_vdso.sh on each), and the test programs
#   check_vdso      the build check rejects a shared object that needs relocations
#   host x86_64     tests/vdso/vdso_host_test.cpp with AddressSanitizer+UBSan: the parser on
#                   Linux's own vDSO, on our two images, under fuzzing; our x86-64 vDSO
#                   executed against a vvar page written by the kernel's writer
#   host aarch64    the same program built for AArch64, run by qemu-aarch64 (user mode):
#                   our AArch64 vDSO executed (CNTVCT_EL0 as the counter)
#   guest program   user/tests/vdso_tests (newlib, the Linux ABI only) natively on this
#                   Linux, through Linux's vDSO; and under qemu-x86_64 / qemu-aarch64 user
#                   mode, which give a process no vDSO: the system-call fallback
#   bench           bench_vdso (user/bench/vdso_bench.cpp) runs and prints its rows (the
#                   numbers are not judged: benchmarks are not tests)
#
# Everything is built under build/vdso-host/, apart from the kernel's build/<arch>/.
set -u
cd "$(dirname "$0")/.."
out=build/vdso-host
logs=$out/logs
mkdir -p "$logs"
verbose=0
[ "${1:-}" = -v ] && verbose=1

passed=0 failed=0

# pass NAME / fail NAME [WHY]: one result that is not a program's own.
pass() { passed=$((passed + 1)); echo "PASS $1"; }
fail() { failed=$((failed + 1)); echo "FAIL $1${2:+: $2}"; }

# suite NAME COMMAND...: runs a vtest: program, counts its PASS/FAILED lines, and fails the
# suite as a whole if it crashed or did not reach its `done:` line.
suite() {
    local name=$1 log=$logs/$1.log
    shift
    "$@" >"$log" 2>&1
    local status=$?
    [ $verbose = 1 ] && sed "s/^/  [$name] /" "$log"
    local p f
    p=$(grep -c '^vtest: PASS ' "$log")
    f=$(grep -c '^vtest: FAILED ' "$log")
    passed=$((passed + p))
    failed=$((failed + f))
    grep '^vtest: \(FAIL\|FAILED\|SKIP\) ' "$log" | sed "s/^/  [$name] /"
    if ! grep -q '^vtest: done: ' "$log"; then
        fail "$name" "no 'done:' line (exit status $status); last lines:"
        tail -5 "$log" | sed "s/^/    /"
    elif [ $status != 0 ] && [ "$f" = 0 ]; then
        fail "$name" "exit status $status"
    fi
    echo "suite $name: $p passed, $f failed"
}

# ---- build ------------------------------------------------------------------------------------
for arch in x86_64 aarch64; do
    if make -s -f user/vdso/vdso.mk ARCH=$arch BUILD=$out/$arch vdso vdso-user \
        >"$logs/build-$arch.log" 2>&1; then
        pass "build $arch (vdso.so checked, vdso_tests, bench_vdso)"
    else
        fail "build $arch" "see $logs/build-$arch.log"
        tail -20 "$logs/build-$arch.log" | sed "s/^/    /"
    fi
done
so_x86=$out/x86_64/vdso/vdso.so
so_arm=$out/aarch64/vdso/vdso.so

# ---- the build check catches relocations -------------------------------------------------------
cat >"$out/needs_reloc.cpp" <<'EOF'
// A "vDSO" with a pointer in its data: needs an R_X86_64_RELATIVE relocation at load time.
static int value;
int* volatile pointer = &value;
extern "C" int __vdso_clock_gettime(long, void*) { return *pointer; }
EOF
if g++ -O2 -fPIC -c "$out/needs_reloc.cpp" -o "$out/needs_reloc.o" &&
    g++ -shared -nostdlib -Wl,-T,linker/vdso.ld -Wl,--version-script=user/vdso/vdso-x86_64.map \
        -Wl,--hash-style=both "$out/needs_reloc.o" -o "$out/needs_reloc.so" 2>/dev/null; then
    if user/vdso/check_vdso.sh x86_64 "$out/needs_reloc.so" >"$logs/check_vdso.log" 2>&1; then
        fail "check_vdso rejects relocations" "it accepted $out/needs_reloc.so"
    elif grep -q "has relocations" "$logs/check_vdso.log"; then
        pass "check_vdso rejects relocations"
    else
        fail "check_vdso rejects relocations" "failed for another reason: $(head -1 "$logs/check_vdso.log")"
    fi
else
    fail "check_vdso rejects relocations" "could not build the bad example"
fi

# ---- host tests ---------------------------------------------------------------------------------
host_srcs="tests/vdso/vdso_host_test.cpp user/lib/vdso_parse.cpp user/lib/vdso_time.cpp kernel/vdso/vvar.cpp"
# The kernel's vvar.cpp compiled for a Linux process: tests/host/support stands in for the
# arch (as for the GoogleTest host tests), KSTRING_PREFIX keeps its string functions apart.
host_flags="-std=c++20 -O1 -g -Wall -Wextra -Werror -I. -Itests/host/support -Iuser/lib \
  -DHANDOFF_HOST_TEST -DKSTRING_PREFIX=k_"
# shellcheck disable=SC2086
if g++ $host_flags -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer \
    $host_srcs -o $out/vdso_host_test -lpthread -ldl >"$logs/build-host-test.log" 2>&1; then
    suite "host-x86_64" $out/vdso_host_test "$so_x86" "$so_x86" "$so_arm"
else
    fail "build host test (x86_64)" "$(head -5 "$logs/build-host-test.log")"
fi

if command -v qemu-aarch64 >/dev/null && command -v aarch64-linux-gnu-g++ >/dev/null; then
    # shellcheck disable=SC2086
    if aarch64-linux-gnu-g++ $host_flags -static -mno-outline-atomics -DVDSO_TEST_STATIC \
        $host_srcs -o $out/vdso_host_test-aarch64 -lpthread >"$logs/build-host-test-aarch64.log" 2>&1; then
        suite "host-aarch64" qemu-aarch64 $out/vdso_host_test-aarch64 "$so_arm" "$so_x86" "$so_arm"
    else
        fail "build host test (aarch64)" "$(head -5 "$logs/build-host-test-aarch64.log")"
    fi
else
    echo "SKIP host-aarch64: qemu-aarch64 or aarch64-linux-gnu-g++ missing"
fi

# ---- the guest test program, on Linux ------------------------------------------------------------
suite "vdso_tests-linux" $out/x86_64/user/bin/vdso_tests --expect-vdso
if command -v qemu-x86_64 >/dev/null; then
    suite "vdso_tests-x86_64-no-vdso" qemu-x86_64 -cpu max $out/x86_64/user/bin/vdso_tests --expect-no-vdso
fi
if command -v qemu-aarch64 >/dev/null; then
    suite "vdso_tests-aarch64-no-vdso" qemu-aarch64 $out/aarch64/user/bin/vdso_tests --expect-no-vdso
fi

# ---- the benchmark runs ---------------------------------------------------------------------------
if $out/x86_64/user/bin/bench_vdso >"$logs/bench.log" 2>&1 && grep -q '^bench: done' "$logs/bench.log" &&
    grep -q '"bench":"vdso_clock_gettime"' "$logs/bench.log"; then
    pass "bench_vdso runs (Linux host: TSC ticks, not instructions)"
    sed 's/^/  /' "$logs/bench.log"
else
    fail "bench_vdso runs" "$(tail -3 "$logs/bench.log")"
fi

echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
