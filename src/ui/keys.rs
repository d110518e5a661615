//! The keyboard shortcuts' web glue (which key does what is [`crate::ui::core::keys`]'s
//! decision, tested natively), and the settings remembered in local storage (layout, tool,
//! overlay, window preset).

use serde::{Deserialize, Serialize};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{Event, HtmlElement, HtmlInputElement, KeyboardEvent};

use crate::ui::core::keys::{
    action, belongs_to_control, escape, EscapeStep, Focus, KeyAction, KeyPress,
};
use crate::ui::core::measure::Tool;
use crate::ui::state::App;
use crate::ui::core::layout::Layout;
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

/// The focused control, as the shortcuts need to know it.
fn focus_of(e: &KeyboardEvent) -> (Option<String>, Option<String>) {
    let Some(target) = e.target() else {
        return (None, None);
    };
    if let Some(input) = target.dyn_ref::<HtmlInputElement>() {
        return (Some(input.type_()), None);
    }
    let tag = target
        .dyn_ref::<HtmlElement>()
        .map(|el| el.tag_name().to_ascii_lowercase());
    (None, tag)
}

pub fn install(app: AppRef) -> Result<(), JsValue> {
    let window = dom::window()?;
    let cb = Closure::<dyn FnMut(Event)>::new(move |e: Event| {
        let Ok(e) = e.dyn_into::<KeyboardEvent>() else {
            return;
        };
        let key = e.key();
        let (input, tag) = focus_of(&e);
        let focus = match (&input, &tag) {
            (Some(kind), _) => Some(Focus::Input(kind)),
            (None, Some(tag)) => Some(Focus::Element(tag)),
            (None, None) => None,
        };
        if belongs_to_control(&key, focus) {
            return;
        }
        let Ok(mut a) = app.try_borrow_mut() else {
            return;
        };
        let in_view = e
            .target()
            .and_then(|t| t.dyn_into::<HtmlElement>().ok())
            .is_some_and(|t| t.class_list().contains("viewer"));
        let press = KeyPress {
            key: &key,
            shift: e.shift_key(),
            modifier: e.ctrl_key() || e.alt_key() || e.meta_key(),
            in_view,
            placing: a.keyboard_pending(),
        };
        let Some(act) = action(press) else {
            return;
        };
        match act {
            KeyAction::MovePoint(dx, dy) => a.move_keyboard_point(dx, dy),
            KeyAction::Maximise(plane) => a.toggle_maximised(plane),
            KeyAction::ChooseTool(tool) => a.set_tool(tool),
            KeyAction::ResetView => a.reset_reading_view(),
            KeyAction::ToggleOverlay => a.toggle_overlay(),
            KeyAction::ToggleHelp => {
                if let Some(r) = a.reading.as_mut() {
                    let open = r.help_open;
                    r.set_help(!open);
                }
            }
            KeyAction::Escape => on_escape(&mut a),
            KeyAction::DeleteNewestMeasurement => a.delete_measurement(None),
            KeyAction::NudgeCrosshair { dx, dy } => a.nudge_crosshair(dx, dy),
            KeyAction::EnterInView => {
                if let Some(plane) = a.focused_plane() {
                    a.enter_in_view(plane);
                }
            }
        }
        e.prevent_default();
    });
    window.add_event_listener_with_callback("keydown", cb.as_ref().unchecked_ref())?;
    cb.forget();
    Ok(())
}

/// Esc: see [`escape`].
fn on_escape(a: &mut App) {
    let Some(r) = a.reading.as_mut() else {
        return;
    };
    match escape(r.help_open, r.pending.is_some(), r.tool, r.layout) {
        EscapeStep::CloseHelp => r.set_help(false),
        EscapeStep::CancelMeasurement => {
            r.pending = None;
            r.announce("Measurement cancelled");
            a.refresh();
        }
        EscapeStep::DropTool => a.set_tool(Tool::None),
        EscapeStep::ThreeViews => a.set_layout(Layout::Three),
        EscapeStep::Nothing => {}
    }
}
