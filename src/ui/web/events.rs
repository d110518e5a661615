//! Mouse, keyboard, wheel, drag-and-drop and control events, mapped to state changes.
//!
//! Slice: wheel, ArrowUp/ArrowDown, PageUp/PageDown, Home/End, the slider.
//! Window: right-drag (horizontal = width, vertical = level), keys 1–5, preset buttons.
//! Zoom: Ctrl+wheel, +/− (the focused view); 0 resets every view. Pan: Shift+left-drag or
//! middle-drag. (The coronal and sagittal views' wheel and drags are in `pointer`.)

use std::cell::Cell;
use std::rc::Rc;

use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{
    DragEvent, Event, EventTarget, File, FileList, HtmlInputElement, KeyboardEvent, MouseEvent,
    WheelEvent,
};

use crate::ui::view::dom::listen;
use crate::ui::web::msg::{send, Msg};
use crate::ui::view::dom;
use crate::ui::web::dropped;
use crate::ui::app::state::AppRef;

fn files_of(list: Option<FileList>) -> Vec<File> {
    let mut out = Vec::new();
    if let Some(list) = list {
        for n in 0..list.length() {
            if let Some(f) = list.item(n) {
                out.push(f);
            }
        }
    }
    out
}

/// Wheel distance (pixels) per slice: one notch of a mouse wheel in Chromium.
const WHEEL_STEP: f64 = 100.0;

/// What a mouse drag on the viewer does.
#[derive(Clone, Copy)]
enum Drag {
    None,
    Pan {
        x: f64,
        y: f64,
        pan: [f64; 2],
    },
    Window {
        x: f64,
        y: f64,
        center: f64,
        width: f64,
    },
}

