//! Real RSNA head-CT volumes from the shared data folder (`../shared/data` relative to the crate,
//! or `$HEMOSCOPE_SHARED_DATA`). Skipped with a note when the folder is absent. Nothing from it
//! is ever copied into the repository.

use std::path::{Path, PathBuf};

use hemoscope::io::open_bytes;
use hemoscope::render::{AxialView, EdgeLetters};

fn data_dir() -> Option<PathBuf> {
    let dir = std::env::var_os("HEMOSCOPE_SHARED_DATA")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/data"));
    let volumes = dir.join("rsna-ich/volumes");
    if volumes.is_dir() {
        Some(dir)
    } else {
        eprintln!(
            "note: {} not found; real-data tests skipped",
            volumes.display()
        );
        None
    }
}

/// Rows of series.csv as (header name → value) maps.
fn series_rows(dir: &Path) -> Vec<std::collections::HashMap<String, String>> {
    csv_rows(dir, "rsna-ich/series.csv")
}

/// Rows of a CSV file of the data folder as (header name → value) maps.
fn csv_rows(dir: &Path, file: &str) -> Vec<std::collections::HashMap<String, String>> {
    let text = std::fs::read_to_string(dir.join(file)).unwrap();
    let mut lines = text.lines();
    let names: Vec<String> = lines.next().unwrap().split(',').map(String::from).collect();
    lines
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            names
                .iter()
                .cloned()
                .zip(l.split(',').map(String::from))
                .collect()
        })
        .collect()
}

fn dot(a: [f64; 3], b: [f64; 3]) -> f64 {
    a[0] * b[0] + a[1] * b[1] + a[2] * b[2]
}

fn cross(a: [f64; 3], b: [f64; 3]) -> [f64; 3] {
    [
        a[1] * b[2] - a[2] * b[1],
        a[2] * b[0] - a[0] * b[2],
        a[0] * b[1] - a[1] * b[0],
    ]
}

/// sform/qform codes and sform rows straight from the file's header, through the crate.
fn raw_header(bytes: &[u8]) -> nifti::NiftiHeader {
    nifti::NiftiHeader::from_reader(flate2::read::GzDecoder::new(bytes)).unwrap()
}

#[test]
fn every_rsna_volume_matches_series_csv() {
    let Some(dir) = data_dir() else { return };
    for row in series_rows(&dir) {
        let uid = &row["series_uid"];
        let bytes = std::fs::read(dir.join(format!("rsna-ich/volumes/{uid}.nii.gz"))).unwrap();
        let v = open_bytes(uid, &bytes).unwrap_or_else(|e| panic!("{uid}: {e}"));
        let n: usize = row["n_slices"].parse().unwrap();
        assert_eq!(v.dims, [512, 512, n], "{uid}");
        assert!(v.warnings.is_empty(), "{uid}: {:?}", v.warnings);
        let h = raw_header(&bytes);
        assert_eq!((h.sform_code, h.qform_code), (1, 0), "{uid}");
        // The affine is the stored sform.
        for (r, srow) in [h.srow_x, h.srow_y, h.srow_z].iter().enumerate() {
            for (c, &want) in srow.iter().enumerate() {
                let d = (v.geometry.affine[r][c] - f64::from(want)).abs();
                assert!(d < 1e-4, "{uid} affine[{r}][{c}]");
            }
        }
        let px: f64 = row["pixel_spacing_mm"].parse().unwrap();
        let s = v.spacing_mm();
        assert!(
            (s[0] - px).abs() < 1e-4 && (s[1] - px).abs() < 1e-4,
            "{uid} spacing {s:?}"
        );
        // k column: its component along the slice normal is the k step; its angle to the normal
        // is the gantry tilt.
        let (ci, cj, ck) = (v.geometry.axis(0), v.geometry.axis(1), v.geometry.axis(2));
        let nrm = cross(ci, cj);
        let nlen = dot(nrm, nrm).sqrt();
        let along = dot(ck, nrm) / nlen;
        let step: f64 = row["k_step_mm"].parse().unwrap();
        assert!((along - step).abs() < 2e-3, "{uid}: step {along} vs {step}");
        let tilt = (along / s[2]).clamp(-1.0, 1.0).acos().to_degrees();
        let want_tilt: f64 = row["plane_tilt_deg"].parse().unwrap();
        assert!(
            (tilt - want_tilt).abs() < 1.0,
            "{uid}: tilt {tilt} vs {want_tilt}"
        );
        // Displayed as the README says: vol[:, :, k].T, i to the right, j down.
        let view = AxialView::new(&v);
        assert_eq!(
            (view.x_axis, view.x_flip, view.y_axis, view.y_flip),
            (0, false, 1, false),
            "{uid}"
        );
        assert_eq!(
            view.letters,
            EdgeLetters {
                top: 'A',
                bottom: 'P',
                left: 'R',
                right: 'L'
            },
            "{uid}"
        );
        if want_tilt == 0.0 {
            assert_eq!(v.geometry.orientation_code(), "LPS", "{uid}");
        }
        let hu = v.hu_stats();
        assert!(hu.min >= -1024.0 && hu.max <= 3071.0, "{uid} {hu:?}");
    }
}

