//! What each segment is: label, description, SNOMED CT (SCT) codes and display colour.
//!
//! Codes (coding scheme designator "SCT"), with where each was checked. "PS3.16" below means
//! the context groups of DICOM PS3.16 as pydicom 3.0.1 ships them (`pydicom/sr/_cid_dict.py`,
//! `_concepts_dict.py`, generated from PS3.16).
//!
//! | use | code | code meaning | source |
//! |---|---|---|---|
//! | SegmentedPropertyCategory | 49755003 | Morphologically Abnormal Structure | CID 7150 Segmentation Property Category (older PS3.16 editions, dcmqi and 3D Slicer say "Morphologically Altered Structure" for the same code) |
//! | AnatomicRegion | 12738006 | Brain | CID 4 Anatomic Region (also CID 7151 via CID 7153) |
//! | type, EDH | 82999001 | Epidural intracranial hemorrhage | no PS3.16 group; SNOMED CT concept name in an OHDSI (Athena) vocabulary export (one source) |
//! | type, IPH | 274100004 | Cerebral hemorrhage | no PS3.16 group; FSN "Cerebral hemorrhage (disorder)" (FHIR stroke value sets, OHDSI, MR-RATE) |
//! | type, IVH | 274110009 | Intraventricular hemorrhage | no PS3.16 group; "Intraventricular hemorrhage (disorder)" in one FHIR stroke code list (one source) |
//! | type, SAH | 21454007 | Subarachnoid intracranial hemorrhage | no PS3.16 group; FSN "Subarachnoid intracranial hemorrhage (disorder)" (FHIR stroke value sets) |
//! | type, SDH | 35486000 | Subdural intracranial hemorrhage | no PS3.16 group; SNOMED CT term in the MR-RATE SNOMED map and an OHDSI export |
//!
//! SegmentedPropertyTypeCodeSequence takes its codes from CID 7151 Segmentation Property Type
//! (an extensible group). The only haemorrhage concept PS3.16 lists there is 50960005
//! "Hemorrhage" (through CID 7159 Lesion Segmentation Type); no subtype of intracranial
//! haemorrhage is in any PS3.16 context group. Each segment therefore carries the SNOMED CT
//! disorder concept of its subtype, an extension of CID 7151, so that a viewer can tell the
//! five segments apart by code and not only by label. The SAH, IPH and SDH codes are each
//! confirmed by several independent SNOMED-derived code lists; the EDH and IVH codes by one
//! each (see the table), so they are the ones to re-check against a SNOMED CT browser.
//! (95455008, used for SDH before, is "Thrombosis of cerebral veins (disorder)".)
//!
//! Colours: the overlay palette (`render::overlay::OKABE_ITO`) as DICOM
//! `RecommendedDisplayCIELabValue` (PCS-Lab, D50, scaled to 0..65535).

use crate::render::OKABE_ITO;

