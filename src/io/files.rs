//! Many files at once (a drop, a folder, a zip, CLI arguments) → one opened volume.

use super::dicom::{self, DicomOptions, DicomSet, SeriesSummary};
use super::zip::{self, ZipLimits};
use super::InputFile;
use crate::{Error, Result, Volume};

/// The result of an intake: the opened volume, every series found (DICOM only; empty for a
/// NIfTI file) and notes about skipped or unusual files.
#[derive(Debug, Clone)]
pub struct Opened {
    pub volume: Volume,
    pub series: Vec<SeriesSummary>,
    pub notes: Vec<String>,
}

/// What [`open_files_with`] may be asked to do differently from the defaults.
#[derive(Debug, Clone, Default)]
pub struct OpenOptions {
    pub dicom: DicomOptions,
}

/// Open files as dropped or listed: zips are expanded, DICOM files are assembled into series
/// (the likeliest axial head CT is opened), otherwise a single NIfTI file is opened.
pub fn open_files(files: Vec<InputFile>) -> Result<Opened> {
    open_files_with(files, &OpenOptions::default(), &mut |_, _| {})
}

/// [`open_files`] with options and a progress callback `progress(done, total)`.
pub fn open_files_with(
    files: Vec<InputFile>,
    options: &OpenOptions,
    progress: &mut dyn FnMut(usize, usize),
) -> Result<Opened> {
    let (dicom_files, others, mut notes) = expand(files)?;
    if !dicom_files.is_empty() {
        let mut opened = dicom::open_dicom(dicom_files, &options.dicom, progress)?;
        notes.append(&mut opened.notes);
        opened.notes = notes;
        return Ok(opened);
    }
    open_single(others, notes, progress)
}

/// What [`read_files`] found: DICOM files parsed into series (none opened yet), or a volume
/// file already opened.
#[derive(Debug)]
pub enum Intake {
    Dicom {
        set: DicomSet,
        /// Notes about the files (skipped, not DICOM, archives), said before the series' own.
        notes: Vec<String>,
    },
    /// Boxed: a volume with its DICOM source is much larger than the other variant.
    Opened(Box<Opened>),
}

/// Like [`open_files_with`], but DICOM files are only parsed and grouped: the caller opens a
/// series of the returned [`DicomSet`] (and may later open another one from it).
/// `progress(done, total)` counts parsed files.
pub fn read_files(files: Vec<InputFile>, progress: &mut dyn FnMut(usize, usize)) -> Result<Intake> {
    let (dicom_files, others, notes) = expand(files)?;
    if !dicom_files.is_empty() {
        let set = DicomSet::read(dicom_files, progress)?;
        return Ok(Intake::Dicom { set, notes });
    }
    open_single(others, notes, progress).map(|o| Intake::Opened(Box::new(o)))
}

/// Expand zips and split DICOM files from the others; notes for skipped files.
fn expand(files: Vec<InputFile>) -> Result<(Vec<InputFile>, Vec<InputFile>, Vec<String>)> {
    if files.is_empty() {
        return Err(Error::Other("no files were given".into()));
    }
    let mut notes = Vec::new();
    let mut expanded = Vec::new();
    for f in files {
        if zip::is_zip(&f.bytes) {
            let (inner, zip_notes) = zip::extract(&f.name, &f.bytes, ZipLimits::default())?;
            notes.extend(zip_notes);
            if inner.is_empty() {
                notes.push(format!("{}: the archive holds no files", f.name));
            }
            expanded.extend(inner);
        } else if !f.bytes.is_empty() {
            expanded.push(f);
        } else {
            notes.push(format!("{}: empty file, skipped", f.name));
        }
    }
    if expanded.is_empty() {
        let why = if notes.is_empty() {
            String::new()
        } else {
            format!(
                " ({})",
                notes.iter().take(3).cloned().collect::<Vec<_>>().join("; ")
            )
        };
        return Err(Error::Other(format!(
            "no files with content were given{why}"
        )));
    }
    let (dicom_files, others): (Vec<InputFile>, Vec<InputFile>) = expanded
        .into_iter()
        .partition(|f| dicom::is_dicom(&f.bytes));
    if !dicom_files.is_empty() {
        for f in others.iter().take(3) {
            notes.push(format!("{}: not DICOM, ignored", f.name));
        }
    }
    Ok((dicom_files, others, notes))
}

/// The first of `others` that opens as a volume (NIfTI or a lone DICOM file).
fn open_single(
    others: Vec<InputFile>,
    mut notes: Vec<String>,
    progress: &mut dyn FnMut(usize, usize),
) -> Result<Opened> {
    let mut last_err = None;
    let n = others.len();
    for (i, f) in others.iter().enumerate() {
        match super::open_bytes(&f.name, &f.bytes) {
            Ok(volume) => {
                if n > 1 {
                    notes.push(format!(
                        "opened {}; {} other file(s) ignored",
                        f.name,
                        n - 1
                    ));
                }
                progress(1, 1);
                return Ok(Opened {
                    volume,
                    series: Vec::new(),
                    notes,
                });
            }
            Err(e) => {
                if i < 3 && n > 1 {
                    notes.push(format!("{}: {e}", f.name));
                }
                last_err = Some(e);
            }
        }
    }
    Err(last_err.unwrap_or_else(|| Error::Other("no files with content were given".into())))
}
