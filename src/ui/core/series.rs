//! The series list shown when the files of a drop hold several DICOM series: what each line
//! says, whether the list is shown at all, and which choice opens another series.

use crate::io::dicom::SeriesSummary;

/// One line of the list.
#[derive(Debug, Clone, PartialEq)]
pub struct SeriesItem {
    pub index: usize,
    /// Description, modality, slice count, thickness, orientation, rows × columns.
    pub text: String,
    /// The series shown now.
    pub shown: bool,
}

impl SeriesItem {
    /// What a screen reader says for the line's button.
    pub fn aria_label(&self) -> String {
        if self.shown {
            format!("{} (shown)", self.text)
        } else {
            format!("Open {}", self.text)
        }
    }

    /// The button's visible text (the shown series marked).
    pub fn button_text(&self) -> String {
        if self.shown {
            format!("▶ {}", self.text)
        } else {
            self.text.clone()
        }
    }
}

/// The list's lines; empty when there are fewer than two series (the list is hidden).
pub fn items(series: &[SeriesSummary]) -> Vec<SeriesItem> {
    if series.len() < 2 {
        return Vec::new();
    }
    series
        .iter()
        .enumerate()
        .map(|(index, s)| SeriesItem {
            index,
            text: label(index, s),
            shown: s.opened,
        })
        .collect()
}

/// The series to open when line `index` is chosen: none for the series already shown or a
/// line that does not exist.
pub fn choose(series: &[SeriesSummary], index: usize) -> Option<usize> {
    series.get(index).filter(|s| !s.opened).map(|_| index)
}

/// One line describing a series.
fn label(index: usize, s: &SeriesSummary) -> String {
    let name = if s.description.is_empty() {
        format!("Series {}", s.series_number.unwrap_or(index as i64 + 1))
    } else {
        s.description.clone()
    };
    let modality = if s.modality.is_empty() {
        "unknown modality"
    } else {
        &s.modality
    };
    let thickness = s
        .thickness_mm
        .map(|t| format!(", {t:.1} mm"))
        .unwrap_or_default();
    format!(
        "{name}: {modality}, {} slice{}{thickness}, {}, {}×{}",
        s.slices,
        if s.slices == 1 { "" } else { "s" },
        s.orientation,
        s.rows,
        s.columns
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::io::dicom::Orientation;

    fn series(description: &str, slices: usize, opened: bool) -> SeriesSummary {
        SeriesSummary {
            series_uid: format!("1.2.{slices}"),
            series_number: Some(3),
            description: description.to_string(),
            modality: "CT".to_string(),
            slices,
            rows: 512,
            columns: 512,
            thickness_mm: Some(5.0),
            orientation: Orientation::Axial,
            opened,
        }
    }

    #[test]
    fn one_series_needs_no_list() {
        assert!(items(&[series("Head", 36, true)]).is_empty());
        assert!(items(&[]).is_empty());
    }

    #[test]
    fn each_series_is_described_and_the_shown_one_marked() {
        let mut scout = series("", 1, false);
        scout.thickness_mm = None;
        scout.modality.clear();
        scout.orientation = Orientation::Sagittal;
        let list = items(&[series("Head 5 mm", 36, true), scout]);
        assert_eq!(list.len(), 2);
        assert_eq!(
            list[0].text,
            "Head 5 mm: CT, 36 slices, 5.0 mm, axial, 512×512"
        );
        assert_eq!(
            list[0].button_text(),
            "▶ Head 5 mm: CT, 36 slices, 5.0 mm, axial, 512×512"
        );
        assert!(list[0].aria_label().ends_with("(shown)"));
        assert_eq!(
            list[1].text,
            "Series 3: unknown modality, 1 slice, sagittal, 512×512"
        );
        assert!(list[1].aria_label().starts_with("Open Series 3"));
    }

    #[test]
    fn choosing_the_shown_series_or_no_series_opens_nothing() {
        let s = [series("A", 36, true), series("B", 20, false)];
        assert_eq!(choose(&s, 1), Some(1));
        assert_eq!(choose(&s, 0), None);
        assert_eq!(choose(&s, 5), None);
    }
}
