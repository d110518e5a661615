//! The label mask made to agree with the slice predictions. The segmenter labels every pixel
//! on its own, the slice scores (its maximum, its slice head, the neighbouring slices) decide
//! the verdicts; left apart they disagree: outlines on slices the analysis calls negative, and
//! blood coded as a subtype the slice is not predicted to hold (on the validation series most
//! of the outlined blood carried a subtype absent from its slice; see models/README.md). So,
//! per slice:
//! - a slice not predicted positive for "any" keeps no outline;
//! - on a slice predicted positive, a voxel coded as a subtype the slice is not predicted to
//!   hold takes the slice's most probable predicted subtype; when the slice has no predicted
//!   subtype, the segmenter's codes stay.
//!
//! Codes: 0 background, 1 EDH, 2 IPH, 3 IVH, 4 SAH, 5 SDH (subtype `c` is label `c` of
//! `LABELS`).

/// Applies the rule to `mask` (volume grid, i fastest, one block of `slice_len` voxels per
/// slice), given each slice's predictions and scores in `LABELS` order.
pub fn follow_slices(
    mask: &mut [u8],
    slice_len: usize,
    predicted: &[[bool; 6]],
    scores: &[[f32; 6]],
) {
    if slice_len == 0 {
        return;
    }
    for ((block, p), q) in mask.chunks_mut(slice_len).zip(predicted).zip(scores) {
        if !p[0] {
            block.fill(0);
            continue;
        }
        let Some(best) = (1..6)
            .filter(|&c| p[c])
            .max_by(|&a, &b| q[a].total_cmp(&q[b]))
        else {
            continue;
        };
        for v in block.iter_mut() {
            let c = usize::from(*v);
            if (1..6).contains(&c) && !p[c] {
                // best < 6, so it fits in a u8
                *v = best as u8;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const NO: [bool; 6] = [false; 6];

    #[test]
    fn a_slice_predicted_negative_loses_its_outline() {
        let mut mask = vec![2, 0, 4, 0, 2, 2];
        follow_slices(
            &mut mask,
            3,
            &[NO, [true, false, true, false, false, false]],
            &[[0.0; 6]; 2],
        );
        assert_eq!(mask, vec![0, 0, 0, 0, 2, 2]);
    }

    #[test]
    fn subtypes_the_slice_does_not_hold_take_its_most_probable_predicted_one() {
        // slice predicts IPH (0.7) and IVH (0.9): SAH and SDH voxels become IVH; IPH stays
        let p = [true, false, true, true, false, false];
        let q = [0.95, 0.0, 0.7, 0.9, 0.4, 0.3];
        let mut mask = vec![0, 2, 3, 4, 5, 1];
        follow_slices(&mut mask, 6, &[p], &[q]);
        assert_eq!(mask, vec![0, 2, 3, 3, 3, 3]);
    }

    #[test]
    fn without_a_predicted_subtype_the_codes_stay() {
        let p = [true, false, false, false, false, false];
        let mut mask = vec![0, 2, 4, 5];
        follow_slices(&mut mask, 4, &[p], &[[0.9, 0.0, 0.1, 0.1, 0.2, 0.1]]);
        assert_eq!(mask, vec![0, 2, 4, 5]);
    }

    #[test]
    fn an_empty_grid_is_left_alone() {
        let mut mask: Vec<u8> = Vec::new();
        follow_slices(&mut mask, 0, &[NO], &[[0.0; 6]]);
        assert!(mask.is_empty());
    }
}
