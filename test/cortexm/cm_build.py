#!/usr/bin/env python3
"""Builds a bnnc-generated model into a bare-metal Cortex-M ELF for QEMU.

    cm_build.py CPU OUT.elf MODEL.c [--main FILE.c] [-- extra cflags...]

CPU is m4 (-mcpu=cortex-m4, FPv4-SP, hard float: QEMU mps2-an386), m7
(-mcpu=cortex-m7, FPv5-D16: mps2-an500), m3 (-mcpu=cortex-m3, soft float,
no DSP: mps2-an385) or m55 (-mcpu=cortex-m55: mps3-an547). The model and
the main program are compiled with arm-none-eabi-gcc -std=c99 -O2 -Wall
-Wextra -Werror -pedantic (the generated C's contract) and linked with
test/cortexm/startup.c, mps2.ld (mps3-an547.ld for m55) and newlib +
semihosting (librdimon). The main program defaults to
test/e2e/harness.c for the model <stem>.c (MODEL=<stem>, MODEL_MACRO=STEM,
MODEL_HEADER="<stem>.h"), the harness of the host e2e tests; these macros
are defined for any main program.
"""
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
CPUS = {
    "m4": ["-mcpu=cortex-m4", "-mthumb", "-mfloat-abi=hard", "-mfpu=fpv4-sp-d16"],
    "m7": ["-mcpu=cortex-m7", "-mthumb", "-mfloat-abi=hard", "-mfpu=fpv5-d16"],
    # No FPU, no DSP: the soft-float path of the cortex-m0plus target, run on
    # the ARMv7-M core QEMU has (mps2-an385); QEMU has no ARMv6-M board.
    "m3": ["-mcpu=cortex-m3", "-mthumb", "-mfloat-abi=soft"],
    # ARMv8.1-M with DSP, MVE and FPU (mps3-an547: 512 KiB code, 512 KiB RAM).
    "m55": ["-mcpu=cortex-m55", "-mthumb", "-mfloat-abi=hard"],
}
LINKER_SCRIPTS = {"m55": "mps3-an547.ld"}
CC = "arm-none-eabi-gcc"


def run(cmd):
    r = subprocess.run(cmd)
    if r.returncode:
        sys.exit("cm_build.py: failed: " + " ".join(cmd))


def main():
    args = sys.argv[1:]
    extra = []
    if "--" in args:
        extra = args[args.index("--") + 1:]
        args = args[:args.index("--")]
    main_c = None
    if "--main" in args:
        i = args.index("--main")
        main_c = args[i + 1]
        del args[i:i + 2]
    if len(args) != 3 or args[0] not in CPUS:
        sys.exit(__doc__)
    cpu, out, model_c = args
    stem = os.path.splitext(os.path.basename(model_c))[0]
    runtime = subprocess.run(
        [os.environ.get("BNNC", "bnnc"), "--print-runtime-dir"],
        capture_output=True, text=True, check=True).stdout.strip()
    flags = CPUS[cpu] + ["-O2", "-ffunction-sections", "-fdata-sections"]
    strict = ["-std=c99", "-Wall", "-Wextra", "-Werror", "-pedantic"]
    inc = ["-I" + runtime, "-I" + os.path.dirname(os.path.abspath(model_c))]
    objs = [out + ".model.o", out + ".main.o", out + ".startup.o"]
    run([CC] + flags + strict + inc + extra + ["-c", model_c, "-o", objs[0]])
    defines = ["-DMODEL_HEADER=\"%s.h\"" % stem, "-DMODEL=" + stem,
               "-DMODEL_MACRO=" + stem.upper()]
    main_c = main_c or os.path.join(HERE, "..", "e2e", "harness.c")
    run([CC] + flags + strict + inc + extra + defines +
        ["-c", main_c, "-o", objs[1]])
    run([CC] + flags + ["-std=gnu99", "-Wall", "-Wextra", "-Werror", "-c",
                        os.path.join(HERE, "startup.c"), "-o", objs[2]])
    run([CC] + flags + ["--specs=rdimon.specs", "-nostartfiles",
                        "-T", os.path.join(HERE, LINKER_SCRIPTS.get(cpu, "mps2.ld")),
                        "-Wl,--gc-sections"] + objs + ["-lm", "-o", out])


if __name__ == "__main__":
    main()
