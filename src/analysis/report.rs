//! The analysis report, as JSON and CSV: the result (same fields as `hemoscope analyze
//! --json`) plus when it ran, the software version, the input grid, and — only when asked for —
//! the patient's name and ID.
//!
//! The time of the analysis is passed in by the caller (the page reads the browser's clock,
//! the CLI the system clock); the library never reads a clock.

use chrono::{DateTime, SecondsFormat, Utc};
use serde::Serialize;

use super::result::{AnalysisResult, Labels};
use crate::{Error, Result, Volume};

/// The line every export carries.
pub const RESEARCH_USE: &str = "Research use — not for diagnosis";

/// Hemoscope's version (the crate version).
pub const SOFTWARE_VERSION: &str = env!("CARGO_PKG_VERSION");

/// A point in time from milliseconds since the Unix epoch (e.g. JavaScript `Date.now()`).
pub fn time_from_unix_ms(ms: f64) -> Result<DateTime<Utc>> {
    if !ms.is_finite() {
        return Err(Error::Other(format!("{ms} is not a time")));
    }
    DateTime::<Utc>::from_timestamp_millis(ms.round() as i64)
        .ok_or_else(|| Error::Other(format!("{ms} ms since 1970 is out of range")))
}

/// Patient name and ID (only in a report when the user asks for them).
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct PatientFields {
    pub name: String,
    pub id: String,
}

/// What a report adds to the analysis result.
#[derive(Debug, Clone, Serialize)]
pub struct ReportInfo {
    pub software: &'static str,
    pub software_version: &'static str,
    /// When the analysis ran, RFC 3339 UTC (e.g. `2026-11-27T09:03:21.123Z`).
    pub analysed_at: String,
    /// Input grid: voxels (i, j, k) and their size in mm.
    pub dims: [usize; 3],
    pub spacing_mm: [f64; 3],
    /// "DICOM" or "NIfTI".
    pub input_format: &'static str,
    /// SeriesInstanceUID and StudyInstanceUID of a DICOM input (not patient-identifying by
    /// themselves, and needed to find the images again).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub series_instance_uid: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub study_instance_uid: Option<String>,
    /// Only when asked for, and only for DICOM input.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub patient: Option<PatientFields>,
    pub notice: &'static str,
}

impl ReportInfo {
    /// The report fields for an analysis of `volume` at `time`.
    pub fn new(volume: &Volume, time: DateTime<Utc>, include_patient: bool) -> Self {
        let dicom = volume.dicom.as_ref();
        ReportInfo {
            software: "hemoscope",
            software_version: SOFTWARE_VERSION,
            analysed_at: time.to_rfc3339_opts(SecondsFormat::Millis, true),
            dims: volume.dims,
            spacing_mm: volume.spacing_mm(),
            input_format: if dicom.is_some() { "DICOM" } else { "NIfTI" },
            series_instance_uid: dicom.map(|d| d.series_instance_uid.clone()),
            study_instance_uid: dicom.map(|d| d.study_instance_uid.clone()),
            patient: dicom.filter(|_| include_patient).map(|d| PatientFields {
                name: d.patient_study.patient_name.clone(),
                id: d.patient_study.patient_id.clone(),
            }),
            notice: RESEARCH_USE,
        }
    }
}

/// The JSON report: every field of the analysis result, plus `report`.
#[derive(Debug, Clone, Serialize)]
pub struct Report<'a> {
    #[serde(flatten)]
    pub result: &'a AnalysisResult,
    pub report: ReportInfo,
}

/// The report as pretty-printed JSON.
pub fn report_json(result: &AnalysisResult, info: ReportInfo) -> Result<String> {
    serde_json::to_string_pretty(&Report {
        result,
        report: info,
    })
    .map_err(|e| Error::Other(format!("the report could not be written as JSON: {e}")))
}

const LABEL_NAMES: [&str; 6] = [
    "any",
    "epidural",
    "intraparenchymal",
    "intraventricular",
    "subarachnoid",
    "subdural",
];

