//! The page's side of the analysis: the web glue of the worker pool. The decisions (which
//! worker gets which slice, progress with time left, Cancel, the cascade, users' models, the
//! result assembled as the CLI does) are [`crate::ui::core::pool`]'s, tested natively; this
//! file owns the `Worker` objects, turns their messages into [`PoolMsg`]s and performs the
//! returned [`Effect`]s (each slice's voxels transferred to its worker).
//!
//! Start-up: one worker starts with the page and fills the model cache; the others start when
//! the model files are cached (while the first one still optimises and self-tests its plan),
//! so the models are downloaded once.

use std::cell::RefCell;
use std::rc::Rc;

use js_sys::{Int16Array, Reflect, Uint8Array};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{ErrorEvent, MessageEvent, Worker, WorkerOptions};

use crate::analysis::cascade::Cascade;
use crate::model::{shipped, ModelCard, ModelRole};
use crate::ui::workers::analysis_protocol::{FromWorker, ToWorker};
use crate::ui::core::pool::{Effect, ModelVerdict, Pool, PoolMsg, UserModel, OTHERS_WAIT_MS};
use crate::ui::web::msg::{send as send_msg, Msg};
use crate::ui::app::state::{ModelCheck, Status};
use crate::ui::view::dom;
use crate::ui::app::state::AppRef;

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

/// A minimal module using one relaxed-SIMD instruction (`i8x16.relaxed_swizzle`):
/// `WebAssembly.validate` accepts it only where wasm relaxed SIMD is supported.
const RELAXED_SIMD_PROBE: [u8; 36] = [
    0, 97, 115, 109, 1, 0, 0, 0, 1, 5, 1, 96, 0, 1, 123, 3, 2, 1, 0, 10, 15, 1, 13, 0, 65, 0, 253,
    15, 65, 0, 253, 15, 253, 128, 2, 11,
];

/// Whether the analysis workers load their relaxed-SIMD build: where this browser runs wasm
/// relaxed SIMD, unless `?relaxed=0` in the page's URL asks for the plain SIMD build (to test
/// that path, or to compare the two).
fn relaxed_simd_wanted() -> bool {
    !url_flag("relaxed=0")
        && js_sys::WebAssembly::validate(&Uint8Array::from(&RELAXED_SIMD_PROBE[..]).into())
            .unwrap_or(false)
}

/// Whether the page's URL has the query parameter `param` (`name=value`). `?simd=0` behaves as
/// a browser without wasm SIMD (to test that path).
fn url_flag(param: &str) -> bool {
    let search = dom::window()
        .ok()
        .and_then(|w| Reflect::get(&w, &"location".into()).ok())
        .and_then(|l| Reflect::get(&l, &"search".into()).ok())
        .and_then(|s| s.as_string())
        .unwrap_or_default();
    search
        .trim_start_matches('?')
        .split('&')
        .any(|p| p == param)
}

/// The engine's name as the page shows it.
pub fn engine_name(simd: bool, relaxed_simd: bool) -> &'static str {
    match (simd, relaxed_simd) {
        (true, true) => "wasm relaxed SIMD",
        (true, false) => "wasm SIMD",
        (false, _) => "unavailable (no wasm SIMD)",
    }
}

thread_local! {
    static POOL: RefCell<Pool> = RefCell::new(Pool::default());
    /// The pool's workers, by slot.
    static WORKERS: RefCell<Vec<Worker>> = const { RefCell::new(Vec::new()) };
}

/// Pool size from `navigator.hardwareConcurrency`, bounded to 1..=4.
fn pool_size() -> usize {
    let n = dom::window()
        .map(|w| w.navigator().hardware_concurrency())
        .unwrap_or(1.0);
    (n as usize).clamp(1, MAX_WORKERS)
}

