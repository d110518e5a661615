//! Draws one axial slice: the library renders it to RGBA at one pixel per voxel, the pixels
//! go into an offscreen canvas with `putImageData`, and `drawImage` scales that onto the
//! visible canvas with the true physical aspect ratio (voxel size in mm), zoom and pan.
//! Scaling uses nearest-neighbour sampling so every screen pixel shows a real voxel value.

use wasm_bindgen::{Clamped, JsCast, JsValue};
use web_sys::{CanvasRenderingContext2d, HtmlCanvasElement, ImageData};

use crate::render::{
    axial_labels, blend, image_point_at_css, render_axial_rgba_lut, truth_style, AxialView, Lut,
    OverlayStyle, WindowLevel,
};
use crate::ui::view::dom;
use crate::Volume;

pub use crate::render::ImageRect;

/// Clear `canvas` to black and draw `image` (its pixels `size` = [columns, rows], each
/// `pixel_mm` = [x, y] mm) where [`ImageRect::fit`] puts it for `zoom` and `pan` (canvas
/// pixels), with the context's current image smoothing. Returns where it landed.
pub fn draw_fitted(
    ctx: &CanvasRenderingContext2d,
    canvas: &HtmlCanvasElement,
    image: &HtmlCanvasElement,
    size: [usize; 2],
    pixel_mm: [f64; 2],
    zoom: f64,
    pan: [f64; 2],
) -> Result<ImageRect, JsValue> {
    let (cw, ch) = (canvas.width() as f64, canvas.height() as f64);
    let rect = ImageRect::fit([cw, ch], size, pixel_mm, zoom, pan);
    ctx.set_fill_style_str("#000");
    ctx.fill_rect(0.0, 0.0, cw, ch);
    ctx.draw_image_with_html_canvas_element_and_dw_and_dh(
        image,
        rect.x,
        rect.y,
        rect.width,
        rect.height,
    )?;
    Ok(rect)
}

/// What the offscreen image currently holds, to skip re-rendering when only zoom/pan change.
#[derive(PartialEq)]
struct RenderedKey {
    volume: *const Volume,
    slice: usize,
    window: WindowLevel,
    /// Generation of the overlay drawn on top (0 = none).
    overlay: u64,
}

/// What is blended over a slice: the predicted label mask and/or a ground-truth label map
/// (both on the volume grid; the truth is outlined when the prediction is shown too), the
/// style, and a generation that changes whenever any of them changes.
#[derive(Clone, Copy)]
pub struct Layers<'a> {
    pub mask: Option<&'a [u8]>,
    pub truth: Option<&'a [u8]>,
    pub style: &'a OverlayStyle,
    pub gen: u64,
}

/// The overlay of a view, if any.
pub type Overlay<'a> = Option<Layers<'a>>;

pub struct AxialCanvas {
    canvas: HtmlCanvasElement,
    ctx: CanvasRenderingContext2d,
    offscreen: HtmlCanvasElement,
    off_ctx: CanvasRenderingContext2d,
    rendered: Option<RenderedKey>,
    rect: Option<ImageRect>,
    /// Grey look-up table of the last window used, and the RGBA buffer reused between draws.
    lut: Option<(WindowLevel, Lut)>,
    rgba: Vec<u8>,
    /// Overlay labels in screen layout, reused between draws.
    labels: Vec<u8>,
}

fn context_2d(c: &HtmlCanvasElement) -> Result<CanvasRenderingContext2d, JsValue> {
    c.get_context("2d")?
        .ok_or_else(|| JsValue::from_str("this browser gives no 2D canvas"))?
        .dyn_into::<CanvasRenderingContext2d>()
        .map_err(JsValue::from)
}

impl AxialCanvas {
    pub fn new(canvas: HtmlCanvasElement) -> Result<Self, JsValue> {
        let ctx = context_2d(&canvas)?;
        let offscreen: HtmlCanvasElement = dom::document()?.create_element("canvas")?.dyn_into()?;
        let off_ctx = context_2d(&offscreen)?;
        Ok(AxialCanvas {
            canvas,
            ctx,
            offscreen,
            off_ctx,
            rendered: None,
            rect: None,
            lut: None,
            rgba: Vec::new(),
            labels: Vec::new(),
        })
    }

