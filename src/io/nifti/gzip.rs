//! Gzip input for the NIfTI reader: the members of a `.nii.gz` inflated one after the other,
//! each member's header parsed and its trailer (CRC-32 and ISIZE, RFC 1952) checked when its
//! deflate stream ends, so damaged data give an error instead of a volume of garbage.
//!
//! The input is in memory, so the reader works on positions in the byte slice: it always knows
//! exactly how far it has read (for progress) and where a member's trailer lies, which lets it
//! say *which* check failed. Bytes after the last member that do not start another member are
//! ignored (as `gzip -d` does) and counted, so the caller can warn about them.

use std::io::{self, Read};

use flate2::{Crc, Decompress, FlushDecompress, Status};

use super::Bytes;

/// gzip header flags (RFC 1952, 2.3.1).
const FHCRC: u8 = 1 << 1;
const FEXTRA: u8 = 1 << 2;
const FNAME: u8 = 1 << 3;
const FCOMMENT: u8 = 1 << 4;
const FRESERVED: u8 = 0xe0;

/// What is wrong with the gzip data. Carried inside the `io::Error`s of [`GzipReader`] and
/// turned into the NIfTI reader's error by `super::io_error`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum GzipDamage {
    /// A member header that is not a valid gzip header.
    Header { member: usize },
    /// The header's own CRC-16 (flag FHCRC) does not match.
    HeaderCrc { member: usize },
    /// The file ends inside a member header.
    HeaderCut { member: usize },
    /// The deflate stream cannot be decoded.
    Deflate { member: usize },
    /// The file ends inside the deflate stream.
    DeflateCut { member: usize },
    /// The file ends inside the 8-byte trailer; `present` of its bytes are there.
    TrailerCut { member: usize, present: usize },
    /// The CRC-32 of the inflated data differs from the trailer's.
    Crc {
        member: usize,
        stored: u32,
        actual: u32,
    },
    /// The inflated length (mod 2^32) differs from the trailer's ISIZE.
    Length {
        member: usize,
        stored: u32,
        actual: u64,
    },
}

impl GzipDamage {
    /// True for damage that means the file was cut short (reported as truncation).
    fn is_cut(&self) -> bool {
        matches!(
            self,
            GzipDamage::HeaderCut { .. }
                | GzipDamage::DeflateCut { .. }
                | GzipDamage::TrailerCut { .. }
        )
    }
}

/// " in gzip member k" for the second member on, nothing for the first (the usual only one).
fn which(member: usize) -> String {
    if member > 1 {
        format!(" in gzip member {member}")
    } else {
        String::new()
    }
}

impl std::fmt::Display for GzipDamage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match *self {
            GzipDamage::Header { member } => write!(
                f,
                "the gzip data is damaged: invalid gzip header{}",
                which(member)
            ),
            GzipDamage::HeaderCrc { member } => write!(
                f,
                "the gzip data is damaged: header CRC check failed{}",
                which(member)
            ),
            GzipDamage::HeaderCut { member } => write!(
                f,
                "the gzip data is damaged: the file ends inside a gzip header{} \
                 (truncated file?)",
                which(member)
            ),
            GzipDamage::Deflate { member } => write!(
                f,
                "the gzip data is damaged: corrupt deflate stream{}",
                which(member)
            ),
            GzipDamage::DeflateCut { member } => write!(
                f,
                "the gzip data is damaged: the file ends inside the deflate stream{} \
                 (truncated file?)",
                which(member)
            ),
            GzipDamage::TrailerCut { member, present } => write!(
                f,
                "the gzip data is damaged: the file ends inside the 8-byte gzip trailer \
                 (CRC-32 and length){}, {present} of its bytes are present (truncated file?)",
                which(member)
            ),
            GzipDamage::Crc {
                member,
                stored,
                actual,
            } => write!(
                f,
                "the gzip data is damaged: CRC check failed{} (the trailer says {stored:08x}, \
                 the inflated data give {actual:08x})",
                which(member)
            ),
            GzipDamage::Length {
                member,
                stored,
                actual,
            } => write!(
                f,
                "the gzip data is damaged: length check failed{} (the trailer says {stored} \
                 bytes, the data inflate to {actual})",
                which(member)
            ),
        }
    }
}

