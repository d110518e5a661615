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
    f1_of_pairs(y.iter().zip(s).map(|(&truth, &score)| (truth, score >= t)))
}

/// The threshold with the highest F1 among the scores rounded to 4 decimals (the rule that
/// chose the shipped thresholds, `models/train`); 0.5 when there is no positive.
pub fn best_f1_threshold(y: &[bool], s: &[f32]) -> f32 {
    if !y.iter().any(|&v| v) {
        return 0.5;
    }
    let mut cands: Vec<f32> = s
        .iter()
        .filter(|v| v.is_finite())
        .map(|&v| (f64::from(v) * 1e4).round() as f32 / 1e4)
        .collect();
    cands.sort_by(f32::total_cmp);
    cands.dedup();
    let (mut best, mut bt) = (-1.0f64, 0.5f32);
    for t in cands {
        let f = f1_at(y, s, t);
        if f > best + 1e-12 {
            (best, bt) = (f, t);
        }
    }
    bt
}

/// Leave-one-group-out thresholds: each sample is predicted (`score >= t`) with the threshold
/// chosen ([`best_f1_threshold`]) on the samples of every *other* group, so no sample's own
/// truth chose its threshold. `groups` holds one group id per sample (a patient, a series).
pub fn out_of_group_predictions(y: &[bool], s: &[f32], groups: &[usize]) -> Vec<bool> {
    let mut ids: Vec<usize> = groups.to_vec();
    ids.sort_unstable();
    ids.dedup();
    let mut out = vec![false; y.len()];
    for g in ids {
        let (mut yo, mut so) = (Vec::new(), Vec::new());
        for ((&yi, &si), &gi) in y.iter().zip(s).zip(groups) {
            if gi != g {
                yo.push(yi);
                so.push(si);
            }
        }
        let t = best_f1_threshold(&yo, &so);
        for ((o, &si), &gi) in out.iter_mut().zip(s).zip(groups) {
            if gi == g {
                *o = si >= t;
            }
        }
    }
    out
}

/// F1 of boolean predictions; 1.0 when there are no positives and none predicted.
pub fn f1_of(y: &[bool], p: &[bool]) -> f64 {
    f1_of_pairs(y.iter().copied().zip(p.iter().copied()))
}

/// F1 of (truth, prediction) pairs; 1.0 when there are no positives and none predicted.
fn f1_of_pairs(pairs: impl Iterator<Item = (bool, bool)>) -> f64 {
    let (mut tp, mut fp, mut fneg) = (0u64, 0u64, 0u64);
    for (truth, pred) in pairs {
        match (pred, truth) {
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

/// 95 % percentile interval of `stat` over `resamples` bootstrap resamples of whole groups
/// (patients): each resample draws as many groups as there are, with replacement, and passes
/// the indices of all their items to `stat`. Seeded, so the same data give the same interval.
/// `None` with fewer than two groups or when `stat` is undefined on most resamples.
pub fn bootstrap_interval(
    groups: &[usize],
    resamples: usize,
    seed: u64,
    stat: impl Fn(&[usize]) -> Option<f64>,
) -> Option<[f64; 2]> {
    let mut ids: Vec<usize> = groups.to_vec();
    ids.sort_unstable();
    ids.dedup();
    if ids.len() < 2 || resamples == 0 {
        return None;
    }
    let members: Vec<Vec<usize>> = ids
        .iter()
        .map(|g| (0..groups.len()).filter(|&i| groups[i] == *g).collect())
        .collect();
    // splitmix64: a small, well-mixed generator (no dependency for one loop)
    let mut state = seed;
    let mut next = move || {
        state = state.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = state;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    };
    let mut values = Vec::with_capacity(resamples);
    let mut picked = Vec::new();
    for _ in 0..resamples {
        picked.clear();
        for _ in 0..members.len() {
            let g = (next() % members.len() as u64) as usize;
            picked.extend_from_slice(&members[g]);
        }
        if let Some(v) = stat(&picked).filter(|v| v.is_finite()) {
            values.push(v);
        }
    }
    if values.len() * 2 < resamples {
        return None;
    }
    values.sort_by(f64::total_cmp);
    let at = |q: f64| values[((values.len() - 1) as f64 * q).round() as usize];
    Some([at(0.025), at(0.975)])
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

    #[test]
    fn best_threshold_maximises_f1() {
        let y = [false, false, true, true, false];
        let s = [0.1, 0.3, 0.6, 0.8, 0.7];
        // t = 0.6: tp 2, fp 1 → F1 0.8; t = 0.8: tp 1 → 0.667; t = 0.1: F1 4/7
        assert_eq!(best_f1_threshold(&y, &s), 0.6);
        assert_eq!(best_f1_threshold(&[false, false], &[0.2, 0.9]), 0.5);
    }

    #[test]
    fn out_of_group_thresholds_never_see_their_own_group() {
        // Group 0 alone would choose 0.9 (its positive scores 0.9); groups 1 and 2 choose 0.3.
        let y = [true, false, true, false, true, false];
        let s = [0.9, 0.5, 0.3, 0.1, 0.3, 0.2];
        let g = [0, 0, 1, 1, 2, 2];
        let p = out_of_group_predictions(&y, &s, &g);
        // group 0 predicted with the threshold of groups 1+2 (0.3): 0.9 and 0.5 both positive
        assert_eq!(&p[0..2], &[true, true]);
        // group 1 with groups 0+2's threshold (0.3 is their best: F1 of 0.9,0.5,0.3,0.2 …)
        assert_eq!(
            best_f1_threshold(&[true, false, true, false], &[0.9, 0.5, 0.3, 0.2]),
            0.3
        );
        assert_eq!(&p[2..4], &[true, false]);
        assert!((f1_of(&y, &p) - f1_of(&y, &[true, true, true, false, true, false])).abs() < 1e-12);
        assert!((f1_of(&y, &p) - 6.0 / 7.0).abs() < 1e-12);
    }

    #[test]
    fn bootstrap_intervals_resample_whole_groups() {
        // two groups: one all 1.0, one all 0.0; the mean over a resample is 0, 0.5 or 1
        let groups = [0, 0, 0, 1, 1, 1];
        let v = [1.0, 1.0, 1.0, 0.0, 0.0, 0.0];
        let mean = |idx: &[usize]| Some(idx.iter().map(|&i| v[i]).sum::<f64>() / idx.len() as f64);
        let ci = bootstrap_interval(&groups, 1000, 7, mean).unwrap();
        assert_eq!(ci, [0.0, 1.0]);
        // seeded: the same interval again
        assert_eq!(bootstrap_interval(&groups, 1000, 7, mean), Some(ci));
        // many equal groups: a narrow interval around the mean
        let groups: Vec<usize> = (0..200).collect();
        let v: Vec<f64> = (0..200).map(|i| (i % 2) as f64).collect();
        let mean = |idx: &[usize]| Some(idx.iter().map(|&i| v[i]).sum::<f64>() / idx.len() as f64);
        let [lo, hi] = bootstrap_interval(&groups, 1000, 1, mean).unwrap();
        assert!(lo > 0.4 && lo < 0.5 && hi > 0.5 && hi < 0.6, "{lo} {hi}");
        // one group, or a statistic that is never defined: no interval
        assert_eq!(bootstrap_interval(&[3, 3], 100, 1, mean), None);
        assert_eq!(bootstrap_interval(&groups, 100, 1, |_| None), None);
    }
}
