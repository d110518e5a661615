//! The dataset gallery (`index.html?manifest=<url>`): the manifest is fetched from the app's
//! own origin and checked, each case gets a preview (its middle slice in the brain window,
//! rendered in a second decode worker, one case at a time) with its labels as chips, a filter
//! by label, and a button that opens the case in the viewer with its ground truth. Once cases
//! are analysed, the ones the model gets most wrong are listed first. "Analyse all" walks the
//! shown cases one after another (Cancel stops it).

use std::cell::RefCell;
use std::collections::VecDeque;

use js_sys::{Array, ArrayBuffer, Uint8Array};
use wasm_bindgen::prelude::*;
use wasm_bindgen::{Clamped, JsCast};
use wasm_bindgen_futures::{spawn_local, JsFuture};
use web_sys::{
    CanvasRenderingContext2d, Event, HtmlCanvasElement, HtmlElement, ImageData, MessageEvent,
    MouseEvent, RequestCache, RequestInit, Response, Url, UrlSearchParams, Worker,
};

use crate::analysis::rle::Runs;
use crate::dataset::comparison::label_map_on_grid;
use crate::dataset::url::check_same_origin;
use crate::dataset::{Manifest, Truth};
use crate::model::card::LABELS;
use crate::ui::core::cases::{Cases, Opened, Outcome};
use crate::ui::view::comparison::ComparisonElements;
use crate::ui::core::case::GtMode;
use crate::ui::view::dom::listen;
use crate::ui::view::gallery::{
    elements, Elements, Entry, Gallery, Kept, Summary, SHORT, THUMB_SIDE,
};
use crate::ui::app::state::{OpenCase, Status};
use crate::ui::web::msg::{send, Msg};
use crate::ui::view::dom;
use crate::ui::workers::decode_protocol as protocol;
use crate::ui::app::state::AppRef;
use crate::Volume;

struct Thumbs {
    worker: Option<Worker>,
    ready: bool,
    queue: VecDeque<usize>,
    busy: Option<usize>,
    id: u32,
}

thread_local! {
    static THUMBS: RefCell<Thumbs> = const {
        RefCell::new(Thumbs { worker: None, ready: false, queue: VecDeque::new(), busy: None, id: 0 })
    };
}

/// Find the ground-truth panel of a dataset case and wire its toggle.
pub fn install_comparison(app: &AppRef) -> Result<ComparisonElements, JsValue> {
    let el = ComparisonElements::find()?;
    let toggle = el.toggle.clone();
    let app = app.clone();
    listen::<Event>(&el.toggle.clone().into(), "change", true, move |_| {
        send(&app, Msg::GroundTruthMode(GtMode::parse(&toggle.value())))
    })?;
    Ok(el)
}

/// Open the dataset named by `?manifest=` (if any).
pub fn install(app: AppRef) -> Result<(), JsValue> {
    let window = dom::window()?;
    let location = window.location();
    let params = UrlSearchParams::new_with_str(&location.search()?)?;
    let Some(raw) = params.get("manifest") else {
        return Ok(());
    };
    let el = elements()?;
    el.section.set_hidden(false);
    let origin = location.origin()?;
    let resolved = check_same_origin(&raw, &origin, "the manifest URL")
        .map_err(|e| e.to_string())
        .and_then(|_| {
            Url::new_with_base(&raw, &location.href().unwrap_or_default())
                .map_err(|e| format!("the manifest URL {raw:?} is not valid: {}", dom::js_error_text(&e)))
        })
        .and_then(|u| {
            if u.origin() == origin {
                Ok(u.href())
            } else {
                Err(format!(
                    "the manifest URL points to another site ({}); the app only opens files from its own origin",
                    u.origin()
                ))
            }
        });
    let url = match resolved {
        Ok(u) => u,
        Err(e) => {
            fail_manifest(&app, &el, &e);
            return Ok(());
        }
    };
    dom::set_text(&el.status, "Loading the dataset manifest…");
    spawn_local(async move {
        let text = match fetch_bytes(&url).await {
            Ok(b) => String::from_utf8(Uint8Array::new(&b).to_vec())
                .map_err(|_| "the manifest is not UTF-8 text".to_string()),
            Err(e) => Err(e),
        };
        let manifest = text.and_then(|t| Manifest::from_json(&t).map_err(|e| e.to_string()));
        let checked = manifest.and_then(|m| check_urls(&m, &origin).map(|_| m));
        match checked.and_then(|m| build(&app, &el, m, url).map_err(|e| dom::js_error_text(&e))) {
            Ok(()) => start_thumbnails(&app),
            Err(e) => fail_manifest(&app, &el, &format!("The dataset could not be opened: {e}")),
        }
    });
    Ok(())
}

