//! The viewer's state and the JSON snapshot behind `window.hemoscope.state()`.

use std::rc::Rc;

use serde::Serialize;

use crate::analysis::AnalysisResult;
use crate::render::{WindowLevel, PRESETS};
pub use crate::ui::core::analysis_info::{AnalysisInfo, ModelCheck};
use crate::ui::view::canvas::{AxialCanvas, ImageRect};
use crate::ui::view::dom::{self, Elements};
use crate::ui::view::panels::AnalysisElements;
use crate::Volume;

pub use crate::ui::core::viewer::Status;

pub use crate::render::{MAX_ZOOM, MIN_ZOOM};

pub use crate::ui::core::session::{Analysis, Cursor, Loaded, Session};

pub use crate::ui::core::case::{GtMode, OpenCase};

/// What the views blend over the image ([`Session::overlay_masks`]) in the view's form.
pub fn overlay_layers(session: &Session) -> crate::ui::view::canvas::Overlay<'_> {
    match session.overlay_masks() {
        (None, None) => None,
        (mask, truth) => Some(crate::ui::view::canvas::Layers {
            mask,
            truth,
            style: &session.overlay,
            gen: session.overlay_gen,
        }),
    }
}

/// The page's renders since it opened: how often and how long the main thread drew
/// (`state().renders`).
#[derive(Debug, Clone, Copy, Default, Serialize)]
pub struct RenderStats {
    pub count: u64,
    pub total_ms: f64,
    pub max_ms: f64,
}

/// Shared handle to the app state, captured by every event handler.
pub type AppRef = Rc<std::cell::RefCell<App>>;

/// Everything the page shows.
pub struct App {
    /// What is open and how it stands (plain data, `ui::core::session`).
    pub session: Session,
    pub el: Elements,
    pub ael: AnalysisElements,
    pub canvas: AxialCanvas,
    /// Coronal/sagittal views, crosshair, measurements, layout (see `view::reading`).
    pub reading: Option<crate::ui::view::reading::Reading>,
    /// RGBA buffer of the probability strip, reused.
    pub strip_rgba: Vec<u8>,
    /// The model loader's elements (status line, reset button), once wired.
    pub loader: Option<crate::ui::view::panels::LoaderElements>,
    /// The dataset gallery, when the page was opened with `?manifest=`.
    pub gallery: Option<crate::ui::view::gallery::Gallery>,
    /// The ground-truth panel (found at start-up).
    pub comparison_el: Option<crate::ui::view::comparison::ComparisonElements>,
    /// The state changed since the page was last brought in line with it.
    pub dirty: bool,
    /// Only the status line and progress bar changed (see [`App::progressed`]).
    pub status_dirty: bool,
    /// Asks the web glue to render once the current event is handled (set at start; without
    /// it, [`App::changed`] renders at once).
    pub on_dirty: Option<Rc<dyn Fn()>>,
    pub renders: RenderStats,
}

impl App {
    pub fn new(el: Elements, ael: AnalysisElements, canvas: AxialCanvas) -> Self {
        App {
            session: Session::default(),
            el,
            ael,
            canvas,
            reading: None,
            strip_rgba: Vec::new(),
            loader: None,
            gallery: None,
            comparison_el: None,
            dirty: false,
            status_dirty: false,
            on_dirty: None,
            renders: RenderStats::default(),
        }
    }

    /// Bring the ground-truth panel in line with the open case.
    pub fn refresh_comparison(&mut self) {
        if let Some(el) = &self.comparison_el {
            let analysing = self.session.viewer.status == Status::Analyzing;
            crate::ui::view::comparison::render(el, self.session.case.as_ref(), analysing, self.session.gt_mode);
        }
    }

    /// The ground-truth toggle changed.
    pub fn set_gt_mode(&mut self, mode: GtMode) {
        self.session.set_gt_mode(mode);
        self.changed();
    }

    /// Show the outcome of a user-model check.
    pub fn set_model_check(&mut self, check: ModelCheck) {
        self.session.analysis_info.model_check = Some(check);
        self.refresh_analysis();
    }

    /// The analysis runs: progress (0..1) and a message with slices done and time left.
    pub fn set_analyzing(&mut self, message: String, fraction: f64) {
        let running = self.session.viewer.status == Status::Analyzing;
        self.session.analyzing(message, fraction);
        if running {
            self.progressed();
        } else {
            self.changed();
        }
    }

    /// The analysis finished: results, overlay, strip.
    pub fn set_analysis(&mut self, result: AnalysisResult, mask: Vec<u8>, analysed_at_ms: f64) {
        self.session.analysed(result, mask, analysed_at_ms);
        self.changed();
    }

    /// The analysis failed: the message is shown, the volume stays usable.
    pub fn set_analysis_error(&mut self, message: &str) {
        self.session.analysis_failed(message);
        self.changed();
    }

