//! Patient directions of voxel axes: the nearest anatomical direction (R/L, A/P, S/I) of each
//! axis of an affine, like nibabel's `aff2axcodes`.

use super::Geometry;

/// Letter of the RAS+ direction `axis` (0 = x, 1 = y, 2 = z) with the given sign.
pub fn direction_letter(axis: usize, positive: bool) -> char {
    match (axis, positive) {
        (0, true) => 'R',
        (0, false) => 'L',
        (1, true) => 'A',
        (1, false) => 'P',
        (2, true) => 'S',
        _ => 'I',
    }
}

/// The opposite patient direction of a letter (`R` ↔ `L`, `A` ↔ `P`, `S` ↔ `I`).
pub fn opposite_letter(c: char) -> char {
    match c {
        'R' => 'L',
        'L' => 'R',
        'A' => 'P',
        'P' => 'A',
        'S' => 'I',
        'I' => 'S',
        other => other,
    }
}

/// For a set of direction vectors (in RAS), the RAS axis each one is closest to, chosen so that
/// no two vectors share an axis (best total alignment over all assignments), and the sign.
pub fn nearest_axes(vectors: &[[f64; 3]; 3]) -> [(usize, bool); 3] {
    let unit = |v: [f64; 3]| {
        let n = (v[0] * v[0] + v[1] * v[1] + v[2] * v[2]).sqrt();
        if n > 0.0 {
            [v[0] / n, v[1] / n, v[2] / n]
        } else {
            [0.0; 3]
        }
    };
    let u = vectors.map(unit);
    const PERMS: [[usize; 3]; 6] = [
        [0, 1, 2],
        [0, 2, 1],
        [1, 0, 2],
        [1, 2, 0],
        [2, 0, 1],
        [2, 1, 0],
    ];
    let mut best = PERMS[0];
    let mut best_score = f64::MIN;
    for p in PERMS {
        let score: f64 = (0..3).map(|c| u[c][p[c]].abs()).sum();
        if score > best_score + 1e-12 {
            best_score = score;
            best = p;
        }
    }
    [0, 1, 2].map(|c| (best[c], u[c][best[c]] >= 0.0))
}

impl Geometry {
    /// Nearest patient direction of each voxel axis (increasing i, j, k), e.g. `['L', 'P', 'S']`
    /// for DICOM axial slices converted to RAS.
    pub fn orientation_letters(&self) -> [char; 3] {
        nearest_axes(&[self.axis(0), self.axis(1), self.axis(2)])
            .map(|(axis, positive)| direction_letter(axis, positive))
    }

    /// [`Geometry::orientation_letters`] as a string, e.g. `"LPS"`.
    pub fn orientation_code(&self) -> String {
        self.orientation_letters().iter().collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn letters_of_common_affines() {
        assert_eq!(
            Geometry::lps_axial([0.5, 0.5, 5.0]).orientation_code(),
            "LPS"
        );
        let ras = Geometry::from_affine([
            [1.0, 0.0, 0.0, 0.0],
            [0.0, 1.0, 0.0, 0.0],
            [0.0, 0.0, 1.0, 0.0],
            [0.0, 0.0, 0.0, 1.0],
        ]);
        assert_eq!(ras.orientation_code(), "RAS");
        // Sagittal slices: i → P, j → I, k → L.
        let sag = Geometry::from_affine([
            [0.0, 0.0, -1.0, 0.0],
            [-1.0, 0.0, 0.0, 0.0],
            [0.0, -1.0, 0.0, 0.0],
            [0.0, 0.0, 0.0, 1.0],
        ]);
        assert_eq!(sag.orientation_code(), "PIL");
        // 24° gantry tilt: the k column leans towards A but stays S.
        let t = 24f64.to_radians();
        let tilt = Geometry::from_affine([
            [-0.5, 0.0, 0.0, 0.0],
            [0.0, -0.5, 5.0 * t.tan(), 0.0],
            [0.0, 0.0, 5.0, 0.0],
            [0.0, 0.0, 0.0, 1.0],
        ]);
        assert_eq!(tilt.orientation_code(), "LPS");
    }
}