fn fail_manifest(app: &AppRef, el: &Elements, message: &str) {
    dom::set_text(&el.status, message);
    app.borrow_mut().set_error(message);
}

/// Every URL of the manifest stays on this origin (privacy), with a message naming the case.
fn check_urls(m: &Manifest, origin: &str) -> Result<(), String> {
    for c in &m.cases {
        for u in c.image.urls() {
            check_same_origin(u, origin, &format!("case {:?} image", c.id))
                .map_err(|e| e.to_string())?;
        }
        if let Some(u) = &c.label {
            check_same_origin(u, origin, &format!("case {:?} label", c.id))
                .map_err(|e| e.to_string())?;
        }
    }
    Ok(())
}

/// A case URL resolved against the manifest, refused if it leaves the origin.
fn resolve(manifest_url: &str, url: &str) -> Result<String, String> {
    let u = Url::new_with_base(url, manifest_url)
        .map_err(|e| format!("{url:?} is not a valid URL: {}", dom::js_error_text(&e)))?;
    let origin = dom::window()
        .and_then(|w| w.location().origin())
        .map_err(|e| dom::js_error_text(&e))?;
    if u.origin() != origin {
        return Err(format!(
            "{url:?} points to another site; the app only opens files from its own origin"
        ));
    }
    Ok(u.href())
}

/// Fetch a same-origin file (not kept by the service worker's cache).
async fn fetch_bytes(url: &str) -> Result<ArrayBuffer, String> {
    let window = dom::window().map_err(|e| dom::js_error_text(&e))?;
    let init = RequestInit::new();
    init.set_cache(RequestCache::NoStore);
    let response = JsFuture::from(window.fetch_with_str_and_init(url, &init))
        .await
        .map_err(|e| format!("{url} could not be fetched: {}", dom::js_error_text(&e)))?;
    let response: Response = response
        .dyn_into()
        .map_err(|_| format!("{url}: no response"))?;
    if !response.ok() {
        return Err(format!(
            "{url}: HTTP {} {}",
            response.status(),
            response.status_text()
        ));
    }
    let buffer = response
        .array_buffer()
        .map_err(|e| dom::js_error_text(&e))?;
    JsFuture::from(buffer)
        .await
        .map_err(|e| format!("{url} could not be read: {}", dom::js_error_text(&e)))?
        .dyn_into()
        .map_err(|_| format!("{url}: no bytes"))
}

/// The last path segment of a URL, percent-decoded (the decoder sniffs formats from bytes;
/// the name is for messages and `.gz`).
fn file_name(url: &str) -> String {
    let path = url.split(['?', '#']).next().unwrap_or(url);
    let last = path.rsplit('/').next().unwrap_or(path);
    crate::dataset::url::percent_decode(last).unwrap_or_else(|| last.to_string())
}

/// Fetch every image file of case `idx`: (name, bytes) pairs.
async fn fetch_image(
    manifest_url: &str,
    urls: &[String],
) -> Result<Vec<(String, ArrayBuffer)>, String> {
    let mut out = Vec::with_capacity(urls.len());
    for u in urls {
        let abs = resolve(manifest_url, u)?;
        out.push((file_name(u), fetch_bytes(&abs).await?));
    }
    Ok(out)
}

