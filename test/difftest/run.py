#!/usr/bin/env python3
"""Differential test runner of bnnc (docs/difftest.md).

    run.py [--bnnc PATH] [--work DIR] [--jobs 2] [--targets LIST]
           [--tol T] [--batch K] [--json FILE] [MODELDIR_OR_CORPUS...]
           [--gen N --seed S [--chunk 200] [--ort | --int8] [--gen-arg ARG]...]

Every argument is a model directory (model.onnx, meta.json, in_*/ref_*.bin,
as written by gen.py) or a directory of such directories. Needs only
python3 (no numpy, no torch) and the cross toolchains of scripts/setup.sh.
--gen N also generates N models with gen.py (Debian's /usr/bin/python3
with torch) in chunks, runs them, keeps the failing ones and, with --ort,
checks their references with onnxruntime (ort_check.py). With --int8,
--gen draws quantized models with qgen.py instead, whose references are
onnxruntime's (run them with --tol 0: the int8 paths are exact).

Per model, bnnc compiles four variants:
    generic      --target=generic, built with the host cc
    nobin        --target=generic --no-binarize (the float path), host cc
    aarch64      --target=aarch64, aarch64-linux-gnu-gcc -static, qemu-aarch64
    cortex-m4    --target=cortex-m4, arm-none-eabi-gcc, qemu-system-arm
                 mps2-an386 (test/cortexm/startup.c, mps2.ld, semihosting)
Several models are linked into one program (one QEMU boot) per variant;
a driver runs each on both input sets and writes the outputs to files.

Checks (each failure is one line, "FAIL model variant kind: detail"):
  - bnnc exits 0, or non-zero with a "bnnc: error:" line (a clean error,
    counted); a non-zero exit with an empty stderr, a crash or a timeout is
    a failure;
  - the generated C compiles without warnings (-Wall -Wextra -pedantic) and
    runs (status 0, no crash);
  - on every row that is not near-threshold (meta.json): argmax equals
    PyTorch's (unless PyTorch's top two are within the tolerance of each
    other: a tie) and every logit is within TOL*max(1, max|ref| of the row)
    of PyTorch's;
    rows with an exact zero at a binarizer input are held to the same rule
    (ONNX Sign(0) = 0 is the reference);
  - the binarized generic C agrees with the --no-binarize C, and aarch64
    and cortex-m4 with generic, within the same tolerance and argmax.
Prints one line per failure, then the counts, then "N passed, M failed"
(models); exit status 1 on any failure.
"""
import argparse
import array
import concurrent.futures
import json
import os
import re
import shutil
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
SRC = os.path.dirname(os.path.dirname(HERE))
CORTEXM = os.path.join(SRC, "test", "cortexm")

VARIANTS = ["generic", "nobin", "aarch64", "cortex-m4"]
BNNC_ARGS = {
    "generic": ["--target=generic"],
    "nobin": ["--target=generic", "--no-binarize"],
    "aarch64": ["--target=aarch64"],
    "cortex-m4": ["--target=cortex-m4"],
}
WARN = ["-Wall", "-Wextra", "-pedantic"]
M4 = ["-mcpu=cortex-m4", "-mthumb", "-mfloat-abi=hard", "-mfpu=fpv4-sp-d16"]


def cc_for(variant):
    """(compile command prefix, link-only flags, runner prefix)."""
    if variant in ("generic", "nobin"):
        return (["cc", "-std=c99", "-O2"], ["-lm"], [])
    if variant == "aarch64":
        return (["aarch64-linux-gnu-gcc", "-std=c99", "-O2"], ["-static", "-lm"],
                ["qemu-aarch64"])
    if variant == "cortex-m4":
        return (["arm-none-eabi-gcc", "-std=c99", "-O2", "-ffunction-sections",
                 "-fdata-sections"] + M4,
                ["--specs=rdimon.specs", "-nostartfiles", "-T",
                 os.path.join(CORTEXM, "mps2.ld"), "-Wl,--gc-sections", "-lm"],
                None)
    raise ValueError(variant)


