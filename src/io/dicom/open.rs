//! Bytes → one parsed DICOM object (dicom-object), with or without the 128-byte preamble, and
//! also bare data sets without a file meta group (old or hand-made files).

use std::io::Cursor;

use dicom_object::{DefaultDicomObject, FileMetaTableBuilder, InMemDicomObject};
use dicom_transfer_syntax_registry::{TransferSyntaxIndex, TransferSyntaxRegistry};

use crate::{Error, Result};

const IMPLICIT_LE: &str = "1.2.840.10008.1.2";
const EXPLICIT_LE: &str = "1.2.840.10008.1.2.1";
const EXPLICIT_BE: &str = "1.2.840.10008.1.2.2";
const DEFLATED_LE: &str = "1.2.840.10008.1.2.1.99";

/// How the bytes start.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Layout {
    /// 128-byte preamble, then "DICM", then the file meta group.
    Preamble,
    /// "DICM" then the file meta group (preamble stripped).
    Magic,
    /// A bare data set (no meta group), explicit or implicit VR little endian.
    Bare { explicit: bool },
}

fn layout(bytes: &[u8]) -> Option<Layout> {
    if bytes.len() >= 132 && &bytes[128..132] == b"DICM" {
        return Some(Layout::Preamble);
    }
    if bytes.len() >= 4 && &bytes[..4] == b"DICM" {
        return Some(Layout::Magic);
    }
    // A bare data set starts with a small even group (0002 meta, 0008 identifying) in little
    // endian; an explicit VR element has two upper-case letters at bytes 4..6.
    if bytes.len() >= 8 {
        let group = u16::from_le_bytes([bytes[0], bytes[1]]);
        let element = u16::from_le_bytes([bytes[2], bytes[3]]);
        if matches!(group, 0x0002 | 0x0008) && element < 0x0100 {
            let explicit = bytes[4].is_ascii_uppercase() && bytes[5].is_ascii_uppercase();
            return Some(Layout::Bare { explicit });
        }
    }
    None
}

/// Whether the bytes look like DICOM (preamble + "DICM", "DICM", or a bare data set).
/// Cheap: looks at the first bytes only.
pub fn is_dicom(bytes: &[u8]) -> bool {
    layout(bytes).is_some()
}

/// Parse one DICOM object from bytes. Pixel data are kept encoded; nothing is decoded here.
///
/// The file meta group is read here rather than by dicom-object's file reader, which rejects
/// common real-world deviations (no group length, over-long implementation version name, as in
/// the RSNA challenge files); the data set itself is read by dicom-object.
pub fn parse(bytes: &[u8]) -> Result<DefaultDicomObject> {
    let Some(found) = layout(bytes) else {
        return Err(Error::UnknownFormat(
            "not a DICOM file (no \"DICM\" marker and no data set at the start)".into(),
        ));
    };
    let (meta, offset) = match found {
        Layout::Preamble => read_meta(bytes, 132)?,
        Layout::Magic => read_meta(bytes, 4)?,
        Layout::Bare { .. } => (MetaInfo::default(), 0),
    };
    let data = bytes.get(offset..).unwrap_or_default();
    let uid = match meta.transfer_syntax {
        Some(uid) => uid,
        None => match layout(data) {
            Some(Layout::Bare { explicit: true }) => EXPLICIT_LE.to_string(),
            _ => IMPLICIT_LE.to_string(),
        },
    };
    // A deflated data set is inflated here (bounded), so that its element lengths are checked
    // like any other; it is then read as the explicit VR little endian data set it holds.
    let inflated;
    let (data, uid) = if uid == DEFLATED_LE {
        inflated = inflate(data)?;
        (inflated.as_slice(), EXPLICIT_LE.to_string())
    } else {
        (data, uid)
    };
    let ts = TransferSyntaxRegistry
        .get(&uid)
        .ok_or_else(|| unsupported_ts(&uid))?;
    // Some writers declare an explicit VR syntax but write implicit VR: such data sets are read
    // as implicit VR when the declared syntax fails, keeping the declared syntax for the pixels.
    let may_fall_back = !matches!(ts.uid(), IMPLICIT_LE | EXPLICIT_BE)
        && layout(data) == Some(Layout::Bare { explicit: false });
    // The element lengths are checked the way the parser will read them: with the declared
    // syntax, and again as implicit VR before falling back to it.
    let read_implicit = || -> Result<InMemDicomObject> {
        super::lengths::check(data, false, false)?;
        let implicit = TransferSyntaxRegistry
            .get(IMPLICIT_LE)
            .ok_or_else(|| unsupported_ts(IMPLICIT_LE))?;
        InMemDicomObject::read_dataset_with_ts(Cursor::new(data), implicit)
            .map_err(|e| read_error(&e.to_string()))
    };
    let declared = super::lengths::check(data, uid != IMPLICIT_LE, uid == EXPLICIT_BE);
    let obj = match declared {
        // The declared syntax's complaint says more than the fallback's.
        Err(e) if may_fall_back => read_implicit().map_err(|_| e)?,
        Err(e) => return Err(e),
        Ok(()) => match InMemDicomObject::read_dataset_with_ts(Cursor::new(data), ts) {
            Ok(obj) => obj,
            Err(e) if may_fall_back => read_implicit().map_err(|_| read_error(&e.to_string()))?,
            Err(e) => return Err(read_error(&e.to_string())),
        },
    };
    let mut builder = FileMetaTableBuilder::new().transfer_syntax(uid.as_str());
    if let Some(c) = meta.sop_class {
        builder = builder.media_storage_sop_class_uid(c);
    }
    if let Some(i) = meta.sop_instance {
        builder = builder.media_storage_sop_instance_uid(i);
    }
    obj.with_meta(builder)
        .map_err(|e| Error::invalid("DICOM", format!("cannot build a file meta group: {e}")))
}

