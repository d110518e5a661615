//! The series list: when the files of a drop hold several DICOM series, each is listed
//! (description, modality, slice count, thickness, orientation, rows × columns) with the one
//! shown marked; choosing another asks the decode worker, which still holds the files parsed,
//! to open it.

use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{Element, Event, HtmlElement};

use crate::io::dicom::SeriesSummary;
use crate::ui::msg::{send, Msg};
use crate::ui::dom;
use crate::ui::state::AppRef;

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
        let index = button
            .get_attribute("data-series-index")
            .and_then(|v| v.parse::<usize>().ok());
        let opened = button.get_attribute("aria-current").as_deref() == Some("true");
        if let (Some(index), false) = (index, opened) {
            send(&app, Msg::OpenSeries(index));
        }
    });
    list.add_event_listener_with_callback("click", on_click.as_ref().unchecked_ref())?;
    on_click.forget();
    Ok(())
}

/// One line describing a series.
fn label(index: usize, s: &SeriesSummary) -> String {
    let name = if s.description.is_empty() {
        format!("Series {}", s.series_number.unwrap_or(index as i64 + 1))
    } else {
        s.description.clone()
    };
    let modality = if s.modality.is_empty() {
        "unknown modality"
    } else {
        &s.modality
    };
    let thickness = s
        .thickness_mm
        .map(|t| format!(", {t:.1} mm"))
        .unwrap_or_default();
    format!(
        "{name}: {modality}, {} slice{}{thickness}, {}, {}×{}",
        s.slices,
        if s.slices == 1 { "" } else { "s" },
        s.orientation,
        s.rows,
        s.columns
    )
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
    panel.set_hidden(series.len() < 2);
    if series.len() < 2 {
        return Ok(());
    }
    for (index, s) in series.iter().enumerate() {
        let item = doc.create_element("li")?;
        let button = doc.create_element("button")?;
        button.set_attribute("type", "button")?;
        button.set_attribute("data-testid", "series-item")?;
        button.set_attribute("data-series-uid", &s.series_uid)?;
        button.set_attribute("data-series-index", &index.to_string())?;
        let text = label(index, s);
        if s.opened {
            button.set_attribute("aria-current", "true")?;
            button.set_attribute("aria-label", &format!("{text} (shown)"))?;
            button.set_text_content(Some(&format!("▶ {text}")));
        } else {
            button.set_attribute("aria-label", &format!("Open {text}"))?;
            button.set_text_content(Some(&text));
        }
        item.append_child(&button)?;
        list.append_child(&item)?;
    }
    Ok(())
}
