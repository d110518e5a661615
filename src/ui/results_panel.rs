//! The analysis controls and read-outs: Analyze / Cancel / automatic analysis, the overlay
//! controls (opacity, outline, per-subtype toggles), the slice-probability strip and the
//! results panel (verdicts, volumes, ABC/2, models).

use wasm_bindgen::{Clamped, JsCast, JsValue};
use web_sys::{
    CanvasRenderingContext2d, Event, HtmlButtonElement, HtmlCanvasElement, HtmlElement,
    HtmlInputElement, ImageData, MouseEvent,
};

use crate::analysis::status::assessed_flags;
use crate::analysis::AnalysisResult;
use crate::model::card::ModelCard;
use crate::model::shipped;
use crate::render::probability_strip;
use crate::ui::dom::{self, by_id, escape_html};
use crate::ui::dom::listen;
use crate::ui::state::{AnalysisInfo, App};
use crate::ui::msg::{send, Msg};
use crate::ui::AppRef;

/// Label names shown in the panel, in `LABELS` order (HTML: `<wbr>` lets a narrow panel break
/// the long words where a reader would, `&shy;` with a hyphen).
const LABEL_TITLES: [&str; 6] = [
    "Any haemor&shy;rhage",
    "Epidural (EDH)",
    "Intra<wbr>parenchymal (IPH)",
    "Intra<wbr>ventricular (IVH)",
    "Sub<wbr>arachnoid (SAH)",
    "Subdural (SDH)",
];

/// The strip's row labels.
const STRIP_SHORT: [&str; 6] = ["Any", "EDH", "IPH", "IVH", "SAH", "SDH"];

/// The analysis elements of the page.
#[derive(Clone)]
pub struct AnalysisElements {
    pub analyze: HtmlButtonElement,
    pub cancel: HtmlButtonElement,
    pub auto: HtmlInputElement,
    pub results: HtmlElement,
    pub strip: HtmlCanvasElement,
    pub strip_marker: HtmlElement,
    /// The strip's row labels (one `li` per label, `LABELS` order).
    pub strip_labels: HtmlElement,
    pub opacity: HtmlInputElement,
    pub outline: HtmlInputElement,
    /// Per-subtype toggles, codes 1..=5.
    pub toggles: Vec<(u8, HtmlInputElement)>,
    pub models: HtmlElement,
    /// The export buttons (see `ui::export`).
    pub export: crate::ui::export::ExportElements,
}

