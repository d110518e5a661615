//! The dataset manifest (JSON, version 1; documented in README.md):
//!
//! ```json
//! { "name": "demo", "version": 1, "cases": [
//!     { "id": "case-1", "image": "case-1.nii.gz", "label": "case-1-label.nii.gz",
//!       "slice_labels": { "any": [0, 1, 1], "subdural": [0, 1, 0] },
//!       "case_labels": { "any": true, "subdural": true }, "notes": "…" } ] }
//! ```
//!
//! `image` is one URL (a NIfTI file or a zip of DICOM files) or a list of DICOM file URLs;
//! URLs are relative to the manifest. Parsing checks everything that can be checked without
//! the images and says exactly what is wrong.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use crate::model::card::LABELS;
use crate::{Error, Result};

/// The manifest version this build reads and writes.
pub const VERSION: u32 = 1;
/// Most cases in one manifest (a gallery of more is better split).
pub const MAX_CASES: usize = 10_000;

/// A dataset: a name and its cases.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Manifest {
    pub name: String,
    pub version: u32,
    pub cases: Vec<Case>,
}

/// Where a case's image is.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum ImageRef {
    /// One file: NIfTI (`.nii`, `.nii.gz`) or a zip of DICOM files.
    One(String),
    /// DICOM files of one series.
    Files(Vec<String>),
}

impl ImageRef {
    /// Every URL of the image.
    pub fn urls(&self) -> Vec<&str> {
        match self {
            ImageRef::One(u) => vec![u.as_str()],
            ImageRef::Files(v) => v.iter().map(String::as_str).collect(),
        }
    }
}

/// One case of a dataset.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Case {
    pub id: String,
    pub image: ImageRef,
    /// Ground-truth label map (NIfTI on the image's grid; 0 background, 1 EDH, 2 IPH, 3 IVH,
    /// 4 SAH, 5 SDH; 6 = haemorrhage of unspecified subtype, counted for `any` only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
    /// Per-slice labels: label name → one 0/1 per slice (k order).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub slice_labels: Option<BTreeMap<String, Vec<u8>>>,
    /// Per-case labels: label name → present.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub case_labels: Option<BTreeMap<String, bool>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub notes: Option<String>,
}

impl Case {
    /// Whether the manifest says the case is positive for each label (`LABELS` order): from
    /// `case_labels`, else from `slice_labels` (any slice positive); `None` when unknown.
    pub fn known_labels(&self) -> [Option<bool>; 6] {
        let mut out = [None; 6];
        for (n, l) in LABELS.iter().enumerate() {
            if let Some(v) = self.case_labels.as_ref().and_then(|c| c.get(*l)) {
                out[n] = Some(*v);
            } else if let Some(v) = self.slice_labels.as_ref().and_then(|s| s.get(*l)) {
                out[n] = Some(v.contains(&1));
            }
        }
        // Any subtype present means haemorrhage present.
        if out[0].is_none() && out[1..].contains(&Some(true)) {
            out[0] = Some(true);
        }
        out
    }

    /// The label names the manifest marks positive, in `LABELS` order.
    pub fn positive_labels(&self) -> Vec<&'static str> {
        self.known_labels()
            .iter()
            .zip(LABELS)
            .filter(|(v, _)| **v == Some(true))
            .map(|(_, l)| l)
            .collect()
    }
}

impl Manifest {
    /// Parse and validate manifest JSON.
    pub fn from_json(text: &str) -> Result<Self> {
        let m: Manifest = serde_json::from_str(text).map_err(|e| {
            Error::invalid(
                "manifest",
                format!("{e} (see README.md, \"Dataset manifest\", for the format)"),
            )
        })?;
        m.validate()?;
        Ok(m)
    }

    /// Check the fields: version, non-empty unique ids, image URLs, known label names, 0/1
    /// slice labels of one length per case.
    pub fn validate(&self) -> Result<()> {
        let bad = |reason: String| Err(Error::invalid("manifest", reason));
        if self.version != VERSION {
            return bad(format!(
                "version {} is not supported; this app reads version {VERSION}",
                self.version
            ));
        }
        if self.name.trim().is_empty() {
            return bad("\"name\" is empty".into());
        }
        if self.cases.is_empty() {
            return bad("\"cases\" is empty: list at least one case".into());
        }
        if self.cases.len() > MAX_CASES {
            return bad(format!(
                "{} cases; at most {MAX_CASES} are supported in one manifest",
                self.cases.len()
            ));
        }
        let mut ids = BTreeSet::new();
        for (n, c) in self.cases.iter().enumerate() {
            let at = format!("case {} ({:?})", n + 1, c.id);
            if c.id.trim().is_empty() {
                return bad(format!("case {} has an empty \"id\"", n + 1));
            }
            if !ids.insert(c.id.as_str()) {
                return bad(format!("{at}: the id is used twice; ids must be unique"));
            }
            let urls = c.image.urls();
            if urls.is_empty() {
                return bad(format!("{at}: \"image\" is an empty list"));
            }
            if urls.iter().any(|u| u.trim().is_empty()) {
                return bad(format!("{at}: \"image\" has an empty URL"));
            }
            if c.label.as_deref().is_some_and(|u| u.trim().is_empty()) {
                return bad(format!("{at}: \"label\" is an empty URL"));
            }
            if let Some(s) = &c.slice_labels {
                let mut len = None;
                for (l, v) in s {
                    check_label_name(l, &at, "slice_labels")?;
                    if let Some(x) = v.iter().find(|&&x| x > 1) {
                        return bad(format!(
                            "{at}: slice_labels.{l} holds {x}; use 0 or 1 per slice"
                        ));
                    }
                    match len {
                        None => len = Some((l, v.len())),
                        Some((l0, n0)) if n0 != v.len() => {
                            return bad(format!(
                                "{at}: slice_labels.{l0} has {n0} slices but slice_labels.{l} \
                                 has {}",
                                v.len()
                            ))
                        }
                        _ => {}
                    }
                }
            }
            if let Some(s) = &c.case_labels {
                for l in s.keys() {
                    check_label_name(l, &at, "case_labels")?;
                }
            }
        }
        Ok(())
    }

