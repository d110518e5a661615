//! The reading tools' behaviour on the app: pointer and key events mapped onto
//! [`crate::ui::core::reading`]'s state, measurements computed from the drawn images, and the
//! three views drawn from the state ([`crate::ui::view::reading`] holds their elements and drawing).

use web_sys::HtmlCanvasElement;

use crate::render::Plane;
use crate::ui::core::keys::{escape, EscapeStep, KeyAction};
use crate::ui::core::layout::Layout;
use crate::ui::core::measure::{self, Measurement, Pending, Placed, Sample, Tool};
use crate::ui::core::reading::{capitalised, reformat_index, Press};
use crate::ui::view::dom;
use crate::ui::app::state::App;
use crate::ui::view::reading::{
    draw_measurement, plane_index, Crosshair, Overlay, Placement, PlaneInfo, ReadingInfo,
    CROSSHAIR_COLOUR,
};

impl App {
    /// A new volume: build the reformats, centre the crosshair, forget measurements.
    pub(crate) fn reading_volume_changed(&mut self) {
        let Some(l) = &self.session.loaded else { return };
        let volume = l.volume.clone();
        let Some(r) = self.reading.as_mut() else {
            return;
        };
        r.coronal.forget_volume();
        r.sagittal.forget_volume();
        let notes = self.session.reading.volume_changed(&volume, self.session.viewer.slice);
        if let Some(e) = notes.no_reformats {
            self.session.viewer.message
                .push_str(&format!(" Coronal and sagittal views are unavailable: {e}."));
        }
        if notes.resampled {
            self.session.viewer.message.push_str(
                " Tilted or oblique series: coronal and sagittal views are resampled onto an \
                 orthogonal grid.",
            );
        }
        let text = format!("{} Crosshair at the volume centre.", self.session.viewer.message);
        r.announce(&text);
        self.session.apply_remembered_preset();
    }

    /// The crosshair's voxel (clamped into the volume); its k is the axial slice.
    pub(crate) fn crosshair(&self) -> Option<Crosshair> {
        self.session.loaded.as_ref()?;
        self.session.reading.crosshair()
    }

    /// Keep the crosshair on the axial slice shown (the slice may change by keys or wheel).
    fn sync_crosshair_to_slice(&mut self) {
        let slice = self.session.viewer.slice;
        self.session.reading.sync_to_slice(slice);
    }

    /// Move the crosshair to a RAS point; the axial slice follows.
    pub(crate) fn set_crosshair_ras(&mut self, ras: [f64; 3]) {
        let Some(slice) = self.session.reading.set_crosshair_ras(ras) else {
            return;
        };
        self.session.viewer.slice = slice;
        self.changed();
    }

    /// Move the crosshair by whole voxels of the axial view's screen axes.
    pub(crate) fn nudge_crosshair(&mut self, dx: f64, dy: f64) {
        let (Some(l), Some(c)) = (&self.session.loaded, self.crosshair()) else {
            return;
        };
        let s = l.view.screen_at_fractional(c.i as f64, c.j as f64);
        let [i, j] = l.view.voxel_at_fractional(s[0] + dx, s[1] + dy);
        let ras = l.volume.geometry.to_ras([i, j, c.k as f64]);
        self.set_crosshair_ras(ras);
    }

    /// Move a reformat view's plane along its normal by `steps` voxel steps.
    pub(crate) fn move_plane(&mut self, plane: Plane, steps: f64) {
        let moved = self.session.reading.plane_moved(plane, steps);
        if let Some(ras) = moved {
            self.set_crosshair_ras(ras);
        }
    }

    /// Crosshair back to the centre, zoom and pan reset.
    pub(crate) fn reset_reading_view(&mut self) {
        if let Some(l) = &self.session.loaded {
            self.session.viewer.slice = self.session.reading.recentre(&l.volume);
        }
        self.reset_view();
    }

    pub(crate) fn set_layout(&mut self, layout: Layout) {
        if let Some(r) = self.reading.as_mut() {
            let text = self.session.reading.set_layout(layout);
            let _ = r.views.set_attribute("data-layout", layout.name());
            r.announce(&text);
        }
        self.changed();
    }

    /// Maximise `plane`, or go back to three views if it already is.
    pub(crate) fn toggle_maximised(&mut self, plane: Plane) {
        let layout = self.session.reading.maximise_toggled(plane);
        self.set_layout(layout);
    }

