#!/usr/bin/env python3
"""tests/run_qemu.py - boot Handoff in QEMU, run its tests, judge the result.

One runner for every guest test, on both arches:

    tests/run_qemu.py --arch aarch64 --kernel build/aarch64/kernel.elf \
        --smp 4 --append "test=all" [--initrd FILE] [--timeout 120] [-v]

It starts QEMU through qemu/qemu.sh, reads the serial console line by line and
follows the test protocol the kernel and user test programs print:

    <tag>: RUN <name>
    <tag>: FAIL <name>: <why>          (any number)
    <tag>: PASS <name>  |  <tag>: FAILED <name>
    <tag>: done: N passed, M failed

A suite passes only if QEMU exits with the success status, no PANIC was
printed, the closing `done:` line arrived and agrees with the PASS/FAILED lines
counted, and nothing failed. A panic, a hang past the timeout, a crash of QEMU
or a missing `done:` line is reported as a failure of a pseudo-test named
`<suite>/boot`. Panic backtraces are symbolised with addr2line.

The last line printed is `N passed, M failed` for the tests run.
"""
import argparse
import os
import re
import select
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

# QEMU exit statuses that mean "the kernel called arch::shutdown(0)".
# x86-64 isa-debug-exit exits with (value << 1) | 1, and the kernel writes
# 0x10 for success; aarch64 semihosting passes the status through.
SUCCESS_STATUS = {"x86_64": 33, "aarch64": 0}

RESULT_RE = re.compile(r"^(\w+): (PASS|FAILED) (\S+)\s*$")
FAIL_RE = re.compile(r"^(\w+): FAIL (\S+): (.*)$")
DONE_RE = re.compile(r"^(\w+): done: (\d+) passed, (\d+) failed")
BACKTRACE_RE = re.compile(r"^\s+#\d+ (0x[0-9a-f]+)")


class SuiteResult:
    def __init__(self, name):
        self.name = name
        self.passed = []        # test names
        self.failed = []        # (test name, reasons)
        self.problems = []      # suite-level failures (panic, timeout, ...)
        self.log = []

    @property
    def ok(self):
        return not self.failed and not self.problems


def symbolise(kernel, addresses, arch):
    tool = "addr2line" if arch == "x86_64" else "aarch64-linux-gnu-addr2line"
    try:
        out = subprocess.run([tool, "-f", "-C", "-p", "-e", kernel] + addresses,
                             capture_output=True, text=True, timeout=20).stdout
        return out.strip().splitlines()
    except (OSError, subprocess.TimeoutExpired):
        return []


def run_suite(arch, kernel, append, smp=1, initrd=None, timeout=120, name=None,
              verbose=False, mem="512M", log_path=None):
    """Boots the kernel with `append` and judges the test lines it prints."""
    name = name or f"{arch}/smp{smp}"
    cmd = [os.path.join(ROOT, "qemu", "qemu.sh"), "--arch", arch, "--kernel", kernel,
           "--smp", str(smp), "--mem", mem, "--append", append]
    if initrd:
        cmd += ["--initrd", initrd]
    return run_command(cmd, name, SUCCESS_STATUS[arch], timeout=timeout, verbose=verbose,
                       log_path=log_path, kernel=kernel, arch=arch)


