#!/usr/bin/env python3
"""ONNX conformance suite runner for bnnc.

Walks the ONNX backend test data (Debian package libonnx-testdata, by default
/usr/share/libonnx-testdata/data/<category>/<test>/: model.onnx plus
test_data_set_*/input_*.pb and output_*.pb TensorProto files), compiles every
model bnnc claims to support to C, builds it with the generic C harness
(test/e2e/harness.c) and compares its outputs with the reference outputs.
Python 3 standard library only.

Rules (docs/conformance.md explains them in full):

SELECTION. A test is *selected* iff `bnnc --check-support model.onnx` exits 0
  (every node's operator, opset and element types are in bnnc's supported
  table). Exit 3 = not selected; its `bnnc: unsupported: ...` lines are
  tallied as the reasons. Exit 1 = the model could not be imported although
  its operators are supported: the test counts as selected and FAILED (as does
  any other exit status, e.g. a crash). There is no hand-written exclusion
  list: element types bnnc deliberately does not handle (float64, float16,
  bfloat16, string, complex, uint16/32/64, ...) are rejected by
  --check-support itself. A selected test passes iff every data set passes.
  (--emulate-check-support is a stop-gap for a bnnc without --check-support:
  the test is compiled and counts as not selected iff bnnc's error is one
  that --check-support turns into exit 3, see EMULATED_UNSUPPORTED_RE.)

CONST-INPUT RULE. bnnc compiles static shapes, so graph inputs that determine
  shapes (Reshape's shape, Slice's starts/ends, Expand's shape, TopK's K, ...)
  must be known at compile time. The model is first compiled as is. If that
  fails with an error that mentions a symbolic/dynamic shape or a
  non-constant shape-determining input (the message matches CONST_RETRY_RE:
  "symbolic", "static", "dynamic", "constant", "compile time"), it is compiled
  again, once per data set, with `--const-input NAME=<data set>/input_k.pb`
  for EVERY graph input of integer element type (int64, int32); those inputs
  disappear from the generated C's inputs and the remaining ones are passed to
  the harness in the model's order. A float input is bound only when bnnc's
  error names it as one that must be constant ("graph input 'NAME';
  --const-input binds it": Resize's scales and roi, Upsample's scales, which
  determine the output shape or the sampling grid like an integer shape input
  does); data inputs are never bound. The report marks such tests
  "const-inputs".

TOLERANCE. Float outputs pass when |y - ref| <= atol + rtol * |ref|
  elementwise, NaN matches NaN only, an infinity only the same infinity;
  integer and bool outputs must be bit-exact. Default rtol 1e-4, atol 1e-5;
  TOLERANCE_OVERRIDES widens it per operator (the widest entry of any operator
  in the model applies), each entry with its justification.
  REFERENCE_ERRATA widens it for tests whose reference outputs were not
  computed from the model's own definition (each entry: which tests, the
  reference's mistake and the bound on the error it makes).

SANITIZER PASS (--sanitize-cc, docs/reliability.md "The generated C"). Each
  passing test in the sanitizer slice (all of them with the default
  --sanitize-every 1; with N > 1 those whose hash plus --sanitize-seed is
  divisible by N) is built once more per --sanitize-cc compiler with
  -fsanitize=address,undefined -fno-sanitize-recover=all (same -O1) and run
  on the harness's SANITIZE_PATTERNS extreme-value input patterns
  (harness.c --extreme: NaN, +-Inf, +-FLT_MAX, denormals, +-0, integer
  limits, out-of-range ids, ...) next to the plain build: no sanitizer
  report, and per pattern the same run status and output digest (NaN ==
  NaN). A test that fails this fails. Bound inputs (const-input rule) keep
  their data set values.

Output: one line per failing test, the number of tests not selected with the
top reasons, and finally exactly "N selected, N passed, N failed". Exit status
1 if a selected test failed (or fewer than --min-selected were selected), 2 on
a usage or set-up error, else 0.

Run one test:  run_conformance.py ... --filter '^node/test_add$'
"""

import argparse
import collections
import concurrent.futures
import hashlib
import json
import os
import re
import shlex
import shutil
import subprocess
import sys

DEFAULT_DATA = "/usr/share/libonnx-testdata/data"
# Hand-written per-operator remarks appended to the generated table.
NOTES_MD = os.path.join(os.path.dirname(os.path.abspath(__file__)),
                        "supported-ops-notes.md")

# --- tolerances -------------------------------------------------------------

DEFAULT_RTOL = 1e-4
DEFAULT_ATOL = 1e-5

