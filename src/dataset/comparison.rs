//! Prediction against ground truth for one case, and the aggregate over a dataset.
//!
//! - **Dice per subtype**: `2|P∩T| / (|P| + |T|)` over the voxels of that code in the predicted
//!   mask and the ground-truth label map; `any` uses every non-zero voxel (truth code 6,
//!   haemorrhage of unspecified subtype, counts for `any` only). `None` (JSON `null`) when
//!   both are empty for that label: there is nothing to overlap, and 1.0 would flatter the
//!   model while 0.0 would punish it.
//! - **Slice agreement**: fraction of slices where the predicted slice label for `any` equals
//!   the truth; the truth per slice comes from `slice_labels.any`, else from the label map
//!   (a slice is positive when it has a non-zero voxel). `None` without either.
//! - **Case outcome**: the scan verdict per label against the case truth (`case_labels`, else
//!   any positive slice in `slice_labels`, else the label map).

use std::collections::BTreeMap;

use serde::Serialize;

use crate::analysis::result::Labels;
use crate::analysis::status::assessed_flags;
use crate::analysis::AnalysisResult;
use crate::model::card::LABELS;
use crate::{Error, Result, Volume};

use super::manifest::Case;

/// Label-map code of haemorrhage of unspecified subtype (counts for `any` only).
pub const CODE_UNSPECIFIED: u8 = 6;
/// Largest difference allowed between the image's and the label map's affine entries (mm).
pub const GRID_TOLERANCE_MM: f64 = 0.01;

/// Ground truth of one case.
#[derive(Debug, Clone, Default)]
pub struct Truth {
    /// Label map on the image grid (i fastest), codes 0..=6.
    pub label_map: Option<Vec<u8>>,
    /// Label name → 0/1 per slice.
    pub slice_labels: Option<BTreeMap<String, Vec<u8>>>,
    /// Label name → present.
    pub case_labels: Option<BTreeMap<String, bool>>,
}

impl Truth {
    /// The truth a manifest case gives, with its decoded label map (if any).
    pub fn from_case(case: &Case, label_map: Option<Vec<u8>>) -> Self {
        Truth {
            label_map,
            slice_labels: case.slice_labels.clone(),
            case_labels: case.case_labels.clone(),
        }
    }

    /// Whether there is anything to compare with.
    pub fn is_empty(&self) -> bool {
        self.label_map.is_none() && self.slice_labels.is_none() && self.case_labels.is_none()
    }
}

/// A decoded ground-truth label map as codes on the image's grid. Refuses a different grid
/// (dimensions or affine) and values outside 0..=6.
pub fn label_map_on_grid(image: &Volume, label: &Volume) -> Result<Vec<u8>> {
    if image.dims != label.dims {
        return Err(Error::Other(format!(
            "the ground-truth label map is {:?} voxels but the image is {:?}: they must be on \
             the same grid (resample the label map onto the image first)",
            label.dims, image.dims
        )));
    }
    let mut worst = 0f64;
    for r in 0..3 {
        for c in 0..4 {
            worst = worst.max((image.geometry.affine[r][c] - label.geometry.affine[r][c]).abs());
        }
    }
    if worst > GRID_TOLERANCE_MM {
        return Err(Error::Other(format!(
            "the ground-truth label map has the image's dimensions but another position or \
             orientation (affines differ by up to {worst:.3} mm): they must be on the same grid"
        )));
    }
    label
        .voxels
        .iter()
        .map(|&v| {
            u8::try_from(v)
                .ok()
                .filter(|&c| c <= CODE_UNSPECIFIED)
                .ok_or_else(|| {
                    Error::Other(format!(
                        "the ground-truth label map holds the value {v}; labels are 0 \
                         background, 1 EDH, 2 IPH, 3 IVH, 4 SAH, 5 SDH (6 unspecified blood)"
                    ))
                })
        })
        .collect()
}

/// Voxel counts behind the Dice values, per label (`LABELS` order), so datasets can be pooled.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct VoxelCounts {
    pub predicted: Labels<u64>,
    pub truth: Labels<u64>,
    pub overlap: Labels<u64>,
}

