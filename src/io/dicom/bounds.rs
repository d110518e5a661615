//! A cheap walk over a data set's element headers before dicom-object reads it: every defined
//! value length must fit in the bytes that remain. dicom-parser allocates (and zero-fills) a
//! value's declared length before reading it, so a 400-byte file claiming a 4 GB element would
//! otherwise take gigabytes (in wasm32, memory that is never given back). This only reads
//! headers (tag, VR, length); dicom-object still does the real parsing.

use dicom_core::dictionary::DataDictionary;
use dicom_core::{Tag, VR};
use dicom_dictionary_std::StandardDataDictionary;

use crate::{Error, Result};

const UNDEFINED: u32 = 0xFFFF_FFFF;
const PIXEL_DATA: Tag = Tag(0x7FE0, 0x0010);

/// Check the element lengths of `data` (the data set after the file meta group).
/// `explicit`: explicit VR; `big_endian`: big-endian lengths. Stops quietly where the layout
/// is not what a header walk can follow (more than a million elements).
pub fn check_lengths(data: &[u8], explicit: bool, big_endian: bool) -> Result<()> {
    let u16_at = |p: usize| -> Option<u16> {
        let b: [u8; 2] = data.get(p..p + 2)?.try_into().ok()?;
        Some(if big_endian {
            u16::from_be_bytes(b)
        } else {
            u16::from_le_bytes(b)
        })
    };
    let u32_at = |p: usize| -> Option<u32> {
        let b: [u8; 4] = data.get(p..p + 4)?.try_into().ok()?;
        Some(if big_endian {
            u32::from_be_bytes(b)
        } else {
            u32::from_le_bytes(b)
        })
    };
    let mut pos = 0usize;
    // Enough steps for any real file; a bound so that the walk itself is cheap.
    for _ in 0..1_000_000 {
        let (Some(group), Some(element)) = (u16_at(pos), u16_at(pos + 2)) else {
            return Ok(());
        };
        let tag = Tag(group, element);
        // Item and delimiters: always implicit (tag + 4-byte length). Items are walked into.
        if group == 0xFFFE {
            let Some(len) = u32_at(pos + 4) else {
                return Ok(());
            };
            pos += 8;
            if element == 0xE000 && len != UNDEFINED {
                fits(tag, len, data.len() - pos.min(data.len()))?;
            }
            continue;
        }
        let (vr, len, header) = if explicit {
            let Some(vr_bytes) = data.get(pos + 4..pos + 6) else {
                return Ok(());
            };
            // dicom-parser reads an unknown VR as UN (reserved field and 4-byte length).
            let vr = VR::from_binary([vr_bytes[0], vr_bytes[1]]).unwrap_or(VR::UN);
            if long_length(vr) {
                let Some(len) = u32_at(pos + 8) else {
                    return Ok(());
                };
                (vr, len, 12)
            } else {
                let Some(len) = u16_at(pos + 6) else {
                    return Ok(());
                };
                (vr, u32::from(len), 8)
            }
        } else {
            let Some(len) = u32_at(pos + 4) else {
                return Ok(());
            };
            let vr = StandardDataDictionary
                .by_tag(tag)
                .map(|e| e.vr.relaxed())
                .unwrap_or(VR::UN);
            (vr, len, 8)
        };
        pos += header;
        let remaining = data.len().saturating_sub(pos);
        if tag == PIXEL_DATA && len == UNDEFINED {
            // Encapsulated: items of raw fragment bytes up to the sequence delimiter.
            loop {
                let (Some(g), Some(e), Some(item_len)) =
                    (u16_at(pos), u16_at(pos + 2), u32_at(pos + 4))
                else {
                    return Ok(());
                };
                pos += 8;
                if g != 0xFFFE || e != 0xE000 {
                    break; // the delimiter (or something the parser will refuse)
                }
                fits(Tag(g, e), item_len, data.len().saturating_sub(pos))?;
                pos += item_len as usize;
            }
            continue;
        }
        if len == UNDEFINED {
            // A sequence (or UN of undefined length, read as one): walk into its items.
            continue;
        }
        fits(tag, len, remaining)?;
        if vr == VR::SQ {
            continue; // walk into the items
        }
        pos += len as usize;
    }
    Ok(())
}

