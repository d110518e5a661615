//! Coloured label overlays: the analysis mask (codes 0..=5) drawn over a grey slice, per
//! subtype, filled or outlined, with an opacity.

use super::AxialView;

/// Colour per mask code (index 0 = background, unused), from the Okabe–Ito palette, which
/// stays distinguishable with the common colour-vision deficiencies.
pub const OKABE_ITO: [[u8; 3]; 6] = [
    [0, 0, 0],
    [0x00, 0x72, 0xB2], // 1 epidural: blue
    [0xD5, 0x5E, 0x00], // 2 intraparenchymal: vermillion
    [0x00, 0x9E, 0x73], // 3 intraventricular: bluish green
    [0xF0, 0xE4, 0x42], // 4 subarachnoid: yellow
    [0xCC, 0x79, 0xA7], // 5 subdural: reddish purple
];

/// How the overlay is drawn.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct OverlayStyle {
    /// Colour per mask code.
    pub palette: [[u8; 3]; 6],
    /// 0 = invisible, 1 = opaque colour.
    pub opacity: f32,
    /// Draw only the boundary pixels of each region.
    pub outline: bool,
    /// Which codes are shown (index 0 is ignored).
    pub visible: [bool; 6],
}

impl Default for OverlayStyle {
    fn default() -> Self {
        OverlayStyle {
            palette: OKABE_ITO,
            opacity: 0.5,
            outline: false,
            visible: [false, true, true, true, true, true],
        }
    }
}

/// Style of a ground-truth label map: the user's style alone, or outlines at full opacity
/// when the prediction is filled underneath (so both stay readable).
pub fn truth_style(style: &OverlayStyle, with_prediction: bool) -> OverlayStyle {
    if with_prediction {
        OverlayStyle {
            outline: true,
            opacity: 1.0,
            ..*style
        }
    } else {
        *style
    }
}

/// Slice `k` of a volume-grid mask (i fastest, `dims` of the view) in screen layout
/// (`view.width × view.height`, row by row from the top), like the grey image.
/// A mask of the wrong size or a slice outside it gives an empty (all 0) image.
pub fn axial_labels(mask: &[u8], view: &AxialView, k: usize, out: &mut Vec<u8>) {
    let (w, h) = (view.width, view.height);
    out.clear();
    out.resize(w * h, 0);
    let [ni, nj, nk] = view.dims;
    let per = ni * nj;
    if k >= nk || mask.len() != per * nk || w * h != per {
        return;
    }
    let slice = &mask[k * per..(k + 1) * per];
    let (base, sx, sy) = view.strides();
    for (y, row) in out.chunks_exact_mut(w).enumerate() {
        let mut idx = base + y as isize * sy;
        for px in row.iter_mut() {
            *px = slice[idx as usize];
            idx += sx;
        }
    }
}