def run_command(cmd, name, success_status=0, timeout=120, verbose=False, log_path=None,
                kernel=None, arch=None, cwd=None):
    """Runs any command that prints the test protocol (a QEMU boot, or a test
    program natively on the host) and judges it the same way."""
    result = SuiteResult(name)
    proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, start_new_session=True, cwd=cwd)
    deadline = time.monotonic() + timeout
    buffer = b""
    reasons = {}
    done = {}         # tag -> (passed, failed) from its closing line
    counted = {}      # tag -> [passed, failed] counted from its verdict lines
    panic_lines = []
    in_panic = False
    timed_out = False

    def handle(line):
        nonlocal done, in_panic
        result.log.append(line)
        if verbose:
            print(f"  [{name}] {line}", flush=True)
        if "PANIC" in line:
            in_panic = True
        if in_panic:
            panic_lines.append(line)
        m = FAIL_RE.match(line)
        if m:
            reasons.setdefault(m.group(2), []).append(m.group(3))
            return
        m = RESULT_RE.match(line)
        if m:
            tag, test = m.group(1), m.group(3)
            tally = counted.setdefault(tag, [0, 0])
            if m.group(2) == "PASS":
                result.passed.append(test)
                tally[0] += 1
            else:
                result.failed.append((test, reasons.get(test, [])))
                tally[1] += 1
            return
        m = DONE_RE.match(line)
        if m:
            done[m.group(1)] = (int(m.group(2)), int(m.group(3)))

    while True:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            timed_out = True
            break
        ready, _, _ = select.select([proc.stdout], [], [], min(remaining, 1.0))
        if not ready:
            continue
        chunk = os.read(proc.stdout.fileno(), 65536)
        if not chunk:
            break
        buffer += chunk
        while b"\n" in buffer:
            raw, buffer = buffer.split(b"\n", 1)
            handle(raw.decode("utf-8", "replace").rstrip("\r"))
    if buffer:
        handle(buffer.decode("utf-8", "replace").rstrip("\r"))

    if timed_out:
        try:
            os.killpg(proc.pid, 9)
        except ProcessLookupError:
            pass
    status = proc.wait()

    if log_path:
        os.makedirs(os.path.dirname(log_path), exist_ok=True)
        with open(log_path, "w") as f:
            f.write("\n".join(result.log) + "\n")

    # Names that printed FAIL lines but no verdict (the kernel died mid-test).
    for test, why in reasons.items():
        if test not in result.passed and test not in [t for t, _ in result.failed]:
            result.failed.append((test, why))

    if panic_lines:
        addresses = [m.group(1) for m in map(BACKTRACE_RE.match, panic_lines) if m]
        text = "kernel panic:\n    " + "\n    ".join(panic_lines[:12])
        if addresses and kernel:
            text += "\n  symbolised:\n    " + "\n    ".join(symbolise(kernel, addresses, arch))
        result.problems.append(text)
    if timed_out:
        tail = "\n    ".join(result.log[-8:])
        result.problems.append(f"timed out after {timeout}s; last lines:\n    {tail}")
    elif status != success_status and not panic_lines:
        result.problems.append(f"exited with status {status} (success is {success_status})")
    # Several programs may report in one boot (e.g. leakcheck running
    # usertests): each tag that printed verdicts must close with its own
    # done line, agreeing with what was counted for that tag.
    if not done and not timed_out and not panic_lines:
        result.problems.append("no closing 'done:' line: the test program did not finish")
    for tag, (p, f) in done.items():
        if (p, f) != tuple(counted.get(tag, [0, 0])):
            c = counted.get(tag, [0, 0])
            result.problems.append(f"{tag}: closing line says {p} passed, {f} failed but "
                                   f"the runner counted {c[0]} and {c[1]}")
    for tag in counted:
        if tag not in done and not timed_out and not panic_lines:
            result.problems.append(f"{tag}: no closing 'done:' line")
    if any(f > 0 for _, f in done.values()) and status == success_status:
        result.problems.append("tests failed but the guest reported success")
    return result


def report(results, out=sys.stdout):
    passed = failed = 0
    for r in results:
        for test in r.passed:
            passed += 1
        for test, why in r.failed:
            failed += 1
            print(f"FAIL {r.name}/{test}", file=out)
            for line in why:
                print(f"    {line}", file=out)
        for problem in r.problems:
            failed += 1
            print(f"FAIL {r.name}/boot: {problem}", file=out)
        state = "ok" if r.ok else "FAILED"
        print(f"suite {r.name}: {len(r.passed)} passed, "
              f"{len(r.failed) + len(r.problems)} failed ({state})", file=out)
    return passed, failed


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--arch", required=True, choices=sorted(SUCCESS_STATUS))
    ap.add_argument("--kernel", required=True)
    ap.add_argument("--initrd")
    ap.add_argument("--append", default="test=all")
    ap.add_argument("--smp", type=int, default=1)
    ap.add_argument("--mem", default="512M")
    ap.add_argument("--timeout", type=float, default=120)
    ap.add_argument("--name")
    ap.add_argument("-v", "--verbose", action="store_true")
    args = ap.parse_args()
    r = run_suite(args.arch, args.kernel, args.append, smp=args.smp, initrd=args.initrd,
                  timeout=args.timeout, name=args.name, verbose=args.verbose, mem=args.mem)
    passed, failed = report([r])
    print(f"{passed} passed, {failed} failed")
    sys.exit(0 if failed == 0 else 1)


if __name__ == "__main__":
    main()