/// Hand `msg` to the pool and perform what it decides, in order. A failed effect (a worker
/// that cannot start, a message that cannot be posted) becomes a message of its own, handled
/// after the rest of the batch.
fn send(app: &AppRef, msg: PoolMsg) {
    let mut queue = std::collections::VecDeque::from([msg]);
    while let Some(msg) = queue.pop_front() {
        let effects = POOL.with(|p| p.borrow_mut().update(msg));
        let mut spawn_failed = false;
        for effect in effects {
            if spawn_failed && matches!(effect, Effect::Spawn { .. }) {
                continue;
            }
            if let Err(next) = perform(app, effect) {
                spawn_failed |= matches!(next, PoolMsg::SpawnFailed { .. });
                queue.push_back(next);
            }
        }
    }
}

fn perform(app: &AppRef, effect: Effect) -> Result<(), PoolMsg> {
    match effect {
        Effect::Spawn { slot } => spawn(app, slot).map_err(|e| PoolMsg::SpawnFailed {
            slot,
            message: dom::js_error_text(&e),
        })?,
        Effect::TerminateAll => {
            for w in WORKERS.with(|w| std::mem::take(&mut *w.borrow_mut())) {
                w.set_onmessage(None);
                w.set_onerror(None);
                w.terminate();
            }
        }
        Effect::PostSlice {
            slot,
            job,
            k,
            volume,
            view,
            mode,
            classified,
        } => {
            let (rows, cols) = view.rows_cols();
            let hu = Int16Array::new_with_length((rows * cols) as u32);
            hu.copy_from(&view.slice(&volume, k));
            let request = ToWorker::Slice {
                job,
                k: k as u32,
                rows: rows as u32,
                cols: cols as u32,
                hu,
                mode,
                classified,
            };
            post(slot, request).map_err(|e| PoolMsg::Crashed {
                message: format!(
                    "A slice could not be sent for analysis: {}",
                    dom::js_error_text(&e)
                ),
            })?
        }
        Effect::PostModel { slot, model } => {
            let request = ToWorker::Model {
                role: model.role,
                card: model.card_text.clone(),
                onnx: Uint8Array::from(model.onnx.as_slice()),
            };
            post(slot, request).map_err(|e| PoolMsg::ModelChecked {
                slot,
                verdict: ModelVerdict::refused(
                    model.role,
                    format!(
                        "it could not be sent to a worker ({})",
                        dom::js_error_text(&e)
                    ),
                ),
            })?
        }
        Effect::Progress { text, fraction } => app.borrow_mut().set_analyzing(text, fraction),
        Effect::SliceLabels { k, labels } => app.borrow_mut().slice_labels(k, &labels),
        Effect::AnalysisError {
            message,
            job_stopped,
        } => {
            app.borrow_mut().set_analysis_error(&message);
            if job_stopped {
                send_msg(app, Msg::AnalysisStopped { cancelled: false });
            }
        }
        Effect::Cancelled => {
            app.borrow_mut().set_analysis_cancelled();
            send_msg(app, Msg::AnalysisStopped { cancelled: true });
        }
        Effect::Unavailable(message) => {
            let mut a = app.borrow_mut();
            a.session.analysis_unavailable = Some(message.clone());
            if a.session.viewer.status == Status::Analyzing {
                a.set_analysis_error(&message);
            } else {
                a.refresh_analysis();
            }
        }
        Effect::WorkerReady {
            simd,
            relaxed_simd,
            note,
            start,
        } => {
            let mut a = app.borrow_mut();
            a.session.analysis_info.engine = engine_name(simd, relaxed_simd).to_string();
            if start.is_some() {
                a.session.analysis_info.worker_start_ms = start;
            }
            if note.is_some() {
                a.session.models_note = note;
            }
            a.refresh_analysis();
        }
        Effect::Warn(message) => web_sys::console::warn_1(&message.into()),
        Effect::OthersDeferred => {
            let later = {
                let app = app.clone();
                Closure::once_into_js(move || send(&app, PoolMsg::Loading(false)))
            };
            let scheduled = dom::window().and_then(|w| {
                w.set_timeout_with_callback_and_timeout_and_arguments_0(
                    later.unchecked_ref(),
                    OTHERS_WAIT_MS,
                )
            });
            if scheduled.is_err() {
                return Err(PoolMsg::Loading(false));
            }
        }
        Effect::Finished { volume, result } => {
            let mut a = app.borrow_mut();
            let same_volume = a
                .session
                .loaded
                .as_ref()
                .is_some_and(|l| Rc::ptr_eq(&l.volume, &volume));
            if !same_volume {
                return Ok(());
            }
            let ok = result.is_ok();
            match *result {
                Ok((result, mask)) => a.set_analysis(result, mask, js_sys::Date::now()),
                Err(e) => a.set_analysis_error(&e),
            }
            drop(a);
            send_msg(
                app,
                if ok {
                    Msg::AnalysisFinished
                } else {
                    Msg::AnalysisStopped { cancelled: false }
                },
            );
        }
        Effect::ModelCheck { ok, text } => app.borrow_mut().set_model_check(if ok {
            ModelCheck::ok(&text)
        } else {
            ModelCheck::refused(&text)
        }),
        Effect::ModelInUse {
            role,
            name,
            version,
        } => app
            .borrow_mut()
            .session
            .analysis_info
            .set_model(role, &name, &version, true),
        Effect::ModelsReset => app.borrow_mut().session.analysis_info.reset_models(),
    }
    Ok(())
}

