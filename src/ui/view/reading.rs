//! The three linked views: the axial view (stored slices, `canvas::AxialCanvas`) and the coronal
//! and sagittal reformats (drawn here), a crosshair shared by all three, the one-view layout,
//! measurement drawing and the annotation layer over each view.
//!
//! The crosshair is a RAS point; `state().crosshair` is its nearest voxel, and its k is always
//! the axial slice shown. Coronal and sagittal images are resampled by
//! [`crate::render::Reformat`] at the crosshair's y and x. The tools' state and its changes
//! are [`crate::ui::core::reading`]'s (tested natively); this file maps pointer and key
//! events onto them, computes measurements from the drawn images, and draws.

use serde::Serialize;
use wasm_bindgen::{Clamped, JsCast, JsValue};
use web_sys::{CanvasRenderingContext2d, HtmlButtonElement, HtmlCanvasElement, HtmlElement};

use crate::render::{
    blend, hu_to_rgba, image_point_at_css, Lut, Plane, Reformat,
    WindowLevel,
};
use crate::ui::view::canvas::{draw_fitted, ImageRect};
use crate::ui::view::dom;
use crate::ui::core::layout::Layout;
use crate::ui::core::measure::Tool;
use crate::Volume;

/// Crosshair colour (Okabe-Ito sky blue, unused by the overlay labels) and measurement colour
/// (white, distinct from every overlay colour).
pub(crate) const CROSSHAIR_COLOUR: &str = "#56B4E9";
const MEASURE_COLOUR: &str = "#FFFFFF";

fn context_2d(c: &HtmlCanvasElement) -> Result<CanvasRenderingContext2d, JsValue> {
    c.get_context("2d")?
        .ok_or_else(|| JsValue::from_str("this browser gives no 2D canvas"))?
        .dyn_into::<CanvasRenderingContext2d>()
        .map_err(JsValue::from)
}

fn device_pixel_ratio() -> f64 {
    dom::window()
        .map(|w| w.device_pixel_ratio())
        .unwrap_or(1.0)
        .max(1.0)
}

/// Match a canvas's backing store to its size on screen.
fn fit_backing_store(c: &HtmlCanvasElement) {
    let dpr = device_pixel_ratio();
    let w = ((c.client_width() as f64) * dpr).round().max(1.0) as u32;
    let h = ((c.client_height() as f64) * dpr).round().max(1.0) as u32;
    if c.width() != w {
        c.set_width(w);
    }
    if c.height() != h {
        c.set_height(h);
    }
}

/// What a reformat canvas holds, to skip resampling when nothing changed.
#[derive(PartialEq)]
pub(crate) struct RenderedKey {
    pub(crate) volume: *const Volume,
    pub(crate) depth: f64,
    pub(crate) window: WindowLevel,
    /// Generation of the overlay blended in (0 = none).
    pub(crate) overlay: u64,
}

pub use crate::ui::view::canvas::Overlay;

/// A coronal or sagittal reformat drawn on a canvas, fitted with its physical aspect ratio.
pub struct PlaneCanvas {
    pub(crate) canvas: HtmlCanvasElement,
    pub(crate) ctx: CanvasRenderingContext2d,
    pub(crate) offscreen: HtmlCanvasElement,
    pub(crate) off_ctx: CanvasRenderingContext2d,
    pub(crate) rendered: Option<RenderedKey>,
    pub(crate) rect: Option<ImageRect>,
    pub(crate) lut: Option<(WindowLevel, Lut)>,
    /// Resampled HU of the current image (for ROI statistics) and its RGBA pixels.
    pub hu: Vec<i16>,
    /// The depth `hu` was resampled at, for the volume shown (forgotten with the volume): a
    /// new window or overlay recolours it without resampling the volume again.
    pub(crate) hu_depth: Option<f64>,
    pub(crate) rgba: Vec<u8>,
    pub(crate) labels: Vec<u8>,
    /// Time of the last resampling + colouring, in ms.
    pub last_ms: f64,
}

impl PlaneCanvas {
    fn new(canvas: HtmlCanvasElement) -> Result<Self, JsValue> {
        let ctx = context_2d(&canvas)?;
        let offscreen: HtmlCanvasElement = dom::document()?.create_element("canvas")?.dyn_into()?;
        let off_ctx = context_2d(&offscreen)?;
        Ok(PlaneCanvas {
            canvas,
            ctx,
            offscreen,
            off_ctx,
            rendered: None,
            rect: None,
            lut: None,
            hu: Vec::new(),
            hu_depth: None,
            rgba: Vec::new(),
            labels: Vec::new(),
            last_ms: 0.0,
        })
    }

