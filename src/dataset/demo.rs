//! The demo dataset shipped with the app (`web/demo-dataset/`): synthetic head CTs from
//! [`crate::phantom`] on a small grid (128 × 128 × 24 voxels of 1.8 × 1.8 × 5 mm), each with its
//! ground-truth label map, and the manifest listing them with slice and case labels derived
//! from the label maps. `hemoscope phantom --dataset DIR` writes it; a test checks that the
//! committed files equal what this code produces.

use std::collections::BTreeMap;

use super::manifest::{Case, ImageRef, Manifest, VERSION};
use crate::io::nifti_write::{write_labels_nii_gz, write_volume_nii_gz};
use crate::model::card::LABELS;
use crate::phantom::{generate, Ellipsoid, Epidural, Spec, Subdural};
use crate::{Result, Volume};

/// Grid of the demo dataset's cases.
pub const DIMS: [usize; 3] = [128, 128, 24];
/// Voxel size (mm).
pub const SPACING_MM: [f64; 3] = [1.8, 1.8, 5.0];
/// RAS z of the first slice (mm).
const Z0_MM: f64 = -35.0;
/// The manifest's file name.
pub const MANIFEST_FILE: &str = "manifest.json";

/// One synthetic case: id, what it shows, and its specification.
pub struct DemoCase {
    pub id: &'static str,
    pub notes: &'static str,
    pub spec: Spec,
}

/// The cases of the demo dataset.
pub fn cases() -> Vec<DemoCase> {
    let base = |seed| Spec::normal(DIMS, SPACING_MM, Z0_MM, seed);
    vec![
        DemoCase {
            id: "iph-ivh",
            notes: "synthetic: right intraparenchymal haematoma with oedema, blood in the left \
                    occipital horn",
            spec: Spec {
                iph: Some(Ellipsoid {
                    center: [26.0, 8.0, 28.0],
                    axes: [15.0, 19.0, 13.0],
                }),
                ivh: true,
                ..base(11)
            },
        },
        DemoCase {
            id: "sdh-left",
            notes: "synthetic: subdural crescent over the left convexity, up to 11 mm",
            spec: Spec {
                sdh: Some(Subdural {
                    side: -1.0,
                    max_mm: 11.0,
                }),
                ..base(12)
            },
        },
        DemoCase {
            id: "edh-sah",
            notes: "synthetic: right temporal epidural lens, subarachnoid blood over the left \
                    frontal lobe",
            spec: Spec {
                edh: Some(Epidural {
                    direction: normalise([1.0, 0.25, 0.1]),
                    radius_deg: 32.0,
                    max_mm: 13.0,
                }),
                sah: Some(Ellipsoid {
                    center: [-40.0, 35.0, 30.0],
                    axes: [35.0, 35.0, 30.0],
                }),
                ..base(13)
            },
        },
        DemoCase {
            id: "normal",
            notes: "synthetic: no haemorrhage",
            spec: base(14),
        },
    ]
}

fn normalise(v: [f64; 3]) -> [f64; 3] {
    let n = (v[0] * v[0] + v[1] * v[1] + v[2] * v[2]).sqrt();
    [v[0] / n, v[1] / n, v[2] / n]
}

/// File names of a case's image and label map.
pub fn file_names(id: &str) -> (String, String) {
    (format!("{id}.nii.gz"), format!("{id}-label.nii.gz"))
}

/// Slice labels (label → 0/1 per slice) of a label map on `dims`.
pub fn slice_labels(labels: &[u8], dims: [usize; 3]) -> BTreeMap<String, Vec<u8>> {
    let per = dims[0] * dims[1];
    let mut out = BTreeMap::new();
    for (n, l) in LABELS.iter().enumerate() {
        let v: Vec<u8> = labels
            .chunks_exact(per)
            .map(|s| {
                s.iter()
                    .any(|&c| if n == 0 { c > 0 } else { c as usize == n }) as u8
            })
            .collect();
        out.insert(l.to_string(), v);
    }
    out
}

/// The manifest entry of a case with this label map.
pub fn manifest_case(c: &DemoCase, labels: &[u8]) -> Case {
    let (image, label) = file_names(c.id);
    let slices = slice_labels(labels, c.spec.dims);
    let case_labels = slices
        .iter()
        .map(|(l, v)| (l.clone(), v.contains(&1)))
        .collect();
    Case {
        id: c.id.to_string(),
        image: ImageRef::One(image),
        label: Some(label),
        slice_labels: Some(slices),
        case_labels: Some(case_labels),
        notes: Some(c.notes.to_string()),
    }
}

/// Every case's volume and label map.
pub fn volumes() -> Vec<(DemoCase, Volume, Vec<u8>)> {
    cases()
        .into_iter()
        .map(|c| {
            let (v, l) = generate(&c.spec);
            (c, v, l)
        })
        .collect()
}

/// The manifest of the demo dataset.
pub fn manifest(cases: &[(DemoCase, Volume, Vec<u8>)]) -> Manifest {
    Manifest {
        name: "Hemoscope synthetic demo".to_string(),
        version: VERSION,
        cases: cases.iter().map(|(c, _, l)| manifest_case(c, l)).collect(),
    }
}

/// The manifest's JSON text (pretty, with a final newline).
pub fn manifest_json(m: &Manifest) -> Result<String> {
    serde_json::to_string_pretty(m)
        .map(|s| s + "\n")
        .map_err(|e| crate::Error::Other(format!("could not write the manifest: {e}")))
}

/// Every file of the demo dataset: (file name, bytes).
pub fn files() -> Result<Vec<(String, Vec<u8>)>> {
    let cases = volumes();
    let mut out = vec![(
        MANIFEST_FILE.to_string(),
        manifest_json(&manifest(&cases))?.into_bytes(),
    )];
    for (c, v, l) in &cases {
        let (image, label) = file_names(c.id);
        out.push((image, write_volume_nii_gz(v)?));
        out.push((label, write_labels_nii_gz(l, v.dims, &v.geometry)?));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_case_has_the_blood_it_describes() {
        for (c, v, l) in volumes() {
            assert_eq!(v.dims, DIMS);
            let mut n = [0usize; 6];
            for &x in &l {
                n[x as usize] += 1;
            }
            let ml = |code: usize| n[code] as f64 * v.voxel_volume_ml();
            match c.id {
                "iph-ivh" => assert!(ml(2) > 5.0 && ml(3) > 0.2 && n[1] + n[4] + n[5] == 0),
                "sdh-left" => assert!(ml(5) > 5.0 && n[1..5].iter().sum::<usize>() == 0),
                "edh-sah" => assert!(ml(1) > 3.0 && ml(4) > 1.0 && n[2] + n[3] + n[5] == 0),
                "normal" => assert_eq!(n[1..].iter().sum::<usize>(), 0),
                other => panic!("unexpected case {other}"),
            }
        }
    }

    #[test]
    fn manifest_is_valid_and_labels_follow_the_maps() {
        let cases = volumes();
        let m = manifest(&cases);
        m.validate().unwrap();
        assert_eq!(m.cases.len(), 4);
        let normal = m.case("normal").unwrap();
        assert!(normal.positive_labels().is_empty());
        let sdh = m.case("sdh-left").unwrap();
        assert_eq!(sdh.positive_labels(), vec!["any", "subdural"]);
        assert_eq!(sdh.slice_labels.as_ref().unwrap()["any"].len(), DIMS[2]);
    }
}
