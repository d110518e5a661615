//! `hemoscope analyze` on the synthetic demo case: the JSON has the documented shape, the mask
//! is a label map on the input grid, and volumes agree with the mask.
#![cfg(feature = "inference")]

use std::path::PathBuf;
use std::process::Command;

use hemoscope::io::open_bytes;

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_hemoscope"))
}

fn tmp(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("analyze_{}_{name}", std::process::id()))
}

const KEYS: [&str; 6] = [
    "any",
    "epidural",
    "intraparenchymal",
    "intraventricular",
    "subarachnoid",
    "subdural",
];

#[test]
fn analyze_phantom_writes_json_and_mask() {
    let vol = tmp("demo.nii.gz");
    let json_path = tmp("result.json");
    let mask_path = tmp("mask.nii.gz");
    let out = bin().args(["phantom", "-o"]).arg(&vol).output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = bin()
        .arg("analyze")
        .arg(&vol)
        .arg("--json")
        .arg(&json_path)
        .arg("--mask")
        .arg(&mask_path)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    let v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&json_path).unwrap()).unwrap();
    let slices = v["slices"].as_array().unwrap();
    assert_eq!(slices.len(), 32);
    let mut last = f64::NEG_INFINITY;
    for (k, s) in slices.iter().enumerate() {
        assert_eq!(s["index"].as_u64().unwrap() as usize, k);
        let pos = s["position_mm"].as_f64().unwrap();
        assert!(pos > last, "positions ascend along the normal");
        last = pos;
        for key in KEYS {
            let p = s["probabilities"][key].as_f64().unwrap();
            assert!((0.0..=1.0).contains(&p));
            let t = v["thresholds"][key].as_f64().unwrap();
            // A label that is not assessed predicts nothing, whatever its probability.
            let assessed = v["label_status"][key]["assessed"].as_bool().unwrap();
            assert_eq!(
                s["predicted"][key].as_bool().unwrap(),
                assessed && p >= t - 1e-7 && p >= t
            );
        }
    }
    for key in KEYS {
        assert!(v["verdict"][key].is_boolean());
        assert!(v["volumes_ml"][key].as_f64().unwrap() >= 0.0);
    }
    assert!(v["models"]
        .as_object()
        .unwrap()
        .contains_key("hemoscope-segmenter"));
    assert!(v["timings_ms"]["total"].as_f64().unwrap() > 0.0);

    // mask: same grid and affine, codes 0..=5, volumes consistent with the JSON
    let input = open_bytes("demo.nii.gz", &std::fs::read(&vol).unwrap()).unwrap();
    let mask = open_bytes("mask.nii.gz", &std::fs::read(&mask_path).unwrap()).unwrap();
    assert_eq!(mask.dims, input.dims);
    for r in 0..3 {
        for c in 0..4 {
            assert!((mask.geometry.affine[r][c] - input.geometry.affine[r][c]).abs() < 1e-4);
        }
    }
    assert!(mask.voxels.iter().all(|&m| (0..=5).contains(&m)));
    // Epidural is not assessed by the shipped models: no verdict, no mask code 1, no volume.
    assert_eq!(v["label_status"]["epidural"]["assessed"], false);
    assert_eq!(v["verdict"]["epidural"], false);
    assert_eq!(v["volumes_ml"]["epidural"].as_f64().unwrap(), 0.0);
    assert!(!mask.voxels.contains(&1));
    let blood = mask.voxels.iter().filter(|&&m| m > 0).count() as f64;
    let any_ml = v["volumes_ml"]["any"].as_f64().unwrap();
    assert!((blood * input.voxel_volume_ml() - any_ml).abs() < 1e-6 * (1.0 + any_ml));
    eprintln!(
        "phantom: verdict {} volumes {} abc2 {}",
        v["verdict"], v["volumes_ml"], v["abc2_ml"]
    );
}

#[test]
fn analyze_reports_a_missing_file_in_one_line() {
    let out = bin()
        .args(["analyze", "/nonexistent/scan.nii.gz", "--json", "-"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.starts_with("hemoscope: cannot read"), "{err}");
    assert_eq!(err.trim_end().lines().count(), 1);
}
