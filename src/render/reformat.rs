//! Multiplanar reformats on an orthogonal, RAS-aligned grid.
//!
//! A [`Reformat`] describes one display plane (axial, coronal or sagittal) as a regular grid of
//! square pixels in patient space, independent of how the voxels were stored. Each pixel centre
//! is a RAS point; the volume is sampled there by inverting the voxel → RAS affine, so sheared
//! (gantry-tilted) or oblique series come out unskewed, with the true physical aspect ratio.
//!
//! Radiological convention, as on a reading workstation:
//! - axial: patient right on screen left, anterior up (letters R/L, A/P);
//! - coronal: patient right on screen left, superior up (R/L, S/I);
//! - sagittal: anterior on screen left, superior up (A/P, S/I).
//!
//! Pixel (x, y) covers `[x, x+1) × [y, y+1)` in screen pixel units; its centre is at
//! `(x + 0.5, y + 0.5)`. The plane's position along its normal (the "depth") is a RAS
//! coordinate in mm: y for coronal, x for sagittal, z for axial.

use serde::Serialize;

use super::{EdgeLetters, Lut};
use crate::volume::nearest_axes;
use crate::{Error, Geometry, Result, Volume};

/// HU value written for pixels outside the volume (drawn black, ignored by measurements).
pub const OUTSIDE: i16 = i16::MIN;

/// Largest number of pixels along one side of a reformatted image.
const MAX_SIDE: f64 = 1024.0;

/// A display plane.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Plane {
    Axial,
    Coronal,
    Sagittal,
}

impl Plane {
    /// All planes, in display order.
    pub const ALL: [Plane; 3] = [Plane::Axial, Plane::Coronal, Plane::Sagittal];

    /// RAS axes along screen x and screen y, and the normal axis (0 = x, 1 = y, 2 = z).
    pub fn axes(self) -> (usize, usize, usize) {
        match self {
            Plane::Axial => (0, 1, 2),
            Plane::Coronal => (0, 2, 1),
            Plane::Sagittal => (1, 2, 0),
        }
    }

    /// Lower-case name ("axial", "coronal", "sagittal").
    pub fn name(self) -> &'static str {
        match self {
            Plane::Axial => "axial",
            Plane::Coronal => "coronal",
            Plane::Sagittal => "sagittal",
        }
    }

    fn letters(self) -> EdgeLetters {
        let (left, right, top, bottom) = match self {
            Plane::Axial => ('R', 'L', 'A', 'P'),
            Plane::Coronal => ('R', 'L', 'S', 'I'),
            Plane::Sagittal => ('A', 'P', 'S', 'I'),
        };
        EdgeLetters {
            top,
            bottom,
            left,
            right,
        }
    }
}

/// Voxel ↔ RAS conversion with the inverse of the affine (sheared affines included).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct VoxelMap {
    pub geometry: Geometry,
    /// Inverse of the affine's linear part (RAS mm → voxel steps).
    inverse: [[f64; 3]; 3],
    pub dims: [usize; 3],
}

impl VoxelMap {
    /// The map for a grid of `dims` voxels; fails when the affine is singular.
    pub fn new(dims: [usize; 3], geometry: &Geometry) -> Result<Self> {
        let a = &geometry.affine;
        let m = [
            [a[0][0], a[0][1], a[0][2]],
            [a[1][0], a[1][1], a[1][2]],
            [a[2][0], a[2][1], a[2][2]],
        ];
        let det = m[0][0] * (m[1][1] * m[2][2] - m[1][2] * m[2][1])
            - m[0][1] * (m[1][0] * m[2][2] - m[1][2] * m[2][0])
            + m[0][2] * (m[1][0] * m[2][1] - m[1][1] * m[2][0]);
        if !det.is_finite() || det.abs() < 1e-12 {
            return Err(Error::Other(
                "the volume's voxel-to-patient matrix is singular, so it cannot be reformatted"
                    .to_string(),
            ));
        }
        let mut inv = [[0.0; 3]; 3];
        for (r, row) in inv.iter_mut().enumerate() {
            for (c, v) in row.iter_mut().enumerate() {
                // Adjugate: cofactor of (c, r).
                let (r1, r2) = ((c + 1) % 3, (c + 2) % 3);
                let (c1, c2) = ((r + 1) % 3, (r + 2) % 3);
                *v = (m[r1][c1] * m[r2][c2] - m[r1][c2] * m[r2][c1]) / det;
            }
        }
        Ok(VoxelMap {
            geometry: *geometry,
            inverse: inv,
            dims,
        })
    }

