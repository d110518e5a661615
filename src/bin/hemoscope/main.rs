//! The `hemoscope` command-line tool over the same library the app uses.
//!
//! Errors are printed as one line `hemoscope: <message>` on stderr with exit code 1.

#[cfg(feature = "inference")]
#[cfg(not(target_arch = "wasm32"))]
mod analyze;
#[cfg(feature = "inference")]
#[cfg(not(target_arch = "wasm32"))]
mod check_model;
#[cfg(not(target_arch = "wasm32"))]
mod convert;
#[cfg(not(target_arch = "wasm32"))]
mod csv;
#[cfg(feature = "inference")]
#[cfg(not(target_arch = "wasm32"))]
mod evaluate;
#[cfg(feature = "inference")]
#[cfg(not(target_arch = "wasm32"))]
mod evaluate_manifest;
#[cfg(not(target_arch = "wasm32"))]
mod info;
#[cfg(not(target_arch = "wasm32"))]
mod inputs;
#[cfg(not(target_arch = "wasm32"))]
mod manifest;
#[cfg(not(target_arch = "wasm32"))]
mod phantom;

#[cfg(not(target_arch = "wasm32"))]
use clap::{Parser, Subcommand};

#[cfg(not(target_arch = "wasm32"))]
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

#[cfg(not(target_arch = "wasm32"))]
#[derive(Subcommand)]
enum Command {
    /// Convert a DICOM series (files, folder or zip) to NIfTI-1 (.nii.gz).
    Convert(convert::ConvertArgs),
    /// Print dimensions, spacing, affine, HU statistics and warnings of a volume.
    Info(info::InfoArgs),
    /// Write a dataset manifest (.json) for a folder of cases (see README, "Making a manifest").
    Manifest(manifest::ManifestArgs),
    /// Write the synthetic demo head CT (and optionally its ground-truth labels) as .nii.gz.
    Phantom(phantom::PhantomArgs),
    /// Run both models over every slice: probabilities, verdicts, volumes, label mask.
    #[cfg(feature = "inference")]
    Analyze(analyze::AnalyzeArgs),
    /// Check a model of your own (ONNX + model card) the way the page does before using it.
    #[cfg(feature = "inference")]
    CheckModel(check_model::CheckModelArgs),
    /// Compare the models with ground truth: a dataset manifest (.json), or recompute the model
    /// card's validation metrics from a dataset folder.
    #[cfg(feature = "inference")]
    Evaluate(evaluate::EvaluateArgs),
}

#[cfg(not(target_arch = "wasm32"))]
fn main() {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Convert(args) => convert::run(&args),
        Command::Info(args) => info::run(&args),
        Command::Manifest(args) => manifest::run(&args),
        Command::Phantom(args) => phantom::run(&args),
        #[cfg(feature = "inference")]
        Command::Analyze(args) => analyze::run(&args),
        #[cfg(feature = "inference")]
        Command::CheckModel(args) => check_model::run(&args),
        #[cfg(feature = "inference")]
        Command::Evaluate(args) => evaluate::run(&args),
    };
    if let Err(message) = result {
        eprintln!("hemoscope: {message}");
        std::process::exit(1);
    }
}

/// The CLI is native only; this stub lets `cargo test --target wasm32-unknown-unknown` build.
#[cfg(target_arch = "wasm32")]
fn main() {}