def run_cmd(cmd, timeout, cwd=None):
    """(returncode or 'timeout', stdout, stderr). A program that is missing
    or busy (bnnc while it is being rebuilt) is waited for, up to 10 min."""
    timeouts = 0
    for attempt in range(120):
        try:
            r = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               timeout=timeout, cwd=cwd)
            return (r.returncode, r.stdout.decode("utf-8", "replace"),
                    r.stderr.decode("utf-8", "replace"))
        except subprocess.TimeoutExpired as e:
            # Once more: a loaded (or paused) machine is not a hang.
            timeouts += 1
            if timeouts < 2:
                continue
            return ("timeout", (e.stdout or b"").decode("utf-8", "replace"),
                    (e.stderr or b"").decode("utf-8", "replace"))
        except OSError as e:
            if attempt == 119:
                return (127, "", "run.py: cannot run %s: %s" % (cmd[0], e))
            time.sleep(5)


def bnnc_ready(bnnc):
    """The compiler binary is rebuilt from time to time: wait for it."""
    for _ in range(120):
        if os.path.isfile(bnnc) and os.access(bnnc, os.X_OK):
            r = run_cmd([bnnc, "--version"], 30)
            if r[0] == 0:
                return True
        time.sleep(5)
    return False


# ---------------------------------------------------------------------------
# Models
# ---------------------------------------------------------------------------

class Model:
    def __init__(self, path):
        self.dir = os.path.abspath(path)
        self.id = os.path.basename(self.dir)
        if os.path.basename(os.path.dirname(self.dir)) == "regressions":
            self.id = "regressions/" + self.id
        with open(os.path.join(self.dir, "meta.json")) as f:
            self.meta = json.load(f)
        self.sets = len(self.meta["sets"])
        self.nin = len(self.meta["inputs"])
        self.nout = len(self.meta["outputs"])
        self.results = {}    # variant -> {"outputs": [[floats]...] per set}
        self.failures = []   # (variant, kind, detail)
        self.warnings = {}   # variant -> [lines]
        self.clean_errors = {}
        self.report = {}

    def ref(self, s, k=0):
        return read_f32(os.path.join(self.dir, "ref_%d_%d.bin" % (s, k)))

    def fail(self, variant, kind, detail):
        self.failures.append((variant, kind, detail))


def find_models(paths):
    out = []
    for p in paths:
        p = os.path.abspath(p)
        if not os.path.isdir(p):
            sys.exit("run.py: no directory %s" % p)
        if os.path.isfile(os.path.join(p, "meta.json")):
            out.append(Model(p))
            continue
        for name in sorted(os.listdir(p)):
            d = os.path.join(p, name)
            if os.path.isfile(os.path.join(d, "meta.json")):
                out.append(Model(d))
    return out


def read_f32(path):
    a = array.array("f")
    with open(path, "rb") as f:
        a.frombytes(f.read())
    if sys.byteorder != "little":
        a.byteswap()
    return a


# ---------------------------------------------------------------------------
# Building and running one batch of models for one variant
# ---------------------------------------------------------------------------

DRIVER_HEAD = r"""/* generated by test/difftest/run.py: runs each model on its input sets */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
"""