    /// Voxel (fractional i, j, k; integer = voxel centre) → RAS mm.
    pub fn to_ras(&self, ijk: [f64; 3]) -> [f64; 3] {
        self.geometry.to_ras(ijk)
    }

    /// RAS mm → fractional voxel coordinates.
    pub fn to_voxel(&self, ras: [f64; 3]) -> [f64; 3] {
        let a = &self.geometry.affine;
        let d = [ras[0] - a[0][3], ras[1] - a[1][3], ras[2] - a[2][3]];
        self.apply_inverse(d)
    }

    /// The inverse linear part applied to a RAS direction.
    fn apply_inverse(&self, d: [f64; 3]) -> [f64; 3] {
        let m = &self.inverse;
        [0, 1, 2].map(|r| m[r][0] * d[0] + m[r][1] * d[1] + m[r][2] * d[2])
    }

    /// The voxel nearest to a RAS point, clamped into the volume.
    pub fn nearest_voxel(&self, ras: [f64; 3]) -> [usize; 3] {
        let v = self.to_voxel(ras);
        [0, 1, 2].map(|a| {
            let max = self.dims[a].saturating_sub(1) as f64;
            let x = if v[a].is_finite() { v[a].round() } else { 0.0 };
            x.clamp(0.0, max) as usize
        })
    }

    /// Trilinear HU at fractional voxel coordinates, or `None` outside the volume (more than half
    /// a voxel beyond the outer voxel centres).
    #[inline]
    pub fn sample(&self, volume: &Volume, v: [f64; 3]) -> Option<f64> {
        let d = self.dims;
        let mut base = [0usize; 3];
        let mut frac = [0.0f64; 3];
        for a in 0..3 {
            let n = d[a] as f64;
            if !(v[a] >= -0.5 && v[a] <= n - 0.5) {
                return None;
            }
            let x = v[a].clamp(0.0, (n - 1.0).max(0.0));
            let f = x.floor();
            base[a] = (f as usize).min(d[a].saturating_sub(2));
            frac[a] = x - base[a] as f64;
        }
        let step = [
            usize::from(d[0] > 1),
            if d[1] > 1 { d[0] } else { 0 },
            if d[2] > 1 { d[0] * d[1] } else { 0 },
        ];
        let idx = base[0] + d[0] * (base[1] + d[1] * base[2]);
        let vox = &volume.voxels;
        let g = |o: usize| vox.get(idx + o).copied().unwrap_or(0) as f64;
        let (fx, fy, fz) = (frac[0], frac[1], frac[2]);
        let lerp = |a: f64, b: f64, t: f64| a + (b - a) * t;
        let c00 = lerp(g(0), g(step[0]), fx);
        let c10 = lerp(g(step[1]), g(step[1] + step[0]), fx);
        let c01 = lerp(g(step[2]), g(step[2] + step[0]), fx);
        let c11 = lerp(g(step[2] + step[1]), g(step[2] + step[1] + step[0]), fx);
        Some(lerp(lerp(c00, c10, fy), lerp(c01, c11, fy), fz))
    }
}

/// One display plane of a volume on an orthogonal RAS grid. See the module docs.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Reformat {
    pub plane: Plane,
    /// Image size in pixels.
    pub width: usize,
    pub height: usize,
    /// Physical pixel size in mm `[along x, along y]` (square pixels: both equal).
    pub pixel_mm: [f64; 2],
    /// RAS coordinate (along the screen-x axis, the screen-y axis) of the image's top-left
    /// corner; screen x and y run towards the negative RAS direction of their axes.
    pub corner: [f64; 2],
    /// Range of the depth (RAS coordinate along the normal) covered by the volume, and the
    /// depth step that moves the plane by about one voxel.
    pub depth_range: [f64; 2],
    pub depth_step: f64,
    pub letters: EdgeLetters,
    /// True when the voxel axes are not aligned with RAS (gantry tilt, oblique): the image is
    /// resampled, not a re-slicing of stored voxels.
    pub resampled: bool,
    #[serde(skip)]
    pub map: VoxelMap,
}

