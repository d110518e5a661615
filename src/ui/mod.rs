//! Browser shell: DOM, canvas and events over the library layers.
//!
//! `core` holds the ui's decisions as plain Rust (compiled and tested natively); everything
//! else is wasm only. The page markup lives in `index.html`; this layer finds its elements,
//! keeps the viewer state, draws slices produced by [`crate::render`] and hands files to a
//! decode worker (`src/bin/decode_worker.rs`) so large volumes never block the page.

pub mod core;

/// Items of the web shell: compiled for wasm32 only.
macro_rules! web {
    ($($item:item)*) => { $( #[cfg(target_arch = "wasm32")] $item )* };
}

web! {
    mod analysis;
    pub mod analysis_protocol;
    #[cfg(feature = "inference")]
    pub mod analysis_worker;
    mod automation;
    mod canvas;
    mod comparison_panel;
    mod dom;
    mod dropped;
    mod events;
    mod export;
    mod export_worker;
    mod gallery;
    mod gallery_view;
    mod keys;
    mod loader;
    pub(crate) mod model_loader;
    mod msg;
    mod panels;
    mod panic;
    mod pointer;
    mod reading_app;
    pub mod protocol;
    mod results_panel;
    mod router;
    mod series_list;
    mod settings;
    mod state;
    mod views;
    pub mod worker;

    use std::cell::RefCell;
    use std::rc::Rc;

    use wasm_bindgen::JsValue;

    use crate::ui::state::App;

    pub(crate) use crate::ui::state::AppRef;

    /// Start the app in the page: wire the DOM, the canvas, the decode worker and
    /// `window.hemoscope`. Errors while starting are shown in the page.
    pub fn start() {
        panic::install();
        router::install();
        if let Err(e) = try_start() {
            dom::show_fatal(&format!(
                "The app could not start: {}",
                dom::js_error_text(&e)
            ));
        }
    }

    fn try_start() -> Result<(), JsValue> {
        let elements = dom::Elements::find()?;
        let analysis_elements = panels::AnalysisElements::find()?;
        let canvas = canvas::AxialCanvas::new(elements.canvas.clone())?;
        let app: AppRef = Rc::new(RefCell::new(App::new(elements, analysis_elements, canvas)));
        automation::install(app.clone())?;
        loader::install(app.clone())?;
        series_list::install(app.clone())?;
        events::install(app.clone())?;
        results_panel::install(app.clone())?;
        analysis::install(&app);
        let loader_elements = model_loader::install(&app)?;
        app.borrow_mut().loader = Some(loader_elements);
        let comparison = gallery::install_comparison(&app)?;
        app.borrow_mut().comparison_el = Some(comparison);
        export::install(app.clone())?;
        {
            let mut a = app.borrow_mut();
            a.reading = Some(views::Reading::find()?);
            a.restore_settings();
        }
        pointer::install(app.clone())?;
        keys::install(app.clone())?;
        {
            let mut a = app.borrow_mut();
            a.set_idle("Open a NIfTI file (.nii or .nii.gz), drop it here, or open the demo case.");
            a.refresh();
        }
        gallery::install(app.clone())?;
        Ok(())
    }
}
