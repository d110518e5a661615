//! The analysis panel's elements and what it shows, without the app: the Analyze / Cancel /
//! overlay controls, the probability strip, the results and models read-outs (their HTML
//! from plain data) and the export buttons. `results_panel.rs` and `export.rs` wire and
//! update them from the app's state.

use wasm_bindgen::{JsCast, JsValue};
use web_sys::{HtmlButtonElement, HtmlCanvasElement, HtmlElement, HtmlInputElement};

use crate::analysis::AnalysisResult;
use crate::model::card::ModelCard;
use crate::model::shipped;
use crate::ui::core::analysis_info::AnalysisInfo;
use crate::ui::view::dom::{self, by_id, escape_html};

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
pub(crate) const STRIP_SHORT: [&str; 6] = ["Any", "EDH", "IPH", "IVH", "SAH", "SDH"];

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
    /// The export buttons (see `ui::web::export`).
    pub export: ExportElements,
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
            export: ExportElements::find()?,
        })
    }
}

/// The export buttons and their options.
#[derive(Clone)]
pub struct ExportElements {
    pub mask: HtmlButtonElement,
    pub seg: HtmlButtonElement,
    pub json: HtmlButtonElement,
    pub csv: HtmlButtonElement,
    pub png: HtmlButtonElement,
    pub include_patient: HtmlInputElement,
    pub status: HtmlElement,
}

impl ExportElements {
    pub fn find() -> Result<Self, JsValue> {
        Ok(ExportElements {
            mask: by_id("export-mask")?,
            seg: by_id("export-seg")?,
            json: by_id("export-report-json")?,
            csv: by_id("export-report-csv")?,
            png: by_id("export-png")?,
            include_patient: by_id("export-include-patient")?,
            status: by_id("export-status")?,
        })
    }
}

/// The models in use (a "user model" badge on a user's own), the engine and where the
/// shipped models came from, as HTML.
pub(crate) fn models_html(info: &AnalysisInfo, note: Option<&str>) -> String {
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

pub(crate) fn results_html(r: &AnalysisResult) -> String {
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

/// The model loader's elements.
#[derive(Clone)]
pub struct LoaderElements {
    pub file: HtmlInputElement,
    pub role_segmenter: HtmlInputElement,
    pub status: HtmlElement,
    pub reset: HtmlButtonElement,
    pub cascade: HtmlInputElement,
}

impl LoaderElements {
    pub fn find() -> Result<Self, JsValue> {
        Ok(LoaderElements {
            file: by_id("model-file")?,
            role_segmenter: by_id("model-role-segmenter")?,
            status: by_id("model-status")?,
            reset: by_id("model-reset")?,
            cascade: by_id("cascade")?,
        })
    }
}