#[test]
fn tilted_series_keeps_its_shear() {
    let Some(dir) = data_dir() else { return };
    let bytes = std::fs::read(dir.join("rsna-ich/volumes/ID_7518324893.nii.gz")).unwrap();
    let v = open_bytes("ID_7518324893.nii.gz", &bytes).unwrap();
    assert_eq!(v.dims, [512, 512, 34]);
    let g = v.geometry;
    // Oblique j column (24° tilt) and a k column along z: not orthogonal.
    let (cj, ck) = (g.axis(1), g.axis(2));
    let cos = dot(cj, ck) / (dot(cj, cj).sqrt() * dot(ck, ck).sqrt());
    assert!(cos.abs() > 0.3, "cos {cos}");
    assert!((g.affine[2][1] - -0.19860187).abs() < 1e-6);
    assert!((g.affine[1][1] - -0.44606712).abs() < 1e-6);
    assert!((g.affine[2][2] - 5.45070028).abs() < 1e-5);
    // Volume of a voxel = pixel area × step along the normal (4.9795 mm), shear included.
    let want = 0.48828125 * 0.48828125 * 4.9795;
    assert!(
        (g.voxel_volume_mm3() - want).abs() / want < 1e-3,
        "{}",
        g.voxel_volume_mm3()
    );
}

/// The "no brain" rule (analysis::tissue) never skips a slice labelled with a haemorrhage, and
/// it does skip the slices above the head.
#[test]
fn the_no_brain_rule_skips_no_labelled_slice() {
    let Some(dir) = data_dir() else { return };
    let positive: std::collections::HashSet<(String, usize)> =
        csv_rows(&dir, "rsna-ich/slices.csv")
            .into_iter()
            .filter(|r| r["any"] == "1")
            .map(|r| (r["series_uid"].clone(), r["slice"].parse().unwrap()))
            .collect();
    assert!(!positive.is_empty());
    let (mut slices, mut skipped) = (0, 0);
    for row in series_rows(&dir) {
        let uid = &row["series_uid"];
        let path = dir.join(format!("rsna-ich/volumes/{uid}.nii.gz"));
        let volume = open_bytes(&path.to_string_lossy(), &std::fs::read(&path).unwrap()).unwrap();
        for (k, brain) in hemoscope::analysis::tissue::slices_with_brain(&volume)
            .into_iter()
            .enumerate()
        {
            slices += 1;
            if !brain {
                skipped += 1;
                assert!(
                    !positive.contains(&(uid.clone(), k)),
                    "{uid} slice {k}: labelled with a haemorrhage, judged without brain"
                );
            }
        }
    }
    eprintln!("no-brain rule: {skipped} of {slices} slices skipped");
    assert!(skipped > 0 && skipped * 4 < slices, "{skipped} of {slices}");
}
