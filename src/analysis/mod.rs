//! Thresholds, connected components, per-subtype volumes, scan verdicts and metrics.
//!
//! Everything after the models' raw logits happens here, in plain Rust: sigmoid / softmax,
//! slice scores, thresholds, scan verdicts, the label mask, volumes (true voxel size), ABC/2
//! of the largest intraparenchymal haemorrhage, and the metrics the model cards report.

pub mod components;
pub mod metrics;
#[cfg(feature = "inference")]
pub mod pipeline;
pub mod result;
pub mod scores;
pub mod volumes;

pub use result::AnalysisResult;
