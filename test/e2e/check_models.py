#!/usr/bin/env python3
"""check_models.py MODE --bnnc BNNC --runtime DIR --work DIR [options]

Runs one reliability check over every end-to-end model of the test suite
(test/models/*/model.onnx and test/models/bnn/*/model.onnx with their
test_data_set_0, and the two examples), binarized and with --no-binarize:

  sanitize     builds each model's C twice with the harness (or the
               example's main.c): plainly (-O2) and with
               -fsanitize=address,undefined -fno-sanitize-recover=all (-O1),
               for every compiler given with --cc; runs both on the
               reference inputs. The sanitized run must exit 0 with nothing
               on stderr, and its outputs must be bit-identical to the plain
               build's (same compiler, no fast-math: only the sanitizers
               differ). Then both builds run on EXTREME_PATTERNS generated
               inputs of extreme values (harness.c --extreme: NaN, +-Inf,
               +-FLT_MAX, denormals, +-0, out-of-range ids, integer
               limits, ...; the examples get a harness build for this):
               again no report, and per pattern the same run status and
               output digest (NaN == NaN). Accuracy against the references
               is the e2e tests' business; this checks memory and UB
               safety.
  determinism  compiles each model twice, from two different working
               directories, with the model given by an absolute and by a
               relative path, under different TZ/LANG and at different
               times (the whole first round runs before the second); the
               .c and .h files must be byte-identical.
  warnings     compiles each model's C with every --cc compiler and
               --cflags (e.g. -Wall -Wextra -Werror -Wconversion -Wshadow).

Prints one line per model and variant and a summary; exits 1 on any
failure. Models are found by globbing, so a new e2e model is checked
without editing this file; the list printed says what was checked.
"""
import argparse
import concurrent.futures
import glob
import os
import shlex
import shutil
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
SRC = os.path.dirname(os.path.dirname(HERE))
MODELS = os.path.join(SRC, "test", "models")

# Extra bnnc arguments a model needs: a symbolic batch dimension (the whole
# held-out split for issue 13's models, batch 8 for xnor_pool_bn), or a Sign
# of its graph input whose binary kernels the checks should cover
# (docs/binarization.md, "Sign(0)").
EXTRA_ARGS = {"mlp_dynamic": ["--input-shape", "features=4x3x20"],
              "binarynet_bn1d": ["--input-shape", "x=397x64"],
              "bifsmn_pad": ["--input-shape", "x=400x20x32"],
              "xnor_pool_bn": ["--input-shape", "x=8x1x16x16"],
              "if_const": ["--input-shape", "x=2x16"],
              "bifsmn_kws": ["--assume-nonzero-inputs"],
              "binary_shapes": ["--assume-nonzero-inputs"],
              "binary_epilogues": ["--assume-nonzero-inputs"]}

# The examples run with their own driver and data.
EXAMPLES = {
    "digits": ("examples/digits/digits.onnx", "digits",
               ["images.bin", "labels.txt"]),
    "bnn-digits": ("examples/bnn-digits/xnor_digits.onnx", "xnor",
                   ["images.bin", "labels.txt", "pytorch_argmax.txt"]),
}


def find_models():
    """(id, onnx path, C stem, runner) for every e2e model."""
    models = []
    for onnx in sorted(glob.glob(os.path.join(MODELS, "*", "model.onnx")) +
                       glob.glob(os.path.join(MODELS, "bnn", "*", "model.onnx"))):
        d = os.path.dirname(onnx)
        if not os.path.isdir(os.path.join(d, "test_data_set_0")):
            continue
        models.append((os.path.relpath(d, MODELS), onnx, "m", ("harness", d)))
    for name, (path, stem, args) in sorted(EXAMPLES.items()):
        d = os.path.join(SRC, os.path.dirname(path))
        models.append((name, os.path.join(SRC, path), stem,
                       ("example", d, args)))
    return models


# harness.c --extreme: 16 rotating mixes, 16 constant tensors, 16 mixes with
# valid small integer ids.
EXTREME_PATTERNS = 48


def run(cmd, **kw):
    return subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          universal_newlines=True, **kw)


def bnnc(args, onnx, out_c, model_id, variant, cwd=None, env=None):
    cmd = [args.bnnc, onnx, "-o", out_c] + args.bnnc_arg + EXTRA_ARGS.get(
        os.path.basename(model_id), []) + (["--no-binarize"] if variant == "float" else [])
    return run(cmd, cwd=cwd, env=env)


def variant_dir(model_id, variant):
    """The work subdirectory of one model variant."""
    return model_id.replace("/", "_") + "-" + variant


def compile_variant(args, model_id, onnx, stem, variant, work):
    """bnnc the model into its own directory: (directory, error or None)."""
    out = os.path.join(work, variant_dir(model_id, variant))
    os.makedirs(out, exist_ok=True)
    r = bnnc(args, onnx, os.path.join(out, stem + ".c"), model_id, variant)
    return out, ("bnnc failed: " + r.stderr.strip()) if r.returncode else None