pub fn install(app: AppRef) -> Result<(), JsValue> {
    let el = app.borrow().el.clone();
    let window: EventTarget = dom::window()?.into();
    let document: EventTarget = dom::document()?.into();
    let viewer: EventTarget = el.viewer.clone().into();

    // Files: the input, and drag-and-drop anywhere on the page.
    for input in [el.file_input.clone(), el.folder_input.clone()] {
        let app = app.clone();
        let target: EventTarget = input.clone().into();
        listen::<Event>(&target, "change", true, move |_| {
            let files = files_of(input.files());
            send(&app, Msg::OpenFiles(files));
            input.set_value(""); // choosing the same file again fires "change" again
        })?;
    }
    {
        let viewer_el = el.viewer.clone();
        listen::<DragEvent>(&document, "dragover", false, move |e| {
            e.prevent_default();
            let _ = viewer_el.class_list().add_1("dragover");
        })?;
    }
    {
        let viewer_el = el.viewer.clone();
        listen::<DragEvent>(&document, "dragleave", true, move |_| {
            let _ = viewer_el.class_list().remove_1("dragover");
        })?;
    }
    {
        let app = app.clone();
        let viewer_el = el.viewer.clone();
        listen::<DragEvent>(&document, "drop", false, move |e| {
            e.prevent_default();
            let _ = viewer_el.class_list().remove_1("dragover");
            let Some(dt) = e.data_transfer() else { return };
            match dropped::entries_of(&dt) {
                Some(entries) => {
                    let app = app.clone();
                    wasm_bindgen_futures::spawn_local(async move {
                        match dropped::files_under(entries).await {
                            Ok(files) => send(&app, Msg::OpenFiles(files)),
                            Err(e) => app.borrow_mut().set_error(&format!(
                                "could not read the dropped folder: {}",
                                e.as_string().unwrap_or_else(|| format!("{e:?}"))
                            )),
                        }
                    });
                }
                None => send(&app, Msg::OpenFiles(files_of(dt.files()))),
            }
        })?;
    }
    {
        let app = app.clone();
        listen::<MouseEvent>(&el.open_demo.clone().into(), "click", true, move |_| {
            send(&app, Msg::OpenDemo)
        })?;
    }
    for (idx, button) in el.presets.iter().enumerate() {
        let app = app.clone();
        listen::<MouseEvent>(&button.clone().into(), "click", true, move |_| {
            app.borrow_mut().apply_preset(idx)
        })?;
    }
    {
        let app = app.clone();
        listen::<MouseEvent>(&el.reset_view.clone().into(), "click", true, move |_| {
            app.borrow_mut().reset_view()
        })?;
    }
    {
        let app = app.clone();
        let slider = el.slice_slider.clone();
        listen::<Event>(&el.slice_slider.clone().into(), "input", true, move |_| {
            if let Ok(k) = slider.value().parse::<i64>() {
                app.borrow_mut().set_slice(k);
            }
        })?;
    }

    // Wheel: slice, or zoom with Ctrl. Small trackpad deltas accumulate into whole steps.
    {
        let app = app.clone();
        let acc = Cell::new(0.0f64);
        listen::<WheelEvent>(&viewer, "wheel", false, move |e| {
            e.prevent_default();
            let delta = match e.delta_mode() {
                WheelEvent::DOM_DELTA_LINE => e.delta_y() * 40.0,
                WheelEvent::DOM_DELTA_PAGE => e.delta_y() * 400.0,
                _ => e.delta_y(),
            };
            if e.ctrl_key() || e.meta_key() {
                app.borrow_mut().zoom_by((-delta / 500.0).exp());
                return;
            }
            let total = acc.get() + delta;
            let steps = (total / WHEEL_STEP).trunc();
            acc.set(total - steps * WHEEL_STEP);
            if steps != 0.0 {
                let mut a = app.borrow_mut();
                let k = a.session.viewer.slice as i64 - steps as i64;
                a.set_slice(k);
            }
        })?;
    }

    // Mouse: drags on the viewer continue over the whole window.
    let drag = Rc::new(Cell::new(Drag::None));
    listen::<MouseEvent>(&viewer, "contextmenu", false, |e| e.prevent_default())?;
    {
        let app = app.clone();
        let drag = drag.clone();
        let viewer_el = el.viewer.clone();
        listen::<MouseEvent>(&viewer, "mousedown", false, move |e| {
            let _ = viewer_el.focus();
            let a = app.borrow();
            if a.session.loaded.is_none() {
                return;
            }
            let (x, y) = (e.client_x() as f64, e.client_y() as f64);
            drag.set(match e.button() {
                // Left button without Shift belongs to the crosshair and tools (`pointer`).
                0 if e.shift_key() => Drag::Pan { x, y, pan: a.session.viewer.pan },
                1 => Drag::Pan { x, y, pan: a.session.viewer.pan },
                2 => Drag::Window {
                    x,
                    y,
                    center: a.session.viewer.window.center,
                    width: a.session.viewer.window.width,
                },
                _ => Drag::None,
            });
            e.prevent_default();
        })?;
    }
    {
        let app = app.clone();
        let drag = drag.clone();
        listen::<MouseEvent>(&window, "mousemove", true, move |e| {
            let (x, y) = (e.client_x() as f64, e.client_y() as f64);
            match drag.get() {
                Drag::Pan { x: x0, y: y0, pan } => {
                    let mut a = app.borrow_mut();
                    a.session.viewer.pan = [pan[0] + x - x0, pan[1] + y - y0];
                    a.changed();
                }
                Drag::Window {
                    x: x0,
                    y: y0,
                    center,
                    width,
                } => {
                    // Sensitivity follows the starting width: a 200-pixel drag doubles it.
                    let step = width.max(10.0) / 200.0;
                    app.borrow_mut()
                        .set_window(center + (y - y0) * step, width + (x - x0) * step);
                }
                Drag::None => {}
            }
        })?;
    }
    {
        let drag = drag.clone();
        listen::<MouseEvent>(&window, "mouseup", true, move |_| drag.set(Drag::None))?;
    }
    {
        let app = app.clone();
        let canvas = el.canvas.clone();
        listen::<MouseEvent>(&viewer, "mousemove", true, move |e| {
            let r = canvas.get_bounding_client_rect();
            app.borrow_mut().hover(
                e.client_x() as f64 - r.left(),
                e.client_y() as f64 - r.top(),
            );
        })?;
    }
    {
        let app = app.clone();
        listen::<MouseEvent>(&viewer, "mouseleave", true, move |_| {
            let mut a = app.borrow_mut();
            a.session.cursor = None;
            a.changed();
        })?;
    }

    // Keyboard (ignored while typing in an input, whose own keys then apply).
    {
        let app = app.clone();
        listen::<KeyboardEvent>(&window, "keydown", false, move |e| {
            if e.ctrl_key() || e.alt_key() || e.meta_key() {
                return;
            }
            let key = e.key();
            // Inputs keep their own keys: text fields all of them, the slice slider its
            // navigation keys (it then fires "input", which moves the slice once).
            if let Some(input) = e
                .target()
                .and_then(|t| t.dyn_into::<HtmlInputElement>().ok())
            {
                let navigation = matches!(
                    key.as_str(),
                    "ArrowUp"
                        | "ArrowDown"
                        | "ArrowLeft"
                        | "ArrowRight"
                        | "PageUp"
                        | "PageDown"
                        | "Home"
                        | "End"
                );
                let kind = input.type_();
                let typing = !matches!(
                    kind.as_str(),
                    "range" | "file" | "checkbox" | "radio" | "button" | "color"
                );
                if typing || (kind == "range" && navigation) {
                    return;
                }
            }
            let mut a = app.borrow_mut();
            // Arrows place a measurement's point while one is drawn from the keyboard (`keys`).
            if a.keyboard_pending() && key.starts_with("Arrow") {
                return;
            }
            let k = a.session.viewer.slice as i64;
            let page = (a.slice_count() as i64 / 10).max(1);
            // Zoom keys act on the view with keyboard focus (the axial view otherwise).
            let zoomed = a.focused_plane().unwrap_or(crate::render::Plane::Axial);
            let handled = match key.as_str() {
                "ArrowUp" => {
                    a.set_slice(k + 1);
                    true
                }
                "ArrowDown" => {
                    a.set_slice(k - 1);
                    true
                }
                "PageUp" => {
                    a.set_slice(k + page);
                    true
                }
                "PageDown" => {
                    a.set_slice(k - page);
                    true
                }
                "Home" => {
                    a.set_slice(0);
                    true
                }
                "End" => {
                    a.set_slice(i64::MAX / 2);
                    true
                }
                "+" | "=" => {
                    a.zoom_view(zoomed, 1.25);
                    true
                }
                "-" | "_" => {
                    a.zoom_view(zoomed, 0.8);
                    true
                }
                "0" => {
                    a.reset_view();
                    true
                }
                key @ ("1" | "2" | "3" | "4" | "5") => {
                    let idx = key.parse::<usize>().unwrap_or(1) - 1;
                    a.apply_preset(idx);
                    true
                }
                _ => false,
            };
            if handled {
                e.prevent_default();
            }
        })?;
    }

    // Redraw when the window changes size.
    {
        let app = app.clone();
        listen::<Event>(&window, "resize", true, move |_| app.borrow_mut().changed())?;
    }
    Ok(())
}
