//! `.zip` archives → the files inside (zip crate, pure Rust, deflate only).
//!
//! Nothing is written to disk; still, entries whose names leave the archive root (`../`,
//! absolute paths) are refused, and sizes are bounded so a zip bomb cannot exhaust memory:
//! each entry and the total are read through a hard limit, whatever the headers claim.

use std::io::{Cursor, Read};

use ::zip::ZipArchive;

use super::InputFile;
use crate::{Error, Result};

/// Limits for extraction.
#[derive(Debug, Clone, Copy)]
pub struct ZipLimits {
    /// Largest single entry, uncompressed.
    pub max_entry_bytes: u64,
    /// Largest sum of all entries, uncompressed.
    pub max_total_bytes: u64,
    /// Most entries read.
    pub max_entries: usize,
}

impl Default for ZipLimits {
    fn default() -> Self {
        ZipLimits {
            max_entry_bytes: 512 << 20,
            max_total_bytes: 1536 << 20,
            max_entries: 20_000,
        }
    }
}

/// Whether the bytes start like a zip archive.
pub fn is_zip(bytes: &[u8]) -> bool {
    bytes.starts_with(b"PK\x03\x04") || bytes.starts_with(b"PK\x05\x06")
}

/// Whether an entry name stays inside the archive root.
fn safe_name(name: &str) -> bool {
    !name.is_empty()
        && !name.starts_with('/')
        && !name.starts_with('\\')
        && !name.contains('\0')
        && name.as_bytes().get(1) != Some(&b':')
        && !name.split(['/', '\\']).any(|c| c == "..")
}

/// An entry name as shown in messages: control characters escaped, at most 120 characters.
fn shown(name: &str) -> String {
    let escaped: String = name.chars().flat_map(char::escape_debug).collect();
    if escaped.chars().count() > 120 {
        let head: String = escaped.chars().take(117).collect();
        format!("{head}...")
    } else {
        escaped
    }
}

/// Read every regular file of the archive. Skipped entries (directories, unsafe names,
/// encrypted or unreadable entries, macOS metadata) are listed in the returned notes.
pub fn extract(
    archive_name: &str,
    bytes: &[u8],
    limits: ZipLimits,
) -> Result<(Vec<InputFile>, Vec<String>)> {
    let mut archive = ZipArchive::new(Cursor::new(bytes)).map_err(|e| {
        Error::invalid(
            "zip",
            format!("{archive_name}: cannot read the archive: {e}"),
        )
    })?;
    let mut files = Vec::new();
    let mut notes = Vec::new();
    let mut total = 0u64;
    if archive.len() > limits.max_entries {
        return Err(Error::invalid(
            "zip",
            format!(
                "{archive_name} holds {} entries, more than the {} accepted",
                archive.len(),
                limits.max_entries
            ),
        ));
    }
    for i in 0..archive.len() {
        let mut entry = match archive.by_index(i) {
            Ok(e) => e,
            Err(e) => {
                notes.push(format!("{archive_name}: entry {i} skipped: {e}"));
                continue;
            }
        };
        let name = entry.name().map(|n| n.to_string()).unwrap_or_default();
        if entry.is_dir() {
            continue;
        }
        if !safe_name(&name) || entry.enclosed_name().is_none() {
            notes.push(format!(
                "{archive_name}: entry {} skipped: path escapes the archive",
                shown(&name)
            ));
            continue;
        }
        if name.starts_with("__MACOSX/")
            || name.rsplit('/').next().is_some_and(|b| b == ".DS_Store")
        {
            continue;
        }
        if entry.encrypted() {
            notes.push(format!(
                "{archive_name}: entry {} skipped: encrypted",
                shown(&name)
            ));
            continue;
        }
        let room = limits.max_entry_bytes.min(limits.max_total_bytes - total);
        let too_large = |size: u64, compressed: u64| {
            let (limit, what) = if room == limits.max_entry_bytes {
                (limits.max_entry_bytes, "per entry")
            } else {
                (limits.max_total_bytes, "for the whole archive")
            };
            Error::invalid(
                "zip",
                format!(
                    "{archive_name}: entry {}: compressed size {compressed} bytes, {size} bytes \
                     or more uncompressed: too large, the limit is {} MB {what}",
                    shown(&name),
                    limit >> 20
                ),
            )
        };
        if entry.size() > room {
            return Err(too_large(entry.size(), entry.compressed_size()));
        }
        let mut data = Vec::with_capacity(entry.size().min(64 << 20) as usize);
        // Read at most room + 1 bytes: a header that lies about the size cannot get past it.
        match (&mut entry).take(room + 1).read_to_end(&mut data) {
            Ok(_) if data.len() as u64 > room => {
                return Err(too_large(data.len() as u64, entry.compressed_size()));
            }
            Ok(_) => {
                total += data.len() as u64;
                files.push(InputFile {
                    name: format!("{archive_name}/{name}"),
                    bytes: data,
                });
            }
            Err(e) => notes.push(format!(
                "{archive_name}: entry {}: compressed size {} bytes, cannot be decompressed \
                 ({e}), skipped",
                shown(&name),
                entry.compressed_size()
            )),
        }
    }
    Ok((files, notes))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unsafe_names() {
        assert!(safe_name("series/IM0001.dcm"));
        assert!(safe_name("a..b/c"));
        assert!(!safe_name("../evil.dcm"));
        assert!(!safe_name("a/../../evil"));
        assert!(!safe_name("/etc/passwd"));
        assert!(!safe_name("C:\\x"));
        assert!(!safe_name("a\\..\\b"));
    }

    #[test]
    fn names_are_shown_escaped_and_short() {
        assert_eq!(shown("a/b.dcm"), "a/b.dcm");
        assert_eq!(shown("a\nb"), "a\\nb");
        assert_eq!(shown(&"x".repeat(300)).chars().count(), 120);
    }
}
