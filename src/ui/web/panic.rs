//! Turn a Rust panic in the page into a visible error panel instead of a silent, frozen tab.
//! After a panic the app's state may be unusable, so `state()` then reports the panic itself.
//!
//! The panel and its "Copy diagnostics" button live in `web/boot.js` (plain JavaScript, so they
//! keep working after the wasm has trapped). The diagnostics get the panic's location and, only
//! when it is a fixed text, its message: a formatted message could hold values read from a file.

use std::cell::RefCell;
use std::panic;

use js_sys::{Function, Reflect};
use wasm_bindgen::{JsCast, JsValue};

use crate::ui::view::dom;

thread_local! {
    static PANIC: RefCell<Option<String>> = const { RefCell::new(None) };
}

/// Install a panic hook that logs to the console, shows the error panel and makes
/// `window.hemoscope.state()` report `status: "error"`.
pub fn install() {
    panic::set_hook(Box::new(|info| {
        let text = format!("Internal error (please reload the page): {info}");
        web_sys::console::error_1(&text.clone().into());
        dom::show_fatal(&text);
        let location = info
            .location()
            .map(|l| format!("{}:{}", l.file(), l.line()))
            .unwrap_or_else(|| "unknown location".into());
        let message = match info.payload().downcast_ref::<&'static str>() {
            Some(s) => (*s).to_string(),
            None => "(formatted message withheld)".to_string(),
        };
        show_panel(&text, &format!("panic at {location}: {message}"));
        PANIC.with(|p| {
            if let Ok(mut p) = p.try_borrow_mut() {
                *p = Some(text);
            }
        });
    }));
}

/// Call `window.hemoscopeFatal(shown, reason)` (defined by boot.js) if it is there.
fn show_panel(shown: &str, reason: &str) {
    let Ok(window) = dom::window() else { return };
    let Ok(f) = Reflect::get(&window, &"hemoscopeFatal".into()) else {
        return;
    };
    if let Ok(f) = f.dyn_into::<Function>() {
        let _ = f.call2(&JsValue::NULL, &shown.into(), &reason.into());
    }
}

/// The message of the panic that happened in this page, if any.
pub fn message() -> Option<String> {
    PANIC.with(|p| p.try_borrow().ok().and_then(|p| p.clone()))
}

/// Panic on purpose (`window.hemoscope.panicForTests()`): lets the tests prove that a panic
/// shows the error panel. It is the user's own page; nothing else is affected.
#[allow(clippy::panic)]
pub fn panic_for_tests() {
    panic!("deliberate panic requested by panicForTests()");
}
