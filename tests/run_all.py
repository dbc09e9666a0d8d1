#!/usr/bin/env python3
"""tests/run_all.py - everything `make test` runs, with one closing line.

  1. Host unit tests (GoogleTest under ctest) for the arch-neutral kernel code.
  2. For x86_64 and aarch64: build the kernel and boot its in-kernel tests
     (test=all) at -smp 1 and -smp 4.
  3. Runner self-checks: boot tests that fail, panic or hang on purpose and
     check that tests/run_qemu.py reports each of them as a failure.

Prints a summary per suite and ends with `N passed, M failed`. Exit status 0
only if nothing failed. Options: --arch to run one arch, -v to echo the guest
consoles, --jobs N for parallel QEMU suites (default 2, the machine's cores).
"""
import argparse
import concurrent.futures
import os
import re
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import run_qemu  # noqa: E402

ROOT = run_qemu.ROOT
ARCHES = ["x86_64", "aarch64"]


def sh(cmd, **kw):
    return subprocess.run(cmd, cwd=ROOT, **kw)


def host_tests():
    """Returns (passed, failed, log)."""
    out = []
    for cmd in (["cmake", "-S", "tests/host", "-B", "build/host", "-DCMAKE_BUILD_TYPE=Debug"],
                ["cmake", "--build", "build/host", "-j2"],
                ["ctest", "--test-dir", "build/host", "--output-on-failure"]):
        r = sh(cmd, capture_output=True, text=True)
        out.append(r.stdout + r.stderr)
        if r.returncode != 0 and cmd[0] != "ctest":
            return 0, 1, "\n".join(out)
    text = out[-1]
    m = re.search(r"(\d+)% tests passed, (\d+) tests? failed out of (\d+)", text)
    if not m:
        return 0, 1, "\n".join(out)
    failed, total = int(m.group(2)), int(m.group(3))
    return total - failed, failed, "\n".join(out)


def build(arch):
    r = sh(["make", f"ARCH={arch}", "-j2", "kernel"], capture_output=True, text=True)
    return r.returncode == 0, r.stdout + r.stderr


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--arch", choices=ARCHES, action="append")
    ap.add_argument("-v", "--verbose", action="store_true")
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--no-host", action="store_true")
    args = ap.parse_args()
    arches = args.arch or ARCHES
    total_passed = total_failed = 0

    if not args.no_host:
        print("== host unit tests (ctest)", flush=True)
        p, f, log = host_tests()
        if f:
            print(log[-6000:])
        print(f"suite host: {p} passed, {f} failed", flush=True)
        total_passed += p
        total_failed += f

    suites = []  # (kwargs for run_qemu.run_suite, expectation)
    for arch in arches:
        print(f"== building {arch}", flush=True)
        ok, log = build(arch)
        if not ok:
            print(log[-6000:])
            print(f"FAIL {arch}/build")
            total_failed += 1
            continue
        kernel = os.path.join(ROOT, "build", arch, "kernel.elf")
        logs = os.path.join(ROOT, "build", arch, "logs")
        for smp in (1, 4):
            suites.append((dict(arch=arch, kernel=kernel, append="test=all", smp=smp,
                                name=f"{arch}/smp{smp}/kernel",
                                log_path=f"{logs}/kernel-smp{smp}.log"), "pass"))
        # The runner must see each kind of failure, and say which it was.
        for test, timeout, evidence in (("selfcheck_fails", 60, "selfcheck_fails"),
                                        ("selfcheck_panics", 60, "kernel panic"),
                                        ("selfcheck_hangs", 8, "timed out")):
            suites.append((dict(arch=arch, kernel=kernel, append=f"test={test}", smp=1,
                                timeout=timeout, name=f"{arch}/{test}",
                                log_path=f"{logs}/{test}.log"), evidence))

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