    pub(crate) fn set_tool(&mut self, tool: Tool) {
        if let Some(r) = self.reading.as_mut() {
            let text = self.session.reading.set_tool(tool);
            r.announce(&text);
        }
        self.changed();
    }

    pub(crate) fn toggle_overlay(&mut self) {
        if let Some(r) = self.reading.as_mut() {
            let text = self.session.reading.toggle_overlay();
            r.announce(text);
        }
        self.changed();
    }

    pub(crate) fn delete_measurement(&mut self, id: Option<u32>) {
        if let Some(r) = self.reading.as_mut() {
            if let Some(text) = self.session.reading.delete_measurement(id) {
                r.announce(&text);
            }
        }
        self.changed();
    }

    /// Placement of a view's image (rect and CSS scale), once drawn.
    fn placement(&self, plane: Plane) -> Option<Placement> {
        match plane {
            Plane::Axial => Placement::of(&self.el.canvas, self.canvas.last_rect()),
            p => {
                let pc = self.reading.as_ref()?.plane_canvas(p)?;
                Placement::of(&pc.canvas, pc.rect)
            }
        }
    }

    /// The image canvas element of a view (for event coordinates).
    pub(crate) fn view_canvas(&self, plane: Plane) -> Option<HtmlCanvasElement> {
        match plane {
            Plane::Axial => Some(self.el.canvas.clone()),
            p => Some(self.reading.as_ref()?.plane_canvas(p)?.canvas.clone()),
        }
    }

    /// RAS point at an image point of a view.
    fn ras_at(&self, plane: Plane, p: [f64; 2]) -> Option<[f64; 3]> {
        let l = self.session.loaded.as_ref()?;
        match plane {
            Plane::Axial => {
                let [i, j] = l.view.voxel_at_fractional(p[0], p[1]);
                Some(l.volume.geometry.to_ras([i, j, self.session.viewer.slice as f64]))
            }
            other => Some(self.session.reading.reformat(other)?.ras_at(p[0], p[1], self.session.reading.depth(other))),
        }
    }

    /// Left button down in a view at a CSS point (relative to its canvas).
    pub(crate) fn pointer_down(&mut self, plane: Plane, css: [f64; 2]) {
        let Some(place) = self.placement(plane) else {
            return;
        };
        let p = place.image_point(css);
        if !place.contains(p) {
            return;
        }
        match self.session.reading.pointer_down(plane, p) {
            Press::MoveCrosshair => {
                if let Some(ras) = self.ras_at(plane, p) {
                    self.set_crosshair_ras(ras);
                }
            }
            Press::Finish(pending) => self.add_measurement(pending),
            Press::Started => self.changed(),
            Press::Nothing => {}
        }
    }

    /// Mouse moved (anywhere) during a drag that started in a view.
    pub(crate) fn pointer_move(&mut self, client: [f64; 2]) {
        if self.session.reading.pan_to(client) {
            self.changed();
            return;
        }
        let plane = match (self.session.reading.dragging, self.session.reading.pending) {
            (Some(p), _) => p,
            (None, Some(p)) if !p.keyboard => p.plane,
            _ => return,
        };
        let Some(canvas) = self.view_canvas(plane) else {
            return;
        };
        let b = canvas.get_bounding_client_rect();
        let css = [client[0] - b.left(), client[1] - b.top()];
        let Some(place) = self.placement(plane) else {
            return;
        };
        let p = place.image_point(css);
        let (w, h) = (place.rect.image[0] as f64, place.rect.image[1] as f64);
        let p = [p[0].clamp(0.0, w - 1e-6), p[1].clamp(0.0, h - 1e-6)];
        if self.session.reading.dragging.is_some() {
            if let Some(ras) = self.ras_at(plane, p) {
                self.set_crosshair_ras(ras);
            }
        } else {
            if let Some(pending) = self.session.reading.pending.as_mut() {
                pending.b = p;
            }
            self.changed();
        }
    }

    /// Left button released: finish a drag.
    pub(crate) fn pointer_up(&mut self) {
        let finished = self.session.reading.pointer_up();
        if let Some(p) = finished {
            self.add_measurement(p);
        }
    }

    /// Start panning a coronal or sagittal view (Shift+drag or middle-drag) at a client point.
    pub(crate) fn start_pan(&mut self, plane: Plane, client: [f64; 2]) {
        self.session.reading.start_pan(plane, client);
    }

    /// Any button released: a pan drag ends.
    pub(crate) fn end_pan(&mut self) {
        self.session.reading.end_pan();
    }

