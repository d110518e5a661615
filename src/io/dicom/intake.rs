//! The DICOM pipeline over many files: parse every file, list the series, open the chosen one.

use std::collections::HashMap;
use std::panic::{catch_unwind, AssertUnwindSafe};

use dicom_object::DefaultDicomObject;

use super::header::{ImageHeader, NotAnImage};
use super::pixels::{self, HuReport};
use super::series::{self, Group};
use crate::io::{InputFile, Opened};
use crate::volume::{DicomSource, SourceSlice};
use crate::{Error, Geometry, Result, Volume};

/// Largest volume intake builds (bytes of i16 voxels); well below wasm32's 4 GB.
pub const MAX_VOLUME_BYTES: u64 = 1 << 30;

/// Choices for [`open_dicom`].
#[derive(Debug, Clone, Default)]
pub struct DicomOptions {
    /// Open this series (SeriesInstanceUID, or its index in the series list as a decimal
    /// string) instead of the likeliest axial head CT.
    pub series: Option<String>,
}

struct Parsed {
    name: String,
    obj: Option<DefaultDicomObject>,
    header: ImageHeader,
}

/// Run `f`, turning a panic inside a dependency into an error instead of aborting intake.
fn guarded<T>(what: &str, f: impl FnOnce() -> Result<T>) -> Result<T> {
    catch_unwind(AssertUnwindSafe(f)).unwrap_or_else(|_| {
        Err(Error::invalid(
            "DICOM",
            format!("the {what} failed on malformed data"),
        ))
    })
}

/// Open the likeliest series among DICOM files (or the one `options` names).
///
/// Files that are not DICOM, hold no image or cannot be decoded are skipped with a note; the
/// call fails only when no series can be opened, with the reason for the first file.
/// `progress(done, total)` is called after each file is parsed and each object is decoded.
pub fn open_dicom(
    files: Vec<InputFile>,
    options: &DicomOptions,
    progress: &mut dyn FnMut(usize, usize),
) -> Result<Opened> {
    let n_files = files.len();
    let mut notes = Vec::new();
    let mut failures: Vec<(String, Error)> = Vec::new();
    let mut parsed: Vec<Parsed> = Vec::new();
    let mut seen_sop: HashMap<String, String> = HashMap::new();
    let mut non_image = 0usize;

    for (i, file) in files.into_iter().enumerate() {
        let InputFile { name, bytes } = file;
        let result = guarded("DICOM reader", || {
            let obj = super::open::parse(&bytes)?;
            let header = ImageHeader::read(&obj)?;
            Ok((obj, header))
        });
        drop(bytes);
        match result {
            Ok((_, Err(NotAnImage::NoPixelData { sop_class }))) => {
                non_image += 1;
                if non_image <= 3 {
                    notes.push(format!("{name}: no image (SOP class {sop_class}), ignored"));
                }
            }
            Ok((obj, Ok(header))) => {
                if let Err(e) = header.check_decodable() {
                    failures.push((name, e));
                } else if let Some(prev) = header
                    .sop_instance_uid
                    .as_ref()
                    .and_then(|u| seen_sop.get(u).cloned())
                {
                    notes.push(format!(
                        "{name}: same image as {prev} (duplicate file), ignored"
                    ));
                } else {
                    if let Some(u) = &header.sop_instance_uid {
                        seen_sop.insert(u.clone(), name.clone());
                    }
                    parsed.push(Parsed {
                        name,
                        obj: Some(obj),
                        header,
                    });
                }
            }
            Err(e) => failures.push((name, e)),
        }
        progress(i + 1, 2 * n_files);
    }
    if non_image > 3 {
        notes.push(format!(
            "{non_image} objects without an image were ignored in all"
        ));
    }

    let headers: Vec<(usize, &ImageHeader)> = parsed
        .iter()
        .enumerate()
        .map(|(i, p)| (i, &p.header))
        .collect();
    let mut groups = series::group(&headers);
    let chosen = match &options.series {
        Some(want) => groups
            .iter()
            .position(|g| &g.summary.series_uid == want)
            .or_else(|| want.parse::<usize>().ok().filter(|&i| i < groups.len()))
            .ok_or_else(|| Error::Other(format!("no series {want} among the files")))?,
        None => match series::choose(&groups) {
            Some(i) => i,
            None => return Err(no_image_error(n_files, failures)),
        },
    };
    for (name, e) in failures.iter().take(5) {
        notes.push(format!("{name}: skipped: {e}"));
    }
    if failures.len() > 5 {
        notes.push(format!("{} more files skipped", failures.len() - 5));
    }
    groups[chosen].summary.opened = true;
    if groups.len() > 1 {
        let g = &groups[chosen].summary;
        notes.push(format!(
            "{} series found; opened \"{}\" ({} slices, {})",
            groups.len(),
            if g.description.is_empty() {
                &g.series_uid
            } else {
                &g.description
            },
            g.slices,
            g.orientation
        ));
    }
    let summaries = groups.iter().map(|g| g.summary.clone()).collect();
    let group = groups.swap_remove(chosen);
    let (volume, layout_notes) = build_volume(group, &mut parsed, n_files, progress)?;
    notes.extend(layout_notes);
    Ok(Opened {
        volume,
        series: summaries,
        notes,
    })
}