fn build(app: &AppRef, el: &Elements, manifest: Manifest, url: String) -> Result<(), JsValue> {
    let doc = dom::document()?;
    dom::set_text(&el.title, &format!("Dataset: {}", manifest.name));
    el.list.set_inner_html("");
    let mut entries = Vec::with_capacity(manifest.cases.len());
    for (idx, case) in manifest.cases.iter().enumerate() {
        let li: HtmlElement = doc.create_element("li")?.dyn_into()?;
        li.set_class_name("gallery-item");
        let button: HtmlElement = doc.create_element("button")?.dyn_into()?;
        button.set_attribute("type", "button")?;
        button.set_class_name("gallery-case");
        button.set_attribute("data-testid", "gallery-case")?;
        button.set_attribute("data-case-id", &case.id)?;
        let labels = case.positive_labels();
        let label_text = if labels.is_empty() {
            match case.known_labels()[0] {
                Some(false) => "no haemorrhage".to_string(),
                _ => "labels unknown".to_string(),
            }
        } else {
            labels.join(", ")
        };
        button.set_attribute(
            "aria-label",
            &format!("Open case {} ({label_text})", case.id),
        )?;
        let canvas: HtmlCanvasElement = doc.create_element("canvas")?.dyn_into()?;
        canvas.set_width(THUMB_SIDE);
        canvas.set_height(THUMB_SIDE);
        canvas.set_attribute("aria-hidden", "true")?;
        canvas.set_class_name("thumb");
        button.append_child(&canvas)?;
        let name: HtmlElement = doc.create_element("span")?.dyn_into()?;
        name.set_class_name("case-id");
        name.set_text_content(Some(&case.id));
        button.append_child(&name)?;
        let chips: HtmlElement = doc.create_element("span")?.dyn_into()?;
        chips.set_class_name("chips");
        let known = case.known_labels();
        let mut html = String::new();
        for (n, l) in LABELS.iter().enumerate() {
            if known[n] == Some(true) {
                html.push_str(&format!(
                    "<span class=\"chip chip-{n}\" data-label=\"{l}\">{}</span>",
                    SHORT[n]
                ));
            }
        }
        if known[0] == Some(false) {
            html.push_str("<span class=\"chip chip-none\">none</span>");
        }
        if case.label.is_some() {
            html.push_str(
                "<span class=\"chip chip-mask\" title=\"has a ground-truth label map\">mask</span>",
            );
        }
        chips.set_inner_html(&html);
        button.append_child(&chips)?;
        let result: HtmlElement = doc.create_element("span")?.dyn_into()?;
        result.set_class_name("case-result");
        result.set_text_content(Some("not analysed"));
        button.append_child(&result)?;
        li.append_child(&button)?;
        el.list.append_child(&li)?;
        {
            let app = app.clone();
            listen::<MouseEvent>(&button.clone().into(), "click", true, move |_| {
                open_case(&app, idx, false)
            })?;
        }
        entries.push(Entry {
            thumbnail: false,
            summary: None,
            kept: None,
            visible: true,
            li,
            button,
            canvas,
            result,
        });
    }
    {
        let app = app.clone();
        let filter = el.filter.clone();
        listen::<Event>(&el.filter.clone().into(), "change", true, move |_| {
            let mut a = app.borrow_mut();
            if let Some(g) = a.gallery.as_mut() {
                g.filter = filter.value();
                g.refresh();
            }
        })?;
    }
    {
        let app = app.clone();
        listen::<MouseEvent>(&el.analyse_all.clone().into(), "click", true, move |_| {
            analyse_all(&app)
        })?;
    }
    {
        let app = app.clone();
        listen::<MouseEvent>(&el.cancel_all.clone().into(), "click", true, move |_| {
            cancel_all(&app)
        })?;
    }
    let n = entries.len();
    let mut g = Gallery {
        manifest,
        url,
        entries,
        order: (0..n).collect(),
        filter: el.filter.value(),
        cases: Cases::new(n),
        thumbs_done: 0,
        el: el.clone(),
    };
    g.refresh();
    let mut a = app.borrow_mut();
    a.gallery = Some(g);
    a.changed();
    Ok(())
}

