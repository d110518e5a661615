//! NIfTI reading: every datatype, scaling, sform/qform choice, gzip, byte order, shear, 4-D,
//! and malformed headers. Files are written by the `nifti` crate's writer (and patched where the
//! writer cannot express a case) or by the project's own writer.

use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};

use hemoscope::io::{
    open_bytes, open_nifti, open_nifti_with_progress, sniff, write_nifti, Format, NiftiOptions,
    VoxelData,
};
use hemoscope::{Error, Geometry};
use ndarray::Array3;
use nifti::writer::WriterOptions;
use nifti::{DataElement, Endianness, NiftiHeader};

const DIMS: [usize; 3] = [5, 4, 3];

/// Write `data` (shape DIMS, element [i, j, k]) with the crate's writer and return the bytes.
fn crate_file<T: DataElement + bytemuck::Pod>(
    data: &Array3<T>,
    hdr: &NiftiHeader,
    gzip: bool,
) -> Vec<u8> {
    static N: AtomicUsize = AtomicUsize::new(0);
    let n = N.fetch_add(1, Ordering::SeqCst);
    let name = format!(
        "t{}_{n}.{}",
        std::process::id(),
        if gzip { "nii.gz" } else { "nii" }
    );
    let path = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(name);
    WriterOptions::new(&path)
        .reference_header(hdr)
        .write_nifti(data)
        .expect("crate writer");
    let bytes = std::fs::read(&path).expect("read back");
    let _ = std::fs::remove_file(&path);
    bytes
}

/// A header with a plain LPS sform (code 1) and qform code 0, like the RSNA volumes.
fn lps_header() -> NiftiHeader {
    NiftiHeader {
        sform_code: 1,
        qform_code: 0,
        srow_x: [-0.5, 0.0, 0.0, 10.0],
        srow_y: [0.0, -0.5, 0.0, 20.0],
        srow_z: [0.0, 0.0, 5.0, -30.0],
        pixdim: [1.0, 0.5, 0.5, 5.0, 1.0, 1.0, 1.0, 1.0],
        ..NiftiHeader::default()
    }
}

fn array<T: Copy>(f: impl Fn(usize) -> T) -> Array3<T> {
    Array3::from_shape_fn((DIMS[0], DIMS[1], DIMS[2]), |(i, j, k)| {
        f(i + DIMS[0] * (j + DIMS[1] * k))
    })
}

/// Patch a little-endian f32 at `offset` of an uncompressed file.
fn patch_f32(bytes: &mut [u8], offset: usize, v: f32) {
    bytes[offset..offset + 4].copy_from_slice(&v.to_le_bytes());
}

fn patch_i16(bytes: &mut [u8], offset: usize, v: i16) {
    bytes[offset..offset + 2].copy_from_slice(&v.to_le_bytes());
}

fn expected(f: impl Fn(usize) -> i16) -> Vec<i16> {
    (0..DIMS.iter().product::<usize>()).map(f).collect()
}

#[test]
fn every_integer_datatype_plain_and_gzip() {
    let h = lps_header();
    for gzip in [false, true] {
        let cases: Vec<(&str, Vec<u8>, Vec<i16>)> = vec![
            (
                "u8",
                crate_file(&array(|n| (n * 4) as u8), &h, gzip),
                expected(|n| (n * 4) as i16),
            ),
            (
                "i8",
                crate_file(&array(|n| n as i8 - 30), &h, gzip),
                expected(|n| n as i16 - 30),
            ),
            (
                "u16",
                crate_file(&array(|n| (n * 300) as u16), &h, gzip),
                expected(|n| (n * 300) as i16),
            ),
            (
                "i16",
                crate_file(&array(|n| n as i16 * 50 - 1024), &h, gzip),
                expected(|n| n as i16 * 50 - 1024),
            ),
            (
                "u32",
                crate_file(&array(|n| (n * 40) as u32), &h, gzip),
                expected(|n| (n * 40) as i16),
            ),
            (
                "i32",
                crate_file(&array(|n| n as i32 * 60 - 1024), &h, gzip),
                expected(|n| n as i16 * 60 - 1024),
            ),
            (
                "f32",
                crate_file(&array(|n| n as f32 * 10.0 - 100.0), &h, gzip),
                expected(|n| n as i16 * 10 - 100),
            ),
            (
                "f64",
                crate_file(&array(|n| n as f64 * 7.0 - 50.0), &h, gzip),
                expected(|n| n as i16 * 7 - 50),
            ),
        ];
        for (name, bytes, want) in cases {
            let v = open_nifti(&bytes).unwrap_or_else(|e| panic!("{name} gzip={gzip}: {e}"));
            assert_eq!(v.dims, DIMS, "{name}");
            assert_eq!(v.voxels, want, "{name} gzip={gzip}");
            assert!(v.warnings.is_empty(), "{name}: {:?}", v.warnings);
            assert_eq!(v.source, if gzip { "NIfTI-1 (gzip)" } else { "NIfTI-1" });
            assert_eq!(v.geometry.affine[0], [-0.5, 0.0, 0.0, 10.0]);
        }
    }
}