impl AnalysisElements {
    pub fn find() -> Result<Self, JsValue> {
        let doc = dom::document()?;
        let nodes = doc.query_selector_all("input[data-label]")?;
        let mut toggles = Vec::new();
        for n in 0..nodes.length() {
            if let Some(input) = nodes
                .item(n)
                .and_then(|n| n.dyn_into::<HtmlInputElement>().ok())
            {
                if let Some(code) = input
                    .get_attribute("data-label")
                    .and_then(|c| c.parse::<u8>().ok())
                    .filter(|c| (1..6).contains(c))
                {
                    toggles.push((code, input));
                }
            }
        }
        Ok(AnalysisElements {
            analyze: by_id("analyze")?,
            cancel: by_id("cancel-analysis")?,
            auto: by_id("auto-analyze")?,
            results: by_id("analysis-results")?,
            strip: by_id("prob-strip")?,
            strip_marker: by_id("strip-marker")?,
            strip_labels: by_id("strip-labels")?,
            opacity: by_id("overlay-opacity")?,
            outline: by_id("overlay-outline")?,
            toggles,
            models: by_id("models-info")?,
            export: crate::ui::export::ExportElements::find()?,
        })
    }
}

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
                a.overlay.opacity = (v / 100.0).clamp(0.0, 1.0);
                a.overlay_changed();
            }
        })?;
    }
    {
        let app = app.clone();
        let input = el.outline.clone();
        listen::<Event>(&el.outline.clone().into(), "change", true, move |_| {
            let mut a = app.borrow_mut();
            a.overlay.outline = input.checked();
            a.overlay_changed();
        })?;
    }
    for (code, toggle) in &el.toggles {
        let app = app.clone();
        let input = toggle.clone();
        let code = *code as usize;
        listen::<Event>(&toggle.clone().into(), "change", true, move |_| {
            let mut a = app.borrow_mut();
            a.overlay.visible[code] = input.checked();
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

/// The models in use (a "user model" badge on a user's own), the engine and where the
/// shipped models came from, as HTML.
fn models_html(info: &AnalysisInfo, note: Option<&str>) -> String {
    let mut parts = Vec::new();
    for (m, card) in [
        (&info.models.classifier, shipped::CLASSIFIER_CARD),
        (&info.models.segmenter, shipped::SEGMENTER_CARD),
    ] {
        if m.user {
            parts.push(format!(
                "{} {} <span class=\"badge\" data-testid=\"user-model-badge\">user model</span>",
                escape_html(&m.name),
                escape_html(&m.version)
            ));
        } else {
            let size = ModelCard::from_json(card)
                .ok()
                .and_then(|c| c.size_bytes)
                .map(|b| format!(" ({:.1} MB)", b as f64 / 1e6))
                .unwrap_or_default();
            parts.push(format!("{} {}{size}", escape_html(&m.name), escape_html(&m.version)));
        }
    }
    let mut s = format!("Models: {}", parts.join(", "));
    if let Some(n) = note {
        s.push_str(&format!("; {}", escape_html(n)));
    }
    if !info.engine.is_empty() {
        s.push_str(&format!(
            "; engine: <span data-testid=\"engine\">{}</span>",
            escape_html(&info.engine)
        ));
    }
    if info.cascade {
        s.push_str("; cascade on");
    }
    s
}

fn results_html(r: &AnalysisResult) -> String {
    let verdict = r.verdict.to_array();
    let volumes = r.volumes_ml.to_array();
    let status = r.label_status.as_refs();
    let mut rows = String::new();
    for (n, title) in LABEL_TITLES.iter().enumerate() {
        if let Some(text) = status[n].text() {
            rows.push_str(&format!(
                "<tr data-label=\"{n}\" data-assessed=\"false\"><th scope=\"row\">{title}</th>\
                 <td class=\"not-assessed\" colspan=\"2\">{}</td></tr>",
                escape_html(&text)
            ));
            continue;
        }
        let (class, word) = if verdict[n] {
            ("positive", "detected")
        } else {
            ("", "not detected")
        };
        rows.push_str(&format!(
            "<tr data-label=\"{n}\" data-assessed=\"true\"><th scope=\"row\">{title}</th><td class=\"{class}\">{word}</td>\
             <td class=\"num\">{:.2} mL</td></tr>",
            volumes[n]
        ));
    }
    let abc2 = match r.abc2_ml {
        Some(v) => format!("{v:.2} mL"),
        None => "no intraparenchymal haemorrhage found".to_string(),
    };
    let models: Vec<String> = r.models.iter().map(|(n, v)| format!("{n} {v}")).collect();
    let no_brain = match r.slices.iter().filter(|s| s.no_brain).count() {
        0 => String::new(),
        n => format!(
            "<p class=\"muted\" data-testid=\"no-brain\">{n} of {} slices hold no brain \
             (above the head or the top of the skull cap: no soft tissue inside the bone) and \
             were not run through the models; dark in the strip.</p>",
            r.slices.len()
        ),
    };
    format!(
        "<table><thead><tr><th>Label</th><th>Scan verdict</th><th>Volume</th></tr></thead>\
         <tbody>{rows}</tbody></table>\
         <p>ABC/2, largest IPH: <span data-testid=\"abc2\">{abc2}</span></p>\
         {no_brain}<p class=\"muted\">{}</p>\
         <p class=\"ruo\">Research use — not for diagnosis</p>",
        models.join(", ")
    )
}

impl App {
    /// Bring the analysis controls, the panel and the strip in line with the state.
    pub fn refresh_analysis(&mut self) {
        let el = &self.ael;
        let analyzing = self.status == crate::ui::state::Status::Analyzing;
        el.analyze.set_disabled(
            self.loaded.as_ref().is_none_or(|l| l.partial.is_some())
                || analyzing
                || self.analysis_unavailable.is_some(),
        );
        el.cancel.set_hidden(!analyzing);
        let models = models_html(&self.analysis_info, self.models_note.as_deref());
        if el.models.inner_html() != models {
            el.models.set_inner_html(&models);
        }
        if let Some(loader) = &self.loader {
            let (text, class) = match &self.analysis_info.model_check {
                Some(c) => (c.message.as_str(), c.state),
                None => ("", ""),
            };
            dom::set_text(&loader.status, text);
            let _ = loader.status.set_attribute("data-state", class);
            loader
                .reset
                .set_hidden(!self.analysis_info.any_user_model());
            loader.cascade.set_checked(self.analysis_info.cascade);
        }
        let html = match (&self.analysis, &self.analysis_unavailable, analyzing) {
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
        let (scores, assessed): (Vec<Option<[f32; 6]>>, [bool; 6]) = match &self.analysis {
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
        let left = (self.slice as f64 + 0.5) / n as f64 * 100.0;
        let _ = el
            .strip_marker
            .style()
            .set_property("left", &format!("calc({left:.3}% - 1px)"));
        el.strip_marker.set_hidden(false);
    }
}
