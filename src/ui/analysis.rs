//! The page's side of the analysis: a pool of analysis workers (one tract plan pair each),
//! slices dispatched to free workers with their voxels transferred, progress with time left,
//! Cancel (the workers are terminated and started again), and the result assembled with the
//! same function as the native CLI.
//!
//! Start-up: one worker starts as soon as a scan is being opened and fills the model cache; the
//! others start when the model files are cached (while the first one still optimises and
//! self-tests its plan), so the models are downloaded once.

use std::cell::RefCell;
use std::collections::{BTreeMap, VecDeque};
use std::rc::Rc;

use js_sys::{Int16Array, Reflect, Uint8Array};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{ErrorEvent, MessageEvent, Worker};

use crate::analysis::assemble::{assemble, model_versions};
use crate::analysis::cascade::{self, Cascade};
use crate::analysis::status::{contributing, label_status};
use crate::model::card::{AnalysisCard, ModelCard};
use crate::model::{shipped, ModelRole};
use crate::ui::analysis_protocol::{FromWorker, SliceMode, ToWorker};
use crate::ui::state::{ModelCheck, Status};
use crate::ui::{dom, AppRef};
use crate::Volume;

/// Script that starts an analysis worker built with wasm SIMD (written by trunk).
const WORKER_SIMD_URL: &str = "./analysis_worker_loader.js";
/// What the page says where wasm SIMD is missing. There is no build without SIMD: tract-core
/// depends on rustfft with its default features, whose `wasm_simd` feature compiles SIMD
/// functions into the module whatever the target features, so a no-SIMD browser could not
/// load it anyway.
const NO_SIMD_MESSAGE: &str = "Analysis needs WebAssembly SIMD, which this browser does not \
     support (Chrome or Edge 91+, Firefox 89+, Safari 16.4+). Viewing and measuring work without it.";
/// Most workers started, whatever the machine reports (each holds both models).
const MAX_WORKERS: usize = 4;

/// A minimal module using one v128 instruction: `WebAssembly.validate` accepts it only where
/// wasm SIMD is supported (same bytes as web/boot.js's diagnostics check).
const SIMD_PROBE: [u8; 31] = [
    0, 97, 115, 109, 1, 0, 0, 0, 1, 5, 1, 96, 0, 1, 123, 3, 2, 1, 0, 10, 10, 1, 8, 0, 65, 0, 253,
    15, 253, 98, 11,
];

/// Whether this browser runs wasm SIMD.
pub fn simd_supported() -> bool {
    js_sys::WebAssembly::validate(&Uint8Array::from(&SIMD_PROBE[..]).into()).unwrap_or(false)
}

/// `?simd=0` in the page's URL behaves as a browser without wasm SIMD (to test that path).
fn simd_forced_off() -> bool {
    let search = dom::window()
        .ok()
        .and_then(|w| Reflect::get(&w, &"location".into()).ok())
        .and_then(|l| Reflect::get(&l, &"search".into()).ok())
        .and_then(|s| s.as_string())
        .unwrap_or_default();
    search
        .trim_start_matches('?')
        .split('&')
        .any(|p| p == "simd=0")
}

/// The engine's name as the page shows it.
pub fn engine_name(simd: bool) -> &'static str {
    if simd {
        "wasm SIMD"
    } else {
        "unavailable (no wasm SIMD)"
    }
}

/// A user's model in use for this session (sent to every worker when it starts).
#[derive(Clone)]
struct UserModel {
    role: ModelRole,
    card_text: String,
    onnx: Rc<Vec<u8>>,
}

struct Slot {
    worker: Worker,
    ready: bool,
    /// The slice it is working on.
    busy: Option<usize>,
    /// It is checking a user's model.
    checking: bool,
}

struct Job {
    id: u32,
    volume: Rc<Volume>,
    queue: VecDeque<usize>,
    scores: Vec<Option<[f32; 6]>>,
    mask: Vec<u8>,
    done: usize,
    started_ms: f64,
    /// Summed worker times: preprocess, classifier, segmenter, postprocess.
    ms: [f64; 4],
    /// The cascade's settings, when it is on; its first pass fills `classified`.
    cascade: Option<Cascade>,
    /// The queue holds classifier-only requests (the cascade's first pass).
    classifying: bool,
    classified: Vec<Option<[f32; 6]>>,
    classified_done: usize,
    /// Slices the segmenter ran on.
    segmented: usize,
}

