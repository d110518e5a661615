//! `hemoscope phantom -o demo.nii.gz [--labels labels.nii.gz]`.

use std::path::PathBuf;

use clap::Args;

#[derive(Args)]
pub struct PhantomArgs {
    /// Where to write the synthetic head CT (.nii.gz).
    #[arg(short, long)]
    output: PathBuf,
    /// Also write the ground-truth label map (0 background, 1 EDH, 2 IPH, 3 IVH, 4 SAH, 5 SDH).
    #[arg(long)]
    labels: Option<PathBuf>,
}

pub fn run(args: &PhantomArgs) -> Result<(), String> {
    let _ = args;
    Err("the phantom is not available yet".to_string())
}
