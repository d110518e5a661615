//! The decode worker (runs in a Web Worker, built from `src/bin/decode_worker.rs`): turns
//! files into a [`Volume`] with the `io` layer, or generates the demo case, off the page's
//! thread, and posts the voxels back as a transferred `Int16Array`.
//!
//! DICOM files stay parsed here after an "open" (about the size of the files), so the page can
//! ask for another series of the same drop without reading the files again; the next "open"
//! or "demo" releases them. The slice the page shows first is posted as soon as it is decoded.

use std::cell::{Cell, RefCell};

use js_sys::{Array, ArrayBuffer, Int16Array, Uint8Array};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{DedicatedWorkerGlobalScope, MessageEvent};

use crate::io::dicom::{DicomSet, FirstSlice, SeriesSummary};
use crate::io::{self, InputFile, Intake, Opened};
use crate::ui::workers::decode_protocol::{self as protocol, SliceMeta, VolumeMeta};
use crate::{phantom, Volume};

/// Start listening for requests and tell the page the worker is ready.
pub fn start() {
    let scope: DedicatedWorkerGlobalScope = js_sys::global().unchecked_into();
    install_panic_hook(scope.clone());
    let handler_scope = scope.clone();
    let on_message = Closure::<dyn FnMut(MessageEvent)>::new(move |e: MessageEvent| {
        handle(&handler_scope, &e.data());
    });
    scope.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
    on_message.forget();
    if let Ok(msg) = protocol::object(&[("type", "ready".into())]) {
        let _ = scope.post_message(&msg);
    }
}

thread_local! {
    /// The request being worked on, so a panic can be reported against it.
    static CURRENT: Cell<f64> = const { Cell::new(f64::NAN) };
    /// The DICOM files of the last "open", parsed, with the notes about them.
    static KEPT: RefCell<Option<(DicomSet, Vec<String>)>> = const { RefCell::new(None) };
}

/// Report a panic to the page as the current request's error before the worker stops.
fn install_panic_hook(scope: DedicatedWorkerGlobalScope) {
    std::panic::set_hook(Box::new(move |info| {
        let id = CURRENT.with(Cell::get);
        let _ = post_error(
            &scope,
            id,
            &format!("the decoder failed on this file ({info})"),
        );
    }));
}

fn handle(scope: &DedicatedWorkerGlobalScope, data: &JsValue) {
    if protocol::get_str(data, "type") == "export" {
        crate::ui::workers::export::handle(scope, data);
        return;
    }
    let id = protocol::get_f64(data, "id");
    CURRENT.with(|c| c.set(id));
    let started = now_ms(scope);
    let kind = protocol::get_str(data, "type");
    if kind == "thumb" {
        let posted = files_from_message(data)
            .and_then(|files| decode(scope, id, files))
            .map_err(|e| e.to_string())
            .and_then(|(v, _)| {
                post_thumbnail(scope, id, &v, protocol::get_f64(data, "size"))
                    .map_err(|e| format!("{e:?}"))
            });
        if let Err(message) = posted {
            let _ = post_error(scope, id, &message);
        }
        return;
    }
    let result = match kind.as_str() {
        "demo" => {
            KEPT.with(|k| k.borrow_mut().take());
            post_progress(scope, id, 0.0, "Generating the demo case", None);
            Ok((phantom::demo_case().0, Vec::new()))
        }
        "open" => {
            KEPT.with(|k| k.borrow_mut().take());
            files_from_message(data).and_then(|files| decode(scope, id, files))
        }
        "series" => open_kept(scope, id, protocol::get_f64(data, "index")),
        other => Err(format!("unknown request {other:?}")),
    };
    // A dataset case may bring its ground-truth label map: decoded here too, sent alongside.
    let truth = match (&result, protocol::get(data, "truth")) {
        (Ok(_), t) if !t.is_undefined() && !t.is_null() => Some(decode_truth(&t)),
        _ => None,
    };
    let posted = match result {
        Ok((volume, series)) => {
            post_volume(scope, id, &volume, series, now_ms(scope) - started, truth)
        }
        Err(message) => post_error(scope, id, &message),
    };
    if let Err(e) = posted {
        let _ = post_error(
            scope,
            id,
            &format!("could not send the result to the page: {e:?}"),
        );
    }
}

fn now_ms(scope: &DedicatedWorkerGlobalScope) -> f64 {
    scope.performance().map(|p| p.now()).unwrap_or(0.0)
}

/// The ground-truth label map of a dataset case (`{name, bytes}`), or why it cannot be read.
fn decode_truth(entry: &JsValue) -> Result<Volume, String> {
    let name = protocol::get_str(entry, "name");
    let buffer: ArrayBuffer = protocol::get(entry, "bytes")
        .dyn_into()
        .map_err(|_| format!("no bytes were read from {name}"))?;
    io::open_bytes(&name, &Uint8Array::new(&buffer).to_vec())
        .map_err(|e| format!("the ground-truth label map {name} could not be read: {e}"))
}

