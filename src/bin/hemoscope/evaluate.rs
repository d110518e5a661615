//! `hemoscope evaluate <dataset dir> [--json]`: recompute the analysis card's validation
//! metrics from a dataset in the `rsna-ich/` + `slices2d/` layout, on the validation split the
//! card lists. Given a `.json` file instead, evaluates a dataset manifest
//! (`evaluate_manifest`).

use std::collections::HashMap;
use std::path::PathBuf;

use clap::Args;
use hemoscope::analysis::metrics::{
    auc, bootstrap_interval, dice, f1_at, f1_of, out_of_group_predictions,
};
use hemoscope::analysis::pipeline::Analyzer;
use hemoscope::analysis::reconcile::follow_slices;
use hemoscope::analysis::scores::predict;
use hemoscope::model::card::LABELS;
use serde_json::{json, Value};

use hemoscope::analysis::cascade::skipped_scores;

use crate::analyze::{open_input, CascadeArgs};
use crate::csv::read_csv;

#[derive(Args)]
pub struct EvaluateArgs {
    /// Dataset folder holding rsna-ich/ and slices2d/, or a dataset manifest (.json).
    dataset: PathBuf,
    /// Print one JSON object instead of a table.
    #[arg(long)]
    json: bool,
    #[command(flatten)]
    cascade: CascadeArgs,
}

/// Labels of a row in `LABELS` order; `None` when a cell is empty (unknown).
fn row_labels(r: &HashMap<String, String>) -> Option<[bool; 6]> {
    let mut out = [false; 6];
    for (i, l) in LABELS.iter().enumerate() {
        let v = r.get(*l)?;
        if v.is_empty() {
            return None;
        }
        out[i] = v == "1";
    }
    Some(out)
}

/// Bootstrap resamples of patients for the 95 % intervals, and their seed.
pub(crate) const BOOTSTRAP: usize = 1000;
pub(crate) const SEED: u64 = 20261205;

