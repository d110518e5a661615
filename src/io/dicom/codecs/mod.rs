//! Codecs we add on top of dicom-pixeldata's registry, for transfer syntaxes it cannot decode
//! with pure-Rust code. Dispatch is by transfer syntax UID.

use dicom_object::DefaultDicomObject;

use super::header::ImageHeader;
use crate::{Error, Result};

/// Whether one of our own codecs decodes this transfer syntax.
pub fn handles(_transfer_syntax: &str) -> bool {
    false
}

/// Decode all frames to raw little-endian samples (same layout as dicom-pixeldata's output).
pub fn decode(_file: &DefaultDicomObject, h: &ImageHeader) -> Result<Vec<u8>> {
    Err(super::open::unsupported_ts(&h.transfer_syntax)).or_else(|e: Error| Err(e))
}
