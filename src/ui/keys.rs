//! Keyboard shortcuts of the reading tools, the help panel, and the settings remembered in
//! local storage (layout, tool, overlay, window preset).
//!
//! A/C/S maximise a plane (again, or Esc: three views); D/E/P choose the distance, ellipse and
//! probe tools (Esc: crosshair); R resets zoom, pan and crosshair; O toggles the overlay;
//! ←/→ and [/] move the crosshair; Enter in a view probes at the crosshair (probe tool) or
//! starts a distance or ellipse there, whose second point the arrow keys then move (Shift: 10
//! pixels) until Enter sets it (Esc cancels); Delete removes the newest measurement; ? opens the
//! help panel. Slice, window and zoom keys are in `events`.

use serde::{Deserialize, Serialize};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{Event, HtmlElement, HtmlInputElement, KeyboardEvent};

use crate::render::Plane;
use crate::ui::measure::Tool;
use crate::ui::state::App;
use crate::ui::views::Layout;
use crate::ui::{dom, AppRef};

const STORAGE_KEY: &str = "hemoscope.settings.v1";

/// What is remembered across visits.
#[derive(Serialize, Deserialize, Default)]
struct Settings {
    layout: Option<String>,
    tool: Option<String>,
    overlay: Option<bool>,
    preset: Option<usize>,
}

fn storage() -> Option<web_sys::Storage> {
    dom::window().ok()?.local_storage().ok()?
}

fn load() -> Settings {
    storage()
        .and_then(|s| s.get_item(STORAGE_KEY).ok().flatten())
        .and_then(|text| serde_json::from_str(&text).ok())
        .unwrap_or_default()
}

/// The window preset chosen last time (applied to each newly opened volume).
pub fn remembered_preset() -> Option<usize> {
    load().preset
}

/// Remember the current layout, tool, overlay choice and window preset.
pub fn save_settings(app: &App) {
    let Some(r) = app.reading.as_ref() else {
        return;
    };
    let s = Settings {
        layout: Some(r.layout.name().to_string()),
        tool: Some(r.tool.name().to_string()),
        overlay: Some(r.overlay),
        preset: app.preset.or_else(remembered_preset),
    };
    if let (Some(st), Ok(text)) = (storage(), serde_json::to_string(&s)) {
        // Storage can be full or disabled; the settings are a convenience only.
        let _ = st.set_item(STORAGE_KEY, &text);
    }
}

/// Apply the remembered settings at start.
pub fn restore(app: &mut App) {
    let s = load();
    if let Some(r) = app.reading.as_mut() {
        if let Some(l) = s.layout.as_deref().and_then(Layout::from_name) {
            r.layout = l;
        }
        if let Some(t) = s.tool.as_deref().and_then(Tool::from_name) {
            r.tool = t;
        }
        if let Some(o) = s.overlay {
            r.overlay = o;
        }
    }
}

/// True when the key belongs to the focused control (text fields, the slider's own keys,
/// Enter/Space on buttons).
fn belongs_to_control(e: &KeyboardEvent) -> bool {
    let key = e.key();
    let Some(target) = e.target() else {
        return false;
    };
    if let Some(input) = target.dyn_ref::<HtmlInputElement>() {
        let kind = input.type_();
        let typing = !matches!(
            kind.as_str(),
            "range" | "file" | "checkbox" | "radio" | "button" | "color"
        );
        let navigation = matches!(
            key.as_str(),
            "ArrowLeft" | "ArrowRight" | "ArrowUp" | "ArrowDown" | "Home" | "End"
        );
        return typing || (kind == "range" && navigation) || key == " " || key == "Enter";
    }
    if let Some(el) = target.dyn_ref::<HtmlElement>() {
        let tag = el.tag_name().to_ascii_lowercase();
        if matches!(tag.as_str(), "button" | "summary" | "select" | "textarea")
            && (key == "Enter" || key == " ")
        {
            return true;
        }
    }
    false
}

pub fn install(app: AppRef) -> Result<(), JsValue> {
    let window = dom::window()?;
    let cb = Closure::<dyn FnMut(Event)>::new(move |e: Event| {
        let Ok(e) = e.dyn_into::<KeyboardEvent>() else {
            return;
        };
        if e.ctrl_key() || e.alt_key() || e.meta_key() || belongs_to_control(&e) {
            return;
        }
        let Ok(mut a) = app.try_borrow_mut() else {
            return;
        };
        let focused_view = e
            .target()
            .and_then(|t| t.dyn_into::<HtmlElement>().ok())
            .is_some_and(|t| t.class_list().contains("viewer"));
        let key = e.key();
        if a.keyboard_pending() && key.starts_with("Arrow") {
            let step = if e.shift_key() { 10.0 } else { 1.0 };
            let (dx, dy) = match key.as_str() {
                "ArrowLeft" => (-step, 0.0),
                "ArrowRight" => (step, 0.0),
                "ArrowUp" => (0.0, -step),
                _ => (0.0, step),
            };
            a.move_keyboard_point(dx, dy);
            e.prevent_default();
            return;
        }
        let handled = match key.as_str() {
            "a" | "A" => {
                a.toggle_maximised(Plane::Axial);
                true
            }
            "c" | "C" => {
                a.toggle_maximised(Plane::Coronal);
                true
            }
            "s" | "S" => {
                a.toggle_maximised(Plane::Sagittal);
                true
            }
            "d" | "D" => {
                a.set_tool(Tool::Distance);
                true
            }
            "e" | "E" => {
                a.set_tool(Tool::Ellipse);
                true
            }
            "p" | "P" => {
                a.set_tool(Tool::Probe);
                true
            }
            "r" | "R" => {
                a.reset_reading_view();
                true
            }
            "o" | "O" => {
                a.toggle_overlay();
                true
            }
            "?" => {
                let open = a.reading.as_ref().is_some_and(|r| r.help_open);
                if let Some(r) = a.reading.as_mut() {
                    r.set_help(!open);
                }
                true
            }
            "Escape" => {
                escape(&mut a);
                true
            }
            "Delete" | "Backspace" => {
                a.delete_measurement(None);
                true
            }
            "ArrowLeft" => {
                a.nudge_crosshair(-1.0, 0.0);
                true
            }
            "ArrowRight" => {
                a.nudge_crosshair(1.0, 0.0);
                true
            }
            "[" => {
                a.nudge_crosshair(0.0, -1.0);
                true
            }
            "]" => {
                a.nudge_crosshair(0.0, 1.0);
                true
            }
            "Enter" if focused_view => {
                if let Some(plane) = a.focused_plane() {
                    a.enter_in_view(plane);
                }
                true
            }
            _ => false,
        };
        if handled {
            e.prevent_default();
        }
    });
    window.add_event_listener_with_callback("keydown", cb.as_ref().unchecked_ref())?;
    cb.forget();
    Ok(())
}

/// Esc: close the help panel, else cancel a drag, else drop the tool, else three views.
fn escape(a: &mut App) {
    let Some(r) = a.reading.as_mut() else {
        return;
    };
    if r.help_open {
        r.set_help(false);
    } else if r.pending.is_some() {
        r.pending = None;
        r.announce("Measurement cancelled");
        a.refresh();
    } else if r.tool != Tool::None {
        a.set_tool(Tool::None);
    } else if r.layout != Layout::Three {
        a.set_layout(Layout::Three);
    }
}
