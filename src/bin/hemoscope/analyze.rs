//! `hemoscope analyze <file|folder|zip>... --json out.json [--mask out.nii.gz]`.

use std::path::{Path, PathBuf};

use clap::Args;
use hemoscope::analysis::pipeline::Analyzer;
use hemoscope::io::{open_files, write_labels_nii_gz};
use hemoscope::Volume;

#[derive(Args)]
pub struct AnalyzeArgs {
    /// A volume file (.nii / .nii.gz), DICOM files, folders of them, or a zip.
    #[arg(required = true)]
    inputs: Vec<PathBuf>,
    /// Where to write the result JSON ("-" for standard output).
    #[arg(long)]
    json: PathBuf,
    /// Also write the label mask (NIfTI uint8 on the input grid: 0 background, 1 EDH, 2 IPH,
    /// 3 IVH, 4 SAH, 5 SDH).
    #[arg(long)]
    mask: Option<PathBuf>,
}

pub fn run(args: &AnalyzeArgs) -> Result<(), String> {
    let volume = open_inputs(&args.inputs)?;
    let analyzer = Analyzer::shipped().map_err(|e| e.to_string())?;
    let (result, mask) = analyzer.analyze(&volume).map_err(|e| e.to_string())?;
    let text = serde_json::to_string_pretty(&result).map_err(|e| e.to_string())?;
    if args.json.as_os_str() == "-" {
        println!("{text}");
    } else {
        write(&args.json, text.as_bytes())?;
    }
    if let Some(path) = &args.mask {
        let bytes =
            write_labels_nii_gz(&mask, volume.dims, &volume.geometry).map_err(|e| e.to_string())?;
        write(path, &bytes)?;
    }
    Ok(())
}

/// Open what the user named: a volume file, DICOM files, folders or zips, through the same
/// intake as `convert` and the app.
pub fn open_inputs(paths: &[PathBuf]) -> Result<Volume, String> {
    let files = crate::inputs::read_inputs(paths)?;
    let opened = open_files(files).map_err(|e| e.to_string())?;
    for note in &opened.notes {
        eprintln!("hemoscope: note: {note}");
    }
    Ok(opened.volume)
}

/// Open one volume file.
pub fn open_input(path: &Path) -> Result<Volume, String> {
    open_inputs(&[path.to_path_buf()])
}

fn write(path: &Path, bytes: &[u8]) -> Result<(), String> {
    std::fs::write(path, bytes).map_err(|e| format!("cannot write {}: {e}", path.display()))
}
