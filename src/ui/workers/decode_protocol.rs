//! Messages between the page and the decode worker.
//!
//! Page → worker: `{type: "open", id, files: [{name, bytes: ArrayBuffer}], truth?: {name,
//! bytes}}` (`truth`: a dataset case's ground-truth label map), `{type: "demo", id}`,
//! `{type: "series", id, index}` to open another series of the DICOM files of the last "open"
//! (the worker keeps them parsed), or `{type: "thumb", id, files, size}` (a gallery preview).
//! Worker → page: `{type: "ready"}` once started, then per request `{type: "progress", id,
//! fraction, stage, done?, total?}`, for DICOM `{type: "slice", id, meta: <JSON of SliceMeta>,
//! voxels: Int16Array}` as soon as the slice shown first is decoded, and finally either
//! `{type: "volume", id, meta: <JSON of VolumeMeta>, voxels: Int16Array}` (buffer
//! transferred; with `truth_meta` + `truth_voxels`, or `truth_error`, when a truth was sent),
//! `{type: "thumb", id, width, height, rgba: Uint8Array, dims}`, or `{type: "error", id, message}`.

use js_sys::{Object, Reflect};
use serde::{Deserialize, Serialize};
use wasm_bindgen::JsValue;

use crate::io::dicom::SeriesSummary;
use crate::volume::DicomSource;
use crate::{Geometry, Volume};

/// Script that starts a decode worker (written by trunk next to index.html).
pub const DECODE_WORKER_URL: &str = "./decode_worker_loader.js";

/// Everything about a volume except its voxels, sent as JSON next to the voxel buffer.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct VolumeMeta {
    pub dims: [usize; 3],
    pub affine: [[f64; 4]; 4],
    pub source: String,
    pub warnings: Vec<String>,
    pub slice_positions_mm: Option<Vec<f64>>,
    pub sop_instance_uids: Option<Vec<String>>,
    /// DICOM study/series/instance identity (exports refer back to it).
    #[serde(default)]
    pub dicom: Option<DicomSource>,
    /// Time the worker spent decoding, in ms.
    pub decode_ms: f64,
    /// Every DICOM series among the files (empty for a NIfTI file or the demo).
    #[serde(default)]
    pub series: Vec<SeriesSummary>,
}

/// The first slice of a series being assembled (sent before the whole volume).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SliceMeta {
    /// Columns, rows (the slice as a one-slice volume).
    pub dims: [usize; 2],
    /// Voxel → RAS affine of the one-slice volume.
    pub affine: [[f64; 4]; 4],
    /// Where the slice lies in the series (k) and the slice count.
    pub k: usize,
    pub slices: usize,
    pub source: String,
}

impl VolumeMeta {
    /// The metadata of a decoded volume.
    pub fn of(v: &Volume, decode_ms: f64) -> Self {
        VolumeMeta {
            dims: v.dims,
            affine: v.geometry.affine,
            source: v.source.clone(),
            warnings: v.warnings.clone(),
            slice_positions_mm: v.slice_positions_mm.clone(),
            sop_instance_uids: v.sop_instance_uids.clone(),
            dicom: v.dicom.clone(),
            decode_ms,
            series: Vec::new(),
        }
    }

    /// Rebuild the volume from its metadata and voxels; checks that they agree.
    pub fn into_volume(self, voxels: Vec<i16>) -> Result<Volume, String> {
        let n = self
            .dims
            .iter()
            .try_fold(1usize, |acc, &d| acc.checked_mul(d));
        if n != Some(voxels.len()) {
            return Err(format!(
                "the decoder returned {} voxels for dimensions {:?}",
                voxels.len(),
                self.dims
            ));
        }
        let mut v = Volume::new(
            self.dims,
            voxels,
            Geometry::from_affine(self.affine),
            self.source,
        );
        v.warnings = self.warnings;
        v.slice_positions_mm = self.slice_positions_mm;
        v.sop_instance_uids = self.sop_instance_uids;
        v.dicom = self.dicom;
        Ok(v)
    }
}

/// A plain JS object from key/value pairs.
pub fn object(pairs: &[(&str, JsValue)]) -> Result<Object, JsValue> {
    let o = Object::new();
    for (k, v) in pairs {
        Reflect::set(&o, &JsValue::from_str(k), v)?;
    }
    Ok(o)
}

/// A string field of a message (empty when absent).
pub fn get_str(o: &JsValue, key: &str) -> String {
    Reflect::get(o, &JsValue::from_str(key))
        .ok()
        .and_then(|v| v.as_string())
        .unwrap_or_default()
}

/// A numeric field of a message (NaN when absent).
pub fn get_f64(o: &JsValue, key: &str) -> f64 {
    Reflect::get(o, &JsValue::from_str(key))
        .ok()
        .and_then(|v| v.as_f64())
        .unwrap_or(f64::NAN)
}

/// Any field of a message.
pub fn get(o: &JsValue, key: &str) -> JsValue {
    Reflect::get(o, &JsValue::from_str(key)).unwrap_or(JsValue::UNDEFINED)
}

/// What the page sends the decode worker for a mask or SEG export (JSON next to the mask).
#[derive(Debug, Clone, Serialize, serde::Deserialize)]
pub struct ExportRequest {
    pub volume: VolumeMeta,
    /// "mask" (NIfTI) or "seg" (DICOM Segmentation).
    pub kind: String,
    /// Segmentation model name and version.
    pub algorithm: String,
    /// When the analysis ran, ms since the Unix epoch.
    pub time_ms: f64,
    /// File name offered for the download.
    pub name: String,
}
