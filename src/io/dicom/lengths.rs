//! A quick walk over the element headers of a data set held in memory, before dicom-object
//! parses it: every defined value length must fit in the bytes that remain. A corrupted length
//! (e.g. 800 MB in a 700-byte file) would otherwise make the parser reserve that much memory
//! before finding out that the data are missing.
//!
//! Binary numbers must also come whole: dicom-parser reads `length / 8` values of an FD element
//! (likewise for the other fixed-width VRs) but then counts the full length, so a 2-byte FD
//! puts it two bytes off; it then reads the next "header" from value bytes, which can claim a
//! gigabyte-long value that it zero-fills before failing (a 642-byte file took seconds).

use dicom_core::dictionary::DataDictionary;
use dicom_core::VR;
use dicom_dictionary_std::StandardDataDictionary;

use crate::{Error, Result};

/// Bytes per value of the VRs whose values dicom-parser reads as fixed-width binary numbers
/// (1 for everything else).
fn value_width(vr: VR) -> usize {
    match vr {
        VR::FD | VR::OD | VR::SV | VR::UV | VR::OV => 8,
        VR::FL | VR::OF | VR::SL | VR::UL | VR::OL | VR::AT => 4,
        VR::SS | VR::US | VR::OW => 2,
        _ => 1,
    }
}

/// The VR dicom-parser gives an element of an implicit VR data set (from the dictionary).
fn implicit_vr(group: u16, element: u16) -> VR {
    if (group, element) == (0x7FE0, 0x0010) || (group >> 8 == 0x60 && element == 0x3000) {
        return VR::OW;
    }
    StandardDataDictionary
        .by_tag(dicom_core::Tag(group, element))
        .map(|entry| entry.vr.relaxed())
        .unwrap_or(VR::UN)
}

fn u16_at(b: &[u8], p: usize, big: bool) -> Option<u16> {
    let s = b.get(p..p + 2)?;
    Some(if big {
        u16::from_be_bytes([s[0], s[1]])
    } else {
        u16::from_le_bytes([s[0], s[1]])
    })
}

fn u32_at(b: &[u8], p: usize, big: bool) -> Option<u32> {
    let s = b.get(p..p + 4)?;
    let a = [s[0], s[1], s[2], s[3]];
    Some(if big {
        u32::from_be_bytes(a)
    } else {
        u32::from_le_bytes(a)
    })
}

