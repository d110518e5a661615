//! Where a manifest's URLs point: relative references are resolved against the manifest;
//! absolute ones are only accepted when they stay on the page's origin (privacy: the app never
//! fetches from another site).

use crate::{Error, Result};

/// What a URL in a manifest is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UrlKind {
    /// A path relative to the manifest (`cases/a.nii.gz`, `../b.nii.gz`, `/data/c.nii.gz`).
    Relative,
    /// An absolute URL with a scheme (`https://host/x`), or scheme-relative (`//host/x`), with
    /// its origin (`scheme://host[:port]`, lowercased).
    Absolute { origin: String },
}

/// Classify a URL string from a manifest.
pub fn kind(url: &str) -> UrlKind {
    let u = url.trim();
    if let Some(rest) = u.strip_prefix("//") {
        let host = rest.split(['/', '?', '#']).next().unwrap_or("");
        return UrlKind::Absolute {
            origin: format!("//{}", host.to_ascii_lowercase()),
        };
    }
    // A scheme is letters, digits, + - . before the first ':' that comes before any '/'.
    if let Some(colon) = u.find(':') {
        let scheme = &u[..colon];
        let is_scheme = !scheme.is_empty()
            && scheme.starts_with(|c: char| c.is_ascii_alphabetic())
            && scheme
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c));
        if is_scheme {
            let rest = &u[colon + 1..];
            let origin = match rest.strip_prefix("//") {
                Some(r) => format!(
                    "{}://{}",
                    scheme.to_ascii_lowercase(),
                    r.split(['/', '?', '#'])
                        .next()
                        .unwrap_or("")
                        .to_ascii_lowercase()
                ),
                None => format!("{}:", scheme.to_ascii_lowercase()),
            };
            return UrlKind::Absolute { origin };
        }
    }
    UrlKind::Relative
}

/// Check that `url` may be fetched by a page at `page_origin` (e.g. `http://127.0.0.1:8080`):
/// relative URLs always, absolute ones only on the same origin. `what` names the field for
/// the message.
pub fn check_same_origin(url: &str, page_origin: &str, what: &str) -> Result<()> {
    match kind(url) {
        UrlKind::Relative => Ok(()),
        UrlKind::Absolute { origin } if origin == page_origin.to_ascii_lowercase() => Ok(()),
        UrlKind::Absolute { origin } => Err(Error::Other(format!(
            "{what} points to another site ({origin}); for privacy the app only opens files \
             from its own origin ({page_origin}). Serve the dataset next to the app and use \
             URLs relative to the manifest"
        ))),
    }
}

/// Resolve a relative URL against a local manifest file's folder, for the CLI: the path part
/// only (no query or fragment), percent-escapes decoded, `/` separators. Absolute URLs are
/// refused: the CLI reads files, not the network.
pub fn to_local_path(
    base_dir: &std::path::Path,
    url: &str,
    what: &str,
) -> Result<std::path::PathBuf> {
    if let UrlKind::Absolute { origin } = kind(url) {
        return Err(Error::Other(format!(
            "{what} is an absolute URL ({origin}…); the command line reads files relative to \
             the manifest, so use a relative URL"
        )));
    }
    let path = url.split(['?', '#']).next().unwrap_or("");
    if path.is_empty() {
        return Err(Error::Other(format!("{what} is empty")));
    }
    let decoded = percent_decode(path)
        .ok_or_else(|| Error::Other(format!("{what} has an invalid percent-escape: {path:?}")))?;
    let mut out = base_dir.to_path_buf();
    for part in decoded.trim_start_matches('/').split('/') {
        match part {
            "" | "." => {}
            ".." => {
                out.push("..");
            }
            p => out.push(p),
        }
    }
    Ok(out)
}

/// Decode `%XX` escapes (UTF-8); `None` when an escape is malformed or the result is not UTF-8.
pub fn percent_decode(s: &str) -> Option<String> {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut n = 0;
    while n < b.len() {
        if b[n] == b'%' {
            let hex = s.get(n + 1..n + 3)?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            n += 3;
        } else {
            out.push(b[n]);
            n += 1;
        }
    }
    String::from_utf8(out).ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    #[test]
    fn classifies_relative_and_absolute_urls() {
        assert_eq!(kind("cases/a.nii.gz"), UrlKind::Relative);
        assert_eq!(kind("../a.nii.gz"), UrlKind::Relative);
        assert_eq!(kind("/data/a.nii.gz"), UrlKind::Relative);
        assert_eq!(
            kind("a:b/c"),
            UrlKind::Absolute {
                origin: "a:".into()
            }
        );
        assert_eq!(
            kind("HTTPS://Example.org:8443/x.nii"),
            UrlKind::Absolute {
                origin: "https://example.org:8443".into()
            }
        );
        assert_eq!(
            kind("//evil.example/x"),
            UrlKind::Absolute {
                origin: "//evil.example".into()
            }
        );
        assert_eq!(
            kind("dir:1/x"),
            UrlKind::Absolute {
                origin: "dir:".into()
            }
        );
        assert_eq!(kind("1dir:x"), UrlKind::Relative);
    }

    #[test]
    fn other_origins_are_refused_with_a_clear_message() {
        let page = "http://127.0.0.1:8080";
        assert!(check_same_origin("cases/a.nii.gz", page, "image").is_ok());
        assert!(check_same_origin("http://127.0.0.1:8080/d/a.nii", page, "image").is_ok());
        let e = check_same_origin("https://example.org/a.nii", page, "case 3 image")
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("case 3 image points to another site (https://example.org)"),
            "{e}"
        );
        assert!(e.contains("privacy"), "{e}");
        assert!(check_same_origin("//example.org/a", page, "x").is_err());
        assert!(check_same_origin("data:application/octet-stream,AAAA", page, "x").is_err());
    }

    #[test]
    fn local_paths_are_relative_to_the_manifest() {
        let base = Path::new("/d/set");
        assert_eq!(
            to_local_path(base, "cases/a%20b.nii.gz?x=1", "image").unwrap(),
            Path::new("/d/set/cases/a b.nii.gz")
        );
        assert_eq!(
            to_local_path(base, "./x/../y.nii", "image").unwrap(),
            Path::new("/d/set/x/../y.nii")
        );
        assert!(to_local_path(base, "https://h/a.nii", "image").is_err());
        assert!(to_local_path(base, "a%zz.nii", "image").is_err());
        assert!(to_local_path(base, "", "image").is_err());
    }
}
