//! The page's side of the analysis: a pool of analysis workers (one tract plan pair each),
//! slices dispatched to free workers with their voxels transferred, progress with time left,
//! Cancel (the workers are terminated and started again), and the result assembled with the
//! same function as the native CLI.
//!
//! Start-up: one worker starts first and fills the model cache; the others start when it is
//! ready, so the models are downloaded once.

use std::cell::RefCell;
use std::collections::{BTreeMap, VecDeque};
use std::rc::Rc;

use js_sys::{Array, Float32Array, Float64Array, Int16Array, Uint8Array};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{ErrorEvent, MessageEvent, Worker};

use crate::analysis::assemble::{assemble, model_versions};
use crate::model::card::{AnalysisCard, ModelCard};
use crate::model::shipped;
use crate::ui::protocol;
use crate::ui::state::Status;
use crate::ui::{dom, AppRef};
use crate::Volume;

/// Script that starts an analysis worker (written by trunk next to index.html).
const WORKER_URL: &str = "./analysis_worker_loader.js";
/// Most workers started, whatever the machine reports (each holds both models).
const MAX_WORKERS: usize = 4;

struct Slot {
    worker: Worker,
    ready: bool,
    /// The slice it is working on.
    busy: Option<usize>,
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

/// Size the pool. Workers start with the first volume (or the first Analyze), so a page that
/// only views images never loads the models.
pub fn install() {
    POOL.with(|p| p.borrow_mut().size = pool_size());
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
    let worker = Worker::new(WORKER_URL)?;
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
        for slot in slots.iter_mut().filter(|s| s.ready && s.busy.is_none()) {
            let Some(k) = job.queue.pop_front() else {
                break;
            };
            let hu = Int16Array::new_with_length((nx * ny) as u32);
            hu.copy_from(job.volume.slice(k));
            let msg = protocol::object(&[
                ("type", "slice".into()),
                ("job", job.id.into()),
                ("k", (k as u32).into()),
                ("rows", (ny as u32).into()),
                ("cols", (nx as u32).into()),
                ("hu", hu.clone().into()),
            ])?;
            slot.worker
                .post_message_with_transfer(&msg, &Array::of1(&hu.buffer()))?;
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
    match protocol::get_str(&data, "type").as_str() {
        "ready" => on_ready(app, index, &data),
        "fatal" => {
            let message = protocol::get_str(&data, "message");
            restart_after_fatal(app, &message);
        }
        "slice" => on_slice(app, index, &data),
        "error" => {
            let message = protocol::get_str(&data, "message");
            let current = POOL.with(|p| p.borrow().job.as_ref().map(|j| j.id as f64));
            if current == Some(protocol::get_f64(&data, "job")) {
                let k = protocol::get_f64(&data, "k");
                fail(
                    app,
                    &format!("Slice {} could not be analysed: {message}", k + 1.0),
                );
            }
        }
        _ => {}
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

fn on_ready(app: &AppRef, index: usize, data: &JsValue) {
    let (first, more) = POOL.with(|p| {
        let mut p = p.borrow_mut();
        if let Some(s) = p.slots.get_mut(index) {
            s.ready = true;
        }
        let first = p.load_ms.is_none();
        if first {
            p.load_ms = Some(protocol::get_f64(data, "load_ms"));
        }
        (first, p.slots.len() == 1 && p.size > 1)
    });
    if more {
        // The first worker filled the model cache: the others read it from there.
        let size = POOL.with(|p| p.borrow().size);
        for _ in 1..size {
            if let Err(e) = spawn(app) {
                web_sys::console::warn_1(&e);
                break;
            }
        }
    }
    if first {
        let bytes = protocol::get_f64(data, "downloaded_bytes");
        let mut a = app.borrow_mut();
        a.models_note = Some(if bytes > 0.0 {
            format!("downloaded {:.1} MB", bytes / 1e6)
        } else {
            "from the browser cache".to_string()
        });
        a.refresh_analysis();
    }
    let analyzing = POOL.with(|p| p.borrow().job.as_ref().map(|j| (j.done, j.scores.len())));
    if let Some((done, total)) = analyzing {
        if done == 0 {
            let mut a = app.borrow_mut();
            a.set_analyzing(format!("Analysing… 0 / {total} slices"), 0.0);
        }
    }
    dispatch(app);
}

fn on_slice(app: &AppRef, index: usize, data: &JsValue) {
    let job_id = protocol::get_f64(data, "job");
    let k = protocol::get_f64(data, "k") as usize;
    let progress = POOL.with(|p| {
        let mut p = p.borrow_mut();
        if let Some(s) = p.slots.get_mut(index) {
            s.busy = None;
        }
        let job = p.job.as_mut().filter(|j| j.id as f64 == job_id)?;
        let per = job.volume.dims[0] * job.volume.dims[1];
        let scores = protocol::get(data, "scores")
            .dyn_into::<Float32Array>()
            .ok()?;
        let labels = protocol::get(data, "labels")
            .dyn_into::<Uint8Array>()
            .ok()?;
        let ms = protocol::get(data, "ms").dyn_into::<Float64Array>().ok()?;
        if scores.length() != 6 || labels.length() as usize != per || k >= job.scores.len() {
            return None;
        }
        let mut s = [0f32; 6];
        scores.copy_to(&mut s);
        if job.scores[k].replace(s).is_none() {
            job.done += 1;
        }
        labels.copy_to(&mut job.mask[k * per..(k + 1) * per]);
        for (acc, v) in job.ms.iter_mut().zip(ms.to_vec()) {
            *acc += v;
        }
        Some((job.done, job.scores.len(), dom::now_ms() - job.started_ms))
    });
    let Some((done, total, elapsed)) = progress else {
        dispatch(app);
        return;
    };
    if done == total {
        finish(app);
        return;
    }
    let left_s = elapsed / done as f64 * (total - done) as f64 / 1000.0;
    app.borrow_mut().set_analyzing(
        format!("Analysing… {done} / {total} slices, about {left_s:.0} s left"),
        done as f64 / total as f64,
    );
    dispatch(app);
}

/// Every slice is back: build the result exactly as the CLI does and show it.
fn finish(app: &AppRef) {
    let Some((job, workers)) = POOL.with(|p| {
        let mut p = p.borrow_mut();
        let workers = p.slots.len();
        p.job.take().map(|j| (j, workers))
    }) else {
        return;
    };
    let built = (|| -> crate::Result<_> {
        let cls = ModelCard::from_json(shipped::CLASSIFIER_CARD)?;
        let seg = ModelCard::from_json(shipped::SEGMENTER_CARD)?;
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
        let models = model_versions(&cls, &seg, &card);
        assemble(&job.volume, &scores, &job.mask, &card, models, t)
    })();
    let mut a = app.borrow_mut();
    let same_volume = a
        .loaded
        .as_ref()
        .is_some_and(|l| Rc::ptr_eq(&l.volume, &job.volume));
    if !same_volume {
        return;
    }
    match built {
        Ok(result) => a.set_analysis(result, job.mask),
        Err(e) => a.set_analysis_error(&e.to_string()),
    }
}