/// A gallery preview of a decoded volume: `{type: "thumb", id, width, height, rgba, dims}`.
fn post_thumbnail(
    scope: &DedicatedWorkerGlobalScope,
    id: f64,
    v: &Volume,
    size: f64,
) -> Result<(), JsValue> {
    let side = if size.is_finite() {
        size.clamp(8.0, 512.0) as usize
    } else {
        96
    };
    let t = crate::render::thumbnail::thumbnail(v, side);
    let rgba = Uint8Array::new_with_length(t.rgba.len() as u32);
    rgba.copy_from(&t.rgba);
    let dims = Array::of3(&v.dims[0].into(), &v.dims[1].into(), &v.dims[2].into());
    let msg = protocol::object(&[
        ("type", "thumb".into()),
        ("id", id.into()),
        ("width", (t.width as u32).into()),
        ("height", (t.height as u32).into()),
        ("rgba", rgba.clone().into()),
        ("dims", dims.into()),
    ])?;
    scope.post_message_with_transfer(&msg, &Array::of1(&rgba.buffer()))
}

fn files_from_message(data: &JsValue) -> Result<Vec<InputFile>, String> {
    let list: Array = protocol::get(data, "files")
        .dyn_into()
        .map_err(|_| "the request has no file list".to_string())?;
    let mut files = Vec::with_capacity(list.length() as usize);
    for entry in list.iter() {
        let name = protocol::get_str(&entry, "name");
        let buffer: ArrayBuffer = protocol::get(&entry, "bytes")
            .dyn_into()
            .map_err(|_| format!("no bytes were read from {name}"))?;
        files.push(InputFile {
            name,
            bytes: Uint8Array::new(&buffer).to_vec(),
        });
    }
    Ok(files)
}

/// Decode the files handed to the page into one volume, posting progress (at most every 1%).
/// One NIfTI file goes straight to its reader (with byte-level progress); anything else (DICOM
/// files, a folder, zips, a mix) goes through the same intake as the CLI, which assembles DICOM
/// series and opens the likeliest axial head series; the parsed DICOM files are kept.
fn decode(
    scope: &DedicatedWorkerGlobalScope,
    id: f64,
    files: Vec<InputFile>,
) -> Result<(Volume, Vec<SeriesSummary>), String> {
    let single_volume_file = matches!(files.as_slice(), [f]
        if !io::zip::is_zip(&f.bytes) && !io::dicom::is_dicom(&f.bytes));
    if single_volume_file {
        let file = &files[0];
        let mut last = -1.0f32;
        let mut progress = |f: f32| {
            if f - last >= 0.01 || f >= 1.0 {
                last = f;
                post_progress(scope, id, f64::from(f), "Decoding", None);
            }
        };
        return io::open_bytes_with_progress(&file.name, &file.bytes, &mut progress)
            .map(|v| (v, Vec::new()))
            .map_err(|e| naming(e.to_string(), &file.name));
    }
    // One file (a DICOM file, a zip) is named in its error too; many files are named by the
    // intake where it matters (which file of the series failed).
    let only = match files.as_slice() {
        [f] => Some(f.name.clone()),
        _ => None,
    };
    let mut progress = throttled(scope, id, "Reading files");
    let opened = io::read_files(files, &mut progress)
        .map_err(|e| e.to_string())
        .and_then(|intake| match intake {
            Intake::Opened(opened) => Ok(finish(*opened)),
            Intake::Dicom { set, notes } => {
                let index = set.likeliest();
                let result = open_series(scope, id, &set, &notes, index);
                KEPT.with(|k| *k.borrow_mut() = Some((set, notes)));
                result
            }
        });
    match only {
        Some(name) => opened.map_err(|message| naming(message, &name)),
        None => opened,
    }
}

/// The message with the file's name in front, unless it names it already.
fn naming(message: String, name: &str) -> String {
    if message.contains(name) {
        message
    } else {
        format!("{name}: {message}")
    }
}

/// Open another series of the kept DICOM files.
fn open_kept(
    scope: &DedicatedWorkerGlobalScope,
    id: f64,
    index: f64,
) -> Result<(Volume, Vec<SeriesSummary>), String> {
    KEPT.with(|k| {
        let kept = k.borrow();
        let (set, notes) = kept
            .as_ref()
            .ok_or("the files of that series are no longer held: open them again")?;
        if !(index >= 0.0 && index.fract() == 0.0) {
            return Err(format!("no series {index} among the files"));
        }
        open_series(scope, id, set, notes, index as usize)
    })
}

