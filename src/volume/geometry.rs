//! Voxel-to-patient geometry. The affine maps voxel indices (i, j, k, 1) to RAS+ millimetres
//! (NIfTI convention). It may be non-orthogonal: gantry tilt is carried as shear in the k column.

use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Geometry {
    /// Row-major 4×4 voxel → RAS affine.
    pub affine: [[f64; 4]; 4],
}

impl Geometry {
    pub fn from_affine(affine: [[f64; 4]; 4]) -> Self {
        Geometry { affine }
    }

    /// Axis-aligned geometry with the given spacing, voxel axes pointing to L, P, S
    /// (the layout of DICOM axial slices converted to RAS).
    pub fn lps_axial(spacing: [f64; 3]) -> Self {
        Geometry {
            affine: [
                [-spacing[0], 0.0, 0.0, 0.0],
                [0.0, -spacing[1], 0.0, 0.0],
                [0.0, 0.0, spacing[2], 0.0],
                [0.0, 0.0, 0.0, 1.0],
            ],
        }
    }

    /// Column `c` of the linear part (the step in mm for one voxel along axis c).
    pub fn axis(&self, c: usize) -> [f64; 3] {
        [self.affine[0][c], self.affine[1][c], self.affine[2][c]]
    }

    /// Voxel size along each array axis (norms of the affine's columns).
    pub fn spacing(&self) -> [f64; 3] {
        let n = |v: [f64; 3]| (v[0] * v[0] + v[1] * v[1] + v[2] * v[2]).sqrt();
        [n(self.axis(0)), n(self.axis(1)), n(self.axis(2))]
    }

    /// Absolute determinant of the linear part: the true voxel volume in mm³, shear included.
    pub fn voxel_volume_mm3(&self) -> f64 {
        let a = &self.affine;
        let det = a[0][0] * (a[1][1] * a[2][2] - a[1][2] * a[2][1])
            - a[0][1] * (a[1][0] * a[2][2] - a[1][2] * a[2][0])
            + a[0][2] * (a[1][0] * a[2][1] - a[1][1] * a[2][0]);
        det.abs()
    }

    /// Voxel (i, j, k) → RAS mm.
    pub fn to_ras(&self, ijk: [f64; 3]) -> [f64; 3] {
        let a = &self.affine;
        let mut out = [0.0; 3];
        for (r, o) in out.iter_mut().enumerate() {
            *o = a[r][0] * ijk[0] + a[r][1] * ijk[1] + a[r][2] * ijk[2] + a[r][3];
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spacing_and_volume_of_sheared_affine() {
        // 0.5 mm pixels, 5 mm slices tilted by 20° about x: the slice column has a y component.
        let t = 20f64.to_radians();
        let g = Geometry::from_affine([
            [-0.5, 0.0, 0.0, 10.0],
            [0.0, -0.5, -5.0 * t.tan(), 20.0],
            [0.0, 0.0, 5.0, -30.0],
            [0.0, 0.0, 0.0, 1.0],
        ]);
        let s = g.spacing();
        assert!((s[0] - 0.5).abs() < 1e-12);
        assert!((s[2] - 5.0 / t.cos()).abs() < 1e-9);
        // Shear preserves volume: 0.5 × 0.5 × 5.
        assert!((g.voxel_volume_mm3() - 1.25).abs() < 1e-9);
        assert_eq!(g.to_ras([0.0, 0.0, 0.0]), [10.0, 20.0, -30.0]);
    }
}
