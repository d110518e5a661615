//! How the models read a stored slice: as the radiological axial view (anterior up, the
//! patient's left on the right), the orientation they were trained on.
//!
//! Most CT is stored that way (DICOM axial series, LPS NIfTI), and then nothing is copied. A
//! volume stored another way, e.g. a RAS NIfTI whose rows run from posterior to anterior, is
//! turned for the models slice by slice and their label maps are turned back, so the masks land
//! on the stored grid. The mapping is the one the axial viewer uses
//! (`render::axial::AxialView`), so the models see what the reader sees. Series stored as
//! coronal or sagittal slices are refused: the models read axial slices only.

use std::borrow::Cow;

use crate::volume::nearest_axes;
use crate::{Error, Geometry, Result, Volume};

/// The map between a stored slice (i fastest) and the slice the models read (columns fastest).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ModelView {
    nx: usize,
    ny: usize,
    /// Model columns run along the stored j axis (and rows along i).
    transpose: bool,
    /// Model columns / rows run against increasing voxel index.
    flip_cols: bool,
    flip_rows: bool,
}

impl ModelView {
    /// The view of a volume stored as axial slices; an error for coronal or sagittal storage.
    pub fn new(dims: [usize; 3], geometry: &Geometry) -> Result<Self> {
        let cols = [geometry.axis(0), geometry.axis(1), geometry.axis(2)];
        let near = nearest_axes(&cols);
        if near[2].0 != 2 {
            let plane = if near[2].0 == 1 {
                "coronal"
            } else {
                "sagittal"
            };
            return Err(Error::Unsupported {
                format: "analysis",
                reason: format!(
                    "this series is stored as {plane} slices; the models read axial slices \
                     only (reformat it to axial slices first)"
                ),
            });
        }
        // Screen x points to the patient's left (RAS axis 0, negative), screen y to posterior
        // (RAS axis 1, negative): the stored in-plane axis nearest to each, flipped when its
        // index grows the positive (R or A) way.
        let transpose = !(near[0].0 == 0 || near[1].0 == 1);
        let (x_axis, y_axis) = if transpose { (1, 0) } else { (0, 1) };
        Ok(ModelView {
            nx: dims[0],
            ny: dims[1],
            transpose,
            flip_cols: cols[x_axis][0] > 0.0,
            flip_rows: cols[y_axis][1] > 0.0,
        })
    }

    /// [`ModelView::new`] for a volume.
    pub fn of(volume: &Volume) -> Result<Self> {
        Self::new(volume.dims, &volume.geometry)
    }

    /// Rows and columns of the slices the models read.
    pub fn rows_cols(&self) -> (usize, usize) {
        if self.transpose {
            (self.nx, self.ny)
        } else {
            (self.ny, self.nx)
        }
    }

    /// Whether the stored slices are already the models' view (nothing to turn).
    pub fn is_identity(&self) -> bool {
        !self.transpose && !self.flip_cols && !self.flip_rows
    }

    /// Stored index (i + j·nx) of the model's pixel (row r, column c).
    fn stored(&self, r: usize, c: usize) -> usize {
        let (rows, cols) = self.rows_cols();
        let c = if self.flip_cols { cols - 1 - c } else { c };
        let r = if self.flip_rows { rows - 1 - r } else { r };
        let (i, j) = if self.transpose { (r, c) } else { (c, r) };
        i + j * self.nx
    }

