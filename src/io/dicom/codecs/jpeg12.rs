//! JPEG Extended (process 2 & 4, 1.2.840.10008.1.2.4.51) with 12-bit samples: sequential DCT,
//! Huffman coding, one component — the form CT scanners and archives write.
//!
//! Hand-written because no pure-Rust JPEG decoder decodes 12-bit DCT streams: `jpeg-decoder`
//! 0.3 refuses any precision other than 8 outside lossless mode, and `zune-jpeg` does not
//! support 12-bit either; the C libraries (libjpeg-turbo, libjpeg) do not build for wasm32 with
//! plain rustc. This module covers exactly ITU-T T.81 sequential Huffman DCT decoding (Annex F)
//! for a single component at 8 or 12 bits: DQT (8- or 16-bit tables), DHT, DRI and restart
//! markers, byte stuffing. Progressive, arithmetic, hierarchical and multi-component streams
//! are refused with a message. The inverse DCT is computed in floating point (the exact
//! transform of T.81 A.3.3), so values may differ from an integer IDCT by a grey level;
//! `tests/dicom_pydicom.rs` compares with libjpeg's decodes through pydicom.

use super::super::header::ImageHeader;
use crate::{Error, Result};

fn bad(msg: impl Into<String>) -> Error {
    Error::invalid("DICOM", format!("JPEG Extended data: {}", msg.into()))
}

fn unsupported(msg: impl Into<String>) -> Error {
    Error::unsupported("DICOM", format!("JPEG Extended data: {}", msg.into()))
}

/// Zig-zag position → natural (row-major) index in an 8×8 block.
const ZIGZAG: [usize; 64] = [
    0, 1, 8, 16, 9, 2, 3, 10, 17, 24, 32, 25, 18, 11, 4, 5, 12, 19, 26, 33, 40, 48, 41, 34, 27, 20,
    13, 6, 7, 14, 21, 28, 35, 42, 49, 56, 57, 50, 43, 36, 29, 22, 15, 23, 30, 37, 44, 51, 58, 59,
    52, 45, 38, 31, 39, 46, 53, 60, 61, 54, 47, 55, 62, 63,
];

/// A Huffman table in the form of T.81 F.2.2.3 (MAXCODE, VALPTR, MINCODE per code length).
#[derive(Clone)]
struct Huffman {
    maxcode: [i32; 17],
    valptr: [i32; 17],
    mincode: [i32; 17],
    values: Vec<u8>,
}

impl Huffman {
    fn new(counts: &[u8; 16], values: Vec<u8>) -> Result<Self> {
        let total: usize = counts.iter().map(|&c| usize::from(c)).sum();
        if total != values.len() || total > 256 {
            return Err(bad("Huffman table sizes disagree"));
        }
        let mut maxcode = [-1i32; 17];
        let mut valptr = [0i32; 17];
        let mut mincode = [0i32; 17];
        let mut code = 0i32;
        let mut k = 0i32;
        for len in 1..=16 {
            let n = i32::from(counts[len - 1]);
            if n > 0 {
                valptr[len] = k;
                mincode[len] = code;
                code += n;
                k += n;
                maxcode[len] = code - 1;
                if code > (1 << len) {
                    return Err(bad("Huffman table has too many codes"));
                }
            }
            code <<= 1;
        }
        Ok(Huffman {
            maxcode,
            valptr,
            mincode,
            values,
        })
    }
}

/// Entropy-coded data: bits MSB first, 0xFF00 unstuffed; a marker ends the data (zeros follow).
struct Bits<'a> {
    data: &'a [u8],
    pos: usize,
    acc: u32,
    count: u32,
    /// A marker (other than a stuffed 0xFF00) was reached at `pos`.
    marker: Option<u8>,
}

impl<'a> Bits<'a> {
    fn new(data: &'a [u8], pos: usize) -> Self {
        Bits {
            data,
            pos,
            acc: 0,
            count: 0,
            marker: None,
        }
    }

    fn fill(&mut self) {
        while self.count <= 24 {
            let mut byte = 0u8;
            if self.marker.is_none() {
                match self.data.get(self.pos) {
                    Some(&0xFF) => match self.data.get(self.pos + 1) {
                        Some(&0x00) => {
                            byte = 0xFF;
                            self.pos += 2;
                        }
                        Some(&m) => self.marker = Some(m),
                        None => self.marker = Some(0xD9),
                    },
                    Some(&b) => {
                        byte = b;
                        self.pos += 1;
                    }
                    None => self.marker = Some(0xD9),
                }
            }
            self.acc |= u32::from(byte) << (24 - self.count);
            self.count += 8;
        }
    }