/// Blend `labels` (screen layout, `width × height`) into `rgba` (same size, 4 bytes/pixel).
pub fn blend(rgba: &mut [u8], labels: &[u8], width: usize, height: usize, style: &OverlayStyle) {
    if labels.len() != width * height || rgba.len() != labels.len() * 4 {
        return;
    }
    let a = style.opacity.clamp(0.0, 1.0);
    if a <= 0.0 {
        return;
    }
    let shown = |code: u8| code != 0 && (code as usize) < 6 && style.visible[code as usize];
    for y in 0..height {
        for x in 0..width {
            let p = y * width + x;
            let code = labels[p];
            if !shown(code) {
                continue;
            }
            if style.outline {
                let differs = |q: Option<usize>| q.map(|q| labels[q] != code).unwrap_or(true);
                let edge = differs(x.checked_sub(1).map(|xx| y * width + xx))
                    || differs((x + 1 < width).then(|| p + 1))
                    || differs(y.checked_sub(1).map(|yy| yy * width + x))
                    || differs((y + 1 < height).then(|| p + width));
                if !edge {
                    continue;
                }
            }
            let c = style.palette[code as usize];
            let px = &mut rgba[p * 4..p * 4 + 3];
            for (v, &t) in px.iter_mut().zip(&c) {
                *v = (f32::from(*v) * (1.0 - a) + f32::from(t) * a).round() as u8;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn grey(w: usize, h: usize, g: u8) -> Vec<u8> {
        let mut v = vec![g; w * h * 4];
        for px in v.chunks_exact_mut(4) {
            px[3] = 255;
        }
        v
    }

    #[test]
    fn fill_blends_only_labelled_visible_pixels() {
        let labels = [0u8, 2, 4, 0];
        let mut rgba = grey(2, 2, 100);
        let mut style = OverlayStyle {
            opacity: 1.0,
            ..Default::default()
        };
        style.visible[4] = false;
        blend(&mut rgba, &labels, 2, 2, &style);
        assert_eq!(&rgba[0..4], &[100, 100, 100, 255]);
        assert_eq!(&rgba[4..8], &[0xD5, 0x5E, 0x00, 255]);
        assert_eq!(&rgba[8..12], &[100, 100, 100, 255], "hidden subtype");
        assert_eq!(&rgba[12..16], &[100, 100, 100, 255]);
    }

    #[test]
    fn opacity_mixes_colour_and_grey() {
        let mut rgba = grey(1, 1, 0);
        let style = OverlayStyle {
            opacity: 0.5,
            ..Default::default()
        };
        blend(&mut rgba, &[1], 1, 1, &style);
        assert_eq!(&rgba[..4], &[0, 0x39, 0x59, 255]);
        let mut none = grey(1, 1, 7);
        blend(
            &mut none,
            &[1],
            1,
            1,
            &OverlayStyle {
                opacity: 0.0,
                ..Default::default()
            },
        );
        assert_eq!(&none[..4], &[7, 7, 7, 255]);
    }

    #[test]
    fn outline_skips_interior_pixels() {
        // 5×5 with a 3×3 block of code 2 in the middle: only its centre is interior.
        let mut labels = vec![0u8; 25];
        for y in 1..4 {
            for x in 1..4 {
                labels[y * 5 + x] = 2;
            }
        }
        let mut rgba = grey(5, 5, 0);
        let style = OverlayStyle {
            opacity: 1.0,
            outline: true,
            ..Default::default()
        };
        blend(&mut rgba, &labels, 5, 5, &style);
        let coloured = |x: usize, y: usize| rgba[(y * 5 + x) * 4] == 0xD5;
        assert!(coloured(1, 1) && coloured(2, 1) && coloured(3, 3));
        assert!(!coloured(2, 2), "interior pixel stays grey");
        assert!(!coloured(0, 0));
    }

    #[test]
    fn labels_follow_the_grey_image_layout() {
        use crate::{Geometry, Volume};
        // 3×2×2 volume, RAS-like identity affine: the view may flip axes; the label at a
        // screen pixel must be the mask value of the voxel the view shows there.
        let dims = [3, 2, 2];
        let v = Volume::new(dims, vec![0; 12], Geometry::from_affine(identity()), "t");
        let view = AxialView::new(&v);
        let mask: Vec<u8> = (0..12).map(|n| (n % 6) as u8).collect();
        let mut out = Vec::new();
        axial_labels(&mask, &view, 1, &mut out);
        assert_eq!(out.len(), view.width * view.height);
        for y in 0..view.height {
            for x in 0..view.width {
                let [i, j] = view.voxel_at(x, y).unwrap();
                assert_eq!(out[y * view.width + x], mask[6 + j * 3 + i]);
            }
        }
        axial_labels(&mask[..5], &view, 0, &mut out);
        assert!(out.iter().all(|&c| c == 0));
    }

    fn identity() -> [[f64; 4]; 4] {
        let mut a = [[0.0; 4]; 4];
        for (n, row) in a.iter_mut().enumerate() {
            row[n] = 1.0;
        }
        a
    }
}
