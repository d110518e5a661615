//! Messages between the page and the analysis workers, as typed values with their JS form.
//!
//! Worker → page, once: `{type: "cached"}` as soon as the model files are in the browser's
//! cache (the page then starts the other workers, which read them from there while this one
//! still optimises and self-tests its plan).
//!
//! Worker → page, once: `{type: "ready", downloaded_bytes, simd, relaxed_simd, compile_ms,
//! read_ms, build_ms}` after both models were read (the loader's read, else the Cache API, else
//! the network), checked against their cards' sha256, and the segmenter optimised and
//! self-tested (`simd` / `relaxed_simd`: whether this worker's wasm uses SIMD / relaxed SIMD;
//! the three phases as in `WorkerStart`); or `{type: "fatal", message}`
//! when that failed (the page shows the message instead of results).
//!
//! Page → worker: `{type: "slice", job, k, rows, cols, hu: Int16Array}` (buffer transferred),
//! optionally with `mode: "classify"` (classifier only: the cascade's first pass) or
//! `classified: Float32Array(6)` (the classifier's probabilities, already known).
//! Worker → page: `{type: "slice", job, k, mode, scores: Float32Array(6), labels: Uint8Array
//! (rows × cols, buffer transferred; empty for "classify"), ms: Float64Array [preprocess,
//! classifier, segmenter, postprocess]}` or `{type: "error", job, k, message}`.
//!
//! Page → worker, first: `{type: "read", cache, files: [{key, url}]}`, handled by the worker's
//! loader script (web/analysis_worker_loader.js), not by the wasm module: it starts reading the
//! model files (the model cache first, else the network) while the module still compiles; the
//! module then takes the bytes from `self.hemoscopeRead[key]` and checks them as it checks
//! bytes it read itself.
//!
//! Page → worker: `{type: "model", role, card, onnx: Uint8Array}`: validate a user's model and,
//! when it passes, use it in place of the shipped one. Worker → page: `{type: "model", role,
//! ok, name, version, warnings: [string], message}`.

use js_sys::{Array, Float32Array, Float64Array, Int16Array, Uint8Array};
use wasm_bindgen::{JsCast, JsValue};

use crate::model::ModelRole;
use crate::ui::workers::decode_protocol::{get, get_f64, get_str, object};

pub use crate::ui::core::model_cache::{cache_key, CACHE_NAME, MODELS_DIR};

/// What a worker does with a slice (shared with the pool's decisions).
pub use crate::ui::core::pool::{ModelVerdict, SliceMode};

use crate::ui::core::analysis_info::WorkerStart;

/// Page → worker.
#[derive(Debug, Clone)]
pub enum ToWorker {
    /// Analyse one slice (`hu`: rows × cols, row-major; its buffer is transferred).
    Slice {
        job: u32,
        k: u32,
        rows: u32,
        cols: u32,
        hu: Int16Array,
        mode: SliceMode,
        classified: Option<[f32; 6]>,
    },
    /// Validate a user's model and use it in place of the shipped one.
    Model {
        role: ModelRole,
        card: String,
        onnx: Uint8Array,
    },
    /// For the loader script: start reading these model files, `(cache key, url)`.
    Read { files: Vec<(String, String)> },
}

/// Worker → page.
#[derive(Debug, Clone)]
pub enum FromWorker {
    Cached,
    Ready {
        downloaded_bytes: f64,
        simd: bool,
        relaxed_simd: bool,
        start: WorkerStart,
    },
    Fatal {
        message: String,
    },
    Slice {
        job: u32,
        k: u32,
        mode: SliceMode,
        scores: [f32; 6],
        labels: Uint8Array,
        ms: [f64; 4],
    },
    Error {
        job: u32,
        k: u32,
        message: String,
    },
    /// The verdict on a user's model.
    Model(ModelVerdict),
}

fn f32s(a: &[f32]) -> JsValue {
    let t = Float32Array::new_with_length(a.len() as u32);
    t.copy_from(a);
    t.into()
}

fn six(v: &JsValue) -> Option<[f32; 6]> {
    let t = v.dyn_ref::<Float32Array>()?;
    if t.length() != 6 {
        return None;
    }
    let mut s = [0f32; 6];
    t.copy_to(&mut s);
    Some(s)
}

