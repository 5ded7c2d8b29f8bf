#!/usr/bin/env bash
# test/fuzz/run.sh [RUNS] [TARGET...]: builds the libFuzzer targets in
# build-fuzz/ (clang-19, -DBNNC_FUZZ=ON; the normal build is untouched) and
# runs each target (import, compile, tflite: the compile target with every
# input made a TFLite file) for RUNS executions (default 100000) at nice 19,
# on a corpus seeded with the e2e models (ONNX and TFLite), the
# malformed-input corpus (test/models/bad) and every 8th ONNX backend node
# test, inputs of at most
# 16 KiB. The corpus grows
# across runs in build-fuzz/fuzz/corpus-<target>; crashes go to
# build-fuzz/fuzz/artifacts/. Every file of test/fuzz/regressions/ (past
# findings) is run first. Prints the executions of each target.
#
# Environment: BNNC_FUZZ_BUILD_DIR (default <repo>/build-fuzz),
# BNNC_FUZZ_JOBS (ninja -j, default 2), BNNC_FUZZ_SECONDS (optional
# -max_total_time per target, for bounded smoke runs), BNNC_FUZZ_BUILD_TYPE
# (CMake build type of a new build directory, default RelWithDebInfo),
# BNNC_FUZZ_CHUNK (executions per libFuzzer process, default 10^6),
# BNNC_FUZZ_SEED (libFuzzer's -seed for the first process, chunk k uses
# SEED + k; unset: a random seed per process). A seeded run mutates the
# same inputs in the same order on every machine, so a finding of CI's
# smoke run does not depend on luck; long runs stay random.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
BUILD="${BNNC_FUZZ_BUILD_DIR:-$ROOT/build-fuzz}"
RUNS="${1:-100000}"
CHUNK="${BNNC_FUZZ_CHUNK:-1000000}"
shift || true
TARGETS=("$@")
[ ${#TARGETS[@]} -eq 0 ] && TARGETS=(import compile)
TESTDATA=/usr/share/libonnx-testdata/data/node

if [ ! -f "$BUILD/build.ninja" ]; then
  CC=clang-19 CXX=clang++-19 cmake -G Ninja -S "$ROOT" -B "$BUILD" \
    -DBNNC_FUZZ=ON -DCMAKE_BUILD_TYPE="${BNNC_FUZZ_BUILD_TYPE:-RelWithDebInfo}" \
    -DMLIR_DIR=/usr/lib/llvm-19/lib/cmake/mlir \
    -DCMAKE_EXE_LINKER_FLAGS=-fuse-ld=lld \
    -DPython3_EXECUTABLE=/usr/bin/python3 >/dev/null
fi
ninja -C "$BUILD" -j"${BNNC_FUZZ_JOBS:-2}" \
  $(printf 'bnnc-fuzz-%s ' "${TARGETS[@]}") | tail -n 1

# Seeds: rebuilt each time (cheap), kept apart from the growing corpus.
SEEDS="$BUILD/fuzz/seeds-$(IFS=-; echo "${TARGETS[*]}")"
rm -rf "$SEEDS" && mkdir -p "$SEEDS" "$BUILD/fuzz/artifacts"
# Inputs are capped at MAXLEN bytes (speed: the import path runs onnx::checker
# and shape inference on every input); larger e2e models are left out of the
# seeds rather than truncated.
MAXLEN=16384
i=0
for f in "$ROOT"/test/models/*/model.onnx "$ROOT"/test/models/bnn/*/model.onnx \
         "$ROOT"/test/models/bad/*.onnx "$ROOT"/examples/*/*.onnx \
         "$ROOT"/test/models/*/model.tflite "$ROOT"/test/models/bad/*.tflite; do
  [ "$(stat -c %s "$f")" -le $MAXLEN ] && cp "$f" "$SEEDS/seed-$i.onnx"
  i=$((i + 1))
done
if [ -d "$TESTDATA" ]; then
  n=0
  for d in "$TESTDATA"/*/; do
    if [ $((n % 8)) -eq 0 ] && [ -f "$d/model.onnx" ] &&
       [ "$(stat -c %s "$d/model.onnx")" -le $MAXLEN ]; then
      cp "$d/model.onnx" "$SEEDS/node-$(basename "$d").onnx"
    fi
    n=$((n + 1))
  done
fi
echo "==> $(ls "$SEEDS" | wc -l) seed models"

export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1:allocator_may_return_null=1}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"
total=0
for t in "${TARGETS[@]}"; do
  bin="$BUILD/bin/bnnc-fuzz-$t"
  corpus="$BUILD/fuzz/corpus-$t"
  mkdir -p "$corpus"
  # Past findings must pass (each file is one execution).
  if ls "$ROOT"/test/fuzz/regressions/* >/dev/null 2>&1; then
    "$bin" -rss_limit_mb=2048 "$ROOT"/test/fuzz/regressions/* 2>&1 | tail -n 1
  fi
  log="$BUILD/fuzz/$t.log"
  echo "==> bnnc-fuzz-$t: $RUNS runs"
  deadline=""
  [ -n "${BNNC_FUZZ_SECONDS:-}" ] && deadline=$(($(date +%s) + BNNC_FUZZ_SECONDS))
  # One libFuzzer process per CHUNK executions on the same growing corpus:
  # ASan's allocator keeps what it has freed, so a process's RSS creeps up
  # (measured: 642 MB resident for 34 MB of live heap after 300k inputs)
  # until the 2 GB limit would report an out-of-memory that is no bug of ours.
  done_runs=0
  chunk=0
  start=$(date +%s)
  while [ "$done_runs" -lt "$RUNS" ]; do
    n=$((RUNS - done_runs < CHUNK ? RUNS - done_runs : CHUNK))
    extra=()
    [ -n "${BNNC_FUZZ_SEED:-}" ] && extra+=(-seed=$((BNNC_FUZZ_SEED + chunk)))
    chunk=$((chunk + 1))
    if [ -n "$deadline" ]; then
      left=$((deadline - $(date +%s)))
      [ "$left" -le 0 ] && break
      extra+=(-max_total_time="$left")
    fi
    if ! nice -n 19 "$bin" -runs="$n" -max_len=$MAXLEN -timeout=30 \
         -rss_limit_mb=2048 -malloc_limit_mb=2048 -print_final_stats=1 \
         -artifact_prefix="$BUILD/fuzz/artifacts/$t-" "${extra[@]}" \
         "$corpus" "$SEEDS" >"$log" 2>&1; then
      runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
      echo "$(date -u +%FT%TZ) $t ${runs:-0} FINDING" >> "$BUILD/fuzz/history.txt"
      tail -n 40 "$log"
      echo "bnnc-fuzz-$t: FAILED after $((done_runs + ${runs:-0})) executions (log: $log)"
      exit 1
    fi
    runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
    runs=${runs:-0}
    echo "$(date -u +%FT%TZ) $t $runs clean" >> "$BUILD/fuzz/history.txt"
    done_runs=$((done_runs + runs))
    # A chunk that stopped short ran out of time.
    [ "$runs" -lt "$n" ] && break
  done
  echo "bnnc-fuzz-$t: $done_runs executions in $(($(date +%s) - start)) s, no findings"
  runs=$done_runs
  total=$((total + ${runs:-0}))
done
echo "total: $total executions"