#[derive(Default)]
struct Pool {
    size: usize,
    slots: Vec<Slot>,
    /// Why the models cannot be used (failed download, checksum or self-test).
    fatal: Option<String>,
    job: Option<Job>,
    next_id: u32,
    /// Start-up of the first worker (fetch, check, optimise, self-test), in ms.
    load_ms: Option<f64>,
    /// Users' models in use, by role (classifier, segmenter).
    user: [Option<UserModel>; 2],
    /// A user's model waiting to be checked by the first free worker.
    pending_check: Option<UserModel>,
}

fn role_index(role: ModelRole) -> usize {
    match role {
        ModelRole::Classifier => 0,
        ModelRole::Segmenter => 1,
    }
}

thread_local! {
    static POOL: RefCell<Pool> = RefCell::new(Pool::default());
}

/// Pool size from `navigator.hardwareConcurrency`, bounded to 1..=4.
fn pool_size() -> usize {
    let n = dom::window()
        .map(|w| w.navigator().hardware_concurrency())
        .unwrap_or(1.0);
    (n as usize).clamp(1, MAX_WORKERS)
}

/// Size the pool and start it as soon as the page has started, so that the models are
/// fetched, optimised and self-tested while the user chooses a scan (the first worker fills
/// the model cache; the others start from it).
pub fn install(app: &AppRef) {
    let simd = simd_supported() && !simd_forced_off();
    POOL.with(|p| p.borrow_mut().size = pool_size());
    app.borrow_mut().analysis_info.engine = engine_name(simd).to_string();
    if !simd {
        record_fatal(app, NO_SIMD_MESSAGE);
        return;
    }
    let later = {
        let app = app.clone();
        Closure::once_into_js(move || ensure_started(&app))
    };
    let scheduled = dom::window().and_then(|w| {
        w.set_timeout_with_callback_and_timeout_and_arguments_0(later.unchecked_ref(), 0)
    });
    if scheduled.is_err() {
        ensure_started(app);
    }
}

/// A scan is being opened: start loading the models now, while the files are read and
/// decoded, so that an analysis started on the loaded volume does not wait for them.
pub fn warm_up(app: &AppRef) {
    ensure_started(app);
}

/// Start the first worker if none runs (it loads and checks the models).
fn ensure_started(app: &AppRef) {
    let idle = POOL.with(|p| {
        let p = p.borrow();
        p.slots.is_empty() && p.fatal.is_none()
    });
    if idle {
        if let Err(e) = spawn(app) {
            record_fatal(
                app,
                &format!("The analysis could not start: {}", dom::js_error_text(&e)),
            );
        }
    }
}

fn spawn(app: &AppRef) -> Result<(), JsValue> {
    let index = POOL.with(|p| p.borrow().slots.len());
    let worker = Worker::new(WORKER_SIMD_URL)?;
    let on_message = {
        let app = app.clone();
        Closure::<dyn FnMut(MessageEvent)>::new(move |e: MessageEvent| {
            on_message(&app, index, e.data())
        })
    };
    worker.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
    on_message.forget();
    let on_error = {
        let app = app.clone();
        Closure::<dyn FnMut(ErrorEvent)>::new(move |e: ErrorEvent| {
            e.prevent_default();
            fail(
                &app,
                &format!(
                    "The analysis worker stopped unexpectedly ({}).",
                    e.message()
                ),
            );
        })
    };
    worker.set_onerror(Some(on_error.as_ref().unchecked_ref()));
    on_error.forget();
    POOL.with(|p| {
        p.borrow_mut().slots.push(Slot {
            worker,
            ready: false,
            busy: None,
            checking: false,
        })
    });
    Ok(())
}

/// Stop every worker (whatever it is doing) and start the pool again.
fn restart(app: &AppRef) {
    let old: Vec<Slot> = POOL.with(|p| {
        let mut p = p.borrow_mut();
        p.job = None;
        std::mem::take(&mut p.slots)
    });
    for s in old {
        s.worker.set_onmessage(None);
        s.worker.set_onerror(None);
        s.worker.terminate();
    }
    if let Err(e) = spawn(app) {
        record_fatal(
            app,
            &format!("The analysis could not start: {}", dom::js_error_text(&e)),
        );
    }
}

fn record_fatal(app: &AppRef, message: &str) {
    POOL.with(|p| p.borrow_mut().fatal = Some(message.to_string()));
    let mut a = app.borrow_mut();
    a.analysis_unavailable = Some(message.to_string());
    if a.status == Status::Analyzing {
        a.set_analysis_error(message);
    } else {
        a.refresh_analysis();
    }
}

