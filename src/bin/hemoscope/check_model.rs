//! `hemoscope check-model <model.onnx> <card.json> --role classifier|segmenter`: the same
//! validation the page runs before a user's own model replaces a shipped one.

use std::path::{Path, PathBuf};

use clap::Args;
use hemoscope::model::validate::{validate_model, ValidatedModel};
use hemoscope::model::ModelRole;

#[derive(Args)]
pub struct CheckModelArgs {
    /// The ONNX file.
    onnx: PathBuf,
    /// Its model card (JSON; schema in models/CARD.md).
    card: PathBuf,
    /// Which model it would replace: classifier or segmenter.
    #[arg(long, value_parser = ["classifier", "segmenter"])]
    role: String,
}

pub fn run(args: &CheckModelArgs) -> Result<(), String> {
    let role = ModelRole::parse(&args.role).map_err(|e| e.to_string())?;
    let v = load_user_model(role, &args.onnx, &args.card)?;
    println!(
        "ok: {} {} can replace the {} (input {:?}, output {:?})",
        v.card.name,
        v.card.version,
        role.as_str(),
        v.card.onnx.input.shape,
        v.card.onnx.output.shape
    );
    Ok(())
}

/// Read and validate a user model; warnings go to stderr.
pub fn load_user_model(
    role: ModelRole,
    onnx: &Path,
    card: &Path,
) -> Result<ValidatedModel, String> {
    let bytes = std::fs::read(onnx).map_err(|e| format!("cannot read {}: {e}", onnx.display()))?;
    let text = std::fs::read_to_string(card)
        .map_err(|e| format!("cannot read {}: {e}", card.display()))?;
    let v = validate_model(role, &text, &bytes).map_err(|e| {
        format!(
            "{} is refused as the {}: {e}",
            onnx.display(),
            role.as_str()
        )
    })?;
    for w in &v.warnings {
        eprintln!("hemoscope: warning: {w}");
    }
    Ok(v)
}
