//! What a volume read from DICOM remembers about its source, so that derived objects (a DICOM
//! Segmentation) can refer back to the study, series and instances and copy the patient and
//! study modules.
//!
//! Patient attributes are kept only for those copies. They never appear in `Debug` output or
//! in error messages (see [`PatientStudy`]'s `Debug`).

use std::fmt;

use serde::{Deserialize, Serialize};

/// One slice of the volume (k order) as it was stored in the source series.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SourceSlice {
    /// SOP Instance UID of the object holding the slice ("" when the file had none).
    pub sop_instance_uid: String,
    /// SOP Class UID of that object.
    pub sop_class_uid: String,
    /// 1-based frame number within a multi-frame object; `None` for single-frame images.
    pub frame: Option<u32>,
    /// ImagePositionPatient of the slice (LPS mm), when the file gave one.
    pub position_lps: Option<[f64; 3]>,
}

/// Patient and general-study attributes, copied verbatim into derived objects. Empty strings
/// are attributes the source did not have (written empty, as type 2 attributes allow).
#[derive(Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct PatientStudy {
    pub patient_name: String,
    pub patient_id: String,
    pub patient_birth_date: String,
    pub patient_sex: String,
    pub study_date: String,
    pub study_time: String,
    pub referring_physician_name: String,
    pub study_id: String,
    pub accession_number: String,
    pub study_description: String,
}

impl fmt::Debug for PatientStudy {
    /// Patient data are never printed.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("PatientStudy { .. }")
    }
}

/// The DICOM identity and geometry of a volume's source series.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct DicomSource {
    pub study_instance_uid: String,
    pub series_instance_uid: String,
    pub frame_of_reference_uid: String,
    pub series_number: Option<i64>,
    pub modality: String,
    /// ImageOrientationPatient of the series (row cosine, column cosine; LPS).
    pub orientation: Option<[f64; 6]>,
    /// PixelSpacing (between rows, between columns) in mm.
    pub pixel_spacing: Option<[f64; 2]>,
    pub slice_thickness_mm: Option<f64>,
    /// One entry per slice, in the volume's k order.
    pub slices: Vec<SourceSlice>,
    pub patient_study: PatientStudy,
}