# Per-operator tolerance overrides: {op_type: (rtol, atol)}. Only ever WIDER
# than the default, and every entry must say why that operator cannot match
# the reference more closely (a wider entry must never paper over a bug).
# The default already covers float32 accumulation-order differences of
# Conv/Gemm/MatMul (bnnc and the references both compute in float32) and the
# 1-2 ulp differences between C's libm (expf, tanhf, ...) and numpy.
TOLERANCE_OVERRIDES = {
    # (none needed by the operators bnnc currently supports)
}

# Tests whose reference outputs do not follow the model: {test name regex:
# (rtol, atol, why)}. Never a way to hide a bnnc error: `why` names the
# reference's own mistake, and the tolerance is the bound of that mistake.
REFERENCE_ERRATA = {
    # The window functions' outputs were generated with pi = 3.1415
    # (onnx/backend/test/case/node/{hann,hamming,blackman}window.py) while
    # the _expanded models' Tau constant is 2*pi in float32: the references
    # are off by up to 7.4e-5 for their size 10 (cos of an argument short by
    # 9.3e-5 * 2n/N, times coefficients <= 0.5); bnnc's outputs are the
    # float32 evaluation of the models.
    r"node/test_(hann|hamming|blackman)window(_symmetric)?_expanded":
        (DEFAULT_RTOL, 1e-4,
         "reference computed with pi = 3.1415, the model uses 2*pi"),
}

# --emulate-check-support: bnnc errors standing in for --check-support's exit
# 3 (an operator, opset or element type outside bnnc's table). Development
# stop-gap only; ctest never passes --emulate-check-support.
EMULATED_UNSUPPORTED_RE = re.compile(
    r"unsupported operator"                      # operator not in the table
    r"|ONNX opset \d+ is not supported"          # opset outside the table
    r"|element type \S+, which bnnc does not handle"  # graph input/output
    r"|element type \S+ is not supported"        # a kernel's element type
    r"|has no tensor type with a known rank")    # sequence/optional/map types

# --- the const-input rule -----------------------------------------------------

# bnnc errors that mean "a shape is not known at compile time": retry with the
# integer graph inputs bound to the data set's values. Matched loosely.
CONST_RETRY_RE = re.compile(
    r"symbolic|static|dynamic|constant|compile[- ]time", re.IGNORECASE)

INTEGER_CONST_DTYPES = {6, 7}  # int32, int64: bound by the const-input rule
# Inputs of any type bnnc's error names as needing a compile-time constant.
NAMED_CONST_RE = re.compile(r"graph input '([^']+)'; --const-input binds it")

# harness.c --extreme patterns of the sanitizer pass (all three families:
# rotating mixes, constant tensors, mixes with small valid integer ids).
SANITIZE_PATTERNS = 48
SANITIZE_FLAGS = ["-O1", "-g", "-fno-omit-frame-pointer",
                  "-fsanitize=address,undefined", "-fno-sanitize-recover=all"]
SANITIZE_ENV = dict(os.environ, ASAN_OPTIONS="detect_leaks=1",
                    UBSAN_OPTIONS="print_stacktrace=1")

# Timeouts in seconds of one bnnc / C compiler / harness process.
TIMEOUT_BNNC = 300
TIMEOUT_CC = 300
TIMEOUT_RUN = 120

# --- a minimal protobuf reader (ONNX ModelProto) -------------------------------


def _varint(buf, pos):
    result = shift = 0
    while True:
        b = buf[pos]
        pos += 1
        result |= (b & 0x7F) << shift
        if b < 0x80:
            return result, pos
        shift += 7


def _fields(buf):
    """Yields (field number, value) of a serialized protobuf message; value is
    an int for varints, bytes for length-delimited and fixed-size fields."""
    pos, end = 0, len(buf)
    while pos < end:
        key, pos = _varint(buf, pos)
        number, wire = key >> 3, key & 7
        if wire == 0:
            value, pos = _varint(buf, pos)
        elif wire == 1:
            value, pos = buf[pos:pos + 8], pos + 8
        elif wire == 2:
            length, pos = _varint(buf, pos)
            value, pos = buf[pos:pos + length], pos + length
        elif wire == 5:
            value, pos = buf[pos:pos + 4], pos + 4
        else:
            raise ValueError("unsupported protobuf wire type %d" % wire)
        yield number, value


def _string_field(msg, number):
    for n, v in _fields(msg):
        if n == number:
            return bytes(v).decode("utf-8", "replace")
    return ""


def _graph_ops(graph, ops):
    """Op types of a GraphProto's nodes, including those of subgraphs."""
    for n, v in _fields(graph):
        if n != 1:  # GraphProto.node
            continue
        op_type = domain = ""
        for fn, fv in _fields(v):
            if fn == 4:  # NodeProto.op_type
                op_type = bytes(fv).decode()
            elif fn == 7:  # NodeProto.domain
                domain = bytes(fv).decode()
            elif fn == 5:  # NodeProto.attribute
                for an, av in _fields(fv):
                    if an in (6, 11):  # AttributeProto.g / .graphs
                        _graph_ops(av, ops)
        if domain in ("", "ai.onnx"):
            ops.add(op_type)
        else:
            ops.add(domain + "." + op_type)