fn id(v: &JsValue, key: &str) -> Result<u32, String> {
    let x = get_f64(v, key);
    if x.is_finite() && x >= 0.0 && x <= u32::MAX as f64 && x.fract() == 0.0 {
        Ok(x as u32)
    } else {
        Err(format!("the message has no valid `{key}`"))
    }
}

fn role(v: &JsValue) -> Result<ModelRole, String> {
    ModelRole::parse(&get_str(v, "role")).map_err(|e| e.to_string())
}

impl ToWorker {
    /// The JS message and the buffers to transfer with it.
    pub fn to_js(&self) -> Result<(JsValue, Array), JsValue> {
        match self {
            ToWorker::Slice {
                job,
                k,
                rows,
                cols,
                hu,
                mode,
                classified,
            } => {
                let mut pairs = vec![
                    ("type", "slice".into()),
                    ("job", (*job).into()),
                    ("k", (*k).into()),
                    ("rows", (*rows).into()),
                    ("cols", (*cols).into()),
                    ("hu", hu.clone().into()),
                ];
                if *mode != SliceMode::Full {
                    pairs.push(("mode", mode.as_str().into()));
                }
                if let Some(c) = classified {
                    pairs.push(("classified", f32s(c)));
                }
                Ok((object(&pairs)?.into(), Array::of1(&hu.buffer())))
            }
            ToWorker::Model { role, card, onnx } => Ok((
                object(&[
                    ("type", "model".into()),
                    ("role", role.as_str().into()),
                    ("card", card.as_str().into()),
                    ("onnx", onnx.clone().into()),
                ])?
                .into(),
                Array::new(),
            )),
            ToWorker::Read { files } => {
                let list = Array::new();
                for (key, url) in files {
                    list.push(&object(&[("key", key.into()), ("url", url.into())])?.into());
                }
                Ok((
                    object(&[
                        ("type", "read".into()),
                        ("cache", CACHE_NAME.into()),
                        ("files", list.into()),
                    ])?
                    .into(),
                    Array::new(),
                ))
            }
        }
    }

    /// The loader's read request for the shipped models (`(file, sha256)` of each card).
    pub fn read_shipped(models: &[(String, String)]) -> ToWorker {
        ToWorker::Read {
            files: models
                .iter()
                .map(|(file, sha256)| (cache_key(file, sha256), format!("{MODELS_DIR}{file}")))
                .collect(),
        }
    }

    /// Read a message the page sent.
    pub fn from_js(v: &JsValue) -> Result<ToWorker, String> {
        match get_str(v, "type").as_str() {
            "slice" => {
                let hu: Int16Array = get(v, "hu")
                    .dyn_into()
                    .map_err(|_| "the slice request has no voxels".to_string())?;
                let (rows, cols) = (id(v, "rows")?, id(v, "cols")?);
                if hu.length() as u64 != rows as u64 * cols as u64 {
                    return Err(format!(
                        "the slice has {} voxels, expected {rows}×{cols}",
                        hu.length()
                    ));
                }
                Ok(ToWorker::Slice {
                    job: id(v, "job")?,
                    k: id(v, "k")?,
                    rows,
                    cols,
                    hu,
                    mode: SliceMode::parse(&get_str(v, "mode")),
                    classified: six(&get(v, "classified")),
                })
            }
            "model" => Ok(ToWorker::Model {
                role: role(v)?,
                card: get_str(v, "card"),
                onnx: get(v, "onnx")
                    .dyn_into()
                    .map_err(|_| "the model message has no ONNX bytes".to_string())?,
            }),
            // the loader's message, when it arrives after the module took over: nothing to do
            "read" => Ok(ToWorker::Read { files: Vec::new() }),
            other => Err(format!("unknown message type {other:?}")),
        }
    }
}

