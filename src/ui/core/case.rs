//! The dataset case shown in the viewer, and which masks the overlay shows.

use serde::Serialize;

/// Which masks the overlay shows when a dataset case has ground truth.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum GtMode {
    /// Prediction filled, ground truth outlined.
    Both,
    Prediction,
    Truth,
}

impl GtMode {
    /// From the toggle's value.
    pub fn parse(s: &str) -> Self {
        match s {
            "prediction" => GtMode::Prediction,
            "truth" => GtMode::Truth,
            _ => GtMode::Both,
        }
    }
}

/// The dataset case shown in the viewer, with its ground truth and, once analysed, the
/// comparison.
pub struct OpenCase {
    pub id: String,
    pub truth: crate::dataset::Truth,
    /// Why the label map could not be used (unreadable, other grid, bad values).
    pub truth_error: Option<String>,
    pub comparison: Option<Result<crate::dataset::Comparison, String>>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_toggle_values_name_the_modes_and_anything_else_is_both() {
        assert_eq!(GtMode::parse("prediction"), GtMode::Prediction);
        assert_eq!(GtMode::parse("truth"), GtMode::Truth);
        assert_eq!(GtMode::parse("both"), GtMode::Both);
        assert_eq!(GtMode::parse(""), GtMode::Both);
    }
}
