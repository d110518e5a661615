//! What the page has open and how it stands, as plain data: the volume and its display, the
//! hover read-out, the analysis and its results, the dataset case with its ground truth, the
//! overlay, the series of the last drop. Every change the page makes to them is a method here,
//! tested natively; the app holds one [`Session`] beside the view's elements and renders it.

use std::rc::Rc;

use serde::Serialize;

use crate::analysis::AnalysisResult;
use crate::io::dicom::SeriesSummary;
use crate::render::{AxialView, OverlayStyle, Plane, PRESETS};
use crate::ui::core::analysis_info::AnalysisInfo;
use crate::ui::core::case::{GtMode, OpenCase};
use crate::ui::core::reading::ReadingState;
use crate::ui::core::settings::Settings;
use crate::ui::core::viewer::{Status, Viewer};
use crate::Volume;

/// The loaded volume with its display mapping.
pub struct Loaded {
    pub volume: Rc<Volume>,
    pub view: AxialView,
    /// Time from the request to the first drawn slice, in ms.
    pub load_ms: f64,
    /// Time the worker spent decoding, in ms.
    pub decode_ms: f64,
    /// Time from the request to the first image on screen (the early slice of a DICOM series,
    /// else the volume), in ms.
    pub first_image_ms: f64,
    /// While a DICOM series is still being decoded: the one slice shown early, as
    /// (its index k in the series, the series' slice count).
    pub partial: Option<(usize, usize)>,
}

/// The hover read-out: the voxel nearest to the pointer, its value, and the pointer's position.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct Cursor {
    pub i: usize,
    pub j: usize,
    pub k: usize,
    /// The stored value of voxel (i, j, k) in HU.
    pub hu: i16,
    /// The view under the pointer.
    pub plane: Plane,
    /// The pointer's position in RAS mm.
    pub ras: [f64; 3],
    /// The pointer's position in fractional voxel coordinates.
    #[serde(skip)]
    pub voxel: [f64; 3],
}

impl Cursor {
    /// The read-out at a point of the axial view: voxel (i, j) of slice k, the pointer at the
    /// fractional voxel point `at` (the voxel's centre when not given).
    pub fn axial(volume: &Volume, [i, j]: [usize; 2], k: usize, at: Option<[f64; 2]>) -> Cursor {
        let [fi, fj] = at.unwrap_or([i as f64, j as f64]);
        let voxel = [fi, fj, k as f64];
        Cursor {
            i,
            j,
            k,
            hu: volume.get(i, j, k),
            plane: Plane::Axial,
            ras: volume.geometry.to_ras(voxel),
            voxel,
        }
    }
}

/// A finished analysis of the loaded volume.
pub struct Analysis {
    pub result: AnalysisResult,
    /// Label mask on the volume grid (i fastest), codes 0..=5.
    pub mask: Vec<u8>,
    /// When the analysis finished, in ms since the Unix epoch (the browser's clock).
    pub analysed_at_ms: f64,
}

/// While an analysis runs: the labels of the slices already analysed, shown before the end.
pub struct Streamed {
    /// Label mask on the volume grid (i fastest); zero where no slice is back yet.
    pub mask: Vec<u8>,
    /// The slices whose labels are in `mask`, in the order they came back.
    pub slices: Vec<usize>,
    /// When the overlay was last redrawn for them (ms, the caller's clock).
    redrawn_ms: f64,
}

/// While an analysis runs, the overlay is redrawn for slices coming back at most this often
/// (ms), unless the slice is the one shown: each redraw recomputes the reformat views, which
/// on a 512² scan costs the page more than a worker's slice is worth.
pub const STREAM_REDRAW_MS: f64 = 250.0;