    /// Match the backing store to the element's size on screen (× device pixel ratio).
    fn fit_backing_store(&self) -> f64 {
        let dpr = dom::window()
            .map(|w| w.device_pixel_ratio())
            .unwrap_or(1.0)
            .max(1.0);
        let w = ((self.canvas.client_width() as f64) * dpr).round().max(1.0) as u32;
        let h = ((self.canvas.client_height() as f64) * dpr)
            .round()
            .max(1.0) as u32;
        if self.canvas.width() != w {
            self.canvas.set_width(w);
        }
        if self.canvas.height() != h {
            self.canvas.set_height(h);
        }
        dpr
    }

    pub fn backing_size(&self) -> [u32; 2] {
        [self.canvas.width(), self.canvas.height()]
    }

    pub fn last_rect(&self) -> Option<ImageRect> {
        self.rect
    }

    /// Blank the canvas (no volume).
    pub fn clear(&mut self) -> Result<(), JsValue> {
        self.fit_backing_store();
        self.ctx.set_fill_style_str("#000");
        self.ctx.fill_rect(
            0.0,
            0.0,
            self.canvas.width() as f64,
            self.canvas.height() as f64,
        );
        self.rendered = None;
        self.rect = None;
        Ok(())
    }

    /// Draw slice `k` of `volume` with `window`, zoom factor and pan (CSS pixels), and the
    /// analysis overlay when there is one.
    #[allow(clippy::too_many_arguments)]
    pub fn draw(
        &mut self,
        volume: &Volume,
        view: &AxialView,
        k: usize,
        window: WindowLevel,
        zoom: f64,
        pan: [f64; 2],
        overlay: Overlay,
    ) -> Result<(), JsValue> {
        let dpr = self.fit_backing_store();
        let (w, h) = (view.width, view.height);
        let key = RenderedKey {
            volume: volume as *const Volume,
            slice: k,
            window,
            overlay: overlay.map(|o| o.gen).unwrap_or(0),
        };
        if self.rendered.as_ref() != Some(&key) {
            if self.lut.as_ref().map(|(w, _)| *w) != Some(window) {
                self.lut = Some((window, Lut::new(window)));
            }
            if let Some((_, lut)) = &self.lut {
                render_axial_rgba_lut(volume, view, k, lut, &mut self.rgba);
            }
            if let Some(o) = overlay {
                if let Some(mask) = o.mask {
                    axial_labels(mask, view, k, &mut self.labels);
                    blend(&mut self.rgba, &self.labels, w, h, o.style);
                }
                if let Some(truth) = o.truth {
                    axial_labels(truth, view, k, &mut self.labels);
                    let style = truth_style(o.style, o.mask.is_some());
                    blend(&mut self.rgba, &self.labels, w, h, &style);
                }
            }
            let image = ImageData::new_with_u8_clamped_array_and_sh(
                Clamped(&self.rgba),
                w as u32,
                h as u32,
            )?;
            if self.offscreen.width() != w as u32 {
                self.offscreen.set_width(w as u32);
            }
            if self.offscreen.height() != h as u32 {
                self.offscreen.set_height(h as u32);
            }
            self.off_ctx.put_image_data(&image, 0.0, 0.0)?;
            self.rendered = Some(key);
        }

        // Physical size of the slice in mm decides the aspect ratio on screen.
        let [px, py] = view.pixel_mm;
        self.ctx.set_image_smoothing_enabled(false);
        self.rect = Some(draw_fitted(
            &self.ctx,
            &self.canvas,
            &self.offscreen,
            [w, h],
            [px, py],
            zoom,
            [pan[0] * dpr, pan[1] * dpr],
        )?);
        Ok(())
    }

    /// Backing-store pixels per CSS pixel (x, y).
    pub fn css_scale(&self) -> [f64; 2] {
        [
            self.canvas.width() as f64 / (self.canvas.client_width() as f64).max(1.0),
            self.canvas.height() as f64 / (self.canvas.client_height() as f64).max(1.0),
        ]
    }

    /// The fractional image point under a point given in CSS pixels relative to the canvas.
    pub fn image_point_at(&self, css_x: f64, css_y: f64) -> Option<[f64; 2]> {
        let r = self.rect?;
        let p = image_point_at_css(&r, self.css_scale(), [css_x, css_y]);
        r.contains(p).then_some(p)
    }

    /// The image pixel (column, row) under a point given in CSS pixels relative to the canvas.
    pub fn image_pixel_at(&self, css_x: f64, css_y: f64) -> Option<[usize; 2]> {
        let r = self.rect?;
        let p = image_point_at_css(&r, self.css_scale(), [css_x, css_y]);
        if !r.contains(p) {
            return None;
        }
        Some([p[0] as usize, p[1] as usize])
    }
}
