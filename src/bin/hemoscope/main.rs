//! The `hemoscope` command-line tool over the same library the app uses.
//!
//! Errors are printed as one line `hemoscope: <message>` on stderr with exit code 1.

mod convert;
mod info;
mod inputs;
mod phantom;

use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(
    name = "hemoscope",
    version,
    about = "Head-CT viewer tools: inspect volumes, write the demo case"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Convert a DICOM series (files, folder or zip) to NIfTI-1 (.nii.gz).
    Convert(convert::ConvertArgs),
    /// Print dimensions, spacing, affine, HU statistics and warnings of a volume.
    Info(info::InfoArgs),
    /// Write the synthetic demo head CT (and optionally its ground-truth labels) as .nii.gz.
    Phantom(phantom::PhantomArgs),
}

fn main() {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Convert(args) => convert::run(&args),
        Command::Info(args) => info::run(&args),
        Command::Phantom(args) => phantom::run(&args),
    };
    if let Err(message) = result {
        eprintln!("hemoscope: {message}");
        std::process::exit(1);
    }
}
