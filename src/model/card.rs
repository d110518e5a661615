//! Model cards (`models/*.json`): what a model is, how to feed it, how to read its output.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::{Error, Result};

/// The six labels, in the order of the classifier's logits and of every per-label table.
pub const LABELS: [&str; 6] = [
    "any",
    "epidural",
    "intraparenchymal",
    "intraventricular",
    "subarachnoid",
    "subdural",
];

/// One HU window: centre and width in HU; maps `[c - w/2, c + w/2]` to `[0, 1]`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Window {
    pub name: String,
    pub center: f64,
    pub width: f64,
}

/// The preprocessing definition shared by training and runtime.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Preprocessing {
    /// Model input (rows, columns).
    pub input_size: [usize; 2],
    /// HU clip applied first.
    pub clip_hu: [f64; 2],
    /// One input channel per window, in order.
    pub windows: Vec<Window>,
}

/// Name and static shape of a graph input or output.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct TensorInfo {
    pub name: String,
    pub shape: Vec<usize>,
}

/// What the ONNX graph expects and returns.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct OnnxInfo {
    pub opset: u32,
    pub input: TensorInfo,
    pub output: TensorInfo,
    /// A segmenter's second output: six slice logits (`[1, 6]`, sigmoid per label, in
    /// [`LABELS`] order) from a classification head on its encoder, so that one pass gives
    /// both the masks and a slice score (see [`SliceScore::head_weight`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub slice_output: Option<TensorInfo>,
}

/// Sampled expected outputs of the known-answer test.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct OutputSamples {
    pub flat_index: Vec<usize>,
    pub value: Vec<f64>,
}

/// Known-answer test vector: a deterministic input from `seed` and the expected outputs.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct TestVector {
    pub seed: u64,
    pub input_shape: Vec<usize>,
    pub output_shape: Vec<usize>,
    /// Mean of the output over each channel (axis 1).
    pub output_channel_means: Vec<f64>,
    pub output_samples: OutputSamples,
    pub tolerance: f64,
    /// Expected values of the second output (`onnx.slice_output`) on the same input.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub slice_output_values: Option<Vec<f64>>,
}

/// A model card (`models/classifier.json`, `models/segmenter.json`, or a user's own card; the
/// schema is documented in `models/CARD.md`).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ModelCard {
    pub name: String,
    pub version: String,
    /// ONNX file name, beside the card (required for the shipped models).
    #[serde(default)]
    pub file: String,
    /// sha256 of the ONNX file (hex); checked when given, required for the shipped models.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sha256: Option<String>,
    /// Size of the ONNX file in bytes; checked when given, required for the shipped models.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub size_bytes: Option<u64>,
    pub onnx: OnnxInfo,
    pub labels: Vec<String>,
    pub preprocessing: Preprocessing,
    /// Known-answer test; required for the shipped models, a warning when a user card has none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub test_vector: Option<TestVector>,
    #[serde(default)]
    pub intended_use: String,
    /// The labels whose performance this card's validation measured. The analysis reports a
    /// verdict only for labels that every contributing model validates; an absent list
    /// validates none (see `analysis::status`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub validated_labels: Option<Vec<String>>,
    /// Everything else (training, metrics, limits) is kept as plain JSON.
    #[serde(flatten)]
    pub rest: BTreeMap<String, serde_json::Value>,
}

/// How slice scores are formed from the two models.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SliceScore {
    /// q = w · classifier + (1 − w) · segmenter_max.
    pub classifier_weight: f32,
    /// q = h · sigmoid(segmenter slice head) + (1 − h) · segmenter_max, for a segmenter whose
    /// card declares `onnx.slice_output` (one pass gives both); 0 when absent. A segmenter
    /// without the head (e.g. a user's) is scored by `segmenter_max` alone. At most one of the
    /// two weights is above 0.
    #[serde(default)]
    pub head_weight: f32,
    /// Slice context: each slice's score is the Gaussian-weighted mean of its own and its
    /// neighbours' scores, with this standard deviation in mm along the slice normal (see
    /// `analysis::context`). 0 or absent: each slice alone.
    #[serde(default)]
    pub neighbour_sigma_mm: f32,
    /// The labels the slice context applies to (the others keep each slice's own score);
    /// absent: every label.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub neighbour_labels: Option<Vec<String>>,
}