/// Check the element lengths of `data` (explicit or implicit VR, little or big endian).
/// Stops quietly where the structure cannot be followed; dicom-object reports those errors.
pub fn check(data: &[u8], explicit: bool, big: bool) -> Result<()> {
    let too_long = |tag: (u16, u16), len: u32, pos: usize| {
        Err(Error::invalid(
            "DICOM",
            format!(
                "element ({:04X},{:04X}) claims {len} bytes but only {} remain: the file is truncated or corrupt",
                tag.0,
                tag.1,
                data.len().saturating_sub(pos)
            ),
        ))
    };
    let mut pos = 0usize;
    let mut in_pixel_items = false;
    // Open sequences: ends of defined-length ones, and a count of undefined-length ones
    // (sequences, encapsulated pixel data), closed by (FFFE,E0DD).
    let mut sequence_ends: Vec<usize> = Vec::new();
    let mut open_undefined = 0usize;
    while pos + 8 <= data.len() {
        while sequence_ends.last().is_some_and(|&end| pos >= end) {
            sequence_ends.pop();
        }
        let in_sequence = !sequence_ends.is_empty() || open_undefined > 0;
        let (Some(group), Some(element)) = (u16_at(data, pos, big), u16_at(data, pos + 2, big))
        else {
            break;
        };
        if group == 0xFFFE {
            // Item, item delimiter or sequence delimiter: tag + 4-byte length, no VR.
            let Some(len) = u32_at(data, pos + 4, big) else {
                break;
            };
            pos += 8;
            match element {
                // dicom-parser reads an item outside a sequence differently from this walk.
                0xE000 if !in_sequence => {
                    return Err(Error::invalid(
                        "DICOM",
                        "an item (FFFE,E000) lies outside any sequence: the file is corrupt"
                            .to_string(),
                    ));
                }
                0xE000 if len != u32::MAX => {
                    if len as usize > data.len() - pos {
                        return too_long((group, element), len, pos);
                    }
                    if in_pixel_items {
                        pos += len as usize; // a fragment: raw bytes
                    }
                }
                // A delimiter's length should be 0; outside a sequence dicom-parser reads it
                // as a value, so it must at least fit.
                0xE00D | 0xE0DD if len != 0 && len as usize > data.len() - pos => {
                    return too_long((group, element), len, pos);
                }
                0xE0DD => {
                    in_pixel_items = false;
                    open_undefined = open_undefined.saturating_sub(1);
                }
                0xE000 | 0xE00D => {}
                // Any other (FFFE,xxxx) is read as a plain value of that length.
                _ if len != u32::MAX => {
                    if len as usize > data.len() - pos {
                        return too_long((group, element), len, pos);
                    }
                    pos += len as usize;
                }
                _ => {}
            }
            continue;
        }
        let (header, len, vr) = if explicit {
            let vr = [data[pos + 4], data[pos + 5]];
            let parsed = VR::from_binary(vr).unwrap_or(VR::UN);
            // Short-length VRs; any other pair (unknown VRs included, read as UN by the parser)
            // has two reserved bytes and a 4-byte length.
            let short = matches!(
                &vr,
                b"AE"
                    | b"AS"
                    | b"AT"
                    | b"CS"
                    | b"DA"
                    | b"DS"
                    | b"DT"
                    | b"FL"
                    | b"FD"
                    | b"IS"
                    | b"LO"
                    | b"LT"
                    | b"PN"
                    | b"SH"
                    | b"SL"
                    | b"SS"
                    | b"ST"
                    | b"TM"
                    | b"UI"
                    | b"UL"
                    | b"US"
            );
            if short {
                let Some(len) = u16_at(data, pos + 6, big) else {
                    break;
                };
                (8usize, u32::from(len), parsed)
            } else {
                let Some(len) = u32_at(data, pos + 8, big) else {
                    break;
                };
                (12usize, len, parsed)
            }
        } else {
            let Some(len) = u32_at(data, pos + 4, big) else {
                break;
            };
            (8usize, len, implicit_vr(group, element))
        };
        let is_sq = vr == VR::SQ;
        pos += header;
        if len == u32::MAX {
            // Undefined length: a sequence or encapsulated pixel data; walk into it.
            in_pixel_items = (group, element) == (0x7FE0, 0x0010);
            open_undefined += 1;
            continue;
        }
        if len as usize > data.len() - pos {
            return too_long((group, element), len, pos);
        }
        // A partial value matters only when the parser can still read a header after it.
        let (width, len_usize) = (value_width(vr), len as usize);
        let left_over = len_usize % width + (data.len() - pos - len_usize);
        if len_usize % width != 0 && left_over >= 8 {
            return Err(Error::invalid(
                "DICOM",
                format!(
                    "element ({group:04X},{element:04X}) {vr} holds {len} bytes, not a whole \
                     number of {width}-byte values: the file is corrupt"
                ),
            ));
        }
        if is_sq {
            sequence_ends.push(pos + len as usize);
        } else {
            pos += len as usize;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_lengths_past_the_end() {
        // (0008,0060) CS "CT", then (0020,000E) UI claiming 0x2000 bytes.
        let mut d = b"\x08\x00\x60\x00CS\x02\x00CT".to_vec();
        assert!(check(&d, true, false).is_ok());
        d.extend_from_slice(b"\x20\x00\x0e\x00UI\x00\x20abc");
        assert!(check(&d, true, false).is_err());
        // Implicit VR: (0010,0010) with 4 GB - 2.
        let d = b"\x10\x00\x10\x00\xfe\xff\xff\xffab".to_vec();
        assert!(check(&d, false, false).is_err());
    }

    #[test]
    fn finds_lengths_past_the_end_in_the_delimiter_group() {
        // (FFFE,5A0A) is no item or delimiter: dicom-parser reads its 4 GB value.
        let mut d = vec![0u8; 16];
        d.extend_from_slice(b"\xfe\xff\x0a\x5a\x5c\xff\xff\xff\x00");
        let e = check(&d, false, false).unwrap_err().to_string();
        assert!(e.contains("(FFFE,5A0A) claims 4294967132 bytes"), "{e}");
        assert!(check(&d, true, false).is_err());
        // A delimiter claiming 4 GB (dicom-parser reads it as a value outside a sequence).
        let d = b"\xfe\xff\xdd\xe0\x00\x00\x00\xfe\x08\x00\x60\x00CS\x02\x00CT".to_vec();
        let e = check(&d, true, false).unwrap_err().to_string();
        assert!(e.contains("(FFFE,E0DD) claims 4261412864 bytes"), "{e}");
        let d = b"\xfe\xff\x0d\xe0\x00\x00\x00\x00\x08\x00\x60\x00CS\x02\x00CT".to_vec();
        assert!(check(&d, true, false).is_ok());
    }

    #[test]
    fn refuses_items_outside_sequences() {
        let item = b"\xfe\xff\x00\xe0\x00\x00\x00\x00";
        let e = check(item, false, false).unwrap_err().to_string();
        assert!(e.contains("outside any sequence"), "{e}");
        // Inside an undefined-length sequence (implicit VR: (0008,1140) is SQ), and after its
        // delimiter no more.
        let mut d = b"\x08\x00\x40\x11\xff\xff\xff\xff".to_vec();
        d.extend_from_slice(item);
        d.extend_from_slice(b"\xfe\xff\xdd\xe0\x00\x00\x00\x00");
        assert!(check(&d, false, false).is_ok());
        d.extend_from_slice(item);
        assert!(check(&d, false, false).is_err());
        // Inside a defined-length sequence (explicit VR).
        let mut d = b"\x08\x00\x40\x11SQ\x00\x00\x08\x00\x00\x00".to_vec();
        d.extend_from_slice(item);
        d.extend_from_slice(b"\x08\x00\x60\x00CS\x02\x00CT");
        assert!(check(&d, true, false).is_ok());
        d.extend_from_slice(item);
        assert!(check(&d, true, false).is_err());
    }

    #[test]
    fn finds_binary_values_that_are_not_whole() {
        // (0020,0013) FD with 2 bytes, then (0008,0060) CS "CT".
        let mut d = b"\x20\x00\x13\x00FD\x02\x001 ".to_vec();
        d.extend_from_slice(b"\x08\x00\x60\x00CS\x02\x00CT");
        let e = check(&d, true, false).unwrap_err().to_string();
        assert!(e.contains("(0020,0013) FD holds 2 bytes"), "{e}");
        // Whole values pass: FD with 8 bytes, US with 2.
        let mut ok = b"\x18\x00\x50\x00FD\x08\x00".to_vec();
        ok.extend_from_slice(&2.5f64.to_le_bytes());
        ok.extend_from_slice(b"\x28\x00\x10\x00US\x02\x00\x04\x00");
        assert!(check(&ok, true, false).is_ok());
        // Implicit VR: Rows (0028,0010) is US by the dictionary; 3 bytes are not whole.
        let mut d = b"\x28\x00\x10\x00\x03\x00\x00\x00abc".to_vec();
        assert!(
            check(&d, false, false).is_ok(),
            "the last element: nothing to misread"
        );
        d.extend_from_slice(b"\x28\x00\x11\x00\x02\x00\x00\x00\x04\x00");
        let e = check(&d, false, false).unwrap_err().to_string();
        assert!(e.contains("(0028,0010) US holds 3 bytes"), "{e}");
        // An unknown tag in implicit VR is UN: any length.
        let d = b"\x09\x00\x10\x00\x03\x00\x00\x00abc".to_vec();
        assert!(check(&d, false, false).is_ok());
    }
}