    /// Zoom one view by `factor` about its centre (the axial view keeps its own zoom).
    pub(crate) fn zoom_view(&mut self, plane: Plane, factor: f64) {
        let reformat = self.session.reading.zoom_view(plane, factor);
        if reformat {
            self.changed();
        } else if plane == Plane::Axial {
            self.zoom_by(factor);
        }
    }

    /// The view holding keyboard focus, if any.
    pub(crate) fn focused_plane(&self) -> Option<Plane> {
        let r = self.reading.as_ref()?;
        let active = dom::document().ok()?.active_element()?;
        let active: &web_sys::Node = &active;
        Plane::ALL.into_iter().find(|p| {
            let section: &web_sys::Node = r.section(*p);
            section.contains(Some(active))
        })
    }

    /// The hover read-out over a coronal or sagittal view, at a CSS point relative to its
    /// canvas: the voxel nearest to the point under the pointer and its stored HU.
    pub(crate) fn hover_plane(&mut self, plane: Plane, css: [f64; 2]) {
        let cursor = (|| {
            let place = self.placement(plane)?;
            let p = place.image_point(css);
            if !place.contains(p) {
                return None;
            }
            let l = self.session.loaded.as_ref()?;
            let rf = self.session.reading.reformat(plane)?;
            let depth = self.session.reading.depth(plane);
            let [i, j, k] = rf.voxel_at(p[0], p[1], depth)?;
            let ras = rf.ras_at(p[0], p[1], depth);
            Some(crate::ui::app::state::Cursor {
                i,
                j,
                k,
                hu: l.volume.get(i, j, k),
                plane,
                ras,
                voxel: rf.map.to_voxel(ras),
            })
        })();
        self.session.cursor = cursor;
        self.refresh_readouts();
    }

    /// Whether a measurement is being placed from the keyboard.
    pub(crate) fn keyboard_pending(&self) -> bool {
        self.session.reading.keyboard_pending()
    }

    /// Enter in a view: with the probe tool, probe at the crosshair; with the distance or
    /// ellipse tool, set the first point at the crosshair, or finish the measurement being
    /// placed (its second point moved by [`Self::move_keyboard_point`]).
    pub(crate) fn enter_in_view(&mut self, plane: Plane) {
        let cross = self.session.reading.cross;
        let at = self.screen_of_ras(plane, cross);
        let Some(r) = self.reading.as_mut() else {
            return;
        };
        match self.session.reading.enter(plane, at) {
            Press::Finish(p) => self.add_measurement(p),
            Press::Started => {
                r.announce(&format!(
                    "{} started at the crosshair: arrow keys move the second point \
                     (with Shift by 10 pixels), Enter sets it, Escape cancels.",
                    capitalised(self.session.reading.tool.name())
                ));
                self.changed();
            }
            Press::MoveCrosshair | Press::Nothing => {}
        }
    }

    /// Arrow keys while a measurement is placed from the keyboard: move its second point by
    /// `dx`, `dy` image pixels of its view, staying on the image.
    pub(crate) fn move_keyboard_point(&mut self, dx: f64, dy: f64) {
        let Some(plane) = self.session.reading.pending
            .filter(|p| p.keyboard)
            .map(|p| p.plane)
        else {
            return;
        };
        let size = match plane {
            Plane::Axial => self
                .session
                .loaded
                .as_ref()
                .map(|l| [l.view.width as f64, l.view.height as f64]),
            other => self.session.reading.reformat(other)
                .map(|rf| [rf.width as f64, rf.height as f64]),
        };
        let Some(size) = size else { return };
        if self.session.reading.move_keyboard_point(dx, dy, size) {
            self.changed();
        }
    }

