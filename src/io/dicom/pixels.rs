//! Pixel data → stored values → Hounsfield units.
//!
//! dicom-pixeldata (with its pure-Rust codecs) or our own codecs turn the pixel data into raw
//! little-endian samples; this module then applies, frame by frame: BitsStored / HighBit masking
//! and sign extension per PixelRepresentation, PixelPaddingValue (→ air), MONOCHROME1, and the
//! per-frame RescaleSlope / RescaleIntercept, rounding to i16 HU. [`stored_frame`] and
//! [`to_hu`] are the definition; [`frame_to_hu`] is what intake runs: one pass per frame, and
//! for 8- and 16-bit samples a [`HuTable`] of every possible sample's HU.

use dicom_object::DefaultDicomObject;
use dicom_pixeldata::PixelDecoder;

use super::codecs;
use super::header::{FrameInfo, ImageHeader};
use super::open::unsupported_ts;
use crate::{Error, Result};

/// HU written for padding pixels (outside the reconstruction field of view).
pub const AIR_HU: i16 = -1024;

/// Largest decoded pixel buffer accepted for one object (bytes).
pub const MAX_DECODED_BYTES: u64 = 1 << 30;

/// Raw decoded samples of every frame of one object, little endian, `bits_allocated / 8`
/// bytes each, frames one after the other.
pub struct RawFrames {
    data: Vec<u8>,
    frame_bytes: usize,
    frames: usize,
}

impl RawFrames {
    pub fn frames(&self) -> usize {
        self.frames
    }

    fn frame(&self, k: usize) -> Option<&[u8]> {
        self.data
            .get(k.checked_mul(self.frame_bytes)?..(k + 1).checked_mul(self.frame_bytes)?)
    }

    fn frame_bytes_of(&self, k: usize) -> Result<&[u8]> {
        self.frame(k).ok_or_else(|| {
            Error::invalid(
                "DICOM",
                format!("frame {} of {} is missing", k + 1, self.frames),
            )
        })
    }
}

/// Bytes one decoded frame occupies, checked against overflow and the budget.
fn frame_bytes(h: &ImageHeader) -> Result<usize> {
    let per_sample = u64::from(h.bits_allocated.div_ceil(8));
    let frame =
        u64::from(h.rows) * u64::from(h.columns) * u64::from(h.samples_per_pixel) * per_sample;
    let total = frame * u64::from(h.frames);
    if total > MAX_DECODED_BYTES {
        return Err(Error::TooLarge {
            needed_mb: total >> 20,
            limit_mb: MAX_DECODED_BYTES >> 20,
        });
    }
    usize::try_from(frame).map_err(|_| Error::TooLarge {
        needed_mb: total >> 20,
        limit_mb: MAX_DECODED_BYTES >> 20,
    })
}

/// Decode all frames of an object to raw samples.
pub fn decode(file: &DefaultDicomObject, h: &ImageHeader) -> Result<RawFrames> {
    h.check_decodable()?;
    let frame_bytes = frame_bytes(h)?;
    let frames = h.frames as usize;
    let data = if codecs::handles(h) {
        codecs::decode(file, h)?
    } else {
        let decoded = file
            .decode_pixel_data()
            .map_err(|e| decode_error(h, &e.to_string()))?;
        let mut data = decoded.into_data();
        if h.is_big_endian_native() {
            fix_big_endian_words(&mut data, h.bits_allocated);
        }
        data
    };
    let needed = frame_bytes * frames;
    if data.len() < needed {
        return Err(Error::invalid(
            "DICOM",
            format!(
                "pixel data hold {} bytes but Rows × Columns × frames ({} × {} × {}) at {} bits need {}",
                data.len(),
                h.rows,
                h.columns,
                frames,
                h.bits_allocated,
                needed
            ),
        ));
    }
    Ok(RawFrames {
        data,
        frame_bytes,
        frames,
    })
}

/// Native big-endian pixel data come out of the parser as 16-bit words in native order.
/// 32-bit samples then have their two words swapped; put them back in order.
fn fix_big_endian_words(data: &mut [u8], bits_allocated: u16) {
    if bits_allocated == 32 {
        for c in data.chunks_exact_mut(4) {
            c.swap(0, 2);
            c.swap(1, 3);
        }
    }
}

