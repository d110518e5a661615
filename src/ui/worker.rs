//! The decode worker (runs in a Web Worker, built from `src/bin/decode_worker.rs`): turns
//! files into a [`Volume`] with the `io` layer, or generates the demo case, off the page's
//! thread, and posts the voxels back as a transferred `Int16Array`.

use std::io::Read;

use js_sys::{Array, ArrayBuffer, Int16Array, Uint8Array};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{DedicatedWorkerGlobalScope, MessageEvent};

use crate::io::{self, InputFile};
use crate::ui::protocol::{self, VolumeMeta};
use crate::{phantom, Volume};

/// Largest decompressed size accepted from a gzip file (wasm32 has at most 4 GB in all).
const MAX_DECOMPRESSED_BYTES: usize = 1536 << 20;

/// Start listening for requests and tell the page the worker is ready.
pub fn start() {
    let scope: DedicatedWorkerGlobalScope = js_sys::global().unchecked_into();
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

fn handle(scope: &DedicatedWorkerGlobalScope, data: &JsValue) {
    let id = protocol::get_f64(data, "id");
    let started = now_ms(scope);
    let result = match protocol::get_str(data, "type").as_str() {
        "demo" => {
            post_progress(scope, id, 0.0, "Generating the demo case");
            Ok(phantom::demo_volume())
        }
        "open" => files_from_message(data).and_then(|files| decode(scope, id, files)),
        other => Err(format!("unknown request {other:?}")),
    };
    let posted = match result {
        Ok(volume) => post_volume(scope, id, &volume, now_ms(scope) - started),
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

/// Decode the files handed to the page into one volume.
fn decode(
    scope: &DedicatedWorkerGlobalScope,
    id: f64,
    mut files: Vec<InputFile>,
) -> Result<Volume, String> {
    match files.len() {
        0 => Err("no file was given".to_string()),
        1 => {
            let file = files.remove(0);
            let bytes = if is_gzip(&file.bytes) {
                gunzip_with_progress(&file.bytes, |f| {
                    post_progress(scope, id, f, "Decompressing")
                })
                .map_err(|e| format!("{}: {e}", file.name))?
            } else {
                file.bytes
            };
            post_progress(scope, id, 1.0, "Decoding");
            io::open_bytes(&file.name, &bytes).map_err(|e| format!("{}: {e}", file.name))
        }
        n => Err(format!(
            "{n} files were given: open one NIfTI volume (.nii or .nii.gz) at a time"
        )),
    }
}

fn is_gzip(bytes: &[u8]) -> bool {
    bytes.len() >= 2 && bytes[0] == 0x1f && bytes[1] == 0x8b
}

/// Decompress gzip data in 1 MiB steps, reporting the fraction of input consumed, so the page
/// can show a progress bar. (Decompression is done here rather than inside the NIfTI reader
/// only to report progress; the `io` layer accepts both forms.)
fn gunzip_with_progress(data: &[u8], mut progress: impl FnMut(f64)) -> Result<Vec<u8>, String> {
    struct Counting<'a> {
        data: &'a [u8],
        pos: usize,
    }
    impl Read for Counting<'_> {
        fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
            let n = buf.len().min(self.data.len() - self.pos);
            buf[..n].copy_from_slice(&self.data[self.pos..self.pos + n]);
            self.pos += n;
            Ok(n)
        }
    }
    // The gzip trailer holds the decompressed size modulo 2^32: a good capacity hint.
    let hint = data
        .get(data.len().saturating_sub(4)..)
        .and_then(|t| <[u8; 4]>::try_from(t).ok())
        .map(|t| u32::from_le_bytes(t) as usize)
        .unwrap_or(0)
        .min(MAX_DECOMPRESSED_BYTES);
    let mut out = Vec::with_capacity(hint);
    let mut decoder = flate2::read::MultiGzDecoder::new(Counting { data, pos: 0 });
    let mut chunk = vec![0u8; 1 << 20];
    let mut last_report = 0usize;
    loop {
        let n = decoder
            .read(&mut chunk)
            .map_err(|e| format!("the gzip data are corrupt or truncated ({e})"))?;
        if n == 0 {
            break;
        }
        if out.len() + n > MAX_DECOMPRESSED_BYTES {
            return Err(format!(
                "the file decompresses to more than {} MB, which is more than this app can hold",
                MAX_DECOMPRESSED_BYTES >> 20
            ));
        }
        out.extend_from_slice(&chunk[..n]);
        let consumed = decoder.get_ref().pos;
        if consumed - last_report >= 1 << 20 {
            last_report = consumed;
            progress(consumed as f64 / data.len().max(1) as f64);
        }
    }
    Ok(out)
}

fn post_progress(scope: &DedicatedWorkerGlobalScope, id: f64, fraction: f64, stage: &str) {
    if let Ok(msg) = protocol::object(&[
        ("type", "progress".into()),
        ("id", id.into()),
        ("fraction", fraction.into()),
        ("stage", stage.into()),
    ]) {
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
    decode_ms: f64,
) -> Result<(), JsValue> {
    let meta = serde_json::to_string(&VolumeMeta::of(v, decode_ms))
        .map_err(|e| JsValue::from_str(&e.to_string()))?;
    let voxels = Int16Array::new_with_length(v.voxels.len() as u32);
    voxels.copy_from(&v.voxels);
    let msg = protocol::object(&[
        ("type", "volume".into()),
        ("id", id.into()),
        ("meta", meta.into()),
        ("voxels", voxels.clone().into()),
    ])?;
    let transfer = Array::of1(&voxels.buffer());
    scope.post_message_with_transfer(&msg, &transfer)
}