    /// Finish a measurement: compute it from the true geometry and list it.
    fn add_measurement(&mut self, p: Pending) {
        let Some(l) = self.session.loaded.as_ref() else {
            return;
        };
        let volume = l.volume.clone();
        let (Some(ra), Some(rb)) = (self.ras_at(p.plane, p.a), self.ras_at(p.plane, p.b)) else {
            return;
        };
        let Some(r) = self.reading.as_ref() else {
            return;
        };
        let Some(map) = self.session.reading.map else { return };
        let depth = match p.plane {
            Plane::Axial => volume.geometry.to_ras([0.0, 0.0, self.session.viewer.slice as f64])[2],
            other => self.session.reading.depth(other),
        };
        let slice = match p.plane {
            Plane::Axial => self.session.viewer.slice,
            Plane::Coronal => map.nearest_voxel(self.session.reading.cross)[1],
            Plane::Sagittal => map.nearest_voxel(self.session.reading.cross)[0],
        };
        let at = Placed {
            ras: [ra, rb],
            slice,
            depth_mm: depth,
        };
        let region;
        let sample = match (p.tool, p.plane) {
            (Tool::Ellipse, Plane::Axial) => {
                let v = &l.view;
                region = v.screen_values(volume.slice(self.session.viewer.slice));
                Sample::Region {
                    hu: &region,
                    width: v.width,
                    pixel_mm2: v.pixel_mm[0] * v.pixel_mm[1],
                }
            }
            (Tool::Ellipse, other) => {
                let (Some(pc), Some(rf)) = (r.plane_canvas(other), self.session.reading.reformat(other)) else {
                    return;
                };
                Sample::Region {
                    hu: &pc.hu,
                    width: rf.width,
                    pixel_mm2: rf.pixel_mm[0] * rf.pixel_mm[1],
                }
            }
            (Tool::Probe, Plane::Axial) => Sample::Value(
                l.view
                    .voxel_at_point(p.a[0], p.a[1])
                    .and_then(|[i, j]| volume.value_at(i, j, self.session.viewer.slice))
                    .map(f64::from),
            ),
            (Tool::Probe, other) => Sample::Value(
                self.session.reading
                    .reformat(other)
                    .and_then(|rf| rf.hu_at(&volume, p.a[0], p.a[1], depth)),
            ),
            _ => Sample::Nothing,
        };
        let Some(m) = measure::finish(&p, at, sample) else {
            return;
        };
        if let Some(r) = self.reading.as_mut() {
            let text = self.session.reading.add_measurement(m);
            r.announce(&text);
        }
        self.changed();
    }

    /// Draw the reformat views, letters, annotations and panels (part of `App::render`).
    pub(crate) fn refresh_reading(&mut self) {
        self.sync_crosshair_to_slice();
        let window = self.session.viewer.window;
        let slice = self.session.viewer.slice;
        let crosshair = self.crosshair();
        let Some(r) = self.reading.as_mut() else {
            return;
        };
        // Buttons and layout.
        for (tool, b) in &r.tool_buttons {
            let _ = b.set_attribute("aria-pressed", bool_str(*tool == self.session.reading.tool));
        }
        for (layout, b) in &r.layout_buttons {
            let _ = b.set_attribute("aria-pressed", bool_str(*layout == self.session.reading.layout));
        }
        let _ = r
            .overlay_button
            .set_attribute("aria-pressed", bool_str(self.session.reading.overlay));
        let _ = r.views.set_attribute("data-layout", self.session.reading.layout.name());
        let _ = r.views.set_attribute("data-tool", self.session.reading.tool.name());

        // Reformat images, with the analysis overlay unless hidden (key O).
        let shown = self.session.reading.overlay;
        let overlay: Overlay = crate::ui::app::state::overlay_layers(&self.session)
        .filter(|_| shown);
        let mut error = None;
        match (&self.session.loaded, &self.session.reading.reformats) {
            (Some(l), Some([cor, sag])) => {
                let (dc, ds) = (self.session.reading.cross[1], self.session.reading.cross[0]);
                let (zoom, pan) = (self.session.reading.zoom, self.session.reading.pan);
                if self.session.reading.layout == Layout::Three || self.session.reading.layout == Layout::Coronal {
                    error = error.or(r
                        .coronal
                        .draw(&l.volume, cor, dc, window, overlay, zoom[0], pan[0])
                        .err());
                }
                if self.session.reading.layout == Layout::Three || self.session.reading.layout == Layout::Sagittal {
                    error = error.or(r
                        .sagittal
                        .draw(&l.volume, sag, ds, window, overlay, zoom[1], pan[1])
                        .err());
                }
                for (idx, rf) in [cor, sag].into_iter().enumerate() {
                    let e = rf.letters;
                    for (span, c) in r.letters[idx]
                        .iter()
                        .zip([e.top, e.bottom, e.left, e.right])
                    {
                        dom::set_text(span, &c.to_string());
                    }
                }
                let describe = |name: &str, depth: f64| {
                    format!(
                        "{name} reformat at {depth:.1} mm{}",
                        if cor.resampled {
                            ", resampled from a tilted series"
                        } else {
                            ""
                        }
                    )
                };
                let _ = r
                    .coronal
                    .canvas
                    .set_attribute("aria-label", &describe("Coronal", dc));
                let _ = r
                    .sagittal
                    .canvas
                    .set_attribute("aria-label", &describe("Sagittal", ds));
            }
            _ => {
                r.coronal.clear();
                r.sagittal.clear();
                for spans in &r.letters {
                    for s in spans {
                        dom::set_text(s, "");
                    }
                }
            }
        }
        if let Some(e) = error {
            self.session.viewer.error = Some(format!("drawing failed: {}", dom::js_error_text(&e)));
        }
        let text = match crosshair {
            Some(c) => format!(
                "Crosshair voxel ({}, {}, {}); R {:.1}, A {:.1}, S {:.1} mm",
                c.i, c.j, c.k, c.ras[0], c.ras[1], c.ras[2]
            ),
            None => "–".to_string(),
        };
        if let Some(r) = self.reading.as_ref() {
            let note = if self.session.reading.reformats.as_ref().is_some_and(|f| f[0].resampled) {
                ". Tilted series: coronal and sagittal are resampled onto an orthogonal grid."
            } else {
                ""
            };
            dom::set_text(&r.crosshair_readout, &format!("{text}{note}"));
        }
        self.draw_annotations(slice);
        self.refresh_measure_list();
    }

