//! The analysis worker (runs in a Web Worker, built from `src/bin/analysis_worker.rs` with the
//! `inference` feature): loads both models from the app's own origin, checks them against
//! their cards (sha256), builds and self-tests the segmenter (the card's known-answer test),
//! then analyses the slices the page sends, with the same [`Analyzer::analyze_slice`] as the
//! native CLI. The classifier, unused by a plain analysis (weight 0 in the analysis card), is
//! built and self-tested on its first use (the cascade's first pass).

use std::cell::RefCell;

use js_sys::{Array, ArrayBuffer, Uint8Array};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::{spawn_local, JsFuture};
use web_sys::{Cache, DedicatedWorkerGlobalScope, MessageEvent, Request, Response};

use crate::analysis::pipeline::Analyzer;
use crate::model::card::ModelCard;
use crate::model::validate::validate_model;
use crate::model::{integrity, shipped, ModelRole};
use crate::ui::core::analysis_info::WorkerStart;
use crate::ui::workers::analysis_protocol::{
    cache_key, FromWorker, ModelVerdict, SliceMode, ToWorker, CACHE_NAME, MODELS_DIR,
};
use crate::ui::core::model_cache;

thread_local! {
    static ANALYZER: RefCell<Option<Analyzer>> = const { RefCell::new(None) };
}

/// Start: listen for slices, load the models, and say "ready" (or "fatal").
pub fn start() {
    let scope: DedicatedWorkerGlobalScope = js_sys::global().unchecked_into();
    let panic_scope = scope.clone();
    std::panic::set_hook(Box::new(move |info| {
        post_fatal(&panic_scope, &format!("the analysis stopped ({info})"));
    }));
    let handler_scope = scope.clone();
    let on_message = Closure::<dyn FnMut(MessageEvent)>::new(move |e: MessageEvent| {
        handle(&handler_scope, &e.data());
    });
    scope.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
    on_message.forget();
    spawn_local(async move {
        // a worker's clock starts when the page creates it
        let started = now_ms(&scope);
        match load(&scope).await {
            Ok((analyzer, downloaded, read)) => {
                ANALYZER.with(|a| *a.borrow_mut() = Some(analyzer));
                let built = now_ms(&scope);
                post(
                    &scope,
                    &FromWorker::Ready {
                        downloaded_bytes: downloaded as f64,
                        simd: SIMD,
                        relaxed_simd: RELAXED_SIMD,
                        start: WorkerStart {
                            compile_ms: started,
                            read_ms: read - started,
                            build_ms: built - read,
                        },
                    },
                );
            }
            Err(message) => post_fatal(&scope, &message),
        }
    });
}

fn now_ms(scope: &DedicatedWorkerGlobalScope) -> f64 {
    scope.performance().map(|p| p.now()).unwrap_or(0.0)
}

/// Whether this build of the worker uses wasm SIMD (the page picks the build at start-up).
const SIMD: bool = cfg!(target_feature = "simd128");
/// Whether this build uses wasm relaxed SIMD (scripts/build-relaxed-worker.sh).
const RELAXED_SIMD: bool = cfg!(target_feature = "relaxed-simd");

fn post(scope: &DedicatedWorkerGlobalScope, msg: &FromWorker) {
    if let Ok((msg, transfer)) = msg.to_js() {
        let _ = scope.post_message_with_transfer(&msg, &transfer);
    }
}

fn post_fatal(scope: &DedicatedWorkerGlobalScope, message: &str) {
    post(
        scope,
        &FromWorker::Fatal {
            message: message.to_string(),
        },
    );
}

fn js_text(e: &JsValue) -> String {
    e.as_string()
        .or_else(|| {
            e.dyn_ref::<js_sys::Error>()
                .map(|e| String::from(e.message()))
        })
        .unwrap_or_else(|| format!("{e:?}"))
}

/// The analyzer, the bytes downloaded, and when (worker clock, ms) the model files were read.
async fn load(scope: &DedicatedWorkerGlobalScope) -> Result<(Analyzer, usize, f64), String> {
    let cls_card = ModelCard::from_json(shipped::CLASSIFIER_CARD).map_err(|e| e.to_string())?;
    let seg_card = ModelCard::from_json(shipped::SEGMENTER_CARD).map_err(|e| e.to_string())?;
    let cache = open_cache(scope).await;
    // the cache writes run side by side; "cached" is said when all are done
    let mut writes = Vec::new();
    let (seg, d1) = model_bytes(scope, cache.as_ref(), &seg_card, &mut writes).await?;
    let (cls, d2) = model_bytes(scope, cache.as_ref(), &cls_card, &mut writes).await?;
    for write in writes {
        let _ = JsFuture::from(write).await;
    }
    post(scope, &FromWorker::Cached);
    let read = now_ms(scope);
    if let Some(cache) = cache {
        // after the plans are built: nothing waits for it
        let cards = [cls_card, seg_card];
        spawn_local(async move { prune_cache(&cache, &[&cards[0], &cards[1]]).await });
    }
    let analyzer = Analyzer::new(
        shipped::CLASSIFIER_CARD,
        &cls,
        shipped::SEGMENTER_CARD,
        &seg,
        shipped::ANALYSIS_CARD,
    )
    .map_err(|e| format!("The models failed their start-up check: {e}"))?;
    Ok((analyzer, d1 + d2, read))
}

