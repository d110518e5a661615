//! The web glue: the page's events, the workers, storage and the automation contract. Its
//! parts send each other [`msg::Msg`]s and [`router`] hands each to the part that acts on it.

pub mod analysis;
pub mod automation;
pub mod dropped;
pub mod events;
pub mod export;
pub mod gallery;
pub mod keys;
pub mod loader;
pub mod model_loader;
pub mod msg;
pub mod panic;
pub mod pointer;
pub mod render;
pub mod results_panel;
pub mod router;
pub mod series_list;
pub mod settings;

use std::cell::RefCell;
use std::rc::Rc;

use wasm_bindgen::JsValue;

use crate::ui::app::state::{App, AppRef};
use crate::ui::view::{canvas, dom, panels};

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
    render::install(&app);
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
        a.reading = Some(crate::ui::view::reading::Reading::find()?);
        a.session.restore_settings(settings::load());
    }
    pointer::install(app.clone())?;
    keys::install(app.clone())?;
    {
        let mut a = app.borrow_mut();
        a.set_idle("Open a NIfTI file (.nii or .nii.gz), drop it here, or open the demo case.");
        a.changed();
    }
    gallery::install(app.clone())?;
    Ok(())
}
