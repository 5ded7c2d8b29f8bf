#!/usr/bin/env python3
"""check_reports.py MODE --bnnc BNNC --runtime DIR --work DIR [options]

Checks the --report of every end-to-end model (the models check_models.py
finds and test/models/transformers/*), binarized and with --no-binarize:

  flash  compiles each model with --report=r.json (for --target, default
         generic; aarch64 and cortex-m4 build with their cross compilers),
         builds the generated .c into an object with one section per object (cc -std=c99 -O0
         -fdata-sections -fmerge-constants -c; -O0 because at -O2 gcc folds
         a one-scalar array into the code that reads it) and reads the
         object's section sizes (size -A). What is compared:
           - each constant array the report lists (layers[].constants and
             output_constants: name, bytes) has its own .rodata.<name>
             section, whose size equals the report's bytes exactly;
           - every other .rodata.<name> section is a kernel parameter
             struct ("static const <struct type> <name> = {" in the .c),
             which the report does not count (its size is the C ABI's),
             or no model data: the input/output descriptors
             <prefix>_inputs/_outputs (in .rodata without PIE), the char
             array of a tensor name longer than a C99 string literal, a
             runtime header's function-local static table ("name.N");
           - totals.weight_bytes = the sum of the layers' weight_bytes and
             output_constant_bytes, each layer's weight_bytes the sum of
             its arrays.
         So the report's flash total is exactly the bytes of model data in
         the object. The other read-only bytes (printed, not part of the
         total) are no model data: plain .rodata, .rodata.str1.* and
         .rodata.cst* hold the tensor-name string literals and the code's
         literals, .data.rel.ro* the input/output descriptors and the
         parameter structs that hold pointers (under PIE).
  html   writes --report=r.json and --report=r.html and renders the HTML in
         headless Chromium (--dump-dom, and --screenshot with --png): the
         page's script must have run (data-rendered="1"), no script error
         may be recorded (the page's window.onerror writes into #errors
         and sets data-errors), the page may load nothing (its
         Content-Security-Policy is default-src 'none'; no src/href to
         another resource), and every number in a data attribute equals
         the JSON report's: the totals, and per kernel op, kind, MACs,
         weight bytes, arena offset and output bytes; the token-pruning
         and dead-token-elim MACs per module and the gamma-migration
         bounds, where present.
  page   the html checks on one page: --json r.json --html r.html (both
         written by the same bnnc command line, e.g. with --token-prune).

Prints one line per model and variant and a summary; exits 1 on a failure.
"""
import argparse
import concurrent.futures
import functools
import glob
import html.parser
import json
import os
import re
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import check_models  # noqa: E402  (find_models, EXTRA_ARGS)


# The C compiler of each --target's object files (flash).
CROSS_CC = {
    "aarch64": ["aarch64-linux-gnu-gcc"],
    "cortex-m4": ["arm-none-eabi-gcc", "-mcpu=cortex-m4", "-mthumb",
                  "-mfloat-abi=hard", "-mfpu=fpv4-sp-d16"],
}

# check_models.py's extra bnnc arguments, and the batch of the transformer
# model with a symbolic one (as test/e2e/transformers/vit.test gives it).
EXTRA_ARGS = dict(check_models.EXTRA_ARGS,
                  vit_dyn=["--input-shape", "image=8x1x8x8"])


def run(cmd, **kw):
    return subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          universal_newlines=True, **kw)


def compile_model(args, model_id, onnx, stem, variant, work, reports):
    out = os.path.join(work, check_models.variant_dir(model_id, variant))
    os.makedirs(out, exist_ok=True)
    cmd = ([args.bnnc, onnx, "-o", os.path.join(out, stem + ".c")] +
           EXTRA_ARGS.get(os.path.basename(model_id), []) +
           (["--no-binarize"] if variant == "float" else []) +
           ["--target=" + args.target])
    for report in reports:
        r = run(cmd + ["--report=" + os.path.join(out, report)])
        if r.returncode:
            return out, "bnnc failed: " + r.stderr.strip()
    return out, None


def object_symbols(obj):
    """{section: [(address, size, name)]} of the object's data symbols."""
    r = run(["objdump", "-t", obj])
    syms = {}
    for line in r.stdout.splitlines():
        m = re.match(r"^([0-9a-f]+) (.{7}) (\S+)\s+([0-9a-f]+) (\S+)$", line)
        if not m or "O" not in m.group(2):
            continue
        syms.setdefault(m.group(3), []).append(
            (int(m.group(1), 16), int(m.group(4), 16), m.group(5)))
    return syms