    /// The case with this id.
    pub fn case(&self, id: &str) -> Option<&Case> {
        self.cases.iter().find(|c| c.id == id)
    }
}

fn check_label_name(name: &str, at: &str, field: &str) -> Result<()> {
    if LABELS.contains(&name) {
        Ok(())
    } else {
        Err(Error::invalid(
            "manifest",
            format!(
                "{at}: {field} has the unknown label {name:?}; the labels are {}",
                LABELS.join(", ")
            ),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str = r#"{
      "name": "demo", "version": 1,
      "cases": [
        { "id": "a", "image": "a.nii.gz", "label": "a-label.nii.gz",
          "slice_labels": { "any": [0, 1, 1], "subdural": [0, 1, 0] },
          "case_labels": { "any": true }, "notes": "left SDH" },
        { "id": "b", "image": ["b/1.dcm", "b/2.dcm"] },
        { "id": "c", "image": "c.zip", "case_labels": { "any": false } }
      ]
    }"#;

    fn err(text: &str) -> String {
        Manifest::from_json(text).unwrap_err().to_string()
    }

    fn with_case(case: &str) -> String {
        format!(r#"{{"name": "x", "version": 1, "cases": [{case}]}}"#)
    }

    #[test]
    fn parses_a_complete_manifest() {
        let m = Manifest::from_json(GOOD).unwrap();
        assert_eq!(m.name, "demo");
        assert_eq!(m.cases.len(), 3);
        let a = &m.cases[0];
        assert_eq!(a.image.urls(), vec!["a.nii.gz"]);
        assert_eq!(a.label.as_deref(), Some("a-label.nii.gz"));
        assert_eq!(a.positive_labels(), vec!["any", "subdural"]);
        assert_eq!(m.cases[1].image.urls(), vec!["b/1.dcm", "b/2.dcm"]);
        assert_eq!(m.cases[1].known_labels(), [None; 6]);
        assert_eq!(m.cases[2].known_labels()[0], Some(false));
        assert!(m.case("b").is_some() && m.case("z").is_none());
        // Round trip through JSON.
        let again = Manifest::from_json(&serde_json::to_string(&m).unwrap()).unwrap();
        assert_eq!(again, m);
    }

    #[test]
    fn says_what_is_wrong() {
        assert!(err("{").contains("invalid manifest file"));
        assert!(err(r#"{"name": "x", "version": 2, "cases": []}"#)
            .contains("version 2 is not supported"));
        assert!(err(r#"{"name": " ", "version": 1, "cases": []}"#).contains("\"name\" is empty"));
        assert!(err(r#"{"name": "x", "version": 1, "cases": []}"#).contains("\"cases\" is empty"));
        assert!(err(r#"{"version": 1, "cases": []}"#).contains("missing field `name`"));
        assert!(
            err(&with_case(r#"{"id": "a", "image": "a.nii", "lable": "x"}"#))
                .contains("unknown field `lable`")
        );
        assert!(err(&with_case(r#"{"id": "", "image": "a.nii"}"#)).contains("empty \"id\""));
        assert!(err(&with_case(
            r#"{"id": "a", "image": "a.nii"}, {"id": "a", "image": "b.nii"}"#
        ))
        .contains("case 2 (\"a\"): the id is used twice"));
        assert!(err(&with_case(r#"{"id": "a", "image": []}"#)).contains("empty list"));
        assert!(err(&with_case(r#"{"id": "a", "image": ""}"#)).contains("empty URL"));
        assert!(err(&with_case(r#"{"id": "a", "image": 3}"#)).contains("invalid manifest"));
        let e = err(&with_case(
            r#"{"id": "a", "image": "a.nii", "slice_labels": {"sdh": [0, 1]}}"#,
        ));
        assert!(
            e.contains("unknown label \"sdh\"") && e.contains("subdural"),
            "{e}"
        );
        assert!(err(&with_case(
            r#"{"id": "a", "image": "a.nii", "slice_labels": {"any": [0, 2]}}"#
        ))
        .contains("slice_labels.any holds 2"));
        assert!(err(&with_case(
            r#"{"id": "a", "image": "a.nii", "slice_labels": {"any": [0, 1], "subdural": [1]}}"#
        ))
        .contains("slice_labels.any has 2 slices but slice_labels.subdural has 1"));
        assert!(err(&with_case(
            r#"{"id": "a", "image": "a.nii", "case_labels": {"blood": true}}"#
        ))
        .contains("case_labels has the unknown label \"blood\""));
    }
}