fn decode_error(h: &ImageHeader, msg: &str) -> Error {
    let lower = msg.to_ascii_lowercase();
    if lower.contains("unsupported") && lower.contains("transfer syntax") {
        return unsupported_ts(&h.transfer_syntax);
    }
    Error::invalid(
        "DICOM",
        format!(
            "cannot decode the pixel data ({} {}): {msg}",
            h.transfer_syntax,
            super::open::ts_name(&h.transfer_syntax)
        ),
    )
}

/// How raw samples hold stored values: BitsStored bits ending at HighBit, two's complement
/// when PixelRepresentation is 1.
#[derive(Debug, Clone, Copy, PartialEq)]
struct SampleFormat {
    shift: u32,
    mask: u32,
    bits_stored: u32,
    signed: bool,
}

impl SampleFormat {
    fn of(h: &ImageHeader) -> Self {
        let bits_stored = u32::from(h.bits_stored.clamp(1, 32));
        SampleFormat {
            shift: u32::from(h.high_bit + 1).saturating_sub(bits_stored),
            mask: if bits_stored >= 32 {
                u32::MAX
            } else {
                (1u32 << bits_stored) - 1
            },
            bits_stored,
            signed: h.pixel_representation == 1,
        }
    }

    /// The stored value of one raw sample (masked, sign-extended).
    #[inline]
    fn value(self, raw: u32) -> i64 {
        let v = i64::from((raw >> self.shift) & self.mask);
        if self.signed {
            // Sign extension without a branch per pixel (bits_stored is 1..=32).
            let unused = 64 - self.bits_stored;
            (v << unused) >> unused
        } else {
            v
        }
    }
}

/// What is done with a frame's stored values: generic over their iterator, so that each bit
/// depth gets its own loop without an intermediate buffer.
trait StoredSink {
    type Out;
    fn take<I: Iterator<Item = i64>>(self, values: I) -> Self::Out;
}

/// Feed the stored values of frame `k` (masked and sign-extended, one per pixel, row by row)
/// to `sink`.
fn each_stored<S: StoredSink>(
    raw: &RawFrames,
    h: &ImageHeader,
    k: usize,
    sink: S,
) -> Result<S::Out> {
    let bytes = raw.frame_bytes_of(k)?;
    let format = SampleFormat::of(h);
    let value = |raw: u32| format.value(raw);
    Ok(match h.bits_allocated {
        8 => sink.take(bytes.iter().map(|&b| value(u32::from(b)))),
        16 => sink.take(
            bytes
                .chunks_exact(2)
                .map(|c| value(u32::from(u16::from_le_bytes([c[0], c[1]])))),
        ),
        32 => sink.take(
            bytes
                .chunks_exact(4)
                .map(|c| value(u32::from_le_bytes([c[0], c[1], c[2], c[3]]))),
        ),
        other => {
            return Err(Error::unsupported(
                "DICOM",
                format!("BitsAllocated {other}"),
            ))
        }
    })
}

/// Stored values of frame `k` (masked and sign-extended), one per pixel, row by row.
pub fn stored_frame(raw: &RawFrames, h: &ImageHeader, k: usize) -> Result<Vec<i64>> {
    struct Collect;
    impl StoredSink for Collect {
        type Out = Vec<i64>;
        fn take<I: Iterator<Item = i64>>(self, values: I) -> Vec<i64> {
            values.collect()
        }
    }
    each_stored(raw, h, k, Collect)
}

/// Every sample of an 8- or 16-bit frame mapped to HU once (the definition evaluated per
/// possible sample, not per pixel), kept for the next frames with the same header fields and
/// rescale: a 512² frame has 4 pixels per entry of a 16-bit table, and a series usually has
/// one rescale. Each entry: HU in the low 16 bits, bit 16 padding, bit 17 clamped.
#[derive(Debug, Default)]
pub struct HuTable {
    key: Option<(HuMap, SampleFormat, u16)>,
    entries: Vec<u32>,
}

impl HuTable {
    /// The table for this frame's header and rescale, rebuilt when they differ from the last.
    fn for_frame(&mut self, h: &ImageHeader, f: &FrameInfo) -> &[u32] {
        let (map, format) = (HuMap::of(h, f), SampleFormat::of(h));
        let key = (map, format, h.bits_allocated);
        if self.key != Some(key) {
            let size = 1u32 << h.bits_allocated.min(16);
            self.entries = (0..size)
                .map(|raw| {
                    let (hu, padded, clamped) = map.hu(format.value(raw));
                    u32::from(hu as u16) | u32::from(padded) << 16 | u32::from(clamped) << 17
                })
                .collect();
            self.key = Some(key);
        }
        &self.entries
    }
}

