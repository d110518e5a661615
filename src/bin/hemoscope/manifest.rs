//! `hemoscope manifest <folder> -o <manifest.json>`: write a dataset manifest for a folder of
//! cases, with URLs relative to the manifest. Two layouts are recognised (README.md, "Making
//! a manifest"):
//!
//! - **the shared training-data layout**: `rsna-ich/volumes/<uid>.nii.gz` with
//!   `rsna-ich/slices.csv` (slice labels) and/or `slices2d/images/<s>.nii.gz` +
//!   `slices2d/masks/<s>.nii.gz` with `slices2d/samples.csv`;
//! - **a Hemorica-style folder**: one sub-folder per case holding the image NIfTI and a mask
//!   NIfTI (the file whose name contains `mask`, `label` or `seg`), and optionally one CSV at
//!   the top with a case column (`case`, `case_id`, `id`, `patient` or `patient_id`), a slice
//!   column (`slice`, `slice_index` or `slice_number`; k index from 0) and label columns
//!   (`epidural`/`EDH`, `intraparenchymal`/`IPH`, `intraventricular`/`IVH`,
//!   `subarachnoid`/`SAH`, `subdural`/`SDH`, `any`/`ICH`; 0/1).

use std::collections::{BTreeMap, HashMap};
use std::path::{Component, Path, PathBuf};

use clap::Args;
use hemoscope::dataset::{Case, ImageRef, Manifest};
use hemoscope::model::card::LABELS;

use crate::csv::read_csv;

#[derive(Args)]
pub struct ManifestArgs {
    /// The dataset folder.
    folder: PathBuf,
    /// Where to write the manifest; its URLs are relative to this file's folder.
    #[arg(short, long)]
    output: PathBuf,
    /// Dataset name (default: the folder's name).
    #[arg(long)]
    name: Option<String>,
}

pub fn run(args: &ManifestArgs) -> Result<(), String> {
    let root = std::fs::canonicalize(&args.folder)
        .map_err(|e| format!("cannot open folder {}: {e}", args.folder.display()))?;
    let out_dir = args
        .output
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let out_dir = std::fs::canonicalize(out_dir)
        .map_err(|e| format!("cannot write into {}: {e}", out_dir.display()))?;
    let link = |p: &Path| relative_url(&out_dir, p);
    let cases = if root.join("rsna-ich/slices.csv").is_file()
        || root.join("slices2d/samples.csv").is_file()
    {
        shared_layout(&root, &link)?
    } else {
        hemorica_layout(&root, &link)?
    };
    let manifest = Manifest {
        name: args.name.clone().unwrap_or_else(|| {
            root.file_name()
                .map(|n| n.to_string_lossy().to_string())
                .unwrap_or_else(|| "dataset".into())
        }),
        version: hemoscope::dataset::manifest::VERSION,
        cases,
    };
    manifest.validate().map_err(|e| e.to_string())?;
    let text = serde_json::to_string_pretty(&manifest).map_err(|e| e.to_string())? + "\n";
    std::fs::write(&args.output, text)
        .map_err(|e| format!("cannot write {}: {e}", args.output.display()))?;
    eprintln!(
        "hemoscope: {} cases written to {}",
        manifest.cases.len(),
        args.output.display()
    );
    Ok(())
}

/// `to` as a URL relative to the folder `from` (both absolute): `/` separators, `..` where
/// needed, characters that URLs reserve percent-escaped.
pub fn relative_url(from: &Path, to: &Path) -> String {
    let a: Vec<Component> = from.components().collect();
    let b: Vec<Component> = to.components().collect();
    let common = a.iter().zip(&b).take_while(|(x, y)| x == y).count();
    let mut parts: Vec<String> = vec!["..".to_string(); a.len() - common];
    parts.extend(
        b[common..]
            .iter()
            .map(|c| escape(&c.as_os_str().to_string_lossy())),
    );
    parts.join("/")
}

fn escape(segment: &str) -> String {
    let mut out = String::new();
    for ch in segment.chars() {
        match ch {
            '%' | ' ' | '#' | '?' | '"' | '\\' => {
                let mut buf = [0u8; 4];
                for b in ch.encode_utf8(&mut buf).bytes() {
                    out.push_str(&format!("%{b:02X}"));
                }
            }
            c => out.push(c),
        }
    }
    out
}

/// 0/1 of a CSV cell; an empty cell (unknown) counts as 0.
fn flag(v: Option<&String>) -> u8 {
    v.is_some_and(|v| v.trim() == "1" || v.trim().eq_ignore_ascii_case("true")) as u8
}