/// Fetch case `idx` and open it in the viewer (with its ground truth); analyse it when it
/// arrives if `analyse` (or the "analyse automatically" box) says so.
pub fn open_case(app: &AppRef, idx: usize, analyse: bool) {
    let (urls, label, manifest_url, id) = {
        let mut a = app.borrow_mut();
        let Some(g) = a.gallery.as_mut() else { return };
        let Some(case) = g.manifest.cases.get(idx) else {
            return;
        };
        let urls: Vec<String> = case.image.urls().iter().map(|s| s.to_string()).collect();
        let out = (urls, case.label.clone(), g.url.clone(), case.id.clone());
        g.cases.opening(idx, analyse);
        g.refresh();
        a.set_loading(&format!("Fetching case {}…", out.3));
        out
    };
    let app = app.clone();
    spawn_local(async move {
        let fetched = async {
            let files = fetch_image(&manifest_url, &urls).await?;
            let truth = match &label {
                Some(u) => {
                    let abs = resolve(&manifest_url, u)?;
                    Some((file_name(u), fetch_bytes(&abs).await?))
                }
                None => None,
            };
            Ok::<_, String>((files, truth))
        }
        .await;
        let still = app
            .borrow()
            .gallery
            .as_ref()
            .is_some_and(|g| g.cases.still_wanted(idx));
        if !still {
            return;
        }
        match fetched {
            Ok((files, truth)) => send(
                &app,
                Msg::OpenCaseFiles {
                    files,
                    truth,
                    what: format!("case {id}"),
                },
            ),
            Err(e) => {
                app.borrow_mut()
                    .set_error(&format!("Case {id} could not be fetched: {e}"));
                load_failed(&app);
            }
        }
    });
}

/// The viewer decoded a volume. For a dataset case: install its ground truth (checked against
/// the image's grid), then show its earlier results when it was analysed with the same models,
/// or say whether to analyse it now.
pub fn volume_loaded(app: &AppRef, truth: Option<Result<Volume, String>>) -> Opened {
    let mut a = app.borrow_mut();
    let volume = a.session.loaded.as_ref().map(|l| l.volume.clone());
    let voxels = volume.as_ref().map_or(0, |v| v.voxels.len());
    let models = models_key(&a.session.analysis_info);
    let Some(g) = a.gallery.as_mut() else {
        return Opened::Show;
    };
    let Some((idx, analyse)) = g.cases.arrived() else {
        g.refresh();
        return Opened::Show;
    };
    let case = g.manifest.cases[idx].clone();
    g.refresh();
    let (label_map, truth_error) = match (truth, volume) {
        (Some(Ok(t)), Some(v)) => match label_map_on_grid(&v, &t) {
            Ok(m) => (Some(m), None),
            Err(e) => (None, Some(e.to_string())),
        },
        (Some(Err(e)), _) => (None, Some(e)),
        _ => (None, None),
    };
    a.session.case = Some(OpenCase {
        id: case.id.clone(),
        truth: Truth::from_case(&case, label_map),
        truth_error,
        comparison: None,
    });
    a.overlay_changed();
    // Reopened after an analysis with the same models: its results again, at once.
    let Some(g) = a.gallery.as_mut() else {
        return Opened::Show;
    };
    let kept = g.entries[idx]
        .kept
        .as_ref()
        .filter(|k| k.models == models && k.mask.len() == voxels);
    let opened = g.cases.decide(idx, analyse, kept.is_some());
    let restored = match (opened, kept) {
        (Opened::Restored, Some(k)) => Some((k.result.clone(), k.mask.decode(), k.analysed_at_ms)),
        _ => None,
    };
    g.refresh();
    if let Some((result, mask, at)) = restored {
        a.set_analysis(result, mask, at);
        a.session.viewer.message = "The results of this case's earlier analysis (same models) are shown; \
                     Analyze runs it again."
            .to_string();
        a.changed();
        if let Some(g) = a.gallery.as_mut() {
            g.refresh();
        }
    }
    opened
}

/// The models and settings an analysis depends on, as a key.
fn models_key(info: &crate::ui::core::analysis_info::AnalysisInfo) -> String {
    format!(
        "{}|{}",
        serde_json::to_string(&info.models).unwrap_or_default(),
        info.cascade
    )
}

