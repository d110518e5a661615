//! Turn a Rust panic in the page into a visible message instead of a silent, frozen tab.

use std::panic;

use crate::ui::dom;

/// Install a panic hook that logs to the console and shows the message in the page.
pub fn install() {
    panic::set_hook(Box::new(|info| {
        let text = format!("Internal error (please reload the page): {info}");
        web_sys::console::error_1(&text.clone().into());
        dom::show_fatal(&text);
    }));
}
