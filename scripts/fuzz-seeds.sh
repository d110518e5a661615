#!/usr/bin/env bash
# Regenerate fuzz/corpus/<target>/ from the bad-input corpus (tests/support/corpus.rs):
# every case's first two files up to 48 KB, by family (NIfTI, DICOM, zip).
set -euo pipefail
cd "$(dirname "$0")/.."
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cargo run --quiet --example bad_corpus -- "$tmp"
python3 - "$tmp" <<'PY'
import json, os, shutil, sys
root = sys.argv[1]
targets = {"nifti": "fuzz_nifti", "dicom": "fuzz_dicom", "zip": "fuzz_zip"}
for t in targets.values():
    shutil.rmtree(f"fuzz/corpus/{t}", ignore_errors=True)
    os.makedirs(f"fuzz/corpus/{t}")
n = 0
for case in json.load(open(f"{root}/manifest.json")):
    for i, f in enumerate(case["files"][:2]):
        src = f"{root}/{f}"
        if os.path.getsize(src) <= 48 * 1024:
            shutil.copy(src, f"fuzz/corpus/{targets[case['family']]}/{case['name']}_{i}")
            n += 1
print(f"{n} seed files written under fuzz/corpus/")
PY
