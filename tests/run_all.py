#!/usr/bin/env python3
"""tests/run_all.py - everything `make test` runs, with one closing line.

Host (this Linux x86-64 machine):
  1. GoogleTest unit tests of the arch-neutral kernel code (ctest).
  2. The C library self-test: newlib programs natively and under qemu-aarch64.
  3. The differential run: the same static Linux-ABI test programs that run in
     Handoff (usertests, polltests, the fuzzer) run natively on Linux and must pass there.
  4. The vDSO host tests (parser, our vDSO against a fake data page, races).
  5. The G/M/P runtime's test cases (sched/tests) as GoogleTest programs on the host's glibc:
     plain, under ThreadSanitizer and under AddressSanitizer + UBSan.
Guest (QEMU), for x86_64 and aarch64, at -smp 1 and -smp 4:
  6. The in-kernel tests (test=all).
  7. usertests, threadtests, polltests (epoll, eventfd, sockets), the runtime's tests
     (runtime_tests: the same cases as 5) and
     the syscall fuzzer (100,000 calls), each run by leakcheck,
     which fails if the kernel has fewer free pages or more heap objects,
     processes or threads afterwards.
  8. The vDSO tests, with the vDSO and with vdso=off.
  9. Runner self-checks: boots that fail, panic or hang on purpose must be
     reported as failures for that reason.

Prints a summary per suite and ends with `N passed, M failed`. Exit status 0
only if nothing failed. Options: --arch to run one arch, --no-host, -v to echo
consoles, --jobs N for parallel QEMU suites (default 2, the machine's cores).
"""
import argparse
import concurrent.futures
import os
import platform
import re
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import run_qemu  # noqa: E402

ROOT = run_qemu.ROOT
ARCHES = ["x86_64", "aarch64"]
CLOSING_RE = re.compile(r"^(?:\w+: )?(\d+) passed, (\d+) failed", re.M)


def sh(cmd, **kw):
    return subprocess.run(cmd, cwd=ROOT, **kw)


def ctest_suite(source, build_dir, *configure_args):
    """cmake + ctest of one CMake project: returns (passed, failed, log)."""
    out = []
    for cmd in (["cmake", "-S", source, "-B", build_dir, *configure_args],
                ["cmake", "--build", build_dir, "-j2"],
                ["ctest", "--test-dir", build_dir, "--output-on-failure", "-j2"]):
        r = sh(cmd, capture_output=True, text=True)
        out.append(r.stdout + r.stderr)
        if r.returncode != 0 and cmd[0] != "ctest":
            return 0, 1, "\n".join(out)
    m = re.search(r"(\d+)% tests passed, (\d+) tests? failed out of (\d+)", out[-1])
    if not m:
        return 0, 1, "\n".join(out)
    failed, total = int(m.group(2)), int(m.group(3))
    return total - failed, failed, "\n".join(out)