pub fn run(args: &EvaluateArgs) -> Result<(), String> {
    if crate::evaluate_manifest::is_manifest(&args.dataset) {
        return crate::evaluate_manifest::run(&args.dataset, args.json);
    }
    let analyzer = Analyzer::shipped().map_err(|e| e.to_string())?;
    let cascade = args.cascade.settings();
    let (mut seg_slices, mut all_slices, mut volume_ms) = (0usize, 0usize, 0f64);
    // Slices the models did not run on: no brain (analysis::tissue).
    let mut no_brain = 0usize;
    let split = analyzer.card.validation_split.clone();
    let thr = analyzer.card.threshold_array();
    let min_slices = analyzer.card.series_verdict.min_slices;
    let root = &args.dataset;
    let mut scores: Vec<[f32; 6]> = Vec::new();
    let mut truth: Vec<[bool; 6]> = Vec::new();
    let mut series_rows = Vec::new();
    // One group per patient (an RSNA series; a 2-D sample's provenance group), for the
    // out-of-group thresholds; and where each series' slices lie in `scores`.
    let mut group_ids: HashMap<String, usize> = HashMap::new();
    let mut groups: Vec<usize> = Vec::new();
    let mut series_spans: Vec<(usize, usize, [bool; 6])> = Vec::new();
    let mut group_of = |name: &str| -> usize {
        let n = group_ids.len();
        *group_ids.entry(name.to_string()).or_insert(n)
    };

    let status = analyzer.label_status(cascade.is_some());
    let status = status.as_refs();
    let slices = read_csv(&root.join("rsna-ich/slices.csv"))?;
    for uid in &split.rsna_series {
        let mut rows: Vec<&HashMap<String, String>> = slices
            .iter()
            .filter(|r| r.get("series_uid") == Some(uid))
            .collect();
        rows.sort_by_key(|r| {
            r.get("slice")
                .and_then(|s| s.parse::<usize>().ok())
                .unwrap_or(0)
        });
        let volume = open_input(&root.join(format!("rsna-ich/volumes/{uid}.nii.gz")))?;
        let t0 = std::time::Instant::now();
        let result = match &cascade {
            Some(c) => {
                let (r, _, stats) = analyzer
                    .analyze_cascade(&volume, c)
                    .map_err(|e| e.to_string())?;
                seg_slices += stats.segmented;
                r
            }
            None => {
                let r = analyzer.analyze(&volume).map_err(|e| e.to_string())?.0;
                seg_slices += r.slices.iter().filter(|s| !s.no_brain).count();
                r
            }
        };
        no_brain += result.slices.iter().filter(|s| s.no_brain).count();
        volume_ms += t0.elapsed().as_secs_f64() * 1000.0;
        all_slices += volume.dims[2];
        let (mut s_truth, mut s_pred) = ([false; 6], [0usize; 6]);
        let first = scores.len();
        let group = group_of(&format!("rsna:{uid}"));
        for r in rows {
            let Some(k) = r.get("slice").and_then(|s| s.parse::<usize>().ok()) else {
                continue;
            };
            let Some(y) = row_labels(r) else { continue };
            let Some(sr) = result.slices.get(k) else {
                return Err(format!(
                    "series {uid}: slices.csv lists slice {k}, the volume has fewer"
                ));
            };
            let q = sr.probabilities.to_array();
            for i in 0..6 {
                s_truth[i] |= y[i];
                s_pred[i] += (q[i] >= thr[i]) as usize;
            }
            scores.push(q);
            truth.push(y);
            groups.push(group);
        }
        series_spans.push((first, scores.len(), s_truth));
        let pred: Vec<bool> = s_pred.iter().map(|&n| n >= min_slices.max(1)).collect();
        // The scan verdicts as reported (labels that are not assessed are never positive).
        let verdict = result.verdict.to_array();
        let false_subtypes: Vec<&str> = (1..6)
            .filter(|&i| verdict[i] && !s_truth[i])
            .map(|i| LABELS[i])
            .collect();
        let missed_subtypes: Vec<&str> = (1..6)
            .filter(|&i| !verdict[i] && s_truth[i] && status[i].assessed)
            .map(|i| LABELS[i])
            .collect();
        series_rows.push(json!({"series_uid": uid, "truth_any": s_truth[0],
            "predicted_any": pred[0], "verdict": result.verdict,
            "false_subtype_verdicts": false_subtypes, "missed_subtypes": missed_subtypes}));
    }

    let samples = read_csv(&root.join("slices2d/samples.csv"))?;
    // Absent provenance: each sample its own group.
    let provenance = read_csv(&root.join("slices2d/provenance.csv")).unwrap_or_default();
    let (mut dices, mut inter, mut total) = (Vec::new(), 0u64, 0u64);
    let (mut sub_inter, mut sub_total) = ([0u64; 6], [0u64; 6]);
    // the patient group of each masked slice (for the Dice interval)
    let mut dice_groups: Vec<usize> = Vec::new();
    let mut masked_flagged = 0usize;
    for name in &split.slices2d_samples {
        let row = samples
            .iter()
            .find(|r| r.get("sample") == Some(name))
            .ok_or_else(|| format!("sample {name} is not in slices2d/samples.csv"))?;
        let y = row_labels(row).ok_or_else(|| format!("sample {name} has no labels"))?;
        let img = open_input(&root.join(format!("slices2d/images/{name}.nii.gz")))?;
        let gt = open_input(&root.join(format!("slices2d/masks/{name}.nii.gz")))?;
        let [nx, ny, _] = img.dims;
        let cls = match &cascade {
            Some(_) => Some(
                analyzer
                    .classify_slice(img.slice(0), ny, nx)
                    .map_err(|e| e.to_string())?,
            ),
            None => None,
        };
        let flagged = match (&cascade, &cls) {
            (Some(c), Some(p)) => p[0] >= c.threshold,
            _ => true,
        };
        let out = if flagged {
            let out = analyzer
                .analyze_slice_given(img.slice(0), ny, nx, cls)
                .map_err(|e| e.to_string())?;
            (out.scores, out.labels)
        } else {
            let w = analyzer.card.slice_score.classifier_weight;
            let skipped = skipped_scores(&cls.unwrap_or([0.0; 6]), w);
            (skipped, vec![0u8; nx * ny])
        };
        masked_flagged += flagged as usize;
        let mut out = SliceOut {
            scores: out.0,
            labels: out.1,
        };
        // the mask as the analysis reports it: agreeing with the slice's predictions
        let predicted = predict(&out.scores, &thr, &status.map(|s| s.assessed));
        follow_slices(&mut out.labels, nx * ny, &[predicted], &[out.scores]);
        scores.push(out.scores);
        truth.push(y);
        let source_group = provenance
            .iter()
            .find(|r| r.get("sample") == Some(name))
            .and_then(|r| r.get("group_id"))
            .map_or_else(|| format!("2d:{name}"), |g| format!("2d:{g}"));
        let group = group_of(&source_group);
        groups.push(group);
        let g = gt.slice(0);
        let p = out.labels.iter().map(|&v| v > 0);
        let t = g.iter().map(|&v| v > 0);
        dices.push(dice(p, t));
        dice_groups.push(group);
        for (&a, &b) in out.labels.iter().zip(g) {
            inter += (a > 0 && b > 0) as u64;
            total += (a > 0) as u64 + (b > 0) as u64;
        }
        // per subtype, on the slices whose mask gives subtypes (code 6: blood of no stated subtype)
        if !g.contains(&6) {
            for (&a, &b) in out.labels.iter().zip(g) {
                for c in 1..6u8 {
                    let b = b == i16::from(c);
                    sub_inter[usize::from(c)] += (a == c && b) as u64;
                    sub_total[usize::from(c)] += (a == c) as u64 + b as u64;
                }
            }
        }
    }

    let mut per = serde_json::Map::new();
    for (i, l) in LABELS.iter().enumerate() {
        let y: Vec<bool> = truth.iter().map(|t| t[i]).collect();
        let s: Vec<f32> = scores.iter().map(|q| q[i]).collect();
        let positives = y.iter().filter(|&&v| v).count();
        // A label the analysis does not assess has no metrics: it is never reported.
        let row = match status[i].text() {
            Some(text) => json!({"status": text, "positives": positives, "n": y.len()}),
            None => {
                let ci = bootstrap_interval(&groups, BOOTSTRAP, SEED, |idx| {
                    let yb: Vec<bool> = idx.iter().map(|&j| y[j]).collect();
                    let sb: Vec<f32> = idx.iter().map(|&j| s[j]).collect();
                    auc(&yb, &sb)
                });
                json!({"auc": auc(&y, &s), "auc_ci95": ci, "f1": f1_at(&y, &s, thr[i]),
                       "positives": positives, "n": y.len()})
            }
        };
        per.insert(l.to_string(), row);
    }
    // Out of group: every slice predicted with thresholds chosen on the other patients only,
    // then the same scan-verdict rule; the shipped thresholds were chosen on all of them.
    let assessed: Vec<bool> = status.iter().map(|s| s.assessed).collect();
    let mut oof_slices = serde_json::Map::new();
    let mut oof_pred: Vec<Vec<bool>> = vec![vec![false; scores.len()]; 6];
    for (i, l) in LABELS.iter().enumerate() {
        if !assessed[i] {
            continue;
        }
        let y: Vec<bool> = truth.iter().map(|t| t[i]).collect();
        let s: Vec<f32> = scores.iter().map(|q| q[i]).collect();
        oof_pred[i] = out_of_group_predictions(&y, &s, &groups);
        let pred = &oof_pred[i];
        let ci = bootstrap_interval(&groups, BOOTSTRAP, SEED, |idx| {
            let yb: Vec<bool> = idx.iter().map(|&j| y[j]).collect();
            let pb: Vec<bool> = idx.iter().map(|&j| pred[j]).collect();
            Some(f1_of(&yb, &pb))
        });
        oof_slices.insert(l.to_string(), json!({"f1": f1_of(&y, pred), "f1_ci95": ci}));
    }
    let (mut oof_any_correct, mut oof_false_subtypes, mut oof_false_series) =
        (0usize, 0usize, 0usize);
    for &(a, b, t) in &series_spans {
        let mut v = [false; 6];
        for (i, out) in v.iter_mut().enumerate() {
            *out = assessed[i]
                && oof_pred[i][a..b].iter().filter(|&&p| p).count() >= min_slices.max(1);
        }
        let any = v[0];
        let false_here = (1..6).filter(|&i| v[i] && any && !t[i]).count();
        oof_any_correct += usize::from(v[0] == t[0]);
        oof_false_subtypes += false_here;
        oof_false_series += usize::from(false_here > 0);
    }
    let any_correct = series_rows
        .iter()
        .filter(|r| r["truth_any"] == r["predicted_any"])
        .count();
    let count = |key: &str| -> usize {
        series_rows
            .iter()
            .map(|r| r[key].as_array().map_or(0, |a| a.len()))
            .sum()
    };
    let (false_subtypes, missed_subtypes) =
        (count("false_subtype_verdicts"), count("missed_subtypes"));
    let series_with_false_subtype = series_rows
        .iter()
        .filter(|r| {
            r["false_subtype_verdicts"]
                .as_array()
                .is_some_and(|a| !a.is_empty())
        })
        .count();
    let held_out = split.held_out;
    let report = json!({
        "held_out": held_out,
        "slices": Value::Object(per),
        "series": {"n": series_rows.len(), "any_correct": any_correct,
                   "false_subtype_verdicts": false_subtypes,
                   "series_with_false_subtype_verdicts": series_with_false_subtype,
                   "missed_subtype_verdicts": missed_subtypes, "rows": series_rows},
        "dice_any_mean_per_slice": if dices.is_empty() { Value::Null } else { json!(dices.iter().sum::<f64>() / dices.len() as f64) },
        "dice_any_mean_per_slice_ci95": bootstrap_interval(&dice_groups, BOOTSTRAP, SEED, |idx| {
            (!idx.is_empty()).then(|| idx.iter().map(|&j| dices[j]).sum::<f64>() / idx.len() as f64)
        }),
        "dice_any_pooled": if total == 0 { 1.0 } else { 2.0 * inter as f64 / total as f64 },
        "dice_pooled_per_subtype": Value::Object((1..6)
            .filter(|&c| status[c].assessed && sub_total[c] > 0)
            .map(|c| (LABELS[c].to_string(), json!(2.0 * sub_inter[c] as f64 / sub_total[c] as f64)))
            .collect()),
        "bootstrap": format!("95 % percentile intervals over {BOOTSTRAP} resamples of patients (seed {SEED})"),
        "n_masked_slices": dices.len(),
        "out_of_group": {
            "what": "thresholds chosen (max F1) on every other patient's slices, leave one patient out",
            "groups": group_ids.len(),
            "slices": Value::Object(oof_slices),
            "series": {"n": series_spans.len(), "any_correct": oof_any_correct,
                       "false_subtype_verdicts": oof_false_subtypes,
                       "series_with_false_subtype_verdicts": oof_false_series},
        },
        "card_metrics": analyzer.card.metrics.clone(),
        "cascade": cascade.map(|c| json!({"threshold": c.threshold, "neighbours": c.neighbours})),
        "volume_slices_segmented": seg_slices,
        "volume_slices_without_brain": no_brain,
        "volume_slices": all_slices,
        "volume_analysis_ms": volume_ms,
        "masked_slices_segmented": masked_flagged,
    });
    if args.json {
        println!(
            "{}",
            serde_json::to_string_pretty(&report).map_err(|e| e.to_string())?
        );
    } else {
        if !held_out {
            println!(
                "note: the shipped models were trained on these patients, so these figures \
                 show fit to training data; the card's metrics are out-of-fold estimates"
            );
        }
        println!("label              AUC  [95% CI]       F1   (card AUC)");
        for l in LABELS {
            let m = &report["slices"][l];
            if let Some(text) = m["status"].as_str() {
                println!("{l:<18} {text}");
                continue;
            }
            let card = &analyzer.card.metrics["slices"][l]["auc"];
            let ci = interval(&m["auc_ci95"]);
            println!(
                "{l:<18} {:>6} {ci:<13} {:>5.3}  ({})",
                m["auc"]
                    .as_f64()
                    .map(|v| format!("{v:.3}"))
                    .unwrap_or("-".into()),
                m["f1"].as_f64().unwrap_or(0.0),
                card.as_f64()
                    .map(|v| format!("{v:.3}"))
                    .unwrap_or("-".into())
            );
        }
        println!(
            "series verdict (any) correct: {any_correct}/{}; Dice any: mean {:.3} {}, pooled {:.3} on {} slices",
            report["series"]["n"],
            report["dice_any_mean_per_slice"].as_f64().unwrap_or(0.0),
            interval(&report["dice_any_mean_per_slice_ci95"]),
            report["dice_any_pooled"].as_f64().unwrap_or(0.0),
            dices.len()
        );
        if let Some(per) = report["dice_pooled_per_subtype"].as_object() {
            let list: Vec<String> = per
                .iter()
                .map(|(l, v)| format!("{l} {:.3}", v.as_f64().unwrap_or(0.0)))
                .collect();
            println!(
                "Dice per subtype, pooled over the slices whose masks give subtypes: {}",
                list.join(", ")
            );
        }
        println!(
            "subtype verdicts: {false_subtypes} false (on {series_with_false_subtype} of {} \
             series), {missed_subtypes} missed",
            report["series"]["n"]
        );
        let oof = &report["out_of_group"];
        let f1s: Vec<String> = LABELS
            .iter()
            .filter_map(|l| {
                oof["slices"][*l]["f1"]
                    .as_f64()
                    .map(|f| format!("{l} {f:.3} {}", interval(&oof["slices"][*l]["f1_ci95"])))
            })
            .collect();
        println!(
            "thresholds chosen leaving each patient out ({} patients): slice F1 {}; series \
             verdict (any) correct {oof_any_correct}/{}; false subtype verdicts \
             {oof_false_subtypes} (on {oof_false_series} series)",
            group_ids.len(),
            f1s.join(", "),
            series_spans.len()
        );
        println!(
            "volumes: segmented {seg_slices} of {all_slices} slices ({no_brain} without brain) \
             in {:.0} ms; masked slices segmented: {masked_flagged} of {}",
            volume_ms,
            dices.len()
        );
    }
    Ok(())
}

/// "[lo–hi]" of a JSON interval, "-" when there is none.
fn interval(v: &Value) -> String {
    match (v[0].as_f64(), v[1].as_f64()) {
        (Some(lo), Some(hi)) => format!("[{lo:.2}–{hi:.2}]"),
        _ => "-".into(),
    }
}

/// One 2-D sample's scores and label map.
struct SliceOut {
    scores: [f32; 6],
    labels: Vec<u8>,
}
