//! `hemoscope analyze <file|folder|zip>... --json out.json [--mask out.nii.gz]`.

use std::path::{Path, PathBuf};

use clap::Args;
use hemoscope::analysis::cascade::{Cascade, DEFAULT_THRESHOLD};
use hemoscope::analysis::pipeline::Analyzer;
use hemoscope::model::ModelRole;

use crate::check_model::load_user_model;
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
    /// Your own classifier (ONNX) instead of the shipped one; needs --classifier-card.
    #[arg(long, requires = "classifier_card")]
    classifier: Option<PathBuf>,
    /// The model card of --classifier (schema in models/CARD.md).
    #[arg(long, requires = "classifier")]
    classifier_card: Option<PathBuf>,
    /// Your own segmenter (ONNX) instead of the shipped one; needs --segmenter-card.
    #[arg(long, requires = "segmenter_card")]
    segmenter: Option<PathBuf>,
    /// The model card of --segmenter.
    #[arg(long, requires = "segmenter")]
    segmenter_card: Option<PathBuf>,
    #[command(flatten)]
    cascade: CascadeArgs,
}

/// The cascade options shared by `analyze` and `evaluate`.
#[derive(Args)]
pub struct CascadeArgs {
    /// Segment only the slices the classifier flags, plus their neighbours.
    #[arg(long)]
    pub cascade: bool,
    /// Classifier "any" probability that flags a slice.
    #[arg(long, default_value_t = DEFAULT_THRESHOLD)]
    pub cascade_threshold: f32,
    /// Slices segmented on each side of a flagged one.
    #[arg(long, default_value_t = 1)]
    pub cascade_neighbours: usize,
}

impl CascadeArgs {
    /// The cascade settings when `--cascade` is given.
    pub fn settings(&self) -> Option<Cascade> {
        self.cascade.then_some(Cascade {
            threshold: self.cascade_threshold,
            neighbours: self.cascade_neighbours,
        })
    }
}

/// The shipped models, with the user's own in their place where given.
pub fn analyzer_with(
    classifier: Option<(&PathBuf, &PathBuf)>,
    segmenter: Option<(&PathBuf, &PathBuf)>,
) -> Result<Analyzer, String> {
    let mut analyzer = Analyzer::shipped().map_err(|e| e.to_string())?;
    for (role, paths) in [
        (ModelRole::Classifier, classifier),
        (ModelRole::Segmenter, segmenter),
    ] {
        if let Some((onnx, card)) = paths {
            analyzer.replace(load_user_model(role, onnx, card)?);
        }
    }
    Ok(analyzer)
}

pub fn run(args: &AnalyzeArgs) -> Result<(), String> {
    let volume = open_inputs(&args.inputs)?;
    let analyzer = analyzer_with(
        args.classifier.as_ref().zip(args.classifier_card.as_ref()),
        args.segmenter.as_ref().zip(args.segmenter_card.as_ref()),
    )?;
    let (result, mask) = match args.cascade.settings() {
        Some(c) => {
            let (r, m, stats) = analyzer
                .analyze_cascade(&volume, &c)
                .map_err(|e| e.to_string())?;
            eprintln!(
                "hemoscope: cascade: segmented {} of {} slices",
                stats.segmented, stats.total
            );
            (r, m)
        }
        None => analyzer.analyze(&volume).map_err(|e| e.to_string())?,
    };
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
