//! Header checks done before any voxel memory is allocated.

use nifti::{NiftiHeader, NiftiType};

use super::{NiftiOptions, FORMAT, NIFTI1_HEADER_LEN, NIFTI2_HEADER_LEN};
use crate::{Error, Result};

/// What the reader will do, decided from a validated header.
#[derive(Debug, Clone)]
pub(super) struct ReadPlan {
    /// Output dimensions (i, j, k) of the first 3-D volume.
    pub dims: [usize; 3],
    /// Number of 3-D volumes the file holds (the product of dims 4 to 7); only the first is read.
    pub volumes: u64,
    pub datatype: NiftiType,
    /// Byte offset of the voxel data in the (uncompressed) file.
    pub data_offset: u64,
    /// Effective scaling: `None` when the stored values are already the HU values.
    pub scaling: Option<(f64, f64)>,
    pub warnings: Vec<String>,
}

/// Which NIfTI flavour the first bytes of an (uncompressed) file announce, if any.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NiftiKind {
    /// Single-file NIfTI-1 (`n+1`).
    Nifti1,
    /// NIfTI-1 header of a `.hdr`/`.img` pair (`ni1`).
    Nifti1Pair,
    /// Single-file NIfTI-2 (`n+2`).
    Nifti2,
    /// NIfTI-2 header of a pair (`ni2`).
    Nifti2Pair,
}

/// Recognise a NIfTI header from the first bytes of the uncompressed file (at least 348 bytes
/// for NIfTI-1, 8 for NIfTI-2). Either byte order.
pub fn sniff_nifti(head: &[u8]) -> Option<NiftiKind> {
    if head.len() >= 8 {
        let size_le = i32::from_le_bytes([head[0], head[1], head[2], head[3]]);
        let size_be = i32::from_be_bytes([head[0], head[1], head[2], head[3]]);
        if size_le == NIFTI2_HEADER_LEN as i32 || size_be == NIFTI2_HEADER_LEN as i32 {
            match &head[4..8] {
                b"n+2\0" => return Some(NiftiKind::Nifti2),
                b"ni2\0" => return Some(NiftiKind::Nifti2Pair),
                _ => {}
            }
        }
    }
    if head.len() >= NIFTI1_HEADER_LEN {
        match &head[344..348] {
            b"n+1\0" => return Some(NiftiKind::Nifti1),
            b"ni1\0" => return Some(NiftiKind::Nifti1Pair),
            _ => {}
        }
    }
    None
}

/// Check the raw header bytes: size field, magic, and the flavours the reader refuses.
pub(super) fn check_raw_header(raw: &[u8; NIFTI1_HEADER_LEN]) -> Result<()> {
    match sniff_nifti(raw) {
        Some(NiftiKind::Nifti1) => {}
        Some(NiftiKind::Nifti2) | Some(NiftiKind::Nifti2Pair) => {
            return Err(Error::unsupported(
                FORMAT,
                "NIfTI-2 files cannot be read yet; save the volume as NIfTI-1 \
                 (e.g. nibabel.Nifti1Image(img.dataobj, img.affine))",
            ))
        }
        Some(NiftiKind::Nifti1Pair) => return Err(Error::unsupported(
            FORMAT,
            "this is the header of a .hdr/.img pair; convert it to a single .nii or .nii.gz file",
        )),
        None => {
            return Err(Error::invalid(
                FORMAT,
                "no NIfTI-1 magic ('n+1') at byte 344 of the header",
            ))
        }
    }
    let size_le = i32::from_le_bytes([raw[0], raw[1], raw[2], raw[3]]);
    let size_be = i32::from_be_bytes([raw[0], raw[1], raw[2], raw[3]]);
    if size_le != NIFTI1_HEADER_LEN as i32 && size_be != NIFTI1_HEADER_LEN as i32 {
        return Err(Error::invalid(FORMAT, "header size field is not 348"));
    }
    // The crate picks the byte order from dim[0]; make sure that choice agrees with the size
    // field, otherwise every other field would be read with the wrong byte order.
    let dim0_le = i16::from_le_bytes([raw[40], raw[41]]);
    let little = size_le == NIFTI1_HEADER_LEN as i32;
    let dim0 = if little {
        dim0_le
    } else {
        i16::from_be_bytes([raw[40], raw[41]])
    };
    if !(1..=7).contains(&dim0) {
        return Err(Error::invalid(
            FORMAT,
            format!("dim[0] (the number of dimensions) is {dim0}, it must be 1 to 7"),
        ));
    }
    Ok(())
}

/// Size of the input, used to detect truncated files before allocating.
#[derive(Debug, Clone, Copy)]
pub(super) enum InputSize {
    /// Uncompressed file of this many bytes.
    Plain(usize),
    /// Gzip file of this many compressed bytes.
    Gzip(usize),
}

