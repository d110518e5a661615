//! `hemoscope convert <files|folder|zip>... -o out.nii.gz [--series UID|INDEX]`: DICOM (or
//! NIfTI) in, NIfTI-1 out: int16 HU, i = column, j = row, k ascending along the slice normal,
//! sform = the DICOM geometry in RAS with gantry tilt as shear, qform code 0.

use std::path::PathBuf;

use clap::Args;
use hemoscope::io::dicom::DicomOptions;
use hemoscope::io::{open_files_with, write_converted_nii_gz, OpenOptions};

use crate::inputs::read_inputs;

#[derive(Args)]
pub struct ConvertArgs {
    /// DICOM files, folders of DICOM files, or .zip archives (a NIfTI file also works).
    #[arg(required = true)]
    inputs: Vec<PathBuf>,
    /// Output file (.nii.gz).
    #[arg(short, long)]
    output: PathBuf,
    /// Series to convert (SeriesInstanceUID or index in the list `info` prints) instead of
    /// the likeliest axial head CT.
    #[arg(long)]
    series: Option<String>,
    /// Print nothing but errors.
    #[arg(short, long)]
    quiet: bool,
}

pub fn run(args: &ConvertArgs) -> Result<(), String> {
    let files = read_inputs(&args.inputs)?;
    let options = OpenOptions {
        dicom: DicomOptions {
            series: args.series.clone(),
        },
    };
    let opened = open_files_with(files, &options, &mut |_, _| {}).map_err(|e| e.to_string())?;
    let bytes = write_converted_nii_gz(&opened.volume).map_err(|e| e.to_string())?;
    std::fs::write(&args.output, bytes)
        .map_err(|e| format!("cannot write {}: {e}", args.output.display()))?;
    if !args.quiet {
        let v = &opened.volume;
        println!(
            "wrote {} ({} x {} x {}) from {}",
            args.output.display(),
            v.dims[0],
            v.dims[1],
            v.dims[2],
            v.source
        );
        for w in v.warnings.iter().chain(&opened.notes) {
            println!("  - {w}");
        }
    }
    Ok(())
}
