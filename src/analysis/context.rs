//! Slice context: a haemorrhage spans several slices, so a slice's score is read together with
//! its neighbours'. Each slice's score becomes the Gaussian-weighted mean of the scores of the
//! slices near it along the slice normal (distance in mm, so a thin-slice series averages over
//! the same thickness of head as a thick one). Slices the models did not run on (no brain) take
//! no part and stay without a score. The width is the analysis card's
//! `slice_score.neighbour_sigma_mm`, chosen on the validation series (see
//! `models/train/head.py card`).

/// Beyond this many standard deviations a neighbour's weight is taken as 0.
const CUTOFF_SIGMAS: f64 = 3.0;

/// Scores with their neighbours' (`LABELS` order, k order) for the labels `labels` marks (the
/// others keep each slice's own score), given each slice's position along the normal in mm.
/// `sigma_mm` ≤ 0 returns the scores unchanged. Positions need not be sorted.
pub fn with_neighbours(
    scores: &[Option<[f32; 6]>],
    positions_mm: &[f64],
    sigma_mm: f32,
    labels: [bool; 6],
) -> Vec<Option<[f32; 6]>> {
    let sigma = f64::from(sigma_mm);
    if sigma <= 0.0 || !sigma.is_finite() || positions_mm.len() != scores.len() {
        return scores.to_vec();
    }
    let reach = CUTOFF_SIGMAS * sigma;
    scores
        .iter()
        .zip(positions_mm)
        .map(|(own, &p)| {
            let own = (*own)?;
            let mut sum = [0.0f64; 6];
            let mut weight = 0.0f64;
            for (s, &q) in scores.iter().zip(positions_mm) {
                let (Some(s), d) = (s, (q - p).abs()) else {
                    continue;
                };
                if d > reach || !d.is_finite() {
                    continue;
                }
                let w = (-0.5 * (d / sigma).powi(2)).exp();
                weight += w;
                for (acc, v) in sum.iter_mut().zip(s) {
                    *acc += w * f64::from(*v);
                }
            }
            // weight ≥ 1: the slice itself is at distance 0
            let mut out = own;
            for ((o, v), on) in out.iter_mut().zip(sum).zip(labels) {
                if on {
                    *o = (v / weight) as f32;
                }
            }
            Some(out)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const ALL: [bool; 6] = [true; 6];

    fn one(v: f32) -> Option<[f32; 6]> {
        Some([v; 6])
    }

    #[test]
    fn labels_left_out_keep_their_own_score() {
        let s = vec![one(0.0), one(1.0), one(0.0)];
        let only_any = [true, false, false, false, false, false];
        let out = with_neighbours(&s, &[0.0, 5.0, 10.0], 3.0, only_any);
        let mid = out[1].unwrap();
        assert!(mid[0] < 1.0, "any is averaged");
        assert_eq!(mid[1..], [1.0; 5], "the subtypes are not");
    }

    #[test]
    fn no_width_leaves_the_scores_alone() {
        let s = vec![one(0.1), None, one(0.9)];
        assert_eq!(with_neighbours(&s, &[0.0, 5.0, 10.0], 0.0, ALL), s);
    }

    #[test]
    fn neighbours_weigh_by_their_distance_in_mm() {
        // sigma 3 mm: a neighbour 5 mm away weighs exp(-25/18) = 0.249, 10 mm away nothing
        let s = vec![one(0.0), one(1.0), one(0.0), one(0.0)];
        let out = with_neighbours(&s, &[0.0, 5.0, 10.0, 15.0], 3.0, ALL);
        let w = (-25.0f64 / 18.0).exp();
        let mid = 1.0 / (1.0 + 2.0 * w);
        let edge = w / (1.0 + w);
        let side = w / (1.0 + 2.0 * w);
        let got: Vec<f32> = out.iter().map(|s| s.unwrap()[0]).collect();
        for (g, want) in got.iter().zip([edge, mid, side, 0.0]) {
            assert!((f64::from(*g) - want).abs() < 1e-6, "{got:?}");
        }
    }

    #[test]
    fn a_thin_slice_series_averages_over_the_same_thickness() {
        // 1 mm slices: the slices within ±1 mm weigh exp(-1/18) each
        let s: Vec<_> = (0..21)
            .map(|k| one(if k == 10 { 1.0 } else { 0.0 }))
            .collect();
        let pos: Vec<f64> = (0..21).map(f64::from).collect();
        let out = with_neighbours(&s, &pos, 3.0, ALL);
        let total: f64 = (-9i32..=9)
            .map(|d| (-0.5 * (f64::from(d) / 3.0).powi(2)).exp())
            .sum();
        assert!((f64::from(out[10].unwrap()[3]) - 1.0 / total).abs() < 1e-6);
        assert!(
            out[10].unwrap()[3] < 0.2,
            "the thin slice's own score is spread"
        );
    }

    #[test]
    fn slices_without_brain_take_no_part_and_keep_no_score() {
        let s = vec![one(0.8), None, one(0.8)];
        let out = with_neighbours(&s, &[0.0, 5.0, 10.0], 3.0, ALL);
        assert_eq!(out[1], None);
        assert!((out[0].unwrap()[0] - 0.8).abs() < 1e-6);
    }

    #[test]
    fn positions_in_any_order_and_a_mismatch_are_handled() {
        let s = vec![one(1.0), one(0.0), one(0.0)];
        let fwd = with_neighbours(&s, &[0.0, 5.0, 10.0], 3.0, ALL);
        let rev = with_neighbours(&[s[2], s[1], s[0]], &[10.0, 5.0, 0.0], 3.0, ALL);
        assert_eq!(fwd[0], rev[2]);
        // a position list that does not match leaves the scores alone
        assert_eq!(with_neighbours(&s, &[0.0], 3.0, ALL), s);
    }
}
