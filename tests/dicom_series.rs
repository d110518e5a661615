//! Series assembly over DICOM files the test writes: order, geometry, warnings, pixel handling.

mod dicom_support;

use dicom_support::{axial_series, Frames, Slice, JPEG_LS, JPEG_XL_LOSSLESS};
use hemoscope::io::dicom::{DicomOptions, Orientation};
use hemoscope::io::{open_files, open_files_with, InputFile, OpenOptions};

fn files(slices: &[Slice]) -> Vec<InputFile> {
    slices
        .iter()
        .enumerate()
        .map(|(i, s)| s.file(&format!("IM{i:04}")))
        .collect()
}

fn hu(v: &hemoscope::Volume, k: usize) -> Vec<i16> {
    v.slice(k).to_vec()
}

#[test]
fn order_follows_position_not_file_name_or_instance_number() {
    let mut series = axial_series(6, 2.5);
    // Instance numbers run backwards and the files come in a scrambled order.
    for (k, s) in series.iter_mut().enumerate() {
        s.instance = Some(100 - k as i32);
    }
    let order = [3, 0, 5, 1, 4, 2];
    let scrambled: Vec<Slice> = order.iter().map(|&i| series[i].clone()).collect();
    let opened = open_files(files(&scrambled)).unwrap();
    let v = &opened.volume;
    assert_eq!(v.dims, [3, 4, 6]);
    for k in 0..6 {
        // HU = stored - 1024; slice k was written with 1000 + 10 k + pixel index.
        assert_eq!(v.get(0, 0, k), 1000 + 10 * k as i16 - 1024, "slice {k}");
        assert_eq!(v.get(2, 3, k), 1000 + 10 * k as i16 + 11 - 1024);
    }
    assert_eq!(v.sop_instance_uids.as_ref().unwrap()[0], "1.2.3.0");
    assert_eq!(
        v.slice_positions_mm.as_ref().unwrap(),
        &[30.0, 32.5, 35.0, 37.5, 40.0, 42.5]
    );
    // i = column: 0.25 mm along -x (RAS); j = row: 0.5 mm along -y; k = +2.5 mm along z.
    let a = v.geometry.affine;
    assert_eq!([a[0][0], a[1][0], a[2][0]], [-0.25, 0.0, 0.0]);
    assert_eq!([a[0][1], a[1][1], a[2][1]], [0.0, -0.5, 0.0]);
    assert_eq!([a[0][2], a[1][2], a[2][2]], [0.0, 0.0, 2.5]);
    assert_eq!([a[0][3], a[1][3], a[2][3]], [10.0, 20.0, 30.0]);
    assert!(v.warnings.is_empty(), "{:?}", v.warnings);
}

#[test]
fn gantry_tilt_is_kept_as_shear() {
    let t = 20f64.to_radians();
    let series: Vec<Slice> = (0..5)
        .map(|k| Slice {
            sop_uid: Some(format!("9.{k}")),
            // Tilted image plane; slices stacked along z by the table.
            orientation: Some([1.0, 0.0, 0.0, 0.0, t.cos(), -t.sin()]),
            position: Some([-10.0, -20.0, 5.0 * k as f64]),
            pixels: vec![k * 100; 12],
            ..Slice::default()
        })
        .collect();
    let opened = open_files(files(&series)).unwrap();
    let a = opened.volume.geometry.affine;
    // k column = (IPP_last - IPP_first)/(N-1) = (0, 0, 5) LPS → RAS (0, 0, 5).
    assert!((a[0][2]).abs() < 1e-12 && (a[1][2]).abs() < 1e-12 && (a[2][2] - 5.0).abs() < 1e-12);
    // j column follows the tilted column cosine: 0.5 × (0, cos t, -sin t) → RAS (0, -cos, -sin)·0.5.
    assert!((a[1][1] + 0.5 * t.cos()).abs() < 1e-12 && (a[2][1] + 0.5 * t.sin()).abs() < 1e-12);
    assert!(
        opened
            .notes
            .iter()
            .any(|n| n.contains("gantry tilt of 20.0°")),
        "{:?}",
        opened.notes
    );
    // Slices ordered along the tilted normal are still in z order here.
    assert_eq!(opened.volume.get(0, 0, 4), 400 - 1024);
    assert_eq!(opened.series[0].orientation, Orientation::Axial);
}

