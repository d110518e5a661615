//! The dataset gallery's state and elements, without the app: the cases (previews, label
//! chips, kept results and their comparison summaries), the filter, the order (worst
//! first), and the gallery's part of `state()`. `gallery.rs` fetches, opens and analyses
//! the cases.

use serde_json::{json, Value};
use wasm_bindgen::prelude::*;
use web_sys::{HtmlButtonElement, HtmlCanvasElement, HtmlElement, HtmlSelectElement};

use crate::analysis::rle::Runs;
use crate::analysis::AnalysisResult;
use crate::dataset::Manifest;
use crate::model::card::LABELS;
use crate::ui::core::case::OpenCase;
use crate::ui::core::cases::Cases;
use crate::ui::core::gallery;
use crate::ui::view::dom;

/// Side of a preview in pixels.
pub(crate) const THUMB_SIDE: u32 = 96;
/// Short label names for the chips, in `LABELS` order.
pub(crate) const SHORT: [&str; 6] = ["ICH", "EDH", "IPH", "IVH", "SAH", "SDH"];

pub use crate::ui::core::gallery::Summary;

/// An analysed case's result, kept to show again when the case is reopened (the mask as runs:
/// kilobytes, not the volume's megabytes).
pub struct Kept {
    pub(crate) result: AnalysisResult,
    pub(crate) mask: Runs,
    pub(crate) analysed_at_ms: f64,
    /// The models and settings it was made with; a change of model makes it stale.
    pub(crate) models: String,
}

/// One case in the gallery.
pub struct Entry {
    pub thumbnail: bool,
    pub summary: Option<Summary>,
    pub(crate) kept: Option<Kept>,
    pub visible: bool,
    pub(crate) li: HtmlElement,
    pub(crate) button: HtmlElement,
    pub(crate) canvas: HtmlCanvasElement,
    pub(crate) result: HtmlElement,
}

/// The gallery's page elements.
#[derive(Clone)]
pub(crate) struct Elements {
    pub(crate) section: HtmlElement,
    pub(crate) title: HtmlElement,
    pub(crate) filter: HtmlSelectElement,
    pub(crate) progress: HtmlElement,
    pub(crate) status: HtmlElement,
    pub(crate) list: HtmlElement,
    pub(crate) analyse_all: HtmlButtonElement,
    pub(crate) cancel_all: HtmlButtonElement,
}

/// The open dataset.
pub struct Gallery {
    pub manifest: Manifest,
    /// The manifest's absolute URL (case URLs are resolved against it).
    pub url: String,
    pub entries: Vec<Entry>,
    /// Display order (indices into `entries`).
    pub order: Vec<usize>,
    pub filter: String,
    /// Where each case is, the case being opened and the one shown, "Analyse all".
    pub cases: Cases,
    pub thumbs_done: usize,
    pub(crate) el: Elements,
}

pub(crate) fn elements() -> Result<Elements, JsValue> {
    Ok(Elements {
        section: dom::by_id("gallery")?,
        title: dom::by_id("gallery-title")?,
        filter: dom::by_id("gallery-filter")?,
        progress: dom::by_id("gallery-progress")?,
        status: dom::by_id("gallery-status")?,
        list: dom::by_id("gallery-list")?,
        analyse_all: dom::by_id("analyse-all")?,
        cancel_all: dom::by_id("cancel-all")?,
    })
}

impl Gallery {
    pub(crate) fn matches(&self, idx: usize) -> bool {
        gallery::matches(
            &self.filter,
            &self.manifest.cases[idx],
            self.entries[idx].summary.as_ref(),
        )
    }

