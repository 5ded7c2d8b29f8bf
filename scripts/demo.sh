#!/usr/bin/env bash
# The main job, end to end: build bnnc, compile the bundled digits model to C,
# build that C with a small driver and run it on the bundled test images.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
source "$ROOT/scripts/setup.sh"

EXAMPLE="$ROOT/examples/digits"
OUT="$BUILD/demo"
mkdir -p "$OUT"
echo "==> bnnc examples/digits/digits.onnx -o $OUT/digits.c"
"$BUILD/bin/bnnc" "$EXAMPLE/digits.onnx" -o "$OUT/digits.c"
echo "==> cc -std=c99 -Wall -Wextra -Werror digits.c main.c"
cc -std=c99 -O2 -Wall -Wextra -Werror -I"$("$BUILD/bin/bnnc" --print-runtime-dir)" \
  -I"$OUT" "$OUT/digits.c" "$EXAMPLE/main.c" -o "$OUT/digits-demo" -lm
echo "==> running the generated C on examples/digits/images.bin"
"$OUT/digits-demo" "$EXAMPLE/images.bin" "$EXAMPLE/labels.txt"
