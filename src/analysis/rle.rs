//! Run-length coding of label masks. A haemorrhage mask is almost all background, so its runs
//! take a few kilobytes where the mask takes megabytes: the page keeps analysed dataset cases
//! this way, to show their results again when they are reopened.

/// A mask as runs of equal codes, in voxel order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Runs {
    runs: Vec<(u8, u32)>,
    len: usize,
}

impl Runs {
    /// Encode a mask.
    pub fn encode(mask: &[u8]) -> Self {
        let mut runs: Vec<(u8, u32)> = Vec::new();
        for &v in mask {
            match runs.last_mut() {
                Some((code, n)) if *code == v && *n < u32::MAX => *n += 1,
                _ => runs.push((v, 1)),
            }
        }
        Runs {
            runs,
            len: mask.len(),
        }
    }

    /// The mask again.
    pub fn decode(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(self.len);
        for &(code, n) in &self.runs {
            out.extend(std::iter::repeat_n(code, n as usize));
        }
        out
    }

    /// Voxels in the mask.
    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Bytes the runs take (for budgeting).
    pub fn size_bytes(&self) -> usize {
        self.runs.len() * std::mem::size_of::<(u8, u32)>()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_is_small_for_sparse_masks() {
        let mut mask = vec![0u8; 512 * 512 * 4];
        for v in &mut mask[300_000..300_050] {
            *v = 2;
        }
        mask[300_050] = 5;
        mask[1_000_000] = 3;
        let r = Runs::encode(&mask);
        assert_eq!(r.decode(), mask);
        assert_eq!(r.len(), mask.len());
        assert!(r.size_bytes() < 100, "{}", r.size_bytes());
        assert_eq!(Runs::encode(&[]).decode(), Vec::<u8>::new());
        let noisy: Vec<u8> = (0..1000u32).map(|i| (i % 3) as u8).collect();
        assert_eq!(Runs::encode(&noisy).decode(), noisy);
    }
}