#[test]
fn gap_is_reported_and_every_slice_kept() {
    let mut series = axial_series(6, 5.0);
    series.remove(3); // positions 30, 35, 40, 50, 55
    let opened = open_files(files(&series)).unwrap();
    let v = &opened.volume;
    assert_eq!(v.dims[2], 5);
    assert!(
        v.warnings.iter().any(|w| w.contains("gap")),
        "{:?}",
        v.warnings
    );
    assert_eq!(
        v.slice_positions_mm.as_ref().unwrap(),
        &[30.0, 35.0, 40.0, 50.0, 55.0]
    );
    // Irregular: k column = median step (5 mm) along the stack direction.
    assert!((v.geometry.affine[2][2] - 5.0).abs() < 1e-9);
}

#[test]
fn duplicated_positions_are_kept_with_a_warning() {
    let mut series = axial_series(4, 5.0);
    let mut dup = series[2].clone();
    dup.sop_uid = Some("1.2.3.99".into());
    dup.pixels = vec![7; 12];
    series.push(dup);
    let opened = open_files(files(&series)).unwrap();
    let v = &opened.volume;
    assert_eq!(v.dims[2], 5);
    assert!(
        v.warnings
            .iter()
            .any(|w| w.contains("share their position")),
        "{:?}",
        v.warnings
    );
    assert!(v
        .sop_instance_uids
        .as_ref()
        .unwrap()
        .contains(&"1.2.3.99".to_string()));
}

#[test]
fn duplicate_files_are_ignored() {
    let series = axial_series(3, 5.0);
    let mut f = files(&series);
    f.push(series[1].file("copy-of-IM0001"));
    let opened = open_files(f).unwrap();
    assert_eq!(opened.volume.dims[2], 3);
    assert!(
        opened.notes.iter().any(|n| n.contains("duplicate")),
        "{:?}",
        opened.notes
    );
}

#[test]
fn mixed_series_open_the_axial_ct_and_list_all() {
    let mut all = Vec::new();
    // A: 5 axial CT slices; B: 8 axial CT slices; C: 12 sagittal CT slices; D: 20 MR slices.
    for (uid, n, sagittal, modality) in [
        ("1.1", 5, false, "CT"),
        ("1.2", 8, false, "CT"),
        ("1.3", 12, true, "CT"),
        ("1.4", 20, false, "MR"),
    ] {
        for k in 0..n {
            let mut s = Slice {
                series_uid: Some(uid.into()),
                sop_uid: Some(format!("{uid}.{k}")),
                position: Some([0.0, 0.0, k as f64]),
                modality,
                ..Slice::default()
            };
            if sagittal {
                s.orientation = Some([0.0, 1.0, 0.0, 0.0, 0.0, -1.0]);
                s.position = Some([k as f64, 0.0, 0.0]);
            }
            all.push(s);
        }
    }
    let opened = open_files(files(&all)).unwrap();
    assert_eq!(opened.series.len(), 4);
    let chosen: Vec<_> = opened.series.iter().filter(|s| s.opened).collect();
    assert_eq!(chosen.len(), 1);
    assert_eq!(chosen[0].series_uid, "1.2");
    assert_eq!(opened.volume.dims[2], 8);
    let sag = opened
        .series
        .iter()
        .find(|s| s.series_uid == "1.3")
        .unwrap();
    assert_eq!((sag.orientation, sag.slices), (Orientation::Sagittal, 12));
    assert_eq!(sag.thickness_mm, Some(5.0));

    // A named series opens instead; MR gets a modality warning.
    let options = OpenOptions {
        dicom: DicomOptions {
            series: Some("1.4".into()),
        },
    };
    let mr = open_files_with(files(&all), &options, &mut |_, _| {}).unwrap();
    assert_eq!(mr.volume.dims[2], 20);
    assert!(
        mr.volume.warnings.iter().any(|w| w.contains("not CT")),
        "{:?}",
        mr.volume.warnings
    );
}

#[test]
fn same_series_with_two_orientations_is_split() {
    let mut all = axial_series(4, 5.0);
    for k in 0..3 {
        all.push(Slice {
            sop_uid: Some(format!("5.{k}")),
            orientation: Some([1.0, 0.0, 0.0, 0.0, 0.0, -1.0]),
            position: Some([0.0, k as f64, 0.0]),
            ..Slice::default()
        });
    }
    let opened = open_files(files(&all)).unwrap();
    assert_eq!(opened.series.len(), 2);
    assert_eq!(opened.volume.dims[2], 4);
}