def script_suite(cmd, timeout=1800):
    """A script that ends with an `N passed, M failed` line: (passed, failed, log)."""
    try:
        r = sh(cmd, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return 0, 1, f"{cmd}: timed out"
    log = r.stdout + r.stderr
    found = CLOSING_RE.findall(log)
    if not found:
        return 0, 1, log
    passed, failed = map(int, found[-1])
    if r.returncode != 0 and failed == 0:
        failed = 1  # exited non-zero without saying why
    return passed, failed, log


def build(arch):
    r = sh(["make", f"ARCH={arch}", "-j2", "kernel", "initramfs"], capture_output=True, text=True)
    return r.returncode == 0, r.stdout + r.stderr


def guest_suites(arch):
    kernel = os.path.join(ROOT, "build", arch, "kernel.elf")
    initrd = os.path.join(ROOT, "build", arch, "initramfs.cpio")
    logs = os.path.join(ROOT, "build", arch, "logs")
    suites = []

    def add(label, append, smp=1, timeout=300, expect="pass", with_initrd=True):
        suites.append((dict(arch=arch, kernel=kernel, append=append, smp=smp, timeout=timeout,
                            initrd=initrd if with_initrd else None, name=f"{arch}/smp{smp}/{label}",
                            log_path=f"{logs}/{label}-smp{smp}.log"), expect))

    for smp in (1, 4):
        add("kernel", "test=all", smp, with_initrd=False)
        add("usertests", "init=/bin/leakcheck /bin/usertests", smp)
        add("threadtests", "init=/bin/leakcheck /bin/threadtests", smp, timeout=600)
        add("runtime", "init=/bin/leakcheck /bin/runtime_tests", smp, timeout=600)
        add("polltests", "init=/bin/leakcheck /bin/polltests", smp, timeout=600)
        add("fuzz", f"init=/bin/leakcheck /bin/fuzz 100000 {smp}", smp, timeout=900)
        add("vdso", "init=/bin/vdso_tests --expect-vdso", smp)
    add("vdso-off", "vdso=off init=/bin/vdso_tests --expect-no-vdso", 1)
    # The runner must see each kind of failure, and say which it was.
    for test, timeout, evidence in (("selfcheck_fails", 60, "selfcheck_fails"),
                                    ("selfcheck_panics", 60, "kernel panic"),
                                    ("selfcheck_hangs", 8, "timed out")):
        add(test, f"test={test}", 1, timeout=timeout, expect=evidence, with_initrd=False)
    return suites


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--arch", choices=ARCHES, action="append")
    ap.add_argument("-v", "--verbose", action="store_true")
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--no-host", action="store_true")
    args = ap.parse_args()
    arches = args.arch or ARCHES
    total_passed = total_failed = 0

    def tally(name, passed, failed, log=""):
        nonlocal total_passed, total_failed
        if failed:
            print(log[-6000:])
        print(f"suite {name}: {passed} passed, {failed} failed", flush=True)
        total_passed += passed
        total_failed += failed

    if not args.no_host:
        print("== host: unit tests (ctest)", flush=True)
        tally("host/unit", *ctest_suite("tests/host", "build/host", "-DCMAKE_BUILD_TYPE=Debug"))
        print("== host: newlib self-test (native x86-64, qemu-aarch64)", flush=True)
        tally("host/newlib", *script_suite(["user/newlib/selftest.sh"]))
        if platform.machine() == "x86_64":
            print("== host: differential run of the user tests on Linux", flush=True)
            r = sh(["make", "-s", "-f", "user/programs.mk", "host-user", "-j2"],
                   capture_output=True, text=True)
            if r.returncode != 0:
                tally("host/differential build", 0, 1, r.stdout + r.stderr)
            else:
                host_dir = os.path.join(ROOT, "build", "host-user")
                for label, cmd in (("usertests", ["./bin/usertests"]),
                                   ("polltests", ["./bin/polltests"]),
                                   ("fuzz", ["./bin/fuzz", "100000", "7"])):
                    result = run_qemu.run_command(cmd, f"host/linux/{label}", 0, timeout=600,
                                                  cwd=host_dir, verbose=args.verbose)
                    passed, failed = run_qemu.report([result])
                    total_passed += passed
                    total_failed += failed
        print("== host: vDSO tests", flush=True)
        tally("host/vdso", *script_suite(["tests/run_vdso_host_tests.sh"]))
        print("== host: the runtime's tests (plain, TSan, ASan+UBSan)", flush=True)
        tally("host/sched", *ctest_suite("sched/tests", "build/sched-host"))

    suites = []
    for arch in arches:
        print(f"== building {arch} (kernel, user programs, initramfs)", flush=True)
        ok, log = build(arch)
        if not ok:
            tally(f"{arch}/build", 0, 1, log)
            continue
        suites += guest_suites(arch)

    print(f"== running {len(suites)} QEMU suites ({args.jobs} at a time)", flush=True)
    with concurrent.futures.ThreadPoolExecutor(max_workers=args.jobs) as pool:
        futures = [pool.submit(run_qemu.run_suite, verbose=args.verbose, **kw) for kw, _ in suites]
        results = [f.result() for f in futures]

    for (kw, expectation), result in zip(suites, results):
        if expectation == "pass":
            p, f = run_qemu.report([result])
            total_passed += p
            total_failed += f
            continue
        # A self-check passes when the runner reports the suite as failed for
        # the deliberate reason: the failed test's name, a panic or a timeout.
        reasons = [name for name, _ in result.failed] + result.problems
        if any(expectation in reason for reason in reasons):
            print(f"suite {result.name}: runner flagged the deliberate failure (ok)")
            total_passed += 1
        else:
            print(f"FAIL {result.name}: the runner did not report '{expectation}' "
                  f"(it reported: {reasons or 'success'})")
            total_failed += 1

    print(f"{total_passed} passed, {total_failed} failed")
    return 0 if total_failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