/// A worker crashed: the running analysis fails with a message, and the pool restarts.
fn fail(app: &AppRef, message: &str) {
    let had_job = POOL.with(|p| p.borrow().job.is_some());
    restart(app);
    if had_job {
        app.borrow_mut().set_analysis_error(message);
        crate::ui::gallery::analysis_stopped(app, false);
    }
}

/// Analyse the loaded volume (the Analyze button, or automatically after loading).
pub fn start(app: &AppRef) {
    let volume = match app.borrow().loaded.as_ref() {
        // Not while only the early slice of a DICOM series is shown.
        Some(l) if l.partial.is_none() => l.volume.clone(),
        _ => return,
    };
    ensure_started(app);
    if let Some(fatal) = POOL.with(|p| p.borrow().fatal.clone()) {
        app.borrow_mut().set_analysis_error(&fatal);
        return;
    }
    let nz = volume.dims[2];
    let cascade = app.borrow().analysis_info.cascade.then(Cascade::default);
    let ready = POOL.with(|p| {
        let mut p = p.borrow_mut();
        p.next_id = p.next_id.wrapping_add(1);
        p.job = Some(Job {
            id: p.next_id,
            mask: vec![0; volume.voxels.len()],
            volume,
            queue: (0..nz).collect(),
            scores: vec![None; nz],
            done: 0,
            started_ms: dom::now_ms(),
            ms: [0.0; 4],
            cascade,
            classifying: cascade.is_some(),
            classified: vec![None; nz],
            classified_done: 0,
            segmented: 0,
        });
        p.slots.iter().any(|s| s.ready)
    });
    app.borrow_mut().set_analyzing(
        if ready {
            format!("Analysing… 0 / {nz} slices")
        } else {
            "Loading the models…".to_string()
        },
        0.0,
    );
    dispatch(app);
}

/// Stop the running analysis for real: terminate the workers and start fresh ones.
pub fn cancel(app: &AppRef) {
    if POOL.with(|p| p.borrow().job.is_none()) {
        return;
    }
    restart(app);
    app.borrow_mut().set_analysis_cancelled();
    crate::ui::gallery::analysis_stopped(app, true);
}

/// A new volume replaces the old one: a running analysis is stopped; the new one is analysed
/// when `auto` is set.
pub fn volume_changed(app: &AppRef, auto: bool) {
    if POOL.with(|p| p.borrow().job.is_some()) {
        restart(app);
    }
    ensure_started(app);
    if auto {
        start(app);
    }
}

/// Hand queued slices to free workers, transferring each slice's voxels.
fn dispatch(app: &AppRef) {
    let result = POOL.with(|p| -> Result<(), JsValue> {
        let mut p = p.borrow_mut();
        let Pool { slots, job, .. } = &mut *p;
        let Some(job) = job.as_mut() else {
            return Ok(());
        };
        let [nx, ny, _] = job.volume.dims;
        for slot in slots
            .iter_mut()
            .filter(|s| s.ready && s.busy.is_none() && !s.checking)
        {
            let Some(k) = job.queue.pop_front() else {
                break;
            };
            let hu = Int16Array::new_with_length((nx * ny) as u32);
            hu.copy_from(job.volume.slice(k));
            let request = ToWorker::Slice {
                job: job.id,
                k: k as u32,
                rows: ny as u32,
                cols: nx as u32,
                hu,
                mode: if job.classifying {
                    SliceMode::Classify
                } else {
                    SliceMode::Full
                },
                classified: job.classified[k],
            };
            let (msg, transfer) = request.to_js()?;
            slot.worker.post_message_with_transfer(&msg, &transfer)?;
            slot.busy = Some(k);
        }
        Ok(())
    });
    if let Err(e) = result {
        fail(
            app,
            &format!(
                "A slice could not be sent for analysis: {}",
                dom::js_error_text(&e)
            ),
        );
    }
}

