#!/usr/bin/env python3
"""Groups the failing models of difftest runs by signature (docs/difftest.md).

    triage.py RESULTS.json...     (run.py --json / run.sh N SEED output)
    triage.py --table RESULTS.json...   one markdown table row per run

A signature is the set of (variant, failure kind) of a model, e.g.
"nobin:mismatch generic:disagree-nobin" (only the float path is wrong) or
"aarch64:mismatch cortex-m4:mismatch generic:mismatch ..." (the binarized C
is wrong on every target). Prints, per signature, the number of models, the
families and BatchNorm modes among them and a few model ids to minimize.
"""
import json
import os
import sys


def table(paths):
    print("| seed | generated models | variants | passed | failed | near-threshold rows "
          "| checked rows with exact zeros | onnxruntime-checked |")
    print("|---|---|---|---|---|---|---|---|")
    for path in paths:
        with open(path) as f:
            r = json.load(f)
        gen = [m for m in r["models"] if not m["id"].startswith("regressions/")]
        st = r["stats"]
        print("| %s | %d | %s | %d | %d | %d | %d | %s |" % (
            r.get("seed", "-"), len(gen), ", ".join(r["variants"]),
            sum(1 for m in gen if not m["failures"]),
            sum(1 for m in gen if m["failures"]), st["near_rows"], st["zero_rows"],
            "yes" if any(v == "onnxruntime" for m in gen for v, _, _ in m["failures"])
            or r.get("ort") else "-"))


def main():
    if sys.argv[1:2] == ["--table"]:
        return table(sys.argv[2:])
    groups = {}
    total = failed = 0
    for path in sys.argv[1:]:
        with open(path) as f:
            r = json.load(f)
        gen_dir = os.path.join(os.path.dirname(path), "s%s" % r.get("seed", ""),
                               "gen-s%s" % r.get("seed", ""))
        for m in r["models"]:
            total += 1
            if not m["failures"]:
                continue
            failed += 1
            sig = " ".join(sorted({"%s:%s" % (v, k) for v, k, _ in m["failures"]}))
            g = groups.setdefault(sig, {"n": 0, "family": {}, "ids": []})
            g["n"] += 1
            g["family"][m["family"]] = g["family"].get(m["family"], 0) + 1
            d = os.path.join(gen_dir, m["id"])
            mode = "?"
            if os.path.isfile(os.path.join(d, "meta.json")):
                with open(os.path.join(d, "meta.json")) as f:
                    mode = json.load(f)["spec"]["bn_mode"]
            g.setdefault("mode", {})
            g["mode"][mode] = g["mode"].get(mode, 0) + 1
            g["ids"].append(d if os.path.isdir(d) else m["id"])
    print("%d models, %d failed, %d signatures" % (total, failed, len(groups)))
    for sig, g in sorted(groups.items(), key=lambda kv: -kv[1]["n"]):
        print("%4d  %s" % (g["n"], sig))
        print("      families %s, BatchNorm %s" % (g["family"], g.get("mode")))
        for i in g["ids"][:3]:
            print("      " + i)


if __name__ == "__main__":
    main()