    fn bit(&mut self) -> u32 {
        if self.count == 0 {
            self.fill();
        }
        let b = self.acc >> 31;
        self.acc <<= 1;
        self.count -= 1;
        b
    }

    /// `n` bits (n ≤ 16) as an unsigned number.
    fn bits(&mut self, n: u32) -> u32 {
        if n == 0 {
            return 0;
        }
        if self.count < n {
            self.fill();
        }
        let v = self.acc >> (32 - n);
        self.acc <<= n;
        self.count -= n;
        v
    }

    /// Decode one Huffman symbol (T.81 F.2.2.3).
    fn symbol(&mut self, t: &Huffman) -> Result<u8> {
        let mut code = self.bit() as i32;
        for len in 1..=16 {
            if code <= t.maxcode[len] {
                let j = t.valptr[len] + code - t.mincode[len];
                return t
                    .values
                    .get(j as usize)
                    .copied()
                    .ok_or_else(|| bad("Huffman code out of range"));
            }
            code = (code << 1) | self.bit() as i32;
        }
        Err(bad("invalid Huffman code"))
    }

    /// RECEIVE + EXTEND (T.81 F.2.2.1): a `s`-bit magnitude category to a signed value.
    fn extend(&mut self, s: u8) -> Result<i32> {
        if s == 0 {
            return Ok(0);
        }
        if s > 16 {
            return Err(bad("coefficient category above 16"));
        }
        let v = self.bits(u32::from(s)) as i32;
        Ok(if v < (1 << (s - 1)) {
            v - (1 << s) + 1
        } else {
            v
        })
    }

    /// Skip to the next restart marker `RSTn` and start afresh after it.
    fn restart(&mut self, expected: u8) -> Result<()> {
        self.acc = 0;
        self.count = 0;
        // Any bytes left before the marker are padding bits of the previous interval.
        if self.marker.is_none() {
            while let Some(&b) = self.data.get(self.pos) {
                if b == 0xFF {
                    match self.data.get(self.pos + 1) {
                        Some(&0x00) => self.pos += 2,
                        Some(&0xFF) => self.pos += 1,
                        Some(&m) => {
                            self.marker = Some(m);
                            break;
                        }
                        None => break,
                    }
                } else {
                    self.pos += 1;
                }
            }
        }
        match self.marker {
            Some(m) if m == 0xD0 + expected => {
                self.pos += 2;
                self.marker = None;
                Ok(())
            }
            Some(m) => Err(bad(format!(
                "restart marker RST{expected} expected, found marker 0x{m:02X}"
            ))),
            None => Err(bad("restart marker missing")),
        }
    }
}

/// What the headers before the scan said.
struct Frame {
    precision: u8,
    height: usize,
    width: usize,
    quant: [u16; 64],
    dc: Huffman,
    ac: Huffman,
    restart: usize,
    scan_start: usize,
}

fn u16_at(data: &[u8], pos: usize) -> Result<usize> {
    data.get(pos..pos + 2)
        .map(|b| usize::from(u16::from_be_bytes([b[0], b[1]])))
        .ok_or_else(|| bad("truncated segment"))
}