impl SliceScore {
    /// Per label (`LABELS` order): whether its score is read with the neighbouring slices'.
    pub fn neighbour_flags(&self) -> [bool; 6] {
        let mut f = [self.neighbour_sigma_mm > 0.0; 6];
        if let Some(list) = &self.neighbour_labels {
            for (flag, l) in f.iter_mut().zip(LABELS) {
                *flag &= list.iter().any(|x| x == l);
            }
        }
        f
    }
}

/// Scan-level verdict rule.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SeriesVerdict {
    /// A label is positive when at least this many slices are.
    pub min_slices: usize,
}

/// Patient-held-out validation split the cards report on.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ValidationSplit {
    pub rsna_series: Vec<String>,
    pub slices2d_samples: Vec<String>,
    /// Whether the shipped models never saw these patients. `false` when they were trained on
    /// every patient (the card's metrics are then out-of-fold estimates, and `evaluate` on
    /// these patients measures fit to training data).
    #[serde(default = "held_out_default")]
    pub held_out: bool,
}

fn held_out_default() -> bool {
    true
}

/// The analysis card (`models/analysis.json`): scoring, thresholds and verdict rule, chosen on
/// the validation split, and the metrics measured there.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct AnalysisCard {
    pub name: String,
    pub version: String,
    pub labels: Vec<String>,
    pub slice_score: SliceScore,
    pub thresholds: BTreeMap<String, f32>,
    pub series_verdict: SeriesVerdict,
    pub validation_split: ValidationSplit,
    pub metrics: serde_json::Value,
    /// Labels the analysis cannot assess, with the reason (e.g. `"epidural": "no training
    /// cases"`): they get no verdict, no mask pixels and no volume.
    #[serde(default)]
    pub not_assessed: BTreeMap<String, String>,
    #[serde(flatten)]
    pub rest: BTreeMap<String, serde_json::Value>,
}

/// Which of the two analysis models a card describes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ModelRole {
    /// Slice classifier: one logit per label, output `[1, 6]`.
    Classifier,
    /// Segmenter: class logits per pixel, output `[1, 6, rows, columns]`.
    Segmenter,
}

impl ModelRole {
    /// `"classifier"` or `"segmenter"`.
    pub fn as_str(self) -> &'static str {
        match self {
            ModelRole::Classifier => "classifier",
            ModelRole::Segmenter => "segmenter",
        }
    }

    /// Parse `"classifier"` or `"segmenter"`.
    pub fn parse(s: &str) -> Result<Self> {
        match s {
            "classifier" => Ok(ModelRole::Classifier),
            "segmenter" => Ok(ModelRole::Segmenter),
            other => Err(Error::Model(format!(
                "unknown model role {other:?}: use classifier or segmenter"
            ))),
        }
    }
}

