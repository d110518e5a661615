//! DICOM Segmentation (SEG) objects for the analysis mask of a DICOM series, built as an
//! in-memory object with dicom-object and encoded by its writer (explicit VR little endian).
//!
//! - `codes`: segment labels, SNOMED CT codes and display colours
//! - `frames`: which (segment, slice) frames exist and the 1-bit packed pixel data
//! - `elements`: data element constructors
//! - `uid`: UIDs of the new series and instance, and of what the source lacked
//!
//! The object: SOP class Segmentation Storage, `SegmentationType` BINARY, one segment per
//! haemorrhage subtype present in the mask (`SegmentAlgorithmType` AUTOMATIC, the segmenter's
//! name and version as `SegmentAlgorithmName`), one frame per (segment, slice) where that
//! segment is not empty (see `frames`), each frame referencing its source instance
//! (DerivationImageSequence / SourceImageSequence) and carrying the slice's
//! ImagePositionPatient; orientation and pixel spacing are shared. Patient and study modules
//! are copied from the source; the SEG is a new series in the same study and frame of
//! reference.
//!
//! A source without a StudyInstanceUID or FrameOfReferenceUID (both type 1 in a SEG) gets
//! generated ones, and a source without a SeriesInstanceUID gets a generated one for the
//! ReferencedSeriesSequence. They are derived from the source's series UID, or from its SOP
//! Instance UIDs when that is missing too (see [`uid::derived_uid`]), so the same source always
//! gets the same UIDs; [`SegObject::notes`] says which were generated. SOP Instance UIDs are
//! never made up: a slice without one is refused, since a reference to it would point nowhere.

mod codes;
mod elements;
mod frames;
mod uid;

pub use codes::{SegmentKind, SEGMENTS};
pub use frames::Frame;

use chrono::{DateTime, Utc};
use dicom_core::VR;
use dicom_dictionary_std::{tags, uids};
use dicom_object::{FileMetaTableBuilder, InMemDicomObject};

use crate::volume::DicomSource;
use crate::{Error, Geometry, Result};

use elements::{at, code_item, ds, is, item, seq, text, texts, ul, us, Element};

const FORMAT: &str = "DICOM Segmentation";
/// Explicit VR Little Endian.
const EXPLICIT_VR_LE: &str = "1.2.840.10008.1.2.1";

/// Everything a SEG is built from.
#[derive(Debug, Clone, Copy)]
pub struct SegRequest<'a> {
    /// Grid of the mask (columns, rows, slices), as the source volume's.
    pub dims: [usize; 3],
    /// Voxel → RAS geometry of the volume (used where the source lacks a position).
    pub geometry: &'a Geometry,
    /// The source series (from [`crate::Volume::dicom`]).
    pub source: &'a DicomSource,
    /// Label mask on the grid, i fastest: 0 background, 1 EDH, 2 IPH, 3 IVH, 4 SAH, 5 SDH.
    pub mask: &'a [u8],
    /// Segmentation model name and version (SegmentAlgorithmName).
    pub algorithm: &'a str,
    /// Hemoscope version (SoftwareVersions).
    pub software_version: &'a str,
    /// When the analysis ran (ContentDate / ContentTime, and part of the UIDs' seed).
    pub time: DateTime<Utc>,
}

/// What was written: the object's bytes and what it holds.
#[derive(Debug, Clone)]
pub struct SegObject {
    pub bytes: Vec<u8>,
    pub series_instance_uid: String,
    pub sop_instance_uid: String,
    /// Mask codes written as segments, in segment-number order (segment n = `segments[n-1]`).
    pub segments: Vec<u8>,
    pub frames: Vec<Frame>,
    /// What the caller should tell the user: UIDs the source lacked and that were generated.
    pub notes: Vec<String>,
}

/// The study, series and frame of reference UIDs the SEG uses for its source: the source's
/// own, or generated ones where it had none.
#[derive(Debug, Clone)]
struct SourceUids {
    study: String,
    series: String,
    frame_of_reference: String,
    notes: Vec<String>,
}