#[test]
fn out_of_range_values_are_clamped_and_fractions_rounded_with_warnings() {
    let h = lps_header();
    let big = crate_file(
        &array(|n| if n == 0 { 70000u32 } else { n as u32 }),
        &h,
        false,
    );
    let v = open_nifti(&big).unwrap();
    assert_eq!(v.voxels[0], i16::MAX);
    assert_eq!(v.voxels[1], 1);
    assert!(
        v.warnings
            .iter()
            .any(|w| w.contains("1 voxels were outside")),
        "{:?}",
        v.warnings
    );

    let neg = crate_file(&array(|n| if n == 2 { -1.0e9f64 } else { 0.0 }), &h, false);
    assert_eq!(open_nifti(&neg).unwrap().voxels[2], i16::MIN);

    let frac = crate_file(&array(|n| n as f32 + 0.4), &h, true);
    let v = open_nifti(&frac).unwrap();
    assert_eq!(v.voxels, expected(|n| n as i16));
    assert!(
        v.warnings.iter().any(|w| w.contains("rounded")),
        "{:?}",
        v.warnings
    );

    let nan = crate_file(&array(|n| if n == 3 { f32::NAN } else { 1.0 }), &h, false);
    let v = open_nifti(&nan).unwrap();
    assert_eq!(v.voxels[3], -1024);
    assert!(
        v.warnings.iter().any(|w| w.contains("NaN")),
        "{:?}",
        v.warnings
    );
}

#[test]
fn scl_slope_and_inter_are_applied() {
    let h = lps_header();
    // u16 raw values with slope 1, intercept -1024: the usual CT storage.
    let mut bytes = crate_file(&array(|n| (n * 50) as u16), &h, false);
    patch_f32(&mut bytes, 112, 1.0);
    patch_f32(&mut bytes, 116, -1024.0);
    assert_eq!(
        open_nifti(&bytes).unwrap().voxels,
        expected(|n| n as i16 * 50 - 1024)
    );
    // i16 with slope 2, intercept 10.
    let mut bytes = crate_file(&array(|n| n as i16), &h, false);
    patch_f32(&mut bytes, 112, 2.0);
    patch_f32(&mut bytes, 116, 10.0);
    assert_eq!(
        open_nifti(&bytes).unwrap().voxels,
        expected(|n| n as i16 * 2 + 10)
    );
    // Slope 0 means "no scaling", whatever the intercept.
    patch_f32(&mut bytes, 112, 0.0);
    patch_f32(&mut bytes, 116, 500.0);
    assert_eq!(open_nifti(&bytes).unwrap().voxels, expected(|n| n as i16));
    // Fractional slope: rounded, with a warning.
    patch_f32(&mut bytes, 112, 0.5);
    patch_f32(&mut bytes, 116, 0.0);
    let v = open_nifti(&bytes).unwrap();
    assert_eq!(v.voxels[3], 2); // 1.5 rounds away from zero
    assert!(v.warnings.iter().any(|w| w.contains("rounded")));
    // NaN or infinite scaling is refused.
    for bad in [f32::NAN, f32::INFINITY] {
        patch_f32(&mut bytes, 112, bad);
        assert!(
            matches!(open_nifti(&bytes), Err(Error::Invalid { .. })),
            "slope {bad}"
        );
    }
}