def section_sizes(obj):
    r = run(["size", "-A", obj])
    sizes = {}
    for line in r.stdout.splitlines():
        parts = line.split()
        if len(parts) == 3 and parts[0].startswith("."):
            sizes[parts[0]] = int(parts[1])
    return sizes


def report_arrays(report):
    arrays = {}
    for layer in report["layers"]:
        for a in layer["constants"]:
            arrays[a["name"]] = a["bytes"]
    for a in report["output_constants"]:
        arrays[a["name"]] = a["bytes"]
    return arrays


def check_flash(args, model_id, onnx, stem, variant, work):
    out, err = compile_model(args, model_id, onnx, stem, variant, work,
                             ["r.json"])
    if err:
        return False, err
    with open(os.path.join(out, "r.json")) as f:
        report = json.load(f)
    totals = report["totals"]
    for i, layer in enumerate(report["layers"]):
        if layer["weight_bytes"] != sum(a["bytes"] for a in layer["constants"]):
            return False, "layer %d: weight_bytes is not its arrays' sum" % i
    out_bytes = sum(a["bytes"] for a in report["output_constants"])
    if totals["output_constant_bytes"] != out_bytes:
        return False, "output_constant_bytes is not its arrays' sum"
    if totals["weight_bytes"] != out_bytes + sum(
            l["weight_bytes"] for l in report["layers"]):
        return False, "totals.weight_bytes is not the layers' sum"
    obj = os.path.join(out, stem + ".o")
    r = run(CROSS_CC.get(args.target, ["cc"]) + [
             "-std=c99", "-O0", "-fdata-sections", "-fmerge-constants",
             "-c", "-I" + args.runtime, "-I" + out,
             os.path.join(out, stem + ".c"), "-o", obj])
    if r.returncode:
        return False, "cc failed: " + r.stderr.strip()
    with open(os.path.join(out, stem + ".c")) as f:
        source = f.read()
    structs = set(re.findall(r"^static const \w+ (\w+) = \{", source, re.M))
    runtime_tables = runtime_constants(args.runtime)
    arrays = report_arrays(report)
    sizes = section_sizes(obj)
    objects = {k[len(".rodata."):]: v for k, v in sizes.items()
               if k.startswith(".rodata.") and not
               re.match(r"\.rodata\.(str|cst)\d", k)}
    for name, size in sorted(arrays.items()):
        if name not in objects:
            where = [k for k in sizes if k.endswith("." + name)]
            return False, "reported array %s (%d bytes) is not in .rodata%s" % (
                name, size, " but in " + ", ".join(where) if where else "")
        if objects[name] != size:
            return False, "array %s: report %d bytes, object %d bytes" % (
                name, size, objects[name])
    struct_bytes = other_bytes = 0
    for name, size in objects.items():
        if name in arrays:
            continue
        if name in structs:
            struct_bytes += size
        elif (name in (stem + "_inputs", stem + "_outputs") or
              re.match(r"\w+__(inputs|outputs)_name(_\d+)?$", name) or
              "." in name or name in runtime_tables):
            # The input/output descriptors (in .rodata where the target
            # has no PIE), the char array of a tensor name longer than a
            # C99 string literal, and the runtime headers' static tables
            # (file-scope ones such as a kernel's table of step functions,
            # and function-local ones, named "<local>.<n>" by the
            # compiler): no model data.
            other_bytes += size
        else:
            return False, ".rodata.%s is neither a reported array, a "\
                "parameter struct nor a descriptor" % name
    # Plain .rodata (some targets' -O0 literal pools), .rodata.str1.* and
    # .rodata.cst*: the code's literals.
    literals = sizes.get(".rodata", 0) + sum(
        v for k, v in sizes.items() if re.match(r"\.rodata\.(str|cst)\d", k))
    relro = sum(v for k, v in sizes.items() if k.startswith(".data.rel.ro"))
    return True, ("report %d B = the %d arrays' .rodata sections; also "
                  "read-only: parameter structs %d, descriptors and "
                  "runtime tables %d, literals %d, .data.rel.ro %d" % (
                      totals["weight_bytes"], len(arrays), struct_bytes,
                      other_bytes, literals, relro))