/// VRs with a 2-byte reserved field and a 4-byte length in explicit VR.
fn long_length(vr: VR) -> bool {
    matches!(
        vr,
        VR::OB
            | VR::OD
            | VR::OF
            | VR::OL
            | VR::OV
            | VR::OW
            | VR::SQ
            | VR::SV
            | VR::UC
            | VR::UN
            | VR::UR
            | VR::UT
            | VR::UV
    )
}

fn fits(tag: Tag, len: u32, remaining: usize) -> Result<()> {
    if len as usize > remaining {
        return Err(Error::invalid(
            "DICOM",
            format!(
                "element ({:04X},{:04X}) claims {len} bytes but only {remaining} remain: the file \
                 is truncated or corrupt",
                tag.0, tag.1
            ),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn explicit_el(tag: (u16, u16), vr: &[u8; 2], value: &[u8], claimed: Option<u32>) -> Vec<u8> {
        let mut b = Vec::new();
        b.extend_from_slice(&tag.0.to_le_bytes());
        b.extend_from_slice(&tag.1.to_le_bytes());
        b.extend_from_slice(vr);
        let len = claimed.unwrap_or(value.len() as u32);
        if long_length(VR::from_binary(*vr).unwrap()) {
            b.extend_from_slice(&[0, 0]);
            b.extend_from_slice(&len.to_le_bytes());
        } else {
            b.extend_from_slice(&(len as u16).to_le_bytes());
        }
        b.extend_from_slice(value);
        b
    }

    #[test]
    fn a_length_past_the_end_is_refused() {
        let mut d = explicit_el((0x0008, 0x0060), b"CS", b"CT", None);
        d.extend(explicit_el(
            (0x0009, 0x0010),
            b"OB",
            b"abcd",
            Some(4_000_000_000),
        ));
        let e = check_lengths(&d, true, false).unwrap_err().to_string();
        assert!(e.contains("(0009,0010) claims 4000000000 bytes"), "{e}");
    }

    #[test]
    fn an_unknown_vr_is_read_as_un() {
        // (0008,0016) with VR "U\xef", reserved bytes, then a 4-byte length of 0xefefefef.
        let mut d = vec![
            0x08, 0x00, 0x16, 0x00, b'U', 0xef, 0xef, 0xef, 0xef, 0xef, 0xef, 0xef,
        ];
        d.extend_from_slice(&[0xef; 64]);
        let e = check_lengths(&d, true, false).unwrap_err().to_string();
        assert!(e.contains("claims 4025479151 bytes"), "{e}");
    }

    #[test]
    fn a_well_formed_data_set_passes() {
        let mut d = explicit_el((0x0008, 0x0060), b"CS", b"CT", None);
        d.extend(explicit_el(
            (0x0028, 0x0010),
            b"US",
            &4u16.to_le_bytes(),
            None,
        ));
        d.extend(explicit_el((0x7FE0, 0x0010), b"OW", &[0; 8], None));
        check_lengths(&d, true, false).unwrap();
    }

    #[test]
    fn implicit_vr_lengths_inside_an_undefined_sequence_are_checked() {
        let mut d = Vec::new();
        // (0008,1140) SQ, undefined length; one item, undefined length.
        d.extend_from_slice(&[0x08, 0x00, 0x40, 0x11, 0xFF, 0xFF, 0xFF, 0xFF]);
        d.extend_from_slice(&[0xFE, 0xFF, 0x00, 0xE0, 0xFF, 0xFF, 0xFF, 0xFF]);
        // (0008,1150) UI claiming 1 GB.
        d.extend_from_slice(&[0x08, 0x00, 0x50, 0x11]);
        d.extend_from_slice(&(1u32 << 30).to_le_bytes());
        d.extend_from_slice(b"1.2.3");
        assert!(check_lengths(&d, false, false).is_err());
    }
}
