//! Voxel data → i16 HU, one slice at a time, through the crate's datatype conversion and
//! scaling (`InMemNiftiVolume` → ndarray).

use std::io::Read;

use nifti::{InMemNiftiVolume, IntoNdArray, NiftiHeader, NiftiType};

use super::header::ReadPlan;
use super::FORMAT;
use crate::{Error, Result};

/// HU given to NaN voxels (air).
const NAN_HU: i16 = -1024;
/// Largest raw read (bytes) per conversion step.
const MAX_CHUNK_BYTES: usize = 8 << 20;
/// Values closer than this to an integer count as integers (float noise from scaling).
const INTEGER_TOLERANCE: f64 = 1e-3;

/// Decodes the first 3-D volume (dims of the plan) slice by slice into i16 HU, i fastest.
pub(super) struct SliceDecoder {
    plan: ReadPlan,
    endianness: nifti::Endianness,
    slope: f32,
    inter: f32,
    identity_i16: bool,
    raw_dim: [u16; 8],
    out: Vec<i16>,
    raw: Vec<u8>,
    next_k: usize,
    stats: ConversionStats,
}

impl SliceDecoder {
    /// Prepare decoding; reserves the output (the plan has checked it against the budget).
    pub(super) fn new(h: &NiftiHeader, plan: ReadPlan) -> Result<Self> {
        let [nx, ny, nz] = plan.dims;
        let mut out: Vec<i16> = Vec::new();
        out.try_reserve_exact(nx * ny * nz).map_err(|_| {
            Error::Other(format!(
                "not enough memory for a {nx} x {ny} x {nz} volume ({} MB)",
                nx * ny * nz * 2 / 1_000_000
            ))
        })?;
        let identity_i16 = plan.datatype == NiftiType::Int16 && plan.scaling.is_none();
        let (slope, inter) = match plan.scaling {
            Some((s, i)) => (s as f32, i as f32),
            None => (0.0, 0.0), // the crate treats slope 0 as "no scaling"
        };
        let mut raw_dim = [1u16; 8];
        raw_dim[0] = 2;
        raw_dim[1] = nx as u16;
        raw_dim[2] = ny as u16;
        Ok(SliceDecoder {
            plan,
            endianness: h.endianness,
            slope,
            inter,
            identity_i16,
            raw_dim,
            out,
            raw: Vec::new(),
            next_k: 0,
            stats: ConversionStats::default(),
        })
    }

    pub(super) fn dims(&self) -> [usize; 3] {
        self.plan.dims
    }

    pub(super) fn is_done(&self) -> bool {
        self.next_k >= self.plan.dims[2]
    }

    /// Read and convert the next slice.
    pub(super) fn decode_next(&mut self, source: &mut dyn Read, gzip: bool) -> Result<()> {
        let [nx, ny, _] = self.plan.dims;
        let elem = self.plan.datatype.size_of();
        // Rows per read, so the raw buffer stays small even for a huge (or hostile) slice size.
        let rows_per_chunk = (MAX_CHUNK_BYTES / (nx * elem)).clamp(1, ny);
        let mut row = 0;
        while row < ny {
            let rows = rows_per_chunk.min(ny - row);
            self.decode_rows(source, gzip, rows)?;
            row += rows;
        }
        self.next_k += 1;
        Ok(())
    }

    /// Read and convert `rows` rows of the current slice.
    fn decode_rows(&mut self, source: &mut dyn Read, gzip: bool, rows: usize) -> Result<()> {
        let [nx, _, nz] = self.plan.dims;
        let elem = self.plan.datatype.size_of();
        let mut raw = std::mem::take(&mut self.raw);
        raw.resize(nx * rows * elem, 0);
        if let Err(e) = source.read_exact(&mut raw) {
            if e.kind() == std::io::ErrorKind::UnexpectedEof {
                return Err(Error::invalid(
                    FORMAT,
                    format!(
                        "the voxel data end within slice {} of {nz} (truncated file?)",
                        self.next_k + 1
                    ),
                ));
            }
            return Err(super::io_error(e, gzip));
        }
        let mut raw_dim = self.raw_dim;
        raw_dim[2] = rows as u16;
        let chunk = InMemNiftiVolume::from_raw_fields(
            raw_dim,
            self.plan.datatype,
            self.slope,
            self.inter,
            raw,
            self.endianness,
        )
        .map_err(|e| Error::invalid(FORMAT, format!("voxel data: {e}")))?;
        if self.identity_i16 {
            let arr = chunk.into_ndarray::<i16>().map_err(conversion_error)?;
            match arr.as_slice_memory_order() {
                Some(s) => self.out.extend_from_slice(s),
                None => self.out.extend(arr.t().iter().copied()),
            }
        } else {
            let arr = chunk.into_ndarray::<f64>().map_err(conversion_error)?;
            let stats = &mut self.stats;
            match arr.as_slice_memory_order() {
                Some(s) => self.out.extend(s.iter().map(|&v| stats.convert(v))),
                None => self.out.extend(arr.t().iter().map(|&v| stats.convert(v))),
            }
        }
        Ok(())
    }

    /// Dimensions, voxels and conversion warnings.
    pub(super) fn into_parts(self) -> ([usize; 3], Vec<i16>, Vec<String>) {
        (self.plan.dims, self.out, self.stats.warnings())
    }
}

fn conversion_error(e: nifti::NiftiError) -> Error {
    Error::invalid(FORMAT, format!("voxel conversion failed: {e}"))
}

/// Counts what rounding/clamping did, to report it once.
#[derive(Default)]
struct ConversionStats {
    rounded: u64,
    clamped: u64,
    nan: u64,
}

impl ConversionStats {
    #[inline]
    fn convert(&mut self, v: f64) -> i16 {
        if v.is_nan() {
            self.nan += 1;
            return NAN_HU;
        }
        let r = v.round();
        if (r - v).abs() > INTEGER_TOLERANCE {
            self.rounded += 1;
        }
        if r < f64::from(i16::MIN) || r > f64::from(i16::MAX) {
            self.clamped += 1;
        }
        r.clamp(f64::from(i16::MIN), f64::from(i16::MAX)) as i16
    }

    fn warnings(&self) -> Vec<String> {
        let mut w = Vec::new();
        if self.rounded > 0 {
            w.push(format!(
                "{} voxels had non-integer values and were rounded to whole HU",
                self.rounded
            ));
        }
        if self.clamped > 0 {
            w.push(format!(
                "{} voxels were outside the 16-bit range -32768..32767 and were clamped",
                self.clamped
            ));
        }
        if self.nan > 0 {
            w.push(format!(
                "{} voxels were NaN and were set to {NAN_HU} HU",
                self.nan
            ));
        }
        w
    }
}
