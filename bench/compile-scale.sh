#!/usr/bin/env bash
# Compile-scale benchmark (issue 16): a MobileNetV2-class float model of
# about 10 MB of weights (bench/compile-scale/make_mobilenet.py) through
# bnnc and gcc -O2. Prints the wall and CPU times, peak RSS and sizes that
# bench/results/compile-scale.md records. Needs a built bnnc
# (scripts/setup.sh) and /usr/bin/python3 with python3-torch.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BUILD="${BNNC_BUILD_DIR:-$ROOT/build}"
WORK="${BNNC_BENCH_WORK:-$BUILD/bench/compile-scale}"
mkdir -p "$WORK/out"
/usr/bin/python3 "$ROOT/bench/compile-scale/make_mobilenet.py" "$WORK/mnv2.onnx"
measure() { # measure <label> <command...>: GNU time's CPU, wall and RSS
  /usr/bin/time -f "$1: user %U s, sys %S s, wall %e s, peak RSS %M KiB" "${@:2}"
}
measure bnnc "$BUILD/bin/bnnc" "$WORK/mnv2.onnx" -o "$WORK/out/mnv2.c"
measure "gcc -O2" gcc -std=c99 -O2 -c -I"$BUILD/runtime" "$WORK/out/mnv2.c" \
  -o "$WORK/out/mnv2.o"
onnx=$(stat -c %s "$WORK/mnv2.onnx")
c=$(stat -c %s "$WORK/out/mnv2.c")
echo "model: $onnx bytes; generated C: $c bytes ($(awk "BEGIN{printf \"%.2f\", $c/$onnx}") bytes per model byte)"
size "$WORK/out/mnv2.o"
