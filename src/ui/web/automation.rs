//! `window.hemoscope`: the automation contract used by tests and external checks.
//! `state()` returns a plain JSON object (see README.md, "Automation contract").

use js_sys::{Object, Reflect, JSON};
use wasm_bindgen::prelude::*;

use serde::Serialize;

use crate::ui::app::state::Status;
use crate::ui::view::dom;
use crate::ui::web::panic;
use crate::ui::web::render;
use crate::ui::app::state::AppRef;

/// Define `window.hemoscope.state()`, `.mask()`, `.voxels()` and `.version`.
pub fn install(app: AppRef) -> Result<(), JsValue> {
    let api = Object::new();
    let app_for_mask = app.clone();
    let app_voxels = app.clone();
    let state = Closure::<dyn Fn() -> JsValue>::new(move || {
        let json = match (panic::message(), app.try_borrow_mut()) {
            (None, Ok(mut a)) => {
                // A render still queued would change what the snapshot reads (drawn rects).
                render::flush(&mut a);
                serde_json::to_string(&a.snapshot())
            }
            (Some(message), _) => serde_json::to_string(&Crashed::new(message)),
            (None, Err(_)) => serde_json::to_string(&Crashed::new(
                "the app is busy or stopped responding".to_string(),
            )),
        };
        json.ok()
            .and_then(|s| JSON::parse(&s).ok())
            .unwrap_or(JsValue::NULL)
    });
    Reflect::set(&api, &"state".into(), state.as_ref())?;
    state.forget();
    // The analysis label mask (volume grid, i fastest, codes 0..=5), or null.
    let mask_app = app_for_mask;
    let mask = Closure::<dyn Fn() -> JsValue>::new(move || match mask_app.try_borrow() {
        Ok(a) => a
            .session
            .analysis
            .as_ref()
            .map(|an| js_sys::Uint8Array::from(an.mask.as_slice()).into())
            .unwrap_or(JsValue::NULL),
        Err(_) => JsValue::NULL,
    });
    Reflect::set(&api, &"mask".into(), mask.as_ref())?;
    mask.forget();
    // The loaded volume's voxels (HU, i fastest, a copy), or null: lets tests compare the
    // page's decode with the native one.
    let voxels_app = app_voxels;
    let voxels = Closure::<dyn Fn() -> JsValue>::new(move || match voxels_app.try_borrow() {
        Ok(a) => a
            .session
            .loaded
            .as_ref()
            .map(|l| js_sys::Int16Array::from(l.volume.voxels.as_slice()).into())
            .unwrap_or(JsValue::NULL),
        Err(_) => JsValue::NULL,
    });
    Reflect::set(&api, &"voxels".into(), voxels.as_ref())?;
    voxels.forget();
    Reflect::set(&api, &"version".into(), &env!("CARGO_PKG_VERSION").into())?;
    let crash = Closure::<dyn Fn()>::new(panic::panic_for_tests);
    Reflect::set(&api, &"panicForTests".into(), crash.as_ref())?;
    crash.forget();
    let window: JsValue = dom::window()?.into();
    Reflect::set(&window, &"hemoscope".into(), &api)?;
    Ok(())
}

/// The snapshot after an internal error: only status and message are known.
#[derive(Serialize)]
struct Crashed {
    status: Status,
    error: String,
    message: String,
}

impl Crashed {
    fn new(error: String) -> Self {
        Crashed {
            status: Status::Error,
            error,
            message: "Internal error".to_string(),
        }
    }
}