/// The report as CSV: three tables separated by a blank line —
/// 1. one row per slice: `slice,position_mm,sop_instance_uid,p_<label>...,predicted_<label>...,
///    no_brain` (`no_brain` 1: the slice holds no brain and the models did not run on it)
/// 2. one row per label: `label,threshold,verdict,volume_ml` (a label that is not assessed:
///    verdict "not assessed (reason)", threshold and volume empty; its `predicted_` cells too)
/// 3. `field,value` rows: ABC/2, models, software, time, notice (and patient when included).
pub fn report_csv(result: &AnalysisResult, info: &ReportInfo) -> Result<String> {
    let mut w = csv::WriterBuilder::new()
        .flexible(true)
        .from_writer(Vec::new());
    let err = |e: csv::Error| Error::Other(format!("the CSV report could not be written: {e}"));
    let mut header = vec![
        "slice".to_string(),
        "position_mm".into(),
        "sop_instance_uid".into(),
    ];
    header.extend(LABEL_NAMES.iter().map(|l| format!("p_{l}")));
    header.extend(LABEL_NAMES.iter().map(|l| format!("predicted_{l}")));
    header.push("no_brain".into());
    w.write_record(&header).map_err(err)?;
    let bit = |b: bool| if b { "1" } else { "0" }.to_string();
    let status = result.label_status.as_refs();
    for s in &result.slices {
        let mut row = vec![
            s.index.to_string(),
            format!("{:.3}", s.position_mm),
            s.sop_instance_uid.clone().unwrap_or_default(),
        ];
        row.extend(s.probabilities.to_array().iter().map(|p| p.to_string()));
        // A label that is not assessed predicts nothing: its cell stays empty.
        row.extend(s.predicted.to_array().iter().zip(status).map(|(&b, st)| {
            if st.assessed {
                bit(b)
            } else {
                String::new()
            }
        }));
        row.push(bit(s.no_brain));
        w.write_record(&row).map_err(err)?;
    }
    w.write_record([""]).map_err(err)?;
    w.write_record(["label", "threshold", "verdict", "volume_ml"])
        .map_err(err)?;
    let t = result.thresholds.to_array();
    let v = result.verdict.to_array();
    let ml = result.volumes_ml.to_array();
    for n in 0..6 {
        let row = match status[n].text() {
            None => [
                LABEL_NAMES[n].to_string(),
                t[n].to_string(),
                bit(v[n]),
                format!("{:.3}", ml[n]),
            ],
            Some(text) => [
                LABEL_NAMES[n].to_string(),
                String::new(),
                text,
                String::new(),
            ],
        };
        w.write_record(row).map_err(err)?;
    }
    w.write_record([""]).map_err(err)?;
    w.write_record(["field", "value"]).map_err(err)?;
    let mut fields: Vec<(String, String)> = vec![(
        "abc2_ml".into(),
        result
            .abc2_ml
            .map(|v| format!("{v:.3}"))
            .unwrap_or_default(),
    )];
    for (name, version) in &result.models {
        fields.push((format!("model:{name}"), version.clone()));
    }
    fields.push(("software".into(), info.software.into()));
    fields.push(("software_version".into(), info.software_version.into()));
    fields.push(("analysed_at".into(), info.analysed_at.clone()));
    fields.push(("input_format".into(), info.input_format.into()));
    fields.push((
        "dims".into(),
        format!("{} x {} x {}", info.dims[0], info.dims[1], info.dims[2]),
    ));
    if let Some(u) = &info.series_instance_uid {
        fields.push(("series_instance_uid".into(), u.clone()));
    }
    if let Some(u) = &info.study_instance_uid {
        fields.push(("study_instance_uid".into(), u.clone()));
    }
    if let Some(p) = &info.patient {
        fields.push(("patient_name".into(), p.name.clone()));
        fields.push(("patient_id".into(), p.id.clone()));
    }
    fields.push(("notice".into(), info.notice.into()));
    for (k, v) in fields {
        w.write_record([k, v]).map_err(err)?;
    }
    let bytes = w
        .into_inner()
        .map_err(|e| Error::Other(format!("the CSV report could not be written: {e}")))?;
    String::from_utf8(bytes).map_err(|e| Error::Other(format!("the CSV report is not text: {e}")))
}

