//! `window.hemoscope`: the automation contract used by tests and external checks.
//! `state()` returns a plain JSON object (see README.md, "Automation contract").

use js_sys::{Object, Reflect, JSON};
use wasm_bindgen::prelude::*;

use crate::ui::{dom, AppRef};

/// Define `window.hemoscope.state()` and `window.hemoscope.version`.
pub fn install(app: AppRef) -> Result<(), JsValue> {
    let api = Object::new();
    let state = Closure::<dyn Fn() -> JsValue>::new(move || {
        let snapshot = match app.try_borrow() {
            Ok(a) => a.snapshot(),
            Err(_) => return JsValue::NULL,
        };
        serde_json::to_string(&snapshot)
            .ok()
            .and_then(|s| JSON::parse(&s).ok())
            .unwrap_or(JsValue::NULL)
    });
    Reflect::set(&api, &"state".into(), state.as_ref())?;
    state.forget();
    Reflect::set(&api, &"version".into(), &env!("CARGO_PKG_VERSION").into())?;
    let window: JsValue = dom::window()?.into();
    Reflect::set(&window, &"hemoscope".into(), &api)?;
    Ok(())
}
