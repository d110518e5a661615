//! The analysis controls and read-outs: Analyze / Cancel / automatic analysis, the overlay
//! controls (opacity, outline, per-subtype toggles), the slice-probability strip and the
//! results panel (verdicts, volumes, ABC/2, models).

use wasm_bindgen::{Clamped, JsCast, JsValue};
use web_sys::{CanvasRenderingContext2d, Event, ImageData, MouseEvent};

use crate::analysis::status::assessed_flags;
use crate::render::probability_strip;
use crate::ui::view::dom::{self, escape_html};
use crate::ui::view::dom::listen;
use crate::ui::view::panels::{models_html, results_html, STRIP_SHORT};
use crate::ui::app::state::App;
use crate::ui::web::msg::{send, Msg};
use crate::ui::app::state::AppRef;

/// Wire the analysis controls.
pub fn install(app: AppRef) -> Result<(), JsValue> {
    let el = app.borrow().ael.clone();
    {
        let app = app.clone();
        listen::<MouseEvent>(&el.analyze.clone().into(), "click", true, move |_| {
            send(&app, Msg::Analyze)
        })?;
    }
    {
        let app = app.clone();
        listen::<MouseEvent>(&el.cancel.clone().into(), "click", true, move |_| {
            send(&app, Msg::CancelAnalysis)
        })?;
    }
    {
        let app = app.clone();
        let input = el.opacity.clone();
        listen::<Event>(&el.opacity.clone().into(), "input", true, move |_| {
            if let Ok(v) = input.value().parse::<f32>() {
                let mut a = app.borrow_mut();
                a.session.overlay.opacity = (v / 100.0).clamp(0.0, 1.0);
                a.overlay_changed();
            }
        })?;
    }
    {
        let app = app.clone();
        let input = el.outline.clone();
        listen::<Event>(&el.outline.clone().into(), "change", true, move |_| {
            let mut a = app.borrow_mut();
            a.session.overlay.outline = input.checked();
            a.overlay_changed();
        })?;
    }
    for (code, toggle) in &el.toggles {
        let app = app.clone();
        let input = toggle.clone();
        let code = *code as usize;
        listen::<Event>(&toggle.clone().into(), "change", true, move |_| {
            let mut a = app.borrow_mut();
            a.session.overlay.visible[code] = input.checked();
            a.overlay_changed();
        })?;
    }
    {
        let app = app.clone();
        let strip = el.strip.clone();
        listen::<MouseEvent>(&el.strip.clone().into(), "click", true, move |e| {
            let n = app.borrow().slice_count();
            let w = f64::from(strip.client_width()).max(1.0);
            if n > 0 {
                let k = (f64::from(e.offset_x()) / w * n as f64).floor() as i64;
                app.borrow_mut().set_slice(k);
            }
        })?;
    }
    Ok(())
}

impl App {
    /// Bring the analysis controls, the panel and the strip in line with the state.
    pub fn refresh_analysis(&mut self) {
        let el = &self.ael;
        let analyzing = self.session.viewer.status == crate::ui::app::state::Status::Analyzing;
        el.analyze.set_disabled(
            self.session.loaded.as_ref().is_none_or(|l| l.partial.is_some())
                || analyzing
                || self.session.analysis_unavailable.is_some(),
        );
        el.cancel.set_hidden(!analyzing);
        let models = models_html(&self.session.analysis_info, self.session.models_note.as_deref());
        if el.models.inner_html() != models {
            el.models.set_inner_html(&models);
        }
        if let Some(loader) = &self.loader {
            let (text, class) = match &self.session.analysis_info.model_check {
                Some(c) => (c.message.as_str(), c.state),
                None => ("", ""),
            };
            dom::set_text(&loader.status, text);
            let _ = loader.status.set_attribute("data-state", class);
            loader
                .reset
                .set_hidden(!self.session.analysis_info.any_user_model());
            loader.cascade.set_checked(self.session.analysis_info.cascade);
        }
        let html = match (&self.session.analysis, &self.session.analysis_unavailable, analyzing) {
            (_, Some(why), _) => format!("<p class=\"error\">{}</p>", escape_html(why)),
            (_, None, true) => "<p class=\"muted\">Analysing…</p>".to_string(),
            (Some(a), None, false) => results_html(&a.result),
            (None, None, false) => "<p class=\"muted\">Not analysed yet.</p>".to_string(),
        };
        if el.results.inner_html() != html {
            el.results.set_inner_html(&html);
        }
        self.draw_strip();
        self.refresh_exports();
    }

    /// Mark the strip's row labels of labels that are not assessed ("EDH — not assessed").
    fn mark_strip_labels(&self, assessed: &[bool; 6]) {
        let Ok(items) = dom::select_all::<web_sys::Element>(&self.ael.strip_labels, "li") else {
            return;
        };
        for ((li, a), short) in items.iter().zip(assessed).zip(STRIP_SHORT) {
            let text = if *a {
                short.to_string()
            } else {
                format!("{short} — not assessed")
            };
            if li.text_content().as_deref() != Some(text.as_str()) {
                li.set_text_content(Some(&text));
                let _ = li.set_attribute("data-assessed", if *a { "true" } else { "false" });
            }
        }
    }

    fn draw_strip(&mut self) {
        let el = &self.ael;
        let (scores, assessed): (Vec<Option<[f32; 6]>>, [bool; 6]) = match &self.session.analysis {
            Some(a) => (
                a.result
                    .slices
                    .iter()
                    .map(|s| (!s.no_brain).then(|| s.probabilities.to_array()))
                    .collect(),
                assessed_flags(&a.result.label_status),
            ),
            None => (Vec::new(), [true; 6]),
        };
        self.mark_strip_labels(&assessed);
        let n = scores.len();
        if n == 0 {
            el.strip.set_width(1);
            el.strip.set_height(1);
            el.strip_marker.set_hidden(true);
            return;
        }
        if el.strip.width() != n as u32 {
            el.strip.set_width(n as u32);
        }
        el.strip.set_height(6);
        probability_strip(&scores, &assessed, &mut self.strip_rgba);
        let drawn = (|| -> Result<(), JsValue> {
            let ctx: CanvasRenderingContext2d = el
                .strip
                .get_context("2d")?
                .ok_or_else(|| JsValue::from_str("no 2D canvas"))?
                .dyn_into()?;
            let image = ImageData::new_with_u8_clamped_array_and_sh(
                Clamped(&self.strip_rgba),
                n as u32,
                6,
            )?;
            ctx.put_image_data(&image, 0.0, 0.0)
        })();
        if let Err(e) = drawn {
            web_sys::console::warn_1(&e);
        }
        let left = (self.session.viewer.slice as f64 + 0.5) / n as f64 * 100.0;
        let _ = el
            .strip_marker
            .style()
            .set_property("left", &format!("calc({left:.3}% - 1px)"));
        el.strip_marker.set_hidden(false);
    }
}