fn case_labels_of(slices: &BTreeMap<String, Vec<u8>>) -> BTreeMap<String, bool> {
    slices
        .iter()
        .map(|(l, v)| (l.clone(), v.contains(&1)))
        .collect()
}

/// `rsna-ich/` volumes with slice labels, `slices2d/` samples with masks.
fn shared_layout(root: &Path, link: &dyn Fn(&Path) -> String) -> Result<Vec<Case>, String> {
    let mut cases = Vec::new();
    let slices_csv = root.join("rsna-ich/slices.csv");
    if slices_csv.is_file() {
        let rows = read_csv(&slices_csv)?;
        let mut series: BTreeMap<String, Vec<&HashMap<String, String>>> = BTreeMap::new();
        for r in &rows {
            if let Some(uid) = r.get("series_uid") {
                series.entry(uid.clone()).or_default().push(r);
            }
        }
        for (uid, rows) in series {
            let image = root.join(format!("rsna-ich/volumes/{uid}.nii.gz"));
            if !image.is_file() {
                eprintln!("hemoscope: note: {} is missing; skipped", image.display());
                continue;
            }
            let n = rows
                .iter()
                .filter_map(|r| r.get("slice")?.parse::<usize>().ok())
                .max()
                .map_or(0, |m| m + 1);
            let mut slices: BTreeMap<String, Vec<u8>> =
                LABELS.iter().map(|l| (l.to_string(), vec![0; n])).collect();
            let mut unknown = Vec::new();
            for r in &rows {
                let Some(k) = r.get("slice").and_then(|s| s.parse::<usize>().ok()) else {
                    continue;
                };
                if r.get("any").is_none_or(|v| v.is_empty()) {
                    unknown.push(k);
                }
                for l in LABELS {
                    if let Some(v) = slices.get_mut(l) {
                        v[k] = flag(r.get(l));
                    }
                }
            }
            let notes = (!unknown.is_empty()).then(|| {
                format!("RSNA slice labels; slices {unknown:?} have no label (counted as 0)")
            });
            cases.push(Case {
                id: uid,
                image: ImageRef::One(link(&image)),
                label: None,
                case_labels: Some(case_labels_of(&slices)),
                slice_labels: Some(slices),
                notes: notes.or_else(|| Some("RSNA slice labels".into())),
            });
        }
    }
    let samples_csv = root.join("slices2d/samples.csv");
    if samples_csv.is_file() {
        for r in read_csv(&samples_csv)? {
            let Some(name) = r.get("sample") else {
                continue;
            };
            let image = root.join(format!("slices2d/images/{name}.nii.gz"));
            let mask = root.join(format!("slices2d/masks/{name}.nii.gz"));
            if !image.is_file() {
                eprintln!("hemoscope: note: {} is missing; skipped", image.display());
                continue;
            }
            let slices: BTreeMap<String, Vec<u8>> = LABELS
                .iter()
                .map(|l| (l.to_string(), vec![flag(r.get(*l))]))
                .collect();
            let binary = r.get("mask_kind").is_some_and(|k| k == "binary");
            cases.push(Case {
                id: name.clone(),
                image: ImageRef::One(link(&image)),
                label: mask.is_file().then(|| link(&mask)),
                case_labels: Some(case_labels_of(&slices)),
                slice_labels: Some(slices),
                notes: Some(if binary {
                    "2-D slice; binary mask (code 6): only Dice for any is meaningful".into()
                } else {
                    "2-D slice with a subtype mask".into()
                }),
            });
        }
    }
    if cases.is_empty() {
        return Err(format!("no cases found under {}", root.display()));
    }
    Ok(cases)
}

/// Number of slices (k) of a volume file.
fn slice_count(path: &Path) -> Result<usize, String> {
    let bytes = std::fs::read(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    let v = hemoscope::io::open_bytes(&path.display().to_string(), &bytes)
        .map_err(|e| format!("{}: {e}", path.display()))?;
    Ok(v.dims[2])
}

fn is_nifti(p: &Path) -> bool {
    let n = p
        .file_name()
        .map(|n| n.to_string_lossy().to_ascii_lowercase())
        .unwrap_or_default();
    n.ends_with(".nii") || n.ends_with(".nii.gz")
}

fn is_mask_name(p: &Path) -> bool {
    let n = p
        .file_name()
        .map(|n| n.to_string_lossy().to_ascii_lowercase())
        .unwrap_or_default();
    ["mask", "label", "seg"].iter().any(|w| n.contains(w))
}

/// Column name → our label name.
fn label_column(header: &str) -> Option<&'static str> {
    match header.trim().to_ascii_lowercase().as_str() {
        "any" | "ich" => Some("any"),
        "epidural" | "edh" => Some("epidural"),
        "intraparenchymal" | "iph" => Some("intraparenchymal"),
        "intraventricular" | "ivh" => Some("intraventricular"),
        "subarachnoid" | "sah" => Some("subarachnoid"),
        "subdural" | "sdh" => Some("subdural"),
        _ => None,
    }
}