impl FromWorker {
    /// The JS message and the buffers to transfer with it.
    pub fn to_js(&self) -> Result<(JsValue, Array), JsValue> {
        let none = Array::new();
        let o = match self {
            FromWorker::Cached => object(&[("type", "cached".into())])?,
            FromWorker::Ready {
                downloaded_bytes,
                simd,
                relaxed_simd,
                start,
            } => object(&[
                ("type", "ready".into()),
                ("downloaded_bytes", (*downloaded_bytes).into()),
                ("simd", (*simd).into()),
                ("relaxed_simd", (*relaxed_simd).into()),
                ("compile_ms", start.compile_ms.into()),
                ("read_ms", start.read_ms.into()),
                ("build_ms", start.build_ms.into()),
            ])?,
            FromWorker::Fatal { message } => {
                object(&[("type", "fatal".into()), ("message", message.into())])?
            }
            FromWorker::Slice {
                job,
                k,
                mode,
                scores,
                labels,
                ms,
            } => {
                let t = Float64Array::new_with_length(4);
                t.copy_from(ms);
                let o = object(&[
                    ("type", "slice".into()),
                    ("job", (*job).into()),
                    ("k", (*k).into()),
                    ("mode", mode.as_str().into()),
                    ("scores", f32s(scores)),
                    ("labels", labels.clone().into()),
                    ("ms", t.into()),
                ])?;
                return Ok((o.into(), Array::of1(&labels.buffer())));
            }
            FromWorker::Error { job, k, message } => object(&[
                ("type", "error".into()),
                ("job", (*job).into()),
                ("k", (*k).into()),
                ("message", message.into()),
            ])?,
            FromWorker::Model(ModelVerdict {
                role,
                ok,
                name,
                version,
                warnings,
                message,
            }) => object(&[
                ("type", "model".into()),
                ("role", role.as_str().into()),
                ("ok", (*ok).into()),
                ("name", name.into()),
                ("version", version.into()),
                (
                    "warnings",
                    warnings
                        .iter()
                        .map(|w| JsValue::from_str(w))
                        .collect::<Array>()
                        .into(),
                ),
                ("message", message.into()),
            ])?,
        };
        Ok((o.into(), none))
    }

    /// Read a message a worker sent.
    pub fn from_js(v: &JsValue) -> Result<FromWorker, String> {
        match get_str(v, "type").as_str() {
            "cached" => Ok(FromWorker::Cached),
            "ready" => Ok(FromWorker::Ready {
                downloaded_bytes: get_f64(v, "downloaded_bytes"),
                simd: get(v, "simd").as_bool().unwrap_or(true),
                relaxed_simd: get(v, "relaxed_simd").as_bool().unwrap_or(false),
                start: WorkerStart {
                    compile_ms: get_f64(v, "compile_ms"),
                    read_ms: get_f64(v, "read_ms"),
                    build_ms: get_f64(v, "build_ms"),
                },
            }),
            "fatal" => Ok(FromWorker::Fatal {
                message: get_str(v, "message"),
            }),
            "slice" => {
                let scores = six(&get(v, "scores")).ok_or("the slice result has no six scores")?;
                let labels: Uint8Array = get(v, "labels")
                    .dyn_into()
                    .map_err(|_| "the slice result has no label map".to_string())?;
                let mut ms = [0f64; 4];
                if let Some(t) = get(v, "ms").dyn_ref::<Float64Array>() {
                    if t.length() == 4 {
                        t.copy_to(&mut ms);
                    }
                }
                Ok(FromWorker::Slice {
                    job: id(v, "job")?,
                    k: id(v, "k")?,
                    mode: SliceMode::parse(&get_str(v, "mode")),
                    scores,
                    labels,
                    ms,
                })
            }
            "error" => Ok(FromWorker::Error {
                job: id(v, "job")?,
                k: id(v, "k")?,
                message: get_str(v, "message"),
            }),
            "model" => Ok(FromWorker::Model(ModelVerdict {
                role: role(v)?,
                ok: get(v, "ok").as_bool().unwrap_or(false),
                name: get_str(v, "name"),
                version: get_str(v, "version"),
                warnings: get(v, "warnings")
                    .dyn_into::<Array>()
                    .map(|a| a.iter().filter_map(|w| w.as_string()).collect())
                    .unwrap_or_default(),
                message: get_str(v, "message"),
            })),
            other => Err(format!("unknown message type {other:?}")),
        }
    }
}
