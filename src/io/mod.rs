//! Bytes → [`Volume`]. Format detection and the readers for each format.

use crate::{Error, Result, Volume};

/// One file handed to the app or the CLI: its name (or relative path) and its bytes.
#[derive(Debug, Clone)]
pub struct InputFile {
    pub name: String,
    pub bytes: Vec<u8>,
}

/// Open a single file (format sniffed from its bytes, not its name).
pub fn open_bytes(name: &str, bytes: &[u8]) -> Result<Volume> {
    let _ = bytes;
    Err(Error::UnknownFormat(format!("no reader yet for {name}")))
}

pub mod dicom;
mod files;
pub mod zip;

pub use files::{open_files, open_files_with, OpenOptions, Opened};
