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
    generate(&Spec::demo())
}

/// An ellipsoid in RAS mm: centre and semi-axes.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Ellipsoid {
    pub center: [f64; 3],
    pub axes: [f64; 3],
}

/// A subdural crescent over one convexity: `side` +1 = patient right (RAS +x), −1 = left;
/// up to `max_mm` thick.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Subdural {
    pub side: f64,
    pub max_mm: f64,
}

/// A lens-shaped epidural collection under the skull, centred on the head-surface direction
/// `direction` (unit vector in normalised head coordinates), `radius_deg` wide and up to
/// `max_mm` thick.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Epidural {
    pub direction: [f64; 3],
    pub radius_deg: f64,
    pub max_mm: f64,
}

/// What to generate: grid, noise seed and which haemorrhages.
#[derive(Debug, Clone, PartialEq)]
pub struct Spec {
    pub dims: [usize; 3],
    pub spacing_mm: [f64; 3],
    /// RAS z of slice 0 (mm).
    pub z0_mm: f64,
    /// Noise seed (0 = the demo case's noise).
    pub seed: u64,
    pub iph: Option<Ellipsoid>,
    pub sdh: Option<Subdural>,
    pub edh: Option<Epidural>,
    /// Subarachnoid blood in the sulci inside this ellipsoid.
    pub sah: Option<Ellipsoid>,
    /// Blood layering in the left ventricle's occipital horn.
    pub ivh: bool,
}

impl Spec {
    /// The demo case: 256 × 256 × 32, left IPH, right SDH, IVH.
    pub fn demo() -> Self {
        Spec {
            dims: DIMS,
            spacing_mm: SPACING_MM,
            z0_mm: -60.0,
            seed: 0,
            iph: Some(Ellipsoid {
                center: IPH_CENTER,
                axes: IPH_AXES,
            }),
            sdh: Some(Subdural {
                side: 1.0,
                max_mm: 7.0,
            }),
            edh: None,
            sah: None,
            ivh: true,
        }
    }

    /// No haemorrhage on a `dims` grid of `spacing_mm` voxels starting at `z0_mm`.
    pub fn normal(dims: [usize; 3], spacing_mm: [f64; 3], z0_mm: f64, seed: u64) -> Self {
        Spec {
            dims,
            spacing_mm,
            z0_mm,
            seed,
            iph: None,
            sdh: None,
            edh: None,
            sah: None,
            ivh: false,
        }
    }

    /// Voxel → RAS: i → L, j → P, k → S, centred on the head in x and y.
    pub fn geometry(&self) -> Geometry {
        let [sx, sy, sz] = self.spacing_mm;
        let [nx, ny, _] = self.dims;
        Geometry::from_affine([
            [-sx, 0.0, 0.0, sx * (nx as f64 - 1.0) / 2.0],
            [0.0, -sy, 0.0, sy * (ny as f64 - 1.0) / 2.0],
            [0.0, 0.0, sz, self.z0_mm],
            [0.0, 0.0, 0.0, 1.0],
        ])
    }
}

/// A synthetic head CT and its ground-truth labels (same grid, i fastest) for `spec`.
pub fn generate(spec: &Spec) -> (Volume, Vec<u8>) {
    let [nx, ny, nz] = spec.dims;
    let geometry = spec.geometry();
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
                let (hu, label) = tissue(spec, p, fold);
                if hu > -900.0 {
                    let idx = row + i;
                    voxels[idx] = (hu + noise(idx as u64, spec.seed)).round() as i16;
                    labels[idx] = label;
                }
            }
        }
    }
    let source = if *spec == Spec::demo() {
        "synthetic demo head CT"
    } else {
        "synthetic head CT"
    };
    let volume = Volume::new(spec.dims, voxels, geometry, source);
    (volume, labels)
}

/// The demo case as `.nii.gz` bytes: (volume, labels).
pub fn demo_case_nii_gz() -> Result<(Vec<u8>, Vec<u8>)> {
    let (volume, labels) = demo_case();
    let v = write_volume_nii_gz(&volume)?;
    let l = write_labels_nii_gz(&labels, volume.dims, &volume.geometry)?;
    Ok((v, l))
}