impl ModelCard {
    /// Check that the card's shapes are what the analysis needs for `role`: a classifier
    /// returns `[1, 6]` logits, a segmenter `[1, 6, rows, columns]` (background + 5 subtypes);
    /// a test vector, when given, uses the same shapes as `onnx`.
    pub fn check_role(&self, role: ModelRole) -> Result<()> {
        let out = &self.onnx.output.shape;
        let ok = match role {
            ModelRole::Classifier => out.as_slice() == [1, 6],
            ModelRole::Segmenter => {
                out.len() == 4 && out[0] == 1 && out[1] == 6 && out[2] > 0 && out[3] > 0
            }
        };
        if !ok {
            let want = match role {
                ModelRole::Classifier => "[1, 6] (one logit per label)",
                ModelRole::Segmenter => {
                    "[1, 6, rows, columns] (6 classes: background, EDH, IPH, IVH, SAH, SDH)"
                }
            };
            return Err(Error::Model(format!(
                "model card {}: onnx.output.shape is {out:?}; a {} must output {want}",
                self.name,
                role.as_str()
            )));
        }
        if let Some(tv) = &self.test_vector {
            if tv.input_shape != self.onnx.input.shape {
                return Err(Error::Model(format!(
                    "model card {}: test_vector.input_shape {:?} differs from onnx.input.shape {:?}",
                    self.name, tv.input_shape, self.onnx.input.shape
                )));
            }
            if tv.output_shape != *out {
                return Err(Error::Model(format!(
                    "model card {}: test_vector.output_shape {:?} differs from onnx.output.shape {out:?}",
                    self.name, tv.output_shape
                )));
            }
            if tv.output_samples.flat_index.len() != tv.output_samples.value.len() {
                return Err(Error::Model(format!(
                    "model card {}: test_vector.output_samples has {} indices and {} values",
                    self.name,
                    tv.output_samples.flat_index.len(),
                    tv.output_samples.value.len()
                )));
            }
        }
        Ok(())
    }

    /// Parse a card and check that it describes a model this code can run. Schema errors name
    /// the field (`onnx.input.shape: invalid type ...`).
    pub fn from_json(text: &str) -> Result<Self> {
        let de = &mut serde_json::Deserializer::from_str(text);
        let card: ModelCard = serde_path_to_error::deserialize(de).map_err(|e| {
            let path = e.path().to_string();
            let inner = e.into_inner();
            if path == "." || path.is_empty() {
                Error::Model(format!("the model card is not valid: {inner}"))
            } else {
                Error::Model(format!(
                    "the model card is not valid: field `{path}`: {inner}"
                ))
            }
        })?;
        card.check()?;
        Ok(card)
    }

    fn check(&self) -> Result<()> {
        let p = &self.preprocessing;
        let shape = &self.onnx.input.shape;
        if shape.len() != 4
            || shape[0] != 1
            || shape[1] != p.windows.len()
            || shape[2] != p.input_size[0]
            || shape[3] != p.input_size[1]
        {
            return Err(Error::Model(format!(
                "model card {}: onnx.input.shape {:?} does not match its preprocessing ({} \
                 windows, input_size {:?}): it must be [1, windows, rows, columns]",
                self.name,
                shape,
                p.windows.len(),
                p.input_size
            )));
        }
        if p.windows.iter().any(|w| w.width <= 0.0) || p.clip_hu[0] >= p.clip_hu[1] {
            return Err(Error::Model(format!(
                "model card {}: preprocessing.windows widths must be positive and \
                 preprocessing.clip_hu increasing",
                self.name
            )));
        }
        if self.labels.len() != LABELS.len() || self.labels.iter().zip(LABELS).any(|(a, b)| a != b)
        {
            return Err(Error::Model(format!(
                "model card {}: labels must be {LABELS:?} in this order, the card has {:?}",
                self.name, self.labels
            )));
        }
        if let Some(so) = self
            .onnx
            .slice_output
            .as_ref()
            .filter(|o| o.shape != [1, 6])
        {
            return Err(Error::Model(format!(
                "model card {}: onnx.slice_output.shape must be [1, 6] (one logit per label), \
                 the card says {:?}",
                self.name, so.shape
            )));
        }
        if let Some(v) = &self.validated_labels {
            if let Some(bad) = v.iter().find(|l| !LABELS.contains(&l.as_str())) {
                return Err(Error::Model(format!(
                    "model card {}: validated_labels has {bad:?}, which is not one of {LABELS:?}",
                    self.name
                )));
            }
        }
        Ok(())
    }

