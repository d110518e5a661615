//! A quick walk over the element headers of a data set held in memory, before dicom-object
//! parses it: every defined value length must fit in the bytes that remain. A corrupted length
//! (e.g. 800 MB in a 700-byte file) would otherwise make the parser reserve that much memory
//! before finding out that the data are missing.

use crate::{Error, Result};

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
    while pos + 8 <= data.len() {
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
                0xE000 if len != u32::MAX => {
                    if len as usize > data.len() - pos {
                        return too_long((group, element), len, pos);
                    }
                    if in_pixel_items {
                        pos += len as usize; // a fragment: raw bytes
                    }
                }
                0xE0DD => in_pixel_items = false,
                _ => {}
            }
            continue;
        }
        let (header, len, is_sq) = if explicit {
            let vr = [data[pos + 4], data[pos + 5]];
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
                (8usize, u32::from(len), false)
            } else {
                let Some(len) = u32_at(data, pos + 8, big) else {
                    break;
                };
                (12usize, len, &vr == b"SQ")
            }
        } else {
            let Some(len) = u32_at(data, pos + 4, big) else {
                break;
            };
            (8usize, len, false)
        };
        pos += header;
        if len == u32::MAX {
            // Undefined length: a sequence or encapsulated pixel data; walk into it.
            in_pixel_items = (group, element) == (0x7FE0, 0x0010);
            continue;
        }
        if len as usize > data.len() - pos {
            return too_long((group, element), len, pos);
        }
        if !is_sq {
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
}