/// The browser's model cache, when this context has one (it may be disabled).
async fn open_cache(scope: &DedicatedWorkerGlobalScope) -> Option<Cache> {
    let caches = scope.caches().ok()?;
    JsFuture::from(caches.open(CACHE_NAME))
        .await
        .ok()?
        .dyn_into()
        .ok()
}

/// Deletes the cache's entries for other versions of the shipped model files (a new build
/// shipped new weights): the cache keeps only what this build reads. Best effort.
async fn prune_cache(cache: &Cache, cards: &[&ModelCard]) {
    let current: Vec<(&str, &str)> = cards
        .iter()
        .map(|c| (c.file.as_str(), c.sha256.as_deref().unwrap_or_default()))
        .collect();
    let Ok(requests) = JsFuture::from(cache.keys()).await else {
        return;
    };
    for request in Array::from(&requests).iter() {
        let Ok(request) = request.dyn_into::<Request>() else {
            continue;
        };
        if model_cache::is_stale(&request.url(), &current) {
            let _ = JsFuture::from(cache.delete_with_request(&request)).await;
        }
    }
}

async fn response_bytes(response: &Response) -> Result<Vec<u8>, String> {
    let buffer = JsFuture::from(response.array_buffer().map_err(|e| js_text(&e))?)
        .await
        .map_err(|e| js_text(&e))?;
    let buffer: ArrayBuffer = buffer.dyn_into().map_err(|e| js_text(&e))?;
    Ok(Uint8Array::new(&buffer).to_vec())
}

/// The model file's bytes, checked against the card: as the loader script read them, else
/// from the cache when it holds this sha256, else fetched from the app's origin; bytes from
/// the network are then stored (the write is added to `writes`). Returns the bytes downloaded.
async fn model_bytes(
    scope: &DedicatedWorkerGlobalScope,
    cache: Option<&Cache>,
    card: &ModelCard,
    writes: &mut Vec<js_sys::Promise>,
) -> Result<(Vec<u8>, usize), String> {
    let key = cache_key(&card.file, card.sha256.as_deref().unwrap_or_default());
    if let Some(read) = read_by_loader(&key).await {
        let LoaderRead {
            mut bytes,
            cached,
            sha256,
        } = read;
        let ok = match &sha256 {
            Some(hex) => integrity::verify_digest(bytes.len(), hex, card),
            None => integrity::verify(&bytes, card),
        }
        .is_ok();
        if ok {
            if cached {
                return Ok((bytes, 0));
            }
            store(cache, &key, &mut bytes, writes);
            let n = bytes.len();
            return Ok((bytes, n));
        }
    }
    if let Some(cache) = cache {
        if let Ok(hit) = JsFuture::from(cache.match_with_str(&key)).await {
            if let Ok(response) = hit.dyn_into::<Response>() {
                if let Ok(bytes) = response_bytes(&response).await {
                    if integrity::verify(&bytes, card).is_ok() {
                        return Ok((bytes, 0));
                    }
                }
                let _ = JsFuture::from(cache.delete_with_str(&key)).await;
            }
        }
    }
    let url = format!("{MODELS_DIR}{}", card.file);
    let response: Response = JsFuture::from(scope.fetch_with_str(&url))
        .await
        .map_err(|e| format!("{url} could not be loaded: {}", js_text(&e)))?
        .dyn_into()
        .map_err(|e| js_text(&e))?;
    if !response.ok() {
        return Err(format!(
            "{url} could not be loaded (HTTP {})",
            response.status()
        ));
    }
    let mut bytes = response_bytes(&response).await?;
    integrity::verify(&bytes, card).map_err(|e| e.to_string())?;
    store(cache, &key, &mut bytes, writes);
    let n = bytes.len();
    Ok((bytes, n))
}

/// Starts keeping checked model bytes in the model cache (best effort: without a cache, or
/// when it is full, the next start reads the network again); the write is added to `writes`.
fn store(cache: Option<&Cache>, key: &str, bytes: &mut [u8], writes: &mut Vec<js_sys::Promise>) {
    if let Some(cache) = cache {
        if let Ok(copy) = Response::new_with_opt_u8_array(Some(bytes)) {
            writes.push(cache.put_with_str(key, &copy));
        }
    }
}

