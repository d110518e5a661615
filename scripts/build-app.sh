#!/usr/bin/env bash
# Build the web app (release) with trunk into dist/ (or the --dist given). Used by serve.sh and
# test.sh, so the served build and the tested build are made the same way.
# trunk runs cargo offline (Trunk.toml: offline = true, so it never downloads tools), and an
# offline cargo needs every crate in the local cache: fetch them first (quick when present).
# --fetch-only stops after the fetch (the test run checks it on an empty crate cache).
set -euo pipefail
cd "$(dirname "$0")/.."
cargo fetch --locked
if [ "${1:-}" = "--fetch-only" ]; then exit 0; fi
exec trunk build --release --offline "$@"