#[test]
fn enhanced_multiframe_uses_per_frame_groups() {
    // Frames stored in descending z with different intercepts per frame.
    let s = Slice {
        sop_uid: Some("7.7".into()),
        pixels: (0..36).map(|i| i / 12 * 100).collect(), // frame f: stored 100 f
        frames: Some(Frames {
            positions: vec![[0.0, 0.0, 20.0], [0.0, 0.0, 10.0], [0.0, 0.0, 0.0]],
            intercepts: vec![-1000.0, -1024.0, -1100.0],
        }),
        ..Slice::default()
    };
    let opened = open_files(vec![s.file("enhanced.dcm")]).unwrap();
    let v = &opened.volume;
    assert_eq!(v.dims, [3, 4, 3]);
    // k = 0 is the lowest z: frame 2 (stored 200, intercept -1100).
    assert_eq!(v.get(0, 0, 0), 200 - 1100);
    assert_eq!(v.get(0, 0, 1), 100 - 1024);
    assert_eq!(v.get(0, 0, 2), -1000);
    assert_eq!(v.slice_positions_mm.as_ref().unwrap(), &[0.0, 10.0, 20.0]);
    assert!((v.geometry.affine[2][2] - 10.0).abs() < 1e-12);
    assert_eq!(v.sop_instance_uids.as_ref().unwrap()[0], "7.7#3");
}

#[test]
fn monochrome1_keeps_hu_for_ct_and_inverts_other_images() {
    let ct = Slice {
        photometric: "MONOCHROME1",
        pixels: vec![1024; 12],
        ..Slice::default()
    };
    let v = open_files(vec![ct.file("m1.dcm")]).unwrap().volume;
    assert_eq!(v.get(0, 0, 0), 0);
    assert!(v.warnings.iter().any(|w| w.contains("MONOCHROME1")));

    let cr = Slice {
        modality: "CR",
        photometric: "MONOCHROME1",
        signed: false,
        bits_stored: 12,
        slope: None,
        intercept: None,
        pixels: vec![0, 4095, 1000, 0, 0, 0, 0, 0, 0, 0, 0, 0],
        ..Slice::default()
    };
    let v = open_files(vec![cr.file("cr.dcm")]).unwrap().volume;
    assert_eq!(&hu(&v, 0)[..3], &[4095, 0, 3095]);
}

#[test]
fn padding_becomes_air_and_bits_stored_is_honoured() {
    let mut pixels = vec![40; 12];
    pixels[0] = -2000; // padding
    pixels[1] = 0xF000 | 0x0FFF; // garbage high bits, 12-bit value -1
    let s = Slice {
        padding: Some(-2000),
        bits_stored: 12,
        intercept: Some(0.0),
        pixels,
        ..Slice::default()
    };
    // -2000 does not fit 12 bits signed: store padding in 16 bits for this file.
    let s = Slice {
        bits_stored: 16,
        ..s
    };
    let v = open_files(vec![s.file("pad.dcm")]).unwrap().volume;
    assert_eq!(v.get(0, 0, 0), -1024);
    assert_eq!(v.get(1, 0, 0), -1); // 16 bits stored: 0xFFFF is -1
    assert_eq!(v.get(2, 0, 0), 40);

    let mut pixels = vec![0; 12];
    pixels[0] = 0xF000 | 0x0FFF; // 12 bits stored, signed: -1 whatever the top bits hold
    pixels[1] = 0x0800; // -2048
    pixels[2] = 0xF7FF; // 2047
    let s = Slice {
        bits_stored: 12,
        intercept: Some(0.0),
        pixels,
        ..Slice::default()
    };
    let v = open_files(vec![s.file("12bit.dcm")]).unwrap().volume;
    assert_eq!(&hu(&v, 0)[..3], &[-1, -2048, 2047]);
}