    /// Crosshair and measurements over each view.
    fn draw_annotations(&self, slice: usize) {
        let Some(r) = self.reading.as_ref() else {
            return;
        };
        for plane in Plane::ALL {
            let a = &r.annots[plane_index(plane)];
            let Some(image_canvas) = self.view_canvas(plane) else {
                continue;
            };
            if a.canvas.width() != image_canvas.width() {
                a.canvas.set_width(image_canvas.width());
            }
            if a.canvas.height() != image_canvas.height() {
                a.canvas.set_height(image_canvas.height());
            }
            let ctx = &a.ctx;
            ctx.clear_rect(0.0, 0.0, a.canvas.width() as f64, a.canvas.height() as f64);
            let Some(place) = self.placement(plane) else {
                continue;
            };
            if self.session.loaded.is_none() {
                continue;
            }
            // Crosshair: two lines through the point, with a gap around it.
            if let Some(p) = self.screen_of_ras(plane, self.session.reading.cross) {
                let [cx, cy] = place.canvas_point(p);
                let rc = &place.rect;
                let gap = 8.0;
                ctx.set_stroke_style_str(CROSSHAIR_COLOUR);
                ctx.set_line_width(1.0);
                ctx.begin_path();
                ctx.move_to(rc.x, cy);
                ctx.line_to(cx - gap, cy);
                ctx.move_to(cx + gap, cy);
                ctx.line_to(rc.x + rc.width, cy);
                ctx.move_to(cx, rc.y);
                ctx.line_to(cx, cy - gap);
                ctx.move_to(cx, cy + gap);
                ctx.line_to(cx, rc.y + rc.height);
                ctx.stroke();
            }
            let depth = match plane {
                Plane::Axial => None,
                other => Some((self.session.reading.depth(other), self.session.reading.reformat(other).map(|f| f.depth_step))),
            };
            let visible = |m: &Measurement| {
                m.plane == plane
                    && match depth {
                        None => m.slice == slice,
                        Some((d, step)) => {
                            (m.depth_mm - d).abs() <= step.unwrap_or(1.0) / 2.0 + 1e-6
                        }
                    }
            };
            ctx.set_font("13px system-ui, sans-serif");
            for m in self.session.reading.measurements.iter().filter(|m| visible(m)) {
                draw_measurement(ctx, &place, m.kind, &m.points, &m.label, false);
            }
            if let Some(p) = self.session.reading.pending.filter(|p| p.plane == plane) {
                draw_measurement(ctx, &place, p.tool, &[p.a, p.b], "", true);
            }
        }
    }

    /// Image point of a RAS point in a view.
    fn screen_of_ras(&self, plane: Plane, ras: [f64; 3]) -> Option<[f64; 2]> {
        let l = self.session.loaded.as_ref()?;
        match plane {
            Plane::Axial => {
                let v = self.session.reading.map?.to_voxel(ras);
                Some(l.view.screen_at_fractional(v[0], v[1]))
            }
            other => Some(self.session.reading.reformat(other)?.screen_of(ras)),
        }
    }

