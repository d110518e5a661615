//! Series assembly: group images into series, pick the likeliest axial head CT, order slices
//! along the normal and derive the voxel → RAS affine (gantry tilt kept as shear).

use std::fmt;

use serde::{Deserialize, Serialize};

use super::header::{FrameInfo, ImageHeader};

/// Orientation of a series' slice plane, from its normal (row cosine × column cosine).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Orientation {
    Axial,
    Coronal,
    Sagittal,
    Oblique,
    /// No ImageOrientationPatient.
    Unknown,
}

impl fmt::Display for Orientation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = match self {
            Orientation::Axial => "axial",
            Orientation::Coronal => "coronal",
            Orientation::Sagittal => "sagittal",
            Orientation::Oblique => "oblique",
            Orientation::Unknown => "unknown orientation",
        };
        f.write_str(s)
    }
}

/// One series found in the input, as listed to the user.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SeriesSummary {
    /// SeriesInstanceUID ("" when the files have none).
    pub series_uid: String,
    pub series_number: Option<i64>,
    pub description: String,
    pub modality: String,
    /// Number of 2-D images (frames) in the series.
    pub slices: usize,
    pub rows: u32,
    pub columns: u32,
    /// SliceThickness of the first image, when given.
    pub thickness_mm: Option<f64>,
    pub orientation: Orientation,
    /// Whether this is the series that was opened.
    pub opened: bool,
}

/// One 2-D image of a series: frame `frame` of input object `object`.
#[derive(Debug, Clone)]
pub(crate) struct Member {
    pub object: usize,
    pub frame: usize,
    pub info: FrameInfo,
    pub instance_number: Option<i64>,
    pub sop_instance_uid: Option<String>,
}

/// Images that share series, orientation and size.
#[derive(Debug, Clone)]
pub(crate) struct Group {
    pub summary: SeriesSummary,
    pub members: Vec<Member>,
    pub is_ct: bool,
    pub localizer: bool,
}

pub(crate) fn cross(a: [f64; 3], b: [f64; 3]) -> [f64; 3] {
    [
        a[1] * b[2] - a[2] * b[1],
        a[2] * b[0] - a[0] * b[2],
        a[0] * b[1] - a[1] * b[0],
    ]
}

fn dot(a: [f64; 3], b: [f64; 3]) -> f64 {
    a[0] * b[0] + a[1] * b[1] + a[2] * b[2]
}

fn norm(a: [f64; 3]) -> f64 {
    dot(a, a).sqrt()
}

/// Row cosine, column cosine and unit normal from ImageOrientationPatient (normalised).
pub(crate) fn axes(iop: &[f64; 6]) -> Option<([f64; 3], [f64; 3], [f64; 3])> {
    let r = [iop[0], iop[1], iop[2]];
    let c = [iop[3], iop[4], iop[5]];
    let (nr, nc) = (norm(r), norm(c));
    if !(nr > 1e-6 && nc > 1e-6) {
        return None;
    }
    let r = r.map(|x| x / nr);
    let c = c.map(|x| x / nc);
    let n = cross(r, c);
    let nn = norm(n);
    if nn < 1e-3 {
        return None;
    }
    Some((r, c, n.map(|x| x / nn)))
}

pub(crate) fn orientation_of(iop: Option<&[f64; 6]>) -> Orientation {
    let Some((_, _, n)) = iop.and_then(axes) else {
        return Orientation::Unknown;
    };
    let a = n.map(f64::abs);
    let (i, m) = a.iter().enumerate().fold(
        (0, 0.0),
        |acc, (i, &v)| if v > acc.1 { (i, v) } else { acc },
    );
    if m < 0.8 {
        Orientation::Oblique
    } else {
        [
            Orientation::Sagittal,
            Orientation::Coronal,
            Orientation::Axial,
        ][i]
    }
}

fn same_orientation(a: Option<&[f64; 6]>, b: Option<&[f64; 6]>) -> bool {
    match (a, b) {
        (None, None) => true,
        (Some(a), Some(b)) => a.iter().zip(b).all(|(x, y)| (x - y).abs() < 1e-3),
        _ => false,
    }
}

