//! The page's elements (declared in `index.html`) and small DOM helpers.

use wasm_bindgen::prelude::Closure;
use wasm_bindgen::{JsCast, JsValue};
use web_sys::{
    AddEventListenerOptions, Document, Event, EventTarget, HtmlButtonElement, HtmlCanvasElement,
    HtmlElement, HtmlInputElement, Window,
};

/// The browser window, or an error when running outside a page.
pub fn window() -> Result<Window, JsValue> {
    web_sys::window().ok_or_else(|| JsValue::from_str("no window object"))
}

/// The document of the page.
pub fn document() -> Result<Document, JsValue> {
    window()?
        .document()
        .ok_or_else(|| JsValue::from_str("no document"))
}

/// The element with this id, cast to the expected type.
pub fn by_id<T: JsCast>(id: &str) -> Result<T, JsValue> {
    document()?
        .get_element_by_id(id)
        .ok_or_else(|| JsValue::from_str(&format!("element #{id} is missing from index.html")))?
        .dyn_into::<T>()
        .map_err(|_| JsValue::from_str(&format!("element #{id} has an unexpected type")))
}

/// The elements under `root` that match `selector` and are a `T`, in document order.
pub fn select_all<T: JsCast>(root: &web_sys::Element, selector: &str) -> Result<Vec<T>, JsValue> {
    let nodes = root.query_selector_all(selector)?;
    Ok((0..nodes.length())
        .filter_map(|n| nodes.item(n).and_then(|e| e.dyn_into::<T>().ok()))
        .collect())
}

/// Readable text of a JS error value.
pub fn js_error_text(e: &JsValue) -> String {
    if let Some(s) = e.as_string() {
        return s;
    }
    if let Some(err) = e.dyn_ref::<js_sys::Error>() {
        return String::from(err.message());
    }
    format!("{e:?}")
}

/// Show a message in the page's error line; used when the app itself failed.
pub fn show_fatal(text: &str) {
    if let Ok(el) = by_id::<HtmlElement>("error") {
        el.set_text_content(Some(text));
        el.set_hidden(false);
    }
}

/// Every element the app drives.
#[derive(Clone)]
pub struct Elements {
    pub viewer: HtmlElement,
    pub canvas: HtmlCanvasElement,
    pub file_input: HtmlInputElement,
    pub folder_input: HtmlInputElement,
    pub open_demo: HtmlButtonElement,
    pub reset_view: HtmlButtonElement,
    pub presets: Vec<HtmlButtonElement>,
    pub slice_slider: HtmlInputElement,
    pub slice_label: HtmlElement,
    pub window_readout: HtmlElement,
    pub cursor_readout: HtmlElement,
    pub zoom_readout: HtmlElement,
    pub volume_readout: HtmlElement,
    pub orient: [HtmlElement; 4],
    pub drop_hint: HtmlElement,
    pub progress: HtmlElement,
    pub status: HtmlElement,
    pub error: HtmlElement,
}

impl Elements {
    /// Look up every element; a missing one is a build error of the page, reported clearly.
    pub fn find() -> Result<Self, JsValue> {
        let doc = document()?;
        let nodes = doc.query_selector_all("button[data-preset]")?;
        let mut presets = Vec::new();
        for n in 0..nodes.length() {
            if let Some(b) = nodes
                .item(n)
                .and_then(|n| n.dyn_into::<HtmlButtonElement>().ok())
            {
                presets.push(b);
            }
        }
        Ok(Elements {
            viewer: by_id("viewer")?,
            canvas: by_id("axial-canvas")?,
            file_input: by_id("file-input")?,
            folder_input: by_id("folder-input")?,
            open_demo: by_id("open-demo")?,
            reset_view: by_id("reset-view")?,
            presets,
            slice_slider: by_id("slice-slider")?,
            slice_label: by_id("slice-label")?,
            window_readout: by_id("window-readout")?,
            cursor_readout: by_id("cursor-readout")?,
            zoom_readout: by_id("zoom-readout")?,
            volume_readout: by_id("volume-readout")?,
            orient: [
                by_id("orient-top")?,
                by_id("orient-bottom")?,
                by_id("orient-left")?,
                by_id("orient-right")?,
            ],
            drop_hint: by_id("drop-hint")?,
            progress: by_id("progress")?,
            status: by_id("status")?,
            error: by_id("error")?,
        })
    }
}

/// Set an element's text only when it changed (avoids needless layout work).
pub fn set_text(el: &HtmlElement, text: &str) {
    if el.text_content().as_deref() != Some(text) {
        el.set_text_content(Some(text));
    }
}

/// Milliseconds since page start (`performance.now()`; `Instant` does not work in wasm).
pub fn now_ms() -> f64 {
    window()
        .ok()
        .and_then(|w| w.performance())
        .map(|p| p.now())
        .unwrap_or(0.0)
}

/// Listen on `target` for `kind`; the handler lives as long as the page.
pub(crate) fn listen<E: JsCast + 'static>(
    target: &EventTarget,
    kind: &str,
    passive: bool,
    mut handler: impl FnMut(E) + 'static,
) -> Result<(), JsValue> {
    let cb = Closure::<dyn FnMut(Event)>::new(move |e: Event| {
        if let Ok(e) = e.dyn_into::<E>() {
            handler(e);
        }
    });
    let opts = AddEventListenerOptions::new();
    opts.set_passive(passive);
    target.add_event_listener_with_callback_and_add_event_listener_options(
        kind,
        cb.as_ref().unchecked_ref(),
        &opts,
    )?;
    cb.forget();
    Ok(())
}

/// Text for HTML element content.
pub fn escape_html(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}