/// A model file the loader script read while the module compiled (see `analysis_protocol`).
struct LoaderRead {
    bytes: Vec<u8>,
    /// From the model cache (else the network).
    cached: bool,
    /// Its sha256 (hex) by the browser's WebCrypto, where the context has it.
    sha256: Option<String>,
}

/// The loader's read of `key`. `None` when it has none or its read failed: the worker then
/// reads the file itself and reports any failure.
async fn read_by_loader(key: &str) -> Option<LoaderRead> {
    let reads = js_sys::Reflect::get(&js_sys::global(), &"hemoscopeRead".into()).ok()?;
    let promise: js_sys::Promise = js_sys::Reflect::get(&reads, &key.into())
        .ok()?
        .dyn_into()
        .ok()?;
    let read = JsFuture::from(promise).await.ok()?;
    let buffer: ArrayBuffer = js_sys::Reflect::get(&read, &"bytes".into())
        .ok()?
        .dyn_into()
        .ok()?;
    let field = |name: &str| js_sys::Reflect::get(&read, &name.into()).ok();
    Some(LoaderRead {
        bytes: Uint8Array::new(&buffer).to_vec(),
        cached: field("cached").and_then(|v| v.as_bool()).unwrap_or(false),
        sha256: field("sha256").and_then(|v| v.as_string()),
    })
}

fn handle(scope: &DedicatedWorkerGlobalScope, data: &JsValue) {
    match ToWorker::from_js(data) {
        Ok(ToWorker::Slice {
            job,
            k,
            rows,
            cols,
            hu,
            mode,
            classified,
        }) => {
            let reply = analyze(&hu.to_vec(), rows as usize, cols as usize, mode, classified)
                .map(|(scores, labels, ms)| FromWorker::Slice {
                    job,
                    k,
                    mode,
                    scores,
                    labels,
                    ms,
                })
                .unwrap_or_else(|message| FromWorker::Error { job, k, message });
            post(scope, &reply);
        }
        Ok(ToWorker::Model { role, card, onnx }) => post(scope, &use_model(role, &card, &onnx)),
        Ok(ToWorker::Read { .. }) => {}
        Err(message) => web_sys::console::warn_1(&message.into()),
    }
}

/// Validate a user's model and, when it passes, use it in place of the shipped one.
pub fn use_model(role: ModelRole, card: &str, onnx: &Uint8Array) -> FromWorker {
    let refused = |message: String| FromWorker::Model(ModelVerdict::refused(role, message));
    let v = match validate_model(role, card, &onnx.to_vec()) {
        Ok(v) => v,
        Err(e) => return refused(e.to_string()),
    };
    let (name, version, warnings) = (
        v.card.name.clone(),
        v.card.version.clone(),
        v.warnings.clone(),
    );
    let replaced = ANALYZER.with(|a| match a.borrow_mut().as_mut() {
        Some(a) => {
            a.replace(v);
            true
        }
        None => false,
    });
    if !replaced {
        return refused("the shipped models are not loaded yet".to_string());
    }
    FromWorker::Model(ModelVerdict {
        role,
        ok: true,
        name,
        version,
        warnings,
        message: String::new(),
    })
}

/// One slice: scores, label map (empty for the classifier pass) and times.
pub fn analyze(
    hu: &[i16],
    rows: usize,
    cols: usize,
    mode: SliceMode,
    classified: Option<[f32; 6]>,
) -> Result<([f32; 6], Uint8Array, [f64; 4]), String> {
    ANALYZER.with(|a| {
        let a = a.borrow();
        let a = a.as_ref().ok_or("the models are not loaded yet")?;
        match mode {
            SliceMode::Classify => {
                let t0 = js_sys::Date::now();
                let p = a
                    .classify_slice(hu, rows, cols)
                    .map_err(|e| e.to_string())?;
                Ok((
                    p,
                    Uint8Array::new_with_length(0),
                    [0.0, js_sys::Date::now() - t0, 0.0, 0.0],
                ))
            }
            SliceMode::Full => {
                let out = a
                    .analyze_slice_given(hu, rows, cols, classified)
                    .map_err(|e| e.to_string())?;
                let labels = Uint8Array::new_with_length(out.labels.len() as u32);
                labels.copy_from(&out.labels);
                Ok((
                    out.scores,
                    labels,
                    [
                        out.ms_preprocess,
                        out.ms_classifier,
                        out.ms_segmenter,
                        out.ms_postprocess,
                    ],
                ))
            }
        }
    })
}

/// Load the shipped models straight from bytes (no fetch): used by the browser tests.
pub fn load_shipped_for_tests() -> Result<(), String> {
    let analyzer = Analyzer::shipped().map_err(|e| e.to_string())?;
    ANALYZER.with(|a| *a.borrow_mut() = Some(analyzer));
    Ok(())
}