@functools.lru_cache(maxsize=None)
def runtime_constants(runtime):
    """The names of the file-scope static constants the runtime headers
    define (tables the kernels share, not model data)."""
    names = set()
    headers = os.path.join(runtime, "bnnc")
    for header in os.listdir(headers):
        if header.endswith(".h"):
            with open(os.path.join(headers, header)) as f:
                names.update(re.findall(
                    r"^static const [\w ]+?\b(\w+)\s*(?:\[[^\]]*\])*\s*=",
                    f.read(), re.M))
    return frozenset(names)


class DomReader(html.parser.HTMLParser):
    """The data attributes of the rendered page, and what it would load."""

    def __init__(self):
        super().__init__()
        self.totals, self.layers, self.flash = {}, [], {}
        self.prune, self.gamma, self.dte = {}, [], {}
        self.root, self.errors_text, self.loads = {}, "", []
        self._in_errors = False
        self._in_layers = False

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "html":
            self.root = a
        for key in ("src", "href"):
            if key in a and not a[key].startswith("#"):
                self.loads.append("%s %s=%s" % (tag, key, a[key]))
        if tag == "link" or (tag == "script" and "src" in a):
            self.loads.append(tag)
        if "data-total" in a:
            self.totals[a["data-total"]] = a
            self._total = a["data-total"]
        if tag == "table" and a.get("id") == "layers":
            self._in_layers = True
        if tag == "tr" and self._in_layers and "data-step" in a:
            self.layers.append(a)
        if "data-module" in a:
            self.prune[a["data-module"]] = (int(a["data-before"]),
                                            int(a["data-after"]))
        if "data-dte-module" in a:
            self.dte[a["data-dte-module"]] = (int(a["data-before"]),
                                              int(a["data-after"]))
        if "data-gamma-node" in a:
            self.gamma.append((a["data-gamma-node"], float(a["data-before"]),
                               float(a["data-after"])))
        if "data-flash-step" in a:
            self.flash[int(a["data-flash-step"])] = int(a["data-bytes"])
        self._in_errors = a.get("id") == "errors"

    def handle_endtag(self, tag):
        if tag == "table":
            self._in_layers = False
        self._in_errors = False

    def handle_data(self, data):
        if self._in_errors:
            self.errors_text += data


def check_html(args, model_id, onnx, stem, variant, work):
    out, err = compile_model(args, model_id, onnx, stem, variant, work,
                             ["r.json", "r.html"])
    if err:
        return False, err
    return check_page(args, os.path.join(out, "r.json"),
                      os.path.join(out, "r.html"), out)


def check_page(args, json_path, html_path, out):
    """Renders one page and compares it with its JSON report."""
    with open(json_path) as f:
        report = json.load(f)
    page = "file://" + os.path.abspath(html_path)
    base = [args.chromium, "--headless", "--no-sandbox", "--disable-gpu",
            "--no-first-run", "--user-data-dir=" + os.path.join(out, "chrome")]
    r = run(base + ["--dump-dom", page], timeout=120)
    if r.returncode or "<html" not in r.stdout:
        return False, "chromium --dump-dom failed: " + r.stderr.strip()[-400:]
    if args.png:
        s = run(base + ["--window-size=1100,1600",
                        "--screenshot=" + os.path.join(out, "r.png"), page],
                timeout=120)
        if s.returncode or not os.path.getsize(os.path.join(out, "r.png")):
            return False, "chromium --screenshot failed"
    dom = DomReader()
    dom.feed(r.stdout)
    if dom.root.get("data-rendered") != "1":
        return False, "the page's script did not run to its end"
    if dom.root.get("data-errors") or dom.errors_text.strip():
        return False, "script errors: " + dom.errors_text.strip()
    if dom.loads:
        return False, "the page loads resources: " + ", ".join(dom.loads)
    totals = report["totals"]
    for key, value in totals.items():
        if key not in dom.totals:
            if key == "output_constant_bytes" and value == 0:
                continue
            return False, "no DOM total " + key
        a = dom.totals[key]
        got = float(a["data-value"]) if "data-value" in a else None
        if got is None:
            # The visible number, thousands separators removed.
            return False, "DOM total %s has no value" % key
        if got != value:
            return False, "DOM total %s = %r, JSON %r" % (key, got, value)
    if len(dom.layers) != len(report["layers"]):
        return False, "DOM has %d kernels, JSON %d" % (len(dom.layers),
                                                       len(report["layers"]))
    for i, (a, l) in enumerate(zip(dom.layers, report["layers"])):
        offset = l["arena_offset"]
        want = {"data-step": str(i), "data-op": l["op"], "data-kind": l["kind"],
                "data-macs": str(l["macs"]),
                "data-weight-bytes": str(l["weight_bytes"]),
                "data-arena-offset": "null" if offset is None else str(offset),
                "data-output-bytes": str(l["output_bytes"])}
        for k, v in want.items():
            if a.get(k) != v:
                return False, "kernel %d: DOM %s=%r, JSON %r" % (i, k,
                                                                  a.get(k), v)
        if l["weight_bytes"] and dom.flash.get(i) != l["weight_bytes"]:
            return False, "kernel %d: flash bar %r, JSON %d" % (
                i, dom.flash.get(i), l["weight_bytes"])
    prune = {m["module"]: (m["macs_before"], m["macs_after"])
             for m in report.get("token_prune", {}).get("macs", [])}
    if prune != dom.prune:
        return False, "token-prune MACs: DOM %r, JSON %r" % (dom.prune, prune)
    gamma = [(m["node"], m["max_abs_before"], m["max_abs_after"])
             for m in report.get("gamma_migration", [])]
    if gamma != dom.gamma:
        return False, "gamma migration: DOM %r, JSON %r" % (dom.gamma, gamma)
    dte = {m["module"]: (m["macs_before"], m["macs_after"])
           for m in report.get("dead_token_elim", {}).get("macs", [])}
    if dte != dom.dte:
        return False, "dead-token-elim MACs: DOM %r, JSON %r" % (dom.dte, dte)
    extra = ""
    if prune or gamma:
        extra = "; %d token-prune modules, %d gamma migrations" % (len(prune),
                                                                   len(gamma))
    if dte:
        extra += "; %d dead-token-elim modules" % len(dte)
    return True, "%d kernels, totals and rows equal the JSON, no errors%s" % (
        len(dom.layers), extra)


