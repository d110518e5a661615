//! Measurements on a displayed plane: distances in mm, elliptical regions of interest with HU
//! statistics, and the mapping from axial screen positions to fractional voxel coordinates.

use serde::Serialize;

use super::reformat::OUTSIDE;
use super::AxialView;

/// Euclidean distance between two RAS points in mm.
pub fn distance_mm(a: [f64; 3], b: [f64; 3]) -> f64 {
    ((a[0] - b[0]).powi(2) + (a[1] - b[1]).powi(2) + (a[2] - b[2]).powi(2)).sqrt()
}

/// Statistics of the pixels inside an elliptical region.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct RoiStats {
    pub mean_hu: f64,
    pub sd_hu: f64,
    pub pixels: usize,
    pub area_mm2: f64,
}

/// Statistics of the HU values of `hu` (`width` pixels per row, row by row; [`OUTSIDE`] values
/// ignored) whose pixel centres lie inside the ellipse inscribed in the box with corners `a` and
/// `b` (screen pixel units). `pixel_area_mm2` is the area of one pixel. The standard deviation is
/// the sample SD (n − 1); zero for fewer than two pixels.
pub fn ellipse_stats(
    hu: &[i16],
    width: usize,
    a: [f64; 2],
    b: [f64; 2],
    pixel_area_mm2: f64,
) -> RoiStats {
    let height = hu.len().checked_div(width).unwrap_or(0);
    let (cx, cy) = ((a[0] + b[0]) / 2.0, (a[1] + b[1]) / 2.0);
    let (rx, ry) = ((a[0] - b[0]).abs() / 2.0, (a[1] - b[1]).abs() / 2.0);
    let (mut n, mut sum, mut sum2) = (0usize, 0.0f64, 0.0f64);
    if rx > 0.0 && ry > 0.0 {
        let y0 = (cy - ry).floor().max(0.0) as usize;
        let y1 = ((cy + ry).ceil().max(0.0) as usize).min(height);
        let x0 = (cx - rx).floor().max(0.0) as usize;
        let x1 = ((cx + rx).ceil().max(0.0) as usize).min(width);
        for y in y0..y1 {
            let dy = (y as f64 + 0.5 - cy) / ry;
            for x in x0..x1 {
                let dx = (x as f64 + 0.5 - cx) / rx;
                if dx * dx + dy * dy <= 1.0 {
                    let v = hu[y * width + x];
                    if v != OUTSIDE {
                        let v = v as f64;
                        n += 1;
                        sum += v;
                        sum2 += v * v;
                    }
                }
            }
        }
    }
    let mean = if n > 0 { sum / n as f64 } else { 0.0 };
    let sd = if n > 1 {
        ((sum2 - n as f64 * mean * mean) / (n as f64 - 1.0))
            .max(0.0)
            .sqrt()
    } else {
        0.0
    };
    RoiStats {
        mean_hu: mean,
        sd_hu: sd,
        pixels: n,
        area_mm2: n as f64 * pixel_area_mm2,
    }
}

impl AxialView {
    /// Fractional voxel (i, j) at a fractional screen position of the stored-slice view
    /// (voxel centres at integers, pixel centres at +0.5).
    pub fn voxel_at_fractional(&self, x: f64, y: f64) -> [f64; 2] {
        let vx = if self.x_flip {
            self.width as f64 - x - 0.5
        } else {
            x - 0.5
        };
        let vy = if self.y_flip {
            self.height as f64 - y - 0.5
        } else {
            y - 0.5
        };
        if self.x_axis == 0 {
            [vx, vy]
        } else {
            [vy, vx]
        }
    }

    /// Fractional screen position of a fractional voxel (i, j) (inverse of
    /// [`AxialView::voxel_at_fractional`]).
    pub fn screen_at_fractional(&self, i: f64, j: f64) -> [f64; 2] {
        let (vx, vy) = if self.x_axis == 0 { (i, j) } else { (j, i) };
        let x = if self.x_flip {
            self.width as f64 - vx - 0.5
        } else {
            vx + 0.5
        };
        let y = if self.y_flip {
            self.height as f64 - vy - 0.5
        } else {
            vy + 0.5
        };
        [x, y]
    }

