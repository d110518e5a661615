#!/usr/bin/env bash
# The benchmarks (not part of scripts/test.sh): builds what it needs, then measures in one
# headless Chromium and natively, and writes bench/results.json and the tables in BENCHMARKS.md.
#
#   scripts/bench.sh                 everything (about 15-25 minutes on 2 cores)
#   BENCH_RUNS=3 scripts/bench.sh    fewer runs per figure (default 5)
#   BENCH_ONLY=inference,sizes scripts/bench.sh   some sections (inference, reading, analysis, kernels, drop, sizes)
#   BENCH_RELAXED=0 scripts/bench.sh no relaxed-SIMD bench_models build (the per-slice table
#                                    then lacks the build the app's workers run in Chromium)
#
# Honours CARGO_TARGET_DIR. The no-SIMD and relaxed-SIMD builds use their own target folders
# below it, since a RUSTFLAGS setting replaces the SIMD flag of .cargo/config.toml (the
# relaxed one is the app's: scripts/build-relaxed-worker.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$PWD/target}"
[ -d node_modules/onnxruntime-web ] && [ -d node_modules/dicom-parser ] || npm ci --no-audit --no-fund
# bench/make_cases.py writes the cases with nibabel, pydicom and imagecodecs (JPEG lossless);
# bench/ort_native.py times onnxruntime. Installed into a folder of their own (not the system's
# Python, whose packages would shadow the tests' pinned ones).
BENCH_PYDEPS="$PWD/.cache/bench-pydeps"
export PYTHONPATH="$BENCH_PYDEPS${PYTHONPATH:+:$PYTHONPATH}"
python3 -c "import imagecodecs, nibabel, pydicom, onnxruntime" 2>/dev/null ||
  python3 -m pip install --quiet --target "$BENCH_PYDEPS" \
    imagecodecs==2026.3.6 nibabel==5.4.2 pydicom==3.0.2 onnxruntime==1.30.0

RUNS="${BENCH_RUNS:-5}"
WORK="$PWD/target/bench"
DIST="$WORK/dist"
WASM="$WORK/wasm"
CASES="$WORK/cases"
mkdir -p "$WORK" "$WASM" "$CASES"

echo "== native CLI and model timing (release)"
cargo build --release --features inference --bin hemoscope --example model_timing
CLI="$WORK/hemoscope"
cp "$CARGO_TARGET_DIR/release/hemoscope" "$CLI"

echo "== the app (trunk build --release)"
trunk build --release --offline --dist "$DIST"

# bench_models (src/bin/bench_models.rs) for the bench page, one build per variant.
build_bench_wasm() { # variant target_dir rustflags(or "-" for .cargo/config.toml)
  local variant=$1 target=$2 flags=$3
  echo "== bench_models wasm: $variant"
  if [ "$flags" = "-" ]; then
    CARGO_TARGET_DIR="$target" cargo build --release --target wasm32-unknown-unknown \
      --features inference --bin bench_models
  else
    RUSTFLAGS="$flags" CARGO_TARGET_DIR="$target" cargo build --release \
      --target wasm32-unknown-unknown --features inference --bin bench_models
  fi
  wasm-bindgen --target web --no-typescript --out-dir "$WASM/$variant" \
    "$target/wasm32-unknown-unknown/release/bench_models.wasm"
}
build_bench_wasm simd "$CARGO_TARGET_DIR" -
build_bench_wasm nosimd "$CARGO_TARGET_DIR/nosimd" "-C target-feature=-simd128"
if [ "${BENCH_RELAXED:-1}" = 1 ]; then
  build_bench_wasm relaxed "$CARGO_TARGET_DIR/relaxed-simd" "-C target-feature=+simd128,+relaxed-simd"
else
  rm -rf "$WASM/relaxed"
fi

echo "== cases"
"$CLI" phantom -o "$CASES/phantom.nii.gz"
python3 bench/make_cases.py "$CASES/phantom.nii.gz" "$CASES"

echo "== native timings"
"$CARGO_TARGET_DIR/release/examples/model_timing" --json --runs "$RUNS" > "$WORK/tract-native.jsonl"
python3 bench/ort_native.py models "$RUNS" > "$WORK/ort-native.jsonl"

echo "== browser"
BENCH_DIST="$DIST" BENCH_WASM="$WASM" BENCH_CASES="$CASES" BENCH_RUNS="$RUNS" \
  BENCH_NATIVE_JSON="$WORK/tract-native.jsonl" BENCH_ORT_NATIVE_JSON="$WORK/ort-native.jsonl" \
  node bench/run.mjs
echo "wrote bench/results.json and BENCHMARKS.md"