fn find_column<'a>(row: &'a HashMap<String, String>, names: &[&str]) -> Option<&'a String> {
    row.iter()
        .find(|(k, _)| names.iter().any(|n| k.eq_ignore_ascii_case(n)))
        .map(|(_, v)| v)
}

/// One sub-folder per case (image + mask NIfTI), slice labels from a CSV at the top.
fn hemorica_layout(root: &Path, link: &dyn Fn(&Path) -> String) -> Result<Vec<Case>, String> {
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(root)
        .map_err(|e| format!("cannot read folder {}: {e}", root.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            p.is_dir()
                && !p
                    .file_name()
                    .is_some_and(|n| n.to_string_lossy().starts_with('.'))
        })
        .collect();
    dirs.sort();
    let mut csvs: Vec<PathBuf> = std::fs::read_dir(root)
        .map_err(|e| format!("cannot read folder {}: {e}", root.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e.eq_ignore_ascii_case("csv")))
        .collect();
    csvs.sort();
    // case id → slice k → label → 0/1
    let mut table: BTreeMap<String, BTreeMap<usize, BTreeMap<&'static str, u8>>> = BTreeMap::new();
    if let Some(csv) = csvs.first() {
        for r in read_csv(csv)? {
            let Some(id) = find_column(&r, &["case", "case_id", "id", "patient", "patient_id"])
            else {
                return Err(format!(
                    "{}: no case column (case, case_id, id, patient or patient_id)",
                    csv.display()
                ));
            };
            let Some(k) = find_column(&r, &["slice", "slice_index", "slice_number"])
                .and_then(|s| s.parse::<usize>().ok())
            else {
                return Err(format!(
                    "{}: no slice column (slice, slice_index or slice_number) with a number",
                    csv.display()
                ));
            };
            let entry = table.entry(id.clone()).or_default().entry(k).or_default();
            for (h, v) in &r {
                if let Some(l) = label_column(h) {
                    entry.insert(l, flag(Some(v)));
                }
            }
        }
    }
    let mut cases = Vec::new();
    for dir in dirs {
        let id = dir
            .file_name()
            .map(|n| n.to_string_lossy().to_string())
            .unwrap_or_default();
        let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
            .map_err(|e| format!("cannot read folder {}: {e}", dir.display()))?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.is_file() && is_nifti(p))
            .collect();
        files.sort();
        let mask = files.iter().find(|p| is_mask_name(p)).cloned();
        let Some(image) = files.iter().find(|p| !is_mask_name(p)).cloned() else {
            eprintln!(
                "hemoscope: note: {} has no image NIfTI; skipped",
                dir.display()
            );
            continue;
        };
        let slice_labels = match table.get(&id) {
            Some(rows) => {
                // One value per slice of the image: read its dimensions.
                let nz = slice_count(&image)?;
                let mut out: BTreeMap<String, Vec<u8>> = BTreeMap::new();
                for (&k, labels) in rows {
                    if k >= nz {
                        return Err(format!(
                            "the CSV gives slice {k} for case {id:?}, whose image has {nz} slices"
                        ));
                    }
                    for (l, v) in labels {
                        out.entry(l.to_string()).or_insert_with(|| vec![0; nz])[k] = *v;
                    }
                }
                if !out.contains_key("any") && !out.is_empty() {
                    let any: Vec<u8> = (0..nz)
                        .map(|k| out.values().any(|v| v[k] == 1) as u8)
                        .collect();
                    out.insert("any".into(), any);
                }
                Some(out)
            }
            None => None,
        };
        cases.push(Case {
            id,
            image: ImageRef::One(link(&image)),
            label: mask.map(|m| link(&m)),
            case_labels: slice_labels.as_ref().map(case_labels_of),
            slice_labels,
            notes: None,
        });
    }
    if cases.is_empty() {
        return Err(format!(
            "no cases found under {}: expected one sub-folder per case with an image NIfTI \
             (and a mask NIfTI), or the rsna-ich/ + slices2d/ layout",
            root.display()
        ));
    }
    Ok(cases)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relative_urls() {
        assert_eq!(
            relative_url(Path::new("/a/b"), Path::new("/a/b/c/d.nii.gz")),
            "c/d.nii.gz"
        );
        assert_eq!(
            relative_url(Path::new("/a/b"), Path::new("/a/x y/d#1.nii")),
            "../x%20y/d%231.nii"
        );
    }
}