def read_model(path):
    """The parts of an ONNX model the runner needs: its operator types, the
    default-domain opset and the graph inputs that are not initializers
    ([(name, ONNX dtype number)], graph order)."""
    with open(path, "rb") as f:
        buf = memoryview(f.read())
    graph, opset = None, None
    for n, v in _fields(buf):
        if n == 7:  # ModelProto.graph
            graph = v
        elif n == 8:  # ModelProto.opset_import
            domain, version = "", None
            for fn, fv in _fields(v):
                if fn == 1:
                    domain = bytes(fv).decode()
                elif fn == 2:
                    version = fv
            if domain in ("", "ai.onnx"):
                opset = version
    ops, inputs, initializers = set(), [], set()
    if graph is not None:
        _graph_ops(graph, ops)
        for n, v in _fields(graph):
            if n == 5:  # GraphProto.initializer (TensorProto.name = 8)
                initializers.add(_string_field(v, 8))
            elif n == 11:  # GraphProto.input (ValueInfoProto)
                name, dtype = "", 0
                for fn, fv in _fields(v):
                    if fn == 1:
                        name = bytes(fv).decode()
                    elif fn == 2:  # TypeProto.tensor_type.elem_type
                        for tn, tv in _fields(fv):
                            if tn == 1:
                                for en, ev in _fields(tv):
                                    if en == 1:
                                        dtype = ev
                inputs.append((name, dtype))
    inputs = [i for i in inputs if i[0] not in initializers]
    return {"ops": sorted(ops), "opset": opset, "inputs": inputs}


# --- helpers --------------------------------------------------------------------


def run(cmd, timeout, cwd=None, env=None):
    """Runs cmd; returns (exit status, stdout, stderr). A timeout or a missing
    program is reported as exit status None with the reason in stderr."""
    try:
        p = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True,
                           errors="replace", timeout=timeout, env=env)
        return p.returncode, p.stdout, p.stderr
    except subprocess.TimeoutExpired:
        return None, "", "timed out after %d s: %s" % (timeout,
                                                       shlex.join(cmd))
    except OSError as e:
        return None, "", "cannot run %s: %s" % (cmd[0], e)


def one_line(text, limit=240):
    """The most telling line of a tool's output, shortened."""
    lines = [l.strip() for l in text.strip().splitlines() if l.strip()]
    if not lines:
        return "(no output)"
    pick = next((l for l in lines if "error" in l.lower()), lines[0])
    return pick if len(pick) <= limit else pick[:limit - 3] + "..."


def status_text(rc):
    if rc is None:
        return "did not finish"
    if rc < 0:
        return "killed by signal %d" % -rc
    return "exit %d" % rc


def tolerance_for(ops, test=""):
    rtol, atol = DEFAULT_RTOL, DEFAULT_ATOL
    for op in ops:
        if op in TOLERANCE_OVERRIDES:
            r, a = TOLERANCE_OVERRIDES[op]
            rtol, atol = max(rtol, r), max(atol, a)
    for pattern, (r, a, _) in REFERENCE_ERRATA.items():
        if re.fullmatch(pattern, test):
            rtol, atol = max(rtol, r), max(atol, a)
    return rtol, atol


HEADER_INPUT_RE = re.compile(r'^/\* input (\d+) "(.*)": ', re.MULTILINE)
HEADER_COUNT_RE = re.compile(r"^#define \w+_NUM_(INPUTS|OUTPUTS) (\d+)",
                             re.MULTILINE)


def header_io(header_path):
    """Input names (model order) and the number of outputs of generated C."""
    with open(header_path) as f:
        text = f.read()
    counts = dict(HEADER_COUNT_RE.findall(text))
    names = [name for _, name in sorted(
        ((int(i), n) for i, n in HEADER_INPUT_RE.findall(text)))]
    return names, int(counts.get("OUTPUTS", "-1")), int(counts.get("INPUTS",
                                                                   "-1"))


# --- one test ---------------------------------------------------------------------