DRIVER_BODY = r"""
static int read_file(const char *path, void *buf, size_t bytes) {
  FILE *f = fopen(path, "rb");
  if (!f) return 0;
  size_t got = fread(buf, 1, bytes, f);
  fclose(f);
  return got == bytes;
}

static int write_file(const char *path, const void *buf, size_t bytes) {
  FILE *f = fopen(path, "wb");
  if (!f) return 0;
  size_t put = fwrite(buf, 1, bytes, f);
  fclose(f);
  return put == bytes;
}

int main(int argc, char **argv) {
  int first = argc > 1 ? atoi(argv[1]) : 0;
  char path[1024];
  for (int m = first; m < (int)(sizeof models / sizeof models[0]); ++m) {
    const entry *e = &models[m];
    printf("begin %d\n", m);
    fflush(stdout);
    for (int s = 0; s < e->nsets; ++s) {
      const void *in[8];
      void *out[8];
      for (int i = 0; i < e->nin; ++i) {
        void *b = malloc(e->in[i].bytes ? e->in[i].bytes : 1);
        snprintf(path, sizeof path, "%s/in_%d_%d.bin", e->src, s, i);
        if (!b || !read_file(path, b, e->in[i].bytes)) {
          printf("input %d %s\n", m, path);
          return 3;
        }
        in[i] = b;
      }
      for (int i = 0; i < e->nout; ++i) {
        out[i] = malloc(e->out[i].bytes ? e->out[i].bytes : 1);
        memset(out[i], 0xA5, e->out[i].bytes);
      }
      int status = e->run(in, out);
      if (status != 0)
        printf("status %d %d %d\n", m, s, status);
      for (int i = 0; i < e->nout; ++i) {
        snprintf(path, sizeof path, "%s/o_%d_%d.bin", e->dst, s, i);
        if (!write_file(path, out[i], e->out[i].bytes)) {
          printf("output %d %s\n", m, path);
          return 3;
        }
        free(out[i]);
      }
      for (int i = 0; i < e->nin; ++i)
        free((void *)in[i]);
    }
    printf("done %d\n", m);
    fflush(stdout);
  }
  return 0;
}
"""


def attribute(stderr, syms):
    """(model symbol, first warning line) for every model of a unity build
    whose file (or a header it includes) has a compiler diagnostic."""
    found = {}
    current = None
    for line in stderr.splitlines():
        mm = re.search(r"\b(d\d{3})\.[ch]\b", line)
        if mm and mm.group(1) in syms:
            current = mm.group(1)
        if ("warning:" in line or "error:" in line) and current:
            found.setdefault(current, line.strip())
    return sorted(found.items())


def write_driver(path, entries):
    """entries: (symbol, source dir, output dir, nsets)."""
    lines = [DRIVER_HEAD]
    for sym, _, _, _ in entries:
        lines.append('#include "%s.h"\n' % sym)
    lines.append("""
typedef struct {
  const char *src, *dst;
  int (*run)(const void *const inputs[], void *const outputs[]);
  const bnnc_tensor_desc *in, *out;
  int nin, nout, nsets;
} entry;
static const entry models[] = {
""")
    for sym, src, dst, nsets in entries:
        up = sym.upper()
        lines.append('  {"%s", "%s", %s_run, %s_inputs, %s_outputs, %s_NUM_INPUTS, '
                     '%s_NUM_OUTPUTS, %d},\n' % (src, dst, sym, sym, sym, up, up, nsets))
    lines.append("};\n")
    lines.append(DRIVER_BODY)
    with open(path, "w") as f:
        f.write("".join(lines))


def run_program(variant, exe, first, timeout):
    if variant == "cortex-m4":
        cmd = [sys.executable, os.path.join(CORTEXM, "qemu_run.py"), "--timeout",
               str(timeout), "m4", exe, str(first)]
    else:
        cmd = cc_for(variant)[2] + [exe, str(first)]
    return run_cmd(cmd, timeout + 30)


PHASES = {}


def phase(name, t0):
    PHASES[name] = PHASES.get(name, 0.0) + time.time() - t0
    return time.time()


