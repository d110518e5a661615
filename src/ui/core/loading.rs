//! Decisions while a scan is being opened: what the status line says as the decoder reports
//! progress, and whether the new volume is analysed at once.

use crate::ui::core::cases::Opened;

/// The decoder's progress report, as the page reads it (NaN where a field is missing).
#[derive(Debug, Clone, Copy)]
pub struct Progress<'a> {
    /// The stage, e.g. "Reading headers".
    pub stage: &'a str,
    pub fraction: f64,
    pub done: f64,
    pub total: f64,
}

/// The progress bar's value and the status line for a report, given the early slice on
/// screen (its index k and the series' slice count), if one is shown.
pub fn progress_text(p: Progress, early: Option<(usize, usize)>) -> (f64, String) {
    let fraction = if p.fraction.is_finite() {
        p.fraction.clamp(0.0, 1.0)
    } else {
        0.0
    };
    let counted = p.done.is_finite() && p.total.is_finite();
    let text = match early {
        // The early slice is on screen: "loading n/N".
        Some((k, slices)) if counted => format!(
            "Loading {}/{slices} slices: slice {} shown…",
            ((p.done / p.total.max(1.0)) * slices as f64).round() as usize,
            k + 1
        ),
        _ if counted => format!("{} {}/{}…", p.stage, p.done, p.total),
        _ => format!("{}… {:.0}%", p.stage, 100.0 * fraction),
    };
    (fraction, text)
}

/// Whether a freshly loaded volume is analysed now: a dataset case says so itself (its kept
/// results shown again: no; opened to be analysed or during "Analyse all": yes); any other
/// volume follows the "analyse automatically" box.
pub fn analyse_after_load(opened: Opened, auto: bool) -> bool {
    match opened {
        Opened::Restored => false,
        Opened::Analyse => true,
        Opened::Show => auto,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn report(done: f64, total: f64, fraction: f64) -> Progress<'static> {
        Progress {
            stage: "Decoding",
            fraction,
            done,
            total,
        }
    }

    #[test]
    fn counts_are_shown_as_slices_once_the_early_slice_is_on_screen() {
        let (f, text) = progress_text(report(10.0, 40.0, 0.25), Some((16, 33)));
        assert_eq!(f, 0.25);
        assert_eq!(text, "Loading 8/33 slices: slice 17 shown…");
        let (_, text) = progress_text(report(10.0, 40.0, 0.25), None);
        assert_eq!(text, "Decoding 10/40…");
    }

    #[test]
    fn a_report_without_counts_shows_a_percentage_and_never_a_bad_fraction() {
        let (f, text) = progress_text(report(f64::NAN, f64::NAN, 0.426), Some((3, 9)));
        assert!((f - 0.426).abs() < 1e-12);
        assert_eq!(text, "Decoding… 43%");
        let (f, text) = progress_text(report(f64::NAN, 5.0, f64::NAN), None);
        assert_eq!(f, 0.0);
        assert_eq!(text, "Decoding… 0%");
        assert_eq!(progress_text(report(1.0, 2.0, 7.0), None).0, 1.0);
    }

    #[test]
    fn a_new_volume_is_analysed_when_its_case_or_the_box_says_so() {
        assert!(!analyse_after_load(Opened::Restored, true));
        assert!(analyse_after_load(Opened::Analyse, false));
        assert!(analyse_after_load(Opened::Show, true));
        assert!(!analyse_after_load(Opened::Show, false));
    }
}