    pub(crate) fn clear(&mut self) {
        fit_backing_store(&self.canvas);
        self.ctx.set_fill_style_str("#000");
        self.ctx.fill_rect(
            0.0,
            0.0,
            self.canvas.width() as f64,
            self.canvas.height() as f64,
        );
        self.rendered = None;
        self.rect = None;
        self.hu_depth = None;
    }

    /// Another volume is shown: nothing drawn or resampled before is valid.
    pub(crate) fn forget_volume(&mut self) {
        self.rendered = None;
        self.hu_depth = None;
    }

    #[allow(clippy::too_many_arguments)]
    pub(crate) fn draw(
        &mut self,
        volume: &Volume,
        r: &Reformat,
        depth: f64,
        window: WindowLevel,
        overlay: Overlay,
        zoom: f64,
        pan_css: [f64; 2],
    ) -> Result<(), JsValue> {
        fit_backing_store(&self.canvas);
        let key = RenderedKey {
            volume: volume as *const Volume,
            depth,
            window,
            overlay: overlay.map(|o| o.gen).unwrap_or(0),
        };
        if self.rendered.as_ref() != Some(&key) {
            let t0 = dom::now_ms();
            if self.lut.as_ref().map(|(w, _)| *w) != Some(window) {
                self.lut = Some((window, Lut::new(window)));
            }
            if self.hu_depth != Some(depth) {
                r.sample_hu(volume, depth, &mut self.hu);
                self.hu_depth = Some(depth);
            }
            if let Some((_, lut)) = &self.lut {
                hu_to_rgba(&self.hu, lut, &mut self.rgba);
            }
            if let Some(o) = overlay {
                if let Some(mask) = o.mask {
                    r.sample_labels(mask, depth, &mut self.labels);
                    blend(&mut self.rgba, &self.labels, r.width, r.height, o.style);
                }
                if let Some(truth) = o.truth {
                    r.sample_labels(truth, depth, &mut self.labels);
                    let style = crate::render::truth_style(o.style, o.mask.is_some());
                    blend(&mut self.rgba, &self.labels, r.width, r.height, &style);
                }
            }
            let image = web_sys::ImageData::new_with_u8_clamped_array_and_sh(
                Clamped(&self.rgba),
                r.width as u32,
                r.height as u32,
            )?;
            if self.offscreen.width() != r.width as u32 {
                self.offscreen.set_width(r.width as u32);
            }
            if self.offscreen.height() != r.height as u32 {
                self.offscreen.set_height(r.height as u32);
            }
            self.off_ctx.put_image_data(&image, 0.0, 0.0)?;
            self.rendered = Some(key);
            self.last_ms = dom::now_ms() - t0;
        }
        // The image is already trilinearly resampled; smooth scaling suits a reformat.
        self.ctx.set_image_smoothing_enabled(true);
        let dpr = device_pixel_ratio();
        self.rect = Some(draw_fitted(
            &self.ctx,
            &self.canvas,
            &self.offscreen,
            [r.width, r.height],
            r.pixel_mm,
            zoom,
            [pan_css[0] * dpr, pan_css[1] * dpr],
        )?);
        Ok(())
    }
}

/// The transparent canvas over a view that shows the crosshair and measurements.
pub(crate) struct Annot {
    pub(crate) canvas: HtmlCanvasElement,
    pub(crate) ctx: CanvasRenderingContext2d,
}

/// Where a view's image lies: its rect on the canvas and the canvas element (for CSS scaling).
#[derive(Clone, Copy)]
pub(crate) struct Placement {
    pub(crate) rect: ImageRect,
    /// Backing-store pixels per CSS pixel.
    pub(crate) scale: [f64; 2],
}

impl Placement {
    pub(crate) fn of(canvas: &HtmlCanvasElement, rect: Option<ImageRect>) -> Option<Self> {
        let rect = rect?;
        Some(Placement {
            rect,
            scale: [
                canvas.width() as f64 / (canvas.client_width() as f64).max(1.0),
                canvas.height() as f64 / (canvas.client_height() as f64).max(1.0),
            ],
        })
    }