def run_batch(batch_id, models, variant, args, runtime):
    """Compiles and runs `models` for one variant; records per-model results
    and failures in the Model objects. Returns seconds spent."""
    t0 = time.time()
    work = os.path.join(args.work, "b%03d" % batch_id, variant)
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(work)
    cc, ldflags, _ = cc_for(variant)
    entries, objs, by_sym = [], [], {}
    for i, m in enumerate(models):
        sym = "d%03d" % i
        mdir = os.path.join(work, sym)
        os.makedirs(mdir)
        c_file = os.path.join(work, sym + ".c")
        rep = os.path.join(mdir, "report.json")
        cmd = [args.bnnc, os.path.join(m.dir, "model.onnx"), "-o", c_file,
               "--name=" + sym, "--report=" + rep] + BNNC_ARGS[variant]
        tp = time.time()
        rc, out, err = run_cmd(cmd, args.bnnc_timeout)
        tp = phase("bnnc", tp)
        warns = [l for l in err.splitlines() if "warning" in l]
        if warns:
            m.warnings[variant] = warns
        if rc == "timeout":
            m.fail(variant, "bnnc-timeout", "no result after %ds" % args.bnnc_timeout)
            continue
        if rc != 0:
            errs = [l for l in err.splitlines() if l.strip()]
            if rc < 0 or rc >= 128:
                m.fail(variant, "bnnc-crash", "exit %d: %s" % (rc, (errs or [""])[-1][:200]))
            elif not errs:
                m.fail(variant, "bnnc-silent-exit", "exit %d with an empty stderr" % rc)
            elif not any(l.startswith("bnnc: error:") for l in errs):
                m.fail(variant, "bnnc-no-error-line", "exit %d: %s" % (rc, errs[0][:200]))
            else:
                m.clean_errors[variant] = errs[0][:300]
            continue
        if not (os.path.isfile(c_file) and os.path.isfile(os.path.join(work, sym + ".h"))):
            m.fail(variant, "bnnc-no-output", "exit 0 but no .c/.h")
            continue
        try:
            with open(rep) as f:
                m.report[variant] = json.load(f)
        except (OSError, ValueError):
            pass
        entries.append((sym, m.dir, mdir, m.sets))
        by_sym[sym] = m
        m.results[variant] = {"dir": mdir}
    # One translation unit for all models of the batch (their symbols carry
    # their prefixes): the runtime kernels are compiled once, not per model.
    tp = time.time()
    objs = []
    todo = list(entries)
    while todo:
        unity = os.path.join(work, "unity%d.c" % len(objs))
        with open(unity, "w") as f:
            f.write("".join('#include "%s.c"\n' % e[0] for e in todo))
        obj = unity[:-2] + ".o"
        rc, out, err = run_cmd(cc + WARN + ["-I" + runtime, "-I" + work, "-c", unity,
                                            "-o", obj], args.cc_timeout)
        if rc == 0:
            for sym, line in attribute(err, [e[0] for e in todo]):
                if line:
                    by_sym[sym].fail(variant, "cc-warning", line[:300])
            objs.append(obj)
            break
        # Find the model(s) that do not compile, alone.
        ok = []
        for e in todo:
            m = by_sym[e[0]]
            rc, out, err = run_cmd(cc + WARN + ["-I" + runtime, "-I" + work, "-c",
                                                os.path.join(work, e[0] + ".c"), "-o",
                                                os.path.join(work, e[0] + ".o")],
                                   args.cc_timeout)
            if rc != 0:
                m.fail(variant, "cc-error", (err.strip().splitlines() or [str(rc)])[0][:300])
                m.results.pop(variant, None)
            else:
                ok.append(e)
        if len(ok) == len(todo):  # fails together only: report it on all
            for e in todo:
                by_sym[e[0]].fail(variant, "cc-error", "unity build: " +
                                  (err.strip().splitlines() or [""])[0][:300])
                by_sym[e[0]].results.pop(variant, None)
            ok = []
        todo = ok
    entries = [e for e in entries if variant in by_sym[e[0]].results]
    phase("cc " + variant, tp)
    if not entries:
        return time.time() - t0
    drv = os.path.join(work, "driver.c")
    write_driver(drv, entries)
    exe = os.path.join(work, "run.elf" if variant == "cortex-m4" else "run")
    link = cc + ["-I" + runtime, "-I" + work, drv] + objs
    if variant == "cortex-m4":
        start = os.path.join(work, "startup.o")
        rc, _, err = run_cmd(cc[:1] + M4 + ["-O2", "-std=gnu99", "-c",
                             os.path.join(CORTEXM, "startup.c"), "-o", start], 120)
        link += [start]
    tp = time.time()
    rc, _, err = run_cmd(link + ["-o", exe] + ldflags, args.cc_timeout)
    tp = phase("link " + variant, tp)
    if rc != 0:
        for e in entries:
            by_sym[e[0]].fail(variant, "link-error", (err.strip().splitlines() or [""])[0][:300])
            by_sym[e[0]].results.pop(variant, None)
        return time.time() - t0
    first = 0
    while first < len(entries):
        rc, out, err = run_program(variant, exe, first, args.run_timeout)
        tp = phase("run " + variant, tp)
        begun, done = [], set()
        for line in out.splitlines():
            w = line.split()
            if len(w) >= 2 and w[0] in ("begin", "done"):
                (begun.append if w[0] == "begin" else done.add)(int(w[1]))
            elif len(w) == 4 and w[0] == "status":
                m = by_sym[entries[int(w[1])][0]]
                m.fail(variant, "run-status", "set %s: run returned %s" % (w[2], w[3]))
        if rc == 0:
            break
        crashed = [b for b in begun if b not in done]
        if not crashed:
            for e in entries[first:]:
                by_sym[e[0]].fail(variant, "run-error", "exit %s: %s" % (rc, err.strip()[:200]))
                by_sym[e[0]].results.pop(variant, None)
            break
        c = crashed[0]
        m = by_sym[entries[c][0]]
        what = "timeout" if rc in ("timeout", 124) else "exit %s" % rc
        m.fail(variant, "run-crash", "%s %s" % (what, err.strip()[:200]))
        m.results.pop(variant, None)
        first = c + 1
    for sym, _, mdir, nsets in entries:
        m = by_sym[sym]
        if variant not in m.results:
            continue
        outs = []
        try:
            for s in range(nsets):
                outs.append([read_f32(os.path.join(mdir, "o_%d_%d.bin" % (s, k)))
                             for k in range(m.nout)])
        except OSError as e:
            m.fail(variant, "run-no-output", str(e)[:200])
            m.results.pop(variant, None)
            continue
        m.results[variant]["outputs"] = outs
    if not args.keep:
        for f in os.listdir(work):
            if f.endswith((".o", ".elf")) or f == "run":
                os.remove(os.path.join(work, f))
    return time.time() - t0