/// Everything open in the page, without its elements.
pub struct Session {
    /// Status line and axial display (slice, window, zoom, pan).
    pub viewer: Viewer,
    pub loaded: Option<Loaded>,
    pub cursor: Option<Cursor>,
    /// Analysis results (same JSON as `hemoscope analyze --json`), once analysed.
    pub results: Option<serde_json::Value>,
    pub analysis: Option<Analysis>,
    /// The running analysis' slices so far.
    pub streamed: Option<Streamed>,
    /// Why the analysis cannot run (models failed to load or their self-test).
    pub analysis_unavailable: Option<String>,
    /// Where the models came from (downloaded or the browser cache).
    pub models_note: Option<String>,
    pub overlay: OverlayStyle,
    /// Changes whenever the overlay's mask or style changes (the canvas re-renders).
    pub overlay_gen: u64,
    /// Engine build, cascade setting, models in use (`state().analysis`).
    pub analysis_info: AnalysisInfo,
    /// The dataset case in the viewer (cleared when another file is opened).
    pub case: Option<OpenCase>,
    pub gt_mode: GtMode,
    /// The DICOM series of the last drop (empty for NIfTI or the demo).
    pub series: Vec<SeriesSummary>,
    /// The settings as last stored (the web glue stores them again when they change).
    pub remembered: Settings,
    /// The reading tools: crosshair, reformat planes, layout, tool, measurements, zoom, pan.
    pub reading: ReadingState,
}

impl Default for Session {
    fn default() -> Self {
        Session {
            viewer: Viewer::default(),
            loaded: None,
            cursor: None,
            results: None,
            analysis: None,
            streamed: None,
            analysis_unavailable: None,
            models_note: None,
            overlay: OverlayStyle::default(),
            overlay_gen: 0,
            analysis_info: AnalysisInfo::default(),
            case: None,
            gt_mode: GtMode::Both,
            series: Vec::new(),
            remembered: Settings::default(),
            reading: ReadingState::default(),
        }
    }
}

impl Session {
    /// The settings to remember now (layout, tool, overlay choice, window preset).
    pub fn settings(&self) -> Settings {
        let r = &self.reading;
        Settings::now(
            r.layout,
            r.tool,
            r.overlay,
            self.viewer.preset,
            &self.remembered,
        )
    }

    /// The settings stored on an earlier visit, applied at start (the window preset applies to
    /// each volume opened).
    pub fn restore_settings(&mut self, s: Settings) {
        if let Some(l) = s.layout() {
            self.reading.layout = l;
        }
        if let Some(t) = s.tool() {
            self.reading.tool = t;
        }
        if let Some(o) = s.overlay() {
            self.reading.overlay = o;
        }
        self.remembered = s;
    }

    /// Axial slices of the loaded volume (0 when none).
    pub fn slice_count(&self) -> usize {
        self.loaded.as_ref().map(|l| l.volume.dims[2]).unwrap_or(0)
    }

    /// A freshly decoded volume replaces whatever was open (its analysis, results, case and
    /// read-out): middle slice, brain window, fitted. The time of an early slice shown for the
    /// same request is kept as the first image's; whether there was one.
    pub fn open(&mut self, volume: Volume, decode_ms: f64) -> bool {
        let early = self
            .loaded
            .as_ref()
            .filter(|l| l.partial.is_some())
            .map(|l| l.first_image_ms);
        let warnings = if volume.warnings.is_empty() {
            String::new()
        } else {
            format!(" Warnings: {}", volume.warnings.join("; "))
        };
        let [ni, nj, nk] = volume.dims;
        let message = format!("Opened {}: {ni}×{nj}×{nk} voxels.{warnings}", volume.source);
        self.replace_volume(volume, None, decode_ms);
        self.viewer.opened(nk, message);
        if let Some(l) = self.loaded.as_mut() {
            l.first_image_ms = early.unwrap_or(0.0);
        }
        early.is_some()
    }

    /// The early slice of a DICOM series (slice `k` of `slices`) while the rest is decoded:
    /// shown as a one-slice volume; the status stays "loading". The dataset case stays.
    pub fn preview(&mut self, slice: Volume, k: usize, slices: usize) {
        let case = self.case.take();
        self.replace_volume(slice, Some((k, slices)), 0.0);
        self.case = case;
        self.viewer
            .preview(format!("Loading 1/{slices} slices: slice {} shown…", k + 1));
    }

    fn replace_volume(&mut self, volume: Volume, partial: Option<(usize, usize)>, decode_ms: f64) {
        self.cursor = None;
        self.results = None;
        self.analysis = None;
        self.streamed = None;
        self.case = None;
        self.overlay_gen += 1;
        self.loaded = Some(Loaded {
            view: AxialView::new(&volume),
            volume: Rc::new(volume),
            load_ms: 0.0,
            decode_ms,
            first_image_ms: 0.0,
            partial,
        });
    }

