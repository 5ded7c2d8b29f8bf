#!/usr/bin/env python3
"""Runs a bare-metal Cortex-M ELF under qemu-system-arm with semihosting.

    qemu_run.py [--plugin SO[,ARGS]] m3|m4|m7|m55 program.elf [args...]

m4 = QEMU's mps2-an386 (Cortex-M4), m7 = mps2-an500 (Cortex-M7), m3 =
mps2-an385 (Cortex-M3), m55 = mps3-an547 (Cortex-M55). The
program's argv[0] is the ELF path and argv[1:] are the remaining arguments
(test/cortexm/startup.c reads them with SYS_GET_CMDLINE); its stdout is
QEMU's stdout and main's return value is the exit status. A run that takes
longer than --timeout seconds (default 300) fails.
"""
import argparse
import subprocess
import sys

BOARDS = {"m3": "mps2-an385", "m4": "mps2-an386", "m7": "mps2-an500",
          "m55": "mps3-an547"}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--plugin", help="TCG plugin .so with its arguments")
    ap.add_argument("--timeout", type=float, default=300)
    ap.add_argument("cpu", choices=sorted(BOARDS))
    ap.add_argument("elf")
    ap.add_argument("args", nargs=argparse.REMAINDER)
    a = ap.parse_args()
    for arg in [a.elf] + a.args:
        if "," in arg or " " in arg:
            sys.exit("qemu_run.py: arguments may not contain ',' or ' ': %r" % arg)
    semihosting = "enable=on,target=native," + ",".join(
        "arg=" + x for x in [a.elf] + a.args)
    cmd = ["qemu-system-arm", "-M", BOARDS[a.cpu], "-nographic",
           "-monitor", "none", "-serial", "none",
           "-semihosting-config", semihosting, "-kernel", a.elf]
    if a.plugin:
        cmd += ["-plugin", a.plugin, "-d", "plugin"]
    try:
        return subprocess.run(cmd, timeout=a.timeout).returncode
    except subprocess.TimeoutExpired:
        print("qemu_run.py: timed out after %g s" % a.timeout, file=sys.stderr)
        return 124


if __name__ == "__main__":
    sys.exit(main())