# ---------------------------------------------------------------------------
# Comparisons
# ---------------------------------------------------------------------------

def close(a, b, tol, scale):
    """|a - b| <= tol * scale (scale: max(1, largest |ref| of the row))."""
    if a != a or b != b:
        return a != a and b != b
    return abs(a - b) <= tol * scale


def argmax(row):
    best = 0
    for i in range(1, len(row)):
        if row[i] > row[best]:
            best = i
    return best


def compare_rows(y, ref, rows, tol, errs=None):
    """Per row: None if it matches, else a description. A row matches when
    every |y - ref| <= tol * max(1, max |ref| of the row) and the argmax is
    the reference's (or the reference's two candidates are within that
    tolerance of each other: a tie). errs: per row, the largest
    |y - ref| / max(1, max |ref|) is appended."""
    n = len(ref) // rows
    out = []
    for r in range(rows):
        yr, rr = y[r * n:(r + 1) * n], ref[r * n:(r + 1) * n]
        scale = max([1.0] + [abs(v) for v in rr if v == v])
        if errs is not None:
            errs.append(max([abs(a - b) / scale for a, b in zip(yr, rr)] or [0.0]))
        bad = [j for j in range(n) if not close(yr[j], rr[j], tol, scale)]
        ay, ar = argmax(yr), argmax(rr)
        msg = None
        if ay != ar and abs(rr[ay] - rr[ar]) > 2 * tol * scale:
            msg = "argmax %d != %d" % (ay, ar)
        if bad:
            j = bad[0]
            d = "%d logits off, [%d] %.7g vs %.7g" % (len(bad), j, yr[j], rr[j])
            msg = msg + ", " + d if msg else d
        out.append(msg)
    return out