fn post(slot: usize, request: ToWorker) -> Result<(), JsValue> {
    let (msg, transfer) = request.to_js()?;
    WORKERS.with(|w| match w.borrow().get(slot) {
        Some(worker) => worker.post_message_with_transfer(&msg, &transfer),
        None => Err(JsValue::from_str("the worker is gone")),
    })
}

/// `(file, sha256)` of the shipped models, for the loader's read request.
fn shipped_files() -> Vec<(String, String)> {
    [shipped::SEGMENTER_CARD, shipped::CLASSIFIER_CARD]
        .iter()
        .filter_map(|card| ModelCard::from_json(card).ok())
        .filter_map(|card| Some((card.file, card.sha256?)))
        .collect()
}

/// Create the worker of `slot`, its replies going to the pool.
fn spawn(app: &AppRef, slot: usize) -> Result<(), JsValue> {
    // The loader picks the build by the worker's name (web/analysis_worker_loader.js).
    let options = WorkerOptions::new();
    options.set_name(if relaxed_simd_wanted() {
        "relaxed-simd"
    } else {
        "simd"
    });
    let worker = Worker::new_with_options(WORKER_SIMD_URL, &options)?;
    let on_message = {
        let app = app.clone();
        Closure::<dyn FnMut(MessageEvent)>::new(move |e: MessageEvent| {
            on_message(&app, slot, e.data())
        })
    };
    worker.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
    on_message.forget();
    let on_error = {
        let app = app.clone();
        Closure::<dyn FnMut(ErrorEvent)>::new(move |e: ErrorEvent| {
            e.prevent_default();
            let message = format!("The analysis worker stopped unexpectedly ({}).", e.message());
            send(&app, PoolMsg::Crashed { message });
        })
    };
    worker.set_onerror(Some(on_error.as_ref().unchecked_ref()));
    on_error.forget();
    // first message: the loader reads the model files while the module compiles
    let (read, transfer) = ToWorker::read_shipped(&shipped_files()).to_js()?;
    worker.post_message_with_transfer(&read, &transfer)?;
    WORKERS.with(|w| {
        let mut w = w.borrow_mut();
        w.truncate(slot);
        w.push(worker);
    });
    Ok(())
}

