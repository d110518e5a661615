//! 3-D connected components of a label mask and the ABC/2 volume estimate.

/// One connected component (6-connectivity) of one label code.
#[derive(Debug, Clone, PartialEq)]
pub struct Component {
    pub code: u8,
    /// Voxel indices (i fastest, as in `Volume`).
    pub voxels: Vec<usize>,
}

/// All 6-connected components of `code` in a mask of size `dims` (i fastest).
pub fn components(mask: &[u8], dims: [usize; 3], code: u8) -> Vec<Component> {
    let [nx, ny, nz] = dims;
    let mut seen = vec![false; mask.len()];
    let mut out = Vec::new();
    let mut stack = Vec::new();
    for start in 0..mask.len().min(nx * ny * nz) {
        if mask[start] != code || seen[start] {
            continue;
        }
        seen[start] = true;
        stack.push(start);
        let mut voxels = Vec::new();
        while let Some(v) = stack.pop() {
            voxels.push(v);
            let i = v % nx;
            let j = (v / nx) % ny;
            let k = v / (nx * ny);
            let mut visit = |n: usize| {
                if mask[n] == code && !seen[n] {
                    seen[n] = true;
                    stack.push(n);
                }
            };
            if i > 0 {
                visit(v - 1);
            }
            if i + 1 < nx {
                visit(v + 1);
            }
            if j > 0 {
                visit(v - nx);
            }
            if j + 1 < ny {
                visit(v + nx);
            }
            if k > 0 {
                visit(v - nx * ny);
            }
            if k + 1 < nz {
                visit(v + nx * ny);
            }
        }
        out.push(Component { code, voxels });
    }
    out
}

/// The largest component of `code`, if any.
pub fn largest(mask: &[u8], dims: [usize; 3], code: u8) -> Option<Component> {
    components(mask, dims, code)
        .into_iter()
        .max_by_key(|c| c.voxels.len())
}

/// ABC/2 estimate in mL of one component: A = longest in-plane diameter on the slice where the
/// component is largest, B = its largest extent perpendicular to A on that slice, C = number
/// of slices it spans × slice spacing. `spacing_mm` = (i, j, k) voxel size.
pub fn abc_over_2_ml(c: &Component, dims: [usize; 3], spacing_mm: [f64; 3]) -> f64 {
    let [nx, ny, _] = dims;
    if c.voxels.is_empty() {
        return 0.0;
    }
    let mut per_slice: std::collections::BTreeMap<usize, Vec<(usize, usize)>> = Default::default();
    for &v in &c.voxels {
        per_slice
            .entry(v / (nx * ny))
            .or_default()
            .push((v % nx, (v / nx) % ny));
    }
    let n_slices = per_slice.len();
    let Some(pixels) = per_slice.values().max_by_key(|p| p.len()) else {
        return 0.0;
    };
    // boundary pixels are enough for diameters
    let set: std::collections::HashSet<(usize, usize)> = pixels.iter().copied().collect();
    let boundary: Vec<(f64, f64)> = pixels
        .iter()
        .filter(|&&(i, j)| {
            i == 0
                || j == 0
                || !set.contains(&(i - 1, j))
                || !set.contains(&(i + 1, j))
                || !set.contains(&(i, j - 1))
                || !set.contains(&(i, j + 1))
        })
        .map(|&(i, j)| (i as f64 * spacing_mm[0], j as f64 * spacing_mm[1]))
        .collect();
    let (mut a, mut dir) = (0f64, (1f64, 0f64));
    for (n, p) in boundary.iter().enumerate() {
        for q in &boundary[n + 1..] {
            let d = ((p.0 - q.0).powi(2) + (p.1 - q.1).powi(2)).sqrt();
            if d > a {
                a = d;
                dir = ((q.0 - p.0) / d, (q.1 - p.1) / d);
            }
        }
    }
    // pixel centres underestimate the extent by one pixel
    let a = a + spacing_mm[0].min(spacing_mm[1]);
    let proj: Vec<f64> = boundary
        .iter()
        .map(|p| -p.0 * dir.1 + p.1 * dir.0)
        .collect();
    let lo = proj.iter().cloned().fold(f64::INFINITY, f64::min);
    let hi = proj.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
    let b = (hi - lo) + spacing_mm[0].min(spacing_mm[1]);
    let cc = n_slices as f64 * spacing_mm[2];
    a * b * cc / 2.0 / 1000.0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_separate_components_and_the_largest() {
        let dims = [5, 4, 2];
        let mut m = vec![0u8; 40];
        m[0] = 2;
        m[1] = 2;
        m[20] = 2; // below voxel 0 (k=1): connected
        m[4] = 2; // separate
        m[10] = 3;
        let cs = components(&m, dims, 2);
        assert_eq!(cs.len(), 2);
        let big = largest(&m, dims, 2).unwrap();
        assert_eq!(big.voxels.len(), 3);
        assert!(largest(&m, dims, 5).is_none());
    }

    #[test]
    fn abc2_of_a_box_is_close_to_half_its_volume_diagonal_rule() {
        // 10 x 10 pixel square on 4 slices, 1 mm pixels, 5 mm slices
        let dims = [20, 20, 6];
        let mut m = vec![0u8; 20 * 20 * 6];
        for k in 1..5 {
            for j in 5..15 {
                for i in 5..15 {
                    m[i + 20 * (j + 20 * k)] = 2;
                }
            }
        }
        let c = largest(&m, dims, 2).unwrap();
        let v = abc_over_2_ml(&c, dims, [1.0, 1.0, 5.0]);
        // A = diagonal ~ 9*sqrt2 + 1, B = perpendicular extent ~ 9*sqrt2 + 1, C = 20 mm
        let a = 9.0 * 2f64.sqrt() + 1.0;
        assert!((v - a * a * 20.0 / 2000.0).abs() < 1e-9, "{v}");
    }
}