class Runner:
    def __init__(self, args):
        self.args = args
        self.cc = shlex.split(args.cc)

    # Tools ------------------------------------------------------------------
    def pb2raw(self, pb, out):
        rc, _, err = run([self.args.pb2raw, pb, out], TIMEOUT_RUN)
        if rc != 0:
            raise TestFailure("bnnc-pb2raw %s: %s" % (os.path.basename(pb),
                                                     one_line(err)))

    def pb_meta(self, pb):
        """(name, ONNX dtype number) of a TensorProto file."""
        rc, name, err = run([self.args.pb2raw, "--name", pb], TIMEOUT_RUN)
        rc2, info, err2 = run([self.args.pb2raw, "--info", pb], TIMEOUT_RUN)
        if rc != 0 or rc2 != 0:
            raise TestFailure("bnnc-pb2raw --name/--info %s: %s" % (
                pb, one_line(err + err2)))
        return name.rstrip("\n"), int(info.split()[0])

    def bnnc_compile(self, model, out_dir, const_inputs=()):
        os.makedirs(out_dir, exist_ok=True)
        cmd = [self.args.bnnc, model, "-o", os.path.join(out_dir, "m.c"),
               "--name=m"]
        for name, pb in const_inputs:
            cmd += ["--const-input", "%s=%s" % (name, pb)]
        rc, out, err = run(cmd, TIMEOUT_BNNC)
        return rc, err + out, cmd

    def in_sanitize_slice(self, tid):
        every = self.args.sanitize_every
        if not self.args.sanitize_cc or every < 1:
            return False
        h = int(hashlib.sha256(tid.encode()).hexdigest()[:8], 16)
        return (h + self.args.sanitize_seed) % every == 0

    def sanitize(self, out_dir, exe, result):
        """The sanitizer pass of one build (see SANITIZER PASS above)."""
        n = str(SANITIZE_PATTERNS)
        rc, plain, err = run([exe, "--extreme", n], TIMEOUT_RUN)
        if rc != 0 or err.strip():
            raise TestFailure("plain --extreme run: %s: %s" % (
                status_text(rc), one_line(err + plain)), detail=plain + err)
        for k, cc in enumerate(self.args.sanitize_cc):
            san = self.build(out_dir, shlex.split(cc), SANITIZE_FLAGS,
                             "run-san%d" % k)
            rc, out, err = run([san, "--extreme", n], TIMEOUT_RUN,
                               env=SANITIZE_ENV)
            if rc != 0 or err.strip():
                raise TestFailure("sanitizer (%s, extreme inputs): %s: %s" % (
                    cc, status_text(rc), one_line(err)), detail=out + err)
            if out != plain:
                diff = [a + " | " + b for a, b in zip(plain.splitlines(),
                                                      out.splitlines())
                        if a != b]
                raise TestFailure("sanitized build (%s) differs on extreme "
                                  "inputs: %s" % (cc, "; ".join(diff[:2])),
                                  detail=plain + "\n" + out)
        result["sanitized"] = result.get("sanitized", 0) + 1

    def build(self, out_dir, cc=None, flags=("-O1", "-w"), name="run"):
        exe = os.path.join(out_dir, name)
        cmd = (cc or self.cc) + ["-std=c99"] + list(flags) + [
                         "-I" + self.args.runtime_dir,
                         "-I" + out_dir, os.path.join(out_dir, "m.c"),
                         self.args.harness, "-DMODEL_HEADER=\"m.h\"",
                         "-DMODEL=m", "-DMODEL_MACRO=M", "-o", exe, "-lm"]
        rc, out, err = run(cmd, TIMEOUT_CC)
        if rc != 0:
            raise TestFailure("C build failed (%s): %s" % (
                status_text(rc), one_line(err + out)), detail=err + out)
        return exe

    # The test ---------------------------------------------------------------
    def run_test(self, test):
        """Returns the result record of one test directory."""
        tid, tdir = test
        model = os.path.join(tdir, "model.onnx")
        work = os.path.join(self.args.work, tid)
        shutil.rmtree(work, ignore_errors=True)
        os.makedirs(work, exist_ok=True)
        result = {"test": tid, "selected": False, "passed": False,
                  "ops": [], "opset": None, "reason": "",
                  "unsupported": [], "const_inputs": False, "data_sets": 0}
        try:
            info = read_model(model)
            result["ops"], result["opset"] = info["ops"], info["opset"]
        except (OSError, ValueError, IndexError) as e:
            info = {"ops": [], "opset": None, "inputs": []}
            result["model_read_error"] = str(e)
        data_sets = sorted(
            (d for d in os.listdir(tdir) if d.startswith("test_data_set_")),
            key=lambda d: int(d.rsplit("_", 1)[1]))
        result["data_sets"] = len(data_sets)
        try:
            if self.args.emulate_check_support:
                self.emulated_test(model, tdir, work, info, data_sets, result)
            else:
                self.checked_test(model, tdir, work, info, data_sets, result)
        except TestFailure as e:
            result["selected"] = True
            result["passed"] = False
            result["reason"] = e.reason
            if e.detail:
                result["detail"] = e.detail[-4000:]
        except Exception as e:  # a runner bug must not lose the whole sweep
            result["selected"] = True
            result["passed"] = False
            result["reason"] = "runner error: %s: %s" % (type(e).__name__, e)
        if result["passed"] and not self.args.keep_work:
            shutil.rmtree(work, ignore_errors=True)
        return result

    def checked_test(self, model, tdir, work, info, data_sets, result):
        rc, out, err = run([self.args.bnnc, "--check-support", model],
                           TIMEOUT_BNNC)
        if rc == 3:
            result["unsupported"] = parse_unsupported(err)
            return
        result["selected"] = True
        if "Unknown command line argument" in err:
            raise TestFailure("this bnnc has no --check-support: "
                              + one_line(err))
        if rc == 1:
            raise TestFailure("import failed although its operators are "
                              "supported: " + one_line(err + out),
                              detail=err + out)
        if rc != 0:
            raise TestFailure("bnnc --check-support %s: %s" % (
                status_text(rc), one_line(err + out)), detail=err + out)
        self.compile_and_run(model, tdir, work, info, data_sets, result)

    def emulated_test(self, model, tdir, work, info, data_sets, result):
        rc, log, _ = self.bnnc_compile(model, os.path.join(work, "plain"))
        if rc != 0 and EMULATED_UNSUPPORTED_RE.search(log):
            result["unsupported"] = parse_unsupported(log)
            return
        result["selected"] = True
        self.compile_and_run(model, tdir, work, info, data_sets, result,
                             first=(rc, log))

    def compile_and_run(self, model, tdir, work, info, data_sets, result,
                        first=None):
        if not data_sets:
            raise TestFailure("no test_data_set_* directory")
        rtol, atol = tolerance_for(result["ops"], result["test"])
        result["rtol"], result["atol"] = rtol, atol
        plain = os.path.join(work, "plain")
        rc, log = first if first else self.bnnc_compile(model, plain)[:2]
        sanitize = self.in_sanitize_slice(result["test"])
        if rc == 0:
            exe = self.build(plain)
            for ds in data_sets:
                self.run_data_set(exe, plain, os.path.join(tdir, ds), work,
                                  ds, set(), rtol, atol)
            if sanitize:
                self.sanitize(plain, exe, result)
            result["passed"] = True
            return
        if rc is None or rc < 0 or not CONST_RETRY_RE.search(log):
            raise TestFailure("bnnc %s: %s" % (status_text(rc),
                                               one_line(log)), detail=log)
        # The const-input rule: bind every integer graph input, per data set.
        builds = {}  # hash of the bound values -> (exe, dir)
        named = set(NAMED_CONST_RE.findall(log))
        for ds in data_sets:
            ds_dir = os.path.join(tdir, ds)
            inputs = input_files(ds_dir)
            bound = []
            for k, pb in enumerate(inputs):
                name, dtype = self.pb_meta(pb)
                if not name and k < len(info["inputs"]):
                    # input_k.pb holds the k-th graph input (not initializer)
                    name = info["inputs"][k][0]
                if dtype in INTEGER_CONST_DTYPES or name in named:
                    if not name:
                        raise TestFailure("%s has no name to bind with "
                                          "--const-input" % pb)
                    bound.append((name, pb))
            if not bound:
                raise TestFailure(
                    "bnnc %s and no integer graph input to bind with "
                    "--const-input: %s" % (status_text(rc), one_line(log)),
                    detail=log)
            result["const_inputs"] = True
            key = hashlib.sha256()
            for name, pb in bound:
                with open(pb, "rb") as f:
                    key.update(name.encode() + b"\0" + f.read())
            key = key.hexdigest()
            if key not in builds:
                out_dir = os.path.join(work, "const-%d" % len(builds))
                crc, clog, _ = self.bnnc_compile(model, out_dir, bound)
                # Binding one input can reveal the next one bnnc names
                # (sizes, then roi): bind those too, once per name.
                more = set(NAMED_CONST_RE.findall(clog)) - named
                if crc != 0 and more:
                    named |= more
                    bound += [(self.pb_meta(pb)[0] or info["inputs"][k][0],
                               pb) for k, pb in enumerate(inputs)
                              if (self.pb_meta(pb)[0] or
                                  (info["inputs"][k][0]
                                   if k < len(info["inputs"]) else ""))
                              in more]
                    crc, clog, _ = self.bnnc_compile(model, out_dir, bound)
                if crc != 0:
                    raise TestFailure(
                        "bnnc with --const-input %s (%s): %s" % (
                            ",".join(n for n, _ in bound), status_text(crc),
                            one_line(clog)), detail=log + "\n" + clog)
                builds[key] = (self.build(out_dir), out_dir)
            exe, out_dir = builds[key]
            self.run_data_set(exe, out_dir, ds_dir, work, ds,
                              {n for n, _ in bound}, rtol, atol,
                              info["inputs"])
        if sanitize:
            for exe, out_dir in builds.values():
                self.sanitize(out_dir, exe, result)
        result["passed"] = True

    def run_data_set(self, exe, out_dir, ds_dir, work, ds, bound, rtol,
                     atol, graph_inputs=()):
        names, n_outputs, n_inputs = header_io(os.path.join(out_dir, "m.h"))
        inputs = input_files(ds_dir)
        if bound:
            kept = []
            for k, pb in enumerate(inputs):
                name = self.pb_meta(pb)[0]
                if not name and k < len(graph_inputs):
                    name = graph_inputs[k][0]
                if name not in bound:
                    kept.append((name, pb))
            if [n for n, _ in kept] != names:
                raise TestFailure(
                    "%s: the generated inputs %s are not the unbound data "
                    "set inputs %s" % (ds, names, [n for n, _ in kept]))
            inputs = [pb for _, pb in kept]
        elif len(inputs) != n_inputs:
            raise TestFailure("%s: %d input files for %d model inputs" % (
                ds, len(inputs), n_inputs))
        refs = sorted((f for f in os.listdir(ds_dir)
                       if re.fullmatch(r"output_\d+\.pb", f)),
                      key=lambda f: int(f[7:-3]))
        if len(refs) != n_outputs:
            raise TestFailure("%s: %d reference outputs for %d model outputs"
                              % (ds, len(refs), n_outputs))
        raw_dir = os.path.join(work, ds)
        os.makedirs(raw_dir, exist_ok=True)
        argv = [exe, "--rtol", repr(rtol), "--atol", repr(atol)]
        for pb in inputs:
            raw = os.path.join(raw_dir, os.path.basename(pb)[:-3] + ".bin")
            self.pb2raw(pb, raw)
            argv.append(raw)
        argv.append("--")
        for ref in refs:
            raw = os.path.join(raw_dir, ref[:-3] + ".bin")
            self.pb2raw(os.path.join(ds_dir, ref), raw)
            argv.append(raw)
        rc, out, err = run(argv, TIMEOUT_RUN)
        if rc != 0:
            # "output 0 'y': 12 elements, max abs err E, max scaled err E,
            # 3 mismatches" + "output 0 'y': first mismatch at element ..."
            bad = [l for l in out.splitlines() if l.startswith("output ")
                   and not l.endswith(" 0 mismatches")]
            if rc == 1 and bad:
                why = "; ".join(bad[:2])
            else:
                why = "%s: %s" % (status_text(rc), one_line(err + out))
            raise TestFailure("%s: %s" % (ds, why), detail=out + err)


