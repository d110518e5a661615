//! Which views the reading area shows.

use serde::Serialize;

use crate::render::Plane;

/// Which views are shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Layout {
    Three,
    Axial,
    Coronal,
    Sagittal,
}

impl Layout {
    pub fn name(self) -> &'static str {
        match self {
            Layout::Three => "three",
            Layout::Axial => "axial",
            Layout::Coronal => "coronal",
            Layout::Sagittal => "sagittal",
        }
    }

    pub fn from_name(s: &str) -> Option<Layout> {
        Some(match s {
            "three" => Layout::Three,
            "axial" => Layout::Axial,
            "coronal" => Layout::Coronal,
            "sagittal" => Layout::Sagittal,
            _ => return None,
        })
    }

    /// The layout that shows `plane` alone.
    pub fn of(plane: Plane) -> Layout {
        match plane {
            Plane::Axial => Layout::Axial,
            Plane::Coronal => Layout::Coronal,
            Plane::Sagittal => Layout::Sagittal,
        }
    }
}
