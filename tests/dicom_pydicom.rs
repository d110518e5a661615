//! Decoder conformance against pydicom: every pydicom test file (MIT licence, taken from the
//! pydicom wheel) that pydicom + pylibjpeg decode must decode here to the same stored values,
//! or fail with an error naming its transfer syntax UID when that syntax is not supported.
//!
//! The references come from `python3 tests/fixtures/pydicom_reference.py` (run by
//! scripts/test.sh before `cargo test`); without them the test prints a note and passes.

use std::path::PathBuf;

use hemoscope::io::dicom::{decode, parse, stored_frame, ImageHeader};
use serde_json::Value;

/// Transfer syntaxes we claim to decode (see CONFORMANCE.md).
const LOSSLESS: &[&str] = &[
    "1.2.840.10008.1.2",
    "1.2.840.10008.1.2.1",
    "1.2.840.10008.1.2.2",
    "1.2.840.10008.1.2.1.99",
    "1.2.840.10008.1.2.5",
    "1.2.840.10008.1.2.4.57",
    "1.2.840.10008.1.2.4.70",
    "1.2.840.10008.1.2.4.90",
    "1.2.840.10008.1.2.4.80",
    // Near-lossless JPEG-LS decoding is exactly defined by the standard: compared exactly.
    "1.2.840.10008.1.2.4.81",
];
const LOSSY: &[&str] = &[
    "1.2.840.10008.1.2.4.50",
    "1.2.840.10008.1.2.4.51",
    "1.2.840.10008.1.2.4.91",
];

fn reference_dir() -> PathBuf {
    std::env::var_os("HEMOSCOPE_PYDICOM_REF")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(".cache/pydicom-ref"))
}

/// Decode every frame of a file to stored values (masked, sign-extended), frames concatenated.
fn decode_stored(bytes: &[u8]) -> Result<Vec<i64>, String> {
    let obj = parse(bytes).map_err(|e| e.to_string())?;
    let h = match ImageHeader::read(&obj).map_err(|e| e.to_string())? {
        Ok(h) => h,
        Err(e) => return Err(format!("{e:?}")),
    };
    let raw = decode(&obj, &h).map_err(|e| e.to_string())?;
    let mut out = Vec::new();
    for k in 0..h.frames as usize {
        out.extend(stored_frame(&raw, &h, k).map_err(|e| e.to_string())?);
    }
    Ok(out)
}

#[test]
fn pydicom_test_files_decode_like_pydicom() {
    let dir = reference_dir();
    let Ok(entries) = std::fs::read_dir(&dir) else {
        eprintln!(
            "note: {} absent; run `python3 tests/fixtures/pydicom_reference.py` first. Skipped.",
            dir.display()
        );
        return;
    };
    let mut jsons: Vec<PathBuf> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    jsons.sort();
    let (mut matched, mut refused, mut skipped) = (0, 0, 0);
    let mut failures = Vec::new();
    let mut compared_syntaxes = std::collections::BTreeSet::new();
    for json in &jsons {
        let info: Value = serde_json::from_str(&std::fs::read_to_string(json).unwrap()).unwrap();
        let name = info["name"].as_str().unwrap_or("?").to_string();
        let ts = info["transfer_syntax"].as_str().unwrap_or("").to_string();
        if info["status"] != "ok" {
            skipped += 1;
            continue;
        }
        let Ok(bytes) = std::fs::read(info["path"].as_str().unwrap_or("")) else {
            skipped += 1;
            continue;
        };
        let grey = info["samples_per_pixel"] == 1
            && info["photometric"]
                .as_str()
                .is_some_and(|p| p.starts_with("MONOCHROME"))
            && info["bits_allocated"] != 1;
        let lossless = LOSSLESS.contains(&ts.as_str());
        let lossy = LOSSY.contains(&ts.as_str());
        let ours = decode_stored(&bytes);
        if !(lossless || lossy) {
            match ours {
                Err(e) if e.contains(&ts) => refused += 1,
                Err(e) => failures.push(format!("{name}: error does not name {ts}: {e}")),
                Ok(_) => failures.push(format!(
                    "{name}: {ts} decoded although listed as unsupported"
                )),
            }
            continue;
        }
        if !grey {
            match ours {
                Err(e) if e.contains("colour") || e.contains("1-bit") => refused += 1,
                other => failures.push(format!(
                    "{name}: non-greyscale image not refused clearly: {other:?}"
                )),
            }
            continue;
        }
        let raw = std::fs::read(json.with_extension("i64")).unwrap();
        let expected: Vec<i64> = raw
            .chunks_exact(8)
            .map(|c| i64::from_le_bytes(c.try_into().unwrap()))
            .collect();
        match ours {
            Err(e) => failures.push(format!("{name} ({ts}): {e}")),
            Ok(v) if v.len() != expected.len() => failures.push(format!(
                "{name}: {} values, pydicom {}",
                v.len(),
                expected.len()
            )),
            Ok(v) => {
                let max_diff = v
                    .iter()
                    .zip(&expected)
                    .map(|(a, b)| (a - b).abs())
                    .max()
                    .unwrap_or(0);
                let mean_diff = v
                    .iter()
                    .zip(&expected)
                    .map(|(a, b)| (a - b).abs() as f64)
                    .sum::<f64>()
                    / v.len().max(1) as f64;
                // Lossy JPEG: decoders may round the inverse DCT differently by a grey level.
                let ok = if lossless {
                    max_diff == 0
                } else {
                    max_diff <= 2 && mean_diff < 0.5
                };
                eprintln!("{name:50} {ts:24} max|diff| {max_diff:3} mean {mean_diff:.4}");
                if ok {
                    matched += 1;
                    compared_syntaxes.insert(ts.clone());
                } else {
                    failures.push(format!(
                        "{name} ({ts}): max |diff| {max_diff}, mean {mean_diff:.3}"
                    ));
                }
            }
        }
    }
    eprintln!(
        "pydicom files: {matched} decoded like pydicom, {refused} refused with a clear reason, {skipped} \
         skipped (pydicom cannot decode them either), {} failures",
        failures.len()
    );
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert!(matched >= 20, "only {matched} files compared");
    // The generated files (tests/fixtures/pydicom_reference.py) cover these syntaxes.
    for ts in [
        "1.2.840.10008.1.2.4.50",
        "1.2.840.10008.1.2.4.51",
        "1.2.840.10008.1.2.4.57",
        "1.2.840.10008.1.2.4.70",
    ] {
        assert!(
            compared_syntaxes.contains(ts),
            "no greyscale {ts} file was compared: rerun tests/fixtures/pydicom_reference.py"
        );
    }
}
