//! Stored slice → RGBA pixels through a window look-up table.

use super::{AxialView, Lut, WindowLevel};
use crate::Volume;

/// Render slice `k` of `volume` as `view.width × view.height` opaque grey RGBA pixels (row by
/// row from the top) into `out`, which is resized to `width * height * 4`. A slice index
/// outside the volume, or a view made for other dimensions, gives a black image.
pub fn render_axial_rgba(
    volume: &Volume,
    view: &AxialView,
    k: usize,
    window: WindowLevel,
    out: &mut Vec<u8>,
) {
    render_axial_rgba_lut(volume, view, k, &Lut::new(window), out);
}

/// [`render_axial_rgba`] with a prebuilt [`Lut`] (build it once per window change).
pub fn render_axial_rgba_lut(
    volume: &Volume,
    view: &AxialView,
    k: usize,
    lut: &Lut,
    out: &mut Vec<u8>,
) {
    let (w, h) = (view.width, view.height);
    out.clear();
    out.resize(w * h * 4, 0);
    if k >= volume.dims[2] || !view.fits(volume) || w == 0 || h == 0 {
        for px in out.chunks_exact_mut(4) {
            px[3] = 255;
        }
        return;
    }
    let slice = volume.slice(k);
    let (base, sx, sy) = view.strides();
    if sx == 1 {
        // Common case (RSNA layout, possibly flipped vertically): contiguous source rows.
        for (y, row) in out.chunks_exact_mut(w * 4).enumerate() {
            let start = (base + y as isize * sy) as usize;
            let src = &slice[start..start + w];
            for (px, &hu) in row.chunks_exact_mut(4).zip(src) {
                let g = lut.get(hu);
                px.copy_from_slice(&[g, g, g, 255]);
            }
        }
    } else {
        for (y, row) in out.chunks_exact_mut(w * 4).enumerate() {
            let mut idx = base + y as isize * sy;
            for px in row.chunks_exact_mut(4) {
                let g = lut.get(slice[idx as usize]);
                px.copy_from_slice(&[g, g, g, 255]);
                idx += sx;
            }
        }
    }
}