    /// The window preset chosen on an earlier visit, for a newly opened volume.
    pub fn apply_remembered_preset(&mut self) {
        if let Some(preset) = self.remembered.preset().filter(|&p| p < PRESETS.len()) {
            self.viewer.apply_preset(preset);
        }
    }

    /// Go to axial slice `k` (kept inside the volume); the read-out follows. Whether it changed.
    pub fn set_slice(&mut self, k: i64) -> bool {
        if !self.viewer.set_slice(k, self.slice_count()) {
            return false;
        }
        if let (Some(c), Some(l)) = (self.cursor.as_mut(), &self.loaded) {
            if c.plane == Plane::Axial {
                let at = Some([c.voxel[0], c.voxel[1]]);
                *c = Cursor::axial(&l.volume, [c.i, c.j], self.viewer.slice, at);
            }
        }
        true
    }

    /// An analysis runs: progress and message; an earlier result and comparison are dropped.
    pub fn analyzing(&mut self, message: String, fraction: f64) {
        self.viewer.analyzing(message, fraction);
        if let Some(c) = self.case.as_mut() {
            c.comparison = None;
        }
        if self.analysis.take().is_some() {
            self.results = None;
            self.overlay_gen += 1;
        }
    }

    /// The analysis finished: results (as the CLI writes them), mask, and for a dataset case
    /// with ground truth the comparison (`results.comparison`, the function `hemoscope
    /// evaluate` uses).
    pub fn analysed(&mut self, result: AnalysisResult, mask: Vec<u8>, analysed_at_ms: f64) {
        // Through the JSON text, like the CLI's output: f32 values keep their shortest form
        // (0.9209, not 0.9208999872…).
        self.results = serde_json::to_string(&result)
            .ok()
            .and_then(|text| serde_json::from_str(&text).ok());
        let total = result.timings_ms.get("total").copied().unwrap_or(0.0);
        if let (Some(case), Some(l)) = (self.case.as_mut(), self.loaded.as_ref()) {
            if !case.truth.is_empty() {
                let c = crate::dataset::compare(&result, &mask, l.volume.dims, &case.truth)
                    .map_err(|e| e.to_string());
                if let (Ok(c), Some(serde_json::Value::Object(r))) = (&c, self.results.as_mut()) {
                    if let Ok(v) = serde_json::to_value(c) {
                        r.insert("comparison".to_string(), v);
                    }
                }
                case.comparison = Some(c);
            }
        }
        self.analysis = Some(Analysis {
            result,
            mask,
            analysed_at_ms,
        });
        self.streamed = None;
        self.overlay_gen += 1;
        self.viewer.analysed(total);
    }

    /// The analysis failed: no results; the volume stays usable.
    pub fn analysis_failed(&mut self, message: &str) {
        self.viewer.analysis_failed(message);
        self.drop_analysis();
    }

    /// The user stopped the analysis: no results, back to viewing.
    pub fn analysis_cancelled(&mut self) {
        self.viewer.analysis_cancelled(self.loaded.is_some());
        self.drop_analysis();
    }

    fn drop_analysis(&mut self) {
        self.results = None;
        let streamed = self.streamed.take().is_some();
        if self.analysis.take().is_some() || streamed {
            self.overlay_gen += 1;
        }
    }

    /// Slice `k`'s labels came back at `now_ms` while the analysis runs: they join the
    /// overlay's mask. Whether the overlay must be redrawn now: for the slice shown, the first
    /// slice back, and otherwise at most every [`STREAM_REDRAW_MS`] (the slices back in between
    /// are drawn then). Ignored (false) when no analysis runs or they do not fit the volume.
    pub fn slice_labels(&mut self, k: usize, labels: &[u8], now_ms: f64) -> bool {
        let Some(l) = self.loaded.as_ref() else {
            return false;
        };
        let [ni, nj, nk] = l.volume.dims;
        let per = ni * nj;
        if self.viewer.status != Status::Analyzing || k >= nk || labels.len() != per {
            return false;
        }
        let first = self.streamed.is_none();
        let streamed = self.streamed.get_or_insert_with(|| Streamed {
            mask: vec![0; per * nk],
            slices: Vec::new(),
            redrawn_ms: now_ms,
        });
        streamed.mask[k * per..(k + 1) * per].copy_from_slice(labels);
        if !streamed.slices.contains(&k) {
            streamed.slices.push(k);
        }
        let redraw =
            first || k == self.viewer.slice || now_ms - streamed.redrawn_ms >= STREAM_REDRAW_MS;
        if redraw {
            streamed.redrawn_ms = now_ms;
            self.overlay_gen += 1;
        }
        redraw
    }

