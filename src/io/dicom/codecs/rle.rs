//! RLE Lossless (DICOM PS3.5 Annex G) for 32-bit samples, which dicom-pixeldata's RLE decoder
//! refuses. One fragment per frame: a 64-byte header (segment count, 15 offsets), then one
//! PackBits segment per byte plane, most significant byte first.

use super::super::header::ImageHeader;
use crate::{Error, Result};

fn bad(msg: impl Into<String>) -> Error {
    Error::invalid("DICOM", format!("RLE Lossless data: {}", msg.into()))
}

/// Decode one PackBits segment into exactly `out.len()` bytes.
fn unpack(mut src: &[u8], out: &mut [u8]) -> Result<()> {
    let mut n = 0;
    while n < out.len() {
        let Some((&h, rest)) = src.split_first() else {
            return Err(bad("a segment ends early"));
        };
        src = rest;
        let h = h as i8;
        if h >= 0 {
            let len = h as usize + 1;
            let lit = src
                .get(..len)
                .ok_or_else(|| bad("a literal run ends early"))?;
            let dst = out
                .get_mut(n..n + len)
                .ok_or_else(|| bad("a run overflows the frame"))?;
            dst.copy_from_slice(lit);
            src = &src[len..];
            n += len;
        } else if h != -128 {
            let len = (-(h as isize)) as usize + 1;
            let (&b, rest) = src
                .split_first()
                .ok_or_else(|| bad("a repeat run ends early"))?;
            src = rest;
            out.get_mut(n..n + len)
                .ok_or_else(|| bad("a run overflows the frame"))?
                .fill(b);
            n += len;
        }
    }
    Ok(())
}

/// Decode every frame (one fragment each) to little-endian samples.
pub fn decode_frames(fragments: &[Vec<u8>], h: &ImageHeader) -> Result<Vec<u8>> {
    let pixels = h.rows as usize * h.columns as usize;
    let bytes = usize::from(h.bits_allocated / 8);
    let planes = bytes * usize::from(h.samples_per_pixel);
    let frames = h.frames as usize;
    if fragments.len() < frames {
        return Err(bad(format!(
            "{} fragments for {frames} frames",
            fragments.len()
        )));
    }
    let mut out = vec![0u8; pixels * planes * frames];
    let mut plane = vec![0u8; pixels];
    for (f, frag) in fragments.iter().take(frames).enumerate() {
        let head = frag
            .get(..64)
            .ok_or_else(|| bad("fragment shorter than its header"))?;
        let word = |i: usize| {
            u32::from_le_bytes([
                head[4 * i],
                head[4 * i + 1],
                head[4 * i + 2],
                head[4 * i + 3],
            ]) as usize
        };
        if word(0) != planes {
            return Err(bad(format!("{} segments, expected {planes}", word(0))));
        }
        let frame_out = &mut out[f * pixels * planes..(f + 1) * pixels * planes];
        for s in 0..planes {
            let start = word(s + 1);
            let end = if s + 1 < planes {
                word(s + 2)
            } else {
                frag.len()
            };
            let seg = frag
                .get(start..end.max(start))
                .ok_or_else(|| bad("segment offset out of range"))?;
            unpack(seg, &mut plane)?;
            // Segment s holds byte (bytes - 1 - s % bytes) of sample s / bytes.
            let sample = s / bytes;
            let byte = bytes - 1 - s % bytes;
            for (p, &v) in plane.iter().enumerate() {
                frame_out[(p * usize::from(h.samples_per_pixel) + sample) * bytes + byte] = v;
            }
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn packbits() {
        let mut out = [0u8; 6];
        // literal of 2 (1, 2), repeat 7 four times (-3), no-op (-128)
        unpack(&[1, 1, 2, 0x80, 0xFD, 7], &mut out).unwrap();
        assert_eq!(out, [1, 2, 7, 7, 7, 7]);
        assert!(unpack(&[5, 1], &mut out).is_err());
        assert!(unpack(&[0xF0, 1], &mut out).is_err());
    }
}