/// The source's UIDs, generating (deterministically) those it lacks. The seed is the series
/// UID when there is one, otherwise every SOP Instance UID of the series in slice order.
fn source_uids(src: &DicomSource) -> SourceUids {
    let given = |u: &str| {
        let u = u.trim_end_matches(['\0', ' ']).trim();
        (!u.is_empty()).then(|| u.to_string())
    };
    let mut notes = Vec::new();
    let series = given(&src.series_instance_uid).unwrap_or_else(|| {
        let sops: Vec<&[u8]> = src
            .slices
            .iter()
            .map(|s| s.sop_instance_uid.as_bytes())
            .collect();
        notes.push(
            "the source series has no Series Instance UID: the segmentation refers to it \
             with a generated one (its SOP Instance UIDs are the source's)"
                .to_string(),
        );
        uid::derived_uid(&sops, "source-series")
    });
    let seed: [&[u8]; 1] = [series.as_bytes()];
    let study = given(&src.study_instance_uid).unwrap_or_else(|| {
        notes.push(
            "the source series has no Study Instance UID: the segmentation has a generated \
             one, so it is not filed with the source study"
                .to_string(),
        );
        uid::derived_uid(&seed, "study")
    });
    let frame_of_reference = given(&src.frame_of_reference_uid).unwrap_or_else(|| {
        notes.push(
            "the source series has no Frame of Reference UID: the segmentation has a \
             generated one; its positions are the source slices' ImagePositionPatient"
                .to_string(),
        );
        uid::derived_uid(&seed, "frame-of-reference")
    });
    SourceUids {
        study,
        series,
        frame_of_reference,
        notes,
    }
}

/// Build the DICOM Segmentation object of the mask.
///
/// Fails when the source has no per-slice identity for every slice, when the mask does not
/// fit the grid, or when the mask is empty (a SEG needs at least one segment).
pub fn write_seg(req: &SegRequest<'_>) -> Result<SegObject> {
    let [nx, ny, nz] = req.dims;
    let plane = nx * ny;
    if plane == 0 || req.mask.len() != plane * nz {
        return Err(Error::invalid(
            FORMAT,
            format!(
                "the mask has {} voxels for a {nx} × {ny} × {nz} grid",
                req.mask.len()
            ),
        ));
    }
    if nx > usize::from(u16::MAX) || ny > usize::from(u16::MAX) {
        return Err(Error::unsupported(
            FORMAT,
            format!("{nx} × {ny} slices are larger than DICOM rows/columns allow"),
        ));
    }
    let src = req.source;
    if src.slices.len() != nz {
        return Err(Error::invalid(
            FORMAT,
            format!(
                "the source series lists {} instances for {nz} slices; open the DICOM series \
                 again and re-run the analysis",
                src.slices.len()
            ),
        ));
    }
    if let Some(k) = src
        .slices
        .iter()
        .position(|s| s.sop_instance_uid.is_empty())
    {
        return Err(Error::invalid(
            FORMAT,
            format!(
                "slice {} has no SOP Instance UID in its source file, so a segmentation \
                 cannot refer to it",
                k + 1
            ),
        ));
    }
    let codes = frames::codes_present(req.mask);
    if codes.is_empty() {
        return Err(Error::Other(
            "nothing to write: the analysis found no haemorrhage, and a DICOM Segmentation \
             needs at least one segment"
                .into(),
        ));
    }
    let frames = frames::frames(req.mask, plane, &codes);
    let pixels = frames::pack(req.mask, plane, &frames);
    let uids = source_uids(src);

    let stamp = req.time.timestamp_millis().to_le_bytes();
    let counts: Vec<u8> = frames
        .iter()
        .flat_map(|f| [f.code, (f.k & 0xff) as u8])
        .collect();
    let seed: [&[u8]; 4] = [
        uids.series.as_bytes(),
        &stamp,
        &counts,
        req.algorithm.as_bytes(),
    ];
    let series_uid = uid::derived_uid(&seed, "series");
    let instance_uid = uid::derived_uid(&seed, "instance");
    let dimension_uid = uid::derived_uid(&seed, "dimension-organization");
    let date = req.time.format("%Y%m%d").to_string();
    let time = req.time.format("%H%M%S%.3f").to_string();

    let mut e: Vec<Element> = Vec::with_capacity(64);
    e.push(text(tags::SPECIFIC_CHARACTER_SET, VR::CS, "ISO_IR 192"));
    e.extend(identity(
        src,
        &uids,
        &series_uid,
        &instance_uid,
        &date,
        &time,
    ));
    e.extend(equipment(req.software_version));
    e.extend(image_pixel(nx, ny, frames.len()));
    e.push(seq(
        tags::SEGMENT_SEQUENCE,
        codes
            .iter()
            .map(|&c| segment_item(c, &codes, req.algorithm))
            .collect(),
    ));
    e.push(seq(
        tags::DIMENSION_ORGANIZATION_SEQUENCE,
        vec![item(vec![text(
            tags::DIMENSION_ORGANIZATION_UID,
            VR::UI,
            &dimension_uid,
        )])],
    ));
    e.push(text(tags::DIMENSION_ORGANIZATION_TYPE, VR::CS, "3D"));
    e.push(dimension_index(&dimension_uid));
    e.push(shared_groups(req));
    e.push(seq(
        tags::PER_FRAME_FUNCTIONAL_GROUPS_SEQUENCE,
        frames
            .iter()
            .map(|f| per_frame_item(req, &codes, *f))
            .collect(),
    ));
    e.push(referenced_series(src, &uids.series));
    e.push(pixel_data(pixels));

    let obj = InMemDicomObject::from_element_iter(e);
    let meta = FileMetaTableBuilder::new()
        .transfer_syntax(EXPLICIT_VR_LE)
        .media_storage_sop_class_uid(uids::SEGMENTATION_STORAGE)
        .media_storage_sop_instance_uid(&instance_uid)
        .implementation_class_uid(uid::derived_uid(&[b"hemoscope"], "implementation"))
        .implementation_version_name(format!("HEMOSCOPE_{}", req.software_version));
    let file = obj
        .with_meta(meta)
        .map_err(|e| Error::Other(format!("the segmentation's file meta group failed: {e}")))?;
    let mut bytes = Vec::new();
    file.write_all(&mut bytes)
        .map_err(|e| Error::Other(format!("the segmentation could not be encoded: {e}")))?;
    Ok(SegObject {
        bytes,
        series_instance_uid: series_uid,
        sop_instance_uid: instance_uid,
        segments: codes,
        frames,
        notes: uids.notes,
    })
}

