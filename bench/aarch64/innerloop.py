#!/usr/bin/env python3
"""Finds the hot binary loop of a function in compiler assembly output.

    innerloop.py file.s function [--mca MCA --cpu CPU ...]

Loops are the code between a label and a backward branch to it; of the
innermost ones (no loop inside), the hot loop is the one with the most
popcount work: every `cnt` on 16 bytes counts
128 binary MACs (one xor-popcount step per bit), on 8 bytes 64. Prints the
loop's instruction count, its binary MACs per iteration and per
instruction, and, with --mca, llvm-mca's cycles per iteration for each
--cpu (steady state over 100 iterations).
"""
import argparse
import re
import subprocess
import sys


def function_lines(path, name):
    lines, inside = [], False
    for raw in open(path):
        line = raw.split("//")[0].rstrip()
        if re.match(r"^%s:\s*$" % re.escape(name), line):
            inside = True
            continue
        if inside:
            if re.match(r"^\s*\.size\s+%s\b" % re.escape(name), line):
                break
            lines.append(line)
    if not lines:
        sys.exit("innerloop: function %s not found in %s" % (name, path))
    return lines


def is_instruction(line):
    s = line.strip()
    return bool(s) and not s.endswith(":") and not s.startswith(".")


def loops(lines):
    """Innermost loops: (label, backward branch) ranges with no loop inside."""
    labels = {}
    for i, line in enumerate(lines):
        m = re.match(r"^(\.?\w+):\s*$", line.strip())
        if m:
            labels[m.group(1)] = i
    ranges = []
    for i, line in enumerate(lines):
        m = re.match(r"^\s*(b\.\w+|b|cbn?z|tbn?z)\s+.*?(\.?\w+)\s*$", line)
        if m and m.group(2) in labels and labels[m.group(2)] < i:
            ranges.append((labels[m.group(2)], i))
    for lo, hi in ranges:
        if any(lo <= a and b <= hi and (a, b) != (lo, hi) for a, b in ranges):
            continue
        yield [l.strip() for l in lines[lo:hi + 1] if is_instruction(l)]


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
    ap.add_argument("function")
    ap.add_argument("--mca")
    ap.add_argument("--cpu", action="append", default=[])
    args = ap.parse_args()
    best = max(loops(function_lines(args.asm, args.function)),
               key=binary_macs, default=None)
    if not best or binary_macs(best) == 0:
        sys.exit("innerloop: no popcount loop in %s" % args.function)
    macs = binary_macs(best)
    print("instructions=%d binary_macs=%d macs_per_instruction=%.1f" %
          (len(best), macs, macs / len(best)))
    for cpu in args.cpu:
        out = subprocess.run([args.mca, "-mtriple=aarch64", "-mcpu=" + cpu,
                              "-iterations=100"], input="\n".join(best) + "\n",
                             capture_output=True, text=True, check=True).stdout
        cycles = int(re.search(r"Total Cycles:\s+(\d+)", out).group(1)) / 100
        print("cpu=%s cycles_per_iteration=%.1f macs_per_cycle=%.1f" %
              (cpu, cycles, macs / cycles))


if __name__ == "__main__":
    main()
