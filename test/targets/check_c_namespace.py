#!/usr/bin/env python3
"""check_c_namespace.py --bnnc BNNC --runtime DIR --work DIR MODEL...

Every model is compiled by bnnc for each target family and symbol prefix
below, and its C is built with each target's compilers under
-std=c99 -Wall -Wextra -Wconversion -Wshadow -pedantic -Werror
-Woverlength-strings (issue 14: no accepted model may produce C that does
not build). The prefixes are names of C library and ARM intrinsic families
(INT32 with an initializer MIN gives INT32_MIN, vaddq + f32 gives
vaddq_f32, ...), which the generated code's "<prefix>__<name>" internal
names must avoid. Finally two of the models, compiled under two prefixes,
are linked into one program (no duplicate symbols). One line per check, a
summary, exit 1 on any failure.
"""
import argparse
import os
import subprocess
import sys

CFLAGS = ["-std=c99", "-O1", "-Wall", "-Wextra", "-Wconversion", "-Wshadow",
          "-pedantic", "-Werror", "-Woverlength-strings"]
TARGETS = {
    "generic": [["gcc"], ["clang-19"]],
    "aarch64": [["aarch64-linux-gnu-gcc"]],
    "cortex-m4": [["arm-none-eabi-gcc", "-mcpu=cortex-m4", "-mthumb",
                   "-mfloat-abi=hard", "-mfpu=fpv4-sp-d16"]],
}
PREFIXES = ["m", "INT32", "vaddq", "M", "int8", "size"]


def run(cmd):
    r = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                       universal_newlines=True)
    return r.returncode, r.stdout


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bnnc", required=True)
    ap.add_argument("--runtime", required=True)
    ap.add_argument("--work", required=True)
    ap.add_argument("models", nargs="+")
    a = ap.parse_args()
    os.makedirs(a.work, exist_ok=True)
    failed = total = 0
    for model in a.models:
        stem = os.path.splitext(os.path.basename(model))[0]
        for target, compilers in TARGETS.items():
            for prefix in PREFIXES:
                out = os.path.join(a.work, "%s-%s-%s" % (stem, target, prefix))
                os.makedirs(out, exist_ok=True)
                c = os.path.join(out, "model.c")
                total += 1
                rc, log = run([a.bnnc, model, "-o", c, "--name=" + prefix,
                               "--target=" + target])
                problems = [] if rc == 0 else ["bnnc exit %d: %s" % (rc, log)]
                for cc in compilers if rc == 0 else []:
                    rc2, log2 = run(cc + CFLAGS + ["-I" + a.runtime, "-c", c,
                                                   "-o", c + ".o"])
                    if rc2:
                        problems.append("%s: %s" % (cc[0], log2[:2000]))
                failed += bool(problems)
                print("%s %s %s --name=%s%s" % (
                    "FAIL" if problems else "ok  ", stem, target, prefix,
                    "".join("\n  " + p for p in problems)))
    # Two models in one program: only the API names are external.
    main_c = os.path.join(a.work, "main.c")
    with open(main_c, "w") as f:
        f.write('#include "a/model.h"\n#include "b/model.h"\n'
                "int main(void) {\n"
                "  return a_run(0, 0) != BNNC_ERROR_NULL_ARGUMENT ||\n"
                "         b_run(0, 0) != BNNC_ERROR_NULL_ARGUMENT;\n}\n")
    objs, problems = [], []
    for prefix in ("a", "b"):
        d = os.path.join(a.work, prefix)
        os.makedirs(d, exist_ok=True)
        c = os.path.join(d, "model.c")
        rc, log = run([a.bnnc, a.models[0], "-o", c, "--name=" + prefix])
        rc2, log2 = run(["gcc"] + CFLAGS + ["-I" + a.runtime, "-c", c, "-o",
                                            c + ".o"])
        if rc or rc2:
            problems.append(log + log2)
        objs.append(c + ".o")
    rc, log = run(["gcc"] + CFLAGS + ["-I" + a.runtime, "-I" + a.work, main_c]
                  + objs + ["-o", os.path.join(a.work, "both"), "-lm"])
    if rc:
        problems.append(log)
    elif run([os.path.join(a.work, "both")])[0]:
        problems.append("the linked program failed")
    total += 1
    failed += bool(problems)
    print("%s two models linked into one program%s" % (
        "FAIL" if problems else "ok  ", "".join("\n  " + p for p in problems)))
    print("c-namespace: %d of %d checks passed" % (total - failed, total))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
