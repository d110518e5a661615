//! The attributes of one parsed DICOM object that intake needs: identity (series, instance),
//! pixel format, and per-frame geometry and rescale (from the classic attributes or from the
//! enhanced multi-frame functional groups).

use dicom_dictionary_std::{tags, uids};
use dicom_object::{DefaultDicomObject, InMemDicomObject, Tag};
use dicom_transfer_syntax_registry::{TransferSyntaxIndex, TransferSyntaxRegistry};

use super::codecs;
use super::open::unsupported_ts;
use crate::volume::PatientStudy;
use crate::{Error, Result};

/// Geometry and value mapping of one frame (one 2-D image).
#[derive(Debug, Clone, PartialEq)]
pub struct FrameInfo {
    /// ImagePositionPatient: centre of the first transmitted pixel, LPS mm.
    pub position: Option<[f64; 3]>,
    /// ImageOrientationPatient: row cosine (direction of increasing column) then column cosine.
    pub orientation: Option<[f64; 6]>,
    /// PixelSpacing: [spacing between rows, spacing between columns] in mm.
    pub pixel_spacing: Option<[f64; 2]>,
    pub thickness_mm: Option<f64>,
    pub slope: f64,
    pub intercept: f64,
}

/// What intake needs to know about one object, read without decoding pixels.
#[derive(Debug, Clone)]
pub struct ImageHeader {
    pub transfer_syntax: String,
    pub sop_class_uid: String,
    pub sop_instance_uid: Option<String>,
    pub series_uid: Option<String>,
    pub study_uid: Option<String>,
    pub frame_of_reference_uid: Option<String>,
    /// Patient and general-study attributes, copied into derived objects (never printed).
    pub patient_study: PatientStudy,
    pub series_number: Option<i64>,
    pub instance_number: Option<i64>,
    pub modality: String,
    pub description: String,
    pub image_type: Vec<String>,
    pub rows: u32,
    pub columns: u32,
    pub frames: u32,
    pub samples_per_pixel: u16,
    pub photometric: String,
    pub bits_allocated: u16,
    pub bits_stored: u16,
    pub high_bit: u16,
    /// 0 unsigned, 1 two's complement.
    pub pixel_representation: u16,
    /// PixelPaddingValue and optional PixelPaddingRangeLimit, as stored values.
    pub padding: Option<(i64, Option<i64>)>,
    /// One entry per frame.
    pub frame_info: Vec<FrameInfo>,
}

/// Why an object holds no usable image.
#[derive(Debug)]
pub enum NotAnImage {
    /// No pixel data at all (structured report, presentation state, ...): ignored with a note.
    NoPixelData { sop_class: String },
}

type Obj = InMemDicomObject;

const JPEG_EXTENDED: &str = "1.2.840.10008.1.2.4.51";
const EXPLICIT_BE: &str = "1.2.840.10008.1.2.2";

fn text(obj: &Obj, tag: Tag) -> Option<String> {
    let s = obj.get(tag)?.to_str().ok()?;
    let s = s.trim_matches(|c: char| c == '\0' || c.is_whitespace());
    (!s.is_empty()).then(|| s.to_string())
}

fn texts(obj: &Obj, tag: Tag) -> Vec<String> {
    obj.get(tag)
        .and_then(|e| e.to_multi_str().ok().map(|v| v.to_vec()))
        .unwrap_or_default()
        .into_iter()
        .map(|s| s.trim().to_string())
        .collect()
}

fn int(obj: &Obj, tag: Tag) -> Option<i64> {
    obj.get(tag)?.to_int::<i64>().ok()
}

fn floats(obj: &Obj, tag: Tag) -> Option<Vec<f64>> {
    let v = obj.get(tag)?.to_multi_float64().ok()?;
    v.iter().all(|x| x.is_finite()).then_some(v)
}

fn float(obj: &Obj, tag: Tag) -> Option<f64> {
    floats(obj, tag)?.first().copied()
}

