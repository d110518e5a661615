//! `hemoscope evaluate` on the real validation split (`../shared/data` or
//! `$HEMOSCOPE_SHARED_DATA`) reproduces the metrics in `models/analysis.json`. Skipped with a
//! note when the folder is absent.
#![cfg(feature = "inference")]

use std::path::PathBuf;
use std::process::Command;

fn data_dir() -> Option<PathBuf> {
    let dir = std::env::var_os("HEMOSCOPE_SHARED_DATA")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../shared/data")));
    if dir.join("rsna-ich/slices.csv").is_file() && dir.join("slices2d/samples.csv").is_file() {
        Some(dir)
    } else {
        eprintln!(
            "note: {} not found; real-data evaluation skipped",
            dir.display()
        );
        None
    }
}

/// The labels the shipped analysis assesses (epidural is not assessed).
const ASSESSED: [&str; 5] = [
    "any",
    "intraparenchymal",
    "intraventricular",
    "subarachnoid",
    "subdural",
];

#[test]
fn evaluate_reproduces_the_card_metrics() {
    let Some(dir) = data_dir() else { return };
    let out = Command::new(env!("CARGO_BIN_EXE_hemoscope"))
        .arg("evaluate")
        .arg(&dir)
        .arg("--json")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let card = &v["card_metrics"];
    for label in ASSESSED {
        let got = v["slices"][label]["auc"].as_f64().unwrap();
        let want = card["slices"][label]["auc"].as_f64().unwrap();
        assert!(
            (got - want).abs() < 0.01,
            "{label} AUC {got} vs card {want}"
        );
        assert_eq!(v["slices"][label]["n"], card["slices"][label]["n"]);
        // a 95 % interval over patients that holds the point figure
        let ci = &v["slices"][label]["auc_ci95"];
        let (lo, hi) = (ci[0].as_f64().unwrap(), ci[1].as_f64().unwrap());
        assert!(
            lo <= got && got <= hi && hi - lo > 0.0,
            "{label} AUC {got} in [{lo}, {hi}]"
        );
    }
    let got = v["dice_any_pooled"].as_f64().unwrap();
    let want = card["dice_any_pooled"].as_f64().unwrap();
    assert!((got - want).abs() < 0.01, "Dice {got} vs card {want}");
    assert_eq!(v["series"]["any_correct"], card["series"]["any_correct"]);
    // Dice per subtype (the masks as reported: agreeing with the slice predictions)
    let per = card["dice_pooled_per_subtype"].as_object().unwrap();
    assert!(!per.is_empty());
    for (label, want) in per {
        let got = v["dice_pooled_per_subtype"][label].as_f64().unwrap();
        let want = want.as_f64().unwrap();
        assert!(
            (got - want).abs() < 0.01,
            "{label} Dice {got} vs card {want}"
        );
    }
    // Epidural is not assessed: a status, no metrics.
    assert!(v["slices"]["epidural"]["status"]
        .as_str()
        .unwrap()
        .starts_with("not assessed"));
    assert!(v["slices"]["epidural"]["auc"].is_null());
    // Thresholds chosen leaving each patient out: the card's honest figures, reproduced.
    let (oof, card_oof) = (&v["out_of_group"], &card["out_of_group"]);
    assert_eq!(oof["groups"], card_oof["groups"]);
    for label in ASSESSED {
        let got = oof["slices"][label]["f1"].as_f64().unwrap();
        let want = card_oof["slices"][label]["f1"].as_f64().unwrap();
        assert!(
            (got - want).abs() < 0.01,
            "{label} out-of-group F1 {got} vs card {want}"
        );
    }
    assert_eq!(oof["series"], card_oof["series"]);
    assert_eq!(
        v["series"]["false_subtype_verdicts"],
        card["series"]["false_subtype_verdicts"]
    );
}
