//! Turn a Rust panic in the page into a visible message instead of a silent, frozen tab.
//! After a panic the app's state may be unusable, so `state()` then reports the panic itself.

use std::cell::RefCell;
use std::panic;

use crate::ui::dom;

thread_local! {
    static PANIC: RefCell<Option<String>> = const { RefCell::new(None) };
}

/// Install a panic hook that logs to the console, shows the message in the page and makes
/// `window.hemoscope.state()` report `status: "error"`.
pub fn install() {
    panic::set_hook(Box::new(|info| {
        let text = format!("Internal error (please reload the page): {info}");
        web_sys::console::error_1(&text.clone().into());
        dom::show_fatal(&text);
        PANIC.with(|p| {
            if let Ok(mut p) = p.try_borrow_mut() {
                *p = Some(text);
            }
        });
    }));
}

/// The message of the panic that happened in this page, if any.
pub fn message() -> Option<String> {
    PANIC.with(|p| p.try_borrow().ok().and_then(|p| p.clone()))
}