    /// The test vector of a shipped card (shipped cards must have one).
    pub fn required_test_vector(&self) -> Result<&TestVector> {
        self.test_vector.as_ref().ok_or_else(|| {
            Error::Model(format!(
                "model card {} has no test_vector: its outputs cannot be checked",
                self.name
            ))
        })
    }
}

impl AnalysisCard {
    /// Parse the analysis card and check it has a threshold for every label.
    pub fn from_json(text: &str) -> Result<Self> {
        let card: AnalysisCard = serde_json::from_str(text)
            .map_err(|e| Error::Model(format!("the analysis card is not valid: {e}")))?;
        for l in LABELS {
            if !card.thresholds.contains_key(l) {
                return Err(Error::Model(format!(
                    "the analysis card has no threshold for {l}"
                )));
            }
        }
        let (cw, hw) = (
            card.slice_score.classifier_weight,
            card.slice_score.head_weight,
        );
        if !(0.0..=1.0).contains(&cw) || !(0.0..=1.0).contains(&hw) || (cw > 0.0 && hw > 0.0) {
            return Err(Error::Model(format!(
                "the analysis card's slice_score weights must lie in [0, 1] and at most one be \
                 above 0; it has classifier_weight {cw}, head_weight {hw}"
            )));
        }
        let sigma = card.slice_score.neighbour_sigma_mm;
        if !sigma.is_finite() || !(0.0..=100.0).contains(&sigma) {
            return Err(Error::Model(format!(
                "the analysis card's slice_score.neighbour_sigma_mm must lie in [0, 100] mm; \
                 it is {sigma}"
            )));
        }
        if let Some(bad) = card
            .slice_score
            .neighbour_labels
            .iter()
            .flatten()
            .find(|l| !LABELS.contains(&l.as_str()))
        {
            return Err(Error::Model(format!(
                "the analysis card's slice_score.neighbour_labels names {bad:?}, which is not \
                 one of {LABELS:?}"
            )));
        }
        if let Some(bad) = card
            .not_assessed
            .keys()
            .find(|l| !LABELS.contains(&l.as_str()))
        {
            return Err(Error::Model(format!(
                "the analysis card's not_assessed names {bad:?}, which is not one of {LABELS:?}"
            )));
        }
        Ok(card)
    }

