//! `hemoscope info <file> [--json]`.

use std::path::PathBuf;

use clap::Args;
use hemoscope::io::{open_files, Opened};
use hemoscope::Volume;
use serde_json::json;

#[derive(Args)]
pub struct InfoArgs {
    /// The volume to inspect: a .nii / .nii.gz file, or DICOM files, folders or .zip archives.
    #[arg(required = true)]
    files: Vec<PathBuf>,
    /// Print one JSON object instead of a summary.
    #[arg(long)]
    json: bool,
}

pub fn run(args: &InfoArgs) -> Result<(), String> {
    let files = crate::inputs::read_inputs(&args.files)?;
    let opened = open_files(files).map_err(|e| e.to_string())?;
    if args.json {
        let mut j = info_json(&opened.volume);
        j["series"] = json!(opened.series);
        j["notes"] = json!(opened.notes);
        println!("{j}");
    } else {
        print!("{}", summary(&opened.volume));
        print!("{}", series_summary(&opened));
    }
    Ok(())
}

/// The DICOM series list and intake notes (nothing for a NIfTI file).
fn series_summary(o: &Opened) -> String {
    let mut out = String::new();
    if !o.series.is_empty() {
        out.push_str(
            "series:
",
        );
        for (i, s) in o.series.iter().enumerate() {
            let thickness = s
                .thickness_mm
                .map(|t| format!("{t} mm"))
                .unwrap_or_else(|| "thickness ?".into());
            out.push_str(&format!(
                "  {}[{i}] {} \"{}\" {} slices {}x{} {} {} {}\n",
                if s.opened { "*" } else { " " },
                s.modality,
                s.description,
                s.slices,
                s.columns,
                s.rows,
                thickness,
                s.orientation,
                s.series_uid
            ));
        }
    }
    for n in &o.notes {
        out.push_str(&format!("note: {n}\n"));
    }
    out
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
