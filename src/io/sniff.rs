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
    if bytes.is_empty() {
        return Format::Unknown("an empty file".to_string());
    }
    let magic: Vec<String> = bytes.iter().take(4).map(|b| format!("{b:02x}")).collect();
    Format::Unknown(format!(
        "{} bytes starting with {}",
        bytes.len(),
        magic.join(" ")
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_names_size_and_magic_only() {
        match sniff(b"hello world, this is text") {
            Format::Unknown(s) => assert_eq!(s, "25 bytes starting with 68 65 6c 6c"),
            f => panic!("{f:?}"),
        }
        assert_eq!(sniff(&[]), Format::Unknown("an empty file".into()));
        let mut dicom = vec![0u8; 200];
        dicom[128..132].copy_from_slice(b"DICM");
        assert_eq!(sniff(&dicom), Format::Dicom);
        // Truncated gzip header.
        assert!(matches!(sniff(&[0x1f, 0x8b]), Format::Unknown(_)));
    }
}