    /// Image pixel coordinates (fractional) of a point in CSS pixels relative to the canvas.
    pub(crate) fn image_point(&self, css: [f64; 2]) -> [f64; 2] {
        image_point_at_css(&self.rect, self.scale, css)
    }

    /// Canvas backing-store position of an image point.
    pub(crate) fn canvas_point(&self, p: [f64; 2]) -> [f64; 2] {
        self.rect.canvas_point(p)
    }

    pub(crate) fn contains(&self, p: [f64; 2]) -> bool {
        self.rect.contains(p)
    }
}

pub use crate::ui::core::reading::Crosshair;

/// `state().reading`: layout, tool and the reformat views.
#[derive(Serialize)]
pub struct ReadingInfo {
    pub layout: Layout,
    pub tool: Tool,
    pub overlay: bool,
    pub help_open: bool,
    /// True when coronal/sagittal are resampled from a tilted or oblique series.
    pub resampled: bool,
    pub coronal: Option<PlaneInfo>,
    pub sagittal: Option<PlaneInfo>,
}

#[derive(Serialize)]
pub struct PlaneInfo {
    pub depth_mm: f64,
    pub pixel_mm: [f64; 2],
    /// RAS coordinates (along screen x, screen y) of the image's top-left corner: image point
    /// (x, y) is at `corner - (x, y) * pixel_mm` on those axes.
    pub corner: [f64; 2],
    /// Zoom (1 = fitted) and pan (CSS pixels) of this view.
    pub zoom: f64,
    pub pan: [f64; 2],
    pub letters: crate::render::EdgeLetters,
    pub image_rect: Option<ImageRect>,
    /// Time of the last resampling of this view, in ms.
    pub reformat_ms: f64,
}

/// Elements and state of the reading tools.
pub struct Reading {
    pub(crate) views: HtmlElement,
    pub(crate) sections: [HtmlElement; 3],
    pub coronal: PlaneCanvas,
    pub sagittal: PlaneCanvas,
    pub(crate) annots: [Annot; 3],
    pub(crate) letters: [[HtmlElement; 4]; 2],
    pub tool_buttons: Vec<(Tool, HtmlButtonElement)>,
    pub layout_buttons: Vec<(Layout, HtmlButtonElement)>,
    pub overlay_button: HtmlButtonElement,
    pub help_button: HtmlButtonElement,
    pub close_help: HtmlButtonElement,
    pub(crate) help_panel: HtmlElement,
    pub measure_list: HtmlElement,
    pub(crate) measure_empty: HtmlElement,
    pub(crate) crosshair_readout: HtmlElement,
    pub(crate) announcer: HtmlElement,
    /// Measurements as last written to the list (to rebuild it only on change).
    pub(crate) listed: Vec<u32>,
}

fn letters(prefix: &str) -> Result<[HtmlElement; 4], JsValue> {
    Ok([
        dom::by_id(&format!("{prefix}-orient-top"))?,
        dom::by_id(&format!("{prefix}-orient-bottom"))?,
        dom::by_id(&format!("{prefix}-orient-left"))?,
        dom::by_id(&format!("{prefix}-orient-right"))?,
    ])
}

fn annot(id: &str) -> Result<Annot, JsValue> {
    let canvas: HtmlCanvasElement = dom::by_id(id)?;
    let ctx = context_2d(&canvas)?;
    Ok(Annot { canvas, ctx })
}

fn buttons<T>(
    selector: &str,
    attr: &str,
    parse: impl Fn(&str) -> Option<T>,
) -> Result<Vec<(T, HtmlButtonElement)>, JsValue> {
    let nodes = dom::document()?.query_selector_all(selector)?;
    let mut out = Vec::new();
    for n in 0..nodes.length() {
        if let Some(b) = nodes
            .item(n)
            .and_then(|n| n.dyn_into::<HtmlButtonElement>().ok())
        {
            if let Some(v) = b.get_attribute(attr).as_deref().and_then(&parse) {
                out.push((v, b));
            }
        }
    }
    Ok(out)
}