#[test]
fn sform_is_preferred_then_qform_then_pixdim() {
    let data = array(|n| n as i16);
    // Both set: sform wins (qform here is identity with 2 mm voxels).
    let mut h = lps_header();
    h.qform_code = 1;
    h.pixdim = [1.0, 2.0, 2.0, 2.0, 1.0, 1.0, 1.0, 1.0];
    let v = open_nifti(&crate_file(&data, &h, false)).unwrap();
    assert_eq!(v.geometry.affine[0], [-0.5, 0.0, 0.0, 10.0]);
    // sform code 0: qform. Quaternion (0, 0, 1) = 180° about z, i.e. LPS voxel axes.
    h.sform_code = 0;
    h.quatern_b = 0.0;
    h.quatern_c = 0.0;
    h.quatern_d = 1.0;
    h.quatern_x = 1.0;
    h.quatern_y = 2.0;
    h.quatern_z = 3.0;
    let v = open_nifti(&crate_file(&data, &h, true)).unwrap();
    assert_eq!(
        v.geometry.affine,
        [
            [-2.0, 0.0, 0.0, 1.0],
            [0.0, -2.0, 0.0, 2.0],
            [0.0, 0.0, 2.0, 3.0],
            [0.0, 0.0, 0.0, 1.0]
        ]
    );
    assert_eq!(v.geometry.orientation_code(), "LPS");
    assert!(v.warnings.is_empty());
    // Neither: pixdim diagonal, with a warning.
    h.qform_code = 0;
    let v = open_nifti(&crate_file(&data, &h, false)).unwrap();
    assert_eq!(v.geometry.affine[1], [0.0, 2.0, 0.0, 0.0]);
    assert!(
        v.warnings.iter().any(|w| w.contains("no sform or qform")),
        "{:?}",
        v.warnings
    );
    // ... which then needs sane voxel sizes.
    for bad in [0.0, -1.0, f32::NAN] {
        h.pixdim[2] = bad;
        let e = open_nifti(&crate_file(&data, &h, false)).unwrap_err();
        assert!(e.to_string().contains("pixdim[2]"), "{e}");
    }
}

#[test]
fn sheared_sform_is_kept_exactly() {
    // 24° gantry tilt as stored by the RSNA conversion: oblique row axis, k column along z.
    let mut h = lps_header();
    h.srow_x = [-0.48828125, 0.0, 0.0, 125.0];
    h.srow_y = [0.0, -0.446_067_1, 0.0, -35.103_638];
    h.srow_z = [0.0, -0.198_601_87, 5.450_7, 103.828_43];
    let v = open_nifti(&crate_file(&array(|n| n as i16), &h, true)).unwrap();
    let want = [h.srow_x, h.srow_y, h.srow_z];
    for (row, want_row) in v.geometry.affine.iter().zip(want) {
        for (got, w) in row.iter().zip(want_row) {
            assert!((got - f64::from(w)).abs() < 1e-5, "{got} vs {w}");
        }
    }
    // The shear survives: the k column is not perpendicular to the j column.
    let (j, k) = (v.geometry.axis(1), v.geometry.axis(2));
    assert!((j[0] * k[0] + j[1] * k[1] + j[2] * k[2]).abs() > 1.0);
    assert_eq!(v.geometry.orientation_code(), "LPS");
}

#[test]
fn big_endian_files() {
    let mut h = lps_header();
    h.endianness = Endianness::Big;
    for gzip in [false, true] {
        let v = open_nifti(&crate_file(&array(|n| n as i16 * 100 - 1000), &h, gzip)).unwrap();
        assert_eq!(v.voxels, expected(|n| n as i16 * 100 - 1000));
        assert_eq!(v.geometry.affine[2], [0.0, 0.0, 5.0, -30.0]);
        let v = open_nifti(&crate_file(&array(|n| n as f64 * 0.5), &h, gzip)).unwrap();
        assert_eq!(v.voxels[4], 2);
    }
}

#[test]
fn four_d_file_gives_first_volume_with_warning() {
    let h = lps_header();
    let data = ndarray::Array4::from_shape_fn((DIMS[0], DIMS[1], DIMS[2], 3), |(i, j, k, t)| {
        (i + DIMS[0] * (j + DIMS[1] * k)) as i16 + 1000 * t as i16
    });
    let path = PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("t{}_4d.nii.gz", std::process::id()));
    WriterOptions::new(&path)
        .reference_header(&h)
        .write_nifti(&data)
        .unwrap();
    let bytes = std::fs::read(&path).unwrap();
    let _ = std::fs::remove_file(&path);
    let v = open_nifti(&bytes).unwrap();
    assert_eq!(v.dims, DIMS);
    assert_eq!(v.voxels, expected(|n| n as i16));
    assert!(
        v.warnings.iter().any(|w| w.contains("3 volumes")),
        "{:?}",
        v.warnings
    );
}

fn valid_plain() -> Vec<u8> {
    write_nifti(
        DIMS,
        &Geometry::lps_axial([0.5, 0.5, 5.0]),
        VoxelData::I16(&expected(|n| n as i16)),
        false,
    )
    .unwrap()
}