/// Pixel data (OB) element.
fn pixel_data(bytes: Vec<u8>) -> Element {
    dicom_core::DataElement::new(
        tags::PIXEL_DATA,
        VR::OB,
        dicom_core::value::PrimitiveValue::U8(bytes.into()),
    )
}

/// SOP common, patient, general study, series, frame of reference and general image modules.
fn identity(
    src: &DicomSource,
    uids: &SourceUids,
    series_uid: &str,
    instance_uid: &str,
    date: &str,
    time: &str,
) -> Vec<Element> {
    let p = &src.patient_study;
    vec![
        texts(tags::IMAGE_TYPE, VR::CS, &["DERIVED", "PRIMARY"]),
        text(tags::SOP_CLASS_UID, VR::UI, uids::SEGMENTATION_STORAGE),
        text(tags::SOP_INSTANCE_UID, VR::UI, instance_uid),
        text(tags::STUDY_DATE, VR::DA, &p.study_date),
        text(tags::SERIES_DATE, VR::DA, date),
        text(tags::CONTENT_DATE, VR::DA, date),
        text(tags::STUDY_TIME, VR::TM, &p.study_time),
        text(tags::SERIES_TIME, VR::TM, time),
        text(tags::CONTENT_TIME, VR::TM, time),
        text(tags::ACCESSION_NUMBER, VR::SH, &p.accession_number),
        text(tags::MODALITY, VR::CS, "SEG"),
        text(
            tags::REFERRING_PHYSICIAN_NAME,
            VR::PN,
            &p.referring_physician_name,
        ),
        text(tags::STUDY_DESCRIPTION, VR::LO, &p.study_description),
        text(
            tags::SERIES_DESCRIPTION,
            VR::LO,
            "Haemorrhage segmentation (research use, not for diagnosis)",
        ),
        text(tags::PATIENT_NAME, VR::PN, &p.patient_name),
        text(tags::PATIENT_ID, VR::LO, &p.patient_id),
        text(tags::PATIENT_BIRTH_DATE, VR::DA, &p.patient_birth_date),
        text(tags::PATIENT_SEX, VR::CS, &p.patient_sex),
        text(tags::STUDY_INSTANCE_UID, VR::UI, &uids.study),
        text(tags::SERIES_INSTANCE_UID, VR::UI, series_uid),
        text(tags::STUDY_ID, VR::SH, &p.study_id),
        is(tags::SERIES_NUMBER, 9901),
        is(tags::INSTANCE_NUMBER, 1),
        text(
            tags::FRAME_OF_REFERENCE_UID,
            VR::UI,
            &uids.frame_of_reference,
        ),
        text(tags::POSITION_REFERENCE_INDICATOR, VR::LO, ""),
        text(tags::CONTENT_LABEL, VR::CS, "HEMORRHAGE"),
        text(
            tags::CONTENT_DESCRIPTION,
            VR::LO,
            "Automatic intracranial haemorrhage segmentation",
        ),
        text(tags::CONTENT_CREATOR_NAME, VR::PN, ""),
        text(tags::SEGMENTATION_TYPE, VR::CS, "BINARY"),
    ]
}