fn no_image_error(n_files: usize, mut failures: Vec<(String, Error)>) -> Error {
    if failures.len() == 1 {
        if let Some((_, e)) = failures.pop() {
            return e;
        }
    }
    if failures.is_empty() {
        return Error::invalid(
            "DICOM",
            format!("none of the {n_files} files holds an image"),
        );
    }
    // The same reason for every file (e.g. one unsupported transfer syntax) is said once.
    let mut first: Vec<String> = Vec::new();
    let mut reasons: Vec<String> = Vec::new();
    for (n, e) in &failures {
        let reason = e.to_string();
        if !reasons.contains(&reason) {
            first.push(format!("{n}: {reason}"));
            reasons.push(reason);
        }
        if first.len() == 3 {
            break;
        }
    }
    if reasons.len() == 1 && failures.len() > 1 {
        return Error::invalid(
            "DICOM",
            format!(
                "none of the {n_files} files could be opened as an image; all {} say: {}",
                failures.len(),
                reasons[0]
            ),
        );
    }
    Error::invalid(
        "DICOM",
        format!(
            "none of the {n_files} files could be opened as an image; {}",
            first.join("; ")
        ),
    )
}

/// Decode the chosen group's images and assemble the volume.
fn build_volume(
    group: Group,
    parsed: &mut [Parsed],
    n_files: usize,
    progress: &mut dyn FnMut(usize, usize),
) -> Result<(Volume, Vec<String>)> {
    let Group {
        summary,
        mut members,
        is_ct,
        ..
    } = group;
    let (rows, cols) = (summary.rows as usize, summary.columns as usize);
    let plane = rows * cols;
    let needed = (plane as u64) * (members.len() as u64) * 2;
    if needed > MAX_VOLUME_BYTES {
        return Err(Error::TooLarge {
            needed_mb: needed >> 20,
            limit_mb: MAX_VOLUME_BYTES >> 20,
        });
    }

    // Drop the objects of other series, then decode each object of this one once.
    let mut objects: Vec<usize> = members.iter().map(|m| m.object).collect();
    objects.sort_unstable();
    objects.dedup();
    for (i, p) in parsed.iter_mut().enumerate() {
        if objects.binary_search(&i).is_err() {
            p.obj = None;
        }
    }
    let total = n_files + objects.len();
    let mut slices: Vec<Option<Vec<i16>>> = vec![None; members.len()];
    let mut report = HuReport::default();
    let mut warnings = Vec::new();
    let mut failed = 0usize;
    let mut by_object: HashMap<usize, Vec<usize>> = HashMap::new();
    for (mi, m) in members.iter().enumerate() {
        by_object.entry(m.object).or_default().push(mi);
    }
    for (done, &oi) in objects.iter().enumerate() {
        let p = &mut parsed[oi];
        let header = &p.header;
        let result = match p.obj.take() {
            Some(obj) => guarded("pixel decoder", || pixels::decode(&obj, header)),
            None => Err(Error::Other("object already released".into())),
        };
        match result {
            Ok(raw) => {
                for &mi in by_object.get(&oi).map(Vec::as_slice).unwrap_or(&[]) {
                    let m = &members[mi];
                    match pixels::stored_frame(&raw, header, m.frame) {
                        Ok(stored) => {
                            let mut hu = vec![0i16; plane];
                            pixels::to_hu(&stored, header, &m.info, &mut hu, &mut report);
                            slices[mi] = Some(hu);
                        }
                        Err(e) => {
                            failed += 1;
                            if failed <= 3 {
                                warnings.push(format!("{}: slice left out: {e}", p.name));
                            }
                        }
                    }
                }
            }
            Err(e) => {
                let n = by_object.get(&oi).map(Vec::len).unwrap_or(0);
                failed += n;
                if failed <= 3 || n > 1 {
                    warnings.push(format!("{}: {n} slice(s) left out: {e}", p.name));
                }
            }
        }
        progress(n_files + done + 1, total);
    }
    if failed > 0 {
        warnings.push(format!(
            "{failed} of {} slices could not be decoded and are missing",
            members.len()
        ));
    }
    // Keep the members that decoded.
    let mut kept = Vec::new();
    let mut kept_slices = Vec::new();
    for (m, s) in members.drain(..).zip(slices) {
        if let Some(s) = s {
            kept.push(m);
            kept_slices.push(s);
        }
    }
    if kept.is_empty() {
        return Err(Error::invalid(
            "DICOM",
            format!(
                "no slice of the series could be decoded: {}",
                warnings.join("; ")
            ),
        ));
    }

    let layout = series::layout(&kept);
    let mut voxels = Vec::with_capacity(plane * kept.len());
    for &i in &layout.order {
        voxels.extend_from_slice(&kept_slices[i]);
    }
    let first_header = &parsed[kept[0].object].header;
    if !is_ct {
        warnings.push(format!(
            "modality {} is not CT: values are shown as if they were Hounsfield units",
            if summary.modality.is_empty() {
                "unknown"
            } else {
                &summary.modality
            }
        ));
    }
    if first_header.photometric == "MONOCHROME1" {
        warnings.push(if first_header.is_ct() {
            "MONOCHROME1 image: Hounsfield units kept, shown with the usual CT greyscale"
                .to_string()
        } else {
            "MONOCHROME1 image: grey levels inverted so that higher values are brighter".to_string()
        });
    }
    if report.clamped > 0 {
        warnings.push(format!(
            "{} voxel values beyond the 16-bit range were clamped",
            report.clamped
        ));
    }
    warnings.extend(layout.warnings);
    // Slices are shown as stored; say so when they are not axial.
    let normal = [
        layout.affine[0][2],
        layout.affine[1][2],
        layout.affine[2][2],
    ];
    if normal[2].abs() < normal[0].abs().max(normal[1].abs()) {
        warnings.push(format!(
            "the slices are {} rather than axial; they are shown as stored",
            if normal[0].abs() >= normal[1].abs() {
                "sagittal"
            } else {
                "coronal"
            }
        ));
    }

    let label = if summary.description.is_empty() {
        summary.series_uid.clone()
    } else {
        summary.description.clone()
    };
    let mut volume = Volume::new(
        [cols, rows, kept.len()],
        voxels,
        Geometry::from_affine(layout.affine),
        format!("DICOM series {label} ({} slices)", kept.len()),
    );
    volume.warnings = warnings;
    volume.slice_positions_mm = Some(layout.positions_mm);
    volume.sop_instance_uids = Some(
        layout
            .order
            .iter()
            .map(|&i| kept[i].sop_instance_uid.clone().unwrap_or_default())
            .collect(),
    );
    volume.dicom = Some(source_info(&summary, &kept, &layout.order, parsed));
    Ok((volume, layout.notes))
}

