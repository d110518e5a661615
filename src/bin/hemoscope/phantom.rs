//! `hemoscope phantom -o demo.nii.gz [--labels labels.nii.gz]` and
//! `hemoscope phantom --dataset DIR` (the demo dataset: synthetic cases, label maps, manifest).

use std::path::{Path, PathBuf};

use clap::Args;
use hemoscope::dataset::demo;
use hemoscope::io::{write_labels_nii_gz, write_volume_nii_gz};
use hemoscope::phantom::demo_case;

#[derive(Args)]
pub struct PhantomArgs {
    /// Where to write the synthetic head CT (.nii.gz).
    #[arg(short, long, required_unless_present = "dataset")]
    output: Option<PathBuf>,
    /// Also write the ground-truth label map (0 background, 1 EDH, 2 IPH, 3 IVH, 4 SAH, 5 SDH).
    #[arg(long)]
    labels: Option<PathBuf>,
    /// Write the demo dataset (synthetic cases, their label maps and manifest.json) into this
    /// folder, as shipped in web/demo-dataset/.
    #[arg(long)]
    dataset: Option<PathBuf>,
}

pub fn run(args: &PhantomArgs) -> Result<(), String> {
    if let Some(dir) = &args.dataset {
        std::fs::create_dir_all(dir)
            .map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
        for (name, bytes) in demo::files().map_err(|e| e.to_string())? {
            write(&dir.join(name), &bytes)?;
        }
    }
    let Some(output) = &args.output else {
        return Ok(());
    };
    let (volume, labels) = demo_case();
    let bytes = write_volume_nii_gz(&volume).map_err(|e| e.to_string())?;
    write(output, &bytes)?;
    if let Some(path) = &args.labels {
        let bytes = write_labels_nii_gz(&labels, volume.dims, &volume.geometry)
            .map_err(|e| e.to_string())?;
        write(path, &bytes)?;
    }
    Ok(())
}

fn write(path: &Path, bytes: &[u8]) -> Result<(), String> {
    std::fs::write(path, bytes).map_err(|e| format!("cannot write {}: {e}", path.display()))
}