/// Voxel → RAS of the demo case: i → L, j → P, k → S, centred on the head.
pub fn geometry() -> Geometry {
    Spec::demo().geometry()
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
fn tissue(spec: &Spec, p: [f64; 3], fold: f64) -> (f64, u8) {
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
    // Inside the skull. An epidural lens between the inner table and the dura.
    let edh_thickness = spec.edh.map_or(0.0, |e| {
        let u = [
            (p[0] - HEAD_CENTER[0]) / HEAD_AXES[0] / r.max(1e-6),
            (p[1] - HEAD_CENTER[1]) / HEAD_AXES[1] / r.max(1e-6),
            (p[2] - HEAD_CENTER[2]) / HEAD_AXES[2] / r.max(1e-6),
        ];
        let cos = (u[0] * e.direction[0] + u[1] * e.direction[1] + u[2] * e.direction[2])
            .clamp(-1.0, 1.0);
        let a = cos.acos().to_degrees() / e.radius_deg;
        e.max_mm * (1.0 - a * a).max(0.0)
    });
    if depth < 12.0 + edh_thickness {
        return (75.0, LABEL_EDH);
    }
    // A subdural crescent over one convexity, between the dura and the brain.
    let sdh_thickness = spec.sdh.map_or(0.0, |sdh| {
        let lateral = sdh.side * (p[0] - HEAD_CENTER[0]) / HEAD_AXES[0] / r.max(1e-6);
        if (0.0..70.0).contains(&p[2]) {
            sdh.max_mm * ((lateral - 0.35) / 0.65).max(0.0)
        } else {
            0.0
        }
    });
    let outer = 12.0 + edh_thickness + sdh_thickness;
    if depth < outer {
        return (70.0, LABEL_SDH);
    }
    let brain_depth = depth - outer;
    // Subarachnoid blood fills the CSF over the cortex (and the outer sulci) in its region.
    if let Some(sah) = spec.sah {
        if brain_depth < 3.5 && radius(p, sah.center, sah.axes) < 1.0 {
            return (58.0, LABEL_SAH);
        }
    }
    if brain_depth < 1.5 {
        return (8.0, LABEL_BACKGROUND); // CSF over the cortex
    }
    // Intraparenchymal haematoma with an oedema rim.
    let mut oedema = false;
    if let Some(iph) = spec.iph {
        let h = radius(p, iph.center, iph.axes);
        if h < 1.0 {
            return (65.0, LABEL_IPH);
        }
        oedema = h < 1.25;
    }
    // Lateral ventricles, optionally with blood layering in the left occipital horn.
    for side in [-1.0, 1.0] {
        let v = radius(p, [side * 11.0, 2.0, 22.0], [6.0, 26.0, 13.0]);
        if v < 1.0 {
            if spec.ivh && side < 0.0 && p[1] < -8.0 && p[2] < 24.0 {
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
fn noise(index: u64, seed: u64) -> f64 {
    let h = splitmix64(index ^ 0x005e_ed0f_4ead ^ seed.wrapping_mul(0x9e37_79b9_7f4a_7c15));
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
        let d = Spec::demo();
        assert_eq!(tissue(&d, [0.0, 0.0, 120.0], 5.0).0, -1000.0); // above the head
        assert_eq!(tissue(&d, IPH_CENTER, 5.0), (65.0, LABEL_IPH));
        let (hu, label) = tissue(&d, [0.0, 0.0, 10.0 - 82.0 * 0.95], 5.0); // near the bottom: scalp
        assert_eq!((hu, label), (40.0, LABEL_BACKGROUND));
        // The right convexity at mid height holds the subdural crescent.
        let r_inner = 1.0 - 14.0 / 78.0;
        let (hu, label) = tissue(&d, [74.0 * r_inner, 0.0, 10.0 + 30.0 * 0.1], 5.0);
        assert_eq!((hu, label), (70.0, LABEL_SDH));
    }
}
