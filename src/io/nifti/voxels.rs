//! Voxel data → i16 HU, one slice at a time, through the crate's datatype conversion and
//! scaling (`InMemNiftiVolume` → ndarray).

use std::io::Read;

use nifti::{InMemNiftiVolume, IntoNdArray, NiftiHeader, NiftiType};

use super::header::ReadPlan;
use super::FORMAT;
use crate::{Error, Result};

/// HU given to NaN voxels (air).
const NAN_HU: i16 = -1024;
/// Values closer than this to an integer count as integers (float noise from scaling).
const INTEGER_TOLERANCE: f64 = 1e-3;

/// Read the first 3-D volume (dims of `plan`) and return its voxels (i fastest) and the
/// conversion warnings. `on_slice(k)` is called after each slice.
pub(super) fn read_voxels(
    source: &mut dyn Read,
    h: &NiftiHeader,
    plan: &ReadPlan,
    gzip: bool,
    on_slice: &mut dyn FnMut(usize),
) -> Result<(Vec<i16>, Vec<String>)> {
    let [nx, ny, nz] = plan.dims;
    let slice_len = nx * ny;
    let elem = plan.datatype.size_of();
    let mut out: Vec<i16> = Vec::new();
    out.try_reserve_exact(slice_len * nz)
        .map_err(|_| Error::TooLarge {
            needed_mb: (slice_len * nz * 2 / 1_000_000) as u64,
            limit_mb: 0,
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

    let mut stats = ConversionStats::default();
    let mut raw = Vec::new();
    for k in 0..nz {
        raw.resize(slice_len * elem, 0);
        if let Err(e) = source.read_exact(&mut raw) {
            if e.kind() == std::io::ErrorKind::UnexpectedEof {
                return Err(Error::invalid(
                    FORMAT,
                    format!(
                        "the voxel data end after {k} of {nz} slices (truncated file?); \
                         expected {} bytes from offset {}",
                        (slice_len * nz * elem),
                        plan.data_offset
                    ),
                ));
            }
            return Err(super::io_error(e, gzip));
        }
        let slice = InMemNiftiVolume::from_raw_fields(
            raw_dim,
            plan.datatype,
            slope,
            inter,
            std::mem::take(&mut raw),
            h.endianness,
        )
        .map_err(|e| Error::invalid(FORMAT, format!("voxel data: {e}")))?;
        if identity_i16 {
            let arr = slice.into_ndarray::<i16>().map_err(conversion_error)?;
            match arr.as_slice_memory_order() {
                Some(s) => out.extend_from_slice(s),
                None => out.extend(arr.t().iter().copied()),
            }
        } else {
            let arr = slice.into_ndarray::<f64>().map_err(conversion_error)?;
            match arr.as_slice_memory_order() {
                Some(s) => out.extend(s.iter().map(|&v| stats.to_hu(v))),
                None => out.extend(arr.t().iter().map(|&v| stats.to_hu(v))),
            }
        }
        on_slice(k);
    }
    Ok((out, stats.warnings()))
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
    fn to_hu(&mut self, v: f64) -> i16 {
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
