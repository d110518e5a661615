//! NIfTI-1 writing to bytes in memory (`.nii.gz`), for the demo case, tests and mask export.
//!
//! The 348-byte header is written here rather than with the `nifti` crate's writer because that
//! writer only writes to file-system paths (no `Write` sink), which the browser does not have.
//! The layout follows the NIfTI-1 specification; tests read the files back with the crate.
//! Output: little-endian, `n+1`, sform code 1 (scanner anatomical: the volume's affine, shear
//! included); when the affine is rigid (orthogonal axes), the same geometry as a qform with
//! code 1 too, so readers that prefer the qform (ITK: ITK-SNAP, 3D Slicer) agree with those that
//! prefer the sform (nibabel); a sheared affine has qform code 0. Spatial units mm,
//! `scl_slope` 1 / `scl_inter` 0.

use std::io::Write;

use flate2::write::GzEncoder;
use flate2::Compression;

use crate::{Error, Geometry, Result, Volume};

const FORMAT: &str = "NIfTI";

/// Voxel data to write, i fastest (`data[i + nx * (j + ny * k)]`).
#[derive(Debug, Clone, Copy)]
pub enum VoxelData<'a> {
    /// Signed 16-bit values (HU), NIfTI datatype 4.
    I16(&'a [i16]),
    /// Unsigned 8-bit values (label maps), NIfTI datatype 2.
    U8(&'a [u8]),
}

impl VoxelData<'_> {
    fn len(&self) -> usize {
        match self {
            VoxelData::I16(d) => d.len(),
            VoxelData::U8(d) => d.len(),
        }
    }
}

/// Write a volume's HU voxels on its geometry as `.nii.gz` bytes.
pub fn write_volume_nii_gz(volume: &Volume) -> Result<Vec<u8>> {
    write_nifti(
        volume.dims,
        &volume.geometry,
        VoxelData::I16(&volume.voxels),
        true,
    )
}

/// Write a volume as `hemoscope convert` does: like [`write_volume_nii_gz`] but with qform
/// code 0, so the sform alone carries the geometry (the layout ITK's DICOM-to-NIfTI
/// conversions are compared with; readers then have one transform to follow).
pub fn write_converted_nii_gz(volume: &Volume) -> Result<Vec<u8>> {
    write_nifti_with(
        volume.dims,
        &volume.geometry,
        VoxelData::I16(&volume.voxels),
        true,
        false,
    )
}

/// Write a u8 label map (e.g. a segmentation mask) on the given grid as `.nii.gz` bytes.
pub fn write_labels_nii_gz(
    labels: &[u8],
    dims: [usize; 3],
    geometry: &Geometry,
) -> Result<Vec<u8>> {
    write_nifti(dims, geometry, VoxelData::U8(labels), true)
}

/// Write a 3-D NIfTI-1 file; gzip-compressed when `gzip` is true (fast compression level).
pub fn write_nifti(
    dims: [usize; 3],
    geometry: &Geometry,
    data: VoxelData<'_>,
    gzip: bool,
) -> Result<Vec<u8>> {
    write_nifti_with(dims, geometry, data, gzip, true)
}

/// [`write_nifti`], with the qform written (rigid affines) or left at code 0.
fn write_nifti_with(
    dims: [usize; 3],
    geometry: &Geometry,
    data: VoxelData<'_>,
    gzip: bool,
    with_qform: bool,
) -> Result<Vec<u8>> {
    if dims.iter().any(|&d| d == 0 || d > i16::MAX as usize) {
        return Err(Error::invalid(
            FORMAT,
            format!("cannot write dimensions {dims:?} (1..=32767 each)"),
        ));
    }
    if data.len() != dims[0] * dims[1] * dims[2] {
        return Err(Error::invalid(
            FORMAT,
            format!("{} voxels given for dimensions {dims:?}", data.len()),
        ));
    }
    let header = header_bytes(dims, geometry, data, with_qform);
    let mut body = Vec::with_capacity(352 + data.len() * 2);
    body.extend_from_slice(&header);
    body.extend_from_slice(&[0u8; 4]); // no extensions
    match data {
        VoxelData::I16(d) => {
            for v in d {
                body.extend_from_slice(&v.to_le_bytes());
            }
        }
        VoxelData::U8(d) => body.extend_from_slice(d),
    }
    if !gzip {
        return Ok(body);
    }
    let mut enc = GzEncoder::new(Vec::with_capacity(body.len() / 3), Compression::fast());
    enc.write_all(&body)
        .and_then(|_| enc.finish())
        .map_err(|e| Error::Other(format!("gzip compression failed: {e}")))
}