    /// Order (analysed cases by wrongness, worst first; then the rest in manifest order),
    /// filter, progress, badges and buttons.
    pub fn refresh(&mut self) {
        let summaries: Vec<Option<&Summary>> =
            self.entries.iter().map(|e| e.summary.as_ref()).collect();
        let order = gallery::display_order(&summaries);
        if order != self.order {
            for &i in &order {
                let _ = self.el.list.append_child(&self.entries[i].li);
            }
            self.order = order;
        }
        for i in 0..self.entries.len() {
            let visible = self.matches(i);
            let current = self.cases.current() == Some(i);
            let (status, error) = (self.cases.status(i), self.cases.error(i));
            let e = &mut self.entries[i];
            e.visible = visible;
            e.li.set_hidden(!visible);
            let _ = if current {
                e.button.set_attribute("aria-current", "true")
            } else {
                e.button.remove_attribute("aria-current")
            };
            let (text, class) = gallery::result_line(status, e.summary.as_ref(), error);
            dom::set_text(&e.result, &text);
            if e.result.class_name() != class {
                e.result.set_class_name(class);
            }
        }
        let n = self.entries.len();
        let shown = self.entries.iter().filter(|e| e.visible).count();
        let (fraction, text) = match self.cases.walk() {
            Some(w) => {
                let name = self
                    .cases
                    .current()
                    .or(self.cases.pending())
                    .map(|i| self.manifest.cases[i].id.as_str())
                    .unwrap_or("");
                (
                    Some(w.done as f64 / w.total.max(1) as f64),
                    format!(
                        "Analysing case {} of {} ({name})…",
                        (w.done + 1).min(w.total),
                        w.total
                    ),
                )
            }
            None if self.thumbs_done < n => (
                Some(self.thumbs_done as f64 / n.max(1) as f64),
                format!(
                    "{n} cases ({shown} shown); previews {} / {n}…",
                    self.thumbs_done
                ),
            ),
            None => {
                let analysed = self.entries.iter().filter(|e| e.summary.is_some()).count();
                (None, format!("{n} cases ({shown} shown), {analysed} analysed; cases the model gets wrong are listed first."))
            }
        };
        match fraction {
            Some(f) => {
                let _ = self
                    .el
                    .progress
                    .set_attribute("value", &format!("{:.3}", f.clamp(0.0, 1.0)));
                self.el.progress.set_hidden(false);
            }
            None => self.el.progress.set_hidden(true),
        }
        dom::set_text(&self.el.status, &text);
        self.el
            .analyse_all
            .set_disabled(self.cases.walk().is_some() || shown == 0);
        self.el.cancel_all.set_hidden(self.cases.walk().is_none());
    }

    /// `state().dataset` (README, "Automation contract").
    pub fn snapshot(&self, open: Option<&OpenCase>) -> Value {
        let cases: Vec<Value> = self
            .order
            .iter()
            .map(|&i| {
                let c = &self.manifest.cases[i];
                let e = &self.entries[i];
                let mut v = json!({
                    "id": c.id,
                    "labels": c.positive_labels(),
                    "case_labels": c.known_labels().iter().zip(LABELS).map(|(v, l)| (l.to_string(), json!(v))).collect::<serde_json::Map<_, _>>(),
                    "has_label_map": c.label.is_some(),
                    "status": self.cases.status(i).name(),
                    "visible": e.visible,
                    "thumbnail": e.thumbnail,
                });
                if let Some(s) = &e.summary {
                    v["dice"] = s.dice.clone();
                    v["dice_any"] = json!(s.dice_any);
                    v["slice_agreement"] = json!(s.slice_agreement);
                    v["correct"] = json!(s.correct);
                    v["wrong_labels"] = json!(s.wrong_labels);
                    v["wrongness"] = json!(s.wrongness);
                }
                if let Some(err) = self.cases.error(i) {
                    v["error"] = json!(err);
                }
                v
            })
            .collect();
        let mut v = json!({
            "name": self.manifest.name,
            "url": self.url,
            "filter": self.filter,
            "cases": cases,
            "walking": self.cases.walk().is_some(),
            "thumbnails": self.thumbs_done,
        });
        if let Some(i) = self.cases.current() {
            v["current"] = json!(self.manifest.cases[i].id);
        }
        if let Some(c) = open {
            if let Some(e) = &c.truth_error {
                v["truth_error"] = json!(e);
            }
        }
        v
    }
}

