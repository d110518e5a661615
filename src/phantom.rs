//! A deterministic synthetic head CT used as the demo case and in tests.
//!
//! 256 × 256 × 32 voxels of 0.9 × 0.9 × 5 mm, stored like DICOM axial slices converted to RAS
//! (voxel axes L, P, S: screen x = i, screen y = j). Tissues, built from ellipsoids in patient
//! millimetres: air −1000 HU, scalp ~40, skull ~1000 (with a cancellous middle layer), a thin
//! CSF layer ~8, grey matter ~38 with folded grey/white boundary, white matter ~28, lateral
//! ventricles ~5. Haemorrhages: an intraparenchymal haematoma (~65 HU, with an oedema rim) in the
//! patient's left hemisphere, a subdural crescent (~70 HU) over the right convexity, and blood
//! layering in the left ventricle's occipital horn (~60 HU). The label map uses the project's
//! codes: 0 background, 1 EDH, 2 IPH, 3 IVH, 4 SAH, 5 SDH.
//!
//! Noise is a hash of the voxel index (no random state), so every build and platform produces
//! the same bytes.

use crate::io::nifti_write::{write_labels_nii_gz, write_volume_nii_gz};
use crate::{Geometry, Result, Volume};

/// Grid size of the demo case.
pub const DIMS: [usize; 3] = [256, 256, 32];
/// Voxel size in mm (i, j, k).
pub const SPACING_MM: [f64; 3] = [0.9, 0.9, 5.0];

/// Label codes of the ground-truth map.
pub const LABEL_BACKGROUND: u8 = 0;
pub const LABEL_EDH: u8 = 1;
pub const LABEL_IPH: u8 = 2;
pub const LABEL_IVH: u8 = 3;
pub const LABEL_SAH: u8 = 4;
pub const LABEL_SDH: u8 = 5;

/// Outer surface of the head (skin): an ellipsoid, centre and semi-axes in RAS mm.
const HEAD_CENTER: [f64; 3] = [0.0, 0.0, 10.0];
const HEAD_AXES: [f64; 3] = [74.0, 92.0, 82.0];
/// Intraparenchymal haematoma: centre (RAS mm) and semi-axes (mm).
const IPH_CENTER: [f64; 3] = [-28.0, 12.0, 30.0];
const IPH_AXES: [f64; 3] = [13.0, 17.0, 11.0];

/// The demo volume and its ground-truth labels (same grid, i fastest).
pub fn demo_case() -> (Volume, Vec<u8>) {
    let [nx, ny, nz] = DIMS;
    let geometry = geometry();
    // The grid is axis-aligned: x depends on i only, y on j, z on k.
    let xs: Vec<f64> = (0..nx)
        .map(|i| geometry.to_ras([i as f64, 0.0, 0.0])[0])
        .collect();
    let ys: Vec<f64> = (0..ny)
        .map(|j| geometry.to_ras([0.0, j as f64, 0.0])[1])
        .collect();
    let zs: Vec<f64> = (0..nz)
        .map(|k| geometry.to_ras([0.0, 0.0, k as f64])[2])
        .collect();
    // Cortical folding sin(14·angle + 0.15·z), split into per-(i, j) and per-k factors.
    let mut fold_sin = vec![0.0; nx * ny];
    let mut fold_cos = vec![0.0; nx * ny];
    for j in 0..ny {
        for i in 0..nx {
            let a = ys[j].atan2(xs[i]) * 14.0;
            fold_sin[i + nx * j] = a.sin();
            fold_cos[i + nx * j] = a.cos();
        }
    }
    let mut voxels = vec![-1000i16; nx * ny * nz];
    let mut labels = vec![LABEL_BACKGROUND; nx * ny * nz];
    for (k, &z) in zs.iter().enumerate() {
        let (zs_sin, zs_cos) = (z * 0.15).sin_cos();
        for (j, &y) in ys.iter().enumerate() {
            let row = nx * (j + ny * k);
            // Only the voxels inside the head's ellipse on this row need work; the rest is air.
            let q =
                1.0 - (y / HEAD_AXES[1]).powi(2) - ((z - HEAD_CENTER[2]) / HEAD_AXES[2]).powi(2);
            if q <= 0.0 {
                continue;
            }
            let half = HEAD_AXES[0] * q.sqrt() + 1.0;
            for (i, &x) in xs.iter().enumerate() {
                if (x - HEAD_CENTER[0]).abs() > half {
                    continue;
                }
                let p = [x, y, z];
                let ij = i + nx * j;
                let fold = 5.0 + 2.0 * (fold_sin[ij] * zs_cos + fold_cos[ij] * zs_sin);
                let (hu, label) = tissue(p, fold);
                if hu > -900.0 {
                    let idx = row + i;
                    voxels[idx] = (hu + noise(idx as u64)).round() as i16;
                    labels[idx] = label;
                }
            }
        }
    }
    let volume = Volume::new(DIMS, voxels, geometry, "synthetic demo head CT");
    (volume, labels)
}