fn header_bytes(
    dims: [usize; 3],
    geometry: &Geometry,
    data: VoxelData<'_>,
    with_qform: bool,
) -> [u8; 348] {
    let mut h = [0u8; 348];
    let put_i16 =
        |h: &mut [u8; 348], at: usize, v: i16| h[at..at + 2].copy_from_slice(&v.to_le_bytes());
    let put_i32 =
        |h: &mut [u8; 348], at: usize, v: i32| h[at..at + 4].copy_from_slice(&v.to_le_bytes());
    let put_f32 =
        |h: &mut [u8; 348], at: usize, v: f32| h[at..at + 4].copy_from_slice(&v.to_le_bytes());
    let (datatype, bitpix) = match data {
        VoxelData::I16(_) => (4i16, 16i16),
        VoxelData::U8(_) => (2i16, 8i16),
    };
    put_i32(&mut h, 0, 348); // sizeof_hdr
    h[38] = b'r'; // regular (ANALYZE legacy)
    let dim = [
        3,
        dims[0] as i16,
        dims[1] as i16,
        dims[2] as i16,
        1,
        1,
        1,
        1,
    ];
    for (n, d) in dim.iter().enumerate() {
        put_i16(&mut h, 40 + 2 * n, *d);
    }
    put_i16(&mut h, 70, datatype);
    put_i16(&mut h, 72, bitpix);
    let spacing = geometry.spacing();
    let quatern = super::nifti::affine_to_quatern(&geometry.affine).filter(|_| with_qform);
    let qfac = quatern.map_or(1.0, |q| q.qfac);
    let pixdim = [qfac, spacing[0], spacing[1], spacing[2], 0.0, 0.0, 0.0, 0.0];
    for (n, p) in pixdim.iter().enumerate() {
        put_f32(&mut h, 76 + 4 * n, *p as f32);
    }
    put_f32(&mut h, 108, 352.0); // vox_offset
    put_f32(&mut h, 112, 1.0); // scl_slope
    put_f32(&mut h, 116, 0.0); // scl_inter
    h[123] = 2; // xyzt_units: mm
    let descrip = b"hemoscope";
    h[148..148 + descrip.len()].copy_from_slice(descrip);
    if let Some(q) = quatern {
        put_i16(&mut h, 252, 1); // qform_code: scanner anatomical
        for (n, v) in [q.b, q.c, q.d, q.offset[0], q.offset[1], q.offset[2]]
            .iter()
            .enumerate()
        {
            put_f32(&mut h, 256 + 4 * n, *v as f32);
        }
    }
    put_i16(&mut h, 254, 1); // sform_code: scanner anatomical
    for r in 0..3 {
        for c in 0..4 {
            put_f32(&mut h, 280 + 16 * r + 4 * c, geometry.affine[r][c] as f32);
        }
    }
    h[344..348].copy_from_slice(b"n+1\0");
    h
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::io::open_nifti;

    /// Read back through the qform alone (sform code cleared) and through the sform.
    fn both_forms(g: &Geometry) -> ([[f64; 4]; 4], [[f64; 4]; 4], i16) {
        let dims = [3, 4, 5];
        let data = vec![7u8; 60];
        let mut bytes = write_nifti(dims, g, VoxelData::U8(&data), false).unwrap();
        let s = open_nifti(&bytes).unwrap();
        let qcode = i16::from_le_bytes([bytes[252], bytes[253]]);
        bytes[254] = 0;
        bytes[255] = 0;
        let q = open_nifti(&bytes).unwrap();
        (s.geometry.affine, q.geometry.affine, qcode)
    }

    #[test]
    fn rigid_affine_has_matching_qform() {
        // Rotated 30° about x, one axis flipped (negative determinant), anisotropic voxels.
        let (c, s) = (30f64.to_radians().cos(), 30f64.to_radians().sin());
        let g = Geometry::from_affine([
            [-0.8, 0.0, 0.0, 12.5],
            [0.0, -0.7 * c, -4.0 * s, -30.0],
            [0.0, -0.7 * s, 4.0 * c, 55.0],
            [0.0, 0.0, 0.0, 1.0],
        ]);
        for g in [g, Geometry::lps_axial([0.9, 0.9, 5.0])] {
            let (sform, qform, code) = both_forms(&g);
            assert_eq!(code, 1);
            for r in 0..3 {
                for col in 0..4 {
                    assert!((sform[r][col] - g.affine[r][col]).abs() < 1e-4);
                    assert!(
                        (qform[r][col] - g.affine[r][col]).abs() < 1e-4,
                        "qform {qform:?} vs {:?}",
                        g.affine
                    );
                }
            }
        }
    }

    #[test]
    fn sheared_affine_has_qform_code_zero() {
        let g = Geometry::from_affine([
            [-0.5, 0.0, 0.0, 0.0],
            [0.0, -0.5, -1.5, 0.0],
            [0.0, 0.0, 5.0, 0.0],
            [0.0, 0.0, 0.0, 1.0],
        ]);
        let (sform, _, code) = both_forms(&g);
        assert_eq!(code, 0);
        assert!((sform[1][2] + 1.5).abs() < 1e-6);
    }
}
