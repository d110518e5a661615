//! Screen layout of the stored slices in radiological convention.
//!
//! An [`AxialView`] decides, from the voxel → RAS affine, which in-plane voxel axis runs along the
//! screen's x and which along y, and whether either runs backwards, so that the patient's left is
//! on the screen's right and the anterior is at the top. For the RSNA-style volumes (i → L,
//! j → P) that is simply screen x = i, screen y = j.
//!
//! Each stored slice k is shown as stored. That is correct for gantry-tilted series: their
//! affine is sheared only in the k column, so within a slice the pixel grid is still a regular
//! axial-ish grid; the tilt shifts successive slices, it does not skew any one of them.
//!
//! Volumes acquired in another plane are also shown slice by slice, with the edge letters that
//! plane calls for: coronal (k → A/P) with L on the right and S at the top; sagittal (k → L/R)
//! with P on the right and S at the top. True reformats are not done here.

use serde::Serialize;

use crate::volume::{direction_letter, nearest_axes};
use crate::Volume;

/// Patient-direction letters at the four screen edges.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct EdgeLetters {
    pub top: char,
    pub bottom: char,
    pub left: char,
    pub right: char,
}

/// Acquisition plane of the stored slices (by the direction of the k axis).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum SlicePlane {
    Axial,
    Coronal,
    Sagittal,
}

/// How stored slices map onto screen pixels. Screen pixel (x, y), x to the right and y down,
/// with `0 <= x < width`, `0 <= y < height`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AxialView {
    /// Screen size of one slice in pixels (one pixel per voxel).
    pub width: usize,
    pub height: usize,
    /// Number of slices (k range).
    pub slices: usize,
    /// Voxel axis (0 = i, 1 = j) shown along screen x, and whether it runs right-to-left.
    pub x_axis: usize,
    pub x_flip: bool,
    /// Voxel axis shown along screen y, and whether it runs bottom-to-top.
    pub y_axis: usize,
    pub y_flip: bool,
    /// Physical size of one screen pixel in mm: `[along x, along y]`. Draw pixels with aspect
    /// ratio `pixel_mm[1] / pixel_mm[0]` (height / width).
    pub pixel_mm: [f64; 2],
    /// Letters for the four screen edges.
    pub letters: EdgeLetters,
    pub plane: SlicePlane,
    /// Volume dimensions the view was made for.
    pub dims: [usize; 3],
}

impl AxialView {
    /// The radiological view of `volume`'s stored slices.
    pub fn new(volume: &Volume) -> Self {
        Self::from_geometry(volume.dims, &volume.geometry)
    }

    /// The view for a grid of `dims` voxels with the given geometry.
    pub fn from_geometry(dims: [usize; 3], geometry: &crate::Geometry) -> Self {
        let cols = [geometry.axis(0), geometry.axis(1), geometry.axis(2)];
        let near = nearest_axes(&cols);
        // RAS axis wanted along screen +x (pointing to L/P, negative RAS) and screen +y (down).
        let (plane, right_ras, down_ras) = match near[2].0 {
            2 => (SlicePlane::Axial, 0, 1),    // x → L, y → P
            1 => (SlicePlane::Coronal, 0, 2),  // x → L, y → I
            _ => (SlicePlane::Sagittal, 1, 2), // x → P, y → I
        };
        // The in-plane voxel axis nearest to the wanted screen-x direction; the other goes down.
        let x_axis = if near[0].0 == right_ras || near[1].0 == down_ras {
            0
        } else {
            1
        };
        let y_axis = 1 - x_axis;
        // Screen +x and +y point in the negative RAS direction (L, P or I): flip the axis if
        // increasing voxel index goes the positive way.
        let x_flip = cols[x_axis][right_ras] > 0.0;
        let y_flip = cols[y_axis][down_ras] > 0.0;
        let screen = |axis: usize, flip: bool| {
            let c = cols[axis];
            let s = if flip { -1.0 } else { 1.0 };
            [c[0] * s, c[1] * s, c[2] * s]
        };
        let sx = screen(x_axis, x_flip);
        let sy = screen(y_axis, y_flip);
        let dominant = |v: [f64; 3]| {
            let (mut a, mut best) = (0, -1.0);
            for (r, c) in v.iter().enumerate() {
                if c.abs() > best {
                    best = c.abs();
                    a = r;
                }
            }
            (a, v[a] >= 0.0)
        };
        let (rx, px) = dominant(sx);
        let (ry, py) = dominant(sy);
        let letters = EdgeLetters {
            right: direction_letter(rx, px),
            left: direction_letter(rx, !px),
            bottom: direction_letter(ry, py),
            top: direction_letter(ry, !py),
        };
        let spacing = geometry.spacing();
        AxialView {
            width: dims[x_axis],
            height: dims[y_axis],
            slices: dims[2],
            x_axis,
            x_flip,
            y_axis,
            y_flip,
            pixel_mm: [spacing[x_axis], spacing[y_axis]],
            letters,
            plane,
            dims,
        }
    }