    /// Rebuild the measurement list when measurements were added or deleted.
    fn refresh_measure_list(&mut self) {
        let Some(r) = self.reading.as_mut() else {
            return;
        };
        let ids: Vec<u32> = self.session.reading.measurements.iter().map(|m| m.id).collect();
        if ids == r.listed {
            return;
        }
        r.listed = ids;
        let Ok(doc) = dom::document() else { return };
        r.measure_list.set_text_content(None);
        for m in &self.session.reading.measurements {
            let Ok(li) = doc.create_element("li") else {
                continue;
            };
            let _ = li.set_attribute("data-testid", "measurement");
            li.set_text_content(Some(&format!(
                "{} {} ({})",
                capitalised(m.kind.name()),
                m.label,
                m.place()
            )));
            if let Ok(b) = doc.create_element("button") {
                let _ = b.set_attribute("type", "button");
                let _ = b.set_attribute("data-delete", &m.id.to_string());
                let _ = b.set_attribute(
                    "aria-label",
                    &format!("Delete measurement {}: {} {}", m.id, m.kind.name(), m.label),
                );
                b.set_text_content(Some("Delete"));
                let _ = li.append_child(&b);
            }
            let _ = r.measure_list.append_child(&li);
        }
        r.measure_empty.set_hidden(!self.session.reading.measurements.is_empty());
    }

    /// `state().reading`.
    pub(crate) fn reading_info(&self) -> Option<ReadingInfo> {
        let r = self.reading.as_ref()?;
        let info = |plane: Plane| {
            let rf = self.session.reading.reformat(plane)?;
            let pc = r.plane_canvas(plane)?;
            Some(PlaneInfo {
                depth_mm: self.session.reading.depth(plane),
                pixel_mm: rf.pixel_mm,
                corner: rf.corner,
                zoom: self.session.reading.zoom[reformat_index(plane)?],
                pan: self.session.reading.pan[reformat_index(plane)?],
                letters: rf.letters,
                image_rect: pc.rect,
                reformat_ms: pc.last_ms,
            })
        };
        Some(ReadingInfo {
            layout: self.session.reading.layout,
            tool: self.session.reading.tool,
            overlay: self.session.reading.overlay,
            help_open: self.session.reading.help_open,
            resampled: self.session.reading.reformats.as_ref().is_some_and(|f| f[0].resampled),
            coronal: info(Plane::Coronal),
            sagittal: info(Plane::Sagittal),
        })
    }

    /// `state().measurements`.
    pub(crate) fn measurements(&self) -> Vec<Measurement> {
        self.session.reading.measurements.clone()
    }
}

fn bool_str(b: bool) -> &'static str {
    if b {
        "true"
    } else {
        "false"
    }
}

impl App {
    /// Do what a shortcut key asks (see [`crate::ui::core::keys`]).
    pub(crate) fn apply_key(&mut self, act: KeyAction) {
        match act {
            KeyAction::MovePoint(dx, dy) => self.move_keyboard_point(dx, dy),
            KeyAction::Maximise(plane) => self.toggle_maximised(plane),
            KeyAction::ChooseTool(tool) => self.set_tool(tool),
            KeyAction::ResetView => self.reset_reading_view(),
            KeyAction::ToggleOverlay => self.toggle_overlay(),
            KeyAction::ToggleHelp => self.set_help(!self.session.reading.help_open),
            KeyAction::Escape => self.on_escape(),
            KeyAction::DeleteNewestMeasurement => self.delete_measurement(None),
            KeyAction::NudgeCrosshair { dx, dy } => self.nudge_crosshair(dx, dy),
            KeyAction::EnterInView => {
                if let Some(plane) = self.focused_plane() {
                    self.enter_in_view(plane);
                }
            }
        }
    }

    /// Open or close the help panel.
    pub(crate) fn set_help(&mut self, open: bool) {
        self.session.reading.help_open = open;
        if let Some(r) = self.reading.as_ref() {
            r.show_help(open);
        }
    }

    /// Esc: see [`escape`].
    fn on_escape(&mut self) {
        let Some(r) = self.reading.as_mut() else {
            return;
        };
        match escape(self.session.reading.help_open, self.session.reading.pending.is_some(), self.session.reading.tool, self.session.reading.layout) {
            EscapeStep::CloseHelp => self.set_help(false),
            EscapeStep::CancelMeasurement => {
                self.session.reading.pending = None;
                r.announce("Measurement cancelled");
                self.changed();
            }
            EscapeStep::DropTool => self.set_tool(Tool::None),
            EscapeStep::ThreeViews => self.set_layout(Layout::Three),
            EscapeStep::Nothing => {}
        }
    }
}
