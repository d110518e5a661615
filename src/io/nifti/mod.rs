//! NIfTI-1 reading (`.nii` and `.nii.gz`) from bytes in memory.
//!
//! The `nifti` crate parses the header and converts voxel data (every datatype, byte order,
//! `scl_slope`/`scl_inter`). Around it this module adds what a viewer needs and the crate does
//! not do:
//! - the header is checked *before* anything is allocated (dimensions, memory budget, datatype,
//!   pixdim, scaling, data offset), so a malformed or hostile file gives an [`Error`], never a
//!   panic or a huge allocation (a header claiming more voxel bytes than the file holds, or
//!   than a gzip file of that size can inflate to, is refused as truncated up front);
//! - voxel data are decoded slice by slice straight into i16 HU (the crate's whole-volume path
//!   keeps the raw bytes *and* a float copy, several times the final size), which also lets the
//!   caller show progress while a `.nii.gz` is inflated;
//! - the voxel → RAS affine is chosen as NIfTI prescribes (sform, else qform, else pixdim).
//!
//! Policy for data that do not fit i16 HU (each reported once in [`Volume::warnings`]):
//! non-integer values are rounded to the nearest integer, values outside −32768..=32767 are
//! clamped, NaN voxels become −1024 (air). A 4-D file (or higher) with more than one volume is
//! read as its first 3-D volume, with a warning. NIfTI-2 files and `.hdr`/`.img` pairs are refused
//! with [`Error::Unsupported`] (the crate reads single-file NIfTI-1 only).

mod geometry;
mod header;
mod quatern;
mod voxels;

use std::io::Read;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use flate2::read::MultiGzDecoder;
use nifti::NiftiHeader;

use crate::{Error, Geometry, Result, Volume};

use header::InputSize;
pub use header::{sniff_nifti, NiftiKind};
pub use quatern::{affine_to_quatern, Quatern};

pub(crate) const FORMAT: &str = "NIfTI";

/// Size of a NIfTI-1 header in bytes.
pub const NIFTI1_HEADER_LEN: usize = 348;
/// Size of a NIfTI-2 header in bytes.
pub const NIFTI2_HEADER_LEN: usize = 540;

/// Limits applied while reading.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NiftiOptions {
    /// Largest decoded volume accepted, in bytes of i16 voxels
    /// (default [`crate::io::DEFAULT_MEMORY_BUDGET_BYTES`]).
    pub memory_budget_bytes: u64,
}

impl Default for NiftiOptions {
    fn default() -> Self {
        NiftiOptions {
            memory_budget_bytes: crate::io::DEFAULT_MEMORY_BUDGET_BYTES,
        }
    }
}

/// Read a `.nii` or `.nii.gz` file (gzip detected from the bytes) with default limits.
pub fn open_nifti(bytes: &[u8]) -> Result<Volume> {
    open_nifti_with_progress(bytes, &NiftiOptions::default(), &mut |_| {})
}

/// Read a `.nii` or `.nii.gz` file, calling `progress` with the fraction (0.0..=1.0) of the
/// input consumed so far: after the header and after every decoded slice. Inflating a `.nii.gz`
/// is most of the work, so this tracks the time the user waits.
pub fn open_nifti_with_progress(
    bytes: &[u8],
    options: &NiftiOptions,
    progress: &mut dyn FnMut(f32),
) -> Result<Volume> {
    let mut decoder = NiftiDecoder::new(bytes, options)?;
    progress(decoder.progress());
    while !decoder.decode_slices(1)? {
        progress(decoder.progress());
    }
    progress(1.0);
    decoder.finish()
}

/// An incremental NIfTI-1 decoder: [`NiftiDecoder::new`] reads and validates the header (cheap),
/// then [`NiftiDecoder::decode_slices`] decodes a few slices per call, so a single-threaded
/// caller (the browser's main thread) can update a progress bar and stay responsive between
/// calls. [`NiftiDecoder::finish`] returns the volume.
pub struct NiftiDecoder<'a> {
    source: Box<dyn Read + Send + 'a>,
    consumed: Arc<AtomicUsize>,
    total: usize,
    gzip: bool,
    affine: [[f64; 4]; 4],
    warnings: Vec<String>,
    slices: voxels::SliceDecoder,
}

impl std::fmt::Debug for NiftiDecoder<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NiftiDecoder")
            .field("dims", &self.dims())
            .field("progress", &self.progress())
            .finish_non_exhaustive()
    }
}

impl<'a> NiftiDecoder<'a> {
    /// Start decoding borrowed bytes (`.nii` or `.nii.gz`).
    pub fn new(bytes: &'a [u8], options: &NiftiOptions) -> Result<Self> {
        Self::start(Bytes::Borrowed(bytes), options)
    }

    fn start(bytes: Bytes<'a>, options: &NiftiOptions) -> Result<Self> {
        let data = bytes.as_slice();
        let gzip = is_gzip(data);
        let total = data.len();
        let consumed = Arc::new(AtomicUsize::new(0));
        let counting = CountingReader {
            data: bytes,
            pos: consumed.clone(),
        };
        let mut source: Box<dyn Read + Send + 'a> = if gzip {
            Box::new(MultiGzDecoder::new(counting))
        } else {
            Box::new(counting)
        };

        let mut raw_header = [0u8; NIFTI1_HEADER_LEN];
        read_exact(&mut source, &mut raw_header, gzip, "the 348-byte header")?;
        header::check_raw_header(&raw_header)?;
        let hdr = NiftiHeader::from_reader(&raw_header[..])
            .map_err(|e| Error::invalid(FORMAT, format!("unreadable header: {e}")))?;
        let input = if gzip {
            InputSize::Gzip(total)
        } else {
            InputSize::Plain(total)
        };
        let plan = header::validate(&hdr, options, input)?;
        let mut warnings = plan.warnings.clone();
        let affine = geometry::choose_affine(&hdr, &mut warnings)?;

