//! The viewer's own state as plain data: what the app is doing (status, message, error,
//! progress) and how the axial slice is shown (slice, window, zoom, pan), with every change the
//! page makes to them. The app holds one [`Viewer`]; the view draws from it.

use serde::Serialize;

use crate::render::{WindowLevel, MAX_ZOOM, MIN_ZOOM, PRESETS};

/// What the app is doing; the values are part of the automation contract.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Idle,
    Loading,
    Ready,
    Analyzing,
    Done,
    Error,
}

/// Status line and axial display.
#[derive(Debug, Clone, PartialEq)]
pub struct Viewer {
    pub status: Status,
    /// The last failure, shown in the page and in `state().error`.
    pub error: Option<String>,
    pub message: String,
    /// Fraction done of the work in progress (loading or analysis).
    pub progress: Option<f64>,
    /// The axial slice shown (k).
    pub slice: usize,
    pub window: WindowLevel,
    /// Index into [`PRESETS`] when the window is exactly a preset.
    pub preset: Option<usize>,
    pub zoom: f64,
    /// Pan offset in CSS pixels.
    pub pan: [f64; 2],
}

impl Default for Viewer {
    fn default() -> Self {
        Viewer {
            status: Status::Idle,
            error: None,
            message: String::new(),
            progress: None,
            slice: 0,
            window: PRESETS[0].window,
            preset: Some(0),
            zoom: 1.0,
            pan: [0.0, 0.0],
        }
    }
}

impl Viewer {
    pub fn idle(&mut self, message: &str) {
        self.status = Status::Idle;
        self.message = message.to_string();
    }

    /// A file is being opened.
    pub fn loading(&mut self, message: &str) {
        self.status = Status::Loading;
        self.error = None;
        self.progress = Some(0.0);
        self.message = message.to_string();
    }

    /// A file could not be opened; the volume shown before, if any, stays.
    pub fn open_failed(&mut self, error: &str, has_volume: bool) {
        self.status = Status::Error;
        self.error = Some(error.to_string());
        self.progress = None;
        self.message = if has_volume {
            "The file could not be opened; the previous volume is still shown.".to_string()
        } else {
            "The file could not be opened.".to_string()
        };
    }

    /// A new volume of `slices` axial slices: its middle slice in the brain window, fitted.
    pub fn opened(&mut self, slices: usize, message: String) {
        self.fresh_display(slices / 2);
        self.status = Status::Ready;
        self.error = None;
        self.progress = None;
        self.message = message;
    }

    /// The early slice of a series still being decoded: shown like a volume, still loading.
    pub fn preview(&mut self, message: String) {
        self.fresh_display(0);
        self.status = Status::Loading;
        self.error = None;
        self.message = message;
    }

    fn fresh_display(&mut self, slice: usize) {
        self.slice = slice;
        self.window = PRESETS[0].window;
        self.preset = Some(0);
        self.zoom = 1.0;
        self.pan = [0.0, 0.0];
    }

    /// The analysis runs: fraction done and a message with slices done and time left.
    pub fn analyzing(&mut self, message: String, fraction: f64) {
        self.status = Status::Analyzing;
        self.error = None;
        self.progress = Some(fraction);
        self.message = message;
    }

    /// The analysis finished in `total_ms`.
    pub fn analysed(&mut self, total_ms: f64) {
        self.status = Status::Done;
        self.error = None;
        self.progress = None;
        self.message = format!("Analysis done in {:.1} s.", total_ms / 1000.0);
    }

    /// The analysis failed; the volume stays usable.
    pub fn analysis_failed(&mut self, error: &str) {
        self.status = Status::Error;
        self.error = Some(error.to_string());
        self.progress = None;
        self.message = "The analysis failed; the volume is still shown.".to_string();
    }

    /// The user stopped the analysis: back to viewing.
    pub fn analysis_cancelled(&mut self, has_volume: bool) {
        self.status = if has_volume {
            Status::Ready
        } else {
            Status::Idle
        };
        self.progress = None;
        self.message = "Analysis cancelled.".to_string();
    }

    /// Go to slice `k` of `slices`, kept inside the volume; whether the slice changed.
    pub fn set_slice(&mut self, k: i64, slices: usize) -> bool {
        if slices == 0 {
            return false;
        }
        let k = k.clamp(0, slices as i64 - 1) as usize;
        let changed = k != self.slice;
        self.slice = k;
        changed
    }

    /// Use window preset `index`; false for an unknown index.
    pub fn apply_preset(&mut self, index: usize) -> bool {
        match PRESETS.get(index) {
            Some(p) => {
                self.window = p.window;
                self.preset = Some(index);
                true
            }
            None => false,
        }
    }