fn on_message(app: &AppRef, index: usize, data: JsValue) {
    let msg = match FromWorker::from_js(&data) {
        Ok(m) => m,
        Err(e) => {
            web_sys::console::warn_1(&e.into());
            return;
        }
    };
    match msg {
        FromWorker::Cached => start_the_others(app),
        FromWorker::Ready {
            load_ms,
            downloaded_bytes,
            simd,
        } => on_ready(app, index, load_ms, downloaded_bytes, simd),
        FromWorker::Fatal { message } => restart_after_fatal(app, &message),
        FromWorker::Slice {
            job,
            k,
            mode,
            scores,
            labels,
            ms,
        } => on_slice(app, index, job, k as usize, mode, scores, &labels, ms),
        FromWorker::Error { job, k, message } => {
            let current = POOL.with(|p| p.borrow().job.as_ref().map(|j| j.id));
            if current == Some(job) {
                fail(
                    app,
                    &format!("Slice {} could not be analysed: {message}", k + 1),
                );
            }
        }
        FromWorker::Model {
            role,
            ok,
            name,
            version,
            warnings,
            message,
        } => on_model(app, index, role, ok, name, version, warnings, message),
    }
}

/// The first worker has the model files in the browser's cache: start the rest of the pool,
/// which read them from there while the first one still builds its plan.
fn start_the_others(app: &AppRef) {
    let missing = POOL.with(|p| {
        let p = p.borrow();
        if p.slots.len() == 1 {
            p.size - 1
        } else {
            0
        }
    });
    for _ in 0..missing {
        if let Err(e) = spawn(app) {
            web_sys::console::warn_1(&e);
            break;
        }
    }
}

/// The models failed to load or to pass their self-test: no worker can give results.
fn restart_after_fatal(app: &AppRef, message: &str) {
    let old: Vec<Slot> = POOL.with(|p| {
        let mut p = p.borrow_mut();
        p.job = None;
        std::mem::take(&mut p.slots)
    });
    for s in old {
        s.worker.terminate();
    }
    record_fatal(
        app,
        &format!("The analysis is unavailable: {message}. Reload the page to try again."),
    );
}

fn on_ready(app: &AppRef, index: usize, load_ms: f64, downloaded: f64, simd: bool) {
    let first = POOL.with(|p| {
        let mut p = p.borrow_mut();
        // A new worker gets the user's models before any slice (messages keep their order).
        let user: Vec<UserModel> = p.user.iter().flatten().cloned().collect();
        if let Some(s) = p.slots.get_mut(index) {
            s.ready = true;
            for u in user {
                let _ = post_model(&s.worker, &u);
            }
        }
        let first = p.load_ms.is_none();
        if first {
            p.load_ms = Some(load_ms);
        }
        first
    });
    // Already done on its "cached" message, unless that was lost: a no-op then.
    start_the_others(app);
    {
        let mut a = app.borrow_mut();
        a.analysis_info.engine = engine_name(simd).to_string();
        if first {
            a.models_note = Some(if downloaded > 0.0 {
                format!("downloaded {:.1} MB", downloaded / 1e6)
            } else {
                "from the browser cache".to_string()
            });
        }
        a.refresh_analysis();
    }
    let analyzing = POOL.with(|p| p.borrow().job.as_ref().map(|j| (j.done, j.scores.len())));
    if let Some((done, total)) = analyzing {
        if done == 0 {
            let mut a = app.borrow_mut();
            a.set_analyzing(format!("Analysing… 0 / {total} slices"), 0.0);
        }
    }
    send_pending_check();
    dispatch(app);
}

fn post_model(worker: &Worker, u: &UserModel) -> Result<(), JsValue> {
    let (msg, transfer) = ToWorker::Model {
        role: u.role,
        card: u.card_text.clone(),
        onnx: Uint8Array::from(u.onnx.as_slice()),
    }
    .to_js()?;
    worker.post_message_with_transfer(&msg, &transfer)
}

/// Hand a user's model waiting for its check to a free, ready worker.
fn send_pending_check() {
    POOL.with(|p| {
        let mut p = p.borrow_mut();
        let Pool {
            slots,
            pending_check,
            ..
        } = &mut *p;
        let Some(u) = pending_check.as_ref() else {
            return;
        };
        if slots.iter().any(|s| s.checking) {
            return;
        }
        if let Some(slot) = slots
            .iter_mut()
            .find(|s| s.ready && s.busy.is_none() && !s.checking)
        {
            if post_model(&slot.worker, u).is_ok() {
                slot.checking = true;
            }
        }
    });
}

/// Check a user's model (ONNX bytes and card JSON) in a worker; when it passes, every worker
/// uses it instead of the shipped model of that role, for this session.
pub fn check_user_model(app: &AppRef, role: ModelRole, card_text: String, onnx: Vec<u8>) {
    if POOL.with(|p| p.borrow().job.is_some()) {
        app.borrow_mut().set_model_check(ModelCheck::refused(
            "Wait for the analysis to finish (or cancel it) before changing models.",
        ));
        return;
    }
    POOL.with(|p| {
        p.borrow_mut().pending_check = Some(UserModel {
            role,
            card_text,
            onnx: Rc::new(onnx),
        })
    });
    ensure_started(app);
    send_pending_check();
}