    /// Slice `k` of `volume` as the models read it (borrowed when nothing is turned).
    pub fn slice<'a>(&self, volume: &'a Volume, k: usize) -> Cow<'a, [i16]> {
        self.turn(volume.slice(k))
    }

    /// A stored slice's values in the models' order.
    pub fn turn<'a, T: Copy>(&self, stored: &'a [T]) -> Cow<'a, [T]> {
        if self.is_identity() || stored.len() != self.nx * self.ny {
            return Cow::Borrowed(stored);
        }
        let (rows, cols) = self.rows_cols();
        let mut out = Vec::with_capacity(stored.len());
        for r in 0..rows {
            for c in 0..cols {
                out.push(stored[self.stored(r, c)]);
            }
        }
        Cow::Owned(out)
    }

    /// A map in the models' order (e.g. a label map) back on the stored grid.
    pub fn to_stored<'a, T: Copy + Default>(&self, model: &'a [T]) -> Cow<'a, [T]> {
        if self.is_identity() || model.len() != self.nx * self.ny {
            return Cow::Borrowed(model);
        }
        let (rows, cols) = self.rows_cols();
        let mut out = vec![T::default(); model.len()];
        for r in 0..rows {
            for c in 0..cols {
                out[self.stored(r, c)] = model[r * cols + c];
            }
        }
        Cow::Owned(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::render::AxialView;

    fn geometry(cols: [[f64; 3]; 3]) -> Geometry {
        let mut a = [[0.0; 4]; 4];
        for (c, v) in cols.iter().enumerate() {
            for r in 0..3 {
                a[r][c] = v[r];
            }
        }
        a[3][3] = 1.0;
        Geometry::from_affine(a)
    }

    /// The model's view of every stored pixel equals the axial viewer's screen pixel.
    fn agrees_with_the_viewer(g: &Geometry, dims: [usize; 3]) {
        let m = ModelView::new(dims, g).unwrap();
        let v = AxialView::from_geometry(dims, g);
        assert_eq!(m.rows_cols(), (v.height, v.width));
        let stored: Vec<u32> = (0..(dims[0] * dims[1]) as u32).collect();
        let turned = m.turn(&stored);
        for y in 0..v.height {
            for x in 0..v.width {
                let mut ij = [0usize; 2];
                ij[v.x_axis] = if v.x_flip { v.width - 1 - x } else { x };
                ij[v.y_axis] = if v.y_flip { v.height - 1 - y } else { y };
                assert_eq!(
                    turned[y * v.width + x] as usize,
                    ij[0] + ij[1] * dims[0],
                    "pixel ({x}, {y}) of {g:?}"
                );
            }
        }
        assert_eq!(m.to_stored(&turned).as_ref(), stored.as_slice());
    }

    #[test]
    fn lps_storage_is_read_as_it_is() {
        let g = Geometry::lps_axial([0.5, 0.5, 5.0]);
        let m = ModelView::new([4, 3, 2], &g).unwrap();
        assert!(m.is_identity());
        assert_eq!(m.rows_cols(), (3, 4));
        assert!(matches!(m.turn(&[1i16; 12]), Cow::Borrowed(_)));
        agrees_with_the_viewer(&g, [4, 3, 2]);
    }

    #[test]
    fn ras_storage_is_turned_and_turned_back() {
        // RAS: i → right, j → anterior; the models want left on the right, anterior up.
        let g = geometry([[0.5, 0.0, 0.0], [0.0, 0.5, 0.0], [0.0, 0.0, 5.0]]);
        let m = ModelView::new([4, 3, 2], &g).unwrap();
        assert!(!m.is_identity());
        let stored: Vec<i16> = (0..12).collect();
        // row 0 of the model = the most anterior stored row (j = 2), read from i = 3 down to 0
        assert_eq!(&m.turn(&stored)[..4], &[11, 10, 9, 8]);
        agrees_with_the_viewer(&g, [4, 3, 2]);
    }

    #[test]
    fn transposed_and_oblique_axial_storage_agree_with_the_viewer() {
        // i runs anterior-posterior and j left-right (transposed), with a small tilt
        let g = geometry([[0.0, -0.45, 0.05], [0.5, 0.0, 0.0], [0.0, 0.3, 4.9]]);
        let m = ModelView::new([5, 3, 2], &g).unwrap();
        assert_eq!(m.rows_cols(), (5, 3));
        agrees_with_the_viewer(&g, [5, 3, 2]);
        let lai = geometry([[-0.5, 0.0, 0.0], [0.0, 0.5, 0.0], [0.0, 0.0, -5.0]]);
        agrees_with_the_viewer(&lai, [4, 3, 2]);
    }

    #[test]
    fn coronal_and_sagittal_storage_is_refused_with_the_reason() {
        let coronal = geometry([[-0.5, 0.0, 0.0], [0.0, 0.0, -0.5], [0.0, -5.0, 0.0]]);
        let e = ModelView::new([4, 3, 2], &coronal).unwrap_err().to_string();
        assert!(e.contains("stored as coronal slices"), "{e}");
        let sagittal = geometry([[0.0, -0.5, 0.0], [0.0, 0.0, -0.5], [5.0, 0.0, 0.0]]);
        let e = ModelView::new([4, 3, 2], &sagittal)
            .unwrap_err()
            .to_string();
        assert!(e.contains("stored as sagittal slices"), "{e}");
    }
}