    /// A window of the user's (width at least 1 HU); it names a preset when it equals one.
    pub fn set_window(&mut self, center: f64, width: f64) {
        self.window = WindowLevel::new(center, width.max(1.0));
        self.preset = PRESETS.iter().position(|p| p.window == self.window);
    }

    /// Zoom by `factor`, kept within the zoom limits.
    pub fn zoom_by(&mut self, factor: f64) {
        self.zoom = (self.zoom * factor).clamp(MIN_ZOOM, MAX_ZOOM);
    }

    /// Fitted and centred.
    pub fn reset_view(&mut self) {
        self.zoom = 1.0;
        self.pan = [0.0, 0.0];
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_volume_opens_on_its_middle_slice_in_the_brain_window_fitted() {
        let mut v = Viewer::default();
        v.set_window(400.0, 2000.0);
        v.zoom_by(3.0);
        v.pan = [12.0, -4.0];
        v.loading("Opening…");
        assert_eq!((v.status, v.progress), (Status::Loading, Some(0.0)));
        v.opened(36, "Opened a".to_string());
        assert_eq!(v.status, Status::Ready);
        assert_eq!(v.slice, 18);
        assert_eq!((v.window, v.preset), (PRESETS[0].window, Some(0)));
        assert_eq!((v.zoom, v.pan, v.progress), (1.0, [0.0, 0.0], None));
        v.preview("Loading 1/36 slices".to_string());
        assert_eq!((v.status, v.slice), (Status::Loading, 0));
    }

    #[test]
    fn a_failed_open_says_whether_the_previous_volume_stays() {
        let mut v = Viewer::default();
        v.open_failed("not a NIfTI file", false);
        assert_eq!(v.status, Status::Error);
        assert_eq!(v.error.as_deref(), Some("not a NIfTI file"));
        assert_eq!(v.message, "The file could not be opened.");
        v.opened(10, "Opened".to_string());
        assert_eq!(v.error, None);
        v.open_failed("truncated", true);
        assert!(
            v.message.contains("previous volume is still shown"),
            "{}",
            v.message
        );
    }

    #[test]
    fn analysis_progress_done_failed_and_cancelled() {
        let mut v = Viewer::default();
        v.opened(20, "Opened".to_string());
        v.analyzing("Analysing 3/20".to_string(), 0.15);
        assert_eq!((v.status, v.progress), (Status::Analyzing, Some(0.15)));
        v.analysed(1234.0);
        assert_eq!((v.status, v.progress), (Status::Done, None));
        assert_eq!(v.message, "Analysis done in 1.2 s.");
        v.analyzing("Analysing 1/20".to_string(), 0.05);
        v.analysis_failed("worker stopped");
        assert_eq!((v.status, v.progress), (Status::Error, None));
        assert_eq!(v.error.as_deref(), Some("worker stopped"));
        v.analyzing("Analysing 1/20".to_string(), 0.05);
        assert_eq!(v.error, None, "a new run clears the old failure");
        v.analysis_cancelled(true);
        assert_eq!(
            (v.status, v.message.as_str()),
            (Status::Ready, "Analysis cancelled.")
        );
        v.analysis_cancelled(false);
        assert_eq!(v.status, Status::Idle);
    }

    #[test]
    fn slices_stay_inside_the_volume() {
        let mut v = Viewer::default();
        assert!(!v.set_slice(3, 0), "no volume, no slice");
        assert_eq!(v.slice, 0);
        assert!(v.set_slice(5, 10));
        assert!(!v.set_slice(5, 10), "same slice: nothing to redraw");
        assert!(v.set_slice(99, 10));
        assert_eq!(v.slice, 9);
        assert!(v.set_slice(-3, 10));
        assert_eq!(v.slice, 0);
    }

    #[test]
    fn windows_presets_and_zoom_limits() {
        let mut v = Viewer::default();
        assert!(v.apply_preset(2));
        assert_eq!((v.window, v.preset), (PRESETS[2].window, Some(2)));
        assert!(!v.apply_preset(PRESETS.len()));
        assert_eq!(v.preset, Some(2), "an unknown preset changes nothing");
        v.set_window(41.0, 79.0);
        assert_eq!(v.preset, None);
        let p = PRESETS[1].window;
        v.set_window(p.center, p.width);
        assert_eq!(v.preset, Some(1), "a window equal to a preset names it");
        v.set_window(40.0, -5.0);
        assert_eq!(v.window.width, 1.0, "width at least 1 HU");
        v.zoom_by(1000.0);
        assert_eq!(v.zoom, MAX_ZOOM);
        v.zoom_by(1e-6);
        assert_eq!(v.zoom, MIN_ZOOM);
        v.pan = [3.0, 4.0];
        v.reset_view();
        assert_eq!((v.zoom, v.pan), (1.0, [0.0, 0.0]));
    }
}
