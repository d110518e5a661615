//! The viewer's state and the JSON snapshot behind `window.hemoscope.state()`.

use std::rc::Rc;

use serde::Serialize;

use crate::analysis::AnalysisResult;
use crate::render::{AxialView, OverlayStyle, WindowLevel, PRESETS};
pub use crate::ui::core::analysis_info::{AnalysisInfo, ModelCheck};
use crate::ui::core::settings::Settings;
use crate::ui::view::canvas::{AxialCanvas, ImageRect};
use crate::ui::view::dom::{self, Elements};
use crate::ui::view::panels::AnalysisElements;
use crate::Volume;

pub use crate::ui::core::viewer::Status;
use crate::ui::core::viewer::Viewer;

pub use crate::render::{MAX_ZOOM, MIN_ZOOM};

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
    pub plane: crate::render::Plane,
    /// The pointer's position in RAS mm.
    pub ras: [f64; 3],
    /// The pointer's position in fractional voxel coordinates.
    #[serde(skip)]
    pub voxel: [f64; 3],
}

/// A finished analysis of the loaded volume.
pub struct Analysis {
    pub result: AnalysisResult,
    /// Label mask on the volume grid (i fastest), codes 0..=5.
    pub mask: Vec<u8>,
    /// When the analysis finished, in ms since the Unix epoch (the browser's clock).
    pub analysed_at_ms: f64,
}

pub use crate::ui::core::case::{GtMode, OpenCase};

/// What the views blend over the image: the prediction and/or the open case's ground truth,
/// as the ground-truth toggle says. Takes the fields it reads, so callers can hold others.
pub fn overlay_layers<'a>(
    analysis: &'a Option<Analysis>,
    case: &'a Option<OpenCase>,
    gt_mode: GtMode,
    style: &'a OverlayStyle,
    gen: u64,
) -> crate::ui::view::canvas::Overlay<'a> {
    let mask = analysis
        .as_ref()
        .filter(|_| gt_mode != GtMode::Truth)
        .map(|a| a.mask.as_slice());
    let truth = case
        .as_ref()
        .and_then(|c| c.truth.label_map.as_deref())
        .filter(|_| gt_mode != GtMode::Prediction);
    if mask.is_none() && truth.is_none() {
        return None;
    }
    Some(crate::ui::view::canvas::Layers {
        mask,
        truth,
        style,
        gen,
    })
}

/// Shared handle to the app state, captured by every event handler.
pub type AppRef = Rc<std::cell::RefCell<App>>;

/// Everything the page shows.
pub struct App {
    pub el: Elements,
    pub ael: AnalysisElements,
    pub canvas: AxialCanvas,
    /// Status line and axial display (slice, window, zoom, pan).
    pub viewer: Viewer,
    pub loaded: Option<Loaded>,
    pub cursor: Option<Cursor>,
    /// Analysis results (same JSON as `hemoscope analyze --json`), once analysed.
    pub results: Option<serde_json::Value>,
    /// Coronal/sagittal views, crosshair, measurements, layout (see `views`).
    pub reading: Option<crate::ui::view::reading::Reading>,
    pub analysis: Option<Analysis>,
    /// Why the analysis cannot run (models failed to load or their self-test).
    pub analysis_unavailable: Option<String>,
    /// Where the models came from (downloaded or the browser cache).
    pub models_note: Option<String>,
    pub overlay: OverlayStyle,
    /// Changes whenever the overlay's mask or style changes (the canvas re-renders).
    pub overlay_gen: u64,
    /// RGBA buffer of the probability strip, reused.
    pub strip_rgba: Vec<u8>,
    /// Engine build, cascade setting, models in use (`state().analysis`).
    pub analysis_info: AnalysisInfo,
    /// The model loader's elements (status line, reset button), once wired.
    pub loader: Option<crate::ui::view::panels::LoaderElements>,
    /// The dataset gallery, when the page was opened with `?manifest=`.
    pub gallery: Option<crate::ui::view::gallery::Gallery>,
    /// The dataset case in the viewer (cleared when another file is opened).
    pub case: Option<OpenCase>,
    pub gt_mode: GtMode,
    /// The ground-truth panel (found at start-up).
    pub comparison_el: Option<crate::ui::view::comparison::ComparisonElements>,
    /// The DICOM series of the last drop (empty for NIfTI or the demo); see `series_list`.
    pub series: Vec<crate::io::dicom::SeriesSummary>,
    /// The state changed since the page was last brought in line with it.
    pub dirty: bool,
    /// Asks the web glue to render once the current event is handled (set at start; without
    /// it, [`App::changed`] renders at once).
    pub on_dirty: Option<Rc<dyn Fn()>>,
    /// The settings as last stored (the web glue stores them again when they change).
    pub remembered: Settings,
}

