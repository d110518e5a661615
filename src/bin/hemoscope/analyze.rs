//! `hemoscope analyze <file|folder> --json out.json [--mask out.nii.gz]`.

use std::path::{Path, PathBuf};

use clap::Args;
use hemoscope::analysis::pipeline::Analyzer;
use hemoscope::io::{open_bytes, write_labels_nii_gz};
use hemoscope::Volume;

#[derive(Args)]
pub struct AnalyzeArgs {
    /// A volume file (.nii / .nii.gz), or a folder holding one.
    input: PathBuf,
    /// Where to write the result JSON ("-" for standard output).
    #[arg(long)]
    json: PathBuf,
    /// Also write the label mask (NIfTI uint8 on the input grid: 0 background, 1 EDH, 2 IPH,
    /// 3 IVH, 4 SAH, 5 SDH).
    #[arg(long)]
    mask: Option<PathBuf>,
}

pub fn run(args: &AnalyzeArgs) -> Result<(), String> {
    let volume = open_input(&args.input)?;
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

/// A file, or a folder with exactly one readable volume file.
pub fn open_input(path: &Path) -> Result<Volume, String> {
    if path.is_dir() {
        let mut files: Vec<PathBuf> = std::fs::read_dir(path)
            .map_err(|e| format!("cannot list {}: {e}", path.display()))?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.is_file())
            .collect();
        files.sort();
        let mut volumes = Vec::new();
        for f in &files {
            if let Ok(v) = open_file(f) {
                volumes.push(v);
            }
        }
        return match volumes.len() {
            1 => Ok(volumes.remove(0)),
            0 => Err(format!(
                "{}: no readable volume in this folder (DICOM series folders need the DICOM reader)",
                path.display()
            )),
            n => Err(format!("{}: {n} volumes in this folder; pass one file", path.display())),
        };
    }
    open_file(path)
}

fn open_file(path: &Path) -> Result<Volume, String> {
    let bytes = std::fs::read(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    open_bytes(&name, &bytes).map_err(|e| e.to_string())
}

fn write(path: &Path, bytes: &[u8]) -> Result<(), String> {
    std::fs::write(path, bytes).map_err(|e| format!("cannot write {}: {e}", path.display()))
}