class TestFailure(Exception):
    def __init__(self, reason, detail=""):
        super().__init__(reason)
        self.reason = reason
        self.detail = detail


def input_files(ds_dir):
    return [os.path.join(ds_dir, f) for f in sorted(
        (f for f in os.listdir(ds_dir) if re.fullmatch(r"input_\d+\.pb", f)),
        key=lambda f: int(f[6:-3]))]


# A node inside a subgraph is followed by where it is: " in then_branch of
# node 'if0' (If)".
UNSUPPORTED_RE = re.compile(
    r"unsupported: node '(.*?)' \((.*?)\)(?: in .*?)?: (.*)$")
# Emulated selection: `bnnc: error: <model>: node 'n' (Op): reason` or
# `bnnc: error: <model>: reason`.
ERROR_NODE_RE = re.compile(r"error: .*?: node '(.*?)' \((.*?)\): (.*?)"
                           r"(?:; see docs/\S+)?$")
ERROR_MODEL_RE = re.compile(r"error: .*?\.onnx: (.*?)(?: \(bnnc supports.*"
                            r"|; (?:re-export|bnnc needs).*)?$")


def parse_unsupported(text):
    """[(op, reason)] from `bnnc: unsupported: node 'n' (Op): reason` lines
    (emulated: from bnnc's error; "(model)" when it names no node)."""
    found = []
    for line in text.splitlines():
        m = UNSUPPORTED_RE.search(line) or ERROR_NODE_RE.search(line)
        if m:
            found.append((m.group(2), m.group(3).strip()))
            continue
        m = ERROR_MODEL_RE.search(line)
        if m:
            found.append(("(model)", m.group(1).strip()))
    if not found:
        found.append(("?", one_line(text)))
    return sorted(set(found))