/// What we need from the file meta group.
#[derive(Debug, Default)]
struct MetaInfo {
    transfer_syntax: Option<String>,
    sop_class: Option<String>,
    sop_instance: Option<String>,
}

fn uid_text(v: &[u8]) -> Option<String> {
    let s = String::from_utf8_lossy(v);
    let s = s.trim_matches(|c: char| c == '\0' || c.is_whitespace());
    (!s.is_empty()).then(|| s.to_string())
}

/// Read the group 0002 elements starting at `pos` (explicit VR little endian, or implicit VR
/// as some writers do); return them and the offset where the data set starts.
fn read_meta(bytes: &[u8], mut pos: usize) -> Result<(MetaInfo, usize)> {
    let mut meta = MetaInfo::default();
    let truncated = || Error::invalid("DICOM", "the file meta group is truncated");
    while let Some(h) = bytes.get(pos..pos + 8) {
        let group = u16::from_le_bytes([h[0], h[1]]);
        if group != 0x0002 {
            break;
        }
        let element = u16::from_le_bytes([h[2], h[3]]);
        let explicit = h[4].is_ascii_uppercase() && h[5].is_ascii_uppercase();
        let long_vr = matches!(
            &h[4..6],
            b"OB"
                | b"OW"
                | b"OF"
                | b"OD"
                | b"OL"
                | b"OV"
                | b"SQ"
                | b"UT"
                | b"UN"
                | b"UC"
                | b"UR"
                | b"SV"
                | b"UV"
        );
        let (header, len) = if !explicit {
            (
                8usize,
                u32::from_le_bytes([h[4], h[5], h[6], h[7]]) as usize,
            )
        } else if long_vr {
            let l = bytes.get(pos + 8..pos + 12).ok_or_else(truncated)?;
            (12, u32::from_le_bytes([l[0], l[1], l[2], l[3]]) as usize)
        } else {
            (8, u16::from_le_bytes([h[6], h[7]]) as usize)
        };
        if len == 0xFFFF_FFFF {
            return Err(Error::invalid(
                "DICOM",
                "undefined length inside the file meta group",
            ));
        }
        let end = pos.checked_add(header + len).ok_or_else(truncated)?;
        let value = bytes.get(pos + header..end).ok_or_else(truncated)?;
        match element {
            0x0002 => meta.sop_class = uid_text(value),
            0x0003 => meta.sop_instance = uid_text(value),
            0x0010 => meta.transfer_syntax = uid_text(value),
            _ => {}
        }
        pos = end;
    }
    Ok((meta, pos))
}

