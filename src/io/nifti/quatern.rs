//! Affine → qform quaternion (the inverse of the reader's `qform`), for writers that set a
//! qform next to the sform so that tools preferring the qform (ITK, and so ITK-SNAP and 3D
//! Slicer) see the same geometry. The formula is the NIfTI-1 reference one
//! (`nifti1_io.c` `nifti_mat44_to_quatern`), restricted to rigid affines: a sheared affine
//! (gantry tilt) has no qform, and the writer then leaves the qform code at 0.

/// qform parameters: quaternion (b, c, d), offsets, pixdim and qfac (pixdim\[0\]).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Quatern {
    pub b: f64,
    pub c: f64,
    pub d: f64,
    pub offset: [f64; 3],
    pub pixdim: [f64; 3],
    pub qfac: f64,
}

/// The qform of a rigid affine (orthogonal columns, any spacing, any handedness), or `None`
/// when the columns are not orthogonal to within `1e-4` (cosine) or an axis has zero length.
pub fn affine_to_quatern(a: &[[f64; 4]; 4]) -> Option<Quatern> {
    let col = |c: usize| [a[0][c], a[1][c], a[2][c]];
    let norm = |v: [f64; 3]| (v[0] * v[0] + v[1] * v[1] + v[2] * v[2]).sqrt();
    let dot = |u: [f64; 3], v: [f64; 3]| u[0] * v[0] + u[1] * v[1] + u[2] * v[2];
    let cols = [col(0), col(1), col(2)];
    let pixdim = cols.map(norm);
    if pixdim.iter().any(|&p| !(p > 1e-9 && p.is_finite())) {
        return None;
    }
    for (x, y) in [(0, 1), (0, 2), (1, 2)] {
        if (dot(cols[x], cols[y]) / (pixdim[x] * pixdim[y])).abs() > 1e-4 {
            return None;
        }
    }
    // Unit columns: r[row][col].
    let mut r = [[0.0; 3]; 3];
    for (c, v) in cols.iter().enumerate() {
        for row in 0..3 {
            r[row][c] = v[row] / pixdim[c];
        }
    }
    let det = r[0][0] * (r[1][1] * r[2][2] - r[1][2] * r[2][1])
        - r[0][1] * (r[1][0] * r[2][2] - r[1][2] * r[2][0])
        + r[0][2] * (r[1][0] * r[2][1] - r[1][1] * r[2][0]);
    let qfac = if det > 0.0 {
        1.0
    } else {
        for row in r.iter_mut() {
            row[2] = -row[2];
        }
        -1.0
    };
    let (r11, r12, r13) = (r[0][0], r[0][1], r[0][2]);
    let (r21, r22, r23) = (r[1][0], r[1][1], r[1][2]);
    let (r31, r32, r33) = (r[2][0], r[2][1], r[2][2]);
    let trace = r11 + r22 + r33 + 1.0;
    let (mut qa, mut b, mut c, mut d);
    if trace > 0.5 {
        qa = 0.5 * trace.sqrt();
        b = 0.25 * (r32 - r23) / qa;
        c = 0.25 * (r13 - r31) / qa;
        d = 0.25 * (r21 - r12) / qa;
    } else {
        let xd = 1.0 + r11 - (r22 + r33);
        let yd = 1.0 + r22 - (r11 + r33);
        let zd = 1.0 + r33 - (r11 + r22);
        if xd > 1.0 {
            b = 0.5 * xd.sqrt();
            c = 0.25 * (r12 + r21) / b;
            d = 0.25 * (r13 + r31) / b;
            qa = 0.25 * (r32 - r23) / b;
        } else if yd > 1.0 {
            c = 0.5 * yd.sqrt();
            b = 0.25 * (r12 + r21) / c;
            d = 0.25 * (r23 + r32) / c;
            qa = 0.25 * (r13 - r31) / c;
        } else {
            d = 0.5 * zd.sqrt();
            b = 0.25 * (r13 + r31) / d;
            c = 0.25 * (r23 + r32) / d;
            qa = 0.25 * (r21 - r12) / d;
        }
        if qa < 0.0 {
            b = -b;
            c = -c;
            d = -d;
            qa = -qa;
        }
    }
    let _ = qa;
    Some(Quatern {
        b,
        c,
        d,
        offset: [a[0][3], a[1][3], a[2][3]],
        pixdim,
        qfac,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sheared_affine_has_no_qform() {
        let a = [
            [-0.5, 0.0, 0.0, 1.0],
            [0.0, -0.5, -1.0, 2.0],
            [0.0, 0.0, 5.0, 3.0],
            [0.0, 0.0, 0.0, 1.0],
        ];
        assert!(affine_to_quatern(&a).is_none());
    }

    #[test]
    fn lps_axial_gives_180_degree_rotation_about_z() {
        let q = affine_to_quatern(&crate::Geometry::lps_axial([0.9, 0.8, 5.0]).affine).unwrap();
        assert_eq!(q.qfac, 1.0);
        assert!((q.d.abs() - 1.0).abs() < 1e-12 && q.b.abs() < 1e-12 && q.c.abs() < 1e-12);
        assert_eq!(q.pixdim, [0.9, 0.8, 5.0]);
    }
}
