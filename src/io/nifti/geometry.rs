//! The voxel → RAS affine of a NIfTI-1 header: sform when its code is set, else qform, else a
//! pixdim diagonal (NIfTI "method 1", orientation unknown).
//!
//! The quaternion → matrix conversion is written here (the NIfTI-1 reference formula, as in
//! `nifti1_io.c` `quatern_to_mat44`) because the crate only offers it behind its
//! `nalgebra_affine` feature, which would pull nalgebra into the browser build for 20 lines.

use nifti::NiftiHeader;

use super::FORMAT;
use crate::{Error, Result};

type Affine = [[f64; 4]; 4];

/// Pick the affine as NIfTI prescribes and convert it to millimetres. Sheared (non-orthogonal)
/// sforms are kept exactly as stored.
pub(super) fn choose_affine(h: &NiftiHeader, warnings: &mut Vec<String>) -> Result<Affine> {
    let mut affine = None;
    if h.sform_code > 0 {
        match sform(h) {
            Some(a) => affine = Some(a),
            None => warnings.push(
                "the sform is degenerate or not finite; the qform or voxel sizes were used instead"
                    .to_string(),
            ),
        }
    }
    if affine.is_none() && h.qform_code > 0 {
        affine = Some(qform(h)?);
    }
    let mut affine = match affine {
        Some(a) => a,
        None => {
            warnings.push(
                "the file has no sform or qform: orientation is unknown, voxel axes are assumed \
                 to point to patient right, anterior and superior"
                    .to_string(),
            );
            let p = positive_pixdim(h)?;
            [
                [p[0], 0.0, 0.0, 0.0],
                [0.0, p[1], 0.0, 0.0],
                [0.0, 0.0, p[2], 0.0],
                [0.0, 0.0, 0.0, 1.0],
            ]
        }
    };
    let unit_scale = match h.xyzt_units & 0x07 {
        1 => Some(("metres", 1000.0)),
        3 => Some(("micrometres", 0.001)),
        _ => None, // 2 = mm; 0 = unknown, mm by convention
    };
    if let Some((name, scale)) = unit_scale {
        warnings.push(format!(
            "spatial units were {name}; converted to millimetres"
        ));
        for row in affine.iter_mut().take(3) {
            for v in row.iter_mut() {
                *v *= scale;
            }
        }
    }
    Ok(affine)
}

fn sform(h: &NiftiHeader) -> Option<Affine> {
    let rows = [h.srow_x, h.srow_y, h.srow_z];
    let mut a = [[0.0; 4]; 4];
    for (r, row) in rows.iter().enumerate() {
        for c in 0..4 {
            let v = decimal_f64(row[c]);
            if !v.is_finite() {
                return None;
            }
            a[r][c] = v;
        }
    }
    a[3] = [0.0, 0.0, 0.0, 1.0];
    let det = crate::volume::Geometry::from_affine(a).voxel_volume_mm3();
    (det > 1e-12).then_some(a)
}

/// The f64 closest to the shortest decimal form of an f32 (0.9f32 → 0.9, not 0.89999997…):
/// header values were written from decimals, and this keeps reported geometry readable.
pub(super) fn decimal_f64(v: f32) -> f64 {
    if !v.is_finite() {
        return f64::from(v);
    }
    v.to_string().parse().unwrap_or(f64::from(v))
}

fn positive_pixdim(h: &NiftiHeader) -> Result<[f64; 3]> {
    let mut p = [0.0; 3];
    for (d, out) in p.iter_mut().enumerate() {
        let v = h.pixdim[d + 1];
        if !v.is_finite() || v <= 0.0 {
            return Err(Error::invalid(
                FORMAT,
                format!(
                    "pixdim[{}] (voxel size) is {v}; it must be a positive number",
                    d + 1
                ),
            ));
        }
        *out = decimal_f64(v);
    }
    Ok(p)
}

/// NIfTI-1 qform ("method 2"): rotation from the quaternion (b, c, d), voxel sizes from
/// pixdim[1..3], handedness from pixdim[0] (qfac), offsets from quatern_x/y/z.
fn qform(h: &NiftiHeader) -> Result<Affine> {
    let [xd, yd, mut zd] = positive_pixdim(h)?;
    let (mut b, mut c, mut d) = (
        decimal_f64(h.quatern_b),
        decimal_f64(h.quatern_c),
        decimal_f64(h.quatern_d),
    );
    let offsets = [h.quatern_x, h.quatern_y, h.quatern_z].map(decimal_f64);
    if ![b, c, d]
        .iter()
        .chain(offsets.iter())
        .all(|v| v.is_finite())
    {
        return Err(Error::invalid(
            FORMAT,
            "the qform quaternion or offset is not finite",
        ));
    }
    let mut a = 1.0 - (b * b + c * c + d * d);
    if a < 1e-7 {
        // Rotation by 180°: normalise (b, c, d), a = 0.
        let n = (b * b + c * c + d * d).sqrt();
        if n == 0.0 {
            return Err(Error::invalid(FORMAT, "the qform quaternion is degenerate"));
        }
        b /= n;
        c /= n;
        d /= n;
        a = 0.0;
    } else {
        a = a.sqrt();
    }
    if h.pixdim[0] < 0.0 {
        zd = -zd;
    }
    let r = [
        [
            a * a + b * b - c * c - d * d,
            2.0 * (b * c - a * d),
            2.0 * (b * d + a * c),
        ],
        [
            2.0 * (b * c + a * d),
            a * a + c * c - b * b - d * d,
            2.0 * (c * d - a * b),
        ],
        [
            2.0 * (b * d - a * c),
            2.0 * (c * d + a * b),
            a * a + d * d - c * c - b * b,
        ],
    ];
    let mut m = [[0.0; 4]; 4];
    for row in 0..3 {
        m[row] = [r[row][0] * xd, r[row][1] * yd, r[row][2] * zd, offsets[row]];
    }
    m[3] = [0.0, 0.0, 0.0, 1.0];
    Ok(m)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn qform_identity_and_180_degree_rotation() {
        let mut h = NiftiHeader {
            qform_code: 1,
            sform_code: 0,
            ..NiftiHeader::default()
        };
        h.pixdim = [1.0, 0.5, 0.625, 5.0, 0.0, 0.0, 0.0, 0.0];
        h.quatern_x = 1.0;
        h.quatern_y = 2.0;
        h.quatern_z = 3.0;
        let m = qform(&h).unwrap();
        assert_eq!(m[0], [0.5, 0.0, 0.0, 1.0]);
        assert_eq!(m[1], [0.0, 0.625, 0.0, 2.0]);
        assert_eq!(m[2], [0.0, 0.0, 5.0, 3.0]);
        // (b, c, d) = (0, 0, 1): rotation by 180° about z, i.e. an LPS-style voxel grid.
        h.quatern_d = 1.0;
        let m = qform(&h).unwrap();
        assert_eq!(m[0][0], -0.5);
        assert_eq!(m[1][1], -0.625);
        assert_eq!(m[2][2], 5.0);
        // qfac = -1 flips the slice axis.
        h.pixdim[0] = -1.0;
        assert_eq!(qform(&h).unwrap()[2][2], -5.0);
    }
}