/// Group images by SeriesInstanceUID, then split a series whose images differ in orientation
/// or size. `headers` pairs each input object index with its header.
pub(crate) fn group(headers: &[(usize, &ImageHeader)]) -> Vec<Group> {
    let mut groups: Vec<Group> = Vec::new();
    for &(object, h) in headers {
        for (frame, info) in h.frame_info.iter().enumerate() {
            let uid = h.series_uid.clone().unwrap_or_default();
            let found = groups.iter_mut().find(|g| {
                g.summary.series_uid == uid
                    && g.summary.rows == h.rows
                    && g.summary.columns == h.columns
                    && same_orientation(
                        g.members.first().and_then(|m| m.info.orientation.as_ref()),
                        info.orientation.as_ref(),
                    )
                    && (!uid.is_empty() || g.summary.series_number == h.series_number)
            });
            let member = Member {
                object,
                frame,
                info: info.clone(),
                instance_number: h.instance_number,
                sop_instance_uid: h.sop_instance_uid.clone().map(|s| {
                    if h.frames > 1 {
                        format!("{s}#{}", frame + 1)
                    } else {
                        s
                    }
                }),
            };
            match found {
                Some(g) => {
                    g.members.push(member);
                    g.summary.slices += 1;
                }
                None => groups.push(Group {
                    summary: SeriesSummary {
                        series_uid: uid,
                        series_number: h.series_number,
                        description: h.description.clone(),
                        modality: h.modality.clone(),
                        slices: 1,
                        rows: h.rows,
                        columns: h.columns,
                        thickness_mm: info.thickness_mm,
                        orientation: orientation_of(info.orientation.as_ref()),
                        opened: false,
                    },
                    members: vec![member],
                    is_ct: h.is_ct(),
                    localizer: h.is_localizer(),
                }),
            }
        }
    }
    groups
}

/// Index of the likeliest axial head-CT series: CT before other modalities, non-localizer,
/// axial, then the most slices.
pub(crate) fn choose(groups: &[Group]) -> Option<usize> {
    groups
        .iter()
        .enumerate()
        .max_by_key(|(_, g)| {
            (
                g.is_ct,
                !g.localizer,
                g.summary.orientation == Orientation::Axial,
                g.summary.slices,
            )
        })
        .map(|(i, _)| i)
}

/// Slice order and geometry of a series.
#[derive(Debug, Clone)]
pub(crate) struct Layout {
    /// Indices into the member list, in k order.
    pub order: Vec<usize>,
    /// Voxel → RAS affine, row-major.
    pub affine: [[f64; 4]; 4],
    /// Position of each slice (k order) along the normal, mm (LPS, IPP · normal).
    pub positions_mm: Vec<f64>,
    pub warnings: Vec<String>,
    pub notes: Vec<String>,
}

fn median(v: &mut [f64]) -> Option<f64> {
    if v.is_empty() {
        return None;
    }
    v.sort_by(f64::total_cmp);
    let n = v.len();
    Some(if n % 2 == 1 {
        v[n / 2]
    } else {
        0.5 * (v[n / 2 - 1] + v[n / 2])
    })
}