impl Reformat {
    /// The reformat of `volume` into `plane`.
    pub fn new(volume: &Volume, plane: Plane) -> Result<Self> {
        Self::from_geometry(volume.dims, &volume.geometry, plane)
    }

    /// The reformat for a grid of `dims` voxels with the given geometry.
    pub fn from_geometry(dims: [usize; 3], geometry: &Geometry, plane: Plane) -> Result<Self> {
        if dims.contains(&0) {
            return Err(Error::Other(
                "the volume has no voxels to reformat".to_string(),
            ));
        }
        let map = VoxelMap::new(dims, geometry)?;
        // Bounding box of the voxel corners in RAS.
        let mut lo = [f64::INFINITY; 3];
        let mut hi = [f64::NEG_INFINITY; 3];
        for corner in 0..8 {
            let v = [0, 1, 2].map(|a| {
                if corner & (1 << a) == 0 {
                    -0.5
                } else {
                    dims[a] as f64 - 0.5
                }
            });
            let p = map.to_ras(v);
            for a in 0..3 {
                lo[a] = lo[a].min(p[a]);
                hi[a] = hi[a].max(p[a]);
            }
        }
        // Step along each RAS axis: the component on that axis of the voxel column nearest to
        // it (the voxel spacing along that direction; shear does not count).
        let cols = [geometry.axis(0), geometry.axis(1), geometry.axis(2)];
        let mut step = [1.0f64; 3];
        for (c, (axis, _)) in nearest_axes(&cols).into_iter().enumerate() {
            step[axis] = cols[c][axis].abs();
        }
        let (ax, ay, an) = plane.axes();
        // Square pixels at the finer of the two in-plane steps, capped in count.
        let fine = step[ax].min(step[ay]);
        let extent = (hi[ax] - lo[ax]).max(hi[ay] - lo[ay]);
        let pixel = fine.max(extent / MAX_SIDE).max(1e-6);
        let width = ((hi[ax] - lo[ax]) / pixel).round().max(1.0) as usize;
        let height = ((hi[ay] - lo[ay]) / pixel).round().max(1.0) as usize;
        // Centre the grid on the bounding box.
        let cx = (lo[ax] + hi[ax]) / 2.0 + width as f64 * pixel / 2.0;
        let cy = (lo[ay] + hi[ay]) / 2.0 + height as f64 * pixel / 2.0;
        // Voxel axes not aligned with RAS: some column has a second non-negligible component.
        let resampled = cols.iter().any(|c| {
            let n = (c[0] * c[0] + c[1] * c[1] + c[2] * c[2]).sqrt();
            let big = c.iter().filter(|x| x.abs() > 1e-3 * n).count();
            big > 1
        });
        Ok(Reformat {
            plane,
            width,
            height,
            pixel_mm: [pixel, pixel],
            corner: [cx, cy],
            depth_range: [lo[an], hi[an]],
            depth_step: step[an].max(1e-6),
            letters: plane.letters(),
            resampled,
            map,
        })
    }

    /// Height / width of one pixel (1 for these square pixels).
    pub fn aspect(&self) -> f64 {
        self.pixel_mm[1] / self.pixel_mm[0]
    }

    /// RAS point at screen position (x, y) (pixel units, pixel centres at +0.5) and `depth`.
    pub fn ras_at(&self, x: f64, y: f64, depth: f64) -> [f64; 3] {
        let (ax, ay, an) = self.plane.axes();
        let mut p = [0.0; 3];
        p[ax] = self.corner[0] - x * self.pixel_mm[0];
        p[ay] = self.corner[1] - y * self.pixel_mm[1];
        p[an] = depth;
        p
    }

    /// Screen position (pixel units) of a RAS point projected onto the plane.
    pub fn screen_of(&self, ras: [f64; 3]) -> [f64; 2] {
        let (ax, ay, _) = self.plane.axes();
        [
            (self.corner[0] - ras[ax]) / self.pixel_mm[0],
            (self.corner[1] - ras[ay]) / self.pixel_mm[1],
        ]
    }

    /// Depth (RAS coordinate along the plane's normal) of a RAS point.
    pub fn depth_of(&self, ras: [f64; 3]) -> f64 {
        ras[self.plane.axes().2]
    }

