//! DICOM intake: parse objects (dicom-object), decode pixels (dicom-pixeldata with pure-Rust
//! codecs, plus `codecs`), assemble series and build a [`Volume`] in HU.
//!
//! - `open`: bytes → one parsed object (with or without preamble / meta group)
//! - `lengths`: element lengths checked against the bytes before parsing
//! - `header`: the attributes intake needs, per frame (enhanced multi-frame included)
//! - `pixels`: raw samples → stored values → HU
//! - `series`: grouping, choice of series, slice order and affine
//! - `intake`: the whole pipeline over many files, with progress
//! - `wasm_libc` (wasm32 only): C allocator shims the JPEG 2000 decoder needs in the browser

mod codecs;
mod header;
mod intake;
mod lengths;
mod open;
mod pixels;
mod series;
#[cfg(all(target_arch = "wasm32", target_os = "unknown"))]
mod wasm_libc;

pub use header::{FrameInfo, ImageHeader, NotAnImage};
pub use intake::{open_dicom, DicomOptions, DicomSet, FirstSlice};
pub use open::{is_dicom, parse, ts_name};
pub use pixels::{decode, frame_to_hu, stored_frame, to_hu, HuReport, HuTable, RawFrames, AIR_HU};
pub use series::{Orientation, SeriesSummary};
