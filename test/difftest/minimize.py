#!/usr/bin/python3
"""Shrinks a failing difftest model to a small one that still fails the same
way (docs/difftest.md).

    /usr/bin/python3 minimize.py MODELDIR --out DIR [--variants V,...]
                                [--kind KIND] [--bnnc PATH]

MODELDIR was written by gen.py (its meta.json holds the spec). The failure
to keep is a failure kind (mismatch, disagree-nobin, bnnc-silent-exit, ...)
on one of the variants (default: the kinds and variants the model fails on,
restricted to generic/nobin when it fails there, as they are the fastest).
Greedy: each step tries a smaller spec (drop a block, the FFN, the
binarized head; fewer channels, smaller inputs, batch 1, 2 classes; plain
sign, +-1 weights, no residual, no RSign, opset 13, ...), regenerates the
model with gen.py's builder and keeps the change if the failure remains.
Writes the smallest failing model to DIR (model.onnx, meta.json with the
spec, inputs and PyTorch references), ready to commit under
test/difftest/regressions/.
"""
import argparse
import copy
import json
import os
import shutil
import sys
import tempfile

import numpy as np
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import gen  # noqa: E402
import run as runner  # noqa: E402


class Args:
    jobs = 2
    batch = 25
    tol = 1e-4
    keep = False
    bnnc_timeout = 120
    cc_timeout = 300
    run_timeout = 600


def failures(model_dir, variants, args, runtime):
    m = runner.Model(model_dir)
    runner.evaluate([m], variants, args, runtime)
    return m


def make(spec, d):
    shutil.rmtree(d, ignore_errors=True)
    try:
        meta = gen.generate_one(spec, d, np.random.default_rng(spec["seed"]))
    except Exception:
        return None
    return meta


SIMPLE = {"rsign": False, "alpha_mul": False, "res": "none", "rprelu": False,
          "bias": False, "order": "none", "pad": "none", "style": "sign", "form": "pm1",
          "dil": 1, "stride": 1, "groups": 1, "k": 1, "pad_how": "module", "bn": False,
          "kind": "gemm", "ln_in": False, "shared_bin": True, "scale": False,
          "qk_style": "sign", "export": "preserve", "opset": 13, "neg_gamma": 0.0,
          "zero_gamma": 0.0, "heads": 1, "ffn": 0}


def features(x):
    """How many simplifiable fields of a spec are not at their simplest."""
    if isinstance(x, dict):
        return sum((1 if k in SIMPLE and v != SIMPLE[k] else 0) + features(v)
                   for k, v in x.items())
    if isinstance(x, list):
        return sum(features(v) for v in x)
    return 0


def cost(d):
    """Size of a generated model: ONNX bytes, input elements, nodes."""
    import onnx
    m = onnx.load(os.path.join(d, "model.onnx"))
    with open(os.path.join(d, "meta.json")) as f:
        meta = json.load(f)
    elems = int(np.prod(meta["inputs"][0]["shape"]))
    return (os.path.getsize(os.path.join(d, "model.onnx")) + 4 * elems
            + 50 * len(m.graph.node), features(meta["spec"]))