/// The demo case as `.nii.gz` bytes: (volume, labels).
pub fn demo_case_nii_gz() -> Result<(Vec<u8>, Vec<u8>)> {
    let (volume, labels) = demo_case();
    let v = write_volume_nii_gz(&volume)?;
    let l = write_labels_nii_gz(&labels, volume.dims, &volume.geometry)?;
    Ok((v, l))
}

/// Voxel → RAS: i → L, j → P, k → S, centred on the head.
pub fn geometry() -> Geometry {
    let [sx, sy, sz] = SPACING_MM;
    let [nx, ny, _] = DIMS;
    Geometry::from_affine([
        [-sx, 0.0, 0.0, sx * (nx as f64 - 1.0) / 2.0],
        [0.0, -sy, 0.0, sy * (ny as f64 - 1.0) / 2.0],
        [0.0, 0.0, sz, -60.0],
        [0.0, 0.0, 0.0, 1.0],
    ])
}

/// Normalised ellipsoid radius of `p` (1.0 on the surface).
#[inline]
fn radius(p: [f64; 3], center: [f64; 3], axes: [f64; 3]) -> f64 {
    let dx = (p[0] - center[0]) / axes[0];
    let dy = (p[1] - center[1]) / axes[1];
    let dz = (p[2] - center[2]) / axes[2];
    (dx * dx + dy * dy + dz * dz).sqrt()
}

/// HU (before noise) and label at a point in RAS mm; `fold` is the local cortex thickness (mm).
fn tissue(p: [f64; 3], fold: f64) -> (f64, u8) {
    // Depth below the skin, approximated from the normalised radius (mm).
    let r = radius(p, HEAD_CENTER, HEAD_AXES);
    if r >= 1.0 {
        return (-1000.0, LABEL_BACKGROUND);
    }
    let depth = (1.0 - r) * 78.0;
    if depth < 5.0 {
        return (40.0, LABEL_BACKGROUND); // scalp
    }
    if depth < 12.0 {
        // Skull: dense tables with a cancellous middle layer.
        let t = (depth - 8.5).abs();
        return (if t < 1.5 { 650.0 } else { 1100.0 }, LABEL_BACKGROUND);
    }
    // Inside the skull. Subdural crescent over the patient's right convexity (RAS +x),
    // up to 7 mm thick, between the inner table and the brain.
    let lateral = (p[0] - HEAD_CENTER[0]) / HEAD_AXES[0] / r.max(1e-6);
    let sdh_thickness = if (0.0..70.0).contains(&p[2]) {
        7.0 * ((lateral - 0.35) / 0.65).max(0.0)
    } else {
        0.0
    };
    if depth < 12.0 + sdh_thickness {
        return (70.0, LABEL_SDH);
    }
    let brain_depth = depth - 12.0 - sdh_thickness;
    if brain_depth < 1.5 {
        return (8.0, LABEL_BACKGROUND); // CSF over the cortex
    }
    // Intraparenchymal haematoma with an oedema rim, left hemisphere (RAS −x).
    let h = radius(p, IPH_CENTER, IPH_AXES);
    if h < 1.0 {
        return (65.0, LABEL_IPH);
    }
    let oedema = h < 1.25;
    // Lateral ventricles with blood layering in the left occipital horn.
    for side in [-1.0, 1.0] {
        let v = radius(p, [side * 11.0, 2.0, 22.0], [6.0, 26.0, 13.0]);
        if v < 1.0 {
            if side < 0.0 && p[1] < -8.0 && p[2] < 24.0 {
                return (60.0, LABEL_IVH);
            }
            return (5.0, LABEL_BACKGROUND);
        }
    }
    // Folded grey/white boundary: cortex 3–7 mm thick.
    let base = if brain_depth < 1.5 + fold { 38.0 } else { 28.0 };
    (if oedema { base - 10.0 } else { base }, LABEL_BACKGROUND)
}

/// Deterministic noise in about ±6 HU (triangular distribution, σ ≈ 2.5) from the voxel index.
#[inline]
fn noise(index: u64) -> f64 {
    let h = splitmix64(index ^ 0x005e_ed0f_4ead);
    let a = (h & 0xffff) as f64 / 65535.0;
    let b = ((h >> 16) & 0xffff) as f64 / 65535.0;
    (a + b - 1.0) * 6.0
}

#[inline]
fn splitmix64(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tissues_at_known_points() {
        assert_eq!(tissue([0.0, 0.0, 120.0], 5.0).0, -1000.0); // above the head
        assert_eq!(tissue(IPH_CENTER, 5.0), (65.0, LABEL_IPH));
        let (hu, label) = tissue([0.0, 0.0, 10.0 - 82.0 * 0.95], 5.0); // near the bottom: scalp
        assert_eq!((hu, label), (40.0, LABEL_BACKGROUND));
        // The right convexity at mid height holds the subdural crescent.
        let r_inner = 1.0 - 14.0 / 78.0;
        let (hu, label) = tissue([74.0 * r_inner, 0.0, 10.0 + 30.0 * 0.1], 5.0);
        assert_eq!((hu, label), (70.0, LABEL_SDH));
    }
}