def build(args, cc, out_dir, stem, runner, flags, tag, harness=False):
    exe = os.path.join(out_dir, "run-" + tag)
    if runner[0] == "harness" or harness:
        extra = [os.path.join(HERE, "harness.c"),
                 "-DMODEL_HEADER=\"%s.h\"" % stem, "-DMODEL=" + stem,
                 "-DMODEL_MACRO=" + stem.upper()]
    else:
        extra = [os.path.join(runner[1], "main.c")]
    cmd = (shlex.split(cc) + ["-std=c99"] + flags +
           ["-I" + args.runtime, "-I" + out_dir,
            os.path.join(out_dir, stem + ".c")] + extra + ["-o", exe, "-lm"])
    r = run(cmd)
    return exe, r


def raw_inputs(args, model_dir, work):
    """Inputs and references of test_data_set_0 as raw files."""
    data = os.path.join(model_dir, "test_data_set_0")
    files = {"input": [], "output": []}
    for kind in files:
        for i in range(100):
            pb = os.path.join(data, "%s_%d.pb" % (kind, i))
            if not os.path.exists(pb):
                break
            raw = os.path.join(work, "%s_%d.bin" % (kind, i))
            if not os.path.exists(raw):
                r = run([args.pb2raw, pb, raw])
                if r.returncode:
                    raise RuntimeError(r.stderr)
            files[kind].append(raw)
    return files["input"], files["output"]


def check_sanitize(args, model_id, onnx, stem, runner, variant, work):
    out, err = compile_variant(args, model_id, onnx, stem, variant, work)
    if err:
        return err
    for k, cc in enumerate(args.cc):
        plain, r = build(args, cc, out, stem, runner, ["-O2"], "plain%d" % k)
        if r.returncode:
            return "%s: plain build failed: %s" % (cc, r.stderr.strip()[:500])
        san, r = build(args, cc, out, stem, runner,
                       ["-O1", "-g", "-fno-omit-frame-pointer",
                        "-fsanitize=address,undefined",
                        "-fno-sanitize-recover=all"], "san%d" % k)
        if r.returncode:
            return "%s: sanitized build failed: %s" % (cc, r.stderr.strip()[:500])
        env = dict(os.environ, ASAN_OPTIONS="detect_leaks=1:abort_on_error=0",
                   UBSAN_OPTIONS="print_stacktrace=1")
        if runner[0] == "harness":
            ins, refs = raw_inputs(args, runner[1], out)
            # The plain build saves its outputs; the sanitized one must
            # reproduce them exactly (--tol 0).
            p = run([plain, "--tol", "1e30", "--save", plain + "-out"] + ins +
                    ["--"] + refs)
            if p.returncode:
                return "%s: plain run failed: %s" % (cc, p.stdout + p.stderr)
            saved = [plain + "-out%d.bin" % i for i in range(len(refs))]
            s = run([san, "--tol", "0"] + ins + ["--"] + saved, env=env)
            ok = s.returncode == 0 and "PASS" in s.stdout
        else:
            d, files = runner[1], runner[2]
            argv = [os.path.join(d, f) for f in files]
            p = run([plain] + argv)
            s = run([san] + argv, env=env)
            ok = s.returncode == p.returncode and s.stdout == p.stdout
        if not ok or s.stderr.strip():
            return "%s: sanitized run differs or reports:\n%s%s" % (
                cc, s.stdout[-2000:], s.stderr[-4000:])
        if runner[0] != "harness":
            # The examples' own drivers read their data files: build the
            # harness around the same model C for the extreme inputs.
            plain, r = build(args, cc, out, stem, runner, ["-O2"],
                             "xplain%d" % k, harness=True)
            if r.returncode:
                return "%s: plain harness build failed: %s" % (
                    cc, r.stderr.strip()[:500])
            san, r = build(args, cc, out, stem, runner,
                           ["-O1", "-g", "-fno-omit-frame-pointer",
                            "-fsanitize=address,undefined",
                            "-fno-sanitize-recover=all"], "xsan%d" % k,
                           harness=True)
            if r.returncode:
                return "%s: sanitized harness build failed: %s" % (
                    cc, r.stderr.strip()[:500])
        err = check_extreme(cc, plain, san, env)
        if err:
            return err
    return None


def check_extreme(cc, plain, san, env):
    """Both builds on the harness's extreme patterns: clean, same lines."""
    n = str(EXTREME_PATTERNS)
    p = run([plain, "--extreme", n])
    if p.returncode or p.stderr.strip():
        return "%s: plain --extreme run failed (%s):\n%s%s" % (
            cc, p.returncode, p.stdout[-1000:], p.stderr[-3000:])
    s = run([san, "--extreme", n], env=env)
    if s.returncode or s.stderr.strip():
        return "%s: sanitized --extreme run reports (%s):\n%s%s" % (
            cc, s.returncode, s.stdout[-1000:], s.stderr[-4000:])
    if s.stdout != p.stdout or len(p.stdout.splitlines()) != EXTREME_PATTERNS:
        diff = [a + " | " + b for a, b in zip(p.stdout.splitlines(),
                                              s.stdout.splitlines()) if a != b]
        return "%s: --extreme outputs of -O2 and sanitized builds differ: %s" % (
            cc, "; ".join(diff[:3]) or "line counts")
    return None


