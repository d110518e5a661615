//! Codecs we add on top of dicom-pixeldata's registry, for pixel data it cannot decode with
//! pure-Rust code. Dispatch is by transfer syntax and pixel format.
//!
//! - `rle`: RLE Lossless with 32-bit samples (the registry's RLE decoder handles 8 and 16 bits).
//! - `jpegls`: JPEG-LS lossless and near-lossless (no pure-Rust decoder in the registry).
//! - `jpeg12`: JPEG Extended with 12-bit samples (no pure-Rust 12-bit DCT decoder exists).

mod jpeg12;
mod jpegls;
mod rle;

use dicom_dictionary_std::tags;
use dicom_object::DefaultDicomObject;

use super::header::ImageHeader;
use crate::{Error, Result};

const RLE_LOSSLESS: &str = "1.2.840.10008.1.2.5";
const JPEG_LS_LOSSLESS: &str = "1.2.840.10008.1.2.4.80";
const JPEG_LS_NEAR_LOSSLESS: &str = "1.2.840.10008.1.2.4.81";
/// JPEG Extended (processes 2 & 4).
pub const JPEG_EXTENDED: &str = "1.2.840.10008.1.2.4.51";

/// Whether one of our own codecs decodes this image.
pub fn handles(h: &ImageHeader) -> bool {
    (h.transfer_syntax == RLE_LOSSLESS && h.bits_allocated == 32)
        || (h.transfer_syntax == JPEG_EXTENDED && h.bits_allocated == 16)
        || handles_syntax(&h.transfer_syntax)
}

/// Whether one of our codecs decodes this transfer syntax at all (for any pixel format).
pub fn handles_syntax(transfer_syntax: &str) -> bool {
    matches!(transfer_syntax, JPEG_LS_LOSSLESS | JPEG_LS_NEAR_LOSSLESS)
}

/// The encapsulated fragments of the pixel data (no basic offset table).
fn fragments(file: &DefaultDicomObject) -> Result<&[Vec<u8>]> {
    file.get(tags::PIXEL_DATA)
        .and_then(|e| e.fragments())
        .ok_or_else(|| {
            Error::invalid(
                "DICOM",
                "encapsulated pixel data expected, found native data",
            )
        })
}

/// One byte stream per frame: fragments map one to one onto frames, or a single frame spans
/// all fragments.
fn frames_of(frags: &[Vec<u8>], frames: usize) -> Result<Vec<Vec<u8>>> {
    if frags.len() == frames {
        Ok(frags.to_vec())
    } else if frames == 1 {
        Ok(vec![frags.concat()])
    } else {
        Err(Error::unsupported(
            "DICOM",
            format!(
                "{} fragments for {frames} frames: frames split across fragments",
                frags.len()
            ),
        ))
    }
}

/// Decode all frames to raw little-endian samples (same layout as dicom-pixeldata's output).
pub fn decode(file: &DefaultDicomObject, h: &ImageHeader) -> Result<Vec<u8>> {
    let frags = fragments(file)?;
    let frames = frames_of(frags, h.frames as usize)?;
    if h.transfer_syntax == RLE_LOSSLESS {
        return rle::decode_frames(&frames, h);
    }
    if h.transfer_syntax == JPEG_EXTENDED {
        return jpeg12::decode_frames(&frames, h);
    }
    if handles_syntax(&h.transfer_syntax) {
        return jpegls::decode_frames(&frames, h);
    }
    Err(super::open::unsupported_ts(&h.transfer_syntax))
}
