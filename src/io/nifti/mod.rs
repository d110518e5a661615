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
//! - the voxel → RAS affine is chosen as NIfTI prescribes (sform, else qform, else pixdim);
//! - a `.nii.gz` is inflated by `gzip.rs` and read on to the end of its gzip data after the
//!   voxels, so every member's CRC-32 and length are checked and damaged data are refused.
//!
//! Policy for data that do not fit i16 HU (each reported once in [`Volume::warnings`]):
//! non-integer values are rounded to the nearest integer, values outside −32768..=32767 are
//! clamped, NaN voxels become −1024 (air). A 4-D file (or higher) with more than one volume is
//! read as its first 3-D volume, with a warning. NIfTI-2 files and `.hdr`/`.img` pairs are refused
//! with [`Error::Unsupported`] (the crate reads single-file NIfTI-1 only).

mod geometry;
mod gzip;
mod header;
mod quatern;
mod voxels;

use std::io::Read;

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

/// Inflated bytes after the voxels drained per slice's worth of [`NiftiDecoder::decode_slices`]
/// work, while the decoder reads a `.nii.gz` on to its trailer.
const DRAIN_STEP_BYTES: u64 = 8 << 20;

/// An incremental NIfTI-1 decoder: [`NiftiDecoder::new`] reads and validates the header (cheap),
/// then [`NiftiDecoder::decode_slices`] decodes a few slices per call, so a single-threaded
/// caller (the browser's main thread) can update a progress bar and stay responsive between
/// calls. [`NiftiDecoder::finish`] returns the volume.
///
/// A `.nii.gz` is read to the end of its gzip data once the voxels are decoded, so that every
/// member's CRC-32 and length are checked: damaged data give an error, not a volume. What
/// follows the voxels is inflated into a small buffer and dropped, at most the memory budget's
/// worth of bytes; a 4-D file whose other volumes are larger than that is not read on, and its
/// volume carries a warning that the checksum was not verified.
pub struct NiftiDecoder<'a> {
    source: Source<'a>,
    total: usize,
    gzip: bool,
    affine: [[f64; 4]; 4],
    warnings: Vec<String>,
    slices: voxels::SliceDecoder,
    /// Inflated bytes after the voxels that may still be drained before giving up on the
    /// trailer check.
    drain_left: u64,
    /// True once the input has been read to its end (or the check was given up, with a warning).
    end_checked: bool,
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
        let gzip = is_gzip(bytes.as_slice());
        let total = bytes.as_slice().len();
        let mut source = if gzip {
            Source::Gzip(gzip::GzipReader::new(bytes))
        } else {
            Source::Plain(PlainReader {
                data: bytes,
                pos: 0,
            })
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

        // What a gzip file may still inflate to after the first volume before the trailer
        // check is given up: the memory budget, so draining costs no more than decoding the
        // largest volume accepted. A 4-D file whose other volumes are larger is not read on.
        let [nx, ny, nz] = plan.dims;
        let volume_bytes =
            (nx as u64 * ny as u64 * nz as u64).saturating_mul(plan.datatype.size_of() as u64);
        let other_volumes = volume_bytes.saturating_mul(plan.volumes.saturating_sub(1));
        let drain_left = if other_volumes > options.memory_budget_bytes {
            0
        } else {
            options.memory_budget_bytes
        };

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
            total,
            gzip,
            affine,
            warnings,
            slices,
            drain_left,
            end_checked: !gzip,
        })
    }

    /// Dimensions (i, j, k) of the volume being decoded.
    pub fn dims(&self) -> [usize; 3] {
        self.slices.dims()
    }

    /// Fraction of the input consumed so far (0.0..=1.0).
    pub fn progress(&self) -> f32 {
        if self.is_done() {
            return 1.0;
        }
        (self.source.position() as f32 / self.total.max(1) as f32).clamp(0.0, 1.0)
    }

    fn is_done(&self) -> bool {
        self.slices.is_done() && self.end_checked
    }

    /// Decode up to `max_slices` more slices; returns true once every slice is decoded (and,
    /// for a `.nii.gz`, the gzip data are read to their end and checked).
    pub fn decode_slices(&mut self, max_slices: usize) -> Result<bool> {
        let mut steps = max_slices.max(1);
        while steps > 0 && !self.slices.is_done() {
            self.slices.decode_next(&mut self.source, self.gzip)?;
            steps -= 1;
        }
        if self.slices.is_done() && !self.end_checked {
            self.drain_gzip(DRAIN_STEP_BYTES.saturating_mul(steps.max(1) as u64))?;
        }
        Ok(self.is_done())
    }

    /// After the voxels: inflate up to `step` more bytes of a gzip input (dropped), checking
    /// each member's trailer on the way. Sets `end_checked` at the end of the data, or when
    /// more than the drain allowance follows the voxels (with a warning).
    fn drain_gzip(&mut self, step: u64) -> Result<()> {
        let Source::Gzip(reader) = &mut self.source else {
            self.end_checked = true;
            return Ok(());
        };
        let mut buf = vec![0u8; 64 << 10];
        let mut left = step;
        while left > 0 {
            // One byte more than allowed, to tell "ends exactly at the allowance" from "more".
            let want = (buf.len() as u64)
                .min(left)
                .min(self.drain_left.saturating_add(1));
            let n = reader
                .read(&mut buf[..want as usize])
                .map_err(|e| io_error(e, true))?;
            if n == 0 {
                let ignored = reader.ignored_bytes();
                if ignored > 0 {
                    self.warnings.push(format!(
                        "{ignored} bytes after the end of the gzip data were ignored"
                    ));
                }
                self.end_checked = true;
                return Ok(());
            }
            if n as u64 > self.drain_left {
                self.warnings.push(unverified_warning(
                    self.slices.dims(),
                    reader.data().len() - reader.position(),
                ));
                self.end_checked = true;
                return Ok(());
            }
            self.drain_left -= n as u64;
            left -= n as u64;
        }
        Ok(())
    }

    /// Decode whatever is left and return the volume.
    pub fn finish(mut self) -> Result<Volume> {
        while !self.slices.is_done() {
            self.slices.decode_next(&mut self.source, self.gzip)?;
        }
        while !self.end_checked {
            self.drain_gzip(u64::MAX)?;
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

/// The warning for a `.nii.gz` read only up to its first volume (see [`NiftiDecoder`]).
fn unverified_warning(dims: [usize; 3], unread: usize) -> String {
    let [nx, ny, nz] = dims;
    format!(
        "the gzip checksum was not verified: more data follow the {nx} x {ny} x {nz} volume than \
         are worth inflating ({} MB of the file were not read)",
        unread / 1_000_000
    )
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

/// The decoder's input: the file as it is, or inflated (every gzip member, trailers checked).
enum Source<'a> {
    Plain(PlainReader<'a>),
    Gzip(gzip::GzipReader<'a>),
}

impl Source<'_> {
    /// Input bytes consumed so far (for progress).
    fn position(&self) -> usize {
        match self {
            Source::Plain(r) => r.pos,
            Source::Gzip(r) => r.position(),
        }
    }
}

impl Read for Source<'_> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        match self {
            Source::Plain(r) => r.read(buf),
            Source::Gzip(r) => r.read(buf),
        }
    }
}