def check_determinism(args, model_id, onnx, stem, runner, variant, work, rnd):
    """Round `rnd` (0 or 1) writes into its own directory tree."""
    base = os.path.join(work, "round%d" % rnd, variant_dir(model_id, variant))
    os.makedirs(base, exist_ok=True)
    if rnd == 0:
        model, cwd, env = onnx, base, dict(os.environ, TZ="UTC", LANG="C")
    else:
        # A copy of the model (same file name: the generated files name it)
        # under a relative path, another time zone and locale, another
        # working directory.
        shutil.copy(onnx, os.path.join(base, os.path.basename(onnx)))
        model, cwd = os.path.basename(onnx), base
        env = dict(os.environ, TZ="Asia/Kolkata", LANG="C.UTF-8")
    os.makedirs(os.path.join(base, "out"), exist_ok=True)
    r = bnnc(args, model, os.path.join("out", stem + ".c"), model_id, variant,
             cwd=cwd, env=env)
    if r.returncode:
        return "bnnc failed: " + r.stderr.strip()
    return None


def check_warnings(args, model_id, onnx, stem, runner, variant, work):
    out, err = compile_variant(args, model_id, onnx, stem, variant, work)
    if err:
        return err
    for cc in args.cc:
        cmd = (shlex.split(cc) + shlex.split(args.cflags) +
               ["-I" + args.runtime, "-I" + out, "-c",
                os.path.join(out, stem + ".c"), "-o", os.path.join(out, stem + ".o")])
        r = run(cmd)
        if r.returncode or r.stderr.strip():
            return "%s: %s" % (cc, r.stderr.strip()[:3000])
    return None


def main():
    p = argparse.ArgumentParser()
    p.add_argument("mode", choices=["sanitize", "determinism", "warnings"])
    p.add_argument("--bnnc", required=True)
    p.add_argument("--pb2raw")
    p.add_argument("--runtime", required=True)
    p.add_argument("--work", required=True)
    p.add_argument("--cc", action="append", default=[],
                   help="C compiler command (repeatable)")
    p.add_argument("--cflags", default="")
    p.add_argument("--jobs", type=int, default=2)
    p.add_argument("--bnnc-arg", action="append", default=[],
                   help="extra bnnc argument, e.g. --target=aarch64 (repeatable)")
    args = p.parse_args()
    if os.path.exists(args.work):
        shutil.rmtree(args.work)
    os.makedirs(args.work)
    models = find_models()
    failures = 0
    checked = 0
    variants = ["binary", "float"]
    if args.mode == "determinism":
        for rnd in (0, 1):
            for model_id, onnx, stem, runner in models:
                for v in variants:
                    err = check_determinism(args, model_id, onnx, stem, runner, v,
                                            args.work, rnd)
                    if err:
                        print("FAIL %s (%s): %s" % (model_id, v, err))
                        failures += 1
            if rnd == 0:
                time.sleep(1.1)  # the two rounds differ in wall-clock seconds
        for model_id, onnx, stem, runner in models:
            for v in variants:
                key = variant_dir(model_id, v)
                same = True
                for ext in (".c", ".h"):
                    a, b = [os.path.join(args.work, "round%d" % r, key, "out",
                                         stem + ext) for r in (0, 1)]
                    if not (os.path.exists(a) and os.path.exists(b)):
                        same = False
                        continue
                    with open(a, "rb") as fa, open(b, "rb") as fb:
                        same &= fa.read() == fb.read()
                checked += 1
                print("%s %s (%s): %s" % ("ok  " if same else "FAIL", model_id, v,
                                          "identical .c and .h" if same else "outputs differ"))
                failures += not same
    else:
        check = check_sanitize if args.mode == "sanitize" else check_warnings
        jobs = [(m, v) for m in models for v in variants]
        with concurrent.futures.ThreadPoolExecutor(args.jobs) as pool:
            results = pool.map(
                lambda job: check(args, *job[0], job[1], args.work), jobs)
            for ((model_id, _, _, _), v), err in zip(jobs, results):
                checked += 1
                print("%s %s (%s)%s" % ("FAIL" if err else "ok  ", model_id, v,
                                        ": " + err if err else ""))
                failures += bool(err)
    print("%s: %d of %d model variants passed" % (args.mode, checked - failures, checked))
    sys.exit(1 if failures or not checked else 0)


if __name__ == "__main__":
    main()
