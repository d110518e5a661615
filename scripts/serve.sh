#!/usr/bin/env bash
# Build the app (release) and serve it on http://127.0.0.1:${PORT:-8080}/ until Ctrl+C.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$PWD/target}"
scripts/build-app.sh
exec node scripts/static-server.mjs dist 127.0.0.1 "${PORT:-8080}"
