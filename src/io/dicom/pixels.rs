//! Pixel data → stored values → Hounsfield units.
//!
//! dicom-pixeldata (with its pure-Rust codecs) or our own codecs turn the pixel data into raw
//! little-endian samples; this module then applies, frame by frame: BitsStored / HighBit masking
//! and sign extension per PixelRepresentation, PixelPaddingValue (→ air), MONOCHROME1, and the
//! per-frame RescaleSlope / RescaleIntercept, rounding to i16 HU.

use dicom_object::DefaultDicomObject;
use dicom_pixeldata::PixelDecoder;

use super::codecs;
use super::header::{FrameInfo, ImageHeader};
use super::open::unsupported_ts;
use crate::{Error, Result};

/// HU written for padding pixels (outside the reconstruction field of view).
pub const AIR_HU: i16 = -1024;

/// Largest decoded pixel buffer accepted for one object (bytes).
pub const MAX_DECODED_BYTES: u64 = 1 << 30;

/// Raw decoded samples of every frame of one object, little endian, `bits_allocated / 8`
/// bytes each, frames one after the other.
pub struct RawFrames {
    data: Vec<u8>,
    frame_bytes: usize,
    frames: usize,
}

impl RawFrames {
    pub fn frames(&self) -> usize {
        self.frames
    }

    fn frame(&self, k: usize) -> Option<&[u8]> {
        self.data
            .get(k.checked_mul(self.frame_bytes)?..(k + 1).checked_mul(self.frame_bytes)?)
    }
}

/// Bytes one decoded frame occupies, checked against overflow and the budget.
fn frame_bytes(h: &ImageHeader) -> Result<usize> {
    let per_sample = u64::from(h.bits_allocated.div_ceil(8));
    let frame =
        u64::from(h.rows) * u64::from(h.columns) * u64::from(h.samples_per_pixel) * per_sample;
    let total = frame * u64::from(h.frames);
    if total > MAX_DECODED_BYTES {
        return Err(Error::TooLarge {
            needed_mb: total >> 20,
            limit_mb: MAX_DECODED_BYTES >> 20,
        });
    }
    usize::try_from(frame).map_err(|_| Error::TooLarge {
        needed_mb: total >> 20,
        limit_mb: MAX_DECODED_BYTES >> 20,
    })
}

/// Decode all frames of an object to raw samples.
pub fn decode(file: &DefaultDicomObject, h: &ImageHeader) -> Result<RawFrames> {
    h.check_decodable()?;
    let frame_bytes = frame_bytes(h)?;
    let frames = h.frames as usize;
    let data = if codecs::handles(h) {
        codecs::decode(file, h)?
    } else {
        let decoded = file
            .decode_pixel_data()
            .map_err(|e| decode_error(h, &e.to_string()))?;
        let mut data = decoded.into_data();
        if h.is_big_endian_native() {
            fix_big_endian_words(&mut data, h.bits_allocated);
        }
        data
    };
    let needed = frame_bytes * frames;
    if data.len() < needed {
        return Err(Error::invalid(
            "DICOM",
            format!(
                "pixel data hold {} bytes but Rows × Columns × frames ({} × {} × {}) at {} bits need {}",
                data.len(),
                h.rows,
                h.columns,
                frames,
                h.bits_allocated,
                needed
            ),
        ));
    }
    Ok(RawFrames {
        data,
        frame_bytes,
        frames,
    })
}

/// Native big-endian pixel data come out of the parser as 16-bit words in native order.
/// 32-bit samples then have their two words swapped; put them back in order.
fn fix_big_endian_words(data: &mut [u8], bits_allocated: u16) {
    if bits_allocated == 32 {
        for c in data.chunks_exact_mut(4) {
            c.swap(0, 2);
            c.swap(1, 3);
        }
    }
}

fn decode_error(h: &ImageHeader, msg: &str) -> Error {
    let lower = msg.to_ascii_lowercase();
    if lower.contains("unsupported") && lower.contains("transfer syntax") {
        return unsupported_ts(&h.transfer_syntax);
    }
    Error::invalid(
        "DICOM",
        format!(
            "cannot decode the pixel data ({} {}): {msg}",
            h.transfer_syntax,
            super::open::ts_name(&h.transfer_syntax)
        ),
    )
}