def reason_key(op, reason):
    """Groups non-selection reasons: names and opset numbers are elided."""
    reason = re.sub(r"'[^']*'", "'…'", reason)
    reason = re.sub(r"opset \d+", "opset N", reason)
    reason = re.sub(r";? see docs/\S+$", "", reason)
    return "%s: %s" % (op, reason)


# --- discovery, summary, outputs ---------------------------------------------------


def discover(data, pattern):
    tests = []
    for category in sorted(os.listdir(data)):
        cdir = os.path.join(data, category)
        if not os.path.isdir(cdir):
            continue
        for name in sorted(os.listdir(cdir)):
            tdir = os.path.join(cdir, name)
            if not os.path.isfile(os.path.join(tdir, "model.onnx")):
                continue  # e.g. data/real/*: only a download URL
            tid = category + "/" + name
            if pattern and not pattern.search(tid):
                continue
            tests.append((tid, tdir))
    return tests


def supported_ops(args):
    """[(op, min opset, max opset, [dtypes])] from bnnc --list-supported-ops."""
    rc, out, err = run([args.bnnc, "--list-supported-ops"], TIMEOUT_BNNC)
    if rc != 0:
        return None, one_line(err + out)
    table = []
    for line in out.splitlines():
        parts = line.split()
        if not parts:
            continue
        if len(parts) != 4:
            return None, "unexpected --list-supported-ops line: %r" % line
        table.append((parts[0], parts[1], parts[2], parts[3].split(",")))
    return sorted(table), None