impl std::error::Error for GzipDamage {}

/// Where the reader is in the gzip data.
enum State {
    /// At the start of a member header.
    Header,
    /// Inside a member's deflate stream.
    Body,
    /// At a member's 8-byte trailer.
    Trailer,
    /// After the last member.
    End,
    /// Damage found; every further read repeats it.
    Failed(GzipDamage),
}

/// Inflates every member of a gzip file in memory, checking each header and trailer.
pub(super) struct GzipReader<'a> {
    data: Bytes<'a>,
    /// Input bytes consumed.
    pos: usize,
    state: State,
    /// Number of the current member (1-based).
    member: usize,
    inflate: Decompress,
    crc: Crc,
    /// Bytes inflated from the current member.
    member_out: u64,
    /// Bytes after the last member that are neither another member nor zero padding.
    ignored: usize,
}

impl<'a> GzipReader<'a> {
    pub(super) fn new(data: Bytes<'a>) -> Self {
        GzipReader {
            data,
            pos: 0,
            state: State::Header,
            member: 1,
            inflate: Decompress::new(false),
            crc: Crc::new(),
            member_out: 0,
            ignored: 0,
        }
    }

    pub(super) fn data(&self) -> &[u8] {
        self.data.as_slice()
    }

    /// Input bytes consumed so far.
    pub(super) fn position(&self) -> usize {
        self.pos
    }

    /// Bytes after the last member that were ignored (not zero padding); known at the end.
    pub(super) fn ignored_bytes(&self) -> usize {
        self.ignored
    }

    fn fail(&mut self, damage: GzipDamage) -> io::Error {
        let kind = if damage.is_cut() {
            io::ErrorKind::UnexpectedEof
        } else {
            io::ErrorKind::InvalidData
        };
        self.state = State::Failed(damage.clone());
        io::Error::new(kind, damage)
    }

    /// Parse the member header at `pos`; returns its length.
    fn header_len(&self) -> std::result::Result<usize, GzipDamage> {
        let member = self.member;
        let h = &self.data.as_slice()[self.pos..];
        let cut = GzipDamage::HeaderCut { member };
        if h.len() < 10 {
            return Err(cut);
        }
        if h[0] != 0x1f || h[1] != 0x8b || h[2] != 8 || h[3] & FRESERVED != 0 {
            return Err(GzipDamage::Header { member });
        }
        let flags = h[3];
        let mut at = 10;
        if flags & FEXTRA != 0 {
            let xlen = match h.get(at..at + 2) {
                Some(b) => usize::from(u16::from_le_bytes([b[0], b[1]])),
                None => return Err(cut),
            };
            at += 2 + xlen;
        }
        for flag in [FNAME, FCOMMENT] {
            if flags & flag != 0 {
                match h
                    .get(at..)
                    .and_then(|rest| rest.iter().position(|&b| b == 0))
                {
                    Some(nul) => at += nul + 1,
                    None => return Err(cut),
                }
            }
        }
        if flags & FHCRC != 0 {
            let (Some(covered), Some(stored)) = (h.get(..at), h.get(at..at + 2)) else {
                return Err(cut);
            };
            let mut crc = Crc::new();
            crc.update(covered);
            if crc.sum() as u16 != u16::from_le_bytes([stored[0], stored[1]]) {
                return Err(GzipDamage::HeaderCrc { member });
            }
            at += 2;
        }
        if at > h.len() {
            return Err(cut);
        }
        Ok(at)
    }

