//! Thresholds, connected components, per-subtype volumes, scan verdicts and metrics.
//!
//! Everything after the models' raw logits happens here, in plain Rust: sigmoid / softmax,
//! slice scores, thresholds, scan verdicts, the label mask, volumes (true voxel size), ABC/2
//! of the largest intraparenchymal haemorrhage, and the metrics the model cards report.

pub mod assemble;
pub mod cascade;
pub mod components;
pub mod context;
pub mod metrics;
pub mod orient;
#[cfg(feature = "inference")]
pub mod pipeline;
pub mod reconcile;
pub mod report;
pub mod result;
pub mod rle;
pub mod scores;
pub mod status;
pub mod tissue;
pub mod volumes;

pub use result::AnalysisResult;

/// Position of each slice along the slice normal (mm): the decoder's true positions when it
/// kept them, else the RAS position of the slice origin projected on the k axis direction.
pub fn slice_positions(volume: &crate::Volume) -> Vec<f64> {
    let nz = volume.dims[2];
    if let Some(p) = &volume.slice_positions_mm {
        if p.len() == nz {
            return p.clone();
        }
    }
    let ax = volume.geometry.axis(2);
    let norm = (ax[0] * ax[0] + ax[1] * ax[1] + ax[2] * ax[2])
        .sqrt()
        .max(1e-12);
    (0..nz)
        .map(|k| {
            let o = volume.geometry.to_ras([0.0, 0.0, k as f64]);
            (o[0] * ax[0] + o[1] * ax[1] + o[2] * ax[2]) / norm
        })
        .collect()
}