#[test]
fn malformed_headers_give_errors() {
    let good = valid_plain();
    assert!(open_nifti(&good).is_ok());
    let check = |bytes: &[u8], needle: &str| {
        let e = open_nifti(bytes).expect_err(needle);
        assert!(e.to_string().contains(needle), "wanted '{needle}' in '{e}'");
    };
    check(&good[..200], "header");
    check(&good[..good.len() - 1], "truncated");
    let mut b = good.clone();
    patch_i16(&mut b, 42, -5); // dim[1] negative
    check(&b, "dim[1] is -5");
    let mut b = good.clone();
    patch_i16(&mut b, 44, 0); // dim[2] zero
    check(&b, "dim[2] is 0");
    let mut b = good.clone();
    for d in 1..=3 {
        patch_i16(&mut b, 40 + 2 * d, 32767);
    }
    assert!(matches!(open_nifti(&b), Err(Error::TooLarge { .. })));
    let mut b = good.clone();
    patch_i16(&mut b, 70, 32); // complex64
    check(&b, "Complex64");
    let mut b = good.clone();
    patch_i16(&mut b, 70, 128); // RGB
    check(&b, "Rgb24");
    let mut b = good.clone();
    patch_i16(&mut b, 70, 3); // not a datatype
    check(&b, "unknown datatype code 3");
    let mut b = good.clone();
    patch_f32(&mut b, 108, 100.0);
    check(&b, "vox_offset");
    let mut b = good.clone();
    patch_f32(&mut b, 108, f32::NAN);
    check(&b, "vox_offset");
    let mut b = good.clone();
    patch_f32(&mut b, 80, f32::NAN); // pixdim[1]
    check(&b, "pixdim[1]");
    let mut b = good.clone();
    b[344..348].copy_from_slice(b"ni1\0");
    check(&b, ".hdr/.img pair");
    let mut b = good.clone();
    b[344..348].copy_from_slice(b"abcd");
    check(&b, "magic");
    let mut b = good.clone();
    patch_i16(&mut b, 40, 0); // dim[0]
    check(&b, "dim[0]");
    // A small memory budget refuses the allocation up front.
    let tiny = NiftiOptions {
        memory_budget_bytes: 10,
    };
    assert!(matches!(
        open_nifti_with_progress(&good, &tiny, &mut |_| {}),
        Err(Error::TooLarge { .. })
    ));
}

#[test]
fn nifti2_and_unknown_formats_are_refused_clearly() {
    let mut n2 = vec![0u8; 600];
    n2[0..4].copy_from_slice(&540i32.to_le_bytes());
    n2[4..8].copy_from_slice(b"n+2\0");
    assert_eq!(sniff(&n2), Format::Nifti2 { gzip: false });
    let e = open_bytes("x.nii", &n2).unwrap_err();
    assert!(matches!(e, Error::Unsupported { .. }), "{e}");
    assert!(e.to_string().contains("NIfTI-2"));

    let e = open_bytes("notes.txt", b"Patient: Jane Doe, secret").unwrap_err();
    let msg = e.to_string();
    assert!(matches!(e, Error::UnknownFormat(_)));
    assert!(
        msg.contains("notes.txt") && msg.contains("a text file"),
        "{msg}"
    );
    assert!(
        !msg.contains("Jane") && !msg.contains("50 61"),
        "content must not leak: {msg}"
    );

    let good = valid_plain();
    let gz = write_nifti(
        DIMS,
        &Geometry::lps_axial([1.0, 1.0, 1.0]),
        VoxelData::U8(&[7u8; 60]),
        true,
    )
    .unwrap();
    assert_eq!(sniff(&good), Format::Nifti1 { gzip: false });
    assert_eq!(sniff(&gz), Format::Nifti1 { gzip: true });
    assert_eq!(open_bytes("m.nii.gz", &gz).unwrap().voxels, vec![7i16; 60]);
}

/// Every header byte set to a few extreme values, and gzip streams cut anywhere: no panic.
#[test]
fn mutated_headers_and_cut_streams_never_panic() {
    let good = valid_plain();
    for pos in 0..352 {
        for v in [0x00u8, 0x01, 0x7f, 0x80, 0xff] {
            let mut b = good.clone();
            b[pos] = v;
            let _ = open_nifti(&b);
            let _ = open_bytes("f", &b);
        }
    }
    let gz = write_nifti(
        DIMS,
        &Geometry::lps_axial([1.0, 1.0, 1.0]),
        VoxelData::I16(&expected(|n| n as i16)),
        true,
    )
    .unwrap();
    for cut in 0..gz.len() {
        let _ = open_bytes("f", &gz[..cut]);
    }
    let mut flipped = gz.clone();
    for pos in (10..gz.len()).step_by(7) {
        flipped[pos] ^= 0x55;
        let _ = open_bytes("f", &flipped);
    }
}

