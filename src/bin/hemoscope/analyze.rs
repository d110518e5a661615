//! `hemoscope analyze <file|folder|zip>... [--json out.json] [--mask out.nii.gz]
//! [--seg out.dcm] [--report out.csv] [--report out.json] [--include-patient]`.

use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

use clap::Args;
use hemoscope::analysis::cascade::{Cascade, DEFAULT_THRESHOLD};
use hemoscope::analysis::pipeline::Analyzer;
use hemoscope::analysis::report::{
    report_csv, report_json, time_from_unix_ms, ReportInfo, SOFTWARE_VERSION,
};
use hemoscope::io::dicom_seg::{write_seg, SegRequest};
use hemoscope::io::{open_files, write_labels_nii_gz};
use hemoscope::model::ModelRole;
use hemoscope::Volume;

use crate::check_model::load_user_model;

#[derive(Args)]
pub struct AnalyzeArgs {
    /// A volume file (.nii / .nii.gz), DICOM files, folders of them, or a zip.
    #[arg(required = true)]
    inputs: Vec<PathBuf>,
    /// Where to write the result JSON ("-" for standard output).
    #[arg(long)]
    json: Option<PathBuf>,
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
    /// Also write a DICOM Segmentation object (DICOM input only).
    #[arg(long)]
    seg: Option<PathBuf>,
    /// Also write a report: CSV for a `.csv` path, JSON (the result plus report fields) for a
    /// `.json` path. May be given twice.
    #[arg(long)]
    report: Vec<PathBuf>,
    /// Put the patient's name and ID in the reports (left out unless asked for).
    #[arg(long)]
    include_patient: bool,
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

#[derive(Clone, Copy)]
enum ReportKind {
    Csv,
    Json,
}

fn report_kind(path: &Path) -> Result<ReportKind, String> {
    match path
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase)
        .as_deref()
    {
        Some("csv") => Ok(ReportKind::Csv),
        Some("json") => Ok(ReportKind::Json),
        _ => Err(format!(
            "--report {}: name the file .csv or .json to choose the format",
            path.display()
        )),
    }
}

pub fn run(args: &AnalyzeArgs) -> Result<(), String> {
    if args.json.is_none() && args.mask.is_none() && args.seg.is_none() && args.report.is_empty() {
        return Err("nothing to write: give --json, --mask, --seg or --report".into());
    }
    let kinds = args
        .report
        .iter()
        .map(|p| report_kind(p))
        .collect::<Result<Vec<_>, _>>()?;
    let volume = open_inputs(&args.inputs)?;
    if args.seg.is_some() && volume.dicom.is_none() {
        return Err(
            "--seg needs DICOM input (a DICOM Segmentation refers to the source images); this \
             input is NIfTI: use --mask for a NIfTI label map"
                .into(),
        );
    }
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
    let no_brain = result.slices.iter().filter(|s| s.no_brain).count();
    if no_brain > 0 {
        eprintln!(
            "hemoscope: {no_brain} of {} slices hold no brain (no soft tissue inside the bone); \
             the models did not run on them (\"no_brain\": true in the JSON)",
            result.slices.len()
        );
    }
    let now_ms = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_err(|e| format!("the system clock is before 1970: {e}"))?
        .as_millis() as f64;
    let time = time_from_unix_ms(now_ms).map_err(|e| e.to_string())?;
    if let Some(path) = &args.json {
        let text = serde_json::to_string_pretty(&result).map_err(|e| e.to_string())?;
        if path.as_os_str() == "-" {
            println!("{text}");
        } else {
            write(path, text.as_bytes())?;
        }
    }
    if let Some(path) = &args.mask {
        let bytes =
            write_labels_nii_gz(&mask, volume.dims, &volume.geometry).map_err(|e| e.to_string())?;
        write(path, &bytes)?;
    }
    if let Some(path) = &args.seg {
        let card = &analyzer.segmenter.card;
        let algorithm = format!("{} {}", card.name, card.version);
        let source = volume.dicom.as_ref().ok_or("--seg needs DICOM input")?;
        let seg = write_seg(&SegRequest {
            dims: volume.dims,
            geometry: &volume.geometry,
            source,
            mask: &mask,
            algorithm: &algorithm,
            software_version: SOFTWARE_VERSION,
            time,
        })
        .map_err(|e| format!("--seg: {e}"))?;
        for note in &seg.notes {
            eprintln!("hemoscope: note: --seg: {note}");
        }
        write(path, &seg.bytes)?;
    }
    for (path, kind) in args.report.iter().zip(kinds) {
        let info = ReportInfo::new(&volume, time, args.include_patient);
        let text = match kind {
            ReportKind::Csv => report_csv(&result, &info),
            ReportKind::Json => report_json(&result, info),
        }
        .map_err(|e| e.to_string())?;
        write(path, text.as_bytes())?;
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
