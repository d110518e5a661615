//! Bytes → [`Volume`]. Format detection and the readers for each format.
//!
//! Formats are recognised from their content, never from file names: NIfTI-1 (`n+1` at byte
//! 344), NIfTI-2 (header size 540 and `n+2`), DICOM (`DICM` at byte 128), and gzip (`1f 8b`),
//! whose start is inflated to look at what it holds.

pub mod nifti;
pub mod nifti_write;
mod sniff;

pub use self::nifti::{open_nifti, open_nifti_with_progress, NiftiDecoder, NiftiOptions};
pub use self::nifti_write::{
    write_converted_nii_gz, write_labels_nii_gz, write_nifti, write_volume_nii_gz, VoxelData,
};
pub use sniff::{sniff, Format};

use crate::{Error, Result, Volume};

/// Default limit on the memory one decoded volume may take (i16 voxels), checked from the
/// header before anything is allocated. wasm32 has at most 4 GB for everything (the file's
/// bytes, the inflated data and the page's copy too), so the browser build keeps well below.
#[cfg(target_arch = "wasm32")]
pub const DEFAULT_MEMORY_BUDGET_BYTES: u64 = 1_000_000_000;
/// Default limit on the memory one decoded volume may take (i16 voxels), checked from the
/// header before anything is allocated.
#[cfg(not(target_arch = "wasm32"))]
pub const DEFAULT_MEMORY_BUDGET_BYTES: u64 = 1_500_000_000;

/// One file handed to the app or the CLI: its name (or relative path) and its bytes.
#[derive(Debug, Clone)]
pub struct InputFile {
    pub name: String,
    pub bytes: Vec<u8>,
}

/// Open a single file (format sniffed from its bytes, not its name).
pub fn open_bytes(name: &str, bytes: &[u8]) -> Result<Volume> {
    open_bytes_with_progress(name, bytes, &mut |_| {})
}

/// [`open_bytes`] reporting progress (0.0..=1.0) while it decodes.
pub fn open_bytes_with_progress(
    name: &str,
    bytes: &[u8],
    progress: &mut dyn FnMut(f32),
) -> Result<Volume> {
    match sniff(bytes) {
        Format::Nifti1 { .. } => {
            open_nifti_with_progress(bytes, &NiftiOptions::default(), progress)
        }
        Format::Nifti2 { .. } | Format::Nifti1Pair { .. } => {
            // The NIfTI reader explains exactly what is not supported.
            open_nifti_with_progress(bytes, &NiftiOptions::default(), progress)
        }
        Format::Dicom => {
            let file = InputFile {
                name: name.to_string(),
                bytes: bytes.to_vec(),
            };
            let opened =
                dicom::open_dicom(vec![file], &dicom::DicomOptions::default(), &mut |d, t| {
                    progress(d as f32 / t.max(1) as f32)
                })?;
            Ok(opened.volume)
        }
        Format::Unknown(seen) => Err(Error::UnknownFormat(format!(
            "{name}: {seen}; expected a NIfTI-1 file (.nii or .nii.gz) or DICOM"
        ))),
    }
}

pub mod dicom;
pub mod dicom_seg;
mod files;
pub mod zip;

pub use files::{open_files, open_files_with, read_files, Intake, OpenOptions, Opened};