#[allow(clippy::too_many_arguments)]
fn on_model(
    app: &AppRef,
    index: usize,
    role: ModelRole,
    ok: bool,
    name: String,
    version: String,
    warnings: Vec<String>,
    message: String,
) {
    let checked = POOL.with(|p| {
        let mut p = p.borrow_mut();
        let was_checking = p
            .slots
            .get_mut(index)
            .map(|s| std::mem::replace(&mut s.checking, false))
            .unwrap_or(false);
        if !was_checking {
            return None;
        }
        let u = p.pending_check.take()?;
        if ok {
            p.user[role_index(role)] = Some(u);
        }
        Some(())
    });
    match (checked, ok) {
        (Some(()), true) => {
            // Fresh workers get every user model before any slice.
            restart(app);
            let mut a = app.borrow_mut();
            a.analysis_info.set_model(role, &name, &version, true);
            let mut text = format!(
                "Using {name} {version} as the {} for this session (user model).",
                role.as_str()
            );
            for w in &warnings {
                text.push_str(&format!(" Warning: {w}."));
            }
            a.set_model_check(ModelCheck::ok(&text));
        }
        (Some(()), false) => {
            app.borrow_mut()
                .set_model_check(ModelCheck::refused(&format!(
                    "The {} was refused: {message}",
                    role.as_str()
                )));
            dispatch(app);
        }
        // Every worker re-checks the user's models when it starts; the first check passed,
        // so a failure here is unexpected: go back to the shipped models.
        (None, false) => {
            POOL.with(|p| p.borrow_mut().user = [None, None]);
            restart(app);
            let mut a = app.borrow_mut();
            a.analysis_info.reset_models();
            a.set_model_check(ModelCheck::refused(&format!(
                "A worker refused the user model ({message}); back to the shipped models."
            )));
        }
        (None, true) => {}
    }
}

/// Drop the users' models: every worker goes back to the shipped ones.
pub fn use_shipped_models(app: &AppRef) {
    if POOL.with(|p| p.borrow().job.is_some()) {
        app.borrow_mut().set_model_check(ModelCheck::refused(
            "Wait for the analysis to finish (or cancel it) before changing models.",
        ));
        return;
    }
    POOL.with(|p| {
        let mut p = p.borrow_mut();
        p.user = [None, None];
        p.pending_check = None;
    });
    if POOL.with(|p| !p.borrow().slots.is_empty()) {
        restart(app);
    }
    let mut a = app.borrow_mut();
    a.analysis_info.reset_models();
    a.set_model_check(ModelCheck::ok("Using the shipped models."));
}

#[allow(clippy::too_many_arguments)]
fn on_slice(
    app: &AppRef,
    index: usize,
    job_id: u32,
    k: usize,
    mode: SliceMode,
    scores: [f32; 6],
    labels: &Uint8Array,
    ms: [f64; 4],
) {
    let progress = POOL.with(|p| {
        let mut p = p.borrow_mut();
        if let Some(s) = p.slots.get_mut(index) {
            s.busy = None;
        }
        let job = p.job.as_mut().filter(|j| j.id == job_id)?;
        let per = job.volume.dims[0] * job.volume.dims[1];
        if k >= job.scores.len() {
            return None;
        }
        for (acc, v) in job.ms.iter_mut().zip(ms) {
            *acc += v;
        }
        if mode == SliceMode::Classify {
            if job.classified[k].replace(scores).is_none() {
                job.classified_done += 1;
            }
            if job.classified_done == job.scores.len() {
                end_classifier_pass(job);
            }
        } else {
            if labels.length() as usize != per {
                return None;
            }
            if job.scores[k].replace(scores).is_none() {
                job.done += 1;
                job.segmented += 1;
            }
            labels.copy_to(&mut job.mask[k * per..(k + 1) * per]);
        }
        // The cascade's classifier pass counts as a fifth of the work.
        let total = job.scores.len();
        let fraction = match job.cascade {
            Some(_) if job.classifying => 0.2 * job.classified_done as f64 / total as f64,
            Some(_) => 0.2 + 0.8 * job.done as f64 / total as f64,
            None => job.done as f64 / total as f64,
        };
        Some((job.done, total, fraction, dom::now_ms() - job.started_ms))
    });
    let Some((done, total, fraction, elapsed)) = progress else {
        dispatch(app);
        return;
    };
    if done == total {
        finish(app);
        return;
    }
    let left_s = if fraction > 0.0 {
        elapsed / fraction * (1.0 - fraction) / 1000.0
    } else {
        0.0
    };
    app.borrow_mut().set_analyzing(
        format!("Analysing… {done} / {total} slices, about {left_s:.0} s left"),
        fraction,
    );
    dispatch(app);
}

