//! What each segment is: label, description, SNOMED CT (SCT) codes and display colour.
//!
//! Codes used (coding scheme designator "SCT"):
//! - SegmentedPropertyCategory: 49755003 "Morphologically Altered Structure" (DICOM CID 7150).
//! - SegmentedPropertyType, per subtype (the disorder concepts for each haemorrhage):
//!   - EDH: 50960005 "Hemorrhage" (the morphologic abnormality; no epidural-specific concept
//!     is used here, the segment label and description say "epidural"),
//!   - IPH: 274100004 "Cerebral hemorrhage",
//!   - IVH: 274110009 "Intraventricular hemorrhage",
//!   - SAH: 21454007 "Subarachnoid hemorrhage",
//!   - SDH: 95455008 "Subdural hemorrhage".
//! - AnatomicRegion: 12738006 "Brain".
//!
//! Colours: the overlay palette (`render::overlay::OKABE_ITO`) as DICOM
//! `RecommendedDisplayCIELabValue` (PCS-Lab, D50, scaled to 0..65535).

use crate::render::OKABE_ITO;

/// A coded concept: (code value, coding scheme designator, code meaning).
pub type Code = (&'static str, &'static str, &'static str);

/// SegmentedPropertyCategory of every segment.
pub const CATEGORY: Code = ("49755003", "SCT", "Morphologically Altered Structure");
/// AnatomicRegion of every segment.
pub const BRAIN: Code = ("12738006", "SCT", "Brain");

/// One mask code (1..=5) as a segment.
#[derive(Debug, Clone, Copy)]
pub struct SegmentKind {
    pub code: u8,
    /// Short label (SegmentLabel).
    pub label: &'static str,
    /// SegmentDescription.
    pub description: &'static str,
    pub property_type: Code,
}

/// The segment kinds in mask-code order (index = code − 1).
pub const SEGMENTS: [SegmentKind; 5] = [
    SegmentKind {
        code: 1,
        label: "EDH",
        description: "Epidural haemorrhage",
        property_type: ("50960005", "SCT", "Hemorrhage"),
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
        property_type: ("21454007", "SCT", "Subarachnoid hemorrhage"),
    },
    SegmentKind {
        code: 5,
        label: "SDH",
        description: "Subdural haemorrhage",
        property_type: ("95455008", "SCT", "Subdural hemorrhage"),
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
}