/// Labels are kept in `LABELS` order everywhere; this keeps the CSV's in step.
const _: fn(&Labels<f32>) -> [f32; 6] = Labels::<f32>::to_array;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::result::SliceResult;
    use std::collections::BTreeMap;

    fn result() -> AnalysisResult {
        let p = Labels::from_array([0.9, 0.0, 0.8, 0.1, 0.0, 0.2]);
        AnalysisResult {
            slices: vec![SliceResult {
                index: 0,
                position_mm: 1.5,
                sop_instance_uid: Some("1.2.3".into()),
                probabilities: p,
                predicted: Labels::from_array([true, false, true, false, false, false]),
                no_brain: false,
            }],
            thresholds: Labels::from_array([0.5; 6]),
            verdict: Labels::from_array([true, false, true, false, false, false]),
            volumes_ml: Labels::from_array([2.0, 0.0, 2.0, 0.0, 0.0, 0.0]),
            label_status: Labels {
                epidural: crate::analysis::status::LabelStatus::not_assessed(
                    "too few training cases",
                ),
                ..Default::default()
            },
            abc2_ml: Some(1.8),
            models: BTreeMap::from([("seg".to_string(), "0.1.0".to_string())]),
            timings_ms: BTreeMap::new(),
        }
    }

    fn volume() -> Volume {
        let mut v = Volume::new(
            [2, 2, 1],
            vec![0; 4],
            crate::Geometry::lps_axial([1.0, 1.0, 5.0]),
            "test",
        );
        let mut src = crate::volume::DicomSource::default();
        src.patient_study.patient_name = "Doe^Jane".into();
        src.patient_study.patient_id = "ID123".into();
        src.series_instance_uid = "1.2.9".into();
        v.dicom = Some(src);
        v
    }

    #[test]
    fn json_has_the_result_fields_and_no_patient_unless_asked() {
        let r = result();
        let t = time_from_unix_ms(1_764_234_201_123.0).unwrap();
        let text = report_json(&r, ReportInfo::new(&volume(), t, false)).unwrap();
        let v: serde_json::Value = serde_json::from_str(&text).unwrap();
        for key in [
            "slices",
            "thresholds",
            "verdict",
            "volumes_ml",
            "abc2_ml",
            "models",
        ] {
            assert!(v.get(key).is_some(), "{key}");
        }
        assert_eq!(v["label_status"]["epidural"]["assessed"], false);
        assert_eq!(
            v["label_status"]["epidural"]["reason"],
            "too few training cases"
        );
        assert_eq!(v["label_status"]["any"]["assessed"], true);
        assert_eq!(v["report"]["analysed_at"], "2025-11-27T09:03:21.123Z");
        assert_eq!(v["report"]["software_version"], SOFTWARE_VERSION);
        assert!(!text.contains("Doe") && !text.contains("ID123"));
        let with = report_json(&r, ReportInfo::new(&volume(), t, true)).unwrap();
        assert!(with.contains("Doe^Jane") && with.contains("ID123"));
    }

    #[test]
    fn csv_tables() {
        let r = result();
        let info = ReportInfo::new(&volume(), time_from_unix_ms(0.0).unwrap(), false);
        let text = report_csv(&r, &info).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        assert!(lines[0].starts_with("slice,position_mm,sop_instance_uid,p_any,"));
        assert_eq!(lines[0].split(',').count(), 16);
        assert!(lines[0].ends_with(",predicted_subdural,no_brain"));
        assert_eq!(lines[1].split(',').count(), 16);
        assert!(lines[1].starts_with("0,1.500,1.2.3,0.9,0,0.8,"));
        assert!(text.contains("\nintraparenchymal,0.5,1,2.000\n"));
        // the label that is not assessed says so, and predicts nothing
        assert!(text.contains("\nepidural,,not assessed (too few training cases),\n"));
        assert!(lines[1].ends_with(",1,,1,0,0,0,0"), "{}", lines[1]);
        assert!(text.contains("\nabc2_ml,1.800\n"));
        assert!(text.contains("analysed_at,1970-01-01T00:00:00.000Z"));
        assert!(!text.contains("Doe"));
    }
}