    /// True when this view was made for `volume`'s grid and its fields are consistent
    /// (rendering checks this, so a stale or edited view draws black instead of failing).
    pub fn fits(&self, volume: &Volume) -> bool {
        self.dims == volume.dims
            && self.x_axis < 2
            && self.y_axis == 1 - self.x_axis
            && self.width == self.dims[self.x_axis]
            && self.height == self.dims[self.y_axis]
            && volume.voxels.len() == self.dims.iter().product::<usize>()
    }

    /// Height / width of one screen pixel (for the canvas aspect ratio).
    pub fn aspect(&self) -> f64 {
        if self.pixel_mm[0] > 0.0 {
            self.pixel_mm[1] / self.pixel_mm[0]
        } else {
            1.0
        }
    }

    /// Voxel (i, j) shown at screen pixel (x, y), or `None` outside the slice.
    #[inline]
    pub fn voxel_at(&self, x: usize, y: usize) -> Option<[usize; 2]> {
        if x >= self.width || y >= self.height {
            return None;
        }
        let vx = if self.x_flip { self.width - 1 - x } else { x };
        let vy = if self.y_flip { self.height - 1 - y } else { y };
        Some(if self.x_axis == 0 { [vx, vy] } else { [vy, vx] })
    }

    /// Voxel (i, j) under a fractional screen position (pixel (x, y) covers [x, x+1) × [y, y+1)).
    pub fn voxel_at_point(&self, x: f64, y: f64) -> Option<[usize; 2]> {
        if !(x >= 0.0 && y >= 0.0) {
            return None;
        }
        self.voxel_at(x.floor() as usize, y.floor() as usize)
    }

    /// Screen pixel (x, y) showing voxel (i, j), or `None` outside the slice.
    pub fn screen_of(&self, i: usize, j: usize) -> Option<[usize; 2]> {
        if i >= self.dims[0] || j >= self.dims[1] {
            return None;
        }
        let (vx, vy) = if self.x_axis == 0 { (i, j) } else { (j, i) };
        let x = if self.x_flip { self.width - 1 - vx } else { vx };
        let y = if self.y_flip {
            self.height - 1 - vy
        } else {
            vy
        };
        Some([x, y])
    }

    /// Index steps for rendering: voxel index (within a slice) of screen (0, 0), and the index
    /// change per screen step in x and in y.
    pub(super) fn strides(&self) -> (isize, isize, isize) {
        let axis_stride = |axis: usize| {
            if axis == 0 {
                1isize
            } else {
                self.dims[0] as isize
            }
        };
        let (w, h) = (self.width as isize, self.height as isize);
        let (mut base, mut sx, mut sy) =
            (0isize, axis_stride(self.x_axis), axis_stride(self.y_axis));
        if self.x_flip {
            base += (w - 1) * sx;
            sx = -sx;
        }
        if self.y_flip {
            base += (h - 1) * sy;
            sy = -sy;
        }
        (base, sx, sy)
    }
}
