//! The page's side of the decode worker: reads files, sends them to the worker, shows
//! progress, and installs the decoded volume. Only the newest request counts: a result for
//! an older one is ignored. If the worker dies, the request fails with a message and a fresh
//! worker is started for the next one.

use std::cell::RefCell;

use js_sys::{Array, Int16Array};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::{spawn_local, JsFuture};
use web_sys::{ErrorEvent, File, MessageEvent, Worker};

use crate::ui::core::loading::{progress_text, Progress};
use crate::ui::web::msg::{send as send_msg, Msg};
use crate::ui::workers::decode_protocol::{self as protocol, SliceMeta, VolumeMeta};
use crate::ui::app::state::Status;
use crate::ui::view::dom;
use crate::ui::web::series_list;
use crate::ui::app::state::AppRef;
use crate::{Geometry, Volume};


struct Client {
    worker: Option<Worker>,
    ready: bool,
    /// A request waiting for the worker to start (a message sent earlier would be lost).
    pending: Option<(JsValue, Array)>,
    current_id: u32,
    started_ms: f64,
}

thread_local! {
    static CLIENT: RefCell<Client> = const {
        RefCell::new(Client { worker: None, ready: false, pending: None, current_id: 0, started_ms: 0.0 })
    };
}

/// Start the worker now so it is ready when the first file arrives.
pub fn install(app: AppRef) -> Result<(), JsValue> {
    ensure_worker(&app)
}

fn ensure_worker(app: &AppRef) -> Result<(), JsValue> {
    if CLIENT.with(|c| c.borrow().worker.is_some()) {
        return Ok(());
    }
    let worker = Worker::new(protocol::DECODE_WORKER_URL)?;
    let on_message = {
        let app = app.clone();
        Closure::<dyn FnMut(MessageEvent)>::new(move |e: MessageEvent| on_message(&app, e.data()))
    };
    worker.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
    on_message.forget();
    let on_error = {
        let app = app.clone();
        Closure::<dyn FnMut(ErrorEvent)>::new(move |e: ErrorEvent| {
            e.prevent_default();
            let detail = e.message();
            CLIENT.with(|c| {
                let mut c = c.borrow_mut();
                if let Some(w) = c.worker.take() {
                    w.terminate();
                }
                c.ready = false;
                c.pending = None;
            });
            // A request in flight fails (unless the worker already said why); a new worker
            // starts with the next request.
            let mut a = app.borrow_mut();
            if a.session.viewer.status == Status::Loading {
                a.set_error(&format!(
                    "The decoder stopped unexpectedly ({detail}). Try another file; the app keeps working."
                ));
            }
        })
    };
    worker.set_onerror(Some(on_error.as_ref().unchecked_ref()));
    on_error.forget();
    CLIENT.with(|c| {
        let mut c = c.borrow_mut();
        c.worker = Some(worker);
        c.ready = false;
    });
    Ok(())
}

/// Start a new request; results of older ones are ignored from now on.
fn next_request() -> u32 {
    CLIENT.with(|c| {
        let mut c = c.borrow_mut();
        c.current_id = c.current_id.wrapping_add(1);
        c.started_ms = dom::now_ms();
        c.current_id
    })
}

fn send(app: &AppRef, msg: JsValue, transfer: Array) {
    if let Err(e) = ensure_worker(app) {
        app.borrow_mut().set_error(&format!(
            "The decoder could not start: {}",
            dom::js_error_text(&e)
        ));
        return;
    }
    let result = CLIENT.with(|c| {
        let mut c = c.borrow_mut();
        match (&c.worker, c.ready) {
            (Some(w), true) => w.post_message_with_transfer(&msg, &transfer),
            _ => {
                c.pending = Some((msg, transfer));
                Ok(())
            }
        }
    });
    if let Err(e) = result {
        app.borrow_mut().set_error(&format!(
            "The decoder could not be reached: {}",
            dom::js_error_text(&e)
        ));
    }
}

/// Send an export request to the decode worker (its answer goes to `ui::web::export`).
pub fn send_export(app: &AppRef, msg: JsValue, transfer: Array) {
    send(app, msg, transfer);
}

/// A new drop replaces the series list (the worker releases the old files).
fn forget_series(app: &AppRef) {
    let mut a = app.borrow_mut();
    if !a.session.series.is_empty() {
        a.session.series.clear();
        series_list::render(&a.session.series);
    }
}

/// Generate and show the synthetic demo case.
pub fn open_demo(app: &AppRef) {
    let id = next_request();
    send_msg(app, Msg::WarmUp);
    forget_series(app);
    app.borrow_mut().set_loading("Generating the demo case…");
    match protocol::object(&[("type", "demo".into()), ("id", id.into())]) {
        Ok(msg) => send(app, msg.into(), Array::new()),
        Err(e) => app.borrow_mut().set_error(&dom::js_error_text(&e)),
    }
}