def write_supported_ops_md(path, table, results, args, emulated):
    by_op = collections.defaultdict(lambda: [0, 0])
    for r in results:
        if r["selected"]:
            for op in r["ops"]:
                by_op[op][0] += 1
                by_op[op][1] += r["passed"]
    selected = sum(r["selected"] for r in results)
    passed = sum(r["passed"] for r in results)
    lines = [
        "<!-- Generated by the ONNX conformance suite "
        "(test/conformance/run_conformance.py); do not edit. -->",
        "<!-- Regenerate: scripts/update-supported-ops.sh -->",
        "",
        "# Supported ONNX operators",
        "",
        "This file is generated by the ONNX conformance suite "
        "(`docs/conformance.md`) from `bnnc --list-supported-ops` and the "
        "results of the ONNX backend tests of Debian's `libonnx-testdata`. "
        "Do not edit it: run `scripts/update-supported-ops.sh` to "
        "regenerate it; the ctest test `supported-ops-doc` fails when it is "
        "out of date.",
        "",
        "Default domain (`ai.onnx`), static shapes. A model compiles when "
        "every node's operator, opset and element types are in this table "
        "(`bnnc --check-support model.onnx` tells). Anything else is "
        "rejected with an error naming the node, the operator and the "
        "reason.",
        "",
        "*Conformance tests* counts the ONNX backend tests that use the "
        "operator and that bnnc selects (all their operators supported), "
        "and how many of those reproduce the reference outputs.",
        "",
        "| operator | opsets | element types | conformance tests passed / "
        "selected |",
        "|---|---|---|---|",
    ]
    for op, lo, hi, dtypes in table:
        sel, ok = by_op.get(op, (0, 0))
        opsets = lo if lo == hi else "%s–%s" % (lo, hi)
        lines.append("| %s | %s | %s | %d / %d |" % (
            op, opsets, ", ".join(dtypes), ok, sel))
    lines += [
        "",
        "In all: %d of %d selected conformance tests pass (%d tests in the "
        "data set)." % (passed, selected, len(results)),
    ]
    if os.path.isfile(NOTES_MD):
        with open(NOTES_MD) as f:
            lines += ["", f.read().rstrip("\n")]
    if args.filter or emulated:
        lines += ["", "**Partial run, not for committing:** %s." % "; ".join(
            x for x in (args.filter and "--filter %s" % args.filter,
                        emulated and "selection emulated without "
                        "--check-support/--list-supported-ops") if x)]
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    with open(path, "w") as f:
        f.write("\n".join(lines) + "\n")