/// A coded concept: (code value, coding scheme designator, code meaning).
pub type Code = (&'static str, &'static str, &'static str);

/// SegmentedPropertyCategory of every segment (CID 7150).
pub const CATEGORY: Code = ("49755003", "SCT", "Morphologically Abnormal Structure");
/// AnatomicRegion of every segment (CID 4).
pub const BRAIN: Code = ("12738006", "SCT", "Brain");

/// One mask code (1..=5) as a segment.
#[derive(Debug, Clone, Copy)]
pub struct SegmentKind {
    pub code: u8,
    /// Short label (SegmentLabel).
    pub label: &'static str,
    /// SegmentDescription.
    pub description: &'static str,
    /// SegmentedPropertyType (see the table in the module documentation).
    pub property_type: Code,
}

/// The segment kinds in mask-code order (index = code − 1).
pub const SEGMENTS: [SegmentKind; 5] = [
    SegmentKind {
        code: 1,
        label: "EDH",
        description: "Epidural haemorrhage",
        property_type: ("82999001", "SCT", "Epidural intracranial hemorrhage"),
    },
    SegmentKind {
        code: 2,
        label: "IPH",
        description: "Intraparenchymal haemorrhage",
        property_type: ("274100004", "SCT", "Cerebral hemorrhage"),
    },
    SegmentKind {
        code: 3,
        label: "IVH",
        description: "Intraventricular haemorrhage",
        property_type: ("274110009", "SCT", "Intraventricular hemorrhage"),
    },
    SegmentKind {
        code: 4,
        label: "SAH",
        description: "Subarachnoid haemorrhage",
        property_type: ("21454007", "SCT", "Subarachnoid intracranial hemorrhage"),
    },
    SegmentKind {
        code: 5,
        label: "SDH",
        description: "Subdural haemorrhage",
        property_type: ("35486000", "SCT", "Subdural intracranial hemorrhage"),
    },
];

/// The overlay colour of a mask code as DICOM scaled CIELab (L, a, b in 0..=65535).
pub fn cielab(code: u8) -> [u16; 3] {
    let rgb = OKABE_ITO[usize::from(code.min(5))];
    srgb_to_dicom_lab(rgb)
}

/// sRGB (8 bit) → CIELab under D50 (Bradford-adapted sRGB matrix, as ICC PCS-Lab), scaled as
/// DICOM asks: L 0..100 → 0..65535, a and b −128..127 → 0..65535.
pub fn srgb_to_dicom_lab(rgb: [u8; 3]) -> [u16; 3] {
    let lin = rgb.map(|c| {
        let c = f64::from(c) / 255.0;
        if c <= 0.04045 {
            c / 12.92
        } else {
            ((c + 0.055) / 1.055).powf(2.4)
        }
    });
    let m = [
        [0.436_074_7, 0.385_064_9, 0.143_080_4],
        [0.222_504_5, 0.716_878_6, 0.060_616_9],
        [0.013_932_2, 0.097_104_5, 0.714_173_3],
    ];
    let white = [0.96422, 1.0, 0.82521];
    let mut xyz = [0.0; 3];
    for r in 0..3 {
        xyz[r] = (m[r][0] * lin[0] + m[r][1] * lin[1] + m[r][2] * lin[2]) / white[r];
    }
    let f = |t: f64| {
        if t > (6.0f64 / 29.0).powi(3) {
            t.cbrt()
        } else {
            t / (3.0 * (6.0f64 / 29.0).powi(2)) + 4.0 / 29.0
        }
    };
    let (fx, fy, fz) = (f(xyz[0]), f(xyz[1]), f(xyz[2]));
    let l = 116.0 * fy - 16.0;
    let a = 500.0 * (fx - fy);
    let b = 200.0 * (fy - fz);
    let scale_ab = |v: f64| (((v + 128.0) * 65535.0 / 255.0).round()).clamp(0.0, 65535.0) as u16;
    [
        ((l * 65535.0 / 100.0).round()).clamp(0.0, 65535.0) as u16,
        scale_ab(a),
        scale_ab(b),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn white_and_black_in_dicom_lab() {
        assert_eq!(srgb_to_dicom_lab([255, 255, 255])[0], 65535);
        let w = srgb_to_dicom_lab([255, 255, 255]);
        // a* and b* of white are 0 → 128 * 65535 / 255 ≈ 32896.
        assert!((i32::from(w[1]) - 32896).abs() <= 3 && (i32::from(w[2]) - 32896).abs() <= 3);
        assert_eq!(srgb_to_dicom_lab([0, 0, 0]), [0, 32896, 32896]);
    }

    /// The codes as settled against PS3.16 (via pydicom 3.0.1's CID tables) and SNOMED CT,
    /// written out independently of the constants above. Category: CID 7150; anatomic region:
    /// CID 4; segment types: SNOMED CT disorder concepts outside every PS3.16 context group
    /// (CID 7151 lists only the generic 50960005 "Hemorrhage").
    #[test]
    fn codes_are_the_checked_ones() {
        assert_eq!(
            CATEGORY,
            ("49755003", "SCT", "Morphologically Abnormal Structure")
        );
        assert_eq!(BRAIN, ("12738006", "SCT", "Brain"));
        let expected = [
            (1, "EDH", "82999001", "Epidural intracranial hemorrhage"),
            (2, "IPH", "274100004", "Cerebral hemorrhage"),
            (3, "IVH", "274110009", "Intraventricular hemorrhage"),
            (4, "SAH", "21454007", "Subarachnoid intracranial hemorrhage"),
            (5, "SDH", "35486000", "Subdural intracranial hemorrhage"),
        ];
        for (kind, (code, label, value, meaning)) in SEGMENTS.iter().zip(expected) {
            assert_eq!(kind.code, code);
            assert_eq!(kind.label, label);
            assert_eq!(kind.property_type, (value, "SCT", meaning), "{label}");
        }
        // 95455008 is "Thrombosis of cerebral veins (disorder)", not a haemorrhage.
        assert!(SEGMENTS.iter().all(|s| s.property_type.0 != "95455008"));
        // Five distinct concepts, each a plain SCTID (digits, no leading zero, ≤ 18 digits)
        // with a code meaning that fits DICOM's LO (≤ 64 characters).
        let mut values: Vec<&str> = SEGMENTS.iter().map(|s| s.property_type.0).collect();
        values.sort_unstable();
        values.dedup();
        assert_eq!(values.len(), 5);
        for (value, _, meaning) in SEGMENTS
            .iter()
            .map(|s| s.property_type)
            .chain([CATEGORY, BRAIN])
        {
            assert!(value.len() <= 18 && !value.starts_with('0'), "{value}");
            assert!(value.bytes().all(|b| b.is_ascii_digit()), "{value}");
            assert!(!meaning.is_empty() && meaning.len() <= 64, "{meaning}");
        }
    }
}