/// Frame `k` straight to HU (i16) in `out`: [`stored_frame`] then [`to_hu`], in one pass; 8-
/// and 16-bit samples through `table`.
pub fn frame_to_hu(
    raw: &RawFrames,
    h: &ImageHeader,
    k: usize,
    f: &FrameInfo,
    out: &mut [i16],
    report: &mut HuReport,
    table: &mut HuTable,
) -> Result<()> {
    struct Hu<'a> {
        h: &'a ImageHeader,
        f: &'a FrameInfo,
        out: &'a mut [i16],
        report: &'a mut HuReport,
    }
    impl StoredSink for Hu<'_> {
        type Out = ();
        fn take<I: Iterator<Item = i64>>(self, values: I) {
            convert(values, self.h, self.f, self.out, self.report)
        }
    }
    if matches!(h.bits_allocated, 8 | 16) {
        let bytes = raw.frame_bytes_of(k)?;
        let entries = table.for_frame(h, f);
        let (mut padded, mut clamped) = (0u64, 0u64);
        let mut put = |o: &mut i16, e: u32| {
            *o = e as u16 as i16;
            padded += u64::from((e >> 16) & 1);
            clamped += u64::from(e >> 17);
        };
        // Fixed-size views: a sample indexes them without a bounds check.
        let done = if let Ok(t) = <&[u32; 1 << 16]>::try_from(entries) {
            for (o, c) in out.iter_mut().zip(bytes.chunks_exact(2)) {
                put(o, t[usize::from(u16::from_le_bytes([c[0], c[1]]))]);
            }
            true
        } else if let Ok(t) = <&[u32; 1 << 8]>::try_from(entries) {
            for (o, &b) in out.iter_mut().zip(bytes) {
                put(o, t[usize::from(b)]);
            }
            true
        } else {
            false
        };
        report.padded += padded;
        report.clamped += clamped;
        if done {
            return Ok(());
        }
    }
    each_stored(raw, h, k, Hu { h, f, out, report })
}

/// Counters of what the HU conversion had to change, for warnings.
#[derive(Debug, Default, Clone, Copy)]
pub struct HuReport {
    /// Values outside the i16 range, clamped.
    pub clamped: u64,
    /// Padding pixels set to air.
    pub padded: u64,
}

/// Convert one frame's stored values to HU (i16), written into `out`.
///
/// MONOCHROME1 (minimum = white): when the image carries a real rescale to HU (CT), the HU are
/// physical values and stay as they are (the display window decides brightness); otherwise the
/// stored values are inverted within their range so that brighter is higher, as for MONOCHROME2.
pub fn to_hu(
    stored: &[i64],
    h: &ImageHeader,
    f: &FrameInfo,
    out: &mut [i16],
    report: &mut HuReport,
) {
    convert(stored.iter().copied(), h, f, out, report)
}

fn convert(
    stored: impl Iterator<Item = i64>,
    h: &ImageHeader,
    f: &FrameInfo,
    out: &mut [i16],
    report: &mut HuReport,
) {
    let map = HuMap::of(h, f);
    for (o, v) in out.iter_mut().zip(stored) {
        let (hu, padded, clamped) = map.hu(v);
        *o = hu;
        report.padded += u64::from(padded);
        report.clamped += u64::from(clamped);
    }
}

/// Stored value → HU for one frame's header and rescale (the definition in [`to_hu`]).
#[derive(Debug, Clone, Copy, PartialEq)]
struct HuMap {
    invert: bool,
    lo: i64,
    hi: i64,
    padding: Option<(i64, i64)>,
    rescale: Option<(i64, i64)>,
    slope: f64,
    intercept: f64,
}

impl HuMap {
    fn of(h: &ImageHeader, f: &FrameInfo) -> Self {
        let bits = u32::from(h.bits_stored.clamp(1, 32));
        let (lo, hi) = if h.pixel_representation == 1 {
            (-(1i64 << (bits - 1)), (1i64 << (bits - 1)) - 1)
        } else {
            (0, (1i64 << bits) - 1)
        };
        HuMap {
            invert: h.photometric == "MONOCHROME1" && !h.is_ct(),
            lo,
            hi,
            padding: h.padding.map(|(a, b)| {
                let b = b.unwrap_or(a);
                (a.min(b), a.max(b))
            }),
            rescale: integer_rescale(f),
            slope: f.slope,
            intercept: f.intercept,
        }
    }

