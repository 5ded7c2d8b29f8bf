#!/usr/bin/env bash
# Regenerates docs/supported-ops.md: builds bnnc (installing missing Debian
# packages first, like test.sh), runs the ONNX conformance suite exactly as
# the ctest test `conformance` does, and copies the operator table it
# generates into docs/. Commit the result; the ctest test `supported-ops-doc`
# fails while docs/supported-ops.md is out of date.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
source "$ROOT/scripts/setup.sh"

GENERATED="$BUILD/conformance/supported-ops.md"
rm -f "$GENERATED"
echo "==> running the ONNX conformance suite (a few minutes)"
status=0
ctest --test-dir "$BUILD" -R '^conformance$' --output-on-failure || status=$?
if [ ! -f "$GENERATED" ]; then
  echo "error: the conformance suite did not generate $GENERATED" >&2
  exit 1
fi
cp "$GENERATED" "$ROOT/docs/supported-ops.md"
echo "==> updated docs/supported-ops.md"
if [ "$status" -ne 0 ]; then
  echo "note: some selected conformance tests failed; the table records it" \
       "(see the ctest output above)" >&2
fi
exit "$status"