/// A reader over uncompressed input bytes.
struct PlainReader<'a> {
    data: Bytes<'a>,
    pos: usize,
}

impl Read for PlainReader<'_> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let data = self.data.as_slice();
        let start = self.pos.min(data.len());
        let n = buf.len().min(data.len() - start);
        buf[..n].copy_from_slice(&data[start..start + n]);
        self.pos = start + n;
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
        if e.kind() == std::io::ErrorKind::UnexpectedEof && gzip::damage(&e).is_none() {
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
    if let Some(damage) = gzip::damage(&e) {
        Error::invalid(FORMAT, damage.to_string())
    } else if gzip {
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

    fn gz(data: &[u8]) -> Vec<u8> {
        use std::io::Write;
        let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        e.write_all(data).unwrap();
        e.finish().unwrap()
    }

    fn small() -> (Vec<i16>, Vec<u8>) {
        let vox: Vec<i16> = (0..24).map(|v| v * 100 - 1024).collect();
        let g = Geometry::lps_axial([0.5, 0.625, 5.0]);
        let nii = write_nifti([4, 3, 2], &g, VoxelData::I16(&vox), false).unwrap();
        (vox, nii)
    }

    #[test]
    fn multi_member_gzip_opens() {
        let (vox, nii) = small();
        // Cut inside the header, and inside the voxels: three members.
        let mut bytes = gz(&nii[..100]);
        bytes.extend(gz(&nii[100..360]));
        bytes.extend(gz(&nii[360..]));
        let v = open_nifti(&bytes).unwrap();
        assert_eq!(v.voxels, vox);
        assert!(v.warnings.is_empty(), "{:?}", v.warnings);
        // Data after the voxels, in a member of their own, are read (and checked) too.
        let mut extra = gz(&nii);
        extra.extend(gz(&[7u8; 1000]));
        assert_eq!(open_nifti(&extra).unwrap().voxels, vox);
        let n = extra.len();
        extra[n - 8] ^= 1;
        let e = open_nifti(&extra).unwrap_err().to_string();
        assert!(e.contains("CRC check failed in gzip member 2"), "{e}");
    }

    #[test]
    fn trailer_is_checked_after_the_voxels() {
        let (_, nii) = small();
        let good = gz(&nii);
        let n = good.len();
        let mut crc = good.clone();
        crc[n - 5] ^= 0x10;
        let e = open_nifti(&crc).unwrap_err().to_string();
        assert!(
            e.starts_with("invalid NIfTI file: the gzip data is damaged: CRC check failed"),
            "{e}"
        );
        // The incremental decoder does not report done before the check either.
        let mut dec = NiftiDecoder::new(&crc, &NiftiOptions::default()).unwrap();
        let err = loop {
            match dec.decode_slices(1) {
                Ok(true) => panic!("damaged data decoded"),
                Ok(false) => {}
                Err(e) => break e.to_string(),
            }
        };
        assert_eq!(err, e);
        let e = open_nifti(&good[..n - 4]).unwrap_err().to_string();
        assert!(e.contains("ends inside the 8-byte gzip trailer"), "{e}");
        // Trailing bytes that are no gzip member are ignored, with a warning.
        let mut junk = good.clone();
        junk.extend(b"junk");
        let v = open_nifti(&junk).unwrap();
        assert_eq!(
            v.warnings,
            vec!["4 bytes after the end of the gzip data were ignored".to_string()]
        );
    }

    #[test]
    fn large_remaining_volumes_are_not_inflated() {
        let (_, mut nii) = small();
        // Declare 1000 volumes, 48 KB more than a 30 KB budget; 40 KB of them are present.
        nii[40..42].copy_from_slice(&4i16.to_le_bytes());
        nii[48..50].copy_from_slice(&1000i16.to_le_bytes());
        nii.extend(vec![1u8; 40_000]);
        let options = NiftiOptions {
            memory_budget_bytes: 30_000,
        };
        let bytes = gz(&nii);
        let v = open_nifti_with_progress(&bytes, &options, &mut |_| {}).unwrap();
        assert!(
            v.warnings
                .iter()
                .any(|w| w.starts_with("the gzip checksum was not verified")),
            "{:?}",
            v.warnings
        );
        // Within the budget the rest is read, and checked.
        let mut damaged = bytes.clone();
        let n = damaged.len();
        damaged[n - 8] ^= 1;
        assert!(open_nifti(&damaged).is_err());
    }
}