def candidates(spec):
    """Smaller variants of a spec, most reducing first."""
    out = []

    def alt(f):
        s = copy.deepcopy(spec)
        try:
            if f(s) is False:
                return
        except (KeyError, IndexError, TypeError):
            return
        if s != spec:
            out.append(s)

    fam = spec["family"]
    lists = {"mlp": "blocks", "cnn": "blocks", "fsmn": "memory", "seq": "blocks"}
    if fam in lists:
        key = lists[fam]
        for i in range(len(spec[key])):
            alt(lambda s, i=i: s[key].pop(i) if len(s[key]) > 1 else False)
    alt(lambda s: s.update(batch=1, zero_first=s.get("zero_first", True)))
    if fam == "cnn" and spec["head"]["kind"] == "bin_dense":
        alt(lambda s: s["head"].update(kind="gap"))
        alt(lambda s: s["head"].update(kind="flatten"))
    if fam == "fsmn":
        for i in range(len(spec["memory"])):
            alt(lambda s, i=i: s["memory"][i].pop("between", None) and None)
            alt(lambda s, i=i: s["memory"][i].update(bn=False))
        alt(lambda s: s.__setitem__("proj_in", {"kind": "real"}))
        for c in (8, 4):
            alt(lambda s, c=c: s.__setitem__("channels", c) if s["channels"] > c else False)
    if fam == "seq":
        for w in (8, 16):
            alt(lambda s, w=w: s.__setitem__("width", w) if s["width"] > w else False)
        for i in range(len(spec["blocks"])):
            for f, v in (("res", False), ("ln", False), ("bias", False), ("alpha_mul", False),
                         ("rsign", False), ("style", "sign"), ("form", "pm1")):
                if spec["blocks"][i].get(f) != v:
                    alt(lambda s, i=i, f=f, v=v: s["blocks"][i].__setitem__(f, v))
    if fam == "bert":
        alt(lambda s: s.__setitem__("ffn", 0))
        alt(lambda s: s.__setitem__("ln_in", False))
        alt(lambda s: s.__setitem__("shared_bin", True))
        alt(lambda s: s.__setitem__("heads", 1))
        alt(lambda s: s.__setitem__("input", [max(2, s["input"][0] // 2), s["input"][1]]))
        alt(lambda s: s.__setitem__("input", [s["input"][0], 8]) if s["input"][1] > 8 else False)
        alt(lambda s: s.__setitem__("qk_style", "sign"))
        alt(lambda s: s.__setitem__("style", "sign"))
        alt(lambda s: s.__setitem__("form", "pm1"))
        alt(lambda s: s.__setitem__("scale", False))
    # smaller inputs
    inp = spec["input"]
    if fam == "seq":
        alt(lambda s: s.__setitem__("input", [max(1, s["input"][0] // 2), s["input"][1]]))
    for j in range(len(inp)):
        if fam in ("bert", "seq") and j == 0:
            continue
        if fam == "bert":
            break
        for v in sorted({max(1, inp[j] // 2), inp[j] - 1}):
            if 1 <= v < inp[j]:
                alt(lambda s, j=j, v=v: s["input"].__setitem__(j, v))
    alt(lambda s: s.__setitem__("classes", 2))
    if fam in ("mlp", "cnn"):
        st = spec["stem"]
        alt(lambda s: s["stem"].update(kind="plain") if st["kind"] != "none" else False)
        alt(lambda s: s["stem"].update(out=4) if st.get("out", 4) > 4 else False)
        alt(lambda s: s["stem"].update(k=1) if st.get("k", 1) > 1 else False)
        blocks = [("blocks", i) for i in range(len(spec["blocks"]))]
    elif fam == "fsmn":
        blocks = [("memory", i) for i in range(len(spec["memory"]))]
    else:  # bert, seq (handled above)
        blocks = []
    for key, i in blocks:
        b = spec[key][i]
        simpl = [("rsign", False), ("alpha_mul", False), ("res", "none"), ("rprelu", False),
                 ("bias", False), ("order", "bn"), ("order", "none"), ("pad", "none"),
                 ("pad", "conv"), ("style", "sign"), ("form", "pm1"), ("dil", 1),
                 ("stride", 1), ("groups", 1), ("k", 1), ("pad_how", "module"),
                 ("bn", False), ("kind", "gemm")]
        for f, v in simpl:
            if f in b and b[f] != v:
                alt(lambda s, f=f, v=v, key=key, i=i: s[key][i].__setitem__(f, v))
        for c in (4, 8, 16):
            if "out" in b and b["out"] > c:
                def shrink(s, key=key, i=i, c=c):
                    bb = s[key][i]
                    if bb.get("groups", 1) == bb["out"] and bb["out"] > 1:
                        bb["groups"] = c
                    bb["out"] = c
                alt(shrink)
        if b.get("pads"):
            alt(lambda s, key=key, i=i: s[key][i].__setitem__(
                "pads", [min(p, 1) for p in s[key][i]["pads"]]))
    alt(lambda s: s.pop("style_all", None) and None)
    alt(lambda s: s.__setitem__("opset", 13))
    alt(lambda s: s.__setitem__("export", "preserve"))
    alt(lambda s: s.__setitem__("neg_gamma", 0.0))
    alt(lambda s: s.__setitem__("zero_gamma", 0.0))
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("model")
    ap.add_argument("--out", required=True)
    ap.add_argument("--variants")
    ap.add_argument("--kind")
    ap.add_argument("--bnnc", default=os.path.join(runner.SRC, "build", "bin", "bnnc"))
    ap.add_argument("--max-steps", type=int, default=300)
    ap.add_argument("-v", "--verbose", action="store_true")
    ap.add_argument("--any", dest="same", action="store_false",
                    help="keep any one of the original failures (default: all of them)")
    a = ap.parse_args()
    torch.set_num_threads(1)
    args = Args()
    args.bnnc = os.path.abspath(a.bnnc)
    tmp = tempfile.mkdtemp(prefix="bnnc-minimize-")
    args.work = os.path.join(tmp, "work")
    runtime = runner.runtime_dir(args.bnnc)
    variants = a.variants.split(",") if a.variants else None
    first = failures(a.model, variants or runner.VARIANTS, args, runtime)
    fails = [(v, k) for v, k, _ in first.failures]
    if not fails:
        sys.exit("minimize.py: %s does not fail" % a.model)
    if a.kind:
        fails = [(v, k) for v, k in fails if k == a.kind]
    if not variants:
        fast = [v for v, _ in fails if v in ("generic", "nobin")]
        variants = sorted(set(fast or [v for v, _ in fails]))
    want_variants = list(variants)
    # A disagreement needs the variant it is measured against.
    for v, k in fails:
        if v in variants and k.startswith("disagree-") and k[9:] not in variants:
            variants.append(k[9:])
    kinds = {k for v, k in fails if v in variants}
    print("keeping: %s on %s" % (", ".join(sorted(kinds)), ", ".join(variants)), flush=True)

    want = {(v, k) for v, k in fails if v in want_variants}

    def still_fails(d):
        m = failures(d, variants, args, runtime)
        got = {(v, k) for v, k, _ in m.failures}
        return (want <= got) if a.same else bool(want & got), m

    with open(os.path.join(a.model, "meta.json")) as f:
        spec = json.load(f)["spec"]
    best = os.path.join(tmp, "best")
    shutil.copytree(a.model, best)
    cur = copy.deepcopy(spec)
    cur_cost = cost(best)
    steps = 0
    progress = True
    while progress and steps < a.max_steps:
        progress = False
        for cand in candidates(cur):
            steps += 1
            d = os.path.join(tmp, "cand")
            if make(cand, d) is None:
                if a.verbose:
                    print("  step %d: invalid" % steps, flush=True)
                continue
            if cost(d) >= cur_cost:
                if a.verbose:
                    print("  step %d: not smaller %s >= %s" % (steps, cost(d), cur_cost))
                continue
            ok, m = still_fails(d)
            if a.verbose and not ok:
                print("  step %d: passes or fails differently: %s" % (
                    steps, sorted({(v, k) for v, k, _ in m.failures})), flush=True)
            if ok:
                cur = cand
                cur_cost = cost(d)
                shutil.rmtree(best)
                shutil.copytree(d, best)
                print("  step %d: %d bytes, %s" % (
                    steps, os.path.getsize(os.path.join(d, "model.onnx")),
                    m.failures[0][2][:120]), flush=True)
                progress = True
                break
            if steps >= a.max_steps:
                break
    shutil.rmtree(a.out, ignore_errors=True)
    shutil.copytree(best, a.out)
    m = failures(a.out, variants, args, runtime)
    for v, k, detail in m.failures:
        print("FAIL %s %s: %s" % (v, k, detail))
    print("minimized to %s (%d bytes, %d steps)" % (
        a.out, os.path.getsize(os.path.join(a.out, "model.onnx")), steps))
    shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
