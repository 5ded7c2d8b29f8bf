#!/usr/bin/env bash
# The main job, end to end: build bnnc, compile the bundled binarized digits
# model (an XNOR-Net-style CNN: binary 3x3 convolutions on bit-packed
# activations) to C with a per-layer report, build that C with a small driver
# and classify the bundled test images; then the same for the float CNN.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
source "$ROOT/scripts/setup.sh"

BNNC="$BUILD/bin/bnnc"
RUNTIME="$("$BNNC" --print-runtime-dir)"
OUT="$BUILD/demo"
mkdir -p "$OUT"

BNN="$ROOT/examples/bnn-digits"
echo "==> bnnc examples/bnn-digits/xnor_digits.onnx -o $OUT/xnor.c --report"
"$BNNC" "$BNN/xnor_digits.onnx" -o "$OUT/xnor.c" --report
echo "==> cc -std=c99 -Wall -Wextra -Werror xnor.c main.c"
cc -std=c99 -O2 -Wall -Wextra -Werror -I"$RUNTIME" -I"$OUT" \
  "$OUT/xnor.c" "$BNN/main.c" -o "$OUT/xnor-demo" -lm
echo "==> running the binarized C on examples/bnn-digits/images.bin"
"$OUT/xnor-demo" "$BNN/images.bin" "$BNN/labels.txt" "$BNN/pytorch_argmax.txt"

FLOAT="$ROOT/examples/digits"
echo
echo "==> the float digits CNN: bnnc examples/digits/digits.onnx -o $OUT/digits.c"
"$BNNC" "$FLOAT/digits.onnx" -o "$OUT/digits.c"
cc -std=c99 -O2 -Wall -Wextra -Werror -I"$RUNTIME" -I"$OUT" \
  "$OUT/digits.c" "$FLOAT/main.c" -o "$OUT/digits-demo" -lm
"$OUT/digits-demo" "$FLOAT/images.bin" "$FLOAT/labels.txt" | tail -n 1
