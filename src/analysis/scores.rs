//! From raw logits to per-slice scores, predictions and scan verdicts.

use crate::model::card::LABELS;

/// Logistic function.
#[inline]
pub fn sigmoid(x: f32) -> f32 {
    1.0 / (1.0 + (-x).exp())
}

/// Per-label probabilities of six slice logits (a classifier's or a slice head's).
pub fn label_probabilities(logits: &[f32]) -> [f32; 6] {
    let mut p = [0f32; 6];
    for (o, l) in p.iter_mut().zip(logits) {
        *o = sigmoid(*l);
    }
    p
}

/// Segmenter evidence per label on one slice: for each subtype the largest per-pixel softmax
/// probability of that class, for "any" the largest `1 − p(background)`.
/// `logits` is one slice's output, `channels × pixels` (channel-major), channel 0 background.
pub fn segmenter_max(logits: &[f32], channels: usize) -> [f32; 6] {
    let mut best = [0f32; 6];
    if channels != 6 || logits.is_empty() {
        return best;
    }
    let n = logits.len() / channels;
    let mut p = [0f32; 6];
    for px in 0..n {
        let mut m = f32::NEG_INFINITY;
        for c in 0..6 {
            m = m.max(logits[c * n + px]);
        }
        let mut sum = 0f32;
        for c in 0..6 {
            p[c] = (logits[c * n + px] - m).exp();
            sum += p[c];
        }
        best[0] = best[0].max(1.0 - p[0] / sum);
        for c in 1..6 {
            best[c] = best[c].max(p[c] / sum);
        }
    }
    best
}

/// Slice score `q = w · classifier + (1 − w) · segmenter` per label.
pub fn fuse(
    classifier: Option<&[f32; 6]>,
    segmenter: &[f32; 6],
    classifier_weight: f32,
) -> [f32; 6] {
    let mut q = *segmenter;
    if let Some(c) = classifier {
        for i in 0..6 {
            q[i] = classifier_weight * c[i] + (1.0 - classifier_weight) * segmenter[i];
        }
    }
    q
}

/// Per-label predictions of one slice: a score at or above its threshold, for the labels
/// the analysis assesses (a label that is not assessed is never predicted).
pub fn predict(scores: &[f32; 6], thresholds: &[f32; 6], assessed: &[bool; 6]) -> [bool; 6] {
    let mut out = [false; 6];
    for i in 0..6 {
        out[i] = assessed[i] && scores[i] >= thresholds[i];
    }
    out
}

/// Scan verdict per label: positive when at least `min_slices` slices are predicted positive;
/// a subtype is reported only when the scan is positive for "any" (so the verdicts never say
/// "subdural" without "haemorrhage").
pub fn verdict(predicted: &[[bool; 6]], min_slices: usize) -> [bool; 6] {
    let mut v = [false; 6];
    for (i, out) in v.iter_mut().enumerate() {
        *out = predicted.iter().filter(|p| p[i]).count() >= min_slices.max(1);
    }
    let any = v[0];
    for s in v[1..].iter_mut() {
        *s = *s && any;
    }
    v
}

/// The label names, for JSON maps.
pub fn label_names() -> [&'static str; 6] {
    LABELS
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sigmoid_is_symmetric() {
        assert_eq!(sigmoid(0.0), 0.5);
        assert!((sigmoid(2.0) + sigmoid(-2.0) - 1.0).abs() < 1e-6);
    }

    #[test]
    fn segmenter_max_takes_the_most_confident_pixel() {
        // two pixels: background-dominant, then subdural-dominant
        let mut l = vec![0f32; 12];
        l[0] = 5.0; // px0 background
        l[5 * 2 + 1] = 5.0; // px1 subdural
        let s = segmenter_max(&l, 6);
        let p_sdh = 5f32.exp() / (5f32.exp() + 5.0);
        assert!((s[5] - p_sdh).abs() < 1e-6);
        assert!((s[0] - (1.0 - 1.0 / (5f32.exp() + 5.0))).abs() < 1e-6);
        assert!(s[1] < 0.2);
    }

    #[test]
    fn verdict_needs_min_slices_and_subtypes_need_any() {
        let p = [
            [true, false, true, false, false, false],
            [true, false, false, false, false, true],
        ];
        assert_eq!(verdict(&p, 1), [true, false, true, false, false, true]);
        assert_eq!(verdict(&p, 2), [true, false, false, false, false, false]);
        let no_any = [[false, false, true, false, false, false]; 3];
        assert_eq!(verdict(&no_any, 1), [false; 6]);
    }

    #[test]
    fn fuse_weights_the_classifier() {
        let q = fuse(Some(&[1.0; 6]), &[0.0; 6], 0.25);
        assert_eq!(q, [0.25; 6]);
        assert_eq!(fuse(None, &[0.3; 6], 0.25), [0.3; 6]);
    }
}