fn first_item(obj: &Obj, tag: Tag) -> Option<&Obj> {
    obj.get(tag)?.items()?.first()
}

/// Overwrite `f` with whatever the functional groups in `group` define.
fn apply_functional_group(group: &Obj, f: &mut FrameInfo) {
    if let Some(p) = first_item(group, tags::PLANE_POSITION_SEQUENCE)
        .and_then(|i| floats(i, tags::IMAGE_POSITION_PATIENT))
        .and_then(|v| <[f64; 3]>::try_from(v.get(..3)?).ok())
    {
        f.position = Some(p);
    }
    if let Some(o) = first_item(group, tags::PLANE_ORIENTATION_SEQUENCE)
        .and_then(|i| floats(i, tags::IMAGE_ORIENTATION_PATIENT))
        .and_then(|v| <[f64; 6]>::try_from(v.get(..6)?).ok())
    {
        f.orientation = Some(o);
    }
    if let Some(m) = first_item(group, tags::PIXEL_MEASURES_SEQUENCE) {
        if let Some(s) =
            floats(m, tags::PIXEL_SPACING).and_then(|v| <[f64; 2]>::try_from(v.get(..2)?).ok())
        {
            f.pixel_spacing = Some(s);
        }
        if let Some(t) = float(m, tags::SLICE_THICKNESS) {
            f.thickness_mm = Some(t);
        }
    }
    if let Some(t) = first_item(group, tags::PIXEL_VALUE_TRANSFORMATION_SEQUENCE) {
        if let Some(s) = float(t, tags::RESCALE_SLOPE) {
            f.slope = s;
        }
        if let Some(i) = float(t, tags::RESCALE_INTERCEPT) {
            f.intercept = i;
        }
    }
}

fn positive_spacing(v: Option<Vec<f64>>) -> Option<[f64; 2]> {
    let v = v?;
    let s = <[f64; 2]>::try_from(v.get(..2)?).ok()?;
    (s[0] > 0.0 && s[1] > 0.0).then_some(s)
}

/// The patient and general-study attributes of an object ("" when absent).
fn patient_study(obj: &Obj) -> PatientStudy {
    let t = |tag| text(obj, tag).unwrap_or_default();
    PatientStudy {
        patient_name: t(tags::PATIENT_NAME),
        patient_id: t(tags::PATIENT_ID),
        patient_birth_date: t(tags::PATIENT_BIRTH_DATE),
        patient_sex: t(tags::PATIENT_SEX),
        study_date: t(tags::STUDY_DATE),
        study_time: t(tags::STUDY_TIME),
        referring_physician_name: t(tags::REFERRING_PHYSICIAN_NAME),
        study_id: t(tags::STUDY_ID),
        accession_number: t(tags::ACCESSION_NUMBER),
        study_description: t(tags::STUDY_DESCRIPTION),
    }
}

