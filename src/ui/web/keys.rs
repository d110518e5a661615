//! The keyboard shortcuts' web glue: which key does what is [`crate::ui::core::keys`]'s
//! decision (tested natively); the action goes to the app as a message.

use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{Event, HtmlElement, HtmlInputElement, KeyboardEvent};

use crate::ui::core::keys::{action, belongs_to_control, Focus, KeyPress};
use crate::ui::web::msg::{send, Msg};
use crate::ui::view::dom;
use crate::ui::app::state::AppRef;

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
        let in_view = e
            .target()
            .and_then(|t| t.dyn_into::<HtmlElement>().ok())
            .is_some_and(|t| t.class_list().contains("viewer"));
        // Whether a measurement waits for its second point is the app's to say.
        let Ok(placing) = app.try_borrow().map(|a| a.keyboard_pending()) else {
            return;
        };
        let press = KeyPress {
            key: &key,
            shift: e.shift_key(),
            modifier: e.ctrl_key() || e.alt_key() || e.meta_key(),
            in_view,
            placing,
        };
        let Some(act) = action(press) else {
            return;
        };
        send(&app, Msg::Key(act));
        e.prevent_default();
    });
    window.add_event_listener_with_callback("keydown", cb.as_ref().unchecked_ref())?;
    cb.forget();
    Ok(())
}
