//! The real 33-file RSNA series (when the shared data are present) converts to exactly the HU
//! and sform of the reference NIfTI volume made from it. Skips when the data are absent.

use std::path::PathBuf;
use std::time::Instant;

use hemoscope::io::{open_files, InputFile};
use nifti::{NiftiObject, ReaderOptions};

const SERIES: &str = "ID_44cfc8e964";

fn shared_data() -> PathBuf {
    std::env::var_os("HEMOSCOPE_SHARED_DATA")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/data"))
}

#[test]
fn rsna_series_matches_reference_volume() {
    let root = shared_data().join("rsna-ich");
    let dir = root.join("dicom").join(SERIES);
    let reference = root.join("volumes").join(format!("{SERIES}.nii.gz"));
    if !dir.is_dir() || !reference.is_file() {
        eprintln!("note: {} absent, test skipped", dir.display());
        return;
    }
    let mut files: Vec<InputFile> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| {
            let p = e.unwrap().path();
            InputFile {
                name: p.file_name().unwrap().to_string_lossy().into_owned(),
                bytes: std::fs::read(&p).unwrap(),
            }
        })
        .collect();
    // File order must not matter: reverse the directory order.
    files.sort_by(|a, b| b.name.cmp(&a.name));
    assert_eq!(files.len(), 33);

    let t = Instant::now();
    let opened = open_files(files).expect("series opens");
    let ms = t.elapsed().as_secs_f64() * 1000.0;
    eprintln!("decoded {SERIES} (33 files) in {ms:.0} ms");
    let v = &opened.volume;
    assert_eq!(opened.series.len(), 1);
    assert_eq!(v.dims, [512, 512, 33]);
    assert!(v.warnings.is_empty(), "{:?}", v.warnings);

    let obj = ReaderOptions::new().read_file(&reference).unwrap();
    let h = obj.header().clone();
    assert_eq!(h.sform_code, 1);
    let srow = [h.srow_x, h.srow_y, h.srow_z];
    for (r, row) in srow.iter().enumerate() {
        for (c, &b) in row.iter().enumerate() {
            let (a, b) = (v.geometry.affine[r][c], b as f64);
            assert!(
                (a - b).abs() < 1e-4,
                "sform[{r}][{c}]: ours {a} reference {b}"
            );
        }
    }
    assert_eq!(&h.dim[1..4], &[512, 512, 33]);
    let raw = obj.into_volume().into_raw_data();
    assert_eq!(h.datatype, 4, "reference is int16");
    let reference: Vec<i16> = raw
        .chunks_exact(2)
        .map(|c| i16::from_le_bytes([c[0], c[1]]))
        .collect();
    assert_eq!(reference.len(), v.voxels.len());
    let mut compared = 0usize;
    for (idx, (&ours, &theirs)) in v.voxels.iter().zip(&reference).enumerate() {
        if theirs > -900 {
            compared += 1;
            assert_eq!(ours.clamp(-1024, 3071), theirs, "voxel {idx}");
        }
    }
    assert!(compared > 1_000_000, "only {compared} voxels above -900 HU");
    // Every slice keeps its SOP Instance UID and position, in ascending order.
    let uids = v.sop_instance_uids.as_ref().unwrap();
    assert_eq!(uids.len(), 33);
    let pos = v.slice_positions_mm.as_ref().unwrap();
    assert!(pos.windows(2).all(|w| w[1] > w[0]));
}
