//! The one preprocessing definition (mirrors `models/train/preprocess.py` operation for
//! operation, so both give the same tensor to within float rounding):
//!
//! 1. clip HU to the card's `clip_hu`;
//! 2. resize the clipped slice to `input_size` with bilinear interpolation, half-pixel centres
//!    (`src = (dst + 0.5) · in / out − 0.5`, clamped below at 0, upper neighbour clamped at
//!    `in − 1`), no antialiasing — rows first, then columns;
//! 3. one channel per window: `(clip(x, c − w/2, c + w/2) − (c − w/2)) / w`.
//!
//! Slices are in display orientation: row j downwards (anterior up), column i rightwards —
//! exactly `Volume::slice(k)` (i fastest).

use super::card::{Preprocessing, Window};
use crate::{Error, Result};

/// Per-axis source indices and weights of the half-pixel bilinear resize.
pub(crate) struct Axis {
    pub(crate) i0: Vec<usize>,
    pub(crate) i1: Vec<usize>,
    pub(crate) lam: Vec<f32>,
}

pub(crate) fn axis(n_in: usize, n_out: usize) -> Axis {
    let scale = n_in as f64 / n_out as f64;
    let mut a = Axis {
        i0: Vec::with_capacity(n_out),
        i1: Vec::with_capacity(n_out),
        lam: Vec::with_capacity(n_out),
    };
    for d in 0..n_out {
        let src = (((d as f64) + 0.5) * scale - 0.5).max(0.0) as f32;
        let i0 = (src.floor() as usize).min(n_in - 1);
        a.i0.push(i0);
        a.i1.push((i0 + 1).min(n_in - 1));
        a.lam.push(src - i0 as f32);
    }
    a
}

/// Half-pixel bilinear resize of a row-major `rows × cols` f32 image to `out_rows × out_cols`.
pub fn resize_bilinear(
    src: &[f32],
    rows: usize,
    cols: usize,
    out_rows: usize,
    out_cols: usize,
) -> Vec<f32> {
    if rows == 0 || cols == 0 || out_rows == 0 || out_cols == 0 {
        return vec![0.0; out_rows * out_cols];
    }
    let ra = axis(rows, out_rows);
    let ca = axis(cols, out_cols);
    // rows first: (out_rows × cols)
    let mut tmp = vec![0f32; out_rows * cols];
    for r in 0..out_rows {
        let (t, b, l) = (ra.i0[r] * cols, ra.i1[r] * cols, ra.lam[r]);
        let w0 = 1.0 - l;
        let row = &mut tmp[r * cols..(r + 1) * cols];
        for (c, o) in row.iter_mut().enumerate() {
            *o = src[t + c] * w0 + src[b + c] * l;
        }
    }
    let mut out = vec![0f32; out_rows * out_cols];
    for r in 0..out_rows {
        let row = &tmp[r * cols..(r + 1) * cols];
        let o = &mut out[r * out_cols..(r + 1) * out_cols];
        for c in 0..out_cols {
            let l = ca.lam[c];
            o[c] = row[ca.i0[c]] * (1.0 - l) + row[ca.i1[c]] * l;
        }
    }
    out
}

/// Apply one window to a value.
#[inline]
pub fn window(x: f32, lo: f32, hi: f32, width: f32) -> f32 {
    (x.clamp(lo, hi) - lo) / width
}

fn window_bounds(w: &Window) -> (f32, f32, f32) {
    (
        (w.center - w.width / 2.0) as f32,
        (w.center + w.width / 2.0) as f32,
        w.width as f32,
    )
}

/// An HU slice (row-major, `rows × cols`, display orientation) → the model input tensor,
/// NCHW with batch 1, as a flat `Vec<f32>` of `windows × input_rows × input_cols`.
pub fn preprocess_slice(
    hu: &[i16],
    rows: usize,
    cols: usize,
    p: &Preprocessing,
) -> Result<Vec<f32>> {
    if hu.len() != rows * cols || rows == 0 || cols == 0 {
        return Err(Error::Model(format!(
            "preprocessing: a {rows} × {cols} slice needs {} values, got {}",
            rows * cols,
            hu.len()
        )));
    }
    let (lo, hi) = (p.clip_hu[0] as f32, p.clip_hu[1] as f32);
    let clipped: Vec<f32> = hu.iter().map(|&v| (v as f32).clamp(lo, hi)).collect();
    let [out_r, out_c] = p.input_size;
    let x = resize_bilinear(&clipped, rows, cols, out_r, out_c);
    let mut out = Vec::with_capacity(p.windows.len() * x.len());
    for w in &p.windows {
        let (wlo, whi, ww) = window_bounds(w);
        out.extend(x.iter().map(|&v| window(v, wlo, whi, ww)));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pre(size: usize) -> Preprocessing {
        Preprocessing {
            input_size: [size, size],
            clip_hu: [0.0, 255.0],
            windows: vec![
                Window {
                    name: "brain".into(),
                    center: 40.0,
                    width: 80.0,
                },
                Window {
                    name: "wide".into(),
                    center: 128.0,
                    width: 256.0,
                },
            ],
        }
    }

    #[test]
    fn halving_averages_two_by_two_blocks() {
        let src: Vec<f32> = (0..16).map(|v| v as f32).collect();
        let out = resize_bilinear(&src, 4, 4, 2, 2);
        assert_eq!(out, vec![2.5, 4.5, 10.5, 12.5]);
    }

    #[test]
    fn same_size_is_identity_and_constant_stays_constant() {
        let src: Vec<f32> = (0..12).map(|v| (v * 7 % 5) as f32).collect();
        assert_eq!(resize_bilinear(&src, 3, 4, 3, 4), src);
        let c = vec![3.25f32; 35];
        assert!(resize_bilinear(&c, 5, 7, 11, 3).iter().all(|&v| v == 3.25));
    }

    #[test]
    fn upsampling_clamps_at_the_edges() {
        let out = resize_bilinear(&[0.0, 10.0], 1, 2, 1, 4);
        assert_eq!(out, vec![0.0, 2.5, 7.5, 10.0]);
    }

    #[test]
    fn windows_clip_hu_then_map_to_unit_range() {
        let hu = [-1024i16, 0, 40, 80, 3000, 128];
        let t = preprocess_slice(
            &hu,
            1,
            6,
            &Preprocessing {
                input_size: [1, 6],
                ..pre(1)
            },
        )
        .unwrap();
        assert_eq!(&t[..6], &[0.0, 0.0, 0.5, 1.0, 1.0, 1.0]);
        assert_eq!(
            &t[6..],
            &[0.0, 0.0, 40.0 / 256.0, 80.0 / 256.0, 255.0 / 256.0, 0.5]
        );
    }

    #[test]
    fn wrong_length_is_an_error() {
        assert!(preprocess_slice(&[0i16; 5], 2, 3, &pre(4)).is_err());
    }
}
