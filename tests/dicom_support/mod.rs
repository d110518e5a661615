//! Writes small synthetic CT DICOM files in memory (dicom-object) for the intake tests.
#![allow(dead_code)]

use dicom_core::value::{DataSetSequence, PixelFragmentSequence, PrimitiveValue};
use dicom_core::{DataElement, VR};
use dicom_dictionary_std::tags;
use dicom_object::{FileMetaTableBuilder, InMemDicomObject};
use hemoscope::io::InputFile;

pub const EXPLICIT_LE: &str = "1.2.840.10008.1.2.1";
pub const IMPLICIT_LE: &str = "1.2.840.10008.1.2";
pub const JPEG_LS: &str = "1.2.840.10008.1.2.4.80";
pub const JPEG_XL_LOSSLESS: &str = "1.2.840.10008.1.2.4.110";

/// One synthetic image. Pixel values are stored values (before rescale).
#[derive(Clone, Debug)]
pub struct Slice {
    pub series_uid: Option<String>,
    pub sop_uid: Option<String>,
    pub instance: Option<i32>,
    pub modality: &'static str,
    pub description: &'static str,
    pub position: Option<[f64; 3]>,
    pub orientation: Option<[f64; 6]>,
    pub spacing: Option<[f64; 2]>,
    pub thickness: Option<f64>,
    pub rows: u16,
    pub cols: u16,
    pub pixels: Vec<i32>,
    pub bits_stored: u16,
    pub signed: bool,
    pub slope: Option<f64>,
    pub intercept: Option<f64>,
    pub photometric: &'static str,
    pub padding: Option<i32>,
    pub transfer_syntax: &'static str,
    pub image_type: Option<&'static str>,
    pub frames: Option<Frames>,
    /// Study / frame of reference UIDs and patient attributes (written when set).
    pub study_uid: Option<String>,
    pub frame_of_reference_uid: Option<String>,
    pub patient_name: Option<String>,
    pub patient_id: Option<String>,
}

/// Enhanced multi-frame: per-frame positions and rescale, stored pixel frames one after another.
#[derive(Clone, Debug)]
pub struct Frames {
    pub positions: Vec<[f64; 3]>,
    pub intercepts: Vec<f64>,
}

impl Default for Slice {
    fn default() -> Self {
        Slice {
            series_uid: Some("1.2.826.0.1.3680043.8.498.1".into()),
            sop_uid: None,
            instance: None,
            modality: "CT",
            description: "HEAD",
            position: Some([-10.0, -20.0, 0.0]),
            orientation: Some([1.0, 0.0, 0.0, 0.0, 1.0, 0.0]),
            spacing: Some([0.5, 0.25]),
            thickness: Some(5.0),
            rows: 4,
            cols: 3,
            pixels: vec![0; 12],
            bits_stored: 16,
            signed: true,
            slope: Some(1.0),
            intercept: Some(-1024.0),
            photometric: "MONOCHROME2",
            padding: None,
            transfer_syntax: EXPLICIT_LE,
            image_type: None,
            frames: None,
            study_uid: None,
            frame_of_reference_uid: None,
            patient_name: None,
            patient_id: None,
        }
    }
}

fn ds(values: &[f64]) -> PrimitiveValue {
    PrimitiveValue::Strs(
        values
            .iter()
            .map(|v| format!("{v}"))
            .collect::<Vec<_>>()
            .into(),
    )
}

fn el(
    tag: dicom_core::Tag,
    vr: VR,
    v: impl Into<dicom_core::value::Value<InMemDicomObject, Vec<u8>>>,
) -> DataElement<InMemDicomObject> {
    DataElement::new(tag, vr, v)
}

fn item(elements: Vec<DataElement<InMemDicomObject>>) -> InMemDicomObject {
    InMemDicomObject::from_element_iter(elements)
}

fn seq(tag: dicom_core::Tag, items: Vec<InMemDicomObject>) -> DataElement<InMemDicomObject> {
    DataElement::new(tag, VR::SQ, DataSetSequence::from(items))
}

