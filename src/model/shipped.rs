//! The cards of the shipped models, compiled in (small JSON); the ONNX weights themselves are
//! compiled in only with the `inference` feature, so the UI binary stays small.

/// `models/classifier.json`.
pub const CLASSIFIER_CARD: &str = include_str!("../../models/classifier.json");
/// `models/segmenter.json`.
pub const SEGMENTER_CARD: &str = include_str!("../../models/segmenter.json");
/// `models/analysis.json`.
pub const ANALYSIS_CARD: &str = include_str!("../../models/analysis.json");

/// `models/classifier.onnx`.
#[cfg(feature = "inference")]
pub const CLASSIFIER_ONNX: &[u8] = include_bytes!("../../models/classifier.onnx");
/// `models/segmenter.onnx`.
#[cfg(feature = "inference")]
pub const SEGMENTER_ONNX: &[u8] = include_bytes!("../../models/segmenter.onnx");