impl Reading {
    /// Find the elements declared in `index.html`.
    pub fn find() -> Result<Self, JsValue> {
        Ok(Reading {
            views: dom::by_id("views")?,
            sections: [
                dom::by_id("viewer")?,
                dom::by_id("viewer-coronal")?,
                dom::by_id("viewer-sagittal")?,
            ],
            coronal: PlaneCanvas::new(dom::by_id("coronal-canvas")?)?,
            sagittal: PlaneCanvas::new(dom::by_id("sagittal-canvas")?)?,
            annots: [
                annot("axial-annot")?,
                annot("coronal-annot")?,
                annot("sagittal-annot")?,
            ],
            letters: [letters("coronal")?, letters("sagittal")?],
            tool_buttons: buttons("button[data-tool]", "data-tool", Tool::from_name)?,
            layout_buttons: buttons("button[data-layout]", "data-layout", Layout::from_name)?,
            overlay_button: dom::by_id("toggle-overlay")?,
            help_button: dom::by_id("open-help")?,
            close_help: dom::by_id("close-help")?,
            help_panel: dom::by_id("help-panel")?,
            measure_list: dom::by_id("measure-list")?,
            measure_empty: dom::by_id("measure-empty")?,
            crosshair_readout: dom::by_id("crosshair-readout")?,
            announcer: dom::by_id("announcer")?,
            listed: Vec::new(),
        })
    }

    /// The section element of a plane's view.
    pub fn section(&self, plane: Plane) -> &HtmlElement {
        &self.sections[plane_index(plane)]
    }

    /// The image canvas of a reformat view.
    pub(crate) fn plane_canvas(&self, plane: Plane) -> Option<&PlaneCanvas> {
        match plane {
            Plane::Axial => None,
            Plane::Coronal => Some(&self.coronal),
            Plane::Sagittal => Some(&self.sagittal),
        }
    }

    /// Say something to screen-reader users (the page's polite live region).
    pub fn announce(&self, text: &str) {
        // Clearing first makes a repeated message be announced again.
        self.announcer.set_text_content(None);
        self.announcer.set_text_content(Some(text));
    }

    /// Show or hide the help panel, focus following it.
    pub fn show_help(&self, open: bool) {
        self.help_panel.set_hidden(!open);
        let _ = self
            .help_button
            .set_attribute("aria-expanded", if open { "true" } else { "false" });
        if open {
            let _ = self.close_help.focus();
        } else {
            let _ = self.help_button.focus();
        }
    }
}

pub(crate) fn plane_index(plane: Plane) -> usize {
    match plane {
        Plane::Axial => 0,
        Plane::Coronal => 1,
        Plane::Sagittal => 2,
    }
}

pub(crate) fn draw_measurement(
    ctx: &CanvasRenderingContext2d,
    place: &Placement,
    tool: Tool,
    points: &[[f64; 2]],
    label: &str,
    pending: bool,
) {
    let Some(&a) = points.first() else { return };
    let b = points.get(1).copied().unwrap_or(a);
    let [ax, ay] = place.canvas_point(a);
    let [bx, by] = place.canvas_point(b);
    ctx.set_stroke_style_str(MEASURE_COLOUR);
    ctx.set_fill_style_str(MEASURE_COLOUR);
    ctx.set_line_width(if pending { 1.0 } else { 2.0 });
    ctx.begin_path();
    match tool {
        Tool::Distance => {
            ctx.move_to(ax, ay);
            ctx.line_to(bx, by);
        }
        Tool::Ellipse => {
            let (cx, cy) = ((ax + bx) / 2.0, (ay + by) / 2.0);
            let (rx, ry) = (((ax - bx) / 2.0).abs(), ((ay - by) / 2.0).abs());
            let _ = ctx.ellipse(
                cx,
                cy,
                rx.max(0.5),
                ry.max(0.5),
                0.0,
                0.0,
                std::f64::consts::TAU,
            );
        }
        Tool::Probe => {
            ctx.move_to(ax - 6.0, ay);
            ctx.line_to(ax + 6.0, ay);
            ctx.move_to(ax, ay - 6.0);
            ctx.line_to(ax, ay + 6.0);
        }
        Tool::None => {}
    }
    ctx.stroke();
    if !label.is_empty() {
        ctx.set_shadow_color("#000");
        ctx.set_shadow_blur(3.0);
        let _ = ctx.fill_text(label, bx.max(ax) + 6.0, by.min(ay) - 6.0);
        ctx.set_shadow_blur(0.0);
    }
}
