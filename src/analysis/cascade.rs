//! The cascade: run the classifier on every slice, and the segmenter only on the slices it
//! flags plus their neighbours. Slices left out get no mask and the scores
//! [`skipped_scores`] gives them. Used by the page (a visible setting, off by default) and by
//! `hemoscope analyze --cascade` / `evaluate --cascade`.

use serde::{Deserialize, Serialize};

use super::scores::fuse;

/// How the cascade picks slices.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Cascade {
    /// A slice is flagged when the classifier's "any" probability is at least this.
    pub threshold: f32,
    /// Slices on each side of a flagged one that are segmented too.
    pub neighbours: usize,
}

impl Default for Cascade {
    fn default() -> Self {
        Cascade {
            threshold: DEFAULT_THRESHOLD,
            neighbours: 1,
        }
    }
}

/// Default flagging threshold on the classifier's "any" probability: low, so that the
/// classifier misses few bleeding slices (its own F1-optimal threshold is 0.853).
pub const DEFAULT_THRESHOLD: f32 = 0.3;

/// Which slices to segment, from the classifier's "any" probability per slice.
pub fn select(any: &[f32], c: &Cascade) -> Vec<bool> {
    let n = any.len();
    let mut keep = vec![false; n];
    for (k, &p) in any.iter().enumerate() {
        if p >= c.threshold {
            let lo = k.saturating_sub(c.neighbours);
            let hi = (k + c.neighbours).min(n.saturating_sub(1));
            for v in &mut keep[lo..=hi] {
                *v = true;
            }
        }
    }
    keep
}

/// Scores of a slice the segmenter did not see: the classifier's share of the fused score,
/// with no segmenter evidence.
pub fn skipped_scores(classifier: &[f32; 6], classifier_weight: f32) -> [f32; 6] {
    fuse(Some(classifier), &[0.0; 6], classifier_weight)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flagged_slices_and_their_neighbours_are_kept() {
        let c = Cascade {
            threshold: 0.5,
            neighbours: 1,
        };
        let keep = select(&[0.1, 0.1, 0.9, 0.1, 0.1, 0.1, 0.7], &c);
        assert_eq!(keep, [false, true, true, true, false, true, true]);
        assert_eq!(select(&[], &c), Vec::<bool>::new());
        let none = Cascade {
            threshold: 0.5,
            neighbours: 0,
        };
        assert_eq!(select(&[0.6, 0.4], &none), [true, false]);
    }

    #[test]
    fn skipped_slices_keep_only_the_classifier_share() {
        let cls = [0.8, 0.1, 0.2, 0.3, 0.4, 0.5];
        assert_eq!(skipped_scores(&cls, 0.0), [0.0; 6]);
        assert_eq!(skipped_scores(&cls, 1.0), cls);
    }
}
