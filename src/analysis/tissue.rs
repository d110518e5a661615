//! Which slices hold brain: a slice with no soft tissue inside the bone's outline (above the
//! vertex, the top of the skull cap, an empty slice) cannot show an intracranial
//! haemorrhage, so the models do not run on it. Shared by the native pipeline and the web
//! app's pool, so both skip the same slices.
//!
//! The rule, per slice: the outline is the convex hull of the bone pixels (> 300 HU), which
//! still covers the brain where part of the skull is missing (craniectomy); soft tissue is
//! 0–100 HU (brain, blood, CSF-rich tissue; air and fat are below, bone above). A slice is
//! skipped when less than [`MIN_SOFT_TISSUE_MM2`] of soft tissue lies inside the outline. A
//! slice without any bone is kept whenever it holds that much soft tissue anywhere: without
//! a skull the rule cannot tell, and analysing is the safe side. The rule does not skip the
//! skull base or the neck (soft tissue inside the bone's outline there too).
//!
//! Measured on the 22 RSNA series of the data folder (763 slices, `tests/real_data.rs`): the
//! rule skips 82 (11 %), none of them labelled with a haemorrhage; the labelled slice with the
//! least soft tissue between the bone's edges holds about 16 cm² (a vertex slice).

/// Bone, HU (above it).
const BONE_HU: i16 = 300;
/// Soft tissue, HU (inclusive).
const SOFT_HU: (i16, i16) = (0, 100);
/// Least soft tissue, in mm², inside the bone's outline for a slice to be analysed (2 cm²;
/// the smallest slice with a labelled haemorrhage in the RSNA series holds 16 cm²).
pub const MIN_SOFT_TISSUE_MM2: f64 = 200.0;

/// Whether each slice of the volume holds brain by the rule above (k order).
pub fn slices_with_brain(volume: &crate::Volume) -> Vec<bool> {
    let [nx, ny, nz] = volume.dims;
    let [sx, sy, _] = volume.spacing_mm();
    let pixel_mm2 = sx * sy;
    (0..nz)
        .map(|k| has_brain(volume.slice(k), ny, nx, pixel_mm2))
        .collect()
}

/// Whether one slice (row-major HU, `rows` × `cols`, `pixel_mm2` per pixel) holds brain.
pub fn has_brain(hu: &[i16], rows: usize, cols: usize, pixel_mm2: f64) -> bool {
    if hu.len() != rows * cols || rows == 0 || cols == 0 {
        return true;
    }
    let min_pixels = (MIN_SOFT_TISSUE_MM2 / pixel_mm2.max(1e-6)).ceil() as usize;
    let soft = |v: i16| (SOFT_HU.0..=SOFT_HU.1).contains(&v);
    let hull = bone_hull(hu, rows, cols);
    if hull.is_empty() {
        return hu.iter().filter(|v| soft(**v)).count() >= min_pixels;
    }
    let mut inside = 0usize;
    for (r, row) in hu.chunks_exact(cols).enumerate() {
        let Some((a, b)) = hull_span(&hull, r as f64) else {
            continue;
        };
        let a = a.ceil().max(0.0) as usize;
        let b = (b.floor().max(-1.0) + 1.0).min(cols as f64) as usize;
        if a < b {
            inside += row[a..b].iter().filter(|v| soft(**v)).count();
            if inside >= min_pixels {
                return true;
            }
        }
    }
    false
}

/// Convex hull (counter-clockwise, as (column, row)) of the bone pixels: built from each
/// row's leftmost and rightmost bone pixel, which have the same hull. Empty without bone.
fn bone_hull(hu: &[i16], rows: usize, cols: usize) -> Vec<(f64, f64)> {
    let mut points = Vec::with_capacity(2 * rows);
    for (r, row) in hu.chunks_exact(cols).enumerate() {
        let first = row.iter().position(|v| *v > BONE_HU);
        let last = row.iter().rposition(|v| *v > BONE_HU);
        if let (Some(a), Some(b)) = (first, last) {
            points.push((a as f64, r as f64));
            if b != a {
                points.push((b as f64, r as f64));
            }
        }
    }
    convex_hull(points)
}

/// Andrew's monotone chain. Collinear points are dropped.
fn convex_hull(mut p: Vec<(f64, f64)>) -> Vec<(f64, f64)> {
    p.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.total_cmp(&b.1)));
    p.dedup();
    if p.len() < 3 {
        return p;
    }
    // One half of the hull, walking the points in the given order; its last point starts
    // the other half.
    fn half<'a>(points: impl Iterator<Item = &'a (f64, f64)>) -> Vec<(f64, f64)> {
        let cross = |o: (f64, f64), a: (f64, f64), b: (f64, f64)| {
            (a.0 - o.0) * (b.1 - o.1) - (a.1 - o.1) * (b.0 - o.0)
        };
        let mut h: Vec<(f64, f64)> = Vec::new();
        for &q in points {
            while h.len() >= 2 && cross(h[h.len() - 2], h[h.len() - 1], q) <= 0.0 {
                h.pop();
            }
            h.push(q);
        }
        h.pop();
        h
    }
    let mut hull = half(p.iter());
    hull.extend(half(p.iter().rev()));
    hull
}