#[test]
fn progress_reaches_one_and_is_monotonic() {
    let data = expected(|n| n as i16);
    let gz = write_nifti(
        DIMS,
        &Geometry::lps_axial([1.0, 1.0, 1.0]),
        VoxelData::I16(&data),
        true,
    )
    .unwrap();
    let mut seen = Vec::new();
    open_nifti_with_progress(&gz, &NiftiOptions::default(), &mut |p| seen.push(p)).unwrap();
    assert!(seen.len() >= DIMS[2]);
    assert!(seen.windows(2).all(|w| w[0] <= w[1]), "{seen:?}");
    assert_eq!(seen.last(), Some(&1.0));
}

#[test]
fn incremental_decoder_matches_one_shot() {
    use hemoscope::io::NiftiDecoder;
    let data = expected(|n| n as i16 * 3 - 7);
    let gz = write_nifti(
        DIMS,
        &Geometry::lps_axial([1.0, 1.0, 1.0]),
        VoxelData::I16(&data),
        true,
    )
    .unwrap();
    let mut dec = NiftiDecoder::from_vec(gz.clone(), &NiftiOptions::default()).unwrap();
    assert_eq!(dec.dims(), DIMS);
    let mut last = dec.progress();
    let mut calls = 0;
    while !dec.decode_slices(1).unwrap() {
        assert!(dec.progress() >= last);
        last = dec.progress();
        calls += 1;
    }
    assert_eq!(calls, DIMS[2] - 1);
    assert_eq!(dec.progress(), 1.0);
    let v = dec.finish().unwrap();
    assert_eq!(v.voxels, data);
    // finish() without stepping decodes everything too.
    let v2 = NiftiDecoder::new(&gz, &NiftiOptions::default())
        .unwrap()
        .finish()
        .unwrap();
    assert_eq!(v2.voxels, data);
    // Header problems surface in new(), before any voxel work.
    assert!(NiftiDecoder::new(&gz[..30], &NiftiOptions::default()).is_err());
}

#[test]
fn large_slices_are_read_in_row_chunks() {
    // 1100 × 1000 float64 slices: 8.8 MB each, more than one read chunk.
    let h = lps_header();
    let data = Array3::from_shape_fn((1100, 1000, 2), |(i, j, k)| {
        ((i * 7 + j * 3 + k * 11) % 3000) as f64 - 1000.0
    });
    let bytes = crate_file(&data, &h, false);
    let v = open_nifti(&bytes).unwrap();
    assert_eq!(v.dims, [1100, 1000, 2]);
    for (i, j, k) in [
        (0, 0, 0),
        (1099, 0, 0),
        (5, 999, 1),
        (1099, 999, 1),
        (600, 500, 1),
    ] {
        assert_eq!(v.get(i, j, k) as f64, data[(i, j, k)], "({i}, {j}, {k})");
    }
}

#[test]
fn hostile_gzip_header_fails_fast() {
    // A tiny gzip file whose header claims 20000 × 20000 float64 voxels: more than its size can
    // inflate to, so refused as truncated before any voxel memory is reserved.
    let mut plain = valid_plain();
    patch_i16(&mut plain, 42, 20000);
    patch_i16(&mut plain, 44, 20000);
    patch_i16(&mut plain, 46, 1);
    patch_i16(&mut plain, 70, 64); // float64
    patch_i16(&mut plain, 72, 64);
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    std::io::Write::write_all(&mut enc, &plain).unwrap();
    let gz = enc.finish().unwrap();
    let t = std::time::Instant::now();
    let e = open_nifti(&gz).unwrap_err();
    assert!(e.to_string().contains("truncated"), "{e}");
    assert!(t.elapsed().as_secs_f64() < 2.0);
    // The same header uncompressed is refused before reading anything.
    assert!(open_nifti(&plain)
        .unwrap_err()
        .to_string()
        .contains("truncated"));
}

#[test]
fn header_extensions_are_skipped() {
    let good = valid_plain();
    let mut b = good[..348].to_vec();
    b.extend_from_slice(&[1, 0, 0, 0]); // extender: extensions follow
    b.extend_from_slice(&48i32.to_le_bytes()); // esize
    b.extend_from_slice(&6i32.to_le_bytes()); // ecode (comment)
    b.extend_from_slice(&[b'x'; 40]);
    b.extend_from_slice(&good[352..]);
    patch_f32(&mut b, 108, 400.0);
    let v = open_nifti(&b).unwrap();
    assert_eq!(v.voxels, expected(|n| n as i16));
}