def check_model(m, tol, stats):
    meta = m.meta
    rows = meta["inputs"][0]["shape"][0]
    got = {v: m.results[v]["outputs"] for v in VARIANTS
           if v in m.results and "outputs" in m.results[v]}
    pairs = [(v, "pytorch") for v in got] + [
        ("generic", "nobin"), ("aarch64", "generic"), ("cortex-m4", "generic")]
    for s, st in enumerate(meta["sets"]):
        near, zero = st["near"], st["zero"]
        stats["near_rows"] += sum(near)
        stats["rows"] += rows
        stats["zero_rows"] += sum(1 for r in range(rows) if zero[r] and not near[r])
        ref = m.ref(s)
        for a, b in pairs:
            if a not in got or (b != "pytorch" and b not in got):
                continue
            yb = ref if b == "pytorch" else got[b][s][0]
            errs = []
            res = compare_rows(got[a][s][0], yb, rows, tol, errs)
            bad = [r for r in range(rows) if res[r] and not near[r]]
            key = "%s-vs-%s" % (a, b)
            for r in range(rows):
                if not near[r] and not res[r]:
                    e = stats["max_err"].get(key, (0.0, ""))
                    if errs[r] > e[0]:
                        stats["max_err"][key] = (errs[r], "%s set %d row %d" % (m.id, s, r))
            near_bad = [r for r in range(rows) if res[r] and near[r]]
            if b == "pytorch":
                stats["near_mismatch"] += len(near_bad)
            if bad:
                r = bad[0]
                kind = "mismatch" if b == "pytorch" else "disagree-" + b
                z = sum(1 for x in bad if zero[x])
                m.fail(a, kind, "set %s: %d/%d rows (%d with exact zeros at a binarizer), "
                       "row %d%s: %s" % (st["name"], len(bad), rows, z, r,
                                         " (zero)" if zero[r] else "", res[r]))


def evaluate(models, variants, args, runtime):
    """Compiles, runs and checks `models` for `variants`; failures end up in
    each Model. Returns the row statistics."""
    os.makedirs(args.work, exist_ok=True)
    batches = [models[i:i + args.batch] for i in range(0, len(models), args.batch)]
    tasks = [(b, v) for v in variants for b in range(len(batches))]
    # Longest first: the Cortex-M and aarch64 batches (QEMU).
    tasks.sort(key=lambda t: (t[1] not in ("cortex-m4", "aarch64"), t[0]))
    with concurrent.futures.ThreadPoolExecutor(args.jobs) as ex:
        futs = [ex.submit(run_batch, b, batches[b], v, args, runtime) for b, v in tasks]
        for f in futs:
            f.result()
    stats = {"rows": 0, "near_rows": 0, "zero_rows": 0, "near_mismatch": 0, "max_err": {}}
    for m in models:
        check_model(m, args.tol, stats)
    if not args.keep:
        for b, batch in enumerate(batches):
            if not any(m.failures for m in batch):
                shutil.rmtree(os.path.join(args.work, "b%03d" % b), ignore_errors=True)
    return stats


def runtime_dir(bnnc):
    return run_cmd([bnnc, "--print-runtime-dir"], 60)[1].strip()


def summarize_report(rep):
    layers = rep.get("layers", [])
    return (sum(1 for l in layers if l.get("binary") and l.get("macs")),
            any(l.get("note") for l in layers))


def ort_check(models, gen_dir, args):
    """The second oracle on a generated chunk: a model whose PyTorch
    reference onnxruntime disagrees with gets an "oracle" failure."""
    r = run_cmd([args.gen_python, os.path.join(HERE, "ort_check.py"), "--tol", str(args.tol),
                 "--work", os.path.join(args.work, "ort")] + [m.dir for m in models], 1800)
    by_id = {m.id: m for m in models}
    for line in r[1].splitlines():
        w = line.split(" ", 2)
        if len(w) == 3 and w[0] == "FAIL" and w[1] in by_id:
            by_id[w[1]].fail("onnxruntime", "oracle", w[2][:300])
    if r[0] not in (0, 1):
        print("note: ort_check.py failed: %s" % (r[2].strip().splitlines() or [""])[-1])
    ORT_CHECKED[0] += len(models)