/// Deflate cannot compress better than about 1032:1, so a gzip file of n bytes inflates to at
/// most this many times n (plus headers).
const MAX_DEFLATE_RATIO: u64 = 1032;

/// Validate a parsed header and decide how to read it.
pub(super) fn validate(
    h: &NiftiHeader,
    options: &NiftiOptions,
    input: InputSize,
) -> Result<ReadPlan> {
    let mut warnings = Vec::new();
    let rank = usize::from(h.dim[0]);
    if !(1..=7).contains(&rank) {
        return Err(Error::invalid(
            FORMAT,
            format!("dim[0] is {rank}, it must be 1 to 7"),
        ));
    }
    // dim[] is signed in the file; the crate reads it unsigned, so negative sizes look huge.
    let mut sizes = [1usize; 7];
    for d in 1..=rank {
        let v = h.dim[d] as i16;
        if v <= 0 {
            return Err(Error::invalid(
                FORMAT,
                format!("dim[{d}] is {v}, sizes must be positive"),
            ));
        }
        sizes[d - 1] = v as usize;
    }
    let dims = [sizes[0], sizes[1], sizes[2]];
    // At most 32767^4, which fits u64 (a usize product could overflow on wasm32).
    let extra: u64 = sizes[3..].iter().map(|&s| s as u64).product();
    if extra > 1 {
        warnings.push(format!(
            "the file holds {extra} volumes ({rank}-D); only the first 3-D volume is shown"
        ));
    }

    let datatype = h
        .data_type()
        .map_err(|_| Error::invalid(FORMAT, format!("unknown datatype code {}", h.datatype)))?;
    use NiftiType::*;
    if !matches!(
        datatype,
        Uint8 | Int8 | Uint16 | Int16 | Uint32 | Int32 | Float32 | Float64
    ) {
        return Err(Error::unsupported(
            FORMAT,
            format!(
                "datatype {datatype:?} (code {}); CT volumes must be integer (8/16/32-bit) \
                 or float (32/64-bit) scalars",
                h.datatype
            ),
        ));
    }
    let elem = datatype.size_of() as u64;
    if i64::from(h.bitpix) != (elem * 8) as i64 {
        warnings.push(format!(
            "header bitpix is {} but datatype {datatype:?} has {} bits; the datatype was used",
            h.bitpix,
            elem * 8
        ));
    }

    let voxels = (dims[0] as u64)
        .checked_mul(dims[1] as u64)
        .and_then(|v| v.checked_mul(dims[2] as u64))
        .ok_or_else(|| Error::invalid(FORMAT, "the dimensions overflow"))?;
    let needed = voxels.saturating_mul(2);
    if needed > options.memory_budget_bytes {
        return Err(Error::TooLarge {
            needed_mb: needed / 1_000_000,
            limit_mb: options.memory_budget_bytes / 1_000_000,
        });
    }

    let offset = h.vox_offset;
    if !offset.is_finite() || offset < NIFTI1_HEADER_LEN as f32 || offset > 1.0e12 {
        return Err(Error::invalid(
            FORMAT,
            format!("vox_offset {offset} is not a valid data offset (must be at least 352)"),
        ));
    }
    if offset.fract() != 0.0 {
        return Err(Error::invalid(
            FORMAT,
            format!("vox_offset {offset} is not a whole number"),
        ));
    }
    let data_offset = offset as u64;
    let end = data_offset + voxels * elem;
    match input {
        InputSize::Plain(len) if (len as u64) < end => {
            return Err(super::truncated(end, len as u64));
        }
        InputSize::Gzip(len) if (len as u64 + 64).saturating_mul(MAX_DEFLATE_RATIO) < end => {
            return Err(Error::invalid(
                FORMAT,
                format!(
                    "the file is truncated: the header needs {end} bytes, more than a \
                     {len}-byte gzip file can hold"
                ),
            ));
        }
        _ => {}
    }

    let slope = h.scl_slope;
    let inter = h.scl_inter;
    let scaling = if slope == 0.0 {
        None
    } else if !slope.is_finite() {
        return Err(Error::invalid(FORMAT, format!("scl_slope is {slope}")));
    } else if !inter.is_finite() {
        return Err(Error::invalid(FORMAT, format!("scl_inter is {inter}")));
    } else if slope == 1.0 && inter == 0.0 {
        None
    } else {
        Some((f64::from(slope), f64::from(inter)))
    };

    for (d, &p) in h.pixdim[1..=3].iter().enumerate() {
        if !p.is_finite() {
            return Err(Error::invalid(FORMAT, format!("pixdim[{}] is {p}", d + 1)));
        }
    }

    Ok(ReadPlan {
        dims,
        volumes: extra,
        datatype,
        data_offset,
        scaling,
        warnings,
    })
}