    /// Resample the plane at `depth` into `out` (row by row from the top, `width × height`
    /// values), trilinear, rounded to HU; pixels outside the volume get [`OUTSIDE`].
    pub fn sample_hu(&self, volume: &Volume, depth: f64, out: &mut Vec<i16>) {
        out.clear();
        out.resize(self.width * self.height, OUTSIDE);
        if volume.dims != self.map.dims
            || volume.voxels.len() != self.map.dims.iter().product::<usize>()
        {
            return;
        }
        // Voxel coordinates are linear in (x, y): start + x·du + y·dv.
        let origin = self.map.to_voxel(self.ras_at(0.5, 0.5, depth));
        let px = self.map.to_voxel(self.ras_at(1.5, 0.5, depth));
        let py = self.map.to_voxel(self.ras_at(0.5, 1.5, depth));
        let du = [0, 1, 2].map(|a| px[a] - origin[a]);
        let dv = [0, 1, 2].map(|a| py[a] - origin[a]);
        for (y, row) in out.chunks_exact_mut(self.width).enumerate() {
            let yf = y as f64;
            let start = [0, 1, 2].map(|a| origin[a] + yf * dv[a]);
            for (x, px) in row.iter_mut().enumerate() {
                let xf = x as f64;
                let v = [
                    start[0] + xf * du[0],
                    start[1] + xf * du[1],
                    start[2] + xf * du[2],
                ];
                if let Some(hu) = self.map.sample(volume, v) {
                    *px = hu.round().clamp(-32767.0, 32767.0) as i16;
                }
            }
        }
    }

    /// Resample a label mask (one byte per voxel, volume grid, i fastest) at `depth` into `out`
    /// (`width × height`, nearest voxel; 0 outside the volume or when the mask has another size).
    pub fn sample_labels(&self, mask: &[u8], depth: f64, out: &mut Vec<u8>) {
        out.clear();
        out.resize(self.width * self.height, 0);
        let d = self.map.dims;
        if mask.len() != d.iter().product::<usize>() {
            return;
        }
        let origin = self.map.to_voxel(self.ras_at(0.5, 0.5, depth));
        let px = self.map.to_voxel(self.ras_at(1.5, 0.5, depth));
        let py = self.map.to_voxel(self.ras_at(0.5, 1.5, depth));
        let du = [0, 1, 2].map(|a| px[a] - origin[a]);
        let dv = [0, 1, 2].map(|a| py[a] - origin[a]);
        for (y, row) in out.chunks_exact_mut(self.width).enumerate() {
            for (x, code) in row.iter_mut().enumerate() {
                let (xf, yf) = (x as f64, y as f64);
                let mut idx = 0usize;
                let mut stride = 1usize;
                let mut inside = true;
                for a in 0..3 {
                    let v = (origin[a] + xf * du[a] + yf * dv[a]).round();
                    if !(v >= 0.0 && v < d[a] as f64) {
                        inside = false;
                        break;
                    }
                    idx += v as usize * stride;
                    stride *= d[a];
                }
                if inside {
                    *code = mask[idx];
                }
            }
        }
    }

    /// The voxel nearest to screen position (x, y) (pixel units) at `depth`, or `None` when
    /// the point lies outside the volume.
    pub fn voxel_at(&self, x: f64, y: f64, depth: f64) -> Option<[usize; 3]> {
        let v = self.map.to_voxel(self.ras_at(x, y, depth));
        let d = self.map.dims;
        if (0..3).all(|a| v[a] >= -0.5 && v[a] < d[a] as f64 - 0.5) {
            Some([0, 1, 2].map(|a| (v[a].round().max(0.0) as usize).min(d[a] - 1)))
        } else {
            None
        }
    }

    /// HU at screen position (x, y) and `depth` (trilinear), or `None` outside the volume.
    pub fn hu_at(&self, volume: &Volume, x: f64, y: f64, depth: f64) -> Option<f64> {
        self.map
            .sample(volume, self.map.to_voxel(self.ras_at(x, y, depth)))
    }
}

/// Grey RGBA pixels of resampled HU values through a window LUT ([`OUTSIDE`] is black).
pub fn hu_to_rgba(hu: &[i16], lut: &Lut, out: &mut Vec<u8>) {
    out.clear();
    out.resize(hu.len() * 4, 0);
    for (px, &v) in out.chunks_exact_mut(4).zip(hu) {
        let g = if v == OUTSIDE { 0 } else { lut.get(v) };
        px.copy_from_slice(&[g, g, g, 255]);
    }
}