impl ImageHeader {
    /// Read the header of a parsed object. Objects without pixel data give `Ok(Err(..))`.
    pub fn read(file: &DefaultDicomObject) -> Result<std::result::Result<Self, NotAnImage>> {
        let obj: &Obj = file;
        let sop_class_uid = text(obj, tags::SOP_CLASS_UID).unwrap_or_else(|| {
            file.meta()
                .media_storage_sop_class_uid()
                .trim_end_matches('\0')
                .to_string()
        });
        if obj.get(tags::PIXEL_DATA).is_none()
            && obj.get(tags::FLOAT_PIXEL_DATA).is_none()
            && obj.get(tags::DOUBLE_FLOAT_PIXEL_DATA).is_none()
        {
            return Ok(Err(NotAnImage::NoPixelData {
                sop_class: sop_class_uid,
            }));
        }
        if obj.get(tags::PIXEL_DATA).is_none() {
            return Err(Error::unsupported(
                "DICOM",
                "float pixel data (parametric maps) is not a CT image",
            ));
        }
        let transfer_syntax = file
            .meta()
            .transfer_syntax()
            .trim_end_matches(['\0', ' '])
            .to_string();
        let rows = int(obj, tags::ROWS).unwrap_or(0);
        let columns = int(obj, tags::COLUMNS).unwrap_or(0);
        if !(1..=65535).contains(&rows) || !(1..=65535).contains(&columns) {
            return Err(Error::invalid(
                "DICOM",
                format!("image size {rows} × {columns} is missing or out of range (Rows, Columns)"),
            ));
        }
        let frames = int(obj, tags::NUMBER_OF_FRAMES).unwrap_or(1);
        if !(1..=100_000).contains(&frames) {
            return Err(Error::invalid(
                "DICOM",
                format!("NumberOfFrames {frames} is out of range"),
            ));
        }
        let bits_allocated = int(obj, tags::BITS_ALLOCATED).unwrap_or(0);
        if !matches!(bits_allocated, 1 | 8 | 16 | 32) {
            return Err(Error::unsupported(
                "DICOM",
                format!("BitsAllocated {bits_allocated} (expected 8, 16 or 32)"),
            ));
        }
        let bits_stored = int(obj, tags::BITS_STORED).unwrap_or(bits_allocated);
        let bits_stored = if (1..=bits_allocated).contains(&bits_stored) {
            bits_stored
        } else {
            bits_allocated
        };
        let high_bit = int(obj, tags::HIGH_BIT).unwrap_or(bits_stored - 1);
        let high_bit = if (bits_stored - 1..bits_allocated).contains(&high_bit) {
            high_bit
        } else {
            bits_stored - 1
        };
        let pixel_representation =
            u16::from(int(obj, tags::PIXEL_REPRESENTATION).unwrap_or(0) == 1);

        let sign_fix = |v: i64| -> i64 {
            // Implicit VR files can hand back a signed padding value as its unsigned bit pattern.
            if pixel_representation == 1 && bits_allocated == 16 && v > i16::MAX as i64 {
                v - 65536
            } else {
                v
            }
        };
        let padding = int(obj, tags::PIXEL_PADDING_VALUE).map(|v| {
            (
                sign_fix(v),
                int(obj, tags::PIXEL_PADDING_RANGE_LIMIT).map(sign_fix),
            )
        });

        // Classic attributes, then shared functional groups, then per-frame groups.
        let base = FrameInfo {
            position: floats(obj, tags::IMAGE_POSITION_PATIENT)
                .and_then(|v| <[f64; 3]>::try_from(v.get(..3)?).ok()),
            orientation: floats(obj, tags::IMAGE_ORIENTATION_PATIENT)
                .and_then(|v| <[f64; 6]>::try_from(v.get(..6)?).ok()),
            pixel_spacing: positive_spacing(floats(obj, tags::PIXEL_SPACING))
                .or_else(|| positive_spacing(floats(obj, tags::IMAGER_PIXEL_SPACING))),
            thickness_mm: float(obj, tags::SLICE_THICKNESS).filter(|t| *t > 0.0),
            slope: float(obj, tags::RESCALE_SLOPE)
                .filter(|s| *s != 0.0)
                .unwrap_or(1.0),
            intercept: float(obj, tags::RESCALE_INTERCEPT).unwrap_or(0.0),
        };
        let mut shared = base;
        if let Some(g) = first_item(obj, tags::SHARED_FUNCTIONAL_GROUPS_SEQUENCE) {
            apply_functional_group(g, &mut shared);
        }
        let per_frame = obj
            .get(tags::PER_FRAME_FUNCTIONAL_GROUPS_SEQUENCE)
            .and_then(|e| e.items());
        let frame_info = (0..frames as usize)
            .map(|k| {
                let mut f = shared.clone();
                if let Some(g) = per_frame.and_then(|items| items.get(k)) {
                    apply_functional_group(g, &mut f);
                }
                if f.slope == 0.0 || !f.slope.is_finite() {
                    f.slope = 1.0;
                }
                f
            })
            .collect();

        Ok(Ok(ImageHeader {
            transfer_syntax,
            sop_class_uid,
            sop_instance_uid: text(obj, tags::SOP_INSTANCE_UID),
            series_uid: text(obj, tags::SERIES_INSTANCE_UID),
            study_uid: text(obj, tags::STUDY_INSTANCE_UID),
            frame_of_reference_uid: text(obj, tags::FRAME_OF_REFERENCE_UID),
            patient_study: patient_study(obj),
            series_number: int(obj, tags::SERIES_NUMBER),
            instance_number: int(obj, tags::INSTANCE_NUMBER),
            modality: text(obj, tags::MODALITY).unwrap_or_default(),
            description: text(obj, tags::SERIES_DESCRIPTION).unwrap_or_default(),
            image_type: texts(obj, tags::IMAGE_TYPE),
            rows: rows as u32,
            columns: columns as u32,
            frames: frames as u32,
            samples_per_pixel: int(obj, tags::SAMPLES_PER_PIXEL).unwrap_or(1).clamp(0, 16) as u16,
            photometric: text(obj, tags::PHOTOMETRIC_INTERPRETATION)
                .unwrap_or_else(|| "MONOCHROME2".into()),
            bits_allocated: bits_allocated as u16,
            bits_stored: bits_stored as u16,
            high_bit: high_bit as u16,
            pixel_representation,
            padding,
            frame_info,
        }))
    }