/// Open series `index` of the DICOM files of the last drop: the worker still holds them parsed,
/// so nothing is read from disk again.
pub fn open_series(app: &AppRef, index: usize) {
    let id = next_request();
    send_msg(app, Msg::WarmUp);
    {
        let mut a = app.borrow_mut();
        let name = a
            .session
            .series
            .get(index)
            .map(|s| {
                if s.description.is_empty() {
                    s.series_uid.clone()
                } else {
                    s.description.clone()
                }
            })
            .unwrap_or_default();
        a.set_loading(&format!("Opening series {name}…"));
    }
    match protocol::object(&[
        ("type", "series".into()),
        ("id", id.into()),
        ("index", (index as f64).into()),
    ]) {
        Ok(msg) => send(app, msg.into(), Array::new()),
        Err(e) => app.borrow_mut().set_error(&dom::js_error_text(&e)),
    }
}

/// Read the files (asynchronously) and hand them to the worker.
pub fn open_files(app: &AppRef, files: Vec<File>) {
    if files.is_empty() {
        return;
    }
    let id = next_request();
    send_msg(app, Msg::WarmUp);
    forget_series(app);
    let names: Vec<String> = files.iter().map(|f| f.name()).collect();
    {
        app.borrow_mut()
            .set_loading(&format!("Reading {}…", names.join(", ")));
    }
    let app = app.clone();
    spawn_local(async move {
        let list = Array::new();
        let transfer = Array::new();
        // Every read is requested before the first is awaited, so the browser reads the files
        // side by side instead of one after another.
        let reads: Vec<JsFuture> = files
            .iter()
            .map(|file| JsFuture::from(file.array_buffer()))
            .collect();
        for (file, read) in files.iter().zip(reads) {
            let buffer = match read.await {
                Ok(b) => b,
                Err(e) => {
                    let text = format!(
                        "{} could not be read: {}",
                        file.name(),
                        dom::js_error_text(&e)
                    );
                    app.borrow_mut().set_error(&text);
                    return;
                }
            };
            match protocol::object(&[("name", file.name().into()), ("bytes", buffer.clone())]) {
                Ok(entry) => {
                    list.push(&entry);
                    transfer.push(&buffer);
                }
                Err(e) => {
                    app.borrow_mut().set_error(&dom::js_error_text(&e));
                    return;
                }
            }
        }
        if CLIENT.with(|c| c.borrow().current_id) != id {
            return; // a newer request replaced this one
        }
        {
            let mut a = app.borrow_mut();
            a.session.viewer.message = format!("Decoding {}…", names.join(", "));
            a.changed();
        }
        match protocol::object(&[
            ("type", "open".into()),
            ("id", id.into()),
            ("files", list.into()),
        ]) {
            Ok(msg) => send(&app, msg.into(), transfer),
            Err(e) => app.borrow_mut().set_error(&dom::js_error_text(&e)),
        }
    });
}

/// Hand already-fetched files (a dataset case) to the worker, with the case's ground-truth
/// label map when it has one. `what` names the request in the status line.
pub fn open_buffers(
    app: &AppRef,
    files: Vec<(String, js_sys::ArrayBuffer)>,
    truth: Option<(String, js_sys::ArrayBuffer)>,
    what: &str,
) {
    let id = next_request();
    send_msg(app, Msg::WarmUp);
    {
        let mut a = app.borrow_mut();
        a.set_loading(&format!("Decoding {what}…"));
    }
    let built = (|| -> Result<(JsValue, Array), JsValue> {
        let list = Array::new();
        let transfer = Array::new();
        for (name, bytes) in files {
            let entry: JsValue =
                protocol::object(&[("name", name.into()), ("bytes", bytes.clone().into())])?.into();
            list.push(&entry);
            transfer.push(&bytes);
        }
        let msg = protocol::object(&[
            ("type", "open".into()),
            ("id", id.into()),
            ("files", list.into()),
        ])?;
        if let Some((name, bytes)) = truth {
            let t: JsValue =
                protocol::object(&[("name", name.into()), ("bytes", bytes.clone().into())])?.into();
            js_sys::Reflect::set(&msg, &"truth".into(), &t)?;
            transfer.push(&bytes);
        }
        Ok((msg.into(), transfer))
    })();
    match built {
        Ok((msg, transfer)) => send(app, msg, transfer),
        Err(e) => app.borrow_mut().set_error(&dom::js_error_text(&e)),
    }
}

