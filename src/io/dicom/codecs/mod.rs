//! Codecs we add on top of dicom-pixeldata's registry, for pixel data it cannot decode with
//! pure-Rust code. Dispatch is by transfer syntax and pixel format.
//!
//! - `rle`: RLE Lossless with 32-bit samples (the registry's RLE decoder handles 8 and 16 bits).

mod rle;

use dicom_dictionary_std::tags;
use dicom_object::DefaultDicomObject;

use super::header::ImageHeader;
use crate::{Error, Result};

const RLE_LOSSLESS: &str = "1.2.840.10008.1.2.5";

/// Whether one of our own codecs decodes this image.
pub fn handles(h: &ImageHeader) -> bool {
    h.transfer_syntax == RLE_LOSSLESS && h.bits_allocated == 32
}

/// Whether one of our codecs decodes this transfer syntax at all (for any pixel format).
pub fn handles_syntax(_transfer_syntax: &str) -> bool {
    false
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

/// Decode all frames to raw little-endian samples (same layout as dicom-pixeldata's output).
pub fn decode(file: &DefaultDicomObject, h: &ImageHeader) -> Result<Vec<u8>> {
    let frags = fragments(file)?;
    if h.transfer_syntax == RLE_LOSSLESS {
        return rle::decode_frames(frags, h);
    }
    Err(super::open::unsupported_ts(&h.transfer_syntax))
}