impl App {
    pub fn new(el: Elements, ael: AnalysisElements, canvas: AxialCanvas) -> Self {
        App {
            el,
            ael,
            canvas,
            viewer: Viewer::default(),
            loaded: None,
            cursor: None,
            results: None,
            reading: None,
            analysis: None,
            analysis_unavailable: None,
            models_note: None,
            overlay: OverlayStyle::default(),
            overlay_gen: 0,
            strip_rgba: Vec::new(),
            analysis_info: AnalysisInfo::default(),
            loader: None,
            gallery: None,
            case: None,
            gt_mode: GtMode::Both,
            comparison_el: None,
            series: Vec::new(),
            dirty: false,
            on_dirty: None,
            remembered: Settings::default(),
        }
    }

    /// Bring the ground-truth panel in line with the open case.
    pub fn refresh_comparison(&mut self) {
        if let Some(el) = &self.comparison_el {
            let analysing = self.viewer.status == Status::Analyzing;
            crate::ui::view::comparison::render(el, self.case.as_ref(), analysing, self.gt_mode);
        }
    }

    /// The ground-truth toggle changed.
    pub fn set_gt_mode(&mut self, mode: GtMode) {
        self.gt_mode = mode;
        self.overlay_changed();
    }

    /// Show the outcome of a user-model check.
    pub fn set_model_check(&mut self, check: ModelCheck) {
        self.analysis_info.model_check = Some(check);
        self.refresh_analysis();
    }

    /// The analysis runs: progress (0..1) and a message with slices done and time left.
    pub fn set_analyzing(&mut self, message: String, fraction: f64) {
        self.viewer.analyzing(message, fraction);
        if let Some(c) = self.case.as_mut() {
            c.comparison = None;
        }
        if self.analysis.take().is_some() {
            self.results = None;
            self.overlay_gen += 1;
        }
        self.changed();
    }

    /// The analysis finished: results, overlay, strip.
    pub fn set_analysis(&mut self, result: AnalysisResult, mask: Vec<u8>, analysed_at_ms: f64) {
        // Through the JSON text, like the CLI's output: f32 values keep their shortest form
        // (0.9209, not 0.9208999872…).
        self.results = serde_json::to_string(&result)
            .ok()
            .and_then(|text| serde_json::from_str(&text).ok());
        let total = result.timings_ms.get("total").copied().unwrap_or(0.0);
        // A dataset case with ground truth: compare (same function as `hemoscope evaluate`).
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
        self.overlay_gen += 1;
        self.viewer.analysed(total);
        self.changed();
    }

    /// The analysis failed: the message is shown, the volume stays usable.
    pub fn set_analysis_error(&mut self, message: &str) {
        self.viewer.analysis_failed(message);
        self.results = None;
        if self.analysis.take().is_some() {
            self.overlay_gen += 1;
        }
        self.changed();
    }

    /// The user stopped the analysis: no results, back to viewing.
    pub fn set_analysis_cancelled(&mut self) {
        self.viewer.analysis_cancelled(self.loaded.is_some());
        self.results = None;
        if self.analysis.take().is_some() {
            self.overlay_gen += 1;
        }
        self.changed();
    }