    /// The user stopped the analysis: no results, back to viewing.
    pub fn set_analysis_cancelled(&mut self) {
        self.session.analysis_cancelled();
        self.changed();
    }

    /// Overlay style changed: redraw.
    pub fn overlay_changed(&mut self) {
        self.session.overlay_changed();
        self.changed();
    }

    pub fn set_idle(&mut self, message: &str) {
        self.session.viewer.idle(message);
    }

    pub fn set_loading(&mut self, message: &str) {
        self.session.viewer.loading(message);
        self.changed();
    }

    /// A failure: shown in the page and in `state().error`; the previous volume stays usable.
    pub fn set_error(&mut self, message: &str) {
        let has_volume = self.session.loaded.is_some();
        self.session.viewer.open_failed(message, has_volume);
        self.changed();
    }

    /// Show a freshly decoded volume: middle slice, brain window, fitted.
    pub fn set_volume(&mut self, volume: Volume, started_ms: f64, decode_ms: f64) {
        let early = self.session.open(volume, decode_ms);
        self.reading_volume_changed();
        // Drawn now, not after the event: the time to the first drawn slice is measured here.
        self.render();
        if let Some(l) = self.session.loaded.as_mut() {
            l.load_ms = dom::now_ms() - started_ms;
            if !early {
                l.first_image_ms = l.load_ms;
            }
        }
    }

    /// Show the first decoded slice of a DICOM series while the rest is decoded: a one-slice
    /// volume, brain window, fitted; the status stays "loading".
    pub fn set_preview(&mut self, slice: Volume, k: usize, slices: usize, started_ms: f64) {
        self.session.preview(slice, k, slices);
        self.reading_volume_changed();
        self.render();
        if let Some(l) = self.session.loaded.as_mut() {
            l.first_image_ms = dom::now_ms() - started_ms;
        }
    }

    pub fn slice_count(&self) -> usize {
        self.session.slice_count()
    }

    /// A slice's labels came back while the analysis runs (drawn as the session says).
    pub fn slice_labels(&mut self, k: usize, labels: &[u8]) {
        if self.session.slice_labels(k, labels, dom::now_ms()) {
            self.changed();
        }
    }

    pub fn set_slice(&mut self, k: i64) {
        if self.session.set_slice(k) {
            self.changed();
        }
    }

    pub fn apply_preset(&mut self, index: usize) {
        if self.session.viewer.apply_preset(index) {
            self.changed();
        }
    }

    pub fn set_window(&mut self, center: f64, width: f64) {
        self.session.viewer.set_window(center, width);
        self.changed();
    }

    pub fn zoom_by(&mut self, factor: f64) {
        self.session.viewer.zoom_by(factor);
        self.changed();
    }

    /// Zoom and pan of every view back to fitted and centred.
    pub fn reset_view(&mut self) {
        self.session.viewer.reset_view();
        self.session.reading.unzoom();
        self.changed();
    }

    /// Update the hover read-out for a point in CSS pixels relative to the canvas.
    pub fn hover(&mut self, css_x: f64, css_y: f64) {
        let s = &mut self.session;
        s.cursor = None;
        if let Some(l) = &s.loaded {
            if let Some([x, y]) = self.canvas.image_pixel_at(css_x, css_y) {
                if let Some(ij) = l.view.voxel_at(x, y) {
                    // The pointer itself (fractional image point), not the voxel centre.
                    let at = self
                        .canvas
                        .image_point_at(css_x, css_y)
                        .map(|p| l.view.voxel_at_fractional(p[0], p[1]));
                    s.cursor = Some(Cursor::axial(&l.volume, ij, s.viewer.slice, at));
                }
            }
        }
        self.refresh_readouts();
    }

    /// The state changed: the page is brought in line with it once the event being handled is
    /// done (one render however many changes an event makes).
    pub fn changed(&mut self) {
        self.dirty = true;
        self.schedule_render();
    }

    /// Only the status line and the progress bar changed (the next slice of a running
    /// analysis, the decoder's progress): the render after the event redraws just those.
    pub fn progressed(&mut self) {
        self.status_dirty = true;
        self.schedule_render();
    }

    /// The render after the event (at once when no scheduler is installed yet).
    fn schedule_render(&mut self) {
        match self.on_dirty.clone() {
            Some(schedule) => schedule(),
            None => self.render_if_dirty(),
        }
    }

    /// Render what changed since the last render.
    pub fn render_if_dirty(&mut self) {
        if self.dirty {
            self.render();
        } else if self.status_dirty {
            self.status_dirty = false;
            self.refresh_controls();
        }
    }

    /// Redraw the canvas and bring every element in line with the state.
    pub fn render(&mut self) {
        let started = dom::now_ms();
        self.draw_everything();
        let ms = dom::now_ms() - started;
        let r = &mut self.renders;
        r.count += 1;
        r.total_ms += ms;
        r.max_ms = r.max_ms.max(ms);
    }