/// Size the pool and start it as soon as the page has started, so that the models are
/// fetched, optimised and self-tested while the user chooses a scan (the first worker fills
/// the model cache; the others start from it).
pub fn install(app: &AppRef) {
    let simd = simd_supported() && !url_flag("simd=0");
    // the build the workers will load; each worker's ready message confirms it
    app.borrow_mut().session.analysis_info.engine =
        engine_name(simd, simd && relaxed_simd_wanted()).to_string();
    send(
        app,
        PoolMsg::Install {
            size: pool_size(),
            unavailable: (!simd).then(|| NO_SIMD_MESSAGE.to_string()),
        },
    );
    if !simd {
        return;
    }
    let later = {
        let app = app.clone();
        Closure::once_into_js(move || send(&app, PoolMsg::WarmUp))
    };
    let scheduled = dom::window().and_then(|w| {
        w.set_timeout_with_callback_and_timeout_and_arguments_0(later.unchecked_ref(), 0)
    });
    if scheduled.is_err() {
        send(app, PoolMsg::WarmUp);
    }
}

/// A scan is being opened: start loading the models now (if not yet), while the files are
/// read and decoded, so that an analysis started on the loaded volume does not wait for them;
/// the rest of the pool waits until the scan is open.
pub fn warm_up(app: &AppRef) {
    send(app, PoolMsg::Loading(true));
    send(app, PoolMsg::WarmUp);
}

/// The scan being opened could not be opened: the whole pool may start.
pub fn load_failed(app: &AppRef) {
    send(app, PoolMsg::Loading(false));
}

/// Analyse the loaded volume (the Analyze button, or automatically after loading).
pub fn start(app: &AppRef) {
    let (volume, cascade) = {
        let a = app.borrow();
        match a.session.loaded.as_ref() {
            // Not while only the early slice of a DICOM series is shown.
            Some(l) if l.partial.is_none() => (
                l.volume.clone(),
                a.session.analysis_info.cascade.then(Cascade::default),
            ),
            _ => return,
        }
    };
    send(
        app,
        PoolMsg::Start {
            volume,
            cascade,
            now_ms: dom::now_ms(),
        },
    );
}

/// Stop the running analysis for real: terminate the workers and start fresh ones.
pub fn cancel(app: &AppRef) {
    send(app, PoolMsg::Cancel);
}

/// A new volume replaces the old one: a running analysis is stopped; the new one is analysed
/// when `auto` is set.
pub fn volume_changed(app: &AppRef, auto: bool) {
    send(app, PoolMsg::Loading(false));
    send(app, PoolMsg::VolumeChanged);
    if auto {
        start(app);
    }
}

fn on_message(app: &AppRef, slot: usize, data: JsValue) {
    let msg = match FromWorker::from_js(&data) {
        Ok(m) => m,
        Err(e) => {
            web_sys::console::warn_1(&e.into());
            return;
        }
    };
    let msg = match msg {
        FromWorker::Cached => PoolMsg::Cached,
        FromWorker::Ready {
            downloaded_bytes,
            simd,
            relaxed_simd,
            start,
        } => PoolMsg::Ready {
            slot,
            downloaded_bytes,
            simd,
            relaxed_simd,
            start,
        },
        FromWorker::Fatal { message } => PoolMsg::Fatal { message },
        FromWorker::Slice {
            job,
            k,
            mode,
            scores,
            labels,
            ms,
        } => PoolMsg::SliceDone {
            slot,
            job,
            k: k as usize,
            mode,
            scores,
            labels: labels.to_vec(),
            ms,
            now_ms: dom::now_ms(),
        },
        FromWorker::Error { job, k, message } => PoolMsg::SliceError {
            job,
            k: k as usize,
            message,
        },
        FromWorker::Model(verdict) => PoolMsg::ModelChecked { slot, verdict },
    };
    send(app, msg);
}

/// Check a user's model (ONNX bytes and card JSON) in a worker; when it passes, every worker
/// uses it instead of the shipped model of that role, for this session.
pub fn check_user_model(app: &AppRef, role: ModelRole, card_text: String, onnx: Vec<u8>) {
    send(
        app,
        PoolMsg::CheckUserModel(UserModel {
            role,
            card_text,
            onnx: Rc::new(onnx),
        }),
    );
}

/// Drop the users' models: every worker goes back to the shipped ones.
pub fn use_shipped_models(app: &AppRef) {
    send(app, PoolMsg::UseShipped);
}
