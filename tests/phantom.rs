//! The synthetic demo case: deterministic, anatomically ordered, labels consistent with HU,
//! and readable back from its own .nii.gz bytes.

use hemoscope::io::open_bytes;
use hemoscope::phantom::{demo_case, demo_case_nii_gz, DIMS, LABEL_IPH, LABEL_IVH, LABEL_SDH};
use hemoscope::render::AxialView;

#[test]
fn deterministic_and_plausible() {
    let (a, la) = demo_case();
    let (b, lb) = demo_case();
    assert_eq!(a.voxels, b.voxels);
    assert_eq!(la, lb);
    assert_eq!(a.dims, DIMS);
    assert_eq!(la.len(), a.voxels.len());
    assert_eq!(a.geometry.orientation_code(), "LPS");

    let stats = a.hu_stats();
    assert_eq!(stats.min, -1000.0);
    assert!(stats.max > 1000.0 && stats.max < 1200.0, "{stats:?}");

    // Every labelled voxel holds blood-range HU; each lesion has a sensible size.
    let mut count = [0usize; 6];
    for (&l, &hu) in la.iter().zip(&a.voxels) {
        count[l as usize] += 1;
        if l != 0 {
            assert!((50..=80).contains(&hu), "label {l} at {hu} HU");
        }
    }
    let ml = a.voxel_volume_ml();
    let vol = |l: u8| count[l as usize] as f64 * ml;
    assert!(
        (5.0..20.0).contains(&vol(LABEL_IPH)),
        "IPH {} mL",
        vol(LABEL_IPH)
    );
    assert!(
        (5.0..60.0).contains(&vol(LABEL_SDH)),
        "SDH {} mL",
        vol(LABEL_SDH)
    );
    assert!(vol(LABEL_IVH) > 0.2, "IVH {} mL", vol(LABEL_IVH));
    assert_eq!(count[1] + count[4], 0, "no EDH or SAH in the demo case");

    // The haematoma (patient left) appears on the screen's right half, the subdural (patient
    // right) on the left half.
    let view = AxialView::new(&a);
    let mut iph_x = Vec::new();
    let mut sdh_x = Vec::new();
    for k in 0..DIMS[2] {
        for y in 0..view.height {
            for x in 0..view.width {
                let [i, j] = view.voxel_at(x, y).unwrap();
                match la[a.index(i, j, k)] {
                    LABEL_IPH => iph_x.push(x),
                    LABEL_SDH => sdh_x.push(x),
                    _ => {}
                }
            }
        }
    }
    assert!(iph_x.iter().all(|&x| x > view.width / 2));
    assert!(sdh_x.iter().all(|&x| x < view.width / 2));
}

#[test]
fn nii_gz_round_trip() {
    let (vol, labels) = demo_case();
    let (vbytes, lbytes) = demo_case_nii_gz().unwrap();
    let v = open_bytes("demo.nii.gz", &vbytes).unwrap();
    assert_eq!(v.voxels, vol.voxels);
    assert_eq!(v.geometry, vol.geometry);
    assert!(v.warnings.is_empty());
    let l = open_bytes("labels.nii.gz", &lbytes).unwrap();
    assert_eq!(
        l.voxels,
        labels.iter().map(|&x| x as i16).collect::<Vec<_>>()
    );
    assert!(vbytes.len() < 2_000_000, "{} bytes", vbytes.len());
}

#[test]
fn generation_time() {
    let t = std::time::Instant::now();
    let _ = demo_case();
    println!(
        "phantom generation: {:.1} ms",
        t.elapsed().as_secs_f64() * 1000.0
    );
}
