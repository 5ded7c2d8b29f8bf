#!/usr/bin/env bash
# Regenerates docs/report-example.html (bnnc --report=FILE.html of the
# bundled binarized digits CNN) and its screenshot docs/report-example.png
# (headless Chromium). Builds bnnc first, installing missing Debian packages
# like test.sh. Commit both files; the lit test e2e/report-html.test fails
# while docs/report-example.html is out of date.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
source "$ROOT/scripts/setup.sh"

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cd "$ROOT"
"$BUILD/bin/bnnc" examples/bnn-digits/xnor_digits.onnx -o "$work/xnor.c" \
  --report=docs/report-example.html
chromium --headless --no-sandbox --disable-gpu --hide-scrollbars \
  --user-data-dir="$work/chrome" --window-size=1100,2300 \
  --screenshot="$ROOT/docs/report-example.png" \
  "file://$ROOT/docs/report-example.html" 2>/dev/null
echo "==> updated docs/report-example.html and docs/report-example.png"