    /// Check that this image can become CT slices here: greyscale, and a transfer syntax with
    /// a decoder. The error names what is wrong (the transfer syntax UID and name, or the
    /// photometric interpretation).
    pub fn check_decodable(&self) -> Result<()> {
        let ts_ok = codecs::handles(self)
            || codecs::handles_syntax(&self.transfer_syntax)
            || TransferSyntaxRegistry
                .get(&self.transfer_syntax)
                .is_some_and(|ts| ts.can_decode_all());
        if !ts_ok {
            return Err(unsupported_ts(&self.transfer_syntax));
        }
        if self.transfer_syntax == JPEG_EXTENDED
            && (self.bits_stored > 12 || (self.bits_stored > 8 && self.bits_allocated != 16))
        {
            return Err(Error::unsupported(
                "DICOM",
                format!(
                    "transfer syntax {JPEG_EXTENDED} (JPEG Extended) with {}-bit samples in {} \
                     bits: JPEG Extended holds 8- or 12-bit samples (12-bit ones in 16 bits)",
                    self.bits_stored, self.bits_allocated
                ),
            ));
        }
        if self.samples_per_pixel != 1 || !self.photometric.starts_with("MONOCHROME") {
            return Err(Error::unsupported(
                "DICOM",
                format!(
                    "colour image ({}, {} samples per pixel): CT slices must be greyscale",
                    self.photometric, self.samples_per_pixel
                ),
            ));
        }
        if self.bits_allocated == 1 {
            return Err(Error::unsupported(
                "DICOM",
                "1-bit images (segmentations, overlays) are not CT slices",
            ));
        }
        Ok(())
    }

    /// Whether the pixel data are native (uncompressed) explicit VR big endian.
    pub fn is_big_endian_native(&self) -> bool {
        self.transfer_syntax == EXPLICIT_BE
    }

    /// Whether this looks like a localizer / scout image rather than a slice of a volume.
    pub fn is_localizer(&self) -> bool {
        self.image_type
            .iter()
            .any(|t| t.eq_ignore_ascii_case("LOCALIZER"))
    }

    /// Whether this is a CT image: Modality CT, or (without a Modality) a CT storage class.
    pub fn is_ct(&self) -> bool {
        if !self.modality.is_empty() {
            return self.modality.eq_ignore_ascii_case("CT");
        }
        self.sop_class_uid == uids::CT_IMAGE_STORAGE
            || self.sop_class_uid == uids::ENHANCED_CT_IMAGE_STORAGE
            || self.sop_class_uid == uids::LEGACY_CONVERTED_ENHANCED_CT_IMAGE_STORAGE
    }
}