/// Every slice is classified: the slices the cascade leaves out get their scores now; the
/// others are queued for the segmenter.
fn end_classifier_pass(job: &mut Job) {
    let Some(c) = job.cascade else {
        return;
    };
    let any: Vec<f32> = job
        .classified
        .iter()
        .map(|p| p.map(|p| p[0]).unwrap_or(0.0))
        .collect();
    let keep = cascade::select(&any, &c);
    let weight = AnalysisCard::from_json(shipped::ANALYSIS_CARD)
        .map(|c| c.slice_score.classifier_weight)
        .unwrap_or(0.0);
    job.classifying = false;
    job.queue.clear();
    for (k, keep) in keep.iter().enumerate() {
        if *keep {
            job.queue.push_back(k);
        } else if job.scores[k].is_none() {
            let p = job.classified[k].unwrap_or([0.0; 6]);
            job.scores[k] = Some(cascade::skipped_scores(&p, weight));
            job.done += 1;
        }
    }
}

/// The card of the model in use for `role`: the user's, or the shipped one.
fn active_card(role: ModelRole) -> crate::Result<ModelCard> {
    let user = POOL.with(|p| p.borrow().user[role_index(role)].clone());
    match (user, role) {
        (Some(u), _) => ModelCard::from_json(&u.card_text),
        (None, ModelRole::Classifier) => ModelCard::from_json(shipped::CLASSIFIER_CARD),
        (None, ModelRole::Segmenter) => ModelCard::from_json(shipped::SEGMENTER_CARD),
    }
}

/// Every slice is back: build the result exactly as the CLI does and show it.
fn finish(app: &AppRef) {
    let Some((mut job, workers)) = POOL.with(|p| {
        let mut p = p.borrow_mut();
        let workers = p.slots.len();
        p.job.take().map(|j| (j, workers))
    }) else {
        return;
    };
    let built = (|| -> crate::Result<_> {
        let cls = active_card(ModelRole::Classifier)?;
        let seg = active_card(ModelRole::Segmenter)?;
        let card = AnalysisCard::from_json(shipped::ANALYSIS_CARD)?;
        let scores: Vec<[f32; 6]> = job.scores.iter().map(|s| s.unwrap_or([0.0; 6])).collect();
        let total = dom::now_ms() - job.started_ms;
        let nz = scores.len().max(1) as f64;
        let mut t = BTreeMap::new();
        for (name, v) in ["preprocess", "classifier", "segmenter", "postprocess"]
            .iter()
            .zip(job.ms)
        {
            t.insert(name.to_string(), v);
        }
        t.insert("total".to_string(), total);
        t.insert("per_slice".to_string(), total / nz);
        t.insert("workers".to_string(), workers as f64);
        let mut models = model_versions(&cls, &seg, &card);
        if job.cascade.is_some() {
            // The classifier chose the slices (as in `hemoscope analyze --cascade`).
            t.insert("cascade_segmented".to_string(), job.segmented as f64);
            models.insert(cls.name.clone(), cls.version.clone());
        }
        let status = label_status(
            &card,
            &contributing(&cls, &seg, &card, job.cascade.is_some()),
        );
        let mut mask = std::mem::take(&mut job.mask);
        let result = assemble(&job.volume, &scores, &mut mask, &card, status, models, t)?;
        Ok((result, mask))
    })();
    let mut a = app.borrow_mut();
    let same_volume = a
        .loaded
        .as_ref()
        .is_some_and(|l| Rc::ptr_eq(&l.volume, &job.volume));
    if !same_volume {
        return;
    }
    let ok = built.is_ok();
    match built {
        Ok((result, mask)) => a.set_analysis(result, mask, js_sys::Date::now()),
        Err(e) => a.set_analysis_error(&e.to_string()),
    }
    drop(a);
    if ok {
        crate::ui::gallery::analysis_finished(app);
    } else {
        crate::ui::gallery::analysis_stopped(app, false);
    }
}