fn open_series(
    scope: &DedicatedWorkerGlobalScope,
    id: f64,
    set: &DicomSet,
    notes: &[String],
    index: usize,
) -> Result<(Volume, Vec<SeriesSummary>), String> {
    let mut progress = throttled(scope, id, "Decoding slices");
    let mut first = |slice: FirstSlice<'_>| {
        if let Err(e) = post_slice(scope, id, &slice) {
            // The full volume still follows; only the early display is lost.
            let _ = e;
        }
    };
    let mut opened = set
        .open(index, &mut progress, &mut first)
        .map_err(|e| e.to_string())?;
    let mut all = notes.to_vec();
    all.append(&mut opened.notes);
    opened.notes = all;
    Ok(finish(opened))
}

/// The volume with the intake's notes as warnings, and the series list.
fn finish(opened: Opened) -> (Volume, Vec<SeriesSummary>) {
    let Opened {
        mut volume,
        series,
        notes,
    } = opened;
    volume.warnings.extend(notes);
    (volume, series)
}

/// A progress callback that posts `done/total` at most every 1% of the work.
fn throttled<'a>(
    scope: &'a DedicatedWorkerGlobalScope,
    id: f64,
    stage: &'a str,
) -> impl FnMut(usize, usize) + 'a {
    let mut last = -1.0f64;
    move |done: usize, total: usize| {
        let f = if total == 0 {
            1.0
        } else {
            done as f64 / total as f64
        };
        if f - last >= 0.01 || done == total {
            last = f;
            post_progress(scope, id, f, stage, Some((done, total)));
        }
    }
}

fn post_slice(
    scope: &DedicatedWorkerGlobalScope,
    id: f64,
    slice: &FirstSlice<'_>,
) -> Result<(), JsValue> {
    let meta = SliceMeta {
        dims: [slice.columns, slice.rows],
        affine: slice.affine,
        k: slice.k,
        slices: slice.slices,
        source: format!("DICOM slice {} of {}", slice.k + 1, slice.slices),
    };
    let meta = serde_json::to_string(&meta).map_err(|e| JsValue::from_str(&e.to_string()))?;
    let voxels = Int16Array::new_with_length(slice.hu.len() as u32);
    voxels.copy_from(slice.hu);
    let msg = protocol::object(&[
        ("type", "slice".into()),
        ("id", id.into()),
        ("meta", meta.into()),
        ("voxels", voxels.clone().into()),
    ])?;
    let transfer = Array::of1(&voxels.buffer());
    scope.post_message_with_transfer(&msg, &transfer)
}

fn post_progress(
    scope: &DedicatedWorkerGlobalScope,
    id: f64,
    fraction: f64,
    stage: &str,
    count: Option<(usize, usize)>,
) {
    let mut pairs = vec![
        ("type", JsValue::from("progress")),
        ("id", id.into()),
        ("fraction", fraction.into()),
        ("stage", stage.into()),
    ];
    if let Some((done, total)) = count {
        pairs.push(("done", (done as f64).into()));
        pairs.push(("total", (total as f64).into()));
    }
    if let Ok(msg) = protocol::object(&pairs) {
        let _ = scope.post_message(&msg);
    }
}

fn post_error(scope: &DedicatedWorkerGlobalScope, id: f64, message: &str) -> Result<(), JsValue> {
    let msg = protocol::object(&[
        ("type", "error".into()),
        ("id", id.into()),
        ("message", message.into()),
    ])?;
    scope.post_message(&msg)
}

fn post_volume(
    scope: &DedicatedWorkerGlobalScope,
    id: f64,
    v: &Volume,
    series: Vec<SeriesSummary>,
    decode_ms: f64,
    truth: Option<Result<Volume, String>>,
) -> Result<(), JsValue> {
    let mut meta = VolumeMeta::of(v, decode_ms);
    meta.series = series;
    let meta = serde_json::to_string(&meta).map_err(|e| JsValue::from_str(&e.to_string()))?;
    let voxels = Int16Array::new_with_length(v.voxels.len() as u32);
    voxels.copy_from(&v.voxels);
    let msg = protocol::object(&[
        ("type", "volume".into()),
        ("id", id.into()),
        ("meta", meta.into()),
        ("voxels", voxels.clone().into()),
    ])?;
    let transfer = Array::of1(&voxels.buffer());
    match truth {
        Some(Ok(t)) => {
            let meta = serde_json::to_string(&VolumeMeta::of(&t, 0.0))
                .map_err(|e| JsValue::from_str(&e.to_string()))?;
            let tv = Int16Array::new_with_length(t.voxels.len() as u32);
            tv.copy_from(&t.voxels);
            js_sys::Reflect::set(&msg, &"truth_meta".into(), &meta.into())?;
            js_sys::Reflect::set(&msg, &"truth_voxels".into(), &tv)?;
            transfer.push(&tv.buffer());
        }
        Some(Err(message)) => {
            js_sys::Reflect::set(&msg, &"truth_error".into(), &message.into())?;
        }
        None => {}
    }
    scope.post_message_with_transfer(&msg, &transfer)
}