#[test]
fn missing_optional_attributes_still_open() {
    let series: Vec<Slice> = (0..3)
        .map(|k| Slice {
            series_uid: None,
            sop_uid: None,
            thickness: None,
            slope: None,
            intercept: None,
            position: Some([0.0, 0.0, 3.0 * k as f64]),
            pixels: vec![k; 12],
            ..Slice::default()
        })
        .collect();
    let opened = open_files(files(&series)).unwrap();
    assert_eq!(opened.volume.dims[2], 3);
    assert_eq!(opened.volume.get(0, 0, 2), 2); // slope 1, intercept 0 by default
    assert_eq!(opened.series[0].thickness_mm, None);

    // Without any position: InstanceNumber order, with a warning.
    let series: Vec<Slice> = (0..3)
        .map(|k| Slice {
            position: None,
            instance: Some(3 - k),
            sop_uid: Some(format!("4.{k}")),
            pixels: vec![k; 12],
            ..Slice::default()
        })
        .collect();
    let v = open_files(files(&series)).unwrap().volume;
    assert_eq!(v.get(0, 0, 0), 2 - 1024);
    assert!(v.warnings.iter().any(|w| w.contains("InstanceNumber")));

    // A single slice without thickness opens with 1 mm slices.
    let one = Slice {
        thickness: None,
        ..Slice::default()
    };
    let o = open_files(vec![one.file("one.dcm")]).unwrap();
    assert_eq!(o.volume.dims[2], 1);
    assert!((o.volume.geometry.affine[2][2] - 1.0).abs() < 1e-12);
}

#[test]
fn unsupported_transfer_syntax_is_named_and_other_files_load() {
    let bad = Slice {
        transfer_syntax: JPEG_XL_LOSSLESS,
        sop_uid: Some("8.8".into()),
        ..Slice::default()
    };
    let err = open_files(vec![bad.file("jxl.dcm")])
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("1.2.840.10008.1.2.4.110") && err.contains("JPEG XL"),
        "{err}"
    );

    let mut f = files(&axial_series(3, 5.0));
    f.push(bad.file("jxl.dcm"));
    let opened = open_files(f).unwrap();
    assert_eq!(opened.volume.dims[2], 3);
    assert!(
        opened
            .notes
            .iter()
            .any(|n| n.contains("jxl.dcm") && n.contains("1.2.840.10008.1.2.4.110")),
        "{:?}",
        opened.notes
    );
}

#[test]
fn corrupt_jpeg_ls_stream_is_a_clear_error() {
    let bad = Slice {
        transfer_syntax: JPEG_LS,
        sop_uid: Some("8.9".into()),
        ..Slice::default()
    };
    let err = open_files(vec![bad.file("jls.dcm")])
        .unwrap_err()
        .to_string();
    assert!(err.contains("JPEG-LS data"), "{err}");
}

#[test]
fn non_image_objects_and_non_dicom_files_are_skipped_with_notes() {
    let mut f = files(&axial_series(2, 5.0));
    // A DICOM object without pixel data: take a slice, strip its pixel data.
    let obj = hemoscope::io::dicom::parse(&f[0].bytes).unwrap();
    let mut inner = obj.into_inner();
    inner.remove_element(dicom_dictionary_std::tags::PIXEL_DATA);
    let sr = inner
        .with_meta(
            dicom_object::FileMetaTableBuilder::new().transfer_syntax(dicom_support::EXPLICIT_LE),
        )
        .unwrap();
    let mut bytes = Vec::new();
    sr.write_all(&mut bytes).unwrap();
    f.push(InputFile {
        name: "report.dcm".into(),
        bytes,
    });
    f.push(InputFile {
        name: "notes.txt".into(),
        bytes: b"hello".to_vec(),
    });
    let opened = open_files(f).unwrap();
    assert_eq!(opened.volume.dims[2], 2);
    assert!(
        opened
            .notes
            .iter()
            .any(|n| n.contains("report.dcm") && n.contains("no image")),
        "{:?}",
        opened.notes
    );
    assert!(
        opened.notes.iter().any(|n| n.contains("notes.txt")),
        "{:?}",
        opened.notes
    );
}

