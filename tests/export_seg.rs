//! Exports of a DICOM series' analysis: the DICOM Segmentation re-read with dicom-object
//! (UIDs, segments, frames, positions, pixel data) and the mask NIfTI reopened by our own
//! intake on the input's affine. `hemoscope info` on the SEG explains instead of crashing.

mod dicom_support;

use std::process::Command;

use dicom_dictionary_std::tags;
use dicom_object::{InMemDicomObject, OpenFileOptions};
use hemoscope::analysis::report::time_from_unix_ms;
use hemoscope::io::dicom_seg::{write_seg, SegRequest};
use hemoscope::io::{open_files, write_labels_nii_gz, InputFile};
use hemoscope::{Geometry, Volume};

const ROOT: &str = "1.2.826.0.1.3680043.8.498.77";

/// A small oblique (rotated 20° about x) series of 16 × 12 × 6 voxels, opened by our intake.
fn opened_series() -> (Volume, Vec<InputFile>) {
    let (c, s) = (20f64.to_radians().cos(), 20f64.to_radians().sin());
    let g = Geometry::from_affine([
        [-0.7, 0.0, 0.0, 40.0],
        [0.0, -0.6 * c, -2.5 * s, 30.0],
        [0.0, -0.6 * s, 2.5 * c, -12.0],
        [0.0, 0.0, 0.0, 1.0],
    ]);
    let voxels: Vec<i16> = (0..16 * 12 * 6).map(|n| (n % 97) as i16).collect();
    let v = Volume::new([16, 12, 6], voxels, g, "test");
    let files: Vec<InputFile> = dicom_support::volume_series(&v, ROOT)
        .iter()
        .enumerate()
        .map(|(k, s)| s.file(&format!("s{k}.dcm")))
        .collect();
    let opened = open_files(files.clone()).expect("the series opens");
    (opened.volume, files)
}

/// IPH (2) on slices 1 and 2, SDH (5) on slice 4.
fn mask(v: &Volume) -> Vec<u8> {
    let [nx, ny, _] = v.dims;
    let mut m = vec![0u8; v.voxels.len()];
    for k in [1usize, 2] {
        for j in 3..7 {
            for i in 2..9 {
                m[i + nx * (j + ny * k)] = 2;
            }
        }
    }
    m[5 + nx * (2 + ny * 4)] = 5;
    m[6 + nx * (2 + ny * 4)] = 5;
    m
}

fn floats(obj: &InMemDicomObject, tag: dicom_object::Tag) -> Vec<f64> {
    obj.element(tag).unwrap().to_multi_float64().unwrap()
}

fn str_of(obj: &InMemDicomObject, tag: dicom_object::Tag) -> String {
    obj.element(tag)
        .unwrap()
        .to_str()
        .unwrap()
        .trim_end_matches(['\0', ' '])
        .to_string()
}

fn items(obj: &InMemDicomObject, tag: dicom_object::Tag) -> &[InMemDicomObject] {
    obj.element(tag).unwrap().items().unwrap()
}