/// The scan verdicts against the case truth.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CaseOutcome {
    /// Truth per label (`null` when unknown).
    pub truth: Labels<Option<bool>>,
    pub predicted: Labels<bool>,
    /// Whether the `any` verdict is right (`null` when the truth is unknown).
    pub correct: Option<bool>,
    /// Labels whose verdict differs from a known truth.
    pub wrong_labels: Vec<String>,
}

/// Prediction against ground truth for one case (`state().results.comparison`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Comparison {
    /// Dice per label; `null` when there is no label map or both masks are empty.
    pub dice: Labels<Option<f64>>,
    /// Fraction of slices whose predicted `any` equals the truth; `null` without slice truth.
    pub slice_agreement: Option<f64>,
    /// Number of slices compared for the agreement.
    pub slices_compared: usize,
    pub case: CaseOutcome,
    /// `null` without a label map.
    pub voxels: Option<VoxelCounts>,
}

impl Comparison {
    /// How wrong the model is on this case, for sorting (larger = worse): 2 for a wrong `any`
    /// verdict, plus 1 − Dice(any) when Dice is known, plus 1 − slice agreement when known.
    pub fn wrongness(&self) -> f64 {
        let verdict = if self.case.correct == Some(false) {
            2.0
        } else {
            0.0
        };
        verdict
            + self.dice.any.map_or(0.0, |d| 1.0 - d)
            + self.slice_agreement.map_or(0.0, |a| 1.0 - a)
    }
}

/// Compare an analysis (`result` and its label `mask` on the volume grid of `dims`) with the
/// truth. Slice labels must have one value per slice; the label map must match the mask.
pub fn compare(
    result: &AnalysisResult,
    mask: &[u8],
    dims: [usize; 3],
    truth: &Truth,
) -> Result<Comparison> {
    let [nx, ny, nz] = dims;
    if mask.len() != nx * ny * nz || result.slices.len() != nz {
        return Err(Error::Other(format!(
            "the analysis does not match the volume: {} mask voxels and {} slices for {dims:?}",
            mask.len(),
            result.slices.len()
        )));
    }
    if let Some(s) = &truth.slice_labels {
        if let Some((l, v)) = s.iter().find(|(_, v)| v.len() != nz) {
            return Err(Error::Other(format!(
                "slice_labels.{l} has {} values but the image has {nz} slices",
                v.len()
            )));
        }
    }
    let assessed = assessed_flags(&result.label_status);
    // Dice from voxel counts.
    let voxels = match &truth.label_map {
        Some(t) if t.len() != mask.len() => {
            return Err(Error::Other(format!(
                "the ground-truth label map has {} voxels, the image {}: they must be on the \
                 same grid",
                t.len(),
                mask.len()
            )))
        }
        Some(t) => Some(count(mask, t)),
        None => None,
    };
    let dice = match &voxels {
        Some(v) => {
            let (p, t, o) = (
                v.predicted.to_array(),
                v.truth.to_array(),
                v.overlap.to_array(),
            );
            let mut d = [None; 6];
            for n in 0..6 {
                let total = p[n] + t[n];
                // A label the analysis does not assess has no Dice (its mask is empty by rule).
                if total > 0 && assessed[n] {
                    d[n] = Some(2.0 * o[n] as f64 / total as f64);
                }
            }
            Labels::from_array(d)
        }
        None => Labels::from_array([None; 6]),
    };
    // Slice truth for `any`.
    let per = nx * ny;
    let slice_truth: Option<Vec<bool>> = match (&truth.slice_labels, &truth.label_map) {
        (Some(s), _) if s.contains_key("any") => {
            s.get("any").map(|v| v.iter().map(|&x| x == 1).collect())
        }
        (_, Some(t)) => Some(
            t.chunks_exact(per)
                .map(|s| s.iter().any(|&c| c > 0))
                .collect(),
        ),
        _ => None,
    };
    let (slice_agreement, slices_compared) = match &slice_truth {
        Some(st) if nz > 0 => {
            let same = st
                .iter()
                .zip(&result.slices)
                .filter(|(t, s)| **t == s.predicted.any)
                .count();
            (Some(same as f64 / nz as f64), nz)
        }
        _ => (None, 0),
    };
    // Case truth per label.
    let mut case_truth = [None; 6];
    for (n, l) in LABELS.iter().enumerate() {
        case_truth[n] = truth
            .case_labels
            .as_ref()
            .and_then(|c| c.get(*l).copied())
            .or_else(|| {
                truth
                    .slice_labels
                    .as_ref()
                    .and_then(|s| s.get(*l))
                    .map(|v| v.contains(&1))
            })
            .or_else(|| voxels.map(|v| v.truth.to_array()[n] > 0));
    }
    if case_truth[0].is_none() && case_truth[1..].contains(&Some(true)) {
        case_truth[0] = Some(true);
    }
    let predicted = result.verdict;
    let pa = predicted.to_array();
    let wrong_labels = LABELS
        .iter()
        .enumerate()
        .filter(|(n, _)| assessed[*n] && case_truth[*n].is_some_and(|t| t != pa[*n]))
        .map(|(_, l)| l.to_string())
        .collect();
    Ok(Comparison {
        dice,
        slice_agreement,
        slices_compared,
        case: CaseOutcome {
            truth: Labels::from_array(case_truth),
            predicted,
            correct: case_truth[0]
                .filter(|_| assessed[0])
                .map(|t| t == predicted.any),
            wrong_labels,
        },
        voxels,
    })
}