    /// Overlay style changed: redraw.
    pub fn overlay_changed(&mut self) {
        self.overlay_gen += 1;
        self.changed();
    }

    pub fn set_idle(&mut self, message: &str) {
        self.viewer.idle(message);
    }

    pub fn set_loading(&mut self, message: &str) {
        self.viewer.loading(message);
        self.changed();
    }

    /// A failure: shown in the page and in `state().error`; the previous volume stays usable.
    pub fn set_error(&mut self, message: &str) {
        self.viewer.open_failed(message, self.loaded.is_some());
        self.changed();
    }

    /// Show a freshly decoded volume: middle slice, brain window, fitted.
    pub fn set_volume(&mut self, volume: Volume, started_ms: f64, decode_ms: f64) {
        // The early slice of this request, if one was shown, was the first image.
        let early = self
            .loaded
            .as_ref()
            .filter(|l| l.partial.is_some())
            .map(|l| l.first_image_ms);
        let view = AxialView::new(&volume);
        self.cursor = None;
        self.results = None;
        self.analysis = None;
        self.case = None;
        self.overlay_gen += 1;
        let warnings = if volume.warnings.is_empty() {
            String::new()
        } else {
            format!(" Warnings: {}", volume.warnings.join("; "))
        };
        let [ni, nj, nk] = volume.dims;
        self.viewer
            .opened(nk, format!("Opened {}: {ni}×{nj}×{nk} voxels.{warnings}", volume.source));
        self.loaded = Some(Loaded {
            volume: Rc::new(volume),
            view,
            load_ms: 0.0,
            decode_ms,
            first_image_ms: 0.0,
            partial: None,
        });
        self.reading_volume_changed();
        // Drawn now, not after the event: the time to the first drawn slice is measured here.
        self.render();
        if let Some(l) = self.loaded.as_mut() {
            l.load_ms = dom::now_ms() - started_ms;
            l.first_image_ms = early.unwrap_or(l.load_ms);
        }
    }

    /// Show the first decoded slice of a DICOM series while the rest is decoded: a one-slice
    /// volume, brain window, fitted; the status stays "loading".
    pub fn set_preview(&mut self, slice: Volume, k: usize, slices: usize, started_ms: f64) {
        let view = AxialView::new(&slice);
        self.cursor = None;
        self.results = None;
        self.analysis = None;
        self.overlay_gen += 1;
        self.viewer
            .preview(format!("Loading 1/{slices} slices: slice {} shown…", k + 1));
        self.loaded = Some(Loaded {
            volume: Rc::new(slice),
            view,
            load_ms: 0.0,
            decode_ms: 0.0,
            first_image_ms: 0.0,
            partial: Some((k, slices)),
        });
        self.reading_volume_changed();
        self.render();
        if let Some(l) = self.loaded.as_mut() {
            l.first_image_ms = dom::now_ms() - started_ms;
        }
    }

    pub fn slice_count(&self) -> usize {
        self.loaded.as_ref().map(|l| l.volume.dims[2]).unwrap_or(0)
    }

    pub fn set_slice(&mut self, k: i64) {
        if self.viewer.set_slice(k, self.slice_count()) {
            self.update_cursor_value();
            self.changed();
        }
    }

    pub fn apply_preset(&mut self, index: usize) {
        if self.viewer.apply_preset(index) {
            self.changed();
        }
    }

    pub fn set_window(&mut self, center: f64, width: f64) {
        self.viewer.set_window(center, width);
        self.changed();
    }

    pub fn zoom_by(&mut self, factor: f64) {
        self.viewer.zoom_by(factor);
        self.changed();
    }

    /// Zoom and pan of every view back to fitted and centred.
    pub fn reset_view(&mut self) {
        self.viewer.reset_view();
        if let Some(r) = self.reading.as_mut() {
            r.state.unzoom();
        }
        self.changed();
    }