        // Skip the extensions (if any) up to the voxel data.
        let skip = plan.data_offset - NIFTI1_HEADER_LEN as u64;
        let skipped = std::io::copy(&mut (&mut source).take(skip), &mut std::io::sink())
            .map_err(|e| io_error(e, gzip))?;
        if skipped != skip {
            return Err(truncated(
                plan.data_offset,
                skipped + NIFTI1_HEADER_LEN as u64,
            ));
        }
        let slices = voxels::SliceDecoder::new(&hdr, plan)?;
        Ok(NiftiDecoder {
            source,
            consumed,
            total,
            gzip,
            affine,
            warnings,
            slices,
        })
    }

    /// Dimensions (i, j, k) of the volume being decoded.
    pub fn dims(&self) -> [usize; 3] {
        self.slices.dims()
    }

    /// Fraction of the input consumed so far (0.0..=1.0).
    pub fn progress(&self) -> f32 {
        if self.slices.is_done() {
            return 1.0;
        }
        (self.consumed.load(Ordering::Relaxed) as f32 / self.total.max(1) as f32).clamp(0.0, 1.0)
    }

    /// Decode up to `max_slices` more slices; returns true once every slice is decoded.
    pub fn decode_slices(&mut self, max_slices: usize) -> Result<bool> {
        for _ in 0..max_slices.max(1) {
            if self.slices.is_done() {
                break;
            }
            self.slices.decode_next(&mut self.source, self.gzip)?;
        }
        Ok(self.slices.is_done())
    }

    /// Decode whatever is left and return the volume.
    pub fn finish(mut self) -> Result<Volume> {
        while !self.slices.is_done() {
            self.slices.decode_next(&mut self.source, self.gzip)?;
        }
        let gzip = self.gzip;
        let (dims, voxels, conversion_warnings) = self.slices.into_parts();
        let mut warnings = self.warnings;
        warnings.extend(conversion_warnings);
        let mut volume = Volume::new(
            dims,
            voxels,
            Geometry::from_affine(self.affine),
            if gzip { "NIfTI-1 (gzip)" } else { "NIfTI-1" },
        );
        volume.warnings = warnings;
        Ok(volume)
    }
}

impl NiftiDecoder<'static> {
    /// Start decoding owned bytes (e.g. a file the browser handed over), so the decoder can
    /// live across event-loop turns.
    pub fn from_vec(bytes: Vec<u8>, options: &NiftiOptions) -> Result<Self> {
        Self::start(Bytes::Owned(bytes), options)
    }
}

enum Bytes<'a> {
    Borrowed(&'a [u8]),
    Owned(Vec<u8>),
}

impl Bytes<'_> {
    fn as_slice(&self) -> &[u8] {
        match self {
            Bytes::Borrowed(b) => b,
            Bytes::Owned(v) => v,
        }
    }
}

/// True when the bytes start with the gzip magic number `1f 8b`.
pub fn is_gzip(bytes: &[u8]) -> bool {
    bytes.len() >= 2 && bytes[0] == 0x1f && bytes[1] == 0x8b
}

/// A reader over the input bytes that publishes how far it has read (for progress reporting
/// while a gzip decoder owns it).
struct CountingReader<'a> {
    data: Bytes<'a>,
    pos: Arc<AtomicUsize>,
}

impl Read for CountingReader<'_> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let data = self.data.as_slice();
        let start = self.pos.load(Ordering::Relaxed).min(data.len());
        let n = buf.len().min(data.len() - start);
        buf[..n].copy_from_slice(&data[start..start + n]);
        self.pos.store(start + n, Ordering::Relaxed);
        Ok(n)
    }
}

pub(crate) fn read_exact(
    source: &mut dyn Read,
    buf: &mut [u8],
    gzip: bool,
    what: &str,
) -> Result<()> {
    source.read_exact(buf).map_err(|e| {
        if e.kind() == std::io::ErrorKind::UnexpectedEof {
            Error::invalid(
                FORMAT,
                format!("the file ends before {what} is complete (truncated file?)"),
            )
        } else {
            io_error(e, gzip)
        }
    })
}

pub(crate) fn io_error(e: std::io::Error, gzip: bool) -> Error {
    if gzip {
        Error::invalid(
            FORMAT,
            format!("the gzip stream is corrupt ({e}); the download may be incomplete"),
        )
    } else {
        Error::invalid(FORMAT, format!("read error: {e}"))
    }
}

pub(crate) fn truncated(needed: u64, got: u64) -> Error {
    Error::invalid(
        FORMAT,
        format!("the file is truncated: the header needs {needed} bytes, only {got} are present"),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::io::nifti_write::{write_nifti, VoxelData};

    #[test]
    fn roundtrip_through_own_writer() {
        let dims = [4, 3, 2];
        let vox: Vec<i16> = (0..24).map(|v| v * 100 - 1024).collect();
        let g = Geometry::lps_axial([0.5, 0.625, 5.0]);
        for gzip in [false, true] {
            let bytes = write_nifti(dims, &g, VoxelData::I16(&vox), gzip).unwrap();
            let mut seen = Vec::new();
            let v =
                open_nifti_with_progress(&bytes, &NiftiOptions::default(), &mut |p| seen.push(p))
                    .unwrap();
            assert_eq!(v.dims, dims);
            assert_eq!(v.voxels, vox);
            assert_eq!(v.geometry, g);
            assert!(v.warnings.is_empty(), "{:?}", v.warnings);
            assert_eq!(seen.last(), Some(&1.0));
            assert!(seen.windows(2).all(|w| w[0] <= w[1]));
        }
    }
}