/// General and enhanced general equipment modules.
fn equipment(software_version: &str) -> Vec<Element> {
    vec![
        text(tags::MANUFACTURER, VR::LO, "Hemoscope"),
        text(tags::MANUFACTURER_MODEL_NAME, VR::LO, "hemoscope"),
        text(tags::DEVICE_SERIAL_NUMBER, VR::LO, "1"),
        text(tags::SOFTWARE_VERSIONS, VR::LO, software_version),
    ]
}

/// Image pixel module for 1-bit binary frames.
fn image_pixel(nx: usize, ny: usize, n_frames: usize) -> Vec<Element> {
    vec![
        us(tags::SAMPLES_PER_PIXEL, &[1]),
        text(tags::PHOTOMETRIC_INTERPRETATION, VR::CS, "MONOCHROME2"),
        is(tags::NUMBER_OF_FRAMES, n_frames as i64),
        us(tags::ROWS, &[ny as u16]),
        us(tags::COLUMNS, &[nx as u16]),
        us(tags::BITS_ALLOCATED, &[1]),
        us(tags::BITS_STORED, &[1]),
        us(tags::HIGH_BIT, &[0]),
        us(tags::PIXEL_REPRESENTATION, &[0]),
        text(tags::LOSSY_IMAGE_COMPRESSION, VR::CS, "00"),
    ]
}

/// One item of SegmentSequence.
fn segment_item(code: u8, codes: &[u8], algorithm: &str) -> InMemDicomObject {
    let number = segment_number(codes, code);
    let kind = SEGMENTS[usize::from(code - 1)];
    item(vec![
        seq(
            tags::ANATOMIC_REGION_SEQUENCE,
            vec![code_item(codes::BRAIN)],
        ),
        seq(
            tags::SEGMENTED_PROPERTY_CATEGORY_CODE_SEQUENCE,
            vec![code_item(codes::CATEGORY)],
        ),
        us(tags::SEGMENT_NUMBER, &[number]),
        text(tags::SEGMENT_LABEL, VR::LO, kind.label),
        text(tags::SEGMENT_DESCRIPTION, VR::ST, kind.description),
        text(tags::SEGMENT_ALGORITHM_TYPE, VR::CS, "AUTOMATIC"),
        us(
            tags::RECOMMENDED_DISPLAY_CIE_LAB_VALUE,
            &codes::cielab(code),
        ),
        seq(
            tags::SEGMENTED_PROPERTY_TYPE_CODE_SEQUENCE,
            vec![code_item(kind.property_type)],
        ),
        text(tags::SEGMENT_ALGORITHM_NAME, VR::LO, algorithm),
    ])
}

/// Segment number (1-based) of a mask code among the codes written.
fn segment_number(codes: &[u8], code: u8) -> u16 {
    codes
        .iter()
        .position(|&c| c == code)
        .map_or(0, |p| p as u16 + 1)
}

/// DimensionIndexSequence: segment number, then the frame's position.
fn dimension_index(dimension_uid: &str) -> Element {
    let index = |pointer, group, label: &str| {
        item(vec![
            at(tags::DIMENSION_INDEX_POINTER, pointer),
            at(tags::FUNCTIONAL_GROUP_POINTER, group),
            text(tags::DIMENSION_ORGANIZATION_UID, VR::UI, dimension_uid),
            text(tags::DIMENSION_DESCRIPTION_LABEL, VR::LO, label),
        ])
    };
    seq(
        tags::DIMENSION_INDEX_SEQUENCE,
        vec![
            index(
                tags::REFERENCED_SEGMENT_NUMBER,
                tags::SEGMENT_IDENTIFICATION_SEQUENCE,
                "ReferencedSegmentNumber",
            ),
            index(
                tags::IMAGE_POSITION_PATIENT,
                tags::PLANE_POSITION_SEQUENCE,
                "ImagePositionPatient",
            ),
        ],
    )
}

/// Voxel → LPS for a voxel index (the volume's RAS affine with x and y negated).
fn lps(geometry: &Geometry, ijk: [f64; 3]) -> [f64; 3] {
    let r = geometry.to_ras(ijk);
    [-r[0], -r[1], r[2]]
}

