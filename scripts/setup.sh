#!/usr/bin/env bash
# Install what building and testing need, skipping whatever is already there:
# the wasm32 target, trunk, wasm-bindgen-cli (same version as Cargo.lock), Debian's chromium +
# chromedriver + wabt, and the npm packages pinned in package-lock.json.
set -euo pipefail
cd "$(dirname "$0")/.."

TRUNK_VERSION=0.21.14
# The CLI must match the wasm-bindgen crate version in Cargo.lock exactly.
WBG_VERSION=$(awk '/^name = "wasm-bindgen"$/ { getline; gsub(/version = |"/, ""); print; exit }' Cargo.lock)
: "${WBG_VERSION:?could not read the wasm-bindgen version from Cargo.lock}"

say() { printf '[setup] %s\n' "$*"; }
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO=sudo; fi

if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
  say "adding the wasm32-unknown-unknown target"
  rustup target add wasm32-unknown-unknown
fi

for component in clippy rustfmt; do
  if ! rustup component list --installed | grep -q "^$component"; then
    say "adding the $component component"
    rustup component add "$component"
  fi
done

# cargo install builds in its own temporary folder, not in the project's target dir.
if [ "$(trunk --version 2>/dev/null || true)" != "trunk $TRUNK_VERSION" ]; then
  say "installing trunk $TRUNK_VERSION (about 10 minutes)"
  env -u CARGO_TARGET_DIR cargo install --locked trunk --version "$TRUNK_VERSION"
fi
if [ "$(wasm-bindgen --version 2>/dev/null || true)" != "wasm-bindgen $WBG_VERSION" ]; then
  say "installing wasm-bindgen-cli $WBG_VERSION (about 4 minutes)"
  # --locked fails for this crate (a locked dependency version is missing from the registry).
  env -u CARGO_TARGET_DIR cargo install --force wasm-bindgen-cli --version "$WBG_VERSION"
fi

if [ ! -x /usr/bin/chromium ] || ! command -v chromedriver >/dev/null || ! command -v wasm-strip >/dev/null; then
  say "installing chromium, chromium-driver and wabt from apt"
  $SUDO apt-get update
  $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y chromium chromium-driver wabt
fi

# npm ci when node_modules is missing or older than the lockfile.
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  say "installing npm packages from package-lock.json"
  npm ci --no-audit --no-fund
fi
say "ok"
