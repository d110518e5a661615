//! `hemoscope convert` and `hemoscope info` over DICOM folders and zips.

mod dicom_support;

use std::path::PathBuf;
use std::process::Command;

use dicom_support::{axial_series, Slice, JPEG_XL_LOSSLESS};
use nifti::{NiftiObject, ReaderOptions};

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_hemoscope"))
}

fn tmp(name: &str) -> PathBuf {
    let p = PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("dicom_cli_{}_{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&p);
    p
}

#[test]
fn convert_folder_to_nifti() {
    let dir = tmp("series");
    std::fs::create_dir_all(dir.join("sub")).unwrap();
    for (k, s) in axial_series(5, 2.0).iter().enumerate().rev() {
        std::fs::write(dir.join("sub").join(format!("{k}.dcm")), s.bytes()).unwrap();
    }
    let out = tmp("out.nii.gz");
    let r = bin()
        .arg("convert")
        .arg(&dir)
        .arg("-o")
        .arg(&out)
        .output()
        .unwrap();
    assert!(r.status.success(), "{}", String::from_utf8_lossy(&r.stderr));

    let obj = ReaderOptions::new().read_file(&out).unwrap();
    let h = obj.header().clone();
    assert_eq!(&h.dim[..4], &[3, 3, 4, 5]);
    assert_eq!((h.sform_code, h.qform_code, h.datatype), (1, 0, 4));
    assert_eq!(h.srow_x, [-0.25, 0.0, 0.0, 10.0]);
    assert_eq!(h.srow_y, [0.0, -0.5, 0.0, 20.0]);
    assert_eq!(h.srow_z, [0.0, 0.0, 2.0, 30.0]);
    let raw = obj.into_volume().into_raw_data();
    let v: Vec<i16> = raw
        .chunks_exact(2)
        .map(|c| i16::from_le_bytes([c[0], c[1]]))
        .collect();
    assert_eq!(v[0], 1000 - 1024);
    assert_eq!(v[12 * 4], 1000 + 40 - 1024);

    // info lists the series.
    let r = bin().arg("info").arg(&dir).arg("--json").output().unwrap();
    assert!(r.status.success(), "{}", String::from_utf8_lossy(&r.stderr));
    let j: serde_json::Value = serde_json::from_slice(&r.stdout).unwrap();
    assert_eq!(j["dims"], serde_json::json!([3, 4, 5]));
    assert_eq!(j["series"][0]["slices"], 5);
}

#[test]
fn convert_zip_and_failures_are_one_line() {
    let series = axial_series(3, 5.0);
    let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    for (k, s) in series.iter().enumerate() {
        w.start_file(format!("a/{k}"), zip::write::SimpleFileOptions::default())
            .unwrap();
        std::io::Write::write_all(&mut w, &s.bytes()).unwrap();
    }
    let zip_path = tmp("case.zip");
    std::fs::write(&zip_path, w.finish().unwrap().into_inner()).unwrap();
    let out = tmp("zip.nii.gz");
    let r = bin()
        .arg("convert")
        .arg(&zip_path)
        .arg("-o")
        .arg(&out)
        .output()
        .unwrap();
    assert!(r.status.success(), "{}", String::from_utf8_lossy(&r.stderr));
    assert!(out.is_file());

    let bad = tmp("bad.dcm");
    let s = Slice {
        transfer_syntax: JPEG_XL_LOSSLESS,
        ..Slice::default()
    };
    std::fs::write(&bad, s.bytes()).unwrap();
    let r = bin()
        .arg("convert")
        .arg(&bad)
        .arg("-o")
        .arg(tmp("never.nii.gz"))
        .output()
        .unwrap();
    assert_eq!(r.status.code(), Some(1));
    let err = String::from_utf8_lossy(&r.stderr);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(
        err.starts_with("hemoscope: ") && err.contains("1.2.840.10008.1.2.4.110"),
        "{err}"
    );
}

/// The real RSNA series converts to the reference volume's sform (HU are compared in
/// dicom_rsna.rs). Skips when the shared data are absent.
#[test]
fn convert_real_series_when_present() {
    let root = std::env::var_os("HEMOSCOPE_SHARED_DATA")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/data"))
        .join("rsna-ich");
    let dir = root.join("dicom/ID_44cfc8e964");
    if !dir.is_dir() {
        eprintln!("note: {} absent, test skipped", dir.display());
        return;
    }
    let out = tmp("rsna.nii.gz");
    let r = bin()
        .arg("convert")
        .arg(&dir)
        .arg("-o")
        .arg(&out)
        .arg("-q")
        .output()
        .unwrap();
    assert!(r.status.success(), "{}", String::from_utf8_lossy(&r.stderr));
    let ours = ReaderOptions::new()
        .read_file(&out)
        .unwrap()
        .header()
        .clone();
    let theirs = ReaderOptions::new()
        .read_file(root.join("volumes/ID_44cfc8e964.nii.gz"))
        .unwrap()
        .header()
        .clone();
    assert_eq!(ours.dim, theirs.dim);
    for (a, b) in [
        (ours.srow_x, theirs.srow_x),
        (ours.srow_y, theirs.srow_y),
        (ours.srow_z, theirs.srow_z),
    ] {
        for c in 0..4 {
            assert!((a[c] - b[c]).abs() < 1e-4, "{a:?} vs {b:?}");
        }
    }
}