    /// Thresholds in `LABELS` order.
    pub fn threshold_array(&self) -> [f32; 6] {
        let mut t = [0.5f32; 6];
        for (i, l) in LABELS.iter().enumerate() {
            if let Some(v) = self.thresholds.get(*l) {
                t[i] = *v;
            }
        }
        t
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::shipped;

    fn with(json: &str, edit: impl FnOnce(&mut serde_json::Value)) -> String {
        let mut v: serde_json::Value = serde_json::from_str(json).unwrap();
        edit(&mut v);
        v.to_string()
    }

    #[test]
    fn a_slice_output_must_hold_one_logit_per_label() {
        let ok = with(shipped::SEGMENTER_CARD, |v| {
            v["onnx"]["slice_output"] =
                serde_json::json!({"name": "slice_logits", "shape": [1, 6]});
        });
        let card = ModelCard::from_json(&ok).unwrap();
        assert_eq!(card.onnx.slice_output.unwrap().shape, vec![1, 6]);
        let bad = with(shipped::SEGMENTER_CARD, |v| {
            v["onnx"]["slice_output"] =
                serde_json::json!({"name": "slice_logits", "shape": [1, 5]});
        });
        let e = ModelCard::from_json(&bad).unwrap_err().to_string();
        assert!(e.contains("onnx.slice_output.shape must be [1, 6]"), "{e}");
    }

    #[test]
    fn the_neighbour_sigma_is_checked_and_defaults_to_none() {
        let set = |sigma: serde_json::Value| {
            with(shipped::ANALYSIS_CARD, |v| {
                v["slice_score"]["neighbour_sigma_mm"] = sigma;
            })
        };
        let card = AnalysisCard::from_json(&set(serde_json::json!(3.0))).unwrap();
        assert_eq!(card.slice_score.neighbour_sigma_mm, 3.0);
        for bad in [serde_json::json!(-1.0), serde_json::json!(1000.0)] {
            let e = AnalysisCard::from_json(&set(bad)).unwrap_err().to_string();
            assert!(e.contains("neighbour_sigma_mm must lie in [0, 100]"), "{e}");
        }
        let old = with(shipped::ANALYSIS_CARD, |v| {
            v["slice_score"]
                .as_object_mut()
                .unwrap()
                .remove("neighbour_sigma_mm");
        });
        let card = AnalysisCard::from_json(&old).unwrap();
        assert_eq!(card.slice_score.neighbour_sigma_mm, 0.0);
        assert_eq!(card.slice_score.neighbour_flags(), [false; 6]);
        // the labels it applies to
        let some = with(shipped::ANALYSIS_CARD, |v| {
            v["slice_score"]["neighbour_sigma_mm"] = serde_json::json!(4.0);
            v["slice_score"]["neighbour_labels"] = serde_json::json!(["any", "subarachnoid"]);
        });
        let card = AnalysisCard::from_json(&some).unwrap();
        assert_eq!(
            card.slice_score.neighbour_flags(),
            [true, false, false, false, true, false]
        );
        let all = with(shipped::ANALYSIS_CARD, |v| {
            v["slice_score"]["neighbour_sigma_mm"] = serde_json::json!(4.0);
            v["slice_score"]
                .as_object_mut()
                .unwrap()
                .remove("neighbour_labels");
        });
        let card = AnalysisCard::from_json(&all).unwrap();
        assert_eq!(card.slice_score.neighbour_flags(), [true; 6]);
        let bad = with(shipped::ANALYSIS_CARD, |v| {
            v["slice_score"]["neighbour_labels"] = serde_json::json!(["any", "edh"]);
        });
        let e = AnalysisCard::from_json(&bad).unwrap_err().to_string();
        assert!(e.contains("neighbour_labels names \"edh\""), "{e}");
    }

    #[test]
    fn at_most_one_slice_score_weight_is_positive() {
        let set = |cw: f32, hw: f32| {
            with(shipped::ANALYSIS_CARD, |v| {
                v["slice_score"]["classifier_weight"] = serde_json::json!(cw);
                v["slice_score"]["head_weight"] = serde_json::json!(hw);
            })
        };
        assert!(AnalysisCard::from_json(&set(0.0, 1.0)).is_ok());
        assert!(AnalysisCard::from_json(&set(0.5, 0.0)).is_ok());
        for (cw, hw) in [(0.5, 0.5), (0.0, 1.5), (-0.1, 0.0)] {
            let e = AnalysisCard::from_json(&set(cw, hw))
                .unwrap_err()
                .to_string();
            assert!(e.contains("at most one be above 0"), "{e}");
        }
        // an older card without head_weight reads as 0
        let old = with(shipped::ANALYSIS_CARD, |v| {
            v["slice_score"]
                .as_object_mut()
                .unwrap()
                .remove("head_weight");
        });
        assert_eq!(
            AnalysisCard::from_json(&old)
                .unwrap()
                .slice_score
                .head_weight,
            0.0
        );
    }

    #[test]
    fn a_split_is_held_out_unless_the_card_says_otherwise() {
        let old = with(shipped::ANALYSIS_CARD, |v| {
            v["validation_split"]
                .as_object_mut()
                .unwrap()
                .remove("held_out");
        });
        assert!(
            AnalysisCard::from_json(&old)
                .unwrap()
                .validation_split
                .held_out
        );
        let all = with(shipped::ANALYSIS_CARD, |v| {
            v["validation_split"]["held_out"] = serde_json::json!(false);
        });
        assert!(
            !AnalysisCard::from_json(&all)
                .unwrap()
                .validation_split
                .held_out
        );
    }
}
