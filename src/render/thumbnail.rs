//! Small previews for the dataset gallery: the middle slice in the brain window, in
//! radiological layout, scaled (nearest voxel) to fit a square of `max_side` pixels with the
//! true physical aspect ratio.

use super::{render_axial_rgba, AxialView, PRESETS};
use crate::Volume;

/// An RGBA image.
#[derive(Debug, Clone, PartialEq)]
pub struct Thumbnail {
    pub width: usize,
    pub height: usize,
    /// 4 bytes per pixel, rows from the top.
    pub rgba: Vec<u8>,
}

/// The middle slice of `volume` (brain window), at most `max_side` pixels on its longer side.
pub fn thumbnail(volume: &Volume, max_side: usize) -> Thumbnail {
    let view = AxialView::new(volume);
    let mut full = Vec::new();
    render_axial_rgba(
        volume,
        &view,
        volume.dims[2] / 2,
        PRESETS[0].window,
        &mut full,
    );
    let (w, h) = (view.width.max(1), view.height.max(1));
    let phys_w = w as f64 * view.pixel_mm[0].max(1e-6);
    let phys_h = h as f64 * view.pixel_mm[1].max(1e-6);
    let scale = max_side.max(1) as f64 / phys_w.max(phys_h);
    let tw = ((phys_w * scale).round() as usize).clamp(1, max_side.max(1));
    let th = ((phys_h * scale).round() as usize).clamp(1, max_side.max(1));
    let mut rgba = vec![0u8; tw * th * 4];
    if full.len() == w * h * 4 {
        for y in 0..th {
            let sy = ((y as f64 + 0.5) * h as f64 / th as f64) as usize;
            for x in 0..tw {
                let sx = ((x as f64 + 0.5) * w as f64 / tw as f64) as usize;
                let s = (sy.min(h - 1) * w + sx.min(w - 1)) * 4;
                rgba[(y * tw + x) * 4..(y * tw + x) * 4 + 4].copy_from_slice(&full[s..s + 4]);
            }
        }
    }
    Thumbnail {
        width: tw,
        height: th,
        rgba,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Geometry;

    #[test]
    fn keeps_the_aspect_ratio_and_the_brain_window() {
        // 40 x 20 voxels of 1 x 2 mm: 40 x 40 mm, square on screen.
        let dims = [40, 20, 3];
        let mut voxels = vec![-1000i16; 40 * 20 * 3];
        for v in voxels[40 * 20..2 * 40 * 20].iter_mut() {
            *v = 40; // the middle slice is at the brain window's centre
        }
        let g = Geometry::lps_axial([1.0, 2.0, 5.0]);
        let t = thumbnail(&Volume::new(dims, voxels, g, "test"), 16);
        assert_eq!((t.width, t.height), (16, 16));
        assert_eq!(t.rgba.len(), 16 * 16 * 4);
        assert!(
            t.rgba.chunks_exact(4).all(|p| p[0] == 128 && p[3] == 255),
            "{:?}",
            &t.rgba[..8]
        );
    }
}