/// Shared functional groups: plane orientation and pixel measures.
fn shared_groups(req: &SegRequest<'_>) -> Element {
    let src = req.source;
    let orientation = src.orientation.unwrap_or_else(|| {
        let o = lps(req.geometry, [0.0; 3]);
        let unit = |v: [f64; 3]| {
            let d = [v[0] - o[0], v[1] - o[1], v[2] - o[2]];
            let n = (d[0] * d[0] + d[1] * d[1] + d[2] * d[2]).sqrt().max(1e-12);
            d.map(|x| x / n)
        };
        let r = unit(lps(req.geometry, [1.0, 0.0, 0.0]));
        let c = unit(lps(req.geometry, [0.0, 1.0, 0.0]));
        [r[0], r[1], r[2], c[0], c[1], c[2]]
    });
    let spacing = req.geometry.spacing();
    let pixel_spacing = src.pixel_spacing.unwrap_or([spacing[1], spacing[0]]);
    let thickness = src.slice_thickness_mm.unwrap_or(spacing[2]);
    seq(
        tags::SHARED_FUNCTIONAL_GROUPS_SEQUENCE,
        vec![item(vec![
            seq(
                tags::PIXEL_MEASURES_SEQUENCE,
                vec![item(vec![
                    ds(tags::SLICE_THICKNESS, &[thickness]),
                    ds(tags::SPACING_BETWEEN_SLICES, &[spacing[2]]),
                    ds(tags::PIXEL_SPACING, &pixel_spacing),
                ])],
            ),
            seq(
                tags::PLANE_ORIENTATION_SEQUENCE,
                vec![item(vec![ds(
                    tags::IMAGE_ORIENTATION_PATIENT,
                    &orientation,
                )])],
            ),
        ])],
    )
}

/// One per-frame functional group item.
fn per_frame_item(req: &SegRequest<'_>, codes: &[u8], f: Frame) -> InMemDicomObject {
    let slice = &req.source.slices[f.k];
    let position = slice
        .position_lps
        .unwrap_or_else(|| lps(req.geometry, [0.0, 0.0, f.k as f64]));
    let mut source = vec![
        text(tags::REFERENCED_SOP_CLASS_UID, VR::UI, &slice.sop_class_uid),
        text(
            tags::REFERENCED_SOP_INSTANCE_UID,
            VR::UI,
            &slice.sop_instance_uid,
        ),
    ];
    if let Some(n) = slice.frame {
        source.push(is(tags::REFERENCED_FRAME_NUMBER, i64::from(n)));
    }
    source.push(seq(
        tags::PURPOSE_OF_REFERENCE_CODE_SEQUENCE,
        vec![code_item((
            "121322",
            "DCM",
            "Source image for image processing operation",
        ))],
    ));
    item(vec![
        seq(
            tags::DERIVATION_IMAGE_SEQUENCE,
            vec![item(vec![
                seq(tags::SOURCE_IMAGE_SEQUENCE, vec![item(source)]),
                seq(
                    tags::DERIVATION_CODE_SEQUENCE,
                    vec![code_item(("113076", "DCM", "Segmentation"))],
                ),
            ])],
        ),
        seq(
            tags::FRAME_CONTENT_SEQUENCE,
            vec![item(vec![ul(
                tags::DIMENSION_INDEX_VALUES,
                &[u32::from(segment_number(codes, f.code)), f.k as u32 + 1],
            )])],
        ),
        seq(
            tags::PLANE_POSITION_SEQUENCE,
            vec![item(vec![ds(tags::IMAGE_POSITION_PATIENT, &position)])],
        ),
        seq(
            tags::SEGMENT_IDENTIFICATION_SEQUENCE,
            vec![item(vec![us(
                tags::REFERENCED_SEGMENT_NUMBER,
                &[segment_number(codes, f.code)],
            )])],
        ),
    ])
}

/// ReferencedSeriesSequence: the source series (`series_uid`, the source's or a generated
/// one) and each of its instances (once each).
fn referenced_series(src: &DicomSource, series_uid: &str) -> Element {
    let mut seen = std::collections::HashSet::new();
    let instances = src
        .slices
        .iter()
        .filter(|s| seen.insert(s.sop_instance_uid.as_str()))
        .map(|s| {
            item(vec![
                text(tags::REFERENCED_SOP_CLASS_UID, VR::UI, &s.sop_class_uid),
                text(
                    tags::REFERENCED_SOP_INSTANCE_UID,
                    VR::UI,
                    &s.sop_instance_uid,
                ),
            ])
        })
        .collect();
    seq(
        tags::REFERENCED_SERIES_SEQUENCE,
        vec![item(vec![
            seq(tags::REFERENCED_INSTANCE_SEQUENCE, instances),
            text(tags::SERIES_INSTANCE_UID, VR::UI, series_uid),
        ])],
    )
}