ORT_CHECKED = [0]


class Totals:
    """Accumulated results over the chunks of a run."""

    def __init__(self):
        self.passed = self.failed = self.warned = self.clean = self.binary = 0
        self.kinds = {}
        self.stats = {"rows": 0, "near_rows": 0, "zero_rows": 0, "near_mismatch": 0,
                      "max_err": {}}
        self.records = []

    def add(self, models, stats, keep_failing=None):
        for k in ("rows", "near_rows", "zero_rows", "near_mismatch"):
            self.stats[k] += stats[k]
        for k, v in stats["max_err"].items():
            if v[0] > self.stats["max_err"].get(k, (0.0, ""))[0]:
                self.stats["max_err"][k] = v
        for m in models:
            for v, kind, detail in m.failures:
                print("FAIL %s %s %s: %s" % (m.id, v, kind, detail), flush=True)
                self.kinds[kind] = self.kinds.get(kind, 0) + 1
            if m.failures:
                self.failed += 1
            else:
                self.passed += 1
            if any(any("float path" in w or "kept real" in w for w in ws)
                   for ws in m.warnings.values()):
                self.warned += 1
            if m.clean_errors:
                self.clean += 1
                for v, e in sorted(m.clean_errors.items()):
                    print("note %s %s clean error: %s" % (m.id, v, e), flush=True)
            binary = bool(m.report.get("generic") and summarize_report(m.report["generic"])[0])
            self.binary += binary
            self.records.append({"id": m.id, "family": m.meta["spec"]["family"],
                                 "failures": m.failures, "warnings": m.warnings,
                                 "clean_errors": m.clean_errors, "binary": binary,
                                 "near_rows": sum(sum(st["near"]) for st in m.meta["sets"])})

    def summary(self, variants, seconds):
        st = self.stats
        print("models: %d (%s), %d with binary kernels on generic, %d with a bnnc warning "
              "(a layer kept on the float path), %d with a clean bnnc error" % (
                  self.passed + self.failed, ", ".join(variants), self.binary, self.warned,
                  self.clean))
        print("largest scaled error of a matching row: " + ", ".join(
            "%s %.2g (%s)" % (k, v[0], v[1]) for k, v in sorted(st["max_err"].items())))
        print("rows: %d checked (each on every variant), %d near-threshold (not required to "
              "match; %d row x variant results among them differed from PyTorch), %d of the "
              "checked rows with exact zeros at a binarizer input"
              % (st["rows"] - st["near_rows"], st["near_rows"], st["near_mismatch"],
                 st["zero_rows"]))
        if self.kinds:
            print("failures by kind: " + ", ".join("%s %d" % kv
                                                   for kv in sorted(self.kinds.items())))
        if ORT_CHECKED[0]:
            print("onnxruntime checked the references of %d generated models (%d disagree)"
                  % (ORT_CHECKED[0], self.kinds.get("oracle", 0)))
        print("time: %.0f s (cpu-seconds by phase: %s)" % (seconds, ", ".join(
            "%s %.0f" % kv for kv in sorted(PHASES.items()))))
        print("%d passed, %d failed" % (self.passed, self.failed), flush=True)


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("paths", nargs="*")
    ap.add_argument("--gen", type=int, default=0, metavar="N",
                    help="also generate N models with gen.py (needs torch) and run them")
    ap.add_argument("--seed", type=int, default=1, help="seed of --gen")
    ap.add_argument("--chunk", type=int, default=200,
                    help="--gen generates and runs this many models at a time")
    ap.add_argument("--gen-arg", action="append", default=[],
                    help="an extra argument for gen.py (repeatable), e.g. "
                         "--gen-arg=--untrained-percent=100")
    ap.add_argument("--gen-python", default="/usr/bin/python3",
                    help="the Python with torch and onnx, for --gen")
    ap.add_argument("--int8", action="store_true",
                    help="--gen draws quantized models with qgen.py (numpy, onnx and "
                         "onnxruntime-node on NODE_PATH; their references are "
                         "onnxruntime's) instead of binarized ones with gen.py")
    ap.add_argument("--ort", action="store_true",
                    help="with --gen: also check the references with onnxruntime "
                         "(ort_check.py; needs onnx and test/difftest/ort/node_modules)")
    ap.add_argument("--bnnc", default=os.path.join(SRC, "build", "bin", "bnnc"))
    ap.add_argument("--work", default=os.path.join(SRC, "build", "difftest-work"))
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--batch", type=int, default=25, help="models per program")
    ap.add_argument("--targets", default=",".join(VARIANTS))
    ap.add_argument("--tol", type=float, default=1e-4)
    ap.add_argument("--json", help="write the per-model results here")
    ap.add_argument("--keep", action="store_true",
                    help="keep the work files (and the generated models) of passing models")
    ap.add_argument("--bnnc-timeout", type=int, default=120)
    ap.add_argument("--cc-timeout", type=int, default=300)
    ap.add_argument("--run-timeout", type=int, default=600)
    args = ap.parse_args()
    args.bnnc = os.path.abspath(args.bnnc)
    args.work = os.path.abspath(args.work)
    variants = [v for v in args.targets.split(",") if v]
    for v in variants:
        if v not in VARIANTS:
            sys.exit("run.py: unknown variant %s (one of %s)" % (v, ", ".join(VARIANTS)))
    if not bnnc_ready(args.bnnc):
        sys.exit("run.py: no working bnnc at %s" % args.bnnc)
    runtime = runtime_dir(args.bnnc)
    t0 = time.time()
    totals = Totals()
    chunks = []
    if args.paths:
        models = find_models(args.paths)
        if not models and not args.gen:
            sys.exit("run.py: no models in %s" % " ".join(args.paths))
        if models:
            chunks.append(("models", models))
    for start in range(0, args.gen, args.chunk):
        chunks.append(("gen", start))
    for kind, what in chunks:
        if kind == "gen":
            out = os.path.join(args.work, "gen-s%d" % args.seed)
            count = min(args.chunk, args.gen - what)
            script = "qgen.py" if args.int8 else "gen.py"
            r = subprocess.run([args.gen_python, os.path.join(HERE, script), "--seed",
                                str(args.seed), "--start", str(what), "--count", str(count),
                                "--out", out] + args.gen_arg, stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL if args.int8 else None)
            if r.returncode:
                sys.exit("run.py: %s failed" % script)
            names = [("q%d_%04d" if args.int8 else "s%d_%04d") % (args.seed, i)
                     for i in range(what, what + count)]
            models = [Model(os.path.join(out, n)) for n in names]
        else:
            models = what
        stats = evaluate(models, variants, args, runtime)
        if args.ort and kind == "gen" and not args.int8:
            ort_check(models, out, args)
        totals.add(models, stats)
        if not args.keep:
            for m in models:
                if not m.failures and kind == "gen":
                    shutil.rmtree(m.dir, ignore_errors=True)
        print("... %d models done, %d failed, %.0f s" % (
            totals.passed + totals.failed, totals.failed, time.time() - t0), flush=True)
    totals.summary(variants, time.time() - t0)
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"variants": variants, "tol": args.tol, "seed": args.seed,
                       "ort": ORT_CHECKED[0],
                       "stats": totals.stats, "passed": totals.passed,
                       "failed": totals.failed, "seconds": round(time.time() - t0, 1),
                       "models": totals.records}, f, indent=1)
    return 1 if totals.failed else 0


if __name__ == "__main__":
    sys.exit(main())
