//! `hemoscope info <file> [--json]`.

use std::path::PathBuf;

use clap::Args;
use hemoscope::io::open_bytes;
use hemoscope::Volume;
use serde_json::json;

#[derive(Args)]
pub struct InfoArgs {
    /// The volume to inspect (.nii or .nii.gz).
    file: PathBuf,
    /// Print one JSON object instead of a summary.
    #[arg(long)]
    json: bool,
}

pub fn run(args: &InfoArgs) -> Result<(), String> {
    let bytes = std::fs::read(&args.file)
        .map_err(|e| format!("cannot read {}: {e}", args.file.display()))?;
    let name = args
        .file
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let volume = open_bytes(&name, &bytes).map_err(|e| e.to_string())?;
    if args.json {
        println!("{}", info_json(&volume));
    } else {
        print!("{}", summary(&volume));
    }
    Ok(())
}

/// The `--json` object: dims, spacing_mm, affine_ras, hu {min, max, mean}, warnings, plus
/// source and orientation.
pub fn info_json(v: &Volume) -> serde_json::Value {
    let hu = v.hu_stats();
    json!({
        "dims": v.dims,
        "spacing_mm": v.spacing_mm(),
        "affine_ras": v.geometry.affine,
        "hu": { "min": hu.min, "max": hu.max, "mean": hu.mean },
        "warnings": v.warnings,
        "source": v.source,
        "orientation": v.geometry.orientation_code(),
    })
}

fn summary(v: &Volume) -> String {
    let hu = v.hu_stats();
    let s = v.spacing_mm();
    let mut out = format!(
        "source:      {}\ndims:        {} x {} x {}\nspacing:     {:.4} x {:.4} x {:.4} mm\n\
         orientation: {} (voxel axes i, j, k)\nHU:          min {} max {} mean {:.1}\naffine (voxel -> RAS mm):\n",
        v.source, v.dims[0], v.dims[1], v.dims[2], s[0], s[1], s[2],
        v.geometry.orientation_code(), hu.min, hu.max, hu.mean
    );
    for row in &v.geometry.affine {
        out.push_str(&format!(
            "  [{:10.4} {:10.4} {:10.4} {:10.4}]\n",
            row[0], row[1], row[2], row[3]
        ));
    }
    if v.warnings.is_empty() {
        out.push_str("warnings:    none\n");
    } else {
        out.push_str("warnings:\n");
        for w in &v.warnings {
            out.push_str(&format!("  - {w}\n"));
        }
    }
    out
}
