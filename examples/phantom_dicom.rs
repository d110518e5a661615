//! Write the synthetic demo head CT as a DICOM series (one explicit-LE CT file per slice), for
//! the end-to-end test that analyses a DICOM series in the page and with the CLI:
//! `cargo run --example phantom_dicom -- OUT_DIR`.

#[path = "../tests/dicom_support/mod.rs"]
mod dicom_support;

use std::path::PathBuf;

use dicom_support::Slice;

fn main() {
    let Some(out) = std::env::args().nth(1).map(PathBuf::from) else {
        eprintln!("phantom_dicom: usage: phantom_dicom OUT_DIR");
        std::process::exit(2);
    };
    let (volume, _) = hemoscope::phantom::demo_case();
    let [nx, ny, nz] = volume.dims;
    let s = volume.spacing_mm();
    if let Err(e) = std::fs::create_dir_all(&out) {
        eprintln!("phantom_dicom: {e}");
        std::process::exit(1);
    }
    for k in 0..nz {
        let slice = Slice {
            sop_uid: Some(format!("1.2.826.0.1.3680043.8.498.2.{}", k + 1)),
            instance: Some(k as i32 + 1),
            position: Some([0.0, 0.0, k as f64 * s[2]]),
            spacing: Some([s[1], s[0]]),
            thickness: Some(s[2]),
            rows: ny as u16,
            cols: nx as u16,
            // Stored = HU + 1024 (the default rescale intercept is -1024).
            pixels: volume.slice(k).iter().map(|&v| v as i32 + 1024).collect(),
            ..Slice::default()
        };
        let path = out.join(format!("IM{:04}.dcm", k + 1));
        if let Err(e) = std::fs::write(&path, slice.bytes()) {
            eprintln!("phantom_dicom: cannot write {}: {e}", path.display());
            std::process::exit(1);
        }
    }
    println!("{nz} slices of {nx}×{ny} written to {}", out.display());
}