    /// Update the hover read-out for a point in CSS pixels relative to the canvas.
    pub fn hover(&mut self, css_x: f64, css_y: f64) {
        self.cursor = None;
        if let Some(l) = &self.loaded {
            if let Some([x, y]) = self.canvas.image_pixel_at(css_x, css_y) {
                if let Some([i, j]) = l.view.voxel_at(x, y) {
                    let k = self.viewer.slice;
                    // The pointer itself (fractional image point), not the voxel centre.
                    let voxel = match self.canvas.image_point_at(css_x, css_y) {
                        Some(p) => {
                            let [fi, fj] = l.view.voxel_at_fractional(p[0], p[1]);
                            [fi, fj, k as f64]
                        }
                        None => [i as f64, j as f64, k as f64],
                    };
                    self.cursor = Some(Cursor {
                        i,
                        j,
                        k,
                        hu: l.volume.get(i, j, k),
                        plane: crate::render::Plane::Axial,
                        ras: l.volume.geometry.to_ras(voxel),
                        voxel,
                    });
                }
            }
        }
        self.refresh_readouts();
    }

    fn update_cursor_value(&mut self) {
        if let (Some(c), Some(l)) = (self.cursor.as_mut(), &self.loaded) {
            if c.plane == crate::render::Plane::Axial {
                c.k = self.viewer.slice;
                c.hu = l.volume.get(c.i, c.j, c.k);
                c.voxel[2] = c.k as f64;
                c.ras = l.volume.geometry.to_ras(c.voxel);
            }
        }
    }

    /// The state changed: the page is brought in line with it once the event being handled is
    /// done (one render however many changes an event makes).
    pub fn changed(&mut self) {
        self.dirty = true;
        match self.on_dirty.clone() {
            Some(schedule) => schedule(),
            None => self.render(),
        }
    }

    /// Render if the state changed since the last render.
    pub fn render_if_dirty(&mut self) {
        if self.dirty {
            self.render();
        }
    }

    /// Redraw the canvas and bring every element in line with the state.
    pub fn render(&mut self) {
        self.dirty = false;
        let overlay = overlay_layers(
            &self.analysis,
            &self.case,
            self.gt_mode,
            &self.overlay,
            self.overlay_gen,
        )
        .filter(|_| self.reading.as_ref().is_none_or(|r| r.state.overlay));
        let draw = match &self.loaded {
            Some(l) => self.canvas.draw(
                &l.volume,
                &l.view,
                self.viewer.slice,
                self.viewer.window,
                self.viewer.zoom,
                self.viewer.pan,
                overlay,
            ),
            None => self.canvas.clear(),
        };
        if let Err(e) = draw {
            self.viewer.status = Status::Error;
            self.viewer.error = Some(format!("drawing failed: {}", dom::js_error_text(&e)));
        }
        self.refresh_reading();
        self.refresh_controls();
        self.refresh_readouts();
        self.refresh_analysis();
        self.refresh_comparison();
    }

