//! Write the synthetic demo head CT as a DICOM CT series (one file per slice, explicit VR
//! little endian, study and patient attributes set), for the export tests:
//! `cargo run --example phantom_dicom -- OUT_DIR`. Files are `OUT_DIR/slice_<k>.dcm`; the
//! series, study and frame-of-reference UIDs are `<ROOT>.1`, `.2`, `.3` and slice k's SOP
//! Instance UID is `<ROOT>.<k + 1>`, with ROOT = 1.2.826.0.1.3680043.8.498.4242.

#[path = "../tests/dicom_support/mod.rs"]
mod dicom_support;

use std::path::PathBuf;

/// UID root of the written series.
const ROOT: &str = "1.2.826.0.1.3680043.8.498.4242";

fn main() {
    let Some(out) = std::env::args().nth(1).map(PathBuf::from) else {
        eprintln!("phantom_dicom: usage: phantom_dicom OUT_DIR");
        std::process::exit(2);
    };
    let (volume, _) = hemoscope::phantom::demo_case();
    let written = std::fs::create_dir_all(&out).and_then(|_| {
        for (k, slice) in dicom_support::volume_series(&volume, ROOT)
            .iter()
            .enumerate()
        {
            std::fs::write(out.join(format!("slice_{k:03}.dcm")), slice.bytes())?;
        }
        Ok(())
    });
    if let Err(e) = written {
        eprintln!("phantom_dicom: cannot write {}: {e}", out.display());
        std::process::exit(1);
    }
}