    /// Slice `slice` (i fastest) in screen order, row by row from the top, for measurements.
    pub fn screen_values(&self, slice: &[i16]) -> Vec<i16> {
        let mut out = Vec::with_capacity(self.width * self.height);
        for y in 0..self.height {
            for x in 0..self.width {
                let v = self
                    .voxel_at(x, y)
                    .and_then(|[i, j]| slice.get(i + self.dims[0] * j).copied())
                    .unwrap_or(OUTSIDE);
                out.push(v);
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ellipse_over_uniform_disc() {
        // 20×20 image, value 50 inside a disc of radius 5 around (10, 10), 0 elsewhere.
        let w = 20;
        let mut hu = vec![0i16; w * w];
        for y in 0..w {
            for x in 0..w {
                let (dx, dy) = (x as f64 + 0.5 - 10.0, y as f64 + 0.5 - 10.0);
                if dx * dx + dy * dy <= 25.0 {
                    hu[y * w + x] = 50;
                }
            }
        }
        let s = ellipse_stats(&hu, w, [5.0, 5.0], [15.0, 15.0], 0.25);
        assert_eq!(s.mean_hu, 50.0);
        assert_eq!(s.sd_hu, 0.0);
        // About π r² pixels.
        assert!((s.pixels as f64 - std::f64::consts::PI * 25.0).abs() < 6.0);
        assert_eq!(s.area_mm2, s.pixels as f64 * 0.25);
        // Two values 0 and 100 half each: mean 50, SD about 50.
        let hu: Vec<i16> = (0..400).map(|n| if n % 2 == 0 { 0 } else { 100 }).collect();
        let s = ellipse_stats(&hu, 20, [0.0, 0.0], [20.0, 20.0], 1.0);
        assert!((s.mean_hu - 50.0).abs() < 3.0);
        assert!((s.sd_hu - 50.0).abs() < 2.0);
        // Degenerate box: nothing.
        assert_eq!(
            ellipse_stats(&hu, 20, [3.0, 3.0], [3.0, 9.0], 1.0).pixels,
            0
        );
    }

    #[test]
    fn outside_pixels_are_ignored() {
        let mut hu = vec![10i16; 100];
        hu[..50].fill(OUTSIDE);
        let s = ellipse_stats(&hu, 10, [0.0, 0.0], [10.0, 10.0], 1.0);
        assert!(s.pixels > 0);
        assert_eq!(s.mean_hu, 10.0);
    }

    #[test]
    fn distance() {
        assert!((distance_mm([0.0, 0.0, 0.0], [3.0, 4.0, 12.0]) - 13.0).abs() < 1e-12);
    }

    #[test]
    fn axial_fractional_round_trip() {
        // i → R (flipped on screen), j → A (flipped).
        let g = crate::Geometry::from_affine([
            [0.5, 0.0, 0.0, 0.0],
            [0.0, 1.0, 0.0, 0.0],
            [0.0, 0.0, 2.5, 0.0],
            [0.0, 0.0, 0.0, 1.0],
        ]);
        let v = AxialView::from_geometry([64, 48, 10], &g);
        let [i, j] = v.voxel_at_fractional(0.5, 0.5);
        assert_eq!([i, j], [63.0, 47.0]);
        assert_eq!(v.screen_at_fractional(i, j), [0.5, 0.5]);
        let [i, j] = v.voxel_at_fractional(10.25, 3.75);
        let s = v.screen_at_fractional(i, j);
        assert!((s[0] - 10.25).abs() < 1e-12 && (s[1] - 3.75).abs() < 1e-12);
        // Screen values put voxel (63, 47) first.
        let slice: Vec<i16> = (0..64 * 48).map(|n| n as i16).collect();
        let sv = v.screen_values(&slice);
        assert_eq!(sv[0], (63 + 64 * 47) as i16);
    }
}