/// The columns the hull covers on row `y` (inclusive, fractional), if it reaches that row.
fn hull_span(hull: &[(f64, f64)], y: f64) -> Option<(f64, f64)> {
    let mut span: Option<(f64, f64)> = None;
    let mut widen = |x: f64| {
        span = Some(match span {
            Some((a, b)) => (a.min(x), b.max(x)),
            None => (x, x),
        });
    };
    for (i, &(x0, y0)) in hull.iter().enumerate() {
        let (x1, y1) = hull[(i + 1) % hull.len()];
        if (y0 - y).abs() < 1e-9 {
            widen(x0);
        }
        if (y0 < y && y < y1) || (y1 < y && y < y0) {
            widen(x0 + (x1 - x0) * (y - y0) / (y1 - y0));
        }
    }
    span
}

#[cfg(test)]
mod tests {
    use super::*;

    const AIR: i16 = -1000;

    /// A `n` × `n` slice of air with a filled disc of `inner` HU inside a ring of bone (radii in
    /// pixels), centred.
    fn head(n: usize, r_brain: f64, r_bone: f64, inner: i16) -> Vec<i16> {
        let c = (n as f64 - 1.0) / 2.0;
        let mut s = vec![AIR; n * n];
        for r in 0..n {
            for q in 0..n {
                let d = ((r as f64 - c).powi(2) + (q as f64 - c).powi(2)).sqrt();
                if d <= r_brain {
                    s[r * n + q] = inner;
                } else if d <= r_bone {
                    s[r * n + q] = 1200;
                }
            }
        }
        s
    }

    #[test]
    fn a_slice_through_the_brain_holds_brain() {
        // 128² at 1 mm: a 50 mm brain radius inside a 6 mm skull.
        assert!(has_brain(&head(128, 50.0, 56.0, 35), 128, 128, 1.0));
    }

    #[test]
    fn air_and_the_top_of_the_skull_cap_hold_none() {
        assert!(!has_brain(&vec![AIR; 64 * 64], 64, 64, 1.0));
        // The cap cut tangentially: a disc of bone, a few pixels of brain inside.
        assert!(!has_brain(&head(64, 5.0, 20.0, 35), 64, 64, 1.0));
        // Only bone.
        assert!(!has_brain(&head(64, 0.0, 20.0, 35), 64, 64, 1.0));
    }

    #[test]
    fn scalp_outside_the_bone_does_not_count() {
        // Bone disc (vertex) with a thick ring of soft tissue around it.
        let n = 96;
        let mut s = head(n, 0.0, 10.0, 35);
        let c = (n as f64 - 1.0) / 2.0;
        for r in 0..n {
            for q in 0..n {
                let d = ((r as f64 - c).powi(2) + (q as f64 - c).powi(2)).sqrt();
                if d > 10.0 && d <= 40.0 {
                    s[r * n + q] = 40;
                }
            }
        }
        assert!(!has_brain(&s, n, n, 1.0));
    }

    #[test]
    fn the_threshold_is_in_square_millimetres() {
        // A 9-pixel-radius brain (≈ 254 px): brain at 1 mm² per pixel, not at 0.25 mm².
        let s = head(64, 9.0, 14.0, 35);
        assert!(has_brain(&s, 64, 64, 1.0));
        assert!(!has_brain(&s, 64, 64, 0.25));
    }

    #[test]
    fn a_skull_with_a_side_missing_still_covers_the_brain() {
        // Craniectomy: the bone flap on the right removed (columns right of 94 of 128); the
        // brain beside the gap is still inside the outline of the rest of the skull.
        let n = 128;
        let mut s = head(n, 50.0, 56.0, AIR);
        for r in 0..n {
            for q in 94..n {
                if s[r * n + q] > BONE_HU {
                    s[r * n + q] = AIR;
                }
            }
        }
        // Brain only there: 45 × 20 px.
        for r in 40..85 {
            for q in 70..90 {
                s[r * n + q] = 40;
            }
        }
        assert!(has_brain(&s, n, n, 1.0));
    }

    #[test]
    fn without_bone_soft_tissue_anywhere_is_enough() {
        // No skull to outline: kept when the slice holds soft tissue, skipped when it is air.
        assert!(has_brain(&head(64, 20.0, 20.0, 35), 64, 64, 1.0));
        assert!(!has_brain(&head(64, 5.0, 5.0, 35), 64, 64, 1.0));
    }

    #[test]
    fn bad_shapes_are_analysed() {
        assert!(has_brain(&[0; 10], 3, 3, 1.0));
        assert!(has_brain(&[], 0, 0, 1.0));
    }

    #[test]
    fn hull_of_a_square_and_its_spans() {
        let h = convex_hull(vec![
            (0.0, 0.0),
            (4.0, 0.0),
            (4.0, 4.0),
            (0.0, 4.0),
            (2.0, 2.0),
            (2.0, 0.0),
        ]);
        assert_eq!(h.len(), 4);
        assert_eq!(hull_span(&h, 2.0), Some((0.0, 4.0)));
        assert_eq!(hull_span(&h, 0.0), Some((0.0, 4.0)));
        assert_eq!(hull_span(&h, 5.0), None);
        // A triangle: the span narrows with the row.
        let t = convex_hull(vec![(0.0, 0.0), (4.0, 0.0), (2.0, 4.0)]);
        let (a, b) = hull_span(&t, 2.0).unwrap();
        assert!((a - 1.0).abs() < 1e-9 && (b - 3.0).abs() < 1e-9);
    }
}
