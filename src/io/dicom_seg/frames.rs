//! Which frames a BINARY segmentation holds and their packed pixel data.
//!
//! One frame per (segment, slice) where the segment has at least one voxel on that slice:
//! segments in code order, slices in ascending k within each. Slices where a segment is empty
//! get no frame (the standard allows it; readers treat missing frames as empty).
//! Pixel data: 1 bit per pixel, frames concatenated without padding between them (as PS3.5
//! 8.1.1 asks for BitsAllocated 1), least significant bit first, padded to an even length.

/// One frame: which segment (mask code) and which slice (k).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Frame {
    pub code: u8,
    pub k: usize,
}

/// The frames of the mask (`plane` voxels per slice) for the given codes.
pub fn frames(mask: &[u8], plane: usize, codes: &[u8]) -> Vec<Frame> {
    let mut out = Vec::new();
    for &code in codes {
        for (k, slice) in mask.chunks_exact(plane).enumerate() {
            if slice.contains(&code) {
                out.push(Frame { code, k });
            }
        }
    }
    out
}

/// The mask codes (1..=5) present in the mask, ascending.
pub fn codes_present(mask: &[u8]) -> Vec<u8> {
    let mut seen = [false; 256];
    for &v in mask {
        seen[usize::from(v)] = true;
    }
    (1..=5u8).filter(|&c| seen[usize::from(c)]).collect()
}

/// Packed pixel data of the frames.
pub fn pack(mask: &[u8], plane: usize, frames: &[Frame]) -> Vec<u8> {
    let bits = plane * frames.len();
    let mut out = vec![0u8; bits.div_ceil(8)];
    let mut n = 0usize;
    for f in frames {
        for &v in &mask[f.k * plane..(f.k + 1) * plane] {
            if v == f.code {
                out[n / 8] |= 1 << (n % 8);
            }
            n += 1;
        }
    }
    if out.len() % 2 == 1 {
        out.push(0);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frames_only_where_a_segment_is_present_and_bits_packed_lsb_first() {
        // 3 slices of 3 voxels: code 2 on slices 0 and 2, code 5 on slice 1.
        let mask = [2, 0, 0, 0, 5, 5, 0, 0, 2];
        let codes = codes_present(&mask);
        assert_eq!(codes, vec![2, 5]);
        let f = frames(&mask, 3, &codes);
        assert_eq!(
            f,
            vec![
                Frame { code: 2, k: 0 },
                Frame { code: 2, k: 2 },
                Frame { code: 5, k: 1 }
            ]
        );
        // Bits: frame 0 = 100, frame 1 = 001, frame 2 = 011 → 1 0 0 0 0 1 0 1 | 1 → 0xA1, 0x01.
        assert_eq!(pack(&mask, 3, &f), vec![0xA1, 0x01]);
    }
}
