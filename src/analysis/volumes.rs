//! Per-subtype volumes from a label mask and the true voxel volume.

/// Voxel counts of codes 0..=5.
pub fn label_counts(mask: &[u8]) -> [u64; 6] {
    let mut n = [0u64; 6];
    for &m in mask {
        if (m as usize) < 6 {
            n[m as usize] += 1;
        }
    }
    n
}

/// mL per label in `LABELS` order: index 0 = all blood (codes 1..=5), then each subtype.
pub fn volumes_ml(mask: &[u8], voxel_ml: f64) -> [f64; 6] {
    let n = label_counts(mask);
    let mut v = [0f64; 6];
    for c in 1..6 {
        v[c] = n[c] as f64 * voxel_ml;
    }
    v[0] = n[1..].iter().sum::<u64>() as f64 * voxel_ml;
    v
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn volumes_use_the_voxel_size() {
        let mask = [0u8, 2, 2, 5, 1, 0, 7];
        let v = volumes_ml(&mask, 0.5);
        assert_eq!(v, [2.0, 0.5, 1.0, 0.0, 0.0, 0.5]);
    }
}
