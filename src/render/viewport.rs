//! Where an image lands on a canvas and back: the fit-to-canvas rectangle with zoom and pan
//! (shared by the axial, coronal and sagittal views), and the conversion between canvas pixels
//! and image pixels. Pure arithmetic, so the pointer maths of every view is tested natively.

use serde::Serialize;

/// Zoom limits (1 = the image fits the view).
pub const MIN_ZOOM: f64 = 0.25;
pub const MAX_ZOOM: f64 = 16.0;

/// Where an image lies on a canvas, in canvas backing-store pixels.
#[derive(Debug, Clone, Copy, Serialize, PartialEq)]
pub struct ImageRect {
    pub x: f64,
    pub y: f64,
    pub width: f64,
    pub height: f64,
    /// Size of the image in image pixels (columns, rows).
    pub image: [usize; 2],
}

impl ImageRect {
    /// The rectangle of an image of `size` pixels (columns, rows), each `pixel_mm` = [x, y] mm,
    /// centred on a canvas of `canvas` backing-store pixels with its physical aspect ratio,
    /// fitted, then scaled by `zoom` about the canvas centre and shifted by `pan` (canvas
    /// pixels). The corner is rounded to whole pixels so nearest-neighbour drawing is stable.
    pub fn fit(
        canvas: [f64; 2],
        size: [usize; 2],
        pixel_mm: [f64; 2],
        zoom: f64,
        pan: [f64; 2],
    ) -> Self {
        let phys_w = (size[0] as f64 * pixel_mm[0]).max(1e-9);
        let phys_h = (size[1] as f64 * pixel_mm[1]).max(1e-9);
        let [cw, ch] = canvas;
        let scale = (cw / phys_w).min(ch / phys_h) * zoom;
        let (dw, dh) = (phys_w * scale, phys_h * scale);
        ImageRect {
            x: ((cw - dw) / 2.0 + pan[0]).round(),
            y: ((ch - dh) / 2.0 + pan[1]).round(),
            width: dw,
            height: dh,
            image: size,
        }
    }

    /// Image pixel coordinates (fractional; pixel (x, y) covers [x, x+1) × [y, y+1)) of a
    /// canvas backing-store point.
    pub fn image_point(&self, canvas: [f64; 2]) -> [f64; 2] {
        [
            (canvas[0] - self.x) / self.width * self.image[0] as f64,
            (canvas[1] - self.y) / self.height * self.image[1] as f64,
        ]
    }

    /// Canvas backing-store point of an image point (the inverse of [`Self::image_point`]).
    pub fn canvas_point(&self, p: [f64; 2]) -> [f64; 2] {
        [
            self.x + p[0] * self.width / self.image[0] as f64,
            self.y + p[1] * self.height / self.image[1] as f64,
        ]
    }

    /// Whether an image point lies on the image.
    pub fn contains(&self, p: [f64; 2]) -> bool {
        p[0] >= 0.0 && p[1] >= 0.0 && p[0] < self.image[0] as f64 && p[1] < self.image[1] as f64
    }
}

/// Image point under a pointer given in CSS pixels relative to the canvas element, for a
/// canvas whose backing store has `scale` = backing-store pixels per CSS pixel (x, y).
pub fn image_point_at_css(rect: &ImageRect, scale: [f64; 2], css: [f64; 2]) -> [f64; 2] {
    rect.image_point([css[0] * scale[0], css[1] * scale[1]])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fit_keeps_the_physical_aspect_and_centres() {
        // 100 × 50 pixels of 1 × 2 mm = 100 × 100 mm, on a 400 × 200 canvas: 200 × 200.
        let r = ImageRect::fit([400.0, 200.0], [100, 50], [1.0, 2.0], 1.0, [0.0, 0.0]);
        assert_eq!((r.x, r.y, r.width, r.height), (100.0, 0.0, 200.0, 200.0));
        // Zoom 2 about the centre, then pan.
        let z = ImageRect::fit([400.0, 200.0], [100, 50], [1.0, 2.0], 2.0, [10.0, -4.0]);
        assert_eq!((z.x, z.y, z.width, z.height), (10.0, -104.0, 400.0, 400.0));
        // The canvas centre shows the same image point at any zoom (before panning).
        let zc = ImageRect::fit([400.0, 200.0], [100, 50], [1.0, 2.0], 3.0, [0.0, 0.0]);
        assert_eq!(
            r.image_point([200.0, 100.0]),
            zc.image_point([200.0, 100.0])
        );
    }

    #[test]
    fn image_and_canvas_points_are_inverse() {
        let r = ImageRect::fit([640.0, 480.0], [256, 81], [0.5, 0.5], 2.5, [33.0, -12.0]);
        for p in [[0.0, 0.0], [12.5, 40.25], [255.9, 80.9]] {
            let c = r.canvas_point(p);
            let q = r.image_point(c);
            assert!((q[0] - p[0]).abs() < 1e-9 && (q[1] - p[1]).abs() < 1e-9);
            assert!(r.contains(q));
        }
        assert!(!r.contains(r.image_point([r.x - 1.0, r.y])));
    }

    #[test]
    fn css_points_follow_the_device_pixel_ratio() {
        let r = ImageRect::fit([800.0, 600.0], [100, 100], [1.0, 1.0], 1.0, [0.0, 0.0]);
        // At 2 backing-store pixels per CSS pixel, CSS (200, 150) is the canvas centre.
        assert_eq!(
            image_point_at_css(&r, [2.0, 2.0], [200.0, 150.0]),
            [50.0, 50.0]
        );
    }
}