def find_models():
    """check_models.py's e2e models and the transformer models."""
    models = check_models.find_models()
    for onnx in sorted(glob.glob(os.path.join(check_models.MODELS,
                                              "transformers", "*",
                                              "model.onnx"))):
        d = os.path.dirname(onnx)
        if os.path.isdir(os.path.join(d, "test_data_set_0")):
            models.append((os.path.relpath(d, check_models.MODELS), onnx, "m",
                           ("harness", d)))
    return models


def main():
    p = argparse.ArgumentParser()
    p.add_argument("mode", choices=["flash", "html", "page"])
    p.add_argument("--json", help="page: the JSON report")
    p.add_argument("--html", help="page: the HTML report of the same run")
    p.add_argument("--bnnc", required=True)
    p.add_argument("--runtime", required=True)
    p.add_argument("--work", required=True)
    p.add_argument("--chromium", default="chromium")
    p.add_argument("--target", default="generic",
                   choices=["generic"] + sorted(CROSS_CC),
                   help="flash: the bnnc target, whose object is built "
                   "with its cross compiler")
    p.add_argument("--png", action="store_true",
                   help="html: also render a screenshot of each page")
    p.add_argument("--only", action="append", default=[],
                   help="check only these model ids (repeatable)")
    p.add_argument("--jobs", type=int, default=2)
    args = p.parse_args()
    os.makedirs(args.work, exist_ok=True)
    if args.mode == "page":
        ok, msg = check_page(args, args.json, args.html, args.work)
        print("%s %s: %s" % ("ok  " if ok else "FAIL", args.html, msg))
        return 0 if ok else 1
    check = check_flash if args.mode == "flash" else check_html
    models = [m for m in find_models() if not args.only or m[0] in args.only]
    if args.only and len(models) != len(args.only):
        print("FAIL unknown model in --only: %s" % args.only)
        return 1
    jobs = [(m, v) for m in models for v in ("binary", "float")]
    passed = 0
    with concurrent.futures.ThreadPoolExecutor(args.jobs) as pool:
        futures = [pool.submit(check, args, m[0], m[1], m[2], v, args.work)
                   for m, v in jobs]
        for (m, v), fut in zip(jobs, futures):
            try:
                ok, msg = fut.result()
            except Exception as e:  # a crash of the check is a failure
                ok, msg = False, "%s: %s" % (type(e).__name__, e)
            passed += ok
            print("%s %s (%s): %s" % ("ok  " if ok else "FAIL", m[0], v, msg))
    print("%s: %d of %d model variants passed" % (args.mode, passed, len(jobs)))
    return 0 if passed == len(jobs) else 1


if __name__ == "__main__":
    sys.exit(main())
