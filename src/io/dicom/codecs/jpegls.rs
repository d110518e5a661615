//! JPEG-LS lossless and near-lossless (1.2.840.10008.1.2.4.80 / .81) through `pure_jpegls`
//! (pure Rust, single-component streams). The frame and scan headers are checked here before
//! the stream is handed over, so the decoder only sees streams whose geometry, precision and
//! NEAR value match the DICOM attributes.

use jpegls::decode;

use super::super::header::ImageHeader;
use crate::{Error, Result};

fn bad(msg: impl Into<String>) -> Error {
    Error::invalid("DICOM", format!("JPEG-LS data: {}", msg.into()))
}

/// Fields read from the SOF55 and SOS segments.
#[derive(Debug, PartialEq)]
struct StreamInfo {
    precision: u8,
    height: u16,
    width: u16,
    components: u8,
    near: u8,
    interleave: u8,
}

/// Walk the marker segments up to the first SOS and read what needs checking.
fn scan_headers(data: &[u8]) -> Result<StreamInfo> {
    if data.get(..2) != Some(&[0xFF, 0xD8][..]) {
        return Err(bad("no start-of-image marker"));
    }
    let mut pos = 2;
    let mut sof: Option<(u8, u16, u16, u8)> = None;
    loop {
        // Skip fill bytes before a marker.
        while data.get(pos) == Some(&0xFF) && data.get(pos + 1) == Some(&0xFF) {
            pos += 1;
        }
        let (Some(&0xFF), Some(&marker)) = (data.get(pos), data.get(pos + 1)) else {
            return Err(bad("marker expected"));
        };
        let len_bytes = data
            .get(pos + 2..pos + 4)
            .ok_or_else(|| bad("truncated segment"))?;
        let len = usize::from(u16::from_be_bytes([len_bytes[0], len_bytes[1]]));
        if len < 2 {
            return Err(bad("segment length below 2"));
        }
        let body = data
            .get(pos + 4..pos + 2 + len)
            .ok_or_else(|| bad("truncated segment"))?;
        match marker {
            0xF7 => {
                if body.len() < 6 {
                    return Err(bad("short SOF55 segment"));
                }
                let h = u16::from_be_bytes([body[1], body[2]]);
                let w = u16::from_be_bytes([body[3], body[4]]);
                sof = Some((body[0], h, w, body[5]));
            }
            0xC0..=0xCF if marker != 0xC4 && marker != 0xC8 && marker != 0xCC => {
                return Err(bad("a JPEG (not JPEG-LS) frame header"));
            }
            0xDD => return Err(bad("restart intervals are not supported")),
            0xDA => {
                let (precision, height, width, components) =
                    sof.ok_or_else(|| bad("scan before the frame header"))?;
                let ns = usize::from(*body.first().ok_or_else(|| bad("short SOS segment"))?);
                let tail = body
                    .get(1 + 2 * ns..1 + 2 * ns + 3)
                    .ok_or_else(|| bad("short SOS segment"))?;
                return Ok(StreamInfo {
                    precision,
                    height,
                    width,
                    components,
                    near: tail[0],
                    interleave: tail[1],
                });
            }
            _ => {}
        }
        pos += 2 + len;
    }
}

/// Decode one frame's stream into `out` (little-endian samples of `bits_allocated`).
fn decode_frame(stream: &[u8], h: &ImageHeader, out: &mut [u8]) -> Result<()> {
    let info = scan_headers(stream)?;
    if info.components != 1 || info.interleave != 0 {
        return Err(bad(format!(
            "{} components, interleave {}: only greyscale streams",
            info.components, info.interleave
        )));
    }
    if u32::from(info.width) != h.columns || u32::from(info.height) != h.rows {
        return Err(bad(format!(
            "stream is {} × {}, the data set says {} × {}",
            info.width, info.height, h.columns, h.rows
        )));
    }
    if !(2..=16).contains(&info.precision) || u16::from(info.precision) > h.bits_allocated {
        return Err(bad(format!(
            "sample precision {} for {} bits allocated",
            info.precision, h.bits_allocated
        )));
    }
    let maxval = (1u32 << info.precision) - 1;
    if u32::from(info.near) > (maxval / 2).min(255) {
        return Err(bad(format!("NEAR {} out of range", info.near)));
    }
    let (pixels, w, ht) =
        decode(stream, h.columns, h.rows).map_err(|e| bad(format!("cannot decode: {e}")))?;
    let n = h.rows as usize * h.columns as usize;
    if w != h.columns || ht != h.rows || pixels.len() < n {
        return Err(bad("decoded image size differs from Rows × Columns"));
    }
    match h.bits_allocated {
        8 => {
            for (o, &p) in out.iter_mut().zip(&pixels) {
                *o = p as u8;
            }
        }
        16 => {
            for (o, &p) in out.chunks_exact_mut(2).zip(&pixels) {
                o.copy_from_slice(&p.to_le_bytes());
            }
        }
        other => return Err(bad(format!("{other} bits allocated"))),
    }
    Ok(())
}

/// Decode every frame to little-endian samples.
pub fn decode_frames(frames: &[Vec<u8>], h: &ImageHeader) -> Result<Vec<u8>> {
    let frame_len = h.rows as usize * h.columns as usize * usize::from(h.bits_allocated / 8);
    let mut out = vec![0u8; frame_len * frames.len()];
    for (stream, chunk) in frames.iter().zip(out.chunks_exact_mut(frame_len)) {
        decode_frame(stream, h, chunk)?;
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_headers_and_rejects_garbage() {
        let mut s = vec![0xFF, 0xD8, 0xFF, 0xF7, 0, 11, 12, 0, 4, 0, 3, 1, 1, 0x11, 0];
        s.extend_from_slice(&[0xFF, 0xDA, 0, 8, 1, 1, 0, 2, 0, 0]);
        let info = scan_headers(&s).unwrap();
        assert_eq!(
            info,
            StreamInfo {
                precision: 12,
                height: 4,
                width: 3,
                components: 1,
                near: 2,
                interleave: 0
            }
        );
        assert!(scan_headers(&s[..9]).is_err());
        assert!(scan_headers(&[0xFF, 0xD8, 0xFF, 0xDA, 0, 0]).is_err());
        assert!(scan_headers(b"nope").is_err());
    }
}
