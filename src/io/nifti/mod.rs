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
//! - a `.nii.gz` is read on to the end of its gzip data after the voxels, so damaged data are
//!   refused: the trailer checks (every member's CRC-32 and length) come from flate2's
//!   `MultiGzDecoder`, read to the end.
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

use std::io::{ErrorKind, Read};

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
        let counting = CountingReader {
            data: bytes,
            pos: 0,
        };
        let mut source = if gzip {
            Source::Gzip(MultiGzDecoder::new(counting))
        } else {
            Source::Plain(counting)
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

    /// After the voxels: inflate up to `step` more bytes of a gzip input (dropped); flate2
    /// checks each member's trailer on the way. Sets `end_checked` at the end of the data, when
    /// bytes that are no gzip member follow the last one, or when more than the drain allowance
    /// follows the voxels (the last two with a warning).
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
            let n = match reader.read(&mut buf[..want as usize]) {
                Ok(n) => n,
                // After a member whose trailer checks out, MultiGzDecoder parses what follows
                // as the next member's header, and `header()` is None only while it does: an
                // error there means the bytes after the gzip data (zero padding, junk, a cut
                // header) are no gzip member. They are ignored, as `gzip -d` does.
                Err(_) if reader.header().is_none() => {
                    self.warnings.push(TRAILING_DATA_WARNING.to_string());
                    self.end_checked = true;
                    return Ok(());
                }
                Err(e) => return Err(io_error(e, true)),
            };
            if n == 0 {
                self.end_checked = true;
                return Ok(());
            }
            if n as u64 > self.drain_left {
                let unread = self.total - reader.get_ref().pos;
                self.warnings
                    .push(unverified_warning(self.slices.dims(), unread));
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

/// The warning for a `.nii.gz` followed by bytes that are no gzip member (see
/// [`NiftiDecoder::decode_slices`]).
const TRAILING_DATA_WARNING: &str =
    "bytes after the end of the gzip data were ignored (they are not a gzip member)";

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

/// The decoder's input: the file as it is, or inflated by flate2's `MultiGzDecoder`.
enum Source<'a> {
    Plain(CountingReader<'a>),
    Gzip(MultiGzDecoder<CountingReader<'a>>),
}

impl Source<'_> {
    /// Input bytes read so far (for progress; the gzip decoder buffers a little ahead).
    fn position(&self) -> usize {
        match self {
            Source::Plain(r) => r.pos,
            Source::Gzip(r) => r.get_ref().pos,
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

/// A reader over the input bytes that knows how far it has read (for progress reporting, also
/// while the gzip decoder owns it).
struct CountingReader<'a> {
    data: Bytes<'a>,
    pos: usize,
}

impl Read for CountingReader<'_> {
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
        if e.kind() == ErrorKind::UnexpectedEof {
            Error::invalid(
                FORMAT,
                format!("the file ends before {what} is complete (truncated file?)"),
            )
        } else {
            io_error(e, gzip)
        }
    })
}

/// flate2's error texts (`flate2::gz::corrupt` and `flate2::zio::read`, both with
/// [`ErrorKind::InvalidInput`]): a member whose CRC-32 or ISIZE differs from its trailer (or a
/// header CRC-16 that does not match), and deflate data that cannot be decoded.
const FLATE2_CHECKSUM: &str = "corrupt gzip stream does not have a matching checksum";
const FLATE2_DEFLATE: &str = "corrupt deflate stream";

pub(crate) fn io_error(e: std::io::Error, gzip: bool) -> Error {
    if !gzip {
        return Error::invalid(FORMAT, format!("read error: {e}"));
    }
    let text = e.to_string();
    let message = match e.kind() {
        // flate2: the data end inside a member (header, deflate stream or trailer).
        ErrorKind::UnexpectedEof => {
            "the file ends inside the gzip data (truncated file?)".to_string()
        }
        ErrorKind::InvalidInput if text == FLATE2_CHECKSUM => "the gzip data is damaged: its \
             CRC-32 or length check failed (the file is corrupt or incomplete)"
            .to_string(),
        ErrorKind::InvalidInput if text == FLATE2_DEFLATE => {
            "the gzip data is damaged: corrupt deflate stream".to_string()
        }
        _ => format!("the gzip stream is corrupt ({text}); the download may be incomplete"),
    };
    Error::invalid(FORMAT, message)
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

    const CRC_DAMAGE: &str = "the gzip data is damaged: its CRC-32 or length check failed \
                              (the file is corrupt or incomplete)";
    const CUT: &str = "the file ends inside the gzip data (truncated file?)";

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
        assert!(e.contains(CRC_DAMAGE), "{e}");
    }

    #[test]
    fn trailer_is_checked_after_the_voxels() {
        let (_, nii) = small();
        let good = gz(&nii);
        let n = good.len();
        let mut crc = good.clone();
        crc[n - 5] ^= 0x10;
        let e = open_nifti(&crc).unwrap_err().to_string();
        assert_eq!(e, format!("invalid NIfTI file: {CRC_DAMAGE}"));
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
        let mut isize = good.clone();
        isize[n - 1] ^= 0x01;
        let e = open_nifti(&isize).unwrap_err().to_string();
        assert_eq!(e, format!("invalid NIfTI file: {CRC_DAMAGE}"));
        for cut in [1, 4, 8] {
            let e = open_nifti(&good[..n - cut]).unwrap_err().to_string();
            assert_eq!(e, format!("invalid NIfTI file: {CUT}"), "cut {cut}");
        }
        // Trailing bytes that are no gzip member are ignored, with a warning: junk shorter and
        // longer than a gzip header, zero padding, the start of a header that is cut.
        for tail in [
            &b"junk"[..],
            b"junk after the gzip data",
            &[0u8; 512],
            &good[..6],
        ] {
            let mut bytes = good.clone();
            bytes.extend(tail);
            let v = open_nifti(&bytes).unwrap();
            assert_eq!(v.warnings, vec![TRAILING_DATA_WARNING.to_string()]);
        }
    }

    /// The error kinds and texts of flate2 that `io_error` tells apart.
    #[test]
    fn flate2_errors_are_named() {
        let data: Vec<u8> = (0..50_000u32).map(|i| (i * 7 % 251) as u8).collect();
        let good = gz(&data);
        let n = good.len();
        let inflate = |bytes: &[u8]| {
            let mut out = Vec::new();
            MultiGzDecoder::new(bytes)
                .read_to_end(&mut out)
                .map(|_| out)
        };
        let message = |bytes: &[u8]| io_error(inflate(bytes).unwrap_err(), true).to_string();
        assert_eq!(inflate(&good).unwrap(), data);
        let mut crc = good.clone();
        crc[n - 8] ^= 1;
        let mut isize = good.clone();
        isize[n - 4] ^= 1;
        for bytes in [crc, isize] {
            let e = inflate(&bytes).unwrap_err();
            assert_eq!(e.kind(), ErrorKind::InvalidInput);
            assert_eq!(e.to_string(), FLATE2_CHECKSUM);
            assert_eq!(message(&bytes), format!("invalid NIfTI file: {CRC_DAMAGE}"));
        }
        // A stored block, then a block of the reserved type 3.
        let mut block = vec![0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff, 0, 4, 0, !4, !0];
        block.extend(b"abcd");
        block.extend([0x07, 0, 0, 0, 0, 0, 0, 0, 0]);
        let e = inflate(&block).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::InvalidInput);
        assert_eq!(e.to_string(), FLATE2_DEFLATE);
        assert_eq!(
            message(&block),
            "invalid NIfTI file: the gzip data is damaged: corrupt deflate stream"
        );
        for cut in [n / 2, n - 4, n - 8] {
            let e = inflate(&good[..cut]).unwrap_err();
            assert_eq!(e.kind(), ErrorKind::UnexpectedEof, "cut at {cut}");
            assert_eq!(message(&good[..cut]), format!("invalid NIfTI file: {CUT}"));
        }
        // Junk after the last member is parsed as another member's header, and only then has
        // the decoder no header (what `drain_gzip` tells trailing data from damage by).
        let mut junk = good.clone();
        junk.extend(b"junk after the gzip data");
        let e = inflate(&junk).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::InvalidInput);
        let has_header = |bytes: &[u8]| {
            let mut d = MultiGzDecoder::new(bytes);
            assert!(d.read_to_end(&mut Vec::new()).is_err());
            d.header().is_some()
        };
        assert!(!has_header(&junk));
        let mut crc = good.clone();
        crc[n - 8] ^= 1;
        assert!(has_header(&crc));
        assert!(has_header(&good[..n - 4]));
        assert!(has_header(&good[..n / 2]));
        assert!(has_header(&block));
        assert_eq!(
            message(&junk),
            "invalid NIfTI file: the gzip stream is corrupt (invalid gzip header); the download \
             may be incomplete"
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
