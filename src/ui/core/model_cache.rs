//! The browser cache that keeps the model files between visits and across app builds.
//!
//! Its entries are keyed by the file's name and expected sha256, so a new model version
//! never reads an old file; the service worker's per-build caches come and go, this one
//! stays (web/sw.js keeps it by name). An entry of a model file whose sha256 is no longer
//! the shipped one is stale and is deleted once the current file is stored.

/// Where the page serves the model files (copied next to index.html by trunk).
pub const MODELS_DIR: &str = "models/";

/// Name of the browser cache that keeps model files (web/sw.js names it too).
pub const CACHE_NAME: &str = "hemoscope-models";

/// Cache key of a model file: its URL with the expected sha256.
pub fn cache_key(file: &str, sha256: &str) -> String {
    format!("{MODELS_DIR}{file}?sha256={sha256}")
}

/// Whether a cached request URL (absolute, as the cache lists it) is another version of one
/// of the `current` model files (`(file, sha256)` pairs): same file, other sha256.
pub fn is_stale(url: &str, current: &[(&str, &str)]) -> bool {
    let Some((path, query)) = url.split_once('?') else {
        return false;
    };
    current.iter().any(|(file, sha256)| {
        let wanted = format!("sha256={sha256}");
        path.ends_with(&format!("/{MODELS_DIR}{file}")) && query != wanted
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: [(&str, &str); 2] = [("segmenter.onnx", "aa11"), ("classifier.onnx", "bb22")];

    #[test]
    fn keys_carry_the_sha256() {
        assert_eq!(
            cache_key("segmenter.onnx", "aa11"),
            "models/segmenter.onnx?sha256=aa11"
        );
    }

    #[test]
    fn another_version_of_a_shipped_file_is_stale() {
        let base = "https://example.org/app/";
        assert!(is_stale(
            &format!("{base}models/segmenter.onnx?sha256=old"),
            &NOW
        ));
        assert!(is_stale(
            &format!("{base}models/classifier.onnx?sha256="),
            &NOW
        ));
        assert!(!is_stale(
            &format!("{base}models/segmenter.onnx?sha256=aa11"),
            &NOW
        ));
        assert!(!is_stale(
            &format!("{base}models/classifier.onnx?sha256=bb22"),
            &NOW
        ));
    }

    #[test]
    fn other_entries_are_left_alone() {
        let base = "https://example.org/";
        // Not a shipped file, no query, or a file whose name only ends like one.
        assert!(!is_stale(&format!("{base}models/mine.onnx?sha256=x"), &NOW));
        assert!(!is_stale(&format!("{base}models/segmenter.onnx"), &NOW));
        assert!(!is_stale(
            &format!("{base}models/my-segmenter.onnx?sha256=x"),
            &NOW
        ));
        assert!(!is_stale(
            &format!("{base}other/segmenter.onnx?sha256=x"),
            &NOW
        ));
    }
}