/// The study, series and per-slice identity of the opened series, for derived objects.
fn source_info(
    summary: &series::SeriesSummary,
    kept: &[series::Member],
    order: &[usize],
    parsed: &[Parsed],
) -> DicomSource {
    let first = kept.first().map(|m| &parsed[m.object].header);
    let first_info = kept.first().map(|m| &m.info);
    let slices = order
        .iter()
        .map(|&i| {
            let m = &kept[i];
            let h = &parsed[m.object].header;
            SourceSlice {
                sop_instance_uid: h.sop_instance_uid.clone().unwrap_or_default(),
                sop_class_uid: h.sop_class_uid.clone(),
                frame: (h.frames > 1).then_some(m.frame as u32 + 1),
                position_lps: m.info.position,
            }
        })
        .collect();
    DicomSource {
        study_instance_uid: first.and_then(|h| h.study_uid.clone()).unwrap_or_default(),
        series_instance_uid: summary.series_uid.clone(),
        frame_of_reference_uid: first
            .and_then(|h| h.frame_of_reference_uid.clone())
            .unwrap_or_default(),
        series_number: summary.series_number,
        modality: summary.modality.clone(),
        orientation: first_info.and_then(|f| f.orientation),
        pixel_spacing: first_info.and_then(|f| f.pixel_spacing),
        slice_thickness_mm: first_info.and_then(|f| f.thickness_mm),
        slices,
        patient_study: first.map(|h| h.patient_study.clone()).unwrap_or_default(),
    }
}
