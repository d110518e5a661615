//! A CT volume: voxels in Hounsfield units and the geometry that places them in patient space.
//!
//! Array layout: `voxels[i + dims[0] * (j + dims[1] * k)]`, i fastest. For volumes read from
//! DICOM and for the RSNA-style NIfTI files, i = DICOM column, j = DICOM row, k = slice in
//! ascending order along the slice normal.

mod dicom_source;
mod geometry;
mod orientation;

pub use dicom_source::{DicomSource, PatientStudy, SourceSlice};
pub use geometry::Geometry;
pub use orientation::{direction_letter, nearest_axes, opposite_letter};

use serde::Serialize;

/// A decoded scan. Voxels are stored as i16 HU (CT values are integers; NIfTI float data are
/// rounded, with a warning when that loses information or values had to be clamped).
#[derive(Debug, Clone)]
pub struct Volume {
    pub dims: [usize; 3],
    pub voxels: Vec<i16>,
    pub geometry: Geometry,
    /// Where the volume came from, e.g. "NIfTI-1 (gzip)" or "DICOM series 1.2.3 (36 files)".
    pub source: String,
    /// Non-fatal problems found while decoding, in words a user understands.
    pub warnings: Vec<String>,
    /// Optional true position of each slice along the normal, in mm (irregular series).
    pub slice_positions_mm: Option<Vec<f64>>,
    /// Optional per-slice DICOM SOP Instance UIDs, in k order.
    pub sop_instance_uids: Option<Vec<String>>,
    /// Study, series, per-slice instances and patient module of a DICOM source (exports that
    /// refer back to it need them); `None` for NIfTI input.
    pub dicom: Option<DicomSource>,
}

impl Volume {
    pub fn new(
        dims: [usize; 3],
        voxels: Vec<i16>,
        geometry: Geometry,
        source: impl Into<String>,
    ) -> Self {
        debug_assert_eq!(voxels.len(), dims[0] * dims[1] * dims[2]);
        Volume {
            dims,
            voxels,
            geometry,
            source: source.into(),
            warnings: Vec::new(),
            slice_positions_mm: None,
            sop_instance_uids: None,
            dicom: None,
        }
    }

    #[inline]
    pub fn index(&self, i: usize, j: usize, k: usize) -> usize {
        i + self.dims[0] * (j + self.dims[1] * k)
    }

    #[inline]
    pub fn get(&self, i: usize, j: usize, k: usize) -> i16 {
        self.voxels[self.index(i, j, k)]
    }

    /// HU at voxel (i, j, k), or `None` outside the volume (for cursor read-outs).
    pub fn value_at(&self, i: usize, j: usize, k: usize) -> Option<i16> {
        if i < self.dims[0] && j < self.dims[1] && k < self.dims[2] {
            Some(self.voxels[self.index(i, j, k)])
        } else {
            None
        }
    }

    /// The axial slice k as a contiguous i-fastest slice of voxels.
    pub fn slice(&self, k: usize) -> &[i16] {
        let n = self.dims[0] * self.dims[1];
        &self.voxels[k * n..(k + 1) * n]
    }

    pub fn spacing_mm(&self) -> [f64; 3] {
        self.geometry.spacing()
    }

    /// Volume of one voxel in mL (mm³ / 1000), from the true (possibly sheared) geometry.
    pub fn voxel_volume_ml(&self) -> f64 {
        self.geometry.voxel_volume_mm3() / 1000.0
    }

    /// Summary statistics of the HU values.
    pub fn hu_stats(&self) -> HuStats {
        let mut min = i16::MAX;
        let mut max = i16::MIN;
        let mut sum = 0f64;
        for &v in &self.voxels {
            min = min.min(v);
            max = max.max(v);
            sum += v as f64;
        }
        let n = self.voxels.len().max(1) as f64;
        HuStats {
            min: min as f64,
            max: max as f64,
            mean: sum / n,
        }
    }
}

#[derive(Debug, Clone, Copy, Serialize, PartialEq)]
pub struct HuStats {
    pub min: f64,
    pub max: f64,
    pub mean: f64,
}