#[test]
fn files_without_preamble_or_meta_group_parse() {
    let full = Slice::default().bytes();
    // "DICM" + meta, no preamble.
    let v = open_files(vec![InputFile {
        name: "a".into(),
        bytes: full[128..].to_vec(),
    }])
    .unwrap();
    assert_eq!(v.volume.dims, [3, 4, 1]);
    // Bare data set, explicit VR LE, no meta group: skip preamble, magic and group 0002.
    let obj = hemoscope::io::dicom::parse(&full).unwrap();
    let mut bare = Vec::new();
    obj.write_dataset_with_ts(
        &mut bare,
        &dicom_transfer_syntax_registry::entries::EXPLICIT_VR_LITTLE_ENDIAN.erased(),
    )
    .unwrap();
    let v = open_files(vec![InputFile {
        name: "b".into(),
        bytes: bare,
    }])
    .unwrap();
    assert_eq!(v.volume.dims, [3, 4, 1]);
}

#[test]
fn progress_reaches_the_total() {
    let mut calls = Vec::new();
    let f = files(&axial_series(5, 5.0));
    open_files_with(f, &OpenOptions::default(), &mut |d, t| calls.push((d, t))).unwrap();
    let last = *calls.last().unwrap();
    assert_eq!(last.0, last.1);
    assert!(calls.windows(2).all(|w| w[1].0 >= w[0].0));
    assert!(calls.len() >= 10);
}

#[test]
fn localizer_is_not_chosen_over_the_axial_series() {
    let mut all = axial_series(3, 5.0);
    for k in 0..6 {
        all.push(Slice {
            series_uid: Some("2.2".into()),
            sop_uid: Some(format!("2.2.{k}")),
            image_type: Some("ORIGINAL\\PRIMARY\\LOCALIZER"),
            position: Some([0.0, 0.0, k as f64]),
            ..Slice::default()
        });
    }
    let opened = open_files(files(&all)).unwrap();
    assert_eq!(opened.volume.dims[2], 3);
}

#[test]
fn a_kept_set_opens_every_series_without_the_files() {
    // Series 1: 5 axial slices (scrambled), series 2: 3 slices of another size.
    let mut all = axial_series(5, 2.0);
    all.swap(0, 3);
    for k in 0..3 {
        all.push(Slice {
            series_uid: Some("9.9".into()),
            sop_uid: Some(format!("9.9.{k}")),
            description: "BONE",
            rows: 2,
            cols: 2,
            pixels: vec![2000 + k; 4],
            position: Some([0.0, 0.0, k as f64]),
            ..Slice::default()
        });
    }
    let set = match hemoscope::io::read_files(files(&all), &mut |_, _| {}).unwrap() {
        hemoscope::io::Intake::Dicom { set, .. } => set,
        other => panic!("expected DICOM, got {other:?}"),
    };
    assert_eq!(set.series().len(), 2);
    let first = set.likeliest();
    let other = 1 - first;

    type Early = (usize, usize, Vec<i16>, [[f64; 4]; 4]);
    let mut early: Vec<Early> = Vec::new();
    let mut calls = Vec::new();
    let a = set
        .open(first, &mut |d, t| calls.push((d, t)), &mut |s| {
            early.push((s.k, s.slices, s.hu.to_vec(), s.affine))
        })
        .unwrap();
    assert_eq!(a.volume.dims, [3, 4, 5]);
    assert!(a.series[first].opened && !a.series[other].opened);
    assert_eq!(calls.last(), Some(&(5, 5)));
    // The early slice is the middle one, exactly as in the volume, and placed where it lies.
    assert_eq!(early.len(), 1);
    let (k, n, hu0, affine) = &early[0];
    assert_eq!((*k, *n), (2, 5));
    assert_eq!(hu0, &hu(&a.volume, 2));
    let ras = a.volume.geometry.to_ras([0.0, 0.0, 2.0]);
    for r in 0..3 {
        assert!(
            (affine[r][3] - ras[r]).abs() < 1e-9,
            "{affine:?} vs {ras:?}"
        );
    }

    // Another series, then the first again: same results from the kept objects.
    let b = set.open(other, &mut |_, _| {}, &mut |_| {}).unwrap();
    assert_eq!(b.volume.dims, [2, 2, 3]);
    assert!(b.series[other].opened && !b.series[first].opened);
    assert_eq!(hu(&b.volume, 1), vec![2001 - 1024; 4]);
    let again = set.open(first, &mut |_, _| {}, &mut |_| {}).unwrap();
    assert_eq!(again.volume.voxels, a.volume.voxels);
    assert!(set.open(7, &mut |_, _| {}, &mut |_| {}).is_err());
}