/// The analysis of the open case finished: keep its comparison, re-sort, go on walking.
pub fn analysis_finished(app: &AppRef) {
    let next = {
        let mut a = app.borrow_mut();
        let outcome = a.session.case.as_ref().and_then(|c| c.comparison.clone());
        let kept = a.session.analysis.as_ref().map(|an| Kept {
            result: an.result.clone(),
            mask: Runs::encode(&an.mask),
            analysed_at_ms: an.analysed_at_ms,
            models: models_key(&a.session.analysis_info),
        });
        let Some(g) = a.gallery.as_mut() else { return };
        let Some(idx) = g.cases.current() else { return };
        let e = &mut g.entries[idx];
        e.kept = kept;
        let outcome = match outcome {
            Some(Ok(c)) => {
                e.summary = Some(Summary::of(&c));
                Outcome::Result
            }
            Some(Err(err)) => Outcome::Incomparable(err),
            None => Outcome::Result,
        };
        let next = g.cases.analysis_ended(outcome);
        g.refresh();
        next
    };
    if let Some(n) = next {
        open_case(app, n, true);
    }
}

/// The analysis stopped without a result: cancelled (ends a walk) or failed (the walk goes on).
pub fn analysis_stopped(app: &AppRef, cancelled: bool) {
    let next = {
        let mut a = app.borrow_mut();
        let message = a.session.viewer.error.clone();
        let Some(g) = a.gallery.as_mut() else { return };
        let next = g.cases.analysis_ended(if cancelled {
            Outcome::Cancelled
        } else {
            Outcome::Failed(message)
        });
        g.refresh();
        next
    };
    if let Some(n) = next {
        open_case(app, n, true);
    }
}

/// Fetching or decoding a case failed (the message is already shown).
pub fn load_failed(app: &AppRef) {
    let next = {
        let mut a = app.borrow_mut();
        let message = a.session.viewer.error.clone();
        let Some(g) = a.gallery.as_mut() else { return };
        let next = g.cases.load_failed(message);
        g.refresh();
        next
    };
    if let Some(n) = next {
        open_case(app, n, true);
    }
}

/// Analyse every shown case in display order.
fn analyse_all(app: &AppRef) {
    let first = {
        let mut a = app.borrow_mut();
        if a.session.viewer.status == Status::Analyzing || a.session.viewer.status == Status::Loading {
            return;
        }
        let Some(g) = a.gallery.as_mut() else { return };
        let shown: Vec<usize> = g
            .order
            .iter()
            .copied()
            .filter(|&i| g.entries[i].visible)
            .collect();
        let Some(first) = g.cases.analyse_all(&shown) else {
            return;
        };
        g.refresh();
        first
    };
    open_case(app, first, true);
}

/// Stop "Analyse all" and the analysis in progress.
fn cancel_all(app: &AppRef) {
    {
        let mut a = app.borrow_mut();
        let Some(g) = a.gallery.as_mut() else { return };
        g.cases.cancel_all();
        g.refresh();
        if a.session.viewer.status == Status::Loading {
            a.set_idle("Stopped.");
            a.session.viewer.progress = None;
            a.changed();
        }
    }
    send(app, Msg::CancelAnalysis);
}

// ---- previews -------------------------------------------------------------------------

/// Start the preview worker (a second decode worker, so previews never delay the viewer).
fn start_thumbnails(app: &AppRef) {
    let n = app.borrow().gallery.as_ref().map_or(0, |g| g.entries.len());
    let worker = match Worker::new(protocol::DECODE_WORKER_URL) {
        Ok(w) => w,
        Err(e) => {
            web_sys::console::warn_1(&e);
            return;
        }
    };
    let on_message = {
        let app = app.clone();
        Closure::<dyn FnMut(MessageEvent)>::new(move |e: MessageEvent| {
            on_thumb_message(&app, e.data())
        })
    };
    worker.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
    on_message.forget();
    THUMBS.with(|t| {
        let mut t = t.borrow_mut();
        t.worker = Some(worker);
        t.queue = (0..n).collect();
    });
}

