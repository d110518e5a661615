//! Measurements made in the views: distances, elliptical regions of interest and HU probes.
//! Each one belongs to the plane and slice (or reformat depth) it was drawn on and is shown only
//! there; all are listed in the side panel. The maths lives in [`crate::render::measure`].

use serde::Serialize;

use crate::render::Plane;

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