/// Voxel counts per label of prediction, truth and their overlap.
fn count(pred: &[u8], truth: &[u8]) -> VoxelCounts {
    let (mut p, mut t, mut o) = ([0u64; 6], [0u64; 6], [0u64; 6]);
    for (&a, &b) in pred.iter().zip(truth) {
        let (pa, tb) = (a > 0 && a < 6, b > 0);
        p[0] += pa as u64;
        t[0] += tb as u64;
        o[0] += (pa && tb) as u64;
        if (1..6).contains(&a) {
            p[a as usize] += 1;
        }
        if (1..6).contains(&b) {
            t[b as usize] += 1;
        }
        if a == b && (1..6).contains(&a) {
            o[a as usize] += 1;
        }
    }
    VoxelCounts {
        predicted: Labels::from_array(p),
        truth: Labels::from_array(t),
        overlap: Labels::from_array(o),
    }
}

/// Figures over a dataset's compared cases.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Aggregate {
    pub cases: usize,
    /// Mean of the per-case Dice values that are not `null`, per label.
    pub dice_mean: Labels<Option<f64>>,
    /// Number of cases behind each mean.
    pub dice_cases: Labels<usize>,
    /// Dice of all cases' voxels together, per label (`null` when all are empty).
    pub dice_pooled: Labels<Option<f64>>,
    /// Mean slice agreement over the cases that have slice truth.
    pub slice_agreement_mean: Option<f64>,
    /// Slices agreeing / slices compared, over all cases.
    pub slice_agreement_pooled: Option<f64>,
    /// Cases whose `any` verdict is right / cases with a known truth.
    pub case_accuracy: Option<f64>,
    pub cases_correct: usize,
    pub cases_with_truth: usize,
}