/// The ground-truth label map sent back with a dataset case, if one was sent.
fn truth_of(data: &JsValue) -> Option<Result<crate::Volume, String>> {
    let error = protocol::get_str(data, "truth_error");
    if !error.is_empty() {
        return Some(Err(error));
    }
    let meta = protocol::get_str(data, "truth_meta");
    if meta.is_empty() {
        return None;
    }
    let voxels = protocol::get(data, "truth_voxels")
        .dyn_into::<Int16Array>()
        .ok()?;
    Some(
        serde_json::from_str::<VolumeMeta>(&meta)
            .map_err(|e| e.to_string())
            .and_then(|m| m.into_volume(voxels.to_vec()))
            .map_err(|e| format!("the ground-truth label map is inconsistent: {e}")),
    )
}

fn on_message(app: &AppRef, data: JsValue) {
    let kind = protocol::get_str(&data, "type");
    if kind == "ready" {
        let pending = CLIENT.with(|c| {
            let mut c = c.borrow_mut();
            c.ready = true;
            c.pending
                .take()
                .and_then(|(msg, transfer)| c.worker.clone().map(|w| (w, msg, transfer)))
        });
        if let Some((w, msg, transfer)) = pending {
            if let Err(e) = w.post_message_with_transfer(&msg, &transfer) {
                app.borrow_mut().set_error(&format!(
                    "The decoder could not be reached: {}",
                    dom::js_error_text(&e)
                ));
            }
        }
        return;
    }
    if kind == "exported" || kind == "export-error" {
        send_msg(app, Msg::ExportReply(data));
        return;
    }
    let id = protocol::get_f64(&data, "id");
    let (current, started) = CLIENT.with(|c| {
        let c = c.borrow();
        (c.current_id, c.started_ms)
    });
    if id != current as f64 {
        return;
    }
    let mut a = app.borrow_mut();
    match kind.as_str() {
        "progress" => {
            let stage = protocol::get_str(&data, "stage");
            let report = Progress {
                stage: &stage,
                fraction: protocol::get_f64(&data, "fraction"),
                done: protocol::get_f64(&data, "done"),
                total: protocol::get_f64(&data, "total"),
            };
            let early = a.session.loaded.as_ref().and_then(|l| l.partial);
            let (fraction, text) = progress_text(report, early);
            a.session.viewer.progress = Some(fraction);
            a.session.viewer.message = text;
            a.progressed();
        }
        "slice" => {
            let meta: Result<SliceMeta, String> =
                serde_json::from_str(&protocol::get_str(&data, "meta")).map_err(|e| e.to_string());
            let voxels = protocol::get(&data, "voxels")
                .dyn_into::<Int16Array>()
                .map(|a| a.to_vec());
            // An unreadable early slice is skipped: the whole volume follows.
            if let (Ok(meta), Ok(voxels)) = (meta, voxels) {
                let [ni, nj] = meta.dims;
                if ni.checked_mul(nj) == Some(voxels.len()) {
                    let slice = Volume::new(
                        [ni, nj, 1],
                        voxels,
                        Geometry::from_affine(meta.affine),
                        meta.source,
                    );
                    a.set_preview(slice, meta.k, meta.slices, started);
                }
            }
        }
        "error" => {
            let message = protocol::get_str(&data, "message");
            // An early slice of the failed series is not left on screen.
            if a.session.loaded.as_ref().is_some_and(|l| l.partial.is_some()) {
                a.session.loaded = None;
            }
            a.set_error(&message);
            drop(a);
            send_msg(app, Msg::LoadFailed);
        }
        "volume" => {
            let meta: Result<VolumeMeta, String> =
                serde_json::from_str(&protocol::get_str(&data, "meta")).map_err(|e| e.to_string());
            let voxels = protocol::get(&data, "voxels")
                .dyn_into::<Int16Array>()
                .map(|a| a.to_vec());
            match (meta, voxels) {
                (Ok(mut meta), Ok(voxels)) => {
                    let decode_ms = meta.decode_ms;
                    a.session.series = std::mem::take(&mut meta.series);
                    series_list::render(&a.session.series);
                    match meta.into_volume(voxels) {
                        Ok(v) => {
                            a.set_volume(v, started, decode_ms);
                            let auto = a.ael.auto.checked();
                            drop(a);
                            let truth = truth_of(&data).map(Box::new);
                            send_msg(app, Msg::VolumeLoaded { truth, auto });
                        }
                        Err(e) => a.set_error(&format!("The decoded volume is inconsistent: {e}")),
                    }
                }
                (Err(e), _) => a.set_error(&format!("The decoder's answer could not be read: {e}")),
                (_, Err(_)) => a.set_error("The decoder's answer had no voxels."),
            }
        }
        _ => {}
    }
}
