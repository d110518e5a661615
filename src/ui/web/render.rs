//! Rendering once per event: the app marks itself changed ([`App::changed`]) as often as an
//! event's handling needs, and a microtask queued at the first mark renders once, when the
//! handling is done and before the browser paints. The remembered settings are stored then too,
//! when they changed.

use std::cell::Cell;
use std::rc::{Rc, Weak};

use wasm_bindgen::prelude::*;

use crate::ui::app::state::{App, AppRef};
use crate::ui::view::dom;
use crate::ui::web::settings;

thread_local! {
    /// A render is queued.
    static QUEUED: Cell<bool> = const { Cell::new(false) };
}

/// Render the app once after each event from now on.
pub fn install(app: &AppRef) {
    let weak = Rc::downgrade(app);
    app.borrow_mut().on_dirty = Some(Rc::new(move || schedule(weak.clone())));
}

fn schedule(app: Weak<std::cell::RefCell<App>>) {
    if QUEUED.with(|q| q.replace(true)) {
        return;
    }
    let run = Closure::once_into_js(move || {
        QUEUED.with(|q| q.set(false));
        if let Some(app) = app.upgrade() {
            match app.try_borrow_mut() {
                Ok(mut a) => flush(&mut a),
                // Held by a handler still running (not expected in a microtask): try after it.
                Err(_) => retry_later(&app),
            }
        }
    });
    if let Ok(w) = dom::window() {
        w.queue_microtask(run.unchecked_ref());
    }
}

fn retry_later(app: &AppRef) {
    let weak = Rc::downgrade(app);
    let run = Closure::once_into_js(move || {
        if let Some(app) = weak.upgrade() {
            if let Ok(mut a) = app.try_borrow_mut() {
                flush(&mut a);
            }
        }
    });
    if let Ok(w) = dom::window() {
        let _ = w.set_timeout_with_callback(run.unchecked_ref());
    }
}

/// Bring the page in line with the state, and store the settings when they changed.
pub fn flush(a: &mut App) {
    a.render_if_dirty();
    let now = a.session.settings();
    if now != a.session.remembered {
        settings::save(&now);
        a.session.remembered = now;
    }
}