#[test]
fn seg_of_a_generated_series_reads_back() {
    let (volume, _) = opened_series();
    let src = volume.dicom.as_ref().expect("DICOM source kept");
    assert_eq!(src.slices.len(), 6);
    let mask = mask(&volume);
    let seg = write_seg(&SegRequest {
        dims: volume.dims,
        geometry: &volume.geometry,
        source: src,
        mask: &mask,
        algorithm: "hemoscope-segmenter 0.1.0",
        software_version: "0.1.0",
        time: time_from_unix_ms(1.7e12).unwrap(),
    })
    .expect("SEG written");
    assert_eq!(seg.segments, vec![2, 5]);

    let obj = OpenFileOptions::new()
        .read_preamble(dicom_object::file::ReadPreamble::Always)
        .from_reader(&seg.bytes[..])
        .expect("dicom-object reads the SEG");
    assert_eq!(
        obj.meta()
            .media_storage_sop_class_uid()
            .trim_end_matches('\0'),
        "1.2.840.10008.5.1.4.1.1.66.4"
    );
    assert_eq!(
        str_of(&obj, tags::SOP_CLASS_UID),
        "1.2.840.10008.5.1.4.1.1.66.4"
    );
    assert_eq!(str_of(&obj, tags::MODALITY), "SEG");
    assert_eq!(str_of(&obj, tags::SEGMENTATION_TYPE), "BINARY");
    assert_eq!(str_of(&obj, tags::STUDY_INSTANCE_UID), format!("{ROOT}.2"));
    assert_eq!(
        str_of(&obj, tags::FRAME_OF_REFERENCE_UID),
        format!("{ROOT}.3")
    );
    assert_eq!(str_of(&obj, tags::PATIENT_ID), "PHANTOM-1");
    assert_eq!(
        str_of(&obj, tags::SERIES_INSTANCE_UID),
        seg.series_instance_uid
    );
    assert_ne!(seg.series_instance_uid, format!("{ROOT}.1"));
    assert_eq!(str_of(&obj, tags::SOP_INSTANCE_UID), seg.sop_instance_uid);

    let segments = items(&obj, tags::SEGMENT_SEQUENCE);
    assert_eq!(segments.len(), 2);
    let labels: Vec<String> = segments
        .iter()
        .map(|s| str_of(s, tags::SEGMENT_LABEL))
        .collect();
    assert_eq!(labels, ["IPH", "SDH"]);
    for s in segments {
        assert_eq!(str_of(s, tags::SEGMENT_ALGORITHM_TYPE), "AUTOMATIC");
        assert_eq!(
            str_of(s, tags::SEGMENT_ALGORITHM_NAME),
            "hemoscope-segmenter 0.1.0"
        );
        let ty = &items(s, tags::SEGMENTED_PROPERTY_TYPE_CODE_SEQUENCE)[0];
        assert_eq!(str_of(ty, tags::CODING_SCHEME_DESIGNATOR), "SCT");
    }

    // Referenced series: the source series and every instance.
    let series = &items(&obj, tags::REFERENCED_SERIES_SEQUENCE)[0];
    assert_eq!(
        str_of(series, tags::SERIES_INSTANCE_UID),
        format!("{ROOT}.1")
    );
    let refs: Vec<String> = items(series, tags::REFERENCED_INSTANCE_SEQUENCE)
        .iter()
        .map(|i| str_of(i, tags::REFERENCED_SOP_INSTANCE_UID))
        .collect();
    let expected: Vec<String> = (1..=6).map(|k| format!("{ROOT}.{k}")).collect();
    assert_eq!(refs, expected);

    // Frames: IPH on slices 1, 2, SDH on slice 4; positions = the source slices'.
    let n_frames: usize = str_of(&obj, tags::NUMBER_OF_FRAMES).parse().unwrap();
    assert_eq!(n_frames, 3);
    let per_frame = items(&obj, tags::PER_FRAME_FUNCTIONAL_GROUPS_SEQUENCE);
    assert_eq!(per_frame.len(), 3);
    for (f, (k, segment)) in per_frame.iter().zip([(1usize, 1u16), (2, 1), (4, 2)]) {
        let ipp = floats(
            &items(f, tags::PLANE_POSITION_SEQUENCE)[0],
            tags::IMAGE_POSITION_PATIENT,
        );
        let want = src.slices[k].position_lps.unwrap();
        for a in 0..3 {
            assert!(
                (ipp[a] - want[a]).abs() < 1e-6,
                "frame position {ipp:?} vs {want:?}"
            );
        }
        let source = &items(
            &items(f, tags::DERIVATION_IMAGE_SEQUENCE)[0],
            tags::SOURCE_IMAGE_SEQUENCE,
        )[0];
        assert_eq!(
            str_of(source, tags::REFERENCED_SOP_INSTANCE_UID),
            format!("{ROOT}.{}", k + 1)
        );
        let id = &items(f, tags::SEGMENT_IDENTIFICATION_SEQUENCE)[0];
        assert_eq!(
            id.element(tags::REFERENCED_SEGMENT_NUMBER)
                .unwrap()
                .to_int::<u16>()
                .unwrap(),
            segment
        );
    }
    let shared = &items(&obj, tags::SHARED_FUNCTIONAL_GROUPS_SEQUENCE)[0];
    let iop = floats(
        &items(shared, tags::PLANE_ORIENTATION_SEQUENCE)[0],
        tags::IMAGE_ORIENTATION_PATIENT,
    );
    assert!((iop[4] - 20f64.to_radians().cos()).abs() < 1e-6, "{iop:?}");

    // Pixel data unpack (LSB first, frames back to back) to the mask.
    let bits = obj.element(tags::PIXEL_DATA).unwrap().to_bytes().unwrap();
    let plane = 16 * 12;
    for (f, (k, code)) in [(1usize, 2u8), (2, 2), (4, 5)].iter().enumerate() {
        for p in 0..plane {
            let n = f * plane + p;
            let bit = bits[n / 8] >> (n % 8) & 1;
            assert_eq!(
                bit == 1,
                mask[k * plane + p] == *code,
                "frame {f} pixel {p}"
            );
        }
    }
}