/// Order the members along the slice normal and derive the affine.
///
/// k column = (IPP_last − IPP_first)/(N−1) for evenly spaced series; for series with gaps,
/// irregular steps or duplicated positions, the direction of IPP_last − IPP_first scaled to the
/// median positive step along the normal (the true positions are in `positions_mm`).
pub(crate) fn layout(members: &[Member]) -> Layout {
    let mut warnings = Vec::new();
    let mut notes = Vec::new();
    let first = members.first().map(|m| m.info.clone());
    let iop = first.as_ref().and_then(|f| f.orientation);
    let ax = iop.as_ref().and_then(axes);
    let (r, c, n) = ax.unwrap_or(([1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0]));
    if ax.is_none() {
        warnings.push("no usable ImageOrientationPatient: axial orientation assumed".into());
    }
    let spacing = first
        .as_ref()
        .and_then(|f| f.pixel_spacing)
        .unwrap_or_else(|| {
            warnings
                .push("no PixelSpacing: 1 mm pixels assumed, distances are not reliable".into());
            [1.0, 1.0]
        });
    let thickness = first.as_ref().and_then(|f| f.thickness_mm);

    let all_positioned = members.iter().all(|m| m.info.position.is_some());
    let mut order: Vec<usize> = (0..members.len()).collect();
    let pos = |m: &Member| m.info.position.unwrap_or([0.0; 3]);
    let d = |m: &Member| dot(pos(m), n);
    if all_positioned {
        order.sort_by(|&a, &b| {
            d(&members[a])
                .total_cmp(&d(&members[b]))
                .then(members[a].instance_number.cmp(&members[b].instance_number))
        });
    } else {
        warnings.push(
            "some images have no ImagePositionPatient: slices ordered by InstanceNumber, slice \
             positions unknown"
                .into(),
        );
        order.sort_by_key(|&a| (members[a].instance_number, a));
    }

    let count = order.len();
    let positions: Vec<f64> = if all_positioned {
        order.iter().map(|&i| d(&members[i])).collect()
    } else {
        (0..count)
            .map(|k| k as f64 * thickness.unwrap_or(1.0))
            .collect()
    };
    let steps: Vec<f64> = positions.windows(2).map(|w| w[1] - w[0]).collect();
    let duplicates = steps.iter().filter(|s| s.abs() < 1e-3).count();
    let mut positive: Vec<f64> = steps.iter().copied().filter(|s| *s >= 1e-3).collect();
    let med = median(&mut positive);
    let mut regular = duplicates == 0;
    if duplicates > 0 {
        warnings.push(format!(
            "{duplicates} slice(s) share their position with another slice; all are kept"
        ));
    }
    if let Some(med) = med {
        let tol = (0.01 * med).max(1e-3);
        let gaps: Vec<usize> = (0..steps.len()).filter(|&k| steps[k] > 1.5 * med).collect();
        let irregular = steps
            .iter()
            .filter(|s| s.abs() >= 1e-3 && (*s - med).abs() > tol)
            .count();
        if !gaps.is_empty() {
            let k = gaps[0];
            warnings.push(format!(
                "{} gap(s) in the series: e.g. {:.2} mm between slices {} and {} where the usual \
                 step is {:.2} mm",
                gaps.len(),
                steps[k],
                k + 1,
                k + 2,
                med
            ));
        }
        if irregular > gaps.len() {
            let lo = steps
                .iter()
                .copied()
                .filter(|s| s.abs() >= 1e-3)
                .fold(f64::INFINITY, f64::min);
            let hi = steps.iter().copied().fold(f64::NEG_INFINITY, f64::max);
            warnings.push(format!(
                "irregular slice spacing: steps from {lo:.2} to {hi:.2} mm (median {med:.2} mm); \
                 true positions are kept per slice"
            ));
        }
        regular &= irregular == 0;
    }

    let p0 = members
        .get(order.first().copied().unwrap_or(0))
        .map(pos)
        .unwrap_or([0.0; 3]);
    let pn = members
        .get(order.last().copied().unwrap_or(0))
        .map(pos)
        .unwrap_or([0.0; 3]);
    let span = positions.last().copied().unwrap_or(0.0) - positions.first().copied().unwrap_or(0.0);
    let kcol: [f64; 3] = if count >= 2 && all_positioned && regular {
        let s = (count - 1) as f64;
        [
            (pn[0] - p0[0]) / s,
            (pn[1] - p0[1]) / s,
            (pn[2] - p0[2]) / s,
        ]
    } else if all_positioned && span > 1e-3 {
        let step = med.unwrap_or(span);
        [
            (pn[0] - p0[0]) / span * step,
            (pn[1] - p0[1]) / span * step,
            (pn[2] - p0[2]) / span * step,
        ]
    } else {
        let t = thickness.unwrap_or(1.0);
        if count >= 2 && !all_positioned {
            // Already warned above.
        } else if count == 1 && thickness.is_none() {
            notes.push("single slice without SliceThickness: 1 mm assumed".into());
        }
        n.map(|x| x * t)
    };
    // Gantry tilt: the slice stack leans away from the normal.
    let kn = norm(kcol);
    if kn > 0.0 && count >= 2 && all_positioned {
        let cos = (dot(kcol, n) / kn).clamp(-1.0, 1.0);
        let tilt = cos.acos().to_degrees();
        if tilt > 0.5 {
            notes.push(format!(
                "gantry tilt of {tilt:.1}° kept in the geometry (sheared voxel grid)"
            ));
        }
    }

    let cols = [
        r.map(|x| x * spacing[1]),
        c.map(|x| x * spacing[0]),
        kcol,
        p0,
    ];
    let mut affine = [[0.0; 4]; 4];
    for (row, a) in affine.iter_mut().take(3).enumerate() {
        let sign = if row < 2 { -1.0 } else { 1.0 }; // LPS → RAS
        for (col, v) in cols.iter().enumerate() {
            a[col] = sign * v[row] + 0.0; // + 0.0: no negative zeros in the affine
        }
    }
    affine[3][3] = 1.0;
    Layout {
        order,
        affine,
        positions_mm: positions,
        warnings,
        notes,
    }
}
