//! What `state().analysis` reports and the results panel shows about the analysis engine:
//! which worker build runs (wasm SIMD or not), whether the cascade is on, which models are in
//! use (shipped or the user's own), and the outcome of the last user-model check.

use serde::Serialize;

use crate::model::{shipped, ModelCard, ModelRole};

/// How long the first analysis worker took to start, in its own clock (ms): from its creation
/// to its wasm module running (script, compile, instantiate), then to the model files read and
/// checked (and stored in the model cache), then to the plans built and self-tested.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct WorkerStart {
    pub compile_ms: f64,
    pub read_ms: f64,
    pub build_ms: f64,
}

/// A model in use.
#[derive(Debug, Clone, Serialize)]
pub struct ActiveModel {
    pub name: String,
    pub version: String,
    /// Loaded by the user for this session (not shipped with the app).
    pub user: bool,
}

impl ActiveModel {
    fn shipped(card: &str) -> Self {
        let (name, version) = ModelCard::from_json(card)
            .map(|c| (c.name, c.version))
            .unwrap_or_else(|_| ("unknown".into(), "?".into()));
        ActiveModel {
            name,
            version,
            user: false,
        }
    }
}

/// The models in use, by role.
#[derive(Debug, Clone, Serialize)]
pub struct ActiveModels {
    pub classifier: ActiveModel,
    pub segmenter: ActiveModel,
}

/// The outcome of checking a user's model.
#[derive(Debug, Clone, Serialize)]
pub struct ModelCheck {
    /// `"checking"`, `"ok"` or `"refused"`.
    pub state: &'static str,
    pub message: String,
}

impl ModelCheck {
    pub fn checking(message: &str) -> Self {
        ModelCheck {
            state: "checking",
            message: message.to_string(),
        }
    }
    pub fn ok(message: &str) -> Self {
        ModelCheck {
            state: "ok",
            message: message.to_string(),
        }
    }
    pub fn refused(message: &str) -> Self {
        ModelCheck {
            state: "refused",
            message: message.to_string(),
        }
    }
}

/// `state().analysis`.
#[derive(Debug, Clone, Serialize)]
pub struct AnalysisInfo {
    /// `"wasm SIMD"`, or `"unavailable (no wasm SIMD)"` where the browser lacks it.
    pub engine: String,
    /// Segment only the slices the classifier flags, plus neighbours.
    pub cascade: bool,
    pub models: ActiveModels,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub model_check: Option<ModelCheck>,
    /// The first worker's start, once it is ready.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub worker_start_ms: Option<WorkerStart>,
}

impl Default for AnalysisInfo {
    fn default() -> Self {
        AnalysisInfo {
            engine: String::new(),
            cascade: false,
            models: ActiveModels {
                classifier: ActiveModel::shipped(shipped::CLASSIFIER_CARD),
                segmenter: ActiveModel::shipped(shipped::SEGMENTER_CARD),
            },
            model_check: None,
            worker_start_ms: None,
        }
    }
}

impl AnalysisInfo {
    /// Record the model now in use for `role`.
    pub fn set_model(&mut self, role: ModelRole, name: &str, version: &str, user: bool) {
        let m = ActiveModel {
            name: name.to_string(),
            version: version.to_string(),
            user,
        };
        match role {
            ModelRole::Classifier => self.models.classifier = m,
            ModelRole::Segmenter => self.models.segmenter = m,
        }
    }

    /// Back to the shipped models.
    pub fn reset_models(&mut self) {
        self.models = AnalysisInfo::default().models;
    }

    /// Whether a user's model is in use.
    pub fn any_user_model(&self) -> bool {
        self.models.classifier.user || self.models.segmenter.user
    }
}
