//! Messages between the page and the analysis workers.
//!
//! Worker → page, once: `{type: "ready", load_ms, downloaded_bytes}` after both models were
//! fetched (Cache API first), checked against their cards' sha256, optimised and self-tested;
//! or `{type: "fatal", message}` when that failed (the page shows the message instead of
//! results).
//!
//! Page → worker: `{type: "slice", job, k, rows, cols, hu: Int16Array}` (buffer transferred).
//! Worker → page: `{type: "slice", job, k, scores: Float32Array(6), labels: Uint8Array
//! (rows × cols, buffer transferred), ms: Float64Array [preprocess, classifier, segmenter,
//! postprocess]}` or `{type: "error", job, k, message}`.

/// Where the page serves the model files (copied next to index.html by trunk).
pub const MODELS_DIR: &str = "models/";

/// Name of the browser cache that keeps model files, keyed by their sha256.
pub const CACHE_NAME: &str = "hemoscope-models";

/// Cache key of a model file: its URL with the expected sha256, so a new model version never
/// reads an old file.
pub fn cache_key(file: &str, sha256: &str) -> String {
    format!("{MODELS_DIR}{file}?sha256={sha256}")
}