/// Read the marker segments up to the start of the (only) scan.
fn read_headers(data: &[u8]) -> Result<Frame> {
    if data.get(..2) != Some(&[0xFF, 0xD8][..]) {
        return Err(bad("no start-of-image marker"));
    }
    let mut pos = 2;
    let mut quant: [Option<[u16; 64]>; 4] = [None; 4];
    let mut dc: [Option<Huffman>; 4] = [None, None, None, None];
    let mut ac: [Option<Huffman>; 4] = [None, None, None, None];
    let mut restart = 0usize;
    // (precision, height, width, component id, quant table)
    let mut sof: Option<(u8, usize, usize, u8, usize)> = None;
    loop {
        while data.get(pos) == Some(&0xFF) && data.get(pos + 1) == Some(&0xFF) {
            pos += 1;
        }
        let (Some(&0xFF), Some(&marker)) = (data.get(pos), data.get(pos + 1)) else {
            return Err(bad("marker expected"));
        };
        let len = u16_at(data, pos + 2)?;
        if len < 2 {
            return Err(bad("segment length below 2"));
        }
        let body = data
            .get(pos + 4..pos + 2 + len)
            .ok_or_else(|| bad("truncated segment"))?;
        match marker {
            // SOF0 (baseline) and SOF1 (extended sequential, Huffman).
            0xC0 | 0xC1 => {
                if body.len() < 9 || body[5] != 1 {
                    return Err(unsupported(format!(
                        "{} components (one expected)",
                        body.get(5).copied().unwrap_or(0)
                    )));
                }
                let height = u16_at(body, 1)?;
                let width = u16_at(body, 3)?;
                sof = Some((body[0], height, width, body[6], usize::from(body[8] & 3)));
            }
            0xC2 | 0xC3 | 0xC5..=0xC7 | 0xC9..=0xCB | 0xCD..=0xCF => {
                return Err(unsupported(format!(
                    "frame type SOF{} (only sequential Huffman DCT is decoded here)",
                    marker - 0xC0
                )));
            }
            0xDB => {
                let mut p = 0;
                while p < body.len() {
                    let (pq, tq) = (body[p] >> 4, usize::from(body[p] & 3));
                    let size = if pq == 0 { 64 } else { 128 };
                    let table = body
                        .get(p + 1..p + 1 + size)
                        .ok_or_else(|| bad("truncated quantisation table"))?;
                    let mut q = [0u16; 64];
                    for (k, &z) in ZIGZAG.iter().enumerate() {
                        q[z] = if pq == 0 {
                            u16::from(table[k])
                        } else {
                            u16::from_be_bytes([table[2 * k], table[2 * k + 1]])
                        };
                    }
                    quant[tq] = Some(q);
                    p += 1 + size;
                }
            }
            0xC4 => {
                let mut p = 0;
                while p < body.len() {
                    let (class, th) = (body[p] >> 4, usize::from(body[p] & 3));
                    let counts: [u8; 16] = body
                        .get(p + 1..p + 17)
                        .and_then(|c| c.try_into().ok())
                        .ok_or_else(|| bad("truncated Huffman table"))?;
                    let n: usize = counts.iter().map(|&c| usize::from(c)).sum();
                    let values = body
                        .get(p + 17..p + 17 + n)
                        .ok_or_else(|| bad("truncated Huffman table"))?
                        .to_vec();
                    let table = Huffman::new(&counts, values)?;
                    match class {
                        0 => dc[th] = Some(table),
                        1 => ac[th] = Some(table),
                        _ => return Err(bad("Huffman table class above 1")),
                    }
                    p += 17 + n;
                }
            }
            0xDD => restart = u16_at(body, 0)?,
            0xDA => {
                let (precision, height, width, id, tq) =
                    sof.ok_or_else(|| bad("scan before the frame header"))?;
                if body.len() < 6 || body[0] != 1 || body[1] != id {
                    return Err(unsupported("scan of other than the one component"));
                }
                let (td, ta) = (usize::from(body[2] >> 4 & 3), usize::from(body[2] & 3));
                if body[3] != 0 || body[4] != 63 || body[5] != 0 {
                    return Err(unsupported(
                        "spectral selection or successive approximation",
                    ));
                }
                if height == 0 {
                    return Err(unsupported("image height given by a DNL marker"));
                }
                return Ok(Frame {
                    precision,
                    height,
                    width,
                    quant: quant[tq].ok_or_else(|| bad("quantisation table missing"))?,
                    dc: dc[td]
                        .clone()
                        .ok_or_else(|| bad("DC Huffman table missing"))?,
                    ac: ac[ta]
                        .clone()
                        .ok_or_else(|| bad("AC Huffman table missing"))?,
                    restart,
                    scan_start: pos + 2 + len,
                });
            }
            0xD9 => return Err(bad("end of image before any scan")),
            _ => {} // APPn, COM and others: skipped.
        }
        pos += 2 + len;
    }
}

/// cos((2x + 1) u π / 16) · C(u) / 2 for the separable inverse DCT (T.81 A.3.3).
fn idct_table() -> [[f64; 8]; 8] {
    let mut t = [[0.0; 8]; 8];
    for (x, row) in t.iter_mut().enumerate() {
        for (u, v) in row.iter_mut().enumerate() {
            let c = if u == 0 {
                std::f64::consts::FRAC_1_SQRT_2
            } else {
                1.0
            };
            *v = 0.5 * c * ((2 * x + 1) as f64 * u as f64 * std::f64::consts::PI / 16.0).cos();
        }
    }
    t
}