    /// HU of a stored value, and whether it was padding (air) or clamped to the i16 range.
    #[inline]
    fn hu(&self, v: i64) -> (i16, bool, bool) {
        if let Some((p0, p1)) = self.padding {
            if (p0..=p1).contains(&v) {
                return (AIR_HU, true, false);
            }
        }
        let v = if self.invert {
            self.lo + self.hi - v
        } else {
            v
        };
        let (hu, clamped) = match self.rescale {
            // Exact in integers: no float conversion and no rounding call.
            Some((slope, intercept)) => {
                let hu = v * slope + intercept;
                match i16::try_from(hu) {
                    Ok(x) => (x, false),
                    Err(_) if hu < 0 => (i16::MIN, true),
                    Err(_) => (i16::MAX, true),
                }
            }
            None => {
                let hu = (v as f64 * self.slope + self.intercept).round();
                if hu < i16::MIN as f64 {
                    (i16::MIN, true)
                } else if hu > i16::MAX as f64 {
                    (i16::MAX, true)
                } else {
                    (hu as i16, false)
                }
            }
        };
        (hu, false, clamped)
    }
}

/// Slope and intercept as integers when both are whole numbers small enough for every stored
/// value (at most 32 bits) to map exactly in i64: the usual CT rescale (1 and −1024). The
/// result then equals the floating-point path's, rounding included.
fn integer_rescale(f: &FrameInfo) -> Option<(i64, i64)> {
    let whole = |x: f64, limit: f64| x.fract() == 0.0 && x.abs() <= limit;
    (whole(f.slope, 65_536.0) && whole(f.intercept, 1e12))
        .then_some((f.slope as i64, f.intercept as i64))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn header(photometric: &str, padding: Option<(i64, Option<i64>)>) -> ImageHeader {
        ImageHeader {
            transfer_syntax: "1.2.840.10008.1.2.1".into(),
            sop_class_uid: "1.2.840.10008.5.1.4.1.1.2".into(),
            sop_instance_uid: None,
            series_uid: None,
            study_uid: None,
            frame_of_reference_uid: None,
            patient_study: Default::default(),
            series_number: None,
            instance_number: None,
            modality: "CT".into(),
            description: String::new(),
            image_type: Vec::new(),
            rows: 1,
            columns: 1,
            frames: 1,
            samples_per_pixel: 1,
            photometric: photometric.into(),
            bits_allocated: 16,
            bits_stored: 16,
            high_bit: 15,
            pixel_representation: 1,
            padding,
            frame_info: Vec::new(),
        }
    }

    fn rescale(slope: f64, intercept: f64) -> FrameInfo {
        FrameInfo {
            position: None,
            orientation: None,
            pixel_spacing: None,
            thickness_mm: None,
            slope,
            intercept,
        }
    }

    /// The floating-point definition every path must reproduce.
    fn reference(v: i64, slope: f64, intercept: f64) -> i16 {
        (v as f64 * slope + intercept)
            .round()
            .clamp(i16::MIN as f64, i16::MAX as f64) as i16
    }

    #[test]
    fn whole_rescales_take_the_integer_path_and_equal_the_float_definition() {
        let stored: Vec<i64> = (-40_000..40_000)
            .step_by(7)
            .chain([i64::from(u32::MAX)])
            .collect();
        for (slope, intercept) in [(1.0, -1024.0), (2.0, -3000.0), (1.0, 0.0), (-1.0, 5.0)] {
            let f = rescale(slope, intercept);
            assert!(integer_rescale(&f).is_some());
            let mut out = vec![0i16; stored.len()];
            let mut report = HuReport::default();
            to_hu(
                &stored,
                &header("MONOCHROME2", None),
                &f,
                &mut out,
                &mut report,
            );
            let expected: Vec<i16> = stored
                .iter()
                .map(|&v| reference(v, slope, intercept))
                .collect();
            assert_eq!(out, expected, "slope {slope} intercept {intercept}");
            let clamped = stored
                .iter()
                .filter(|&&v| {
                    let hu = v as f64 * slope + intercept;
                    hu < i16::MIN as f64 || hu > i16::MAX as f64
                })
                .count() as u64;
            assert_eq!(report.clamped, clamped);
        }
        // Fractional rescales keep the rounding path.
        for (slope, intercept) in [(0.5, -1024.0), (1.0, -1024.5), (f64::NAN, 0.0)] {
            assert!(integer_rescale(&rescale(slope, intercept)).is_none());
        }
        let f = rescale(0.5, -1024.5);
        let mut out = vec![0i16; 3];
        to_hu(
            &[0, 1, 2049],
            &header("MONOCHROME2", None),
            &f,
            &mut out,
            &mut HuReport::default(),
        );
        assert_eq!(
            out,
            [reference(0, 0.5, -1024.5), reference(1, 0.5, -1024.5), 0]
        );
    }

    #[test]
    fn one_pass_equals_stored_values_then_hu_at_every_depth() {
        // Pseudo-random samples, every bit set somewhere; 12 bits stored at 8..=32 allocated.
        let mut x = 0x9E37_79B9u32;
        let data: Vec<u8> = (0..4 * 64)
            .map(|_| {
                x ^= x << 13;
                x ^= x >> 17;
                x ^= x << 5;
                x as u8
            })
            .collect();
        for (bits_allocated, bits_stored, high_bit, signed) in [
            (8, 8, 7, 0),
            (16, 12, 11, 1),
            (16, 12, 15, 0),
            (16, 16, 15, 1),
            (32, 32, 31, 1),
        ] {
            let mut h = header("MONOCHROME2", Some((-5, Some(3))));
            h.bits_allocated = bits_allocated;
            h.bits_stored = bits_stored;
            h.high_bit = high_bit;
            h.pixel_representation = signed;
            let frame_bytes = 64 * usize::from(bits_allocated / 8);
            let raw = RawFrames {
                data: data.clone(),
                frame_bytes,
                frames: data.len() / frame_bytes,
            };
            let mut table = HuTable::default();
            for f in [
                rescale(1.0, -1024.0),
                rescale(0.25, 10.5),
                rescale(1.0, -1024.0),
            ] {
                let k = raw.frames() - 1;
                let stored = stored_frame(&raw, &h, k).unwrap();
                let (mut a, mut b) = (vec![0i16; 64], vec![0i16; 64]);
                let (mut ra, mut rb) = (HuReport::default(), HuReport::default());
                to_hu(&stored, &h, &f, &mut a, &mut ra);
                frame_to_hu(&raw, &h, k, &f, &mut b, &mut rb, &mut table).unwrap();
                assert_eq!(
                    a, b,
                    "{bits_allocated} bits allocated, {bits_stored} stored"
                );
                assert_eq!((ra.clamped, ra.padded), (rb.clamped, rb.padded));
            }
        }
    }

    #[test]
    fn padding_is_air_on_the_integer_path() {
        let f = rescale(1.0, -1024.0);
        let mut out = vec![0i16; 4];
        let mut report = HuReport::default();
        let h = header("MONOCHROME2", Some((-2000, Some(-1500))));
        to_hu(&[-2000, -1700, -1500, 1000], &h, &f, &mut out, &mut report);
        assert_eq!(out, [AIR_HU, AIR_HU, AIR_HU, -24]);
        assert_eq!(report.padded, 3);
    }

    fn stored_value(raw: u32, shift: u32, mask: u32, bits_stored: u32, signed: bool) -> i64 {
        SampleFormat {
            shift,
            mask,
            bits_stored,
            signed,
        }
        .value(raw)
    }

    #[test]
    fn masks_and_sign_extends() {
        // 12 bits stored in 16, signed: 0x0FFF is -1, 0x0800 is -2048, high garbage bits ignored.
        assert_eq!(stored_value(0xFFFF, 0, 0x0FFF, 12, true), -1);
        assert_eq!(stored_value(0x0800, 0, 0x0FFF, 12, true), -2048);
        assert_eq!(stored_value(0xF7FF, 0, 0x0FFF, 12, true), 2047);
        assert_eq!(stored_value(0xF123, 0, 0x0FFF, 12, false), 0x123);
        // HighBit 15 with 12 bits stored: the value sits in the top bits.
        assert_eq!(stored_value(0x1230, 4, 0x0FFF, 12, false), 0x123);
    }
}
