//! The `hemoscope` binary: `phantom` writes files that `info --json` describes; errors are one
//! line on stderr with exit code 1.

use std::path::PathBuf;
use std::process::Command;

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_hemoscope"))
}

fn tmp(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!("cli_{}_{name}", std::process::id()))
}

#[test]
fn phantom_then_info_json() {
    let vol = tmp("demo.nii.gz");
    let labels = tmp("labels.nii.gz");
    let out = bin()
        .args(["phantom", "-o"])
        .arg(&vol)
        .arg("--labels")
        .arg(&labels)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    let out = bin().arg("info").arg(&vol).arg("--json").output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let j: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(j["dims"], serde_json::json!([256, 256, 32]));
    let spacing: Vec<f64> = serde_json::from_value(j["spacing_mm"].clone()).unwrap();
    assert_eq!(spacing, vec![0.9, 0.9, 5.0]);
    let affine: Vec<Vec<f64>> = serde_json::from_value(j["affine_ras"].clone()).unwrap();
    assert_eq!(affine.len(), 4);
    assert_eq!(affine[0], vec![-0.9, 0.0, 0.0, 114.75]);
    assert_eq!(affine[3], vec![0.0, 0.0, 0.0, 1.0]);
    assert_eq!(j["hu"]["min"], -1000.0);
    assert!(j["hu"]["max"].as_f64().unwrap() > 1000.0);
    assert!(j["hu"]["mean"].as_f64().unwrap() < 0.0);
    assert_eq!(j["warnings"], serde_json::json!([]));
    assert_eq!(j["orientation"], "LPS");

    let out = bin().arg("info").arg(&labels).output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("256 x 256 x 32") && text.contains("max 5"),
        "{text}"
    );

    let _ = std::fs::remove_file(&vol);
    let _ = std::fs::remove_file(&labels);
}

#[test]
fn errors_are_one_line_and_exit_1() {
    let missing = tmp("does-not-exist.nii");
    let out = bin()
        .arg("info")
        .arg(&missing)
        .arg("--json")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.starts_with("hemoscope: cannot read"), "{err}");
    assert_eq!(err.trim_end().lines().count(), 1, "{err}");
    assert!(out.stdout.is_empty());

    let junk = tmp("junk.nii");
    std::fs::write(&junk, b"not an image at all").unwrap();
    let out = bin().arg("info").arg(&junk).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.starts_with("hemoscope: unrecognised file format"),
        "{err}"
    );
    assert!(!err.contains("panicked"), "{err}");
    let _ = std::fs::remove_file(&junk);
}
