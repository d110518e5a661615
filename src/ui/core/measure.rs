//! Measurements made in the views: distances, elliptical regions of interest and HU probes.
//! Each one belongs to the plane and slice (or reformat depth) it was drawn on and is shown only
//! there; all are listed in the side panel. [`finish`] turns a finished drawing into a
//! measurement and its label; the maths lives in [`crate::render::measure`].

use serde::Serialize;

use crate::render::{distance_mm, ellipse_stats, Plane};

/// The tool a left-button drag or click uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Tool {
    /// Click or drag moves the crosshair.
    None,
    Distance,
    Ellipse,
    Probe,
}

impl Tool {
    pub fn name(self) -> &'static str {
        match self {
            Tool::None => "none",
            Tool::Distance => "distance",
            Tool::Ellipse => "ellipse",
            Tool::Probe => "probe",
        }
    }

    pub fn from_name(name: &str) -> Option<Tool> {
        Some(match name {
            "none" => Tool::None,
            "distance" => Tool::Distance,
            "ellipse" => Tool::Ellipse,
            "probe" => Tool::Probe,
            _ => return None,
        })
    }
}

/// One finished measurement (also the JSON in `state().measurements`).
#[derive(Debug, Clone, Serialize)]
pub struct Measurement {
    pub id: u32,
    /// "distance", "ellipse" or "probe".
    pub kind: Tool,
    pub plane: Plane,
    /// Axial: slice k it was drawn on. Coronal/sagittal: the voxel index along the plane's
    /// normal at the crosshair (for the list); visibility uses `depth_mm`.
    pub slice: usize,
    /// Position of the plane along its normal (RAS mm).
    pub depth_mm: f64,
    /// Points in the plane's image pixels (distance: ends; ellipse: box corners; probe: one).
    pub points: Vec<[f64; 2]>,
    /// The same points in RAS mm.
    pub ras: Vec<[f64; 3]>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub length_mm: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mean_hu: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sd_hu: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub area_mm2: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pixels: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hu: Option<f64>,
    /// What the list and the view show, e.g. "19.5 mm".
    pub label: String,
}

impl Measurement {
    /// Where it was drawn, for the list: "axial slice 12".
    pub fn place(&self) -> String {
        format!("{} {}", self.plane.name(), self.slice + 1)
    }
}

/// A measurement being drawn: by a mouse drag, or from the keyboard (Enter sets the first
/// point at the crosshair, the arrow keys move the second, Enter again finishes it).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Pending {
    pub plane: Plane,
    pub tool: Tool,
    pub a: [f64; 2],
    pub b: [f64; 2],
    /// Placed from the keyboard (mouse moves and releases leave it alone).
    pub keyboard: bool,
}

/// Where a finished measurement lies: its two points in RAS mm (the same point twice for a
/// probe), the slice it is listed on and its plane's depth along the normal.
#[derive(Debug, Clone, Copy)]
pub struct Placed {
    pub ras: [[f64; 3]; 2],
    pub slice: usize,
    pub depth_mm: f64,
}

/// What a tool reads from the image the measurement was drawn on.
#[derive(Debug, Clone, Copy)]
pub enum Sample<'a> {
    /// Distance: nothing.
    Nothing,
    /// Ellipse: the view's stored HU values (`width` per row) and the area of one pixel.
    Region {
        hu: &'a [i16],
        width: usize,
        pixel_mm2: f64,
    },
    /// Probe: the HU value under the point (`None` off the volume).
    Value(Option<f64>),
}

