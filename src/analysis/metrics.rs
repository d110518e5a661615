//! Metrics the model cards report: ROC AUC, F1 at a threshold, Dice.

/// ROC AUC of scores `s` for boolean truth `y` (ties get average ranks); `None` when one class
/// is absent.
pub fn auc(y: &[bool], s: &[f32]) -> Option<f64> {
    let npos = y.iter().filter(|&&v| v).count();
    let nneg = y.len() - npos;
    if npos == 0 || nneg == 0 || y.len() != s.len() {
        return None;
    }
    let mut order: Vec<usize> = (0..s.len()).collect();
    order.sort_by(|&a, &b| s[a].total_cmp(&s[b]));
    let mut ranks = vec![0f64; s.len()];
    let mut i = 0;
    while i < order.len() {
        let mut j = i;
        while j + 1 < order.len() && s[order[j + 1]] == s[order[i]] {
            j += 1;
        }
        let r = (i + j + 2) as f64 / 2.0;
        for &o in &order[i..=j] {
            ranks[o] = r;
        }
        i = j + 1;
    }
    let sum_pos: f64 = ranks
        .iter()
        .zip(y)
        .filter(|(_, &t)| t)
        .map(|(r, _)| r)
        .sum();
    let (p, n) = (npos as f64, nneg as f64);
    Some((sum_pos - p * (p + 1.0) / 2.0) / (p * n))
}

/// F1 of predictions `s >= t`; 1.0 when there are no positives and none predicted.
pub fn f1_at(y: &[bool], s: &[f32], t: f32) -> f64 {
    let (mut tp, mut fp, mut fneg) = (0u64, 0u64, 0u64);
    for (&truth, &score) in y.iter().zip(s) {
        match (score >= t, truth) {
            (true, true) => tp += 1,
            (true, false) => fp += 1,
            (false, true) => fneg += 1,
            _ => {}
        }
    }
    let den = 2 * tp + fp + fneg;
    if den == 0 {
        1.0
    } else {
        2.0 * tp as f64 / den as f64
    }
}

/// Dice of two boolean masks; 1.0 when both are empty.
pub fn dice(pred: impl Iterator<Item = bool>, truth: impl Iterator<Item = bool>) -> f64 {
    let (mut inter, mut total) = (0u64, 0u64);
    for (p, t) in pred.zip(truth) {
        inter += (p && t) as u64;
        total += p as u64 + t as u64;
    }
    if total == 0 {
        1.0
    } else {
        2.0 * inter as f64 / total as f64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn auc_counts_pairs_and_ties() {
        let y = [false, false, true, true];
        assert_eq!(auc(&y, &[0.1, 0.2, 0.3, 0.4]), Some(1.0));
        assert_eq!(auc(&y, &[0.4, 0.3, 0.2, 0.1]), Some(0.0));
        assert_eq!(auc(&y, &[0.5; 4]), Some(0.5));
        assert_eq!(auc(&[true, true], &[0.1, 0.2]), None);
    }

    #[test]
    fn f1_and_dice() {
        let y = [true, false, true, false];
        assert!((f1_at(&y, &[0.9, 0.8, 0.1, 0.0], 0.5) - 0.5).abs() < 1e-12);
        let d = dice(
            [true, true, false].into_iter(),
            [true, false, false].into_iter(),
        );
        assert!((d - 2.0 / 3.0).abs() < 1e-12);
        assert_eq!(dice([false].into_iter(), [false].into_iter()), 1.0);
    }
}
