#!/usr/bin/env bash
# Run every test: formatting, native unit/integration tests, clippy (native and wasm32),
# the release build of the web app, and the end-to-end tests in headless Chromium.
# Prints a summary and exits non-zero if anything failed.
set -uo pipefail
cd "$(dirname "$0")/.."

if ! scripts/setup.sh; then
  echo "FAIL: scripts/setup.sh could not install the build tools" >&2
  exit 1
fi
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$PWD/target}"
# The test build goes to its own folder so a running scripts/serve.sh (dist/) is not disturbed.
DIST="$PWD/target/e2e-dist"

results=()
failed=0
step() {
  local name=$1
  shift
  printf '\n=== %s\n' "$name"
  local t0=$SECONDS
  if "$@"; then
    results+=("PASS  $name ($((SECONDS - t0)) s)")
  else
    results+=("FAIL  $name ($((SECONDS - t0)) s)")
    failed=1
    return 1
  fi
}

step "cargo fmt --check" cargo fmt --check
# Reference decodes of pydicom's bundled MIT test files, compared by tests/dicom_pydicom.rs.
step "pydicom reference decodes" python3 tests/fixtures/pydicom_reference.py
step "cargo test --features inference (native)" cargo test --features inference
step "cargo clippy --all-targets (native)" cargo clippy --all-targets -- -D warnings
step "cargo clippy --all-targets --features inference (native)" \
  cargo clippy --all-targets --features inference -- -D warnings
# The wasm32 runs also ban calls that compile but fail in the browser (Instant::now, ...).
step "cargo clippy (wasm32: lib, app, decode_worker)" \
  env CLIPPY_CONF_DIR="$PWD/scripts/clippy-wasm32" \
  cargo clippy --target wasm32-unknown-unknown --lib --bin app --bin decode_worker -- -D warnings
step "cargo clippy (wasm32: analysis_worker, --features inference)" \
  env CLIPPY_CONF_DIR="$PWD/scripts/clippy-wasm32" \
  cargo clippy --target wasm32-unknown-unknown --lib --bin analysis_worker --features inference -- -D warnings
# Browser tests of the analysis worker's protocol and self-test (wasm-bindgen-test in
# headless chromium through chromedriver; the runner is set in .cargo/config.toml).
step "wasm-bindgen tests in headless Chromium (tests/wasm_analysis.rs)" \
  env CHROMEDRIVER="$(command -v chromedriver)" \
  WASM_BINDGEN_TEST_WEBDRIVER_JSON="$PWD/tests/wasm-webdriver.json" \
  WASM_BINDGEN_TEST_TIMEOUT=900 \
  cargo test --target wasm32-unknown-unknown --features inference --test wasm_analysis
# The end-to-end tests compare the page's analysis with the native CLI's on the same file.
# The binary is copied so another build sharing CARGO_TARGET_DIR cannot replace it meanwhile.
CLI="$PWD/target/e2e-cli/hemoscope"
build_cli() {
  cargo build --release --features inference --bin hemoscope &&
    mkdir -p "$(dirname "$CLI")" && cp "$CARGO_TARGET_DIR/release/hemoscope" "$CLI"
}
step "cargo build --release --features inference --bin hemoscope" build_cli
# The demo case as a DICOM series (examples/phantom_dicom.rs) for the export round trip and the
# DICOM SEG end-to-end test; copied like the CLI.
PHANTOM_DICOM_BIN="$PWD/target/e2e-cli/phantom_dicom"
build_phantom_dicom() {
  cargo build --example phantom_dicom &&
    mkdir -p "$(dirname "$PHANTOM_DICOM_BIN")" &&
    cp "$CARGO_TARGET_DIR/debug/examples/phantom_dicom" "$PHANTOM_DICOM_BIN"
}
step "cargo build --example phantom_dicom" build_phantom_dicom
# Exports read back by other tools: nibabel, SimpleITK, pydicom, highdicom (pinned, installed
# into .cache/export-pydeps when missing).
step "export round trip (nibabel, SimpleITK, pydicom, highdicom)" \
  env PHANTOM_DICOM_BIN="$PHANTOM_DICOM_BIN" python3 tests/fixtures/export_roundtrip.py "$CLI"
# The serve command must work on a machine whose crate cache is empty (trunk runs cargo offline):
# with an empty CARGO_HOME, the crates that scripts/build-app.sh fetches must be every crate the
# build resolves (cargo metadata --offline fails on any crate missing from that cache).
serve_path_fetches_everything() {
  local home
  home=$(mktemp -d)
  CARGO_HOME="$home" scripts/build-app.sh --fetch-only >/dev/null 2>&1 &&
    CARGO_HOME="$home" cargo metadata --offline --locked --format-version 1 >/dev/null
  local rc=$?
  rm -rf "$home"
  return $rc
}
step "serve path on an empty crate cache (cargo fetch, then offline)" serve_path_fetches_everything
if step "trunk build --release (scripts/build-app.sh)" scripts/build-app.sh --dist "$DIST"; then
  step "end-to-end tests (Playwright + Chromium)" env HEMOSCOPE_DIST="$DIST" \
    HEMOSCOPE_CLI="$CLI" PHANTOM_DICOM_BIN="$PHANTOM_DICOM_BIN" node --test --test-concurrency=1 tests/e2e/
else
  results+=("SKIP  end-to-end tests (no build)")
fi

printf '\n=== Summary\n'
printf '%s\n' "${results[@]}"
if [ "$failed" -ne 0 ]; then
  printf 'RESULT: FAILED\n'
  exit 1
fi
printf 'RESULT: all passed\n'