#[test]
fn mask_nifti_reopens_on_the_input_affine() {
    let (volume, _) = opened_series();
    let mask = mask(&volume);
    let bytes = write_labels_nii_gz(&mask, volume.dims, &volume.geometry).unwrap();
    let back = open_files(vec![InputFile {
        name: "mask.nii.gz".into(),
        bytes,
    }])
    .unwrap()
    .volume;
    assert_eq!(back.dims, volume.dims);
    for r in 0..4 {
        for c in 0..4 {
            assert!(
                (back.geometry.affine[r][c] - volume.geometry.affine[r][c]).abs() < 1e-4,
                "{:?} vs {:?}",
                back.geometry.affine,
                volume.geometry.affine
            );
        }
    }
    let labels: Vec<u8> = back.voxels.iter().map(|&v| v as u8).collect();
    assert_eq!(labels, mask);
}

#[test]
fn empty_mask_is_refused_with_a_reason() {
    let (volume, _) = opened_series();
    let empty = vec![0u8; volume.voxels.len()];
    let err = write_seg(&SegRequest {
        dims: volume.dims,
        geometry: &volume.geometry,
        source: volume.dicom.as_ref().unwrap(),
        mask: &empty,
        algorithm: "x",
        software_version: "0",
        time: time_from_unix_ms(0.0).unwrap(),
    })
    .unwrap_err()
    .to_string();
    assert!(err.contains("at least one segment"), "{err}");
    // Patient data never appear in errors.
    assert!(!err.contains("Phantom") && !err.contains("PHANTOM-1"));
}

