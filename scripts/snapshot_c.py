#!/usr/bin/env python3
"""snapshot_c.py --bnnc BNNC OUT_DIR: the generated C of every e2e model
(test/e2e/check_models.py's list: binarized and --no-binarize) for the
generic, aarch64 and cortex-m4 targets, written to OUT_DIR/<model>-<variant>-
<target>/. Refactorings that must not change the output (issue 15) are
checked by `diff -r` of two snapshots.
"""
import argparse
import concurrent.futures
import os
import subprocess
import sys

SRC = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(SRC, "test", "e2e"))
import check_models  # noqa: E402

TARGETS = ["generic", "aarch64", "cortex-m4"]


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--bnnc", required=True)
    p.add_argument("out")
    args = p.parse_args()
    jobs = []
    for model_id, onnx, stem, _ in check_models.find_models():
        for variant in ("binary", "float"):
            for target in TARGETS:
                d = os.path.join(args.out, "%s-%s-%s" % (
                    model_id.replace("/", "_"), variant, target))
                os.makedirs(d, exist_ok=True)
                cmd = ([args.bnnc, onnx, "-o", os.path.join(d, stem + ".c"),
                        "--target=" + target] +
                       check_models.EXTRA_ARGS.get(os.path.basename(model_id), []) +
                       (["--no-binarize"] if variant == "float" else []))
                jobs.append(cmd)
    with concurrent.futures.ThreadPoolExecutor(2) as pool:
        codes = list(pool.map(lambda c: subprocess.run(c).returncode, jobs))
    failed = sum(1 for c in codes if c)
    print("snapshot: %d of %d compiles written to %s" % (
        len(jobs) - failed, len(jobs), args.out))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