    /// What the overlay blends over the image, as the ground-truth toggle says: the
    /// prediction (the finished analysis, or the slices back so far while it runs) and the
    /// open case's ground truth.
    pub fn overlay_masks(&self) -> (Option<&[u8]>, Option<&[u8]>) {
        let prediction = match (&self.analysis, &self.streamed) {
            (Some(a), _) => Some(a.mask.as_slice()),
            (None, Some(s)) => Some(s.mask.as_slice()),
            (None, None) => None,
        }
        .filter(|_| self.gt_mode != GtMode::Truth);
        let truth = self
            .case
            .as_ref()
            .and_then(|c| c.truth.label_map.as_deref())
            .filter(|_| self.gt_mode != GtMode::Prediction);
        (prediction, truth)
    }

    /// The overlay's look or its layers changed.
    pub fn overlay_changed(&mut self) {
        self.overlay_gen += 1;
    }

    /// The ground-truth toggle: which masks the overlay shows.
    pub fn set_gt_mode(&mut self, mode: GtMode) {
        self.gt_mode = mode;
        self.overlay_changed();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    use crate::analysis::assemble::assemble;
    use crate::analysis::result::Labels;
    use crate::analysis::status::LabelStatus;
    use crate::dataset::Truth;
    use crate::model::card::AnalysisCard;
    use crate::model::shipped::ANALYSIS_CARD;
    use crate::phantom;

    fn volume() -> Volume {
        phantom::demo_case().0
    }

    #[test]
    fn a_new_volume_replaces_the_analysis_case_and_read_out() {
        let mut s = Session::default();
        s.open(volume(), 12.0);
        s.cursor = Some(Cursor::axial(&volume(), [3, 4], 5, None));
        s.results = Some(serde_json::json!({"any": true}));
        s.case = Some(case_without_truth());
        let gen = s.overlay_gen;
        s.open(volume(), 15.0);
        assert!(s.cursor.is_none() && s.results.is_none() && s.case.is_none());
        assert!(s.overlay_gen > gen, "the overlay is redrawn");
        let l = s.loaded.as_ref().unwrap();
        assert_eq!((l.decode_ms, l.partial), (15.0, None));
        assert_eq!(s.viewer.status, Status::Ready);
        assert_eq!(s.viewer.slice, l.volume.dims[2] / 2);
        assert!(
            s.viewer.message.starts_with("Opened "),
            "{}",
            s.viewer.message
        );
    }

    #[test]
    fn the_early_slice_keeps_the_case_and_its_time_becomes_the_first_images() {
        let mut s = Session {
            case: Some(case_without_truth()),
            ..Session::default()
        };
        let full = volume();
        let one = full.clone();
        s.preview(one, 16, 32);
        assert_eq!(s.viewer.status, Status::Loading);
        assert_eq!(s.loaded.as_ref().unwrap().partial, Some((16, 32)));
        assert!(
            s.case.is_some(),
            "the case being opened stays while it loads"
        );
        s.loaded.as_mut().unwrap().first_image_ms = 180.0;
        assert!(s.open(full, 40.0), "an early slice was shown");
        assert_eq!(s.loaded.as_ref().unwrap().first_image_ms, 180.0);
        // Without an early slice the first image is the volume's own first draw (set later).
        assert!(!s.open(volume(), 40.0));
        assert_eq!(s.loaded.as_ref().unwrap().first_image_ms, 0.0);
    }

    #[test]
    fn the_read_out_follows_the_slice_and_the_slice_stays_inside() {
        let mut s = Session::default();
        assert!(!s.set_slice(3), "nothing open");
        let v = volume();
        let expect = v.get(20, 30, 2);
        s.open(v, 0.0);
        let l = s.loaded.as_ref().unwrap();
        s.cursor = Some(Cursor::axial(
            &l.volume,
            [20, 30],
            s.viewer.slice,
            Some([20.25, 30.5]),
        ));
        assert!(s.set_slice(2));
        let c = s.cursor.unwrap();
        assert_eq!((c.k, c.hu), (2, expect));
        assert_eq!(c.voxel, [20.25, 30.5, 2.0]);
        assert!(s.set_slice(10_000));
        assert_eq!(s.viewer.slice, s.slice_count() - 1);
        assert!(!s.set_slice(10_000), "already there");
    }

    #[test]
    fn a_remembered_preset_applies_and_an_unknown_one_does_not() {
        let mut s = Session::default();
        s.open(volume(), 0.0);
        s.remembered = Settings::parse(Some(r#"{"preset":2}"#));
        s.apply_remembered_preset();
        assert_eq!(s.viewer.preset, Some(2));
        s.remembered = Settings::parse(Some(r#"{"preset":99}"#));
        s.viewer.apply_preset(0);
        s.apply_remembered_preset();
        assert_eq!(s.viewer.preset, Some(0));
    }

    #[test]
    fn an_analysis_of_a_case_with_truth_is_compared_and_a_new_run_drops_it() {
        let v = volume();
        let truth_map = phantom::demo_case().1;
        let mut s = Session::default();
        s.open(v, 0.0);
        s.case = Some(OpenCase {
            id: "demo".to_string(),
            truth: Truth {
                label_map: Some(truth_map.clone()),
                ..Truth::default()
            },
            truth_error: None,
            comparison: None,
        });
        s.analyzing("Analysing 1/32".to_string(), 0.03);
        let (result, mask) = analysed_with_mask(&s, &truth_map);
        s.analysed(result, mask, 1.0);
        assert_eq!(s.viewer.status, Status::Done);
        let comparison = &s.results.as_ref().unwrap()["comparison"];
        assert!(comparison.is_object(), "results.comparison: {comparison}");
        assert!(matches!(s.case.as_ref().unwrap().comparison, Some(Ok(_))));
        let gen = s.overlay_gen;
        s.analyzing("Analysing 1/32".to_string(), 0.03);
        assert!(s.analysis.is_none() && s.results.is_none());
        assert!(s.case.as_ref().unwrap().comparison.is_none());
        assert!(s.overlay_gen > gen);
    }

    #[test]
    fn failure_and_cancel_drop_the_results_and_keep_the_volume() {
        let v = volume();
        let labels = phantom::demo_case().1;
        let mut s = Session::default();
        s.open(v, 0.0);
        let (result, mask) = analysed_with_mask(&s, &labels);
        s.analysed(result.clone(), mask.clone(), 1.0);
        s.analysis_failed("worker stopped");
        assert!(s.analysis.is_none() && s.results.is_none());
        assert_eq!(s.viewer.status, Status::Error);
        assert!(s.loaded.is_some());
        s.analysed(result, mask, 2.0);
        s.analysis_cancelled();
        assert!(s.analysis.is_none() && s.results.is_none());
        assert_eq!(s.viewer.status, Status::Ready);
    }

    #[test]
    fn slices_back_during_an_analysis_are_shown_until_the_result_replaces_them() {
        let v = volume();
        let labels = phantom::demo_case().1;
        let [ni, nj, nk] = v.dims;
        let per = ni * nj;
        let mut s = Session::default();
        s.open(v, 0.0);
        let k = (0..nk)
            .find(|&k| labels[k * per..(k + 1) * per].iter().any(|&c| c > 0))
            .unwrap();
        let slice = &labels[k * per..(k + 1) * per];
        assert!(!s.slice_labels(k, slice, 0.0), "no analysis runs");
        s.analyzing("Analysing… 0 / 28 slices".to_string(), 0.0);
        assert!(!s.slice_labels(nk, slice, 0.0), "no such slice");
        assert!(!s.slice_labels(k, &slice[1..], 0.0), "wrong size");
        assert_eq!(s.overlay_masks(), (None, None));
        let gen = s.overlay_gen;
        assert!(
            s.slice_labels(k, slice, 1000.0),
            "the first slice back is drawn"
        );
        assert!(s.overlay_gen > gen, "the overlay is redrawn");
        let (shown, truth) = s.overlay_masks();
        let shown = shown.expect("the slices back so far");
        assert_eq!(&shown[k * per..(k + 1) * per], slice);
        assert!(
            shown[..k * per].iter().all(|&c| c == 0),
            "nothing where no slice is back"
        );
        assert_eq!(truth, None);
        assert_eq!(s.streamed.as_ref().unwrap().slices, vec![k]);
        s.set_gt_mode(GtMode::Truth);
        assert_eq!(s.overlay_masks().0, None, "the toggle hides the prediction");
        s.set_gt_mode(GtMode::Both);
        let (result, mask) = analysed_with_mask(&s, &labels);
        s.analysed(result, mask, 1.0);
        assert!(s.streamed.is_none());
        assert_eq!(s.overlay_masks().0.map(<[u8]>::len), Some(per * nk));
        // A cancelled run's slices go with it.
        s.analyzing("Analysing… 0 / 28 slices".to_string(), 0.0);
        assert!(s.slice_labels(k, slice, 0.0));
        s.analysis_cancelled();
        assert!(s.streamed.is_none() && s.overlay_masks().0.is_none());
    }

    #[test]
    fn settings_are_restored_into_the_reading_tools_and_read_back_when_they_change() {
        use crate::ui::core::layout::Layout;
        use crate::ui::core::measure::Tool;
        let mut s = Session::default();
        s.restore_settings(Settings::parse(Some(
            r#"{"layout":"coronal","tool":"probe","overlay":false,"preset":1}"#,
        )));
        assert_eq!(s.reading.layout, Layout::Coronal);
        assert_eq!(s.reading.tool, Tool::Probe);
        assert!(!s.reading.overlay);
        s.open(volume(), 0.0);
        s.apply_remembered_preset();
        assert_eq!(s.viewer.preset, Some(1));
        assert_eq!(
            s.settings(),
            s.remembered,
            "nothing changed: nothing to store"
        );
        s.reading.set_tool(Tool::Distance);
        let now = s.settings();
        assert_ne!(now, s.remembered);
        assert_eq!(now.tool(), Some(Tool::Distance));
        // A custom window keeps the preset remembered before.
        s.viewer.set_window(41.0, 79.0);
        assert_eq!(s.settings().preset(), Some(1));
    }

    #[test]
    fn slices_back_are_drawn_at_most_every_quarter_second_unless_shown() {
        let v = volume();
        let [ni, nj, nk] = v.dims;
        let per = ni * nj;
        let none = vec![0u8; per];
        let mut s = Session::default();
        s.open(v, 0.0);
        let shown = s.viewer.slice;
        let other = (shown + 1) % nk;
        s.analyzing("Analysing".to_string(), 0.0);
        assert!(s.slice_labels(0, &none, 1000.0), "the first one");
        let gen = s.overlay_gen;
        assert!(!s.slice_labels(other, &none, 1100.0), "100 ms later: waits");
        assert_eq!(s.overlay_gen, gen, "nothing to redraw");
        assert!(
            s.slice_labels(shown, &none, 1150.0),
            "the slice shown: at once"
        );
        assert!(!s.slice_labels(other, &none, 1300.0));
        assert!(
            s.slice_labels(other, &none, 1400.0),
            "250 ms after the last redraw"
        );
        assert_eq!(s.streamed.as_ref().unwrap().slices, vec![0, other, shown]);
    }

    fn case_without_truth() -> OpenCase {
        OpenCase {
            id: "a".to_string(),
            truth: Truth::default(),
            truth_error: None,
            comparison: None,
        }
    }

    /// A result for the open volume with `labels` as its mask (the scores say "bleed" where
    /// the mask has one), assembled as the page's pool does.
    fn analysed_with_mask(s: &Session, labels: &[u8]) -> (AnalysisResult, Vec<u8>) {
        let volume = &s.loaded.as_ref().unwrap().volume;
        let [ni, nj, nk] = volume.dims;
        let scores: Vec<Option<[f32; 6]>> = (0..nk)
            .map(|k| {
                let slice = &labels[k * ni * nj..(k + 1) * ni * nj];
                let mut p = [0.01f32; 6];
                for code in 1..=5u8 {
                    if slice.contains(&code) {
                        p[0] = 0.99;
                        p[code as usize] = 0.99;
                    }
                }
                Some(p)
            })
            .collect();
        let card = AnalysisCard::from_json(ANALYSIS_CARD).unwrap();
        let status = Labels::from_array(std::array::from_fn(|_| LabelStatus::assessed()));
        let mut mask = labels.to_vec();
        let mut timings = BTreeMap::new();
        timings.insert("total".to_string(), 1500.0);
        let result = assemble(
            volume,
            &scores,
            &mut mask,
            &card,
            status,
            BTreeMap::new(),
            timings,
        )
        .unwrap();
        (result, mask)
    }
}
