//! The analysis result: the JSON written by `hemoscope analyze --json` and shown by the app.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::status::LabelStatus;

/// One value per label, serialised as an object with the label names as keys.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct Labels<T> {
    pub any: T,
    pub epidural: T,
    pub intraparenchymal: T,
    pub intraventricular: T,
    pub subarachnoid: T,
    pub subdural: T,
}

impl<T> Labels<T> {
    /// From an array in `LABELS` order.
    pub fn from_array(a: [T; 6]) -> Self {
        let [any, epidural, intraparenchymal, intraventricular, subarachnoid, subdural] = a;
        Labels {
            any,
            epidural,
            intraparenchymal,
            intraventricular,
            subarachnoid,
            subdural,
        }
    }

    /// References in `LABELS` order.
    pub fn as_refs(&self) -> [&T; 6] {
        [
            &self.any,
            &self.epidural,
            &self.intraparenchymal,
            &self.intraventricular,
            &self.subarachnoid,
            &self.subdural,
        ]
    }
}

impl<T: Copy> Labels<T> {
    /// As an array in `LABELS` order.
    pub fn to_array(&self) -> [T; 6] {
        [
            self.any,
            self.epidural,
            self.intraparenchymal,
            self.intraventricular,
            self.subarachnoid,
            self.subdural,
        ]
    }
}

/// Per-slice output, in the volume's k order.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SliceResult {
    pub index: usize,
    pub position_mm: f64,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub sop_instance_uid: Option<String>,
    pub probabilities: Labels<f32>,
    pub predicted: Labels<bool>,
    /// The slice holds no soft tissue inside the bone's outline (above the head, the top of
    /// the skull cap): the models did not run on it, its probabilities are 0
    /// ([`super::tissue`]).
    #[serde(skip_serializing_if = "std::ops::Not::not", default)]
    pub no_brain: bool,
}

/// Whole-scan result.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct AnalysisResult {
    pub slices: Vec<SliceResult>,
    pub thresholds: Labels<f32>,
    /// Scan verdict per label; always false for a label that is not assessed.
    pub verdict: Labels<bool>,
    /// Whether each label is assessed at all (`{"assessed": false, "reason": "no training
    /// cases"}`); a label that is not has no verdict, predicted slice, mask pixel or volume,
    /// and its probabilities are raw model outputs, not an assessment.
    #[serde(default)]
    pub label_status: Labels<LabelStatus>,
    /// mL per label from the mask and the true voxel volume; "any" = all blood.
    pub volumes_ml: Labels<f64>,
    /// ABC/2 estimate (mL) of the largest intraparenchymal haemorrhage, when there is one.
    #[serde(default)]
    pub abc2_ml: Option<f64>,
    /// Model name → version.
    pub models: BTreeMap<String, String>,
    /// Where the time went, in ms.
    pub timings_ms: BTreeMap<String, f64>,
}