#[test]
fn info_on_a_seg_explains_and_does_not_crash() {
    let (volume, _) = opened_series();
    let mask = mask(&volume);
    let seg = write_seg(&SegRequest {
        dims: volume.dims,
        geometry: &volume.geometry,
        source: volume.dicom.as_ref().unwrap(),
        mask: &mask,
        algorithm: "x",
        software_version: "0",
        time: time_from_unix_ms(0.0).unwrap(),
    })
    .unwrap();
    let dir = std::env::temp_dir().join(format!("hemoscope-seg-info-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("seg.dcm");
    std::fs::write(&path, &seg.bytes).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_hemoscope"))
        .arg("info")
        .arg(&path)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert!(stderr.contains("segmentation"), "{stderr}");
    assert_eq!(stderr.trim().lines().count(), 1, "{stderr}");
    std::fs::remove_dir_all(&dir).ok();
}

/// A UID as PS3.5 9.1 allows: at most 64 characters, digits and dots, no empty component and no
/// leading zero in a component of more than one digit.
fn assert_valid_uid(uid: &str) {
    assert!(!uid.is_empty() && uid.len() <= 64, "{uid:?}");
    for part in uid.split('.') {
        assert!(
            !part.is_empty() && part.bytes().all(|b| b.is_ascii_digit()),
            "{uid:?}"
        );
        assert!(part == "0" || !part.starts_with('0'), "{uid:?}");
    }
}

/// The SEG of a series whose files lack some identifying UIDs, re-read.
fn seg_without(
    strip: impl Fn(&mut dicom_support::Slice),
) -> (hemoscope::io::dicom_seg::SegObject, InMemDicomObject) {
    let (volume, _) = opened_series();
    let files: Vec<InputFile> = dicom_support::volume_series(&volume, ROOT)
        .into_iter()
        .enumerate()
        .map(|(k, mut s)| {
            strip(&mut s);
            s.file(&format!("s{k}.dcm"))
        })
        .collect();
    let volume = open_files(files).expect("the series opens").volume;
    let mask = mask(&volume);
    let seg = write_seg(&SegRequest {
        dims: volume.dims,
        geometry: &volume.geometry,
        source: volume.dicom.as_ref().expect("DICOM source kept"),
        mask: &mask,
        algorithm: "hemoscope-segmenter 0.1.0",
        software_version: "0.1.0",
        time: time_from_unix_ms(1.7e12).unwrap(),
    })
    .expect("SEG written");
    let obj = OpenFileOptions::new()
        .read_preamble(dicom_object::file::ReadPreamble::Always)
        .from_reader(&seg.bytes[..])
        .expect("dicom-object reads the SEG")
        .into_inner();
    (seg, obj)
}

/// Every source instance is referenced, in the series and per frame, by its own UID.
fn assert_references_hold(obj: &InMemDicomObject, series_uid: &str) {
    let series = &items(obj, tags::REFERENCED_SERIES_SEQUENCE)[0];
    assert_eq!(str_of(series, tags::SERIES_INSTANCE_UID), series_uid);
    let refs: Vec<String> = items(series, tags::REFERENCED_INSTANCE_SEQUENCE)
        .iter()
        .map(|i| str_of(i, tags::REFERENCED_SOP_INSTANCE_UID))
        .collect();
    let expected: Vec<String> = (1..=6).map(|k| format!("{ROOT}.{k}")).collect();
    assert_eq!(refs, expected);
    let per_frame = items(obj, tags::PER_FRAME_FUNCTIONAL_GROUPS_SEQUENCE);
    for (f, k) in per_frame.iter().zip([1usize, 2, 4]) {
        let source = &items(
            &items(f, tags::DERIVATION_IMAGE_SEQUENCE)[0],
            tags::SOURCE_IMAGE_SEQUENCE,
        )[0];
        assert_eq!(
            str_of(source, tags::REFERENCED_SOP_INSTANCE_UID),
            format!("{ROOT}.{}", k + 1)
        );
    }
}

#[test]
fn seg_of_a_series_without_study_and_frame_of_reference_uids_gets_generated_ones() {
    let strip = |s: &mut dicom_support::Slice| {
        s.study_uid = None;
        s.frame_of_reference_uid = None;
    };
    let (seg, obj) = seg_without(strip);
    let study = str_of(&obj, tags::STUDY_INSTANCE_UID);
    let frame_of_reference = str_of(&obj, tags::FRAME_OF_REFERENCE_UID);
    for uid in [&study, &frame_of_reference] {
        assert_valid_uid(uid);
        assert!(uid.starts_with("2.25."), "{uid}");
    }
    assert_ne!(study, frame_of_reference);
    assert_ne!(study, format!("{ROOT}.2"));
    assert_valid_uid(&seg.series_instance_uid);
    assert_valid_uid(&seg.sop_instance_uid);
    // The source's series UID and instance references are kept as they were.
    assert_references_hold(&obj, &format!("{ROOT}.1"));
    // Both generated UIDs are reported, the series UID is not.
    assert_eq!(seg.notes.len(), 2, "{:?}", seg.notes);
    assert!(seg.notes.iter().any(|n| n.contains("Study Instance UID")));
    assert!(seg
        .notes
        .iter()
        .any(|n| n.contains("Frame of Reference UID")));

    // Deterministic: the same source and analysis give the same UIDs.
    let (again, obj_again) = seg_without(strip);
    assert_eq!(str_of(&obj_again, tags::STUDY_INSTANCE_UID), study);
    assert_eq!(
        str_of(&obj_again, tags::FRAME_OF_REFERENCE_UID),
        frame_of_reference
    );
    assert_eq!(again.series_instance_uid, seg.series_instance_uid);
    assert_eq!(again.sop_instance_uid, seg.sop_instance_uid);
    assert_eq!(again.bytes, seg.bytes);

    // A source with its UIDs gets no notes and keeps them.
    let (full, full_obj) = seg_without(|_| {});
    assert!(full.notes.is_empty(), "{:?}", full.notes);
    assert_eq!(
        str_of(&full_obj, tags::STUDY_INSTANCE_UID),
        format!("{ROOT}.2")
    );
}

#[test]
fn seg_of_a_series_without_any_series_uid_refers_to_it_with_a_generated_one() {
    let (seg, obj) = seg_without(|s| {
        s.series_uid = None;
        s.study_uid = None;
        s.frame_of_reference_uid = None;
    });
    let series = str_of(
        &items(&obj, tags::REFERENCED_SERIES_SEQUENCE)[0],
        tags::SERIES_INSTANCE_UID,
    );
    assert_valid_uid(&series);
    assert_ne!(series, seg.series_instance_uid);
    for tag in [tags::STUDY_INSTANCE_UID, tags::FRAME_OF_REFERENCE_UID] {
        assert_valid_uid(&str_of(&obj, tag));
    }
    assert_references_hold(&obj, &series);
    assert_eq!(seg.notes.len(), 3, "{:?}", seg.notes);
    let (again, _) = seg_without(|s| {
        s.series_uid = None;
        s.study_uid = None;
        s.frame_of_reference_uid = None;
    });
    assert_eq!(again.bytes, seg.bytes);
}
