//! The series list: when the files of a drop hold several DICOM series, each is listed
//! (description, modality, slice count, thickness, orientation, rows × columns) with the one
//! shown marked; choosing another asks the decode worker, which still holds the files parsed,
//! to open it. What each line says and which choice opens a series are
//! [`crate::ui::core::series`]'s.

use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{Element, Event, HtmlElement};

use crate::io::dicom::SeriesSummary;
use crate::ui::core::series::{choose, items};
use crate::ui::web::msg::{send, Msg};
use crate::ui::view::dom;
use crate::ui::app::state::AppRef;

/// Wire the list's clicks (buttons, so Enter and Space work as well).
pub fn install(app: AppRef) -> Result<(), JsValue> {
    let list: HtmlElement = dom::by_id("series-list")?;
    let on_click = Closure::<dyn FnMut(Event)>::new(move |e: Event| {
        let Some(target) = e.target().and_then(|t| t.dyn_into::<Element>().ok()) else {
            return;
        };
        let Ok(Some(button)) = target.closest("button[data-series-index]") else {
            return;
        };
        let chosen = button
            .get_attribute("data-series-index")
            .and_then(|v| v.parse::<usize>().ok())
            .and_then(|index| choose(&app.borrow().session.series, index));
        if let Some(index) = chosen {
            send(&app, Msg::OpenSeries(index));
        }
    });
    list.add_event_listener_with_callback("click", on_click.as_ref().unchecked_ref())?;
    on_click.forget();
    Ok(())
}

/// Show the series (the panel is hidden when there are fewer than two).
pub fn render(series: &[SeriesSummary]) {
    if let Err(e) = try_render(series) {
        dom::show_fatal(&format!(
            "The series list could not be shown: {}",
            dom::js_error_text(&e)
        ));
    }
}

fn try_render(series: &[SeriesSummary]) -> Result<(), JsValue> {
    let doc = dom::document()?;
    let panel: HtmlElement = dom::by_id("series-panel")?;
    let list: HtmlElement = dom::by_id("series-list")?;
    list.set_inner_html("");
    let lines = items(series);
    panel.set_hidden(lines.is_empty());
    for (line, s) in lines.iter().zip(series) {
        let item = doc.create_element("li")?;
        let button = doc.create_element("button")?;
        button.set_attribute("type", "button")?;
        button.set_attribute("data-testid", "series-item")?;
        button.set_attribute("data-series-uid", &s.series_uid)?;
        button.set_attribute("data-series-index", &line.index.to_string())?;
        if line.shown {
            button.set_attribute("aria-current", "true")?;
        }
        button.set_attribute("aria-label", &line.aria_label())?;
        button.set_text_content(Some(&line.button_text()));
        item.append_child(&button)?;
        list.append_child(&item)?;
    }
    Ok(())
}