/// Inverse DCT of one dequantised block (natural order) into samples with level shift and
/// clamping to `0..=max`.
fn idct(coef: &[f64; 64], t: &[[f64; 8]; 8], shift: f64, max: f64, out: &mut [f64; 64]) {
    let mut tmp = [0.0f64; 64];
    // Rows: tmp[v][x] = Σ_u C(u)/2 cos(..) F[v][u]
    for v in 0..8 {
        for x in 0..8 {
            let mut s = 0.0;
            for u in 0..8 {
                s += t[x][u] * coef[v * 8 + u];
            }
            tmp[v * 8 + x] = s;
        }
    }
    for x in 0..8 {
        for y in 0..8 {
            let mut s = 0.0;
            for v in 0..8 {
                s += t[y][v] * tmp[v * 8 + x];
            }
            out[y * 8 + x] = (s + shift).round().clamp(0.0, max);
        }
    }
}

/// Decode one JPEG stream of `width × height` samples (row-major); a stream of another size is
/// refused before anything is allocated.
pub(crate) fn decode_stream(data: &[u8], width: usize, height: usize) -> Result<Vec<u16>> {
    let f = read_headers(data)?;
    if (f.width, f.height) != (width, height) {
        return Err(bad(format!(
            "image of {} × {} in a file of {width} × {height}",
            f.width, f.height
        )));
    }
    if f.precision != 8 && f.precision != 12 {
        return Err(unsupported(format!(
            "{}-bit sample precision (8 or 12 expected)",
            f.precision
        )));
    }
    let (bw, bh) = (f.width.div_ceil(8), f.height.div_ceil(8));
    let n = f
        .width
        .checked_mul(f.height)
        .filter(|&n| n <= 1 << 28)
        .ok_or_else(|| bad("image too large"))?;
    let mut samples = vec![0u16; n];
    let table = idct_table();
    let shift = f64::from(1u32 << (f.precision - 1));
    let max = f64::from((1u32 << f.precision) - 1);
    let mut bits = Bits::new(data, f.scan_start);
    let mut pred = 0i32;
    let mut coef = [0.0f64; 64];
    let mut block = [0.0f64; 64];
    let mut next_rst = 0u8;
    for b in 0..bw * bh {
        if f.restart > 0 && b > 0 && b % f.restart == 0 {
            bits.restart(next_rst)?;
            next_rst = (next_rst + 1) % 8;
            pred = 0;
        }
        coef.fill(0.0);
        let s = bits.symbol(&f.dc)?;
        pred += bits.extend(s)?;
        coef[0] = f64::from(pred) * f64::from(f.quant[0]);
        let mut k = 1;
        while k < 64 {
            let rs = bits.symbol(&f.ac)?;
            let (r, s) = (usize::from(rs >> 4), rs & 15);
            if s == 0 {
                if r == 15 {
                    k += 16;
                    continue;
                }
                break; // end of block
            }
            k += r;
            if k > 63 {
                return Err(bad("coefficient index beyond 63"));
            }
            let z = ZIGZAG[k];
            coef[z] = f64::from(bits.extend(s)?) * f64::from(f.quant[z]);
            k += 1;
        }
        idct(&coef, &table, shift, max, &mut block);
        let (bx, by) = (b % bw * 8, b / bw * 8);
        for y in 0..8 {
            let row = by + y;
            if row >= f.height {
                break;
            }
            for x in 0..8 {
                let col = bx + x;
                if col < f.width {
                    samples[row * f.width + col] = block[y * 8 + x] as u16;
                }
            }
        }
    }
    Ok(samples)
}

