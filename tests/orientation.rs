//! The models read every axial volume as the radiological view, whatever its storage order:
//! a RAS-stored or transposed copy of a scan gets the same scores and the same masks, on its
//! own grid; a sagittal-stored series is refused with the reason.
#![cfg(feature = "inference")]

use hemoscope::analysis::pipeline::Analyzer;
use hemoscope::phantom::{generate, Spec};
use hemoscope::{Geometry, Volume};

/// The demo case, cut to 4 slices through the haemorrhages (fast in a test).
fn lps_case() -> Volume {
    let mut spec = Spec::demo();
    spec.dims[2] = 4;
    spec.z0_mm = 20.0;
    generate(&spec).0
}

/// Another storage order of the same grid: old voxel (i, j) goes to (i', j').
#[derive(Clone, Copy, Debug)]
struct Order {
    transpose: bool,
    flip_i: bool,
    flip_j: bool,
}

impl Order {
    fn dims(&self, [nx, ny, nz]: [usize; 3]) -> [usize; 3] {
        if self.transpose {
            [ny, nx, nz]
        } else {
            [nx, ny, nz]
        }
    }

    fn new_ij(&self, dims: [usize; 3], i: usize, j: usize) -> (usize, usize) {
        let [mx, my, _] = self.dims(dims);
        let (a, b) = if self.transpose { (j, i) } else { (i, j) };
        (
            if self.flip_i { mx - 1 - a } else { a },
            if self.flip_j { my - 1 - b } else { b },
        )
    }

    fn apply<T: Copy + Default>(&self, dims: [usize; 3], data: &[T]) -> Vec<T> {
        let [nx, ny, nz] = dims;
        let [mx, my, _] = self.dims(dims);
        let mut out = vec![T::default(); data.len()];
        for k in 0..nz {
            for j in 0..ny {
                for i in 0..nx {
                    let (a, b) = self.new_ij(dims, i, j);
                    out[a + b * mx + k * mx * my] = data[i + j * nx + k * nx * ny];
                }
            }
        }
        out
    }

    /// The affine that keeps every voxel at its RAS position.
    fn geometry(&self, dims: [usize; 3], g: &Geometry) -> Geometry {
        let a = g.affine;
        let [mx, my, _] = self.dims(dims);
        let (ci, cj) = if self.transpose { (1, 0) } else { (0, 1) };
        let (si, sj) = (
            if self.flip_i { -1.0 } else { 1.0 },
            if self.flip_j { -1.0 } else { 1.0 },
        );
        // new voxel (0, 0) is old voxel (oi, oj)
        let n0 = (
            if self.flip_i { (mx - 1) as f64 } else { 0.0 },
            if self.flip_j { (my - 1) as f64 } else { 0.0 },
        );
        let (oi, oj) = if self.transpose {
            (n0.1, n0.0)
        } else {
            (n0.0, n0.1)
        };
        let mut b = a;
        for r in 0..3 {
            b[r][0] = a[r][ci] * si;
            b[r][1] = a[r][cj] * sj;
            b[r][3] = a[r][3] + a[r][0] * oi + a[r][1] * oj;
        }
        Geometry::from_affine(b)
    }

    fn volume(&self, v: &Volume) -> Volume {
        Volume {
            dims: self.dims(v.dims),
            voxels: self.apply(v.dims, &v.voxels),
            geometry: self.geometry(v.dims, &v.geometry),
            ..v.clone()
        }
    }
}

#[test]
fn a_ras_or_transposed_copy_gets_the_same_analysis_on_its_own_grid() {
    let analyzer = Analyzer::shipped().unwrap();
    let lps = lps_case();
    let (base, base_mask) = analyzer.analyze(&lps).unwrap();
    assert!(
        base_mask.iter().any(|&c| c > 0),
        "the demo slices hold blood"
    );
    for order in [
        Order {
            transpose: false,
            flip_i: true,
            flip_j: true,
        }, // RAS
        Order {
            transpose: true,
            flip_i: false,
            flip_j: false,
        },
        Order {
            transpose: true,
            flip_i: true,
            flip_j: false,
        },
    ] {
        let other = order.volume(&lps);
        // the copy keeps every voxel where it was in the patient
        for (i, j, k) in [(0, 0, 0), (17, 200, 3), (255, 3, 1)] {
            let (a, b) = order.new_ij(lps.dims, i, j);
            let p = lps.geometry.to_ras([i as f64, j as f64, k as f64]);
            let q = other.geometry.to_ras([a as f64, b as f64, k as f64]);
            assert!(
                p.iter().zip(q).all(|(x, y)| (x - y).abs() < 1e-9),
                "{order:?}"
            );
        }
        let (res, mask) = analyzer.analyze(&other).unwrap();
        for (a, b) in base.slices.iter().zip(&res.slices) {
            for (x, y) in a
                .probabilities
                .to_array()
                .iter()
                .zip(b.probabilities.to_array())
            {
                assert!((x - y).abs() < 1e-6, "{order:?}: {x} vs {y}");
            }
        }
        assert_eq!(order.apply(lps.dims, &base_mask), mask, "{order:?}");
        assert_eq!(base.verdict, res.verdict);
        assert_eq!(base.volumes_ml, res.volumes_ml);
    }
}

#[test]
fn a_sagittal_series_is_refused_with_the_reason() {
    let analyzer = Analyzer::shipped().unwrap();
    let mut v = lps_case();
    // k runs left-right: sagittal slices
    v.geometry = Geometry::from_affine([
        [0.0, 0.0, 5.0, 0.0],
        [-0.9, 0.0, 0.0, 0.0],
        [0.0, -0.9, 0.0, 0.0],
        [0.0, 0.0, 0.0, 1.0],
    ]);
    let e = analyzer.analyze(&v).unwrap_err().to_string();
    assert!(e.contains("stored as sagittal slices"), "{e}");
}