fn on_thumb_message(app: &AppRef, data: JsValue) {
    match protocol::get_str(&data, "type").as_str() {
        "ready" => THUMBS.with(|t| t.borrow_mut().ready = true),
        "thumb" | "error" => {
            let idx = THUMBS.with(|t| t.borrow_mut().busy.take());
            if let Some(idx) = idx {
                let drawn = if protocol::get_str(&data, "type") == "thumb" {
                    draw_thumb(app, idx, &data).map_err(|e| dom::js_error_text(&e))
                } else {
                    Err(protocol::get_str(&data, "message"))
                };
                let mut a = app.borrow_mut();
                if let Some(g) = a.gallery.as_mut() {
                    g.thumbs_done += 1;
                    if let Err(e) = drawn {
                        g.entries[idx]
                            .canvas
                            .set_attribute("title", &format!("No preview: {e}"))
                            .ok();
                        g.entries[idx]
                            .button
                            .set_attribute("data-preview-error", &dom::escape_html(&e))
                            .ok();
                    }
                    g.refresh();
                }
            }
        }
        _ => return,
    }
    pump(app);
}

fn draw_thumb(app: &AppRef, idx: usize, data: &JsValue) -> Result<(), JsValue> {
    let w = protocol::get_f64(data, "width") as u32;
    let h = protocol::get_f64(data, "height") as u32;
    let rgba: Uint8Array = protocol::get(data, "rgba").dyn_into()?;
    let pixels = rgba.to_vec();
    let mut a = app.borrow_mut();
    let Some(g) = a.gallery.as_mut() else {
        return Ok(());
    };
    let e = &mut g.entries[idx];
    e.canvas.set_width(w.max(1));
    e.canvas.set_height(h.max(1));
    let ctx: CanvasRenderingContext2d = e
        .canvas
        .get_context("2d")?
        .ok_or_else(|| JsValue::from_str("no 2D canvas"))?
        .dyn_into()?;
    let image = ImageData::new_with_u8_clamped_array_and_sh(Clamped(&pixels), w.max(1), h.max(1))?;
    ctx.put_image_data(&image, 0.0, 0.0)?;
    e.thumbnail = true;
    Ok(())
}

/// Send the next preview request when the worker is free.
fn pump(app: &AppRef) {
    let next = THUMBS.with(|t| {
        let mut t = t.borrow_mut();
        if !t.ready || t.busy.is_some() {
            return None;
        }
        let idx = t.queue.pop_front()?;
        t.busy = Some(idx);
        t.id = t.id.wrapping_add(1);
        Some((idx, t.id))
    });
    let Some((idx, id)) = next else { return };
    let Some((manifest_url, urls)) = app.borrow().gallery.as_ref().map(|g| {
        (
            g.url.clone(),
            g.manifest.cases[idx]
                .image
                .urls()
                .iter()
                .map(|s| s.to_string())
                .collect::<Vec<_>>(),
        )
    }) else {
        return;
    };
    let app = app.clone();
    spawn_local(async move {
        let sent = async {
            let files = fetch_image(&manifest_url, &urls).await?;
            let list = Array::new();
            let transfer = Array::new();
            for (name, bytes) in files {
                let entry =
                    protocol::object(&[("name", name.into()), ("bytes", bytes.clone().into())])
                        .map_err(|e| dom::js_error_text(&e))?;
                list.push(&entry);
                transfer.push(&bytes);
            }
            let msg = protocol::object(&[
                ("type", "thumb".into()),
                ("id", id.into()),
                ("files", list.into()),
                ("size", THUMB_SIDE.into()),
            ])
            .map_err(|e| dom::js_error_text(&e))?;
            let worker = THUMBS
                .with(|t| t.borrow().worker.clone())
                .ok_or("no preview worker")?;
            worker
                .post_message_with_transfer(&msg, &transfer)
                .map_err(|e| dom::js_error_text(&e))
        }
        .await;
        if let Err(e) = sent {
            let msg = protocol::object(&[("type", "error".into()), ("message", e.into())]);
            if let Ok(m) = msg {
                on_thumb_message(&app, m.into());
            }
        }
    });
}