def main():
    ap = argparse.ArgumentParser(
        description="ONNX conformance suite for bnnc (docs/conformance.md)")
    ap.add_argument("--bnnc", required=True)
    ap.add_argument("--pb2raw", required=True)
    ap.add_argument("--cc", required=True, help="C compiler command")
    ap.add_argument("--runtime-dir", required=True)
    ap.add_argument("--harness", required=True, help="test/e2e/harness.c")
    ap.add_argument("--data", default=DEFAULT_DATA)
    ap.add_argument("--work", required=True, help="scratch directory")
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--filter", help="only tests whose <category>/<name> "
                    "matches this regular expression")
    ap.add_argument("--supported-ops-md", metavar="OUT")
    ap.add_argument("--report-json", metavar="OUT")
    ap.add_argument("--min-selected", type=int, default=0)
    ap.add_argument("--keep-work", action="store_true",
                    help="keep the scratch files of passing tests too")
    ap.add_argument("--sanitize-cc", action="append", default=[],
                    help="C compiler of the sanitizer pass over extreme "
                    "input values (repeatable; none: no sanitizer pass)")
    ap.add_argument("--sanitize-every", type=int, default=1,
                    help="sanitize a slice of one in N passing tests "
                    "(default 1: all)")
    ap.add_argument("--sanitize-seed", type=int, default=0,
                    help="which slice, with --sanitize-every N > 1")
    ap.add_argument("--emulate-check-support", action="store_true",
                    help="development stop-gap for a bnnc without "
                    "--check-support: compile every test; errors matching "
                    "EMULATED_UNSUPPORTED_RE mean not selected")
    args = ap.parse_args()
    for out in (args.supported_ops_md, args.report_json):
        if out and os.path.exists(out):
            os.remove(out)  # a failed run must not leave stale results

    if not os.path.isdir(args.data):
        print("error: no ONNX test data at %s; install the Debian package "
              "libonnx-testdata (apt-get install libonnx-testdata)"
              % args.data)
        return 2
    for what, path in (("bnnc", args.bnnc), ("bnnc-pb2raw", args.pb2raw),
                       ("harness", args.harness)):
        if not os.path.isfile(path):
            print("error: %s not found: %s" % (what, path))
            return 2
    table, why = (None, None)
    if not args.emulate_check_support:
        table, why = supported_ops(args)
        if table is None:
            print("error: `%s --list-supported-ops` failed (%s); this bnnc "
                  "lacks the --list-supported-ops/--check-support interface "
                  "the suite needs" % (args.bnnc, why))
            return 2
    pattern = re.compile(args.filter) if args.filter else None
    tests = discover(args.data, pattern)
    if not tests:
        print("error: no tests under %s%s" % (
            args.data, " match --filter" if pattern else ""))
        return 2
    args.work = os.path.abspath(args.work)
    os.makedirs(args.work, exist_ok=True)

    runner = Runner(args)
    results = []
    with concurrent.futures.ThreadPoolExecutor(max(1, args.jobs)) as pool:
        for i, r in enumerate(pool.map(runner.run_test, tests), 1):
            results.append(r)
            if i % 100 == 0:
                print("... %d of %d tests" % (i, len(tests)), flush=True)

    selected = [r for r in results if r["selected"]]
    passed = [r for r in selected if r["passed"]]
    failed = [r for r in selected if not r["passed"]]
    not_selected = [r for r in results if not r["selected"]]

    for r in failed:
        print("FAIL %s%s: %s" % (r["test"], " [const-inputs]"
                                 if r["const_inputs"] else "", r["reason"]))
    reasons = collections.Counter()
    for r in not_selected:
        for key in {reason_key(op, why) for op, why in r["unsupported"]}:
            reasons[key] += 1
    const_passed = sum(r["const_inputs"] for r in passed)
    if const_passed:
        print("%d passing tests needed the const-input rule" % const_passed)
    print("%d not selected%s; top reasons (tests):" % (
        len(not_selected), " (emulated selection)"
        if args.emulate_check_support else ""))
    for key, n in reasons.most_common(15):
        print("  %5d  %s" % (n, key))

    if args.emulate_check_support and args.supported_ops_md:
        ops = sorted({op for r in selected for op in r["ops"]})
        table = [(op, "?", "?", ["(emulated)"]) for op in ops]
    if args.supported_ops_md:
        write_supported_ops_md(args.supported_ops_md, table, results, args,
                               args.emulate_check_support)
    if args.report_json:
        with open(args.report_json, "w") as f:
            json.dump({
                "data": args.data,
                "filter": args.filter,
                "selection": "emulated" if args.emulate_check_support
                             else "bnnc --check-support",
                "const_input_rule": CONST_RETRY_RE.pattern,
                "default_tolerance": {"rtol": DEFAULT_RTOL,
                                      "atol": DEFAULT_ATOL},
                "tolerance_overrides": TOLERANCE_OVERRIDES,
                "reference_errata": {k: v[2] for k, v in
                                     REFERENCE_ERRATA.items()},
                "counts": {"tests": len(results),
                           "selected": len(selected),
                           "passed": len(passed), "failed": len(failed),
                           "not_selected": len(not_selected),
                           "const_inputs": sum(r["const_inputs"]
                                               for r in selected)},
                "not_selected_reasons": reasons.most_common(),
                "results": results,
            }, f, indent=1)

    if args.sanitize_cc:
        sanitized = sum(1 for r in results if r.get("sanitized"))
        print("sanitizer pass (%s; %d extreme-value patterns; slice: one in "
              "%d, seed %d): %d passing tests sanitizer-clean" % (
                  ", ".join(args.sanitize_cc), SANITIZE_PATTERNS,
                  args.sanitize_every, args.sanitize_seed, sanitized))
    status = 0
    if len(selected) < args.min_selected:
        print("error: only %d tests selected, --min-selected %d" % (
            len(selected), args.min_selected))
        status = 1
    if failed:
        status = 1
    print("%d selected, %d passed, %d failed" % (len(selected), len(passed),
                                                 len(failed)))
    return status


if __name__ == "__main__":
    sys.exit(main())
