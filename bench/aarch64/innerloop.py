#!/usr/bin/env python3
"""Instruction counts of the hot loop bodies of bnnc's NEON kernels.

    innerloop.py file.s REGION [--mca MCA --cpu CPU ...]

file.s is compiler output of code built with -DBNNC_NEON_MCA_MARKERS, which
brackets each hot loop body of kernels_neon.h with `// LLVM-MCA-BEGIN name`
and `// LLVM-MCA-END name` (the body only: loop control excluded). For the
first region called REGION this prints its instruction count, its binary
MACs (every `cnt` on 16 bytes is 128 one-bit multiply-accumulates, on 8
bytes 64) and MACs per instruction, and with --mca llvm-mca's steady-state
cycles per iteration for each --cpu.
"""
import argparse
import re
import subprocess
import sys


def region(path, name):
    body, inside = [], False
    for raw in open(path):
        line = raw.strip()
        if re.match(r"//\s*LLVM-MCA-BEGIN\s+%s\s*$" % re.escape(name), line):
            inside, body = True, []
            continue
        if inside and re.match(r"//\s*LLVM-MCA-END\s+%s\s*$" % re.escape(name), line):
            return body
        if inside and line and not line.startswith((".", "//")) and not line.endswith(":"):
            body.append(line.split("//")[0].strip())
    sys.exit("innerloop: no region %s in %s" % (name, path))


def binary_macs(body):
    macs = 0
    for ins in body:
        m = re.match(r"cnt\s+v\d+\.(16b|8b)", ins)
        if m:
            macs += 128 if m.group(1) == "16b" else 64
    return macs


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("asm")
    ap.add_argument("region")
    ap.add_argument("--mca")
    ap.add_argument("--cpu", action="append", default=[])
    args = ap.parse_args()
    body = region(args.asm, args.region)
    macs = binary_macs(body)
    if any(re.match(r"b(\.\w+)?\s|cbn?z|tbn?z", ins) for ins in body):
        sys.exit("innerloop: region %s has branches; not a loop body" % args.region)
    print("instructions=%d binary_macs=%d macs_per_instruction=%.1f" %
          (len(body), macs, macs / len(body)))
    for cpu in args.cpu:
        out = subprocess.run([args.mca, "-mtriple=aarch64", "-mcpu=" + cpu,
                              "-iterations=100"], input="\n".join(body) + "\n",
                             capture_output=True, text=True, check=True).stdout
        cycles = int(re.search(r"Total Cycles:\s+(\d+)", out).group(1)) / 100
        print("cpu=%s cycles_per_iteration=%.1f macs_per_cycle=%.1f" %
              (cpu, cycles, macs / cycles))


if __name__ == "__main__":
    main()