    fn refresh_controls(&self) {
        let el = &self.el;
        let n = self.slice_count();
        el.slice_slider.set_disabled(n == 0);
        el.slice_slider.set_max(&n.saturating_sub(1).to_string());
        let want = self.viewer.slice.to_string();
        if el.slice_slider.value() != want {
            el.slice_slider.set_value(&want);
        }
        let label = if n == 0 {
            "–".to_string()
        } else {
            format!("{} / {}", self.viewer.slice + 1, n)
        };
        dom::set_text(&el.slice_label, &label);
        let _ = el
            .slice_slider
            .set_attribute("aria-valuetext", &format!("Slice {label}"));
        for (idx, b) in el.presets.iter().enumerate() {
            let pressed = if self.viewer.preset == Some(idx) {
                "true"
            } else {
                "false"
            };
            let _ = b.set_attribute("aria-pressed", pressed);
        }
        let letters = self.loaded.as_ref().map(|l| {
            let e = l.view.letters;
            [e.top, e.bottom, e.left, e.right]
        });
        for (pos, span) in el.orient.iter().enumerate() {
            let text = letters
                .as_ref()
                .map(|t| t[pos].to_string())
                .unwrap_or_default();
            dom::set_text(span, &text);
        }
        let description = match &self.loaded {
            Some(_) => {
                let name = self
                    .viewer
                    .preset
                    .and_then(|p| PRESETS.get(p))
                    .map(|p| p.name)
                    .unwrap_or("custom");
                format!("Axial CT slice {label}, {name} window")
            }
            None => "Axial CT slice (no volume open)".to_string(),
        };
        let _ = el.canvas.set_attribute("aria-label", &description);
        el.drop_hint
            .set_hidden(self.loaded.is_some() || self.viewer.status == Status::Loading);
        match self.viewer.progress {
            Some(f) => {
                let _ = el
                    .progress
                    .set_attribute("value", &format!("{:.3}", f.clamp(0.0, 1.0)));
                // Say what is being measured: slices analysed, or the file being decoded.
                let label = if self.viewer.status == Status::Analyzing {
                    "Analysis progress (slices analysed)"
                } else {
                    "Decoding progress"
                };
                let _ = el.progress.set_attribute("aria-label", label);
                el.progress.set_hidden(false);
            }
            None => el.progress.set_hidden(true),
        }
        dom::set_text(&el.status, &self.viewer.message);
        match &self.viewer.error {
            Some(e) => {
                dom::set_text(&el.error, e);
                el.error.set_hidden(false);
            }
            None => el.error.set_hidden(true),
        }
    }

    pub(crate) fn refresh_readouts(&self) {
        let el = &self.el;
        let w = self.viewer.window;
        let name = self
            .viewer
            .preset
            .and_then(|p| PRESETS.get(p))
            .map(|p| format!(" ({})", p.name))
            .unwrap_or_default();
        dom::set_text(
            &el.window_readout,
            &format!("W {:.0} / L {:.0}{name}", w.width, w.center),
        );
        let cursor = match self.cursor {
            Some(c) => format!(
                "{} HU at voxel ({}, {}, {}); R {:.1}, A {:.1}, S {:.1} mm ({})",
                c.hu,
                c.i,
                c.j,
                c.k,
                c.ras[0],
                c.ras[1],
                c.ras[2],
                c.plane.name()
            ),
            None => "–".to_string(),
        };
        dom::set_text(&el.cursor_readout, &cursor);
        dom::set_text(&el.zoom_readout, &format!("{:.0}%", self.viewer.zoom * 100.0));
        let vol = match &self.loaded {
            Some(l) => {
                let s = l.volume.spacing_mm();
                let [ni, nj, nk] = l.volume.dims;
                format!("{ni}×{nj}×{nk}, {:.2}×{:.2}×{:.2} mm", s[0], s[1], s[2])
            }
            None => "–".to_string(),
        };
        dom::set_text(&el.volume_readout, &vol);
    }

    /// The automation snapshot (`window.hemoscope.state()`).
    pub fn snapshot(&self) -> Snapshot {
        let loaded = self.loaded.as_ref();
        Snapshot {
            status: self.viewer.status,
            error: self.viewer.error.clone(),
            message: self.viewer.message.clone(),
            volume: loaded.map(|l| VolumeInfo {
                dims: l.volume.dims,
                spacing_mm: l.volume.spacing_mm(),
                source: l.volume.source.clone(),
                warnings: l.volume.warnings.clone(),
            }),
            slice: loaded.map(|_| self.viewer.slice),
            window: loaded.map(|_| self.viewer.window),
            view: loaded.map(|_| ViewInfo {
                zoom: self.viewer.zoom,
                pan: self.viewer.pan,
                canvas: self.canvas.backing_size(),
                image_rect: self.canvas.last_rect(),
            }),
            cursor: self.cursor,
            results: self.results.clone(),
            timings: loaded.filter(|l| l.partial.is_none()).map(|l| Timings {
                load_ms: l.load_ms,
                decode_ms: l.decode_ms,
                first_image_ms: l.first_image_ms,
            }),
            partial: loaded.and_then(|l| l.partial).map(|(k, slices)| Partial {
                k,
                slices,
                first_image_ms: l_first(loaded),
            }),
            series: self
                .series
                .iter()
                .enumerate()
                .map(|(index, s)| SeriesItem::of(index, s))
                .collect(),
            crosshair: self.crosshair(),
            measurements: self.measurements(),
            reading: self.reading_info(),
            analysis: self.analysis_info.clone(),
            dataset: self
                .gallery
                .as_ref()
                .map(|g| g.snapshot(self.case.as_ref())),
        }
    }
}