    fn draw_everything(&mut self) {
        self.dirty = false;
        self.status_dirty = false;
        let overlay = overlay_layers(&self.session)
        .filter(|_| self.session.reading.overlay);
        let draw = match &self.session.loaded {
            Some(l) => self.canvas.draw(
                &l.volume,
                &l.view,
                self.session.viewer.slice,
                self.session.viewer.window,
                self.session.viewer.zoom,
                self.session.viewer.pan,
                overlay,
            ),
            None => self.canvas.clear(),
        };
        if let Err(e) = draw {
            self.session.viewer.status = Status::Error;
            self.session.viewer.error = Some(format!("drawing failed: {}", dom::js_error_text(&e)));
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
        let want = self.session.viewer.slice.to_string();
        if el.slice_slider.value() != want {
            el.slice_slider.set_value(&want);
        }
        let label = if n == 0 {
            "–".to_string()
        } else {
            format!("{} / {}", self.session.viewer.slice + 1, n)
        };
        dom::set_text(&el.slice_label, &label);
        let _ = el
            .slice_slider
            .set_attribute("aria-valuetext", &format!("Slice {label}"));
        for (idx, b) in el.presets.iter().enumerate() {
            let pressed = if self.session.viewer.preset == Some(idx) {
                "true"
            } else {
                "false"
            };
            let _ = b.set_attribute("aria-pressed", pressed);
        }
        let letters = self.session.loaded.as_ref().map(|l| {
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
        let description = match &self.session.loaded {
            Some(_) => {
                let name = self
                    .session
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
            .set_hidden(self.session.loaded.is_some() || self.session.viewer.status == Status::Loading);
        match self.session.viewer.progress {
            Some(f) => {
                let _ = el
                    .progress
                    .set_attribute("value", &format!("{:.3}", f.clamp(0.0, 1.0)));
                // Say what is being measured: slices analysed, or the file being decoded.
                let label = if self.session.viewer.status == Status::Analyzing {
                    "Analysis progress (slices analysed)"
                } else {
                    "Decoding progress"
                };
                let _ = el.progress.set_attribute("aria-label", label);
                el.progress.set_hidden(false);
            }
            None => el.progress.set_hidden(true),
        }
        dom::set_text(&el.status, &self.session.viewer.message);
        match &self.session.viewer.error {
            Some(e) => {
                dom::set_text(&el.error, e);
                el.error.set_hidden(false);
            }
            None => el.error.set_hidden(true),
        }
    }

    pub(crate) fn refresh_readouts(&self) {
        let el = &self.el;
        let w = self.session.viewer.window;
        let name = self
            .session
            .viewer
            .preset
            .and_then(|p| PRESETS.get(p))
            .map(|p| format!(" ({})", p.name))
            .unwrap_or_default();
        dom::set_text(
            &el.window_readout,
            &format!("W {:.0} / L {:.0}{name}", w.width, w.center),
        );
        let cursor = match self.session.cursor {
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
        dom::set_text(&el.zoom_readout, &format!("{:.0}%", self.session.viewer.zoom * 100.0));
        let vol = match &self.session.loaded {
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
        let loaded = self.session.loaded.as_ref();
        Snapshot {
            status: self.session.viewer.status,
            error: self.session.viewer.error.clone(),
            message: self.session.viewer.message.clone(),
            volume: loaded.map(|l| VolumeInfo {
                dims: l.volume.dims,
                spacing_mm: l.volume.spacing_mm(),
                source: l.volume.source.clone(),
                warnings: l.volume.warnings.clone(),
            }),
            slice: loaded.map(|_| self.session.viewer.slice),
            window: loaded.map(|_| self.session.viewer.window),
            view: loaded.map(|_| ViewInfo {
                zoom: self.session.viewer.zoom,
                pan: self.session.viewer.pan,
                canvas: self.canvas.backing_size(),
                image_rect: self.canvas.last_rect(),
            }),
            cursor: self.session.cursor,
            results: self.session.results.clone(),
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
            labelled_slices: self.session.streamed.as_ref().map(|s| s.slices.clone()),
            renders: self.renders,
            series: self
                .session
                .series
                .iter()
                .enumerate()
                .map(|(index, s)| SeriesItem::of(index, s))
                .collect(),
            crosshair: self.crosshair(),
            measurements: self.measurements(),
            reading: self.reading_info(),
            analysis: self.session.analysis_info.clone(),
            dataset: self
                .gallery
                .as_ref()
                .map(|g| g.snapshot(self.session.case.as_ref())),
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
    /// The page's renders since it opened.
    pub renders: RenderStats,
    /// While an analysis runs: the slices whose labels the overlay already shows.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub labelled_slices: Option<Vec<usize>>,
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