/// Interpret one raw sample: select BitsStored bits ending at HighBit, sign-extend when
/// PixelRepresentation is 1.
#[inline]
fn stored_value(raw: u32, shift: u32, mask: u32, bits_stored: u32, signed: bool) -> i64 {
    let v = (raw >> shift) & mask;
    if signed && bits_stored < 64 && v & (1 << (bits_stored - 1)) != 0 {
        i64::from(v) - (1i64 << bits_stored)
    } else {
        i64::from(v)
    }
}

/// Stored values of frame `k` (masked and sign-extended), one per pixel, row by row.
pub fn stored_frame(raw: &RawFrames, h: &ImageHeader, k: usize) -> Result<Vec<i64>> {
    let bytes = raw.frame(k).ok_or_else(|| {
        Error::invalid(
            "DICOM",
            format!("frame {} of {} is missing", k + 1, raw.frames),
        )
    })?;
    let bits_stored = u32::from(h.bits_stored.clamp(1, 32));
    let shift = u32::from(h.high_bit + 1).saturating_sub(bits_stored);
    let mask = if bits_stored >= 32 {
        u32::MAX
    } else {
        (1u32 << bits_stored) - 1
    };
    let signed = h.pixel_representation == 1;
    let out = match h.bits_allocated {
        8 => bytes
            .iter()
            .map(|&b| stored_value(u32::from(b), shift, mask, bits_stored, signed))
            .collect(),
        16 => bytes
            .chunks_exact(2)
            .map(|c| {
                stored_value(
                    u32::from(u16::from_le_bytes([c[0], c[1]])),
                    shift,
                    mask,
                    bits_stored,
                    signed,
                )
            })
            .collect(),
        32 => bytes
            .chunks_exact(4)
            .map(|c| {
                stored_value(
                    u32::from_le_bytes([c[0], c[1], c[2], c[3]]),
                    shift,
                    mask,
                    bits_stored,
                    signed,
                )
            })
            .collect(),
        other => {
            return Err(Error::unsupported(
                "DICOM",
                format!("BitsAllocated {other}"),
            ))
        }
    };
    Ok(out)
}

/// Counters of what the HU conversion had to change, for warnings.
#[derive(Debug, Default, Clone, Copy)]
pub struct HuReport {
    /// Values outside the i16 range, clamped.
    pub clamped: u64,
    /// Padding pixels set to air.
    pub padded: u64,
}

/// Convert one frame's stored values to HU (i16), written into `out`.
///
/// MONOCHROME1 (minimum = white): when the image carries a real rescale to HU (CT), the HU are
/// physical values and stay as they are (the display window decides brightness); otherwise the
/// stored values are inverted within their range so that brighter is higher, as for MONOCHROME2.
pub fn to_hu(
    stored: &[i64],
    h: &ImageHeader,
    f: &FrameInfo,
    out: &mut [i16],
    report: &mut HuReport,
) {
    let invert = h.photometric == "MONOCHROME1" && !h.is_ct();
    let bits = u32::from(h.bits_stored.clamp(1, 32));
    let (lo, hi) = if h.pixel_representation == 1 {
        (-(1i64 << (bits - 1)), (1i64 << (bits - 1)) - 1)
    } else {
        (0, (1i64 << bits) - 1)
    };
    let padding = h.padding.map(|(a, b)| {
        let b = b.unwrap_or(a);
        (a.min(b), a.max(b))
    });
    for (o, &v) in out.iter_mut().zip(stored) {
        if let Some((p0, p1)) = padding {
            if (p0..=p1).contains(&v) {
                *o = AIR_HU;
                report.padded += 1;
                continue;
            }
        }
        let v = if invert { lo + hi - v } else { v };
        let hu = (v as f64 * f.slope + f.intercept).round();
        *o = if hu < i16::MIN as f64 {
            report.clamped += 1;
            i16::MIN
        } else if hu > i16::MAX as f64 {
            report.clamped += 1;
            i16::MAX
        } else {
            hu as i16
        };
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masks_and_sign_extends() {
        // 12 bits stored in 16, signed: 0x0FFF is -1, 0x0800 is -2048, high garbage bits ignored.
        assert_eq!(stored_value(0xFFFF, 0, 0x0FFF, 12, true), -1);
        assert_eq!(stored_value(0x0800, 0, 0x0FFF, 12, true), -2048);
        assert_eq!(stored_value(0xF7FF, 0, 0x0FFF, 12, true), 2047);
        assert_eq!(stored_value(0xF123, 0, 0x0FFF, 12, false), 0x123);
        // HighBit 15 with 12 bits stored: the value sits in the top bits.
        assert_eq!(stored_value(0x1230, 4, 0x0FFF, 12, false), 0x123);
    }
}