/// `window.hemoscope.state()`: field names and meanings are a stable contract (README).
#[derive(Serialize)]
pub struct Snapshot {
    pub status: Status,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    pub message: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub volume: Option<VolumeInfo>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub slice: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub window: Option<WindowLevel>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub view: Option<ViewInfo>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cursor: Option<Cursor>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub results: Option<serde_json::Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub timings: Option<Timings>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub crosshair: Option<crate::ui::view::reading::Crosshair>,
    pub measurements: Vec<crate::ui::core::measure::Measurement>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reading: Option<crate::ui::view::reading::ReadingInfo>,
    pub analysis: AnalysisInfo,
    /// The dataset gallery (`?manifest=`), see README.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dataset: Option<serde_json::Value>,
    /// While a DICOM series is decoded and its first slice is shown early.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub partial: Option<Partial>,
    /// The DICOM series of the last drop (empty for NIfTI files and the demo).
    pub series: Vec<SeriesItem>,
}

/// The early slice shown while a series is decoded.
#[derive(Serialize)]
pub struct Partial {
    /// Its index in the series and the series' slice count.
    pub k: usize,
    pub slices: usize,
    /// Time from the request to this slice on screen, ms.
    pub first_image_ms: f64,
}

fn l_first(loaded: Option<&Loaded>) -> f64 {
    loaded.map(|l| l.first_image_ms).unwrap_or(0.0)
}

/// One series in `state().series`.
#[derive(Serialize)]
pub struct SeriesItem {
    /// Position in the list (what choosing it sends to the decoder).
    pub index: usize,
    /// SeriesInstanceUID ("" when the files have none).
    pub uid: String,
    pub description: String,
    pub modality: String,
    pub slices: usize,
    pub thickness_mm: Option<f64>,
    pub orientation: crate::io::dicom::Orientation,
    pub rows: u32,
    pub columns: u32,
    /// Whether this is the series shown.
    pub opened: bool,
}

impl SeriesItem {
    fn of(index: usize, s: &crate::io::dicom::SeriesSummary) -> Self {
        SeriesItem {
            index,
            uid: s.series_uid.clone(),
            description: s.description.clone(),
            modality: s.modality.clone(),
            slices: s.slices,
            thickness_mm: s.thickness_mm,
            orientation: s.orientation,
            rows: s.rows,
            columns: s.columns,
            opened: s.opened,
        }
    }
}

#[derive(Serialize)]
pub struct VolumeInfo {
    pub dims: [usize; 3],
    pub spacing_mm: [f64; 3],
    pub source: String,
    pub warnings: Vec<String>,
}

/// Where the slice is drawn, in canvas backing-store pixels.
#[derive(Serialize)]
pub struct ViewInfo {
    pub zoom: f64,
    pub pan: [f64; 2],
    pub canvas: [u32; 2],
    pub image_rect: Option<ImageRect>,
}

#[derive(Serialize)]
pub struct Timings {
    pub load_ms: f64,
    pub decode_ms: f64,
    /// Request to the first image on screen (the early DICOM slice when there was one).
    pub first_image_ms: f64,
}