    /// Check the trailer at `pos` against what the member inflated to.
    fn check_trailer(&self) -> std::result::Result<(), GzipDamage> {
        let member = self.member;
        let rest = &self.data.as_slice()[self.pos..];
        let Some(t) = rest.get(..8) else {
            return Err(GzipDamage::TrailerCut {
                member,
                present: rest.len(),
            });
        };
        let stored_crc = u32::from_le_bytes([t[0], t[1], t[2], t[3]]);
        let stored_len = u32::from_le_bytes([t[4], t[5], t[6], t[7]]);
        if stored_len != self.member_out as u32 {
            return Err(GzipDamage::Length {
                member,
                stored: stored_len,
                actual: self.member_out,
            });
        }
        if stored_crc != self.crc.sum() {
            return Err(GzipDamage::Crc {
                member,
                stored: stored_crc,
                actual: self.crc.sum(),
            });
        }
        Ok(())
    }
}

impl Read for GzipReader<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if buf.is_empty() {
            return Ok(0);
        }
        loop {
            match &self.state {
                State::Header => match self.header_len() {
                    Ok(n) => {
                        self.pos += n;
                        self.inflate.reset(false);
                        self.crc.reset();
                        self.member_out = 0;
                        self.state = State::Body;
                    }
                    Err(d) => return Err(self.fail(d)),
                },
                State::Body => {
                    let input = &self.data.as_slice()[self.pos..];
                    let input_empty = input.is_empty();
                    let (in0, out0) = (self.inflate.total_in(), self.inflate.total_out());
                    let status = self.inflate.decompress(input, buf, FlushDecompress::None);
                    let consumed = (self.inflate.total_in() - in0) as usize;
                    let produced = (self.inflate.total_out() - out0) as usize;
                    self.pos += consumed;
                    self.crc.update(&buf[..produced]);
                    self.member_out += produced as u64;
                    let member = self.member;
                    match status {
                        Err(_) => return Err(self.fail(GzipDamage::Deflate { member })),
                        Ok(Status::StreamEnd) => self.state = State::Trailer,
                        Ok(_) if produced == 0 && consumed == 0 => {
                            let damage = if input_empty {
                                GzipDamage::DeflateCut { member }
                            } else {
                                GzipDamage::Deflate { member }
                            };
                            return Err(self.fail(damage));
                        }
                        Ok(_) => {}
                    }
                    if produced > 0 {
                        return Ok(produced);
                    }
                }
                State::Trailer => {
                    if let Err(d) = self.check_trailer() {
                        return Err(self.fail(d));
                    }
                    self.pos += 8;
                    let rest = &self.data.as_slice()[self.pos..];
                    if rest.starts_with(&[0x1f, 0x8b]) {
                        self.member += 1;
                        self.state = State::Header;
                    } else {
                        if rest.iter().any(|&b| b != 0) {
                            self.ignored = rest.len();
                        }
                        self.state = State::End;
                    }
                }
                State::End => return Ok(0),
                State::Failed(d) => {
                    let d = d.clone();
                    return Err(self.fail(d));
                }
            }
        }
    }
}

/// The damage a reader error carries, if it came from a [`GzipReader`].
pub(super) fn damage(e: &io::Error) -> Option<&GzipDamage> {
    e.get_ref()
        .and_then(|inner| inner.downcast_ref::<GzipDamage>())
}

#[cfg(test)]
mod tests {
    use std::io::Write;

    use flate2::write::GzEncoder;
    use flate2::{Compression, GzBuilder};

    use super::*;

    fn gz(data: &[u8]) -> Vec<u8> {
        let mut e = GzEncoder::new(Vec::new(), Compression::fast());
        e.write_all(data).unwrap();
        e.finish().unwrap()
    }

    fn inflate(bytes: &[u8]) -> (std::result::Result<Vec<u8>, GzipDamage>, usize) {
        let mut r = GzipReader::new(Bytes::Borrowed(bytes));
        let mut out = Vec::new();
        let result = match r.read_to_end(&mut out) {
            Ok(_) => Ok(out),
            Err(e) => Err(damage(&e).cloned().unwrap()),
        };
        (result, r.ignored_bytes())
    }