impl Slice {
    /// Encode as a DICOM file (preamble, meta group, data set).
    pub fn bytes(&self) -> Vec<u8> {
        let mut e = vec![
            el(
                tags::SOP_CLASS_UID,
                VR::UI,
                PrimitiveValue::from("1.2.840.10008.5.1.4.1.1.2"),
            ),
            el(tags::MODALITY, VR::CS, PrimitiveValue::from(self.modality)),
            el(
                tags::SERIES_DESCRIPTION,
                VR::LO,
                PrimitiveValue::from(self.description),
            ),
            el(tags::ROWS, VR::US, PrimitiveValue::from(self.rows)),
            el(tags::COLUMNS, VR::US, PrimitiveValue::from(self.cols)),
            el(tags::SAMPLES_PER_PIXEL, VR::US, PrimitiveValue::from(1u16)),
            el(
                tags::PHOTOMETRIC_INTERPRETATION,
                VR::CS,
                PrimitiveValue::from(self.photometric),
            ),
            el(tags::BITS_ALLOCATED, VR::US, PrimitiveValue::from(16u16)),
            el(
                tags::BITS_STORED,
                VR::US,
                PrimitiveValue::from(self.bits_stored),
            ),
            el(
                tags::HIGH_BIT,
                VR::US,
                PrimitiveValue::from(self.bits_stored - 1),
            ),
            el(
                tags::PIXEL_REPRESENTATION,
                VR::US,
                PrimitiveValue::from(u16::from(self.signed)),
            ),
        ];
        if let Some(u) = &self.sop_uid {
            e.push(el(
                tags::SOP_INSTANCE_UID,
                VR::UI,
                PrimitiveValue::from(u.as_str()),
            ));
        }
        if let Some(u) = &self.series_uid {
            e.push(el(
                tags::SERIES_INSTANCE_UID,
                VR::UI,
                PrimitiveValue::from(u.as_str()),
            ));
        }
        for (tag, vr, value) in [
            (tags::STUDY_INSTANCE_UID, VR::UI, &self.study_uid),
            (
                tags::FRAME_OF_REFERENCE_UID,
                VR::UI,
                &self.frame_of_reference_uid,
            ),
            (tags::PATIENT_NAME, VR::PN, &self.patient_name),
            (tags::PATIENT_ID, VR::LO, &self.patient_id),
        ] {
            if let Some(v) = value {
                e.push(el(tag, vr, PrimitiveValue::from(v.as_str())));
            }
        }
        if let Some(n) = self.instance {
            e.push(el(
                tags::INSTANCE_NUMBER,
                VR::IS,
                PrimitiveValue::from(n.to_string()),
            ));
        }
        if let Some(t) = self.image_type {
            e.push(el(tags::IMAGE_TYPE, VR::CS, PrimitiveValue::from(t)));
        }
        if let Some(p) = self.padding {
            let v = if self.signed {
                PrimitiveValue::from(p as i16)
            } else {
                PrimitiveValue::from(p as u16)
            };
            e.push(el(
                tags::PIXEL_PADDING_VALUE,
                if self.signed { VR::SS } else { VR::US },
                v,
            ));
        }
        match &self.frames {
            None => {
                if let Some(p) = self.position {
                    e.push(el(tags::IMAGE_POSITION_PATIENT, VR::DS, ds(&p)));
                }
                if let Some(o) = self.orientation {
                    e.push(el(tags::IMAGE_ORIENTATION_PATIENT, VR::DS, ds(&o)));
                }
                if let Some(s) = self.spacing {
                    e.push(el(tags::PIXEL_SPACING, VR::DS, ds(&s)));
                }
                if let Some(t) = self.thickness {
                    e.push(el(tags::SLICE_THICKNESS, VR::DS, ds(&[t])));
                }
                if let Some(s) = self.slope {
                    e.push(el(tags::RESCALE_SLOPE, VR::DS, ds(&[s])));
                }
                if let Some(i) = self.intercept {
                    e.push(el(tags::RESCALE_INTERCEPT, VR::DS, ds(&[i])));
                }
            }
            Some(f) => {
                e.push(el(
                    tags::NUMBER_OF_FRAMES,
                    VR::IS,
                    PrimitiveValue::from(f.positions.len().to_string()),
                ));
                let mut shared = Vec::new();
                if let Some(o) = self.orientation {
                    shared.push(seq(
                        tags::PLANE_ORIENTATION_SEQUENCE,
                        vec![item(vec![el(
                            tags::IMAGE_ORIENTATION_PATIENT,
                            VR::DS,
                            ds(&o),
                        )])],
                    ));
                }
                let mut pm = Vec::new();
                if let Some(s) = self.spacing {
                    pm.push(el(tags::PIXEL_SPACING, VR::DS, ds(&s)));
                }
                if let Some(t) = self.thickness {
                    pm.push(el(tags::SLICE_THICKNESS, VR::DS, ds(&[t])));
                }
                shared.push(seq(tags::PIXEL_MEASURES_SEQUENCE, vec![item(pm)]));
                e.push(seq(
                    tags::SHARED_FUNCTIONAL_GROUPS_SEQUENCE,
                    vec![item(shared)],
                ));
                let per_frame = f
                    .positions
                    .iter()
                    .zip(&f.intercepts)
                    .map(|(p, i)| {
                        item(vec![
                            seq(
                                tags::PLANE_POSITION_SEQUENCE,
                                vec![item(vec![el(tags::IMAGE_POSITION_PATIENT, VR::DS, ds(p))])],
                            ),
                            seq(
                                tags::PIXEL_VALUE_TRANSFORMATION_SEQUENCE,
                                vec![item(vec![
                                    el(
                                        tags::RESCALE_SLOPE,
                                        VR::DS,
                                        ds(&[self.slope.unwrap_or(1.0)]),
                                    ),
                                    el(tags::RESCALE_INTERCEPT, VR::DS, ds(&[*i])),
                                ])],
                            ),
                        ])
                    })
                    .collect();
                e.push(seq(tags::PER_FRAME_FUNCTIONAL_GROUPS_SEQUENCE, per_frame));
            }
        }
        if self.transfer_syntax == JPEG_LS || self.transfer_syntax == JPEG_XL_LOSSLESS {
            // Not a real stream: intake must refuse it (by its transfer syntax, or as corrupt).
            let frag = vec![0xFF, 0xD8, 0xFF, 0xF7, 0, 0, 0, 0];
            e.push(el(
                tags::PIXEL_DATA,
                VR::OB,
                PixelFragmentSequence::new(Vec::<u32>::new(), vec![frag]),
            ));
        } else {
            let words: Vec<u16> = self.pixels.iter().map(|&v| v as u16).collect();
            e.push(el(
                tags::PIXEL_DATA,
                VR::OW,
                PrimitiveValue::U16(words.into()),
            ));
        }
        let obj = InMemDicomObject::from_element_iter(e);
        let mut meta = FileMetaTableBuilder::new()
            .transfer_syntax(self.transfer_syntax)
            .media_storage_sop_class_uid("1.2.840.10008.5.1.4.1.1.2");
        if self.sop_uid.is_none() {
            meta = meta.media_storage_sop_instance_uid("1.2.3");
        }
        let file = obj.with_meta(meta).expect("meta");
        let mut out = Vec::new();
        file.write_all(&mut out).expect("write");
        out
    }