/// Aggregate per-case comparisons.
pub fn aggregate(cases: &[&Comparison]) -> Aggregate {
    let mut sum = [0f64; 6];
    let mut n = [0usize; 6];
    let (mut p, mut t, mut o) = ([0u64; 6], [0u64; 6], [0u64; 6]);
    let (mut agree_sum, mut agree_n, mut agree_slices, mut slices) = (0f64, 0usize, 0f64, 0usize);
    let (mut correct, mut known) = (0usize, 0usize);
    for c in cases {
        for (k, d) in c.dice.to_array().iter().enumerate() {
            if let Some(d) = d {
                sum[k] += d;
                n[k] += 1;
            }
        }
        if let Some(v) = &c.voxels {
            for k in 0..6 {
                p[k] += v.predicted.to_array()[k];
                t[k] += v.truth.to_array()[k];
                o[k] += v.overlap.to_array()[k];
            }
        }
        if let Some(a) = c.slice_agreement {
            agree_sum += a;
            agree_n += 1;
            agree_slices += a * c.slices_compared as f64;
            slices += c.slices_compared;
        }
        if let Some(ok) = c.case.correct {
            known += 1;
            correct += ok as usize;
        }
    }
    let mut mean = [None; 6];
    let mut pooled = [None; 6];
    for k in 0..6 {
        if n[k] > 0 {
            mean[k] = Some(sum[k] / n[k] as f64);
        }
        if p[k] + t[k] > 0 {
            pooled[k] = Some(2.0 * o[k] as f64 / (p[k] + t[k]) as f64);
        }
    }
    Aggregate {
        cases: cases.len(),
        dice_mean: Labels::from_array(mean),
        dice_cases: Labels::from_array(n),
        dice_pooled: Labels::from_array(pooled),
        slice_agreement_mean: (agree_n > 0).then(|| agree_sum / agree_n as f64),
        slice_agreement_pooled: (slices > 0).then(|| agree_slices / slices as f64),
        case_accuracy: (known > 0).then(|| correct as f64 / known as f64),
        cases_correct: correct,
        cases_with_truth: known,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::result::SliceResult;
    use crate::Geometry;

    /// A result with the given per-slice `any` predictions and verdicts.
    fn result(any: &[bool], verdict: [bool; 6]) -> AnalysisResult {
        AnalysisResult {
            slices: any
                .iter()
                .enumerate()
                .map(|(k, &a)| SliceResult {
                    index: k,
                    position_mm: k as f64,
                    sop_instance_uid: None,
                    probabilities: Labels::default(),
                    predicted: Labels {
                        any: a,
                        ..Default::default()
                    },
                    no_brain: false,
                })
                .collect(),
            thresholds: Labels::default(),
            verdict: Labels::from_array(verdict),
            volumes_ml: Labels::default(),
            label_status: Labels::default(),
            abc2_ml: None,
            models: Default::default(),
            timings_ms: Default::default(),
        }
    }

    #[test]
    fn dice_per_subtype_and_any_on_known_masks() {
        // 4 x 1 x 2 grid. Prediction: IPH on 3 voxels, SDH on 1. Truth: IPH on 2 (both
        // predicted), SAH on 1 where SDH was predicted, unspecified blood on 1 voxel.
        let pred = [2u8, 2, 2, 5, 0, 0, 0, 0];
        let truth = [2u8, 2, 0, 4, 6, 0, 0, 0];
        let r = result(&[true, false], [true, false, true, false, false, true]);
        let c = compare(
            &r,
            &pred,
            [4, 1, 2],
            &Truth {
                label_map: Some(truth.to_vec()),
                ..Default::default()
            },
        )
        .unwrap();
        // any: P = 4 voxels, T = 4, overlap = 3 (0, 1, 3).
        assert_eq!(c.dice.any, Some(0.75));
        assert_eq!(c.dice.intraparenchymal, Some(2.0 * 2.0 / 5.0));
        assert_eq!(c.dice.subarachnoid, Some(0.0));
        assert_eq!(c.dice.subdural, Some(0.0));
        assert_eq!(c.dice.epidural, None, "both empty: null");
        assert_eq!(c.dice.intraventricular, None);
        // Slice truth from the label map: slice 0 positive, slice 1 positive (code 6).
        assert_eq!(c.slice_agreement, Some(0.5));
        assert_eq!(c.slices_compared, 2);
        assert_eq!(c.case.correct, Some(true));
        assert_eq!(c.case.truth.subarachnoid, Some(true));
        assert_eq!(c.case.wrong_labels, vec!["subarachnoid", "subdural"]);
        let v = c.voxels.unwrap();
        assert_eq!(v.truth.any, 4);
        assert_eq!(v.predicted.intraparenchymal, 3);
        // JSON shape of the automation contract.
        let j = serde_json::to_value(&c).unwrap();
        assert_eq!(j["dice"]["any"], 0.75);
        assert!(j["dice"]["epidural"].is_null());
        assert_eq!(j["slice_agreement"], 0.5);
    }

    #[test]
    fn slice_and_case_labels_take_precedence() {
        let r = result(&[false, true, true], [true; 6]);
        let mut s = BTreeMap::new();
        s.insert("any".to_string(), vec![0u8, 1, 0]);
        let mut cl = BTreeMap::new();
        cl.insert("any".to_string(), false);
        let c = compare(
            &r,
            &[0; 3],
            [1, 1, 3],
            &Truth {
                label_map: None,
                slice_labels: Some(s.clone()),
                case_labels: Some(cl),
            },
        )
        .unwrap();
        assert!((c.slice_agreement.unwrap() - 2.0 / 3.0).abs() < 1e-12);
        assert_eq!(c.case.correct, Some(false));
        assert_eq!(c.dice.any, None);
        assert!(c.voxels.is_none());
        assert!(c.wrongness() > 2.0);
        // Without case labels, the slice labels decide the case truth.
        let c = compare(
            &r,
            &[0; 3],
            [1, 1, 3],
            &Truth {
                slice_labels: Some(s),
                ..Default::default()
            },
        )
        .unwrap();
        assert_eq!(c.case.correct, Some(true));
        // No truth at all: nothing known.
        let c = compare(&r, &[0; 3], [1, 1, 3], &Truth::default()).unwrap();
        assert_eq!((c.slice_agreement, c.case.correct), (None, None));
    }

    #[test]
    fn mismatches_are_refused() {
        let r = result(&[false, true], [false; 6]);
        let mut s = BTreeMap::new();
        s.insert("any".to_string(), vec![0u8, 1, 0]);
        let e = compare(
            &r,
            &[0; 2],
            [1, 1, 2],
            &Truth {
                slice_labels: Some(s),
                ..Default::default()
            },
        )
        .unwrap_err()
        .to_string();
        assert!(
            e.contains("slice_labels.any has 3 values but the image has 2 slices"),
            "{e}"
        );
        let e = compare(
            &r,
            &[0; 2],
            [1, 1, 2],
            &Truth {
                label_map: Some(vec![0; 3]),
                ..Default::default()
            },
        )
        .unwrap_err()
        .to_string();
        assert!(e.contains("same grid"), "{e}");
    }

    #[test]
    fn label_map_grid_is_checked() {
        let g = Geometry::lps_axial([1.0, 1.0, 5.0]);
        let image = Volume::new([2, 2, 1], vec![0; 4], g, "image");
        let ok = Volume::new([2, 2, 1], vec![0, 1, 5, 6], g, "label");
        assert_eq!(label_map_on_grid(&image, &ok).unwrap(), vec![0, 1, 5, 6]);
        let other_dims = Volume::new([1, 4, 1], vec![0; 4], g, "label");
        let e = label_map_on_grid(&image, &other_dims)
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("[1, 4, 1] voxels but the image is [2, 2, 1]"),
            "{e}"
        );
        let mut a = g.affine;
        a[0][3] += 2.0;
        let shifted = Volume::new([2, 2, 1], vec![0; 4], Geometry::from_affine(a), "label");
        let e = label_map_on_grid(&image, &shifted).unwrap_err().to_string();
        assert!(e.contains("another position or orientation"), "{e}");
        let bad = Volume::new([2, 2, 1], vec![0, 7, 0, 0], g, "label");
        assert!(label_map_on_grid(&image, &bad)
            .unwrap_err()
            .to_string()
            .contains("holds the value 7"));
    }

    #[test]
    fn aggregate_means_and_pools() {
        let r = result(&[true], [true, false, false, false, false, false]);
        let a = compare(
            &r,
            &[2, 2],
            [2, 1, 1],
            &Truth {
                label_map: Some(vec![2, 0]),
                ..Default::default()
            },
        )
        .unwrap();
        let b = compare(
            &r,
            &[0, 0, 0, 0],
            [4, 1, 1],
            &Truth {
                label_map: Some(vec![2, 2, 2, 2]),
                ..Default::default()
            },
        )
        .unwrap();
        let g = aggregate(&[&a, &b]);
        assert_eq!(g.cases, 2);
        // Dice any: a = 2/3, b = 0 → mean 1/3; pooled 2·1 / (2 + 5) = 2/7.
        assert!((g.dice_mean.any.unwrap() - 1.0 / 3.0).abs() < 1e-12);
        assert!((g.dice_pooled.any.unwrap() - 2.0 / 7.0).abs() < 1e-12);
        assert_eq!(g.dice_cases.any, 2);
        assert_eq!(g.dice_mean.subdural, None);
        assert_eq!(g.case_accuracy, Some(1.0));
        assert_eq!(g.slice_agreement_mean, Some(1.0));
    }
}