    fn data() -> Vec<u8> {
        (0..50_000u32).map(|i| (i * 7 % 251) as u8).collect()
    }

    #[test]
    fn members_are_concatenated_and_header_fields_skipped() {
        let d = data();
        let mut bytes = gz(&d[..20_000]);
        let mut named = GzBuilder::new()
            .filename("a.nii")
            .comment("c")
            .extra(vec![1, 2, 3])
            .write(Vec::new(), Compression::default());
        named.write_all(&d[20_000..]).unwrap();
        bytes.extend(named.finish().unwrap());
        assert_eq!(inflate(&bytes), (Ok(d), 0));
    }

    #[test]
    fn header_crc_is_checked() {
        // FHCRC set by hand: header 1f 8b 08 02 + 6 bytes, then the CRC-16 of those 10 bytes.
        let plain = gz(b"hello");
        let mut header = plain[..10].to_vec();
        header[3] = FHCRC;
        let mut crc = Crc::new();
        crc.update(&header);
        let mut good = header.clone();
        good.extend((crc.sum() as u16).to_le_bytes());
        good.extend(&plain[10..]);
        assert_eq!(inflate(&good).0, Ok(b"hello".to_vec()));
        let mut bad = good.clone();
        bad[10] ^= 1;
        assert_eq!(inflate(&bad).0, Err(GzipDamage::HeaderCrc { member: 1 }));
    }

    #[test]
    fn every_kind_of_damage_is_named() {
        let d = data();
        let good = gz(&d);
        let n = good.len();
        let mut crc = good.clone();
        crc[n - 8] ^= 1;
        assert!(matches!(
            inflate(&crc).0,
            Err(GzipDamage::Crc { member: 1, .. })
        ));
        let mut len = good.clone();
        len[n - 4] ^= 1;
        assert!(matches!(
            inflate(&len).0,
            Err(GzipDamage::Length {
                member: 1,
                actual: 50_000,
                ..
            })
        ));
        assert_eq!(
            inflate(&good[..n - 3]).0,
            Err(GzipDamage::TrailerCut {
                member: 1,
                present: 5
            })
        );
        assert_eq!(
            inflate(&good[..n / 2]).0,
            Err(GzipDamage::DeflateCut { member: 1 })
        );
        assert_eq!(
            inflate(&good[..5]).0,
            Err(GzipDamage::HeaderCut { member: 1 })
        );
        let mut second = good.clone();
        second.extend(&good[..4]);
        assert_eq!(inflate(&second).0, Err(GzipDamage::HeaderCut { member: 2 }));
        let mut method = good.clone();
        method[2] = 7;
        assert_eq!(inflate(&method).0, Err(GzipDamage::Header { member: 1 }));
    }

    #[test]
    fn trailing_padding_is_ignored_and_garbage_counted() {
        let d = data();
        let mut padded = gz(&d);
        padded.extend([0u8; 512]);
        assert_eq!(inflate(&padded), (Ok(d.clone()), 0));
        let mut junk = gz(&d);
        junk.extend(b"not gzip");
        assert_eq!(inflate(&junk), (Ok(d), 8));
    }

    #[test]
    fn errors_repeat_and_say_what_failed() {
        let mut bytes = gz(&data());
        let n = bytes.len();
        bytes[n - 6] ^= 0xff;
        let mut r = GzipReader::new(Bytes::Borrowed(&bytes));
        let mut sink = Vec::new();
        let first = r.read_to_end(&mut sink).unwrap_err();
        let again = r.read(&mut [0u8; 16]).unwrap_err();
        assert_eq!(first.to_string(), again.to_string());
        assert!(
            first
                .to_string()
                .starts_with("the gzip data is damaged: CRC check failed (the trailer says"),
            "{first}"
        );
    }
}
