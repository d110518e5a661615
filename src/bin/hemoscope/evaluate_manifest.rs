//! `hemoscope evaluate <manifest.json> [--json]`: analyse every case of a dataset manifest and
//! compare it with its ground truth (Dice per label, slice agreement, case verdicts), with the
//! same library functions as the page's gallery, so both give the same figures for a case.

use std::path::{Path, PathBuf};

use hemoscope::analysis::metrics::bootstrap_interval;
use hemoscope::analysis::pipeline::Analyzer;
use hemoscope::dataset::comparison::{aggregate, compare, label_map_on_grid, Comparison, Truth};
use hemoscope::dataset::url::to_local_path;
use hemoscope::dataset::{Case, Manifest};
use hemoscope::model::card::LABELS;
use serde_json::{json, Value};

use crate::analyze::{open_input, open_inputs};
use crate::evaluate::{BOOTSTRAP, SEED};

/// Whether the argument names a manifest (a `.json` file) rather than a dataset folder.
pub fn is_manifest(path: &Path) -> bool {
    path.is_file()
        && path
            .extension()
            .is_some_and(|e| e.eq_ignore_ascii_case("json"))
}

/// One case: open, analyse, compare.
fn evaluate_case(
    analyzer: &Analyzer,
    base: &Path,
    case: &Case,
) -> Result<(Comparison, Value), String> {
    let what = |field: &str| format!("case {:?} {field}", case.id);
    let paths: Vec<PathBuf> = case
        .image
        .urls()
        .iter()
        .map(|u| to_local_path(base, u, &what("image")).map_err(|e| e.to_string()))
        .collect::<Result<_, _>>()?;
    let volume = open_inputs(&paths)?;
    let label_map = match &case.label {
        Some(u) => {
            let path = to_local_path(base, u, &what("label")).map_err(|e| e.to_string())?;
            let label = open_input(&path)?;
            Some(
                label_map_on_grid(&volume, &label)
                    .map_err(|e| format!("case {:?}: {e}", case.id))?,
            )
        }
        None => None,
    };
    let (result, mask) = analyzer.analyze(&volume).map_err(|e| e.to_string())?;
    let truth = Truth::from_case(case, label_map);
    let c = compare(&result, &mask, volume.dims, &truth)
        .map_err(|e| format!("case {:?}: {e}", case.id))?;
    let extra = json!({
        "dims": volume.dims,
        "verdict": result.verdict,
        "volumes_ml": result.volumes_ml,
    });
    Ok((c, extra))
}

fn fmt(v: Option<f64>) -> String {
    v.map(|v| format!("{v:.3}")).unwrap_or_else(|| "-".into())
}

/// Run over every case; prints JSON (`--json`) or a table. Fails (after printing) when a
/// case could not be evaluated.
pub fn run(manifest_path: &Path, as_json: bool) -> Result<(), String> {
    let text = std::fs::read_to_string(manifest_path)
        .map_err(|e| format!("cannot read {}: {e}", manifest_path.display()))?;
    let manifest =
        Manifest::from_json(&text).map_err(|e| format!("{}: {e}", manifest_path.display()))?;
    let base = manifest_path.parent().unwrap_or(Path::new("."));
    let analyzer = Analyzer::shipped().map_err(|e| e.to_string())?;
    let mut rows = Vec::new();
    let mut done = Vec::new();
    let mut failed = 0usize;
    for case in &manifest.cases {
        eprintln!("hemoscope: evaluating {}", case.id);
        match evaluate_case(&analyzer, base, case) {
            Ok((c, extra)) => {
                rows.push(json!({
                    "id": case.id,
                    "comparison": c,
                    "wrongness": c.wrongness(),
                    "verdict": extra["verdict"],
                    "volumes_ml": extra["volumes_ml"],
                    "dims": extra["dims"],
                }));
                done.push(c);
            }
            Err(e) => {
                failed += 1;
                rows.push(json!({"id": case.id, "error": e}));
            }
        }
    }
    let agg = aggregate(&done.iter().collect::<Vec<_>>());
    // 95 % bootstrap intervals over cases (each case one patient): mean Dice (any) and the
    // mean slice agreement
    let cases: Vec<usize> = (0..done.len()).collect();
    let mean_of = |f: &dyn Fn(&Comparison) -> Option<f64>, idx: &[usize]| {
        let v: Vec<f64> = idx.iter().filter_map(|&i| f(&done[i])).collect();
        (!v.is_empty()).then(|| v.iter().sum::<f64>() / v.len() as f64)
    };
    let dice_ci = bootstrap_interval(&cases, BOOTSTRAP, SEED, |idx| mean_of(&|c| c.dice.any, idx));
    let agreement_ci = bootstrap_interval(&cases, BOOTSTRAP, SEED, |idx| {
        mean_of(&|c| c.slice_agreement, idx)
    });
    let models = analyzer.card.clone();
    let report = json!({
        "manifest": manifest.name,
        "cases": rows,
        "aggregate": agg,
        "aggregate_ci95": {
            "dice_mean_any": dice_ci,
            "slice_agreement_mean": agreement_ci,
            "bootstrap": format!("95 % percentile intervals over {BOOTSTRAP} resamples of cases (seed {SEED})"),
        },
        "failed": failed,
        "analysis": {"name": models.name, "version": models.version},
    });
    if as_json {
        println!(
            "{}",
            serde_json::to_string_pretty(&report).map_err(|e| e.to_string())?
        );
    } else {
        println!(
            "{:<24} {:>6} {:>6} {:>6} {:>6} {:>6} {:>6} {:>7}  verdict",
            "case", "any", "EDH", "IPH", "IVH", "SAH", "SDH", "slices"
        );
        for (row, case) in rows.iter().zip(&manifest.cases) {
            if let Some(e) = row.get("error") {
                println!("{:<24} error: {}", case.id, e.as_str().unwrap_or(""));
                continue;
            }
            let c = &row["comparison"];
            let d: Vec<String> = LABELS.iter().map(|l| fmt(c["dice"][l].as_f64())).collect();
            let verdict = match c["case"]["correct"].as_bool() {
                Some(true) => "right",
                Some(false) => "WRONG",
                None => "-",
            };
            println!(
                "{:<24} {:>6} {:>6} {:>6} {:>6} {:>6} {:>6} {:>7}  {verdict}",
                case.id,
                d[0],
                d[1],
                d[2],
                d[3],
                d[4],
                d[5],
                fmt(c["slice_agreement"].as_f64())
            );
        }
        let ci = |c: Option<[f64; 2]>| {
            c.map(|[lo, hi]| format!(" [{lo:.2}–{hi:.2}]"))
                .unwrap_or_default()
        };
        println!(
            "mean Dice any {}{} (pooled {}), slice agreement {}{}, case verdicts right {}/{}",
            fmt(agg.dice_mean.any),
            ci(dice_ci),
            fmt(agg.dice_pooled.any),
            fmt(agg.slice_agreement_mean),
            ci(agreement_ci),
            agg.cases_correct,
            agg.cases_with_truth
        );
    }
    if failed > 0 {
        return Err(format!(
            "{failed} case(s) could not be evaluated (see above)"
        ));
    }
    Ok(())
}
