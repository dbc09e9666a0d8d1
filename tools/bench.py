#!/usr/bin/env python3
"""tools/bench.py - `make bench`: guest-instruction benchmarks under QEMU icount.

Boots each arch's kernel with `bench=all` under icount (-smp 1), twice, and
collects the `bench: {...}` JSON lines. Under icount the cycle counter (TSC /
CNTVCT) advances exactly once per guest instruction, so every figure is a
count of guest instructions and must come out identical run to run; a row
that differs between the two runs is flagged.

Prints the JSON lines (one per row) and then a table.
  tools/bench.py [--arch x86_64] [--runs 2] [--json-only]
"""
import argparse
import json
import os
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ARCHES = ["x86_64", "aarch64"]


# Every boot that produces rows: the kernel's own benchmarks, then each user
# benchmark program as init (user/bench/).
BOOTS = [("bench=all", False), ("init=/bin/bench_syscall", True), ("init=/bin/bench_vdso", True),
         ("init=/bin/sched_bench", True),
         ("init=/bin/bench_threads", True)]


def run_boot(arch, append, with_initrd, timeout=300):
    kernel = os.path.join(ROOT, "build", arch, "kernel.elf")
    cmd = [os.path.join(ROOT, "qemu", "qemu.sh"), "--arch", arch, "--kernel", kernel,
           "--smp", "1", "--icount", "--append", append]
    if with_initrd:
        cmd += ["--initrd", os.path.join(ROOT, "build", arch, "initramfs.cpio")]
    out = subprocess.run(cmd, stdin=subprocess.DEVNULL, capture_output=True, text=True,
                         timeout=timeout).stdout
    rows, done = [], False
    for line in out.splitlines():
        line = line.strip()
        if line.startswith("bench: {"):
            rows.append(json.loads(line[len("bench: "):]))
        elif line == "bench: done":
            done = True
    if not done:
        sys.stderr.write(out[-3000:])
        raise SystemExit(f"bench: {arch} {append} did not finish")
    return rows


def run_once(arch):
    rows = []
    for append, with_initrd in BOOTS:
        rows += run_boot(arch, append, with_initrd)
    return rows


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--arch", choices=ARCHES, action="append")
    ap.add_argument("--runs", type=int, default=2)
    args = ap.parse_args()
    table = []
    stable = True
    for arch in args.arch or ARCHES:
        subprocess.run(["make", "-s", f"ARCH={arch}", "-j2", "kernel", "initramfs"], cwd=ROOT,
                       check=True)
        runs = [run_once(arch) for _ in range(args.runs)]
        for i, row in enumerate(runs[0]):
            figures = [r[i]["insns"] if i < len(r) else None for r in runs]
            repeatable = all(f == figures[0] for f in figures)
            stable &= repeatable
            row = dict(row, runs=args.runs, repeatable=repeatable)
            print(json.dumps(row), flush=True)
            table.append(row)
    print()
    print(f"{'bench':<32} {'arch':<8} {'per':<10} {'guest insns':>12}  repeatable")
    for row in table:
        print(f"{row['bench']:<32} {row['arch']:<8} {row['per']:<10} {row['insns']:>12.3f}  "
              f"{'yes' if row['repeatable'] else 'NO'}")
    return 0 if stable else 1


if __name__ == "__main__":
    sys.exit(main())
