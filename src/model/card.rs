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
}

/// A model card (`models/classifier.json`, `models/segmenter.json`).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ModelCard {
    pub name: String,
    pub version: String,
    /// ONNX file name, beside the card.
    pub file: String,
    /// sha256 of the ONNX file (hex).
    pub sha256: String,
    pub size_bytes: u64,
    pub onnx: OnnxInfo,
    pub labels: Vec<String>,
    pub preprocessing: Preprocessing,
    pub test_vector: TestVector,
    pub intended_use: String,
    /// Everything else (training, metrics, limits) is kept as plain JSON.
    #[serde(flatten)]
    pub rest: BTreeMap<String, serde_json::Value>,
}

/// How slice scores are formed from the two models.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SliceScore {
    /// q = w · classifier + (1 − w) · segmenter_max.
    pub classifier_weight: f32,
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
    #[serde(flatten)]
    pub rest: BTreeMap<String, serde_json::Value>,
}

impl ModelCard {
    /// Parse a card and check that it describes a model this code can run.
    pub fn from_json(text: &str) -> Result<Self> {
        let card: ModelCard = serde_json::from_str(text)
            .map_err(|e| Error::Model(format!("the model card is not valid: {e}")))?;
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
                "model card {}: input shape {:?} does not match its preprocessing ({} windows, {:?})",
                self.name,
                shape,
                p.windows.len(),
                p.input_size
            )));
        }
        if p.windows.iter().any(|w| w.width <= 0.0) || p.clip_hu[0] >= p.clip_hu[1] {
            return Err(Error::Model(format!(
                "model card {}: window widths must be positive and the HU clip increasing",
                self.name
            )));
        }
        Ok(())
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
