//! The ground-truth panel of a dataset case: the overlay toggle (prediction / ground truth /
//! both) and, once analysed, Dice per label, slice agreement and the verdicts against the truth.

use wasm_bindgen::JsValue;
use web_sys::{HtmlElement, HtmlSelectElement};

use crate::dataset::Comparison;
use crate::model::card::LABELS;
use crate::ui::core::case::{GtMode, OpenCase};
use crate::ui::view::dom::{by_id, escape_html};

/// Label names shown in the table, in `LABELS` order.
const TITLES: [&str; 6] = ["Any", "EDH", "IPH", "IVH", "SAH", "SDH"];

/// The panel's elements.
#[derive(Clone)]
pub struct ComparisonElements {
    pub panel: HtmlElement,
    pub body: HtmlElement,
    pub toggle: HtmlSelectElement,
}

impl ComparisonElements {
    pub fn find() -> Result<Self, JsValue> {
        Ok(ComparisonElements {
            panel: by_id("comparison")?,
            body: by_id("comparison-body")?,
            toggle: by_id("gt-toggle")?,
        })
    }
}

fn pct(v: Option<f64>) -> String {
    v.map(|v| format!("{v:.3}")).unwrap_or_else(|| "–".into())
}

fn yes_no(v: Option<bool>) -> &'static str {
    match v {
        Some(true) => "yes",
        Some(false) => "no",
        None => "?",
    }
}

fn table(c: &Comparison) -> String {
    let dice = c.dice.to_array();
    let truth = c.case.truth.to_array();
    let pred = c.case.predicted.to_array();
    let mut rows = String::new();
    for n in 0..6 {
        let wrong = truth[n].is_some_and(|t| t != pred[n]);
        rows.push_str(&format!(
            "<tr data-label=\"{}\"><th scope=\"row\">{}</th><td class=\"num\">{}</td>\
             <td>{}</td><td class=\"{}\">{}</td></tr>",
            LABELS[n],
            TITLES[n],
            pct(dice[n]),
            yes_no(truth[n]),
            if wrong { "wrong" } else { "" },
            if pred[n] { "yes" } else { "no" },
        ));
    }
    let agreement = match c.slice_agreement {
        Some(a) => format!("{:.3} ({} slices)", a, c.slices_compared),
        None => "– (no slice truth)".into(),
    };
    let verdict = match c.case.correct {
        Some(true) => "<strong>right</strong>",
        Some(false) => "<strong class=\"wrong\">wrong</strong>",
        None => "unknown",
    };
    format!(
        "<table><thead><tr><th>Label</th><th>Dice</th><th>Truth</th><th>Model</th></tr></thead>\
         <tbody>{rows}</tbody></table>\
         <p class=\"muted\">Dice –: no voxels of that label in the truth or the prediction. \
         Truth and Model: the label is present in the case / the scan verdict.</p>\
         <p>Slice agreement (any): <span data-testid=\"slice-agreement\">{agreement}</span></p>\
         <p>Scan verdict (any): {verdict}</p>"
    )
}

fn body_html(case: &OpenCase, analysing: bool) -> String {
    let mut what = Vec::new();
    if case.truth.label_map.is_some() {
        what.push("label map");
    }
    if case.truth.slice_labels.is_some() {
        what.push("slice labels");
    }
    if case.truth.case_labels.is_some() {
        what.push("case labels");
    }
    let mut html = format!(
        "<p>Case <strong>{}</strong>: ground truth from {}.</p>",
        escape_html(&case.id),
        if what.is_empty() {
            "nothing (no truth in the manifest)".to_string()
        } else {
            what.join(", ")
        }
    );
    if let Some(e) = &case.truth_error {
        html.push_str(&format!("<p class=\"error\">{}</p>", escape_html(e)));
    }
    match (&case.comparison, analysing) {
        (_, true) => html.push_str("<p class=\"muted\">Analysing…</p>"),
        (Some(Ok(c)), false) => html.push_str(&table(c)),
        (Some(Err(e)), false) => html.push_str(&format!(
            "<p class=\"error\">The comparison failed: {}</p>",
            escape_html(e)
        )),
        (None, false) => html.push_str(
            "<p class=\"muted\">Press Analyze to compare the models with the ground truth.</p>",
        ),
    }
    html
}

/// Bring the panel in line with the open case (`analysing`: an analysis runs).
pub fn render(el: &ComparisonElements, case: Option<&OpenCase>, analysing: bool, mode: GtMode) {
    el.panel.set_hidden(case.is_none());
    let Some(case) = case else {
        return;
    };
    let html = body_html(case, analysing);
    if el.body.inner_html() != html {
        el.body.set_inner_html(&html);
    }
    let want = match mode {
        GtMode::Both => "both",
        GtMode::Prediction => "prediction",
        GtMode::Truth => "truth",
    };
    if el.toggle.value() != want {
        el.toggle.set_value(want);
    }
    el.toggle.set_disabled(case.truth.label_map.is_none());
}
