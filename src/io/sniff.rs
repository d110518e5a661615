//! Content-based format detection.

use std::io::Read;

use flate2::read::MultiGzDecoder;

use super::nifti::{is_gzip, sniff_nifti, NiftiKind, NIFTI2_HEADER_LEN};

/// What the first bytes of a file look like.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Format {
    /// Single-file NIfTI-1.
    Nifti1 { gzip: bool },
    /// The header of a NIfTI-1 `.hdr`/`.img` pair.
    Nifti1Pair { gzip: bool },
    /// NIfTI-2 (single file or pair).
    Nifti2 { gzip: bool },
    /// DICOM Part 10 (`DICM` preamble marker).
    Dicom,
    /// Nothing recognised; the text says what was seen (sizes and magic numbers, never content).
    Unknown(String),
}

/// Recognise the format of `bytes`. A gzip stream is inflated just enough to look inside.
pub fn sniff(bytes: &[u8]) -> Format {
    if is_gzip(bytes) {
        let mut head = Vec::with_capacity(NIFTI2_HEADER_LEN);
        let got = MultiGzDecoder::new(bytes)
            .take(NIFTI2_HEADER_LEN as u64)
            .read_to_end(&mut head);
        if got.is_err() && head.is_empty() {
            return Format::Unknown("a gzip file whose content cannot be inflated".to_string());
        }
        return match sniff_plain(&head) {
            Format::Nifti1 { .. } => Format::Nifti1 { gzip: true },
            Format::Nifti1Pair { .. } => Format::Nifti1Pair { gzip: true },
            Format::Nifti2 { .. } => Format::Nifti2 { gzip: true },
            Format::Dicom => Format::Unknown("a gzip-compressed DICOM file".to_string()),
            Format::Unknown(seen) => Format::Unknown(format!("a gzip file containing {seen}")),
        };
    }
    sniff_plain(bytes)
}

fn sniff_plain(bytes: &[u8]) -> Format {
    match sniff_nifti(bytes) {
        Some(NiftiKind::Nifti1) => return Format::Nifti1 { gzip: false },
        Some(NiftiKind::Nifti1Pair) => return Format::Nifti1Pair { gzip: false },
        Some(NiftiKind::Nifti2) | Some(NiftiKind::Nifti2Pair) => {
            return Format::Nifti2 { gzip: false }
        }
        None => {}
    }
    if bytes.len() >= 132 && &bytes[128..132] == b"DICM" {
        return Format::Dicom;
    }
    Format::Unknown(describe_unknown(bytes))
}

/// Say what unrecognised bytes look like without quoting them: a known file type by its magic
/// number, "text", or binary data with its first four bytes in hex (never text content).
fn describe_unknown(bytes: &[u8]) -> String {
    const KNOWN: [(&[u8], &str); 7] = [
        (b"PK\x03\x04", "a ZIP archive"),
        (b"\x89PNG", "a PNG image"),
        (b"\xff\xd8\xff", "a JPEG image"),
        (b"%PDF", "a PDF document"),
        (b"GIF8", "a GIF image"),
        (b"BZh", "a bzip2 file"),
        (b"\xfd7zXZ", "an xz file"),
    ];
    if bytes.is_empty() {
        return "an empty file".to_string();
    }
    if let Some((_, name)) = KNOWN.iter().find(|(magic, _)| bytes.starts_with(magic)) {
        return format!("{name} ({} bytes)", bytes.len());
    }
    let head = &bytes[..bytes.len().min(512)];
    let texty = std::str::from_utf8(head).is_ok_and(|t| {
        t.chars()
            .all(|c| !c.is_control() || c.is_ascii_whitespace())
    });
    if texty {
        return format!("a text file ({} bytes)", bytes.len());
    }
    let magic: Vec<String> = bytes.iter().take(4).map(|b| format!("{b:02x}")).collect();
    format!(
        "{} bytes of binary data starting with {}",
        bytes.len(),
        magic.join(" ")
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_names_size_and_magic_only() {
        match sniff(b"hello world, this is text") {
            Format::Unknown(s) => assert_eq!(s, "a text file (25 bytes)"),
            f => panic!("{f:?}"),
        }
        match sniff(&[0u8, 1, 2, 3, 4]) {
            Format::Unknown(s) => assert_eq!(s, "5 bytes of binary data starting with 00 01 02 03"),
            f => panic!("{f:?}"),
        }
        assert_eq!(
            sniff(b"%PDF-1.7 ..."),
            Format::Unknown("a PDF document (12 bytes)".into())
        );
        assert_eq!(sniff(&[]), Format::Unknown("an empty file".into()));
        let mut dicom = vec![0u8; 200];
        dicom[128..132].copy_from_slice(b"DICM");
        assert_eq!(sniff(&dicom), Format::Dicom);
        // Truncated gzip header.
        assert!(matches!(sniff(&[0x1f, 0x8b]), Format::Unknown(_)));
    }
}
