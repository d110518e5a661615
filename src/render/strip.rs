//! The slice-probability strip: one row per label, one column per slice, each cell the
//! label's colour mixed into the background by the slice's probability.

use super::overlay::OKABE_ITO;

/// Background of a cell with probability 0.
pub const STRIP_BACKGROUND: [u8; 3] = [0x17, 0x1c, 0x21];

/// Row colours in `LABELS` order: "any" in light grey, the subtypes as in the overlay.
pub const STRIP_COLOURS: [[u8; 3]; 6] = [
    [0xE6, 0xE8, 0xEA],
    OKABE_ITO[1],
    OKABE_ITO[2],
    OKABE_ITO[3],
    OKABE_ITO[4],
    OKABE_ITO[5],
];

/// Alternating cells of a row whose label is not assessed (no probability is drawn there).
pub const STRIP_NOT_ASSESSED: [[u8; 3]; 2] = [[0x2a, 0x2f, 0x35], [0x3c, 0x42, 0x48]];

/// Column of a slice the models did not run on (no brain: `analysis::tissue`), darker than
/// a probability of 0.
pub const STRIP_NO_BRAIN: [u8; 3] = [0x08, 0x0a, 0x0c];

/// Render `scores` (per slice, `LABELS` order; `None` for a slice without brain) as an RGBA
/// image `scores.len()` wide and 6 high into `out`. A row whose label is not `assessed` is
/// hatched instead of coloured.
pub fn probability_strip(scores: &[Option<[f32; 6]>], assessed: &[bool; 6], out: &mut Vec<u8>) {
    let n = scores.len();
    out.clear();
    out.resize(n * 6 * 4, 255);
    for (k, s) in scores.iter().enumerate() {
        let Some(s) = s else {
            for row in 0..6 {
                out[(row * n + k) * 4..(row * n + k) * 4 + 3].copy_from_slice(&STRIP_NO_BRAIN);
            }
            continue;
        };
        for (row, (&p, colour)) in s.iter().zip(&STRIP_COLOURS).enumerate() {
            if !assessed[row] {
                let hatch = STRIP_NOT_ASSESSED[k % 2];
                out[(row * n + k) * 4..(row * n + k) * 4 + 3].copy_from_slice(&hatch);
                continue;
            }
            let p = if p.is_finite() {
                p.clamp(0.0, 1.0)
            } else {
                0.0
            };
            let px = &mut out[(row * n + k) * 4..(row * n + k) * 4 + 3];
            for ((v, &c), &b) in px.iter_mut().zip(colour).zip(&STRIP_BACKGROUND) {
                *v = (f32::from(b) * (1.0 - p) + f32::from(c) * p).round() as u8;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_follow_probability() {
        let mut out = Vec::new();
        probability_strip(
            &[Some([0.0; 6]), Some([1.0, 0.0, 1.0, 0.0, 0.0, f32::NAN])],
            &[true; 6],
            &mut out,
        );
        assert_eq!(out.len(), 2 * 6 * 4);
        let cell = |row: usize, k: usize| &out[(row * 2 + k) * 4..(row * 2 + k) * 4 + 4];
        assert_eq!(cell(0, 0), &[0x17, 0x1c, 0x21, 255]);
        assert_eq!(cell(0, 1), &[0xE6, 0xE8, 0xEA, 255]);
        assert_eq!(cell(2, 1), &[0xD5, 0x5E, 0x00, 255]);
        assert_eq!(cell(5, 1), &[0x17, 0x1c, 0x21, 255], "NaN counts as 0");
    }

    #[test]
    fn a_label_that_is_not_assessed_is_hatched_whatever_its_probability() {
        let mut out = Vec::new();
        let assessed = [true, false, true, true, true, true];
        probability_strip(&[Some([1.0; 6]), Some([1.0; 6])], &assessed, &mut out);
        let cell = |row: usize, k: usize| &out[(row * 2 + k) * 4..(row * 2 + k) * 4 + 3];
        assert_eq!(cell(1, 0), &STRIP_NOT_ASSESSED[0]);
        assert_eq!(cell(1, 1), &STRIP_NOT_ASSESSED[1]);
        assert_eq!(cell(2, 0), &OKABE_ITO[2]);
    }

    #[test]
    fn a_slice_without_brain_has_its_own_column() {
        let mut out = Vec::new();
        probability_strip(&[None, Some([0.0; 6])], &[true; 6], &mut out);
        let cell = |row: usize, k: usize| &out[(row * 2 + k) * 4..(row * 2 + k) * 4 + 3];
        for row in 0..6 {
            assert_eq!(cell(row, 0), &STRIP_NO_BRAIN);
            assert_eq!(cell(row, 1), &STRIP_BACKGROUND);
        }
    }
}
