//! `hemoscope evaluate <manifest.json>` on the demo dataset, and `hemoscope manifest` on a
//! Hemorica-style folder written here.

use std::path::{Path, PathBuf};
use std::process::Command;

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_hemoscope"))
}

fn tmp(name: &str) -> PathBuf {
    let p = PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("dataset_{}_{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&p);
    std::fs::create_dir_all(&p).unwrap();
    p
}

#[cfg(feature = "inference")]
fn demo_manifest() -> PathBuf {
    Path::new(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/web/demo-dataset/manifest.json"
    ))
    .to_path_buf()
}

#[cfg(feature = "inference")]
#[test]
fn evaluate_demo_manifest_gives_per_case_dice_and_aggregates() {
    let out = bin()
        .arg("evaluate")
        .arg(demo_manifest())
        .arg("--json")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["manifest"], "Hemoscope synthetic demo");
    let cases = v["cases"].as_array().unwrap();
    assert_eq!(cases.len(), 4);
    for c in cases {
        let cmp = &c["comparison"];
        for l in [
            "any",
            "epidural",
            "intraparenchymal",
            "intraventricular",
            "subarachnoid",
            "subdural",
        ] {
            let d = &cmp["dice"][l];
            assert!(
                d.is_null() || (0.0..=1.0).contains(&d.as_f64().unwrap()),
                "{l}: {d}"
            );
        }
        let a = cmp["slice_agreement"].as_f64().unwrap();
        assert!((0.0..=1.0).contains(&a));
        assert_eq!(cmp["slices_compared"], 24);
        assert!(cmp["case"]["correct"].is_boolean());
    }
    let by_id = |id: &str| cases.iter().find(|c| c["id"] == id).unwrap();
    // The models find the synthetic intraparenchymal haematoma, and the subdural crescent as
    // blood. Its slices' subdural scores stay under the subdural threshold, so the mask (which
    // follows the slice predictions, `analysis::reconcile`) does not call it subdural.
    assert!(
        by_id("iph-ivh")["comparison"]["dice"]["intraparenchymal"]
            .as_f64()
            .unwrap()
            > 0.5
    );
    assert!(
        by_id("sdh-left")["comparison"]["dice"]["any"]
            .as_f64()
            .unwrap()
            > 0.5
    );
    // The normal case has no epidural truth or prediction: null, not 0 or 1.
    assert!(by_id("normal")["comparison"]["dice"]["epidural"].is_null());
    let agg = &v["aggregate"];
    assert_eq!(agg["cases"], 4);
    assert_eq!(agg["cases_with_truth"], 4);
    let mean = agg["dice_mean"]["any"].as_f64().unwrap();
    // a 95 % interval over cases that holds the mean
    let ci = &v["aggregate_ci95"]["dice_mean_any"];
    let (lo, hi) = (ci[0].as_f64().unwrap(), ci[1].as_f64().unwrap());
    assert!(lo <= mean && mean <= hi, "{mean} in [{lo}, {hi}]");
    println!("{}", serde_json::to_string(&agg).unwrap());
}

#[cfg(feature = "inference")]
#[test]
fn evaluate_reports_a_bad_manifest_clearly() {
    let dir = tmp("bad");
    let m = dir.join("m.json");
    std::fs::write(&m, r#"{"name": "x", "version": 1, "cases": [{"id": "a", "image": "https://example.org/a.nii"}]}"#).unwrap();
    let out = bin().arg("evaluate").arg(&m).output().unwrap();
    assert!(!out.status.success());
    let text =
        String::from_utf8_lossy(&out.stdout).to_string() + &String::from_utf8_lossy(&out.stderr);
    assert!(text.contains("absolute URL"), "{text}");
    std::fs::write(&m, r#"{"name": "x", "version": 3, "cases": []}"#).unwrap();
    let out = bin().arg("evaluate").arg(&m).output().unwrap();
    assert!(String::from_utf8_lossy(&out.stderr).contains("version 3 is not supported"));
}

#[test]
fn manifest_from_a_hemorica_style_folder() {
    let dir = tmp("hemorica");
    let data = dir.join("data");
    let (vol, labels) = hemoscope::phantom::demo_case();
    let vbytes = hemoscope::io::write_volume_nii_gz(&vol).unwrap();
    let lbytes = hemoscope::io::write_labels_nii_gz(&labels, vol.dims, &vol.geometry).unwrap();
    for case in ["p001", "p002"] {
        std::fs::create_dir_all(data.join(case)).unwrap();
        std::fs::write(data.join(case).join("ct.nii.gz"), &vbytes).unwrap();
    }
    std::fs::write(data.join("p001/mask.nii.gz"), &lbytes).unwrap();
    std::fs::write(
        data.join("labels.csv"),
        "case_id,slice,EDH,IPH,IVH,SAH,SDH\np001,10,0,1,0,0,1\np001,11,0,0,0,0,1\n",
    )
    .unwrap();
    let out_dir = dir.join("out");
    std::fs::create_dir_all(&out_dir).unwrap();
    let m = out_dir.join("manifest.json");
    let out = bin()
        .arg("manifest")
        .arg(&data)
        .arg("-o")
        .arg(&m)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let manifest =
        hemoscope::dataset::Manifest::from_json(&std::fs::read_to_string(&m).unwrap()).unwrap();
    assert_eq!(manifest.name, "data");
    assert_eq!(manifest.cases.len(), 2);
    let a = &manifest.cases[0];
    assert_eq!(a.id, "p001");
    assert_eq!(a.image.urls(), vec!["../data/p001/ct.nii.gz"]);
    assert_eq!(a.label.as_deref(), Some("../data/p001/mask.nii.gz"));
    let s = a.slice_labels.as_ref().unwrap();
    assert_eq!(s["subdural"].len(), 32);
    assert_eq!(s["subdural"][10..12], [1, 1]);
    assert_eq!(s["intraparenchymal"][11], 0);
    assert_eq!(s["any"][10], 1, "any is derived from the subtypes");
    assert_eq!(
        a.positive_labels(),
        vec!["any", "intraparenchymal", "subdural"]
    );
    let b = &manifest.cases[1];
    assert!(b.label.is_none() && b.slice_labels.is_none());
}

#[test]
fn manifest_from_the_shared_data_layout() {
    let root = std::env::var_os("HEMOSCOPE_SHARED_DATA")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../shared/data")).to_path_buf()
        });
    if !root.join("rsna-ich/slices.csv").is_file() {
        println!("note: {} is absent; skipped", root.display());
        return;
    }
    let dir = tmp("shared");
    let m = dir.join("manifest.json");
    let out = bin()
        .arg("manifest")
        .arg(&root)
        .arg("-o")
        .arg(&m)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let manifest =
        hemoscope::dataset::Manifest::from_json(&std::fs::read_to_string(&m).unwrap()).unwrap();
    let rsna = manifest.case("ID_44cfc8e964").unwrap();
    assert_eq!(
        rsna.slice_labels.as_ref().unwrap()["any"]
            .iter()
            .filter(|&&x| x == 1)
            .count(),
        18
    );
    let s2d = manifest
        .cases
        .iter()
        .find(|c| c.id.starts_with("bhsd_"))
        .unwrap();
    assert!(s2d.label.is_some());
    assert_eq!(manifest.cases.len(), 22 + 72);
}
