#!/usr/bin/env bash
# trunk post_build hook (Trunk.toml): a second build of the analysis worker with wasm relaxed SIMD
# (`+relaxed-simd`: tract's f32 matrix kernel uses fused multiply-add), written beside trunk's
# own build as analysis_worker_relaxed.js / analysis_worker_relaxed_bg.wasm. The page loads it
# only where the browser validates a relaxed-SIMD instruction (src/ui/web/analysis.rs,
# web/analysis_worker_loader.js); everywhere else it loads trunk's plain SIMD build.
# Its own target folder: RUSTFLAGS replaces .cargo/config.toml's flags, and sharing the folder
# would rebuild every crate each time the two builds alternate.
set -euo pipefail
cd "${TRUNK_SOURCE_DIR:-$(dirname "$0")/..}"
out="${TRUNK_STAGING_DIR:?run by trunk (post_build hook)}"
target_dir="${CARGO_TARGET_DIR:-$PWD/target}/relaxed-simd"
profile_flag=()
profile=debug
if [ "${TRUNK_PROFILE:-release}" = release ]; then
  profile_flag=(--release)
  profile=release
fi
RUSTFLAGS="-C target-feature=+simd128,+relaxed-simd" cargo build --offline --locked \
  --target wasm32-unknown-unknown --bin analysis_worker --features inference \
  --target-dir "$target_dir" "${profile_flag[@]}"
wasm-bindgen --target no-modules --no-typescript --out-dir "$out" --out-name analysis_worker_relaxed \
  "$target_dir/wasm32-unknown-unknown/$profile/analysis_worker.wasm"
