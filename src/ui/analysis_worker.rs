//! The analysis worker (runs in a Web Worker, built from `src/bin/analysis_worker.rs` with the
//! `inference` feature): loads both models from the app's own origin, checks them against
//! their cards, runs the cards' known-answer self-tests, then analyses the slices the page
//! sends, with the same [`Analyzer::analyze_slice`] as the native CLI.

use std::cell::RefCell;

use js_sys::{Array, ArrayBuffer, Float32Array, Float64Array, Int16Array, Uint8Array};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::{spawn_local, JsFuture};
use web_sys::{Cache, DedicatedWorkerGlobalScope, MessageEvent, Response};

use crate::analysis::pipeline::Analyzer;
use crate::model::card::ModelCard;
use crate::model::{integrity, shipped};
use crate::ui::analysis_protocol::{cache_key, CACHE_NAME, MODELS_DIR};
use crate::ui::protocol;

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
        let started = now_ms(&scope);
        match load(&scope).await {
            Ok((analyzer, downloaded)) => {
                ANALYZER.with(|a| *a.borrow_mut() = Some(analyzer));
                if let Ok(msg) = protocol::object(&[
                    ("type", "ready".into()),
                    ("load_ms", (now_ms(&scope) - started).into()),
                    ("downloaded_bytes", (downloaded as f64).into()),
                ]) {
                    let _ = scope.post_message(&msg);
                }
            }
            Err(message) => post_fatal(&scope, &message),
        }
    });
}

fn now_ms(scope: &DedicatedWorkerGlobalScope) -> f64 {
    scope.performance().map(|p| p.now()).unwrap_or(0.0)
}

fn post_fatal(scope: &DedicatedWorkerGlobalScope, message: &str) {
    if let Ok(msg) = protocol::object(&[("type", "fatal".into()), ("message", message.into())]) {
        let _ = scope.post_message(&msg);
    }
}

fn js_text(e: &JsValue) -> String {
    e.as_string()
        .or_else(|| {
            e.dyn_ref::<js_sys::Error>()
                .map(|e| String::from(e.message()))
        })
        .unwrap_or_else(|| format!("{e:?}"))
}

async fn load(scope: &DedicatedWorkerGlobalScope) -> Result<(Analyzer, usize), String> {
    let cls_card = ModelCard::from_json(shipped::CLASSIFIER_CARD).map_err(|e| e.to_string())?;
    let seg_card = ModelCard::from_json(shipped::SEGMENTER_CARD).map_err(|e| e.to_string())?;
    let cache = open_cache(scope).await;
    let (cls, d1) = model_bytes(scope, cache.as_ref(), &cls_card).await?;
    let (seg, d2) = model_bytes(scope, cache.as_ref(), &seg_card).await?;
    let analyzer = Analyzer::new(
        shipped::CLASSIFIER_CARD,
        &cls,
        shipped::SEGMENTER_CARD,
        &seg,
        shipped::ANALYSIS_CARD,
    )
    .map_err(|e| format!("The models failed their start-up check: {e}"))?;
    Ok((analyzer, d1 + d2))
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

async fn response_bytes(response: &Response) -> Result<Vec<u8>, String> {
    let buffer = JsFuture::from(response.array_buffer().map_err(|e| js_text(&e))?)
        .await
        .map_err(|e| js_text(&e))?;
    let buffer: ArrayBuffer = buffer.dyn_into().map_err(|e| js_text(&e))?;
    Ok(Uint8Array::new(&buffer).to_vec())
}

/// The model file's bytes, checked against the card: from the cache when it holds this
/// sha256, else fetched from the app's origin and stored. Returns the bytes downloaded.
async fn model_bytes(
    scope: &DedicatedWorkerGlobalScope,
    cache: Option<&Cache>,
    card: &ModelCard,
) -> Result<(Vec<u8>, usize), String> {
    let key = cache_key(&card.file, card.sha256.as_deref().unwrap_or_default());
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
    if let Some(cache) = cache {
        if let Ok(copy) = Response::new_with_opt_u8_array(Some(&mut bytes)) {
            let _ = JsFuture::from(cache.put_with_str(&key, &copy)).await;
        }
    }
    let n = bytes.len();
    Ok((bytes, n))
}

fn handle(scope: &DedicatedWorkerGlobalScope, data: &JsValue) {
    if protocol::get_str(data, "type") != "slice" {
        return;
    }
    let job = protocol::get_f64(data, "job");
    let k = protocol::get_f64(data, "k");
    if let Err(message) = analyze(scope, data, job, k) {
        if let Ok(msg) = protocol::object(&[
            ("type", "error".into()),
            ("job", job.into()),
            ("k", k.into()),
            ("message", message.into()),
        ]) {
            let _ = scope.post_message(&msg);
        }
    }
}

fn analyze(
    scope: &DedicatedWorkerGlobalScope,
    data: &JsValue,
    job: f64,
    k: f64,
) -> Result<(), String> {
    let rows = protocol::get_f64(data, "rows") as usize;
    let cols = protocol::get_f64(data, "cols") as usize;
    let hu: Int16Array = protocol::get(data, "hu")
        .dyn_into()
        .map_err(|_| "the slice request has no voxels".to_string())?;
    let hu = hu.to_vec();
    if hu.len() != rows * cols {
        return Err(format!(
            "the slice has {} voxels, expected {rows}×{cols}",
            hu.len()
        ));
    }
    let out = ANALYZER.with(|a| match a.borrow().as_ref() {
        Some(a) => a.analyze_slice(&hu, rows, cols).map_err(|e| e.to_string()),
        None => Err("the models are not loaded yet".to_string()),
    })?;
    let scores = Float32Array::new_with_length(6);
    scores.copy_from(&out.scores);
    let labels = Uint8Array::new_with_length(out.labels.len() as u32);
    labels.copy_from(&out.labels);
    let ms = Float64Array::new_with_length(4);
    ms.copy_from(&[
        out.ms_preprocess,
        out.ms_classifier,
        out.ms_segmenter,
        out.ms_postprocess,
    ]);
    let msg = protocol::object(&[
        ("type", "slice".into()),
        ("job", job.into()),
        ("k", k.into()),
        ("scores", scores.into()),
        ("labels", labels.clone().into()),
        ("ms", ms.into()),
    ])
    .map_err(|e| js_text(&e))?;
    scope
        .post_message_with_transfer(&msg, &Array::of1(&labels.buffer()))
        .map_err(|e| js_text(&e))
}