/// Decode every frame to 16-bit little-endian samples.
pub fn decode_frames(frames: &[Vec<u8>], h: &ImageHeader) -> Result<Vec<u8>> {
    if h.bits_allocated != 16 {
        return Err(unsupported(format!(
            "{} bits allocated for 12-bit samples",
            h.bits_allocated
        )));
    }
    let plane = h.rows as usize * h.columns as usize;
    let mut out = Vec::with_capacity(plane * 2 * frames.len());
    for stream in frames {
        let samples = decode_stream(stream, h.columns as usize, h.rows as usize)?;
        for s in samples {
            out.extend_from_slice(&s.to_le_bytes());
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A hand-made 12-bit stream: one 8×8 block, DC only, quantiser 1, a one-symbol DC table
    /// (category 0 → code "0") and AC table (EOB → code "0"); restart interval 0.
    fn flat_block(dc_category: u8, dc_bits: &[bool]) -> Vec<u8> {
        let mut s = vec![0xFF, 0xD8];
        // DQT: 16-bit table 0, all ones.
        s.extend_from_slice(&[0xFF, 0xDB, 0, 131, 0x10]);
        for _ in 0..64 {
            s.extend_from_slice(&[0, 1]);
        }
        // SOF1: precision 12, 8 × 8, one component id 1, table 0.
        s.extend_from_slice(&[0xFF, 0xC1, 0, 11, 12, 0, 8, 0, 8, 1, 1, 0x11, 0]);
        // DHT DC 0: one code of length 1 → `dc_category`; AC 0: one code of length 1 → EOB.
        let mut dht = vec![0xFF, 0xC4, 0, 2 + 2 * 18, 0x00, 1];
        dht.extend_from_slice(&[0; 15]);
        dht.push(dc_category);
        dht.extend_from_slice(&[0x10, 1]);
        dht.extend_from_slice(&[0; 15]);
        dht.push(0x00);
        s.extend_from_slice(&dht);
        s.extend_from_slice(&[0xFF, 0xDA, 0, 8, 1, 1, 0x00, 0, 63, 0]);
        // Bits: DC code "0", magnitude bits, AC EOB "0", padded with ones.
        let mut bits = vec![false];
        bits.extend_from_slice(dc_bits);
        bits.push(false);
        let mut byte = 0u8;
        let mut n = 0;
        for b in bits {
            byte = byte << 1 | u8::from(b);
            n += 1;
            if n == 8 {
                s.push(byte);
                (byte, n) = (0, 0);
            }
        }
        if n > 0 {
            s.push(byte << (8 - n) | ((1 << (8 - n)) - 1));
        }
        s.extend_from_slice(&[0xFF, 0xD9]);
        s
    }

    #[test]
    fn a_flat_block_decodes_to_its_dc_value() {
        // DC 0 → every sample at the level shift 2048.
        let v = decode_stream(&flat_block(0, &[]), 8, 8).unwrap();
        assert_eq!(v.len(), 64);
        assert!(decode_stream(&flat_block(0, &[]), 16, 8).is_err());
        assert!(v.iter().all(|&x| x == 2048), "{v:?}");
        // DC +800 (category 10, bits 1100100000): 2048 + 800 / 8 = 2148.
        let bits: Vec<bool> = (0..10).rev().map(|i| 800 >> i & 1 == 1).collect();
        let v = decode_stream(&flat_block(10, &bits), 8, 8).unwrap();
        assert!(v.iter().all(|&x| x == 2148), "{v:?}");
        // DC −800: category 10 with the one's complement bits.
        let bits: Vec<bool> = (0..10).rev().map(|i| (1023 - 800) >> i & 1 == 1).collect();
        let v = decode_stream(&flat_block(10, &bits), 8, 8).unwrap();
        assert!(v.iter().all(|&x| x == 1948), "{v:?}");
    }

    #[test]
    fn broken_streams_give_errors() {
        let good = flat_block(0, &[]);
        for cut in [1, 10, 140, 150, 170, 190] {
            assert!(
                decode_stream(&good[..cut.min(good.len())], 8, 8).is_err(),
                "cut {cut}"
            );
        }
        let mut progressive = good.clone();
        let at = progressive
            .windows(2)
            .position(|w| w == [0xFF, 0xC1])
            .unwrap();
        progressive[at + 1] = 0xC2;
        let e = decode_stream(&progressive, 8, 8).unwrap_err().to_string();
        assert!(e.contains("SOF2"), "{e}");
        assert!(decode_stream(b"not a jpeg", 8, 8).is_err());
    }

    #[test]
    fn idct_of_a_single_coefficient_matches_the_formula() {
        let t = idct_table();
        let mut coef = [0.0; 64];
        coef[1] = 80.0; // F(0, 1): varies along x only.
        let mut out = [0.0; 64];
        idct(&coef, &t, 2048.0, 4095.0, &mut out);
        for y in 0..8 {
            for x in 0..8 {
                let want = 2048.0
                    + (0.25
                        * std::f64::consts::FRAC_1_SQRT_2
                        * 80.0
                        * ((2 * x + 1) as f64 * std::f64::consts::PI / 16.0).cos())
                    .round();
                assert!((out[y * 8 + x] - want).abs() <= 1.0, "{x},{y}");
            }
        }
    }
}