/// Turn a dicom-object read error into our error, naming an unknown transfer syntax when that
/// is the cause.
/// Largest data set accepted once inflated (deflated transfer syntax).
const MAX_INFLATED_BYTES: u64 = 1 << 30;

/// Inflate a deflated data set (raw deflate, RFC 1951), refusing more than
/// [`MAX_INFLATED_BYTES`] so that a deflate bomb cannot exhaust memory.
fn inflate(data: &[u8]) -> Result<Vec<u8>> {
    use std::io::Read;
    let mut out = Vec::new();
    flate2::read::DeflateDecoder::new(data)
        .take(MAX_INFLATED_BYTES + 1)
        .read_to_end(&mut out)
        .map_err(|e| {
            Error::invalid(
                "DICOM",
                format!("the deflated data set cannot be inflated: {e}"),
            )
        })?;
    if out.len() as u64 > MAX_INFLATED_BYTES {
        return Err(Error::invalid(
            "DICOM",
            format!(
                "the deflated data set inflates to more than {} MB: too large",
                MAX_INFLATED_BYTES >> 20
            ),
        ));
    }
    Ok(out)
}

fn read_error(msg: &str) -> Error {
    if let Some(uid) = unknown_ts_in(msg) {
        return unsupported_ts(&uid);
    }
    Error::invalid("DICOM", format!("cannot read the data set: {msg}"))
}

fn unknown_ts_in(msg: &str) -> Option<String> {
    let lower = msg.to_ascii_lowercase();
    if !lower.contains("transfer syntax")
        || !(lower.contains("unsupported") || lower.contains("unknown"))
    {
        return None;
    }
    msg.split(|c: char| !(c.is_ascii_digit() || c == '.'))
        .find(|t| t.starts_with("1.") && t.matches('.').count() >= 3)
        .map(|t| t.trim_end_matches('.').to_string())
}

/// The standard name of a transfer syntax UID ("unknown transfer syntax" when not standard).
pub fn ts_name(uid: &str) -> String {
    let uid = uid.trim_end_matches(['\0', ' ']);
    match TransferSyntaxRegistry.get(uid) {
        Some(ts) => ts.name().to_string(),
        None => "unknown transfer syntax".to_string(),
    }
}

/// The error for pixel data in a transfer syntax that cannot be decoded here.
pub fn unsupported_ts(uid: &str) -> Error {
    let uid = uid.trim_end_matches(['\0', ' ']);
    Error::unsupported(
        "DICOM",
        format!(
            "transfer syntax {uid} ({}) cannot be decoded; convert the files to an uncompressed or \
             JPEG 2000 syntax (e.g. dcmdjpls / gdcmconv) and try again",
            ts_name(uid)
        ),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn layout_detection() {
        let mut pre = vec![0u8; 132];
        pre[128..132].copy_from_slice(b"DICM");
        assert_eq!(layout(&pre), Some(Layout::Preamble));
        assert_eq!(layout(b"DICM\x02\x00\x00\x00"), Some(Layout::Magic));
        assert_eq!(
            layout(b"\x08\x00\x05\x00CS\x0a\x00"),
            Some(Layout::Bare { explicit: true })
        );
        assert_eq!(
            layout(b"\x08\x00\x05\x00\x0a\x00\x00\x00"),
            Some(Layout::Bare { explicit: false })
        );
        assert_eq!(layout(b"\x5c\x01\x00\x00nifti"), None);
        assert_eq!(layout(b""), None);
    }

    #[test]
    fn names_transfer_syntaxes() {
        assert!(ts_name("1.2.840.10008.1.2.4.80").contains("JPEG-LS"));
        assert_eq!(ts_name("1.2.3.4.5"), "unknown transfer syntax");
        let e = unsupported_ts("1.2.840.10008.1.2.4.100\0").to_string();
        assert!(e.contains("1.2.840.10008.1.2.4.100 ("), "{e}");
        assert_eq!(
            unknown_ts_in("Unsupported transfer syntax 1.2.3.4.99 found").as_deref(),
            Some("1.2.3.4.99")
        );
    }
}