    pub fn file(&self, name: &str) -> InputFile {
        InputFile {
            name: name.into(),
            bytes: self.bytes(),
        }
    }
}

/// A volume as a CT series: one file per slice k (i = column, j = row), stored values = HU
/// (slope 1, intercept 0), positions and orientation from the volume's RAS affine converted to
/// LPS, study/patient attributes set, SOP UIDs "<root>.<k + 1>".
pub fn volume_series(volume: &hemoscope::Volume, root: &str) -> Vec<Slice> {
    let g = &volume.geometry;
    let lps = |p: [f64; 3]| [-p[0], -p[1], p[2]];
    let o = lps(g.to_ras([0.0; 3]));
    let unit = |ijk: [f64; 3]| {
        let p = lps(g.to_ras(ijk));
        let d = [p[0] - o[0], p[1] - o[1], p[2] - o[2]];
        let n = (d[0] * d[0] + d[1] * d[1] + d[2] * d[2]).sqrt();
        d.map(|x| x / n)
    };
    let (r, c) = (unit([1.0, 0.0, 0.0]), unit([0.0, 1.0, 0.0]));
    let s = g.spacing();
    let [nx, ny, nz] = volume.dims;
    (0..nz)
        .map(|k| Slice {
            series_uid: Some(format!("{root}.1")),
            study_uid: Some(format!("{root}.2")),
            frame_of_reference_uid: Some(format!("{root}.3")),
            patient_name: Some("Phantom^Test".into()),
            patient_id: Some("PHANTOM-1".into()),
            sop_uid: Some(format!("{root}.{}", k + 1)),
            instance: Some(k as i32 + 1),
            position: Some(lps(g.to_ras([0.0, 0.0, k as f64]))),
            orientation: Some([r[0], r[1], r[2], c[0], c[1], c[2]]),
            spacing: Some([s[1], s[0]]),
            thickness: Some(s[2]),
            rows: ny as u16,
            cols: nx as u16,
            pixels: volume.slice(k).iter().map(|&v| i32::from(v)).collect(),
            slope: Some(1.0),
            intercept: Some(0.0),
            ..Slice::default()
        })
        .collect()
}

/// A regular axial series: `n` slices, `step` mm apart along z, slice k filled with
/// stored value 1000 + 10 k (+ pixel index), SOP UIDs "1.2.3.<k>".
pub fn axial_series(n: usize, step: f64) -> Vec<Slice> {
    (0..n)
        .map(|k| Slice {
            sop_uid: Some(format!("1.2.3.{k}")),
            instance: Some(k as i32 + 1),
            position: Some([-10.0, -20.0, 30.0 + step * k as f64]),
            pixels: (0..12).map(|p| 1000 + 10 * k as i32 + p).collect(),
            ..Slice::default()
        })
        .collect()
}