/// The measurement a finished drawing makes, with its label; `None` when there is nothing to
/// measure (a zero-length distance, an ellipse covering no pixel, a probe off the volume, or
/// the crosshair tool).
pub fn finish(p: &Pending, at: Placed, sample: Sample) -> Option<Measurement> {
    let mut m = Measurement {
        id: 0,
        kind: p.tool,
        plane: p.plane,
        slice: at.slice,
        depth_mm: at.depth_mm,
        points: vec![p.a],
        ras: vec![at.ras[0]],
        length_mm: None,
        mean_hu: None,
        sd_hu: None,
        area_mm2: None,
        pixels: None,
        hu: None,
        label: String::new(),
    };
    match (p.tool, sample) {
        (Tool::Distance, _) => {
            let d = distance_mm(at.ras[0], at.ras[1]);
            if d <= 0.0 {
                return None;
            }
            m.points.push(p.b);
            m.ras.push(at.ras[1]);
            m.length_mm = Some(d);
            m.label = format!("{d:.1} mm");
        }
        (
            Tool::Ellipse,
            Sample::Region {
                hu,
                width,
                pixel_mm2,
            },
        ) => {
            let s = ellipse_stats(hu, width, p.a, p.b, pixel_mm2);
            if s.pixels == 0 {
                return None;
            }
            m.points.push(p.b);
            m.ras.push(at.ras[1]);
            m.mean_hu = Some(s.mean_hu);
            m.sd_hu = Some(s.sd_hu);
            m.area_mm2 = Some(s.area_mm2);
            m.pixels = Some(s.pixels);
            m.label = format!(
                "{:.1} ± {:.1} HU, {:.1} mm², {} px",
                s.mean_hu, s.sd_hu, s.area_mm2, s.pixels
            );
        }
        (Tool::Probe, Sample::Value(Some(hu))) => {
            m.hu = Some(hu);
            m.label = format!("{hu:.0} HU");
        }
        _ => return None,
    }
    Some(m)
}

#[cfg(test)]
mod finish_tests {
    use super::*;

    fn pending(tool: Tool, a: [f64; 2], b: [f64; 2]) -> Pending {
        Pending {
            plane: Plane::Axial,
            tool,
            a,
            b,
            keyboard: false,
        }
    }

    const AT: Placed = Placed {
        ras: [[0.0, 0.0, 10.0], [3.0, 4.0, 10.0]],
        slice: 4,
        depth_mm: 10.0,
    };

    #[test]
    fn a_distance_in_true_millimetres() {
        let m = finish(
            &pending(Tool::Distance, [0.0; 2], [6.0, 8.0]),
            AT,
            Sample::Nothing,
        )
        .expect("measured");
        assert_eq!(m.length_mm, Some(5.0));
        assert_eq!(m.label, "5.0 mm");
        assert_eq!((m.points.len(), m.ras.len(), m.slice), (2, 2, 4));
        assert_eq!(m.place(), "axial 5");
        let zero = Placed {
            ras: [[1.0; 3], [1.0; 3]],
            ..AT
        };
        assert!(finish(
            &pending(Tool::Distance, [0.0; 2], [0.0; 2]),
            zero,
            Sample::Nothing
        )
        .is_none());
    }

    #[test]
    fn an_ellipse_reads_the_region_and_an_empty_one_is_dropped() {
        // 8 × 8 pixels of 40 HU, 0.25 mm² each.
        let hu = vec![40i16; 64];
        let region = Sample::Region {
            hu: &hu,
            width: 8,
            pixel_mm2: 0.25,
        };
        let m =
            finish(&pending(Tool::Ellipse, [1.0, 1.0], [7.0, 7.0]), AT, region).expect("measured");
        assert_eq!(m.mean_hu, Some(40.0));
        assert_eq!(m.sd_hu, Some(0.0));
        let px = m.pixels.expect("pixels");
        assert!(px > 0 && px < 64);
        assert_eq!(m.area_mm2, Some(px as f64 * 0.25));
        assert!(m.label.starts_with("40.0 ± 0.0 HU, "), "{}", m.label);
        // Drawn off the image: no pixel.
        assert!(finish(
            &pending(Tool::Ellipse, [20.0, 20.0], [30.0, 30.0]),
            AT,
            region
        )
        .is_none());
    }

    #[test]
    fn a_probe_needs_a_value_and_the_crosshair_tool_measures_nothing() {
        let probe = pending(Tool::Probe, [2.0, 2.0], [2.0, 2.0]);
        let m = finish(&probe, AT, Sample::Value(Some(-3.4))).expect("measured");
        assert_eq!((m.hu, m.label.as_str()), (Some(-3.4), "-3 HU"));
        assert!(finish(&probe, AT, Sample::Value(None)).is_none());
        assert!(finish(
            &pending(Tool::None, [0.0; 2], [1.0; 2]),
            AT,
            Sample::Nothing
        )
        .is_none());
    }
}
