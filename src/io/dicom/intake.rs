//! The DICOM pipeline over many files: parse every file, list the series, open the chosen one.

use std::collections::HashMap;
use std::panic::{catch_unwind, AssertUnwindSafe};

use dicom_object::DefaultDicomObject;

use super::header::{ImageHeader, NotAnImage};
use super::pixels::{self, HuReport};
use super::series::{self, Group, SeriesSummary};
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
    header: ImageHeader,
}

/// The first slice decoded while a series is being assembled, for an early display: the slice
/// the viewer shows first (the middle one in slice order), as HU, with the affine of a
/// one-slice volume placed where that slice lies.
#[derive(Debug)]
pub struct FirstSlice<'a> {
    /// Columns (i) and rows (j).
    pub columns: usize,
    pub rows: usize,
    /// Index of this slice in the series (k, ascending along the normal) and the slice count.
    pub k: usize,
    pub slices: usize,
    /// Voxel → RAS affine of the slice as a one-slice volume.
    pub affine: [[f64; 4]; 4],
    /// HU, i fastest.
    pub hu: &'a [i16],
}

/// DICOM files parsed and grouped into series, from which any series can be opened without
/// reading the files again. The parsed objects (about the size of the files; the file bytes
/// themselves are released) are kept until the set is dropped.
pub struct DicomSet {
    parsed: Vec<Parsed>,
    objects: Vec<Option<DefaultDicomObject>>,
    groups: Vec<Group>,
    notes: Vec<String>,
    n_files: usize,
}

impl std::fmt::Debug for DicomSet {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DicomSet")
            .field("files", &self.n_files)
            .field("series", &self.groups.len())
            .finish()
    }
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
    let set = DicomSet::read(files, &mut |done, n| progress(done, 2 * n))?;
    let index = match &options.series {
        Some(want) => set.find(want)?,
        None => set.likeliest(),
    };
    set.into_opened(index, &mut |done, total| {
        progress(n_files + done, n_files + total)
    })
}

impl DicomSet {
    /// Parse every file and group the images into series. `progress(done, total)` is called
    /// after each file. Fails only when no file holds a usable image.
    pub fn read(files: Vec<InputFile>, progress: &mut dyn FnMut(usize, usize)) -> Result<Self> {
        let n_files = files.len();
        let mut notes = Vec::new();
        let mut failures: Vec<(String, Error)> = Vec::new();
        let mut parsed: Vec<Parsed> = Vec::new();
        let mut objects = Vec::new();
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
                        parsed.push(Parsed { name, header });
                        objects.push(Some(obj));
                    }
                }
                Err(e) => failures.push((name, e)),
            }
            progress(i + 1, n_files);
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
        let groups = series::group(&headers);
        if groups.is_empty() {
            return Err(no_image_error(n_files, failures));
        }
        for (name, e) in failures.iter().take(5) {
            notes.push(format!("{name}: skipped: {e}"));
        }
        if failures.len() > 5 {
            notes.push(format!("{} more files skipped", failures.len() - 5));
        }
        Ok(DicomSet {
            parsed,
            objects,
            groups,
            notes,
            n_files,
        })
    }

    /// Every series found, in the order of the input (none marked opened).
    pub fn series(&self) -> Vec<SeriesSummary> {
        self.groups.iter().map(|g| g.summary.clone()).collect()
    }

    /// Index of the likeliest axial head-CT series.
    pub fn likeliest(&self) -> usize {
        series::choose(&self.groups).unwrap_or(0)
    }

    /// Index of the series with this SeriesInstanceUID (the first group of a split series), or
    /// of the given decimal index.
    pub fn find(&self, want: &str) -> Result<usize> {
        self.groups
            .iter()
            .position(|g| g.summary.series_uid == want)
            .or_else(|| {
                want.parse::<usize>()
                    .ok()
                    .filter(|&i| i < self.groups.len())
            })
            .ok_or_else(|| Error::Other(format!("no series {want} among the files")))
    }

    /// Open series `index`, keeping the set for other choices. `progress(done, total)` counts
    /// decoded objects; `first` receives the middle slice as soon as it is decoded.
    pub fn open(
        &self,
        index: usize,
        progress: &mut dyn FnMut(usize, usize),
        first: &mut dyn FnMut(FirstSlice<'_>),
    ) -> Result<Opened> {
        let group = self.group(index)?;
        let objects = Objects::Keep(&self.objects);
        let (volume, notes) = build_volume(group, &self.parsed, objects, progress, first)?;
        Ok(self.opened(index, volume, notes))
    }

    /// Open series `index`, releasing each object once decoded (lowest memory).
    pub fn into_opened(
        mut self,
        index: usize,
        progress: &mut dyn FnMut(usize, usize),
    ) -> Result<Opened> {
        let group = self.group(index)?.clone();
        let mut objects = std::mem::take(&mut self.objects);
        let mut used: Vec<usize> = group.members.iter().map(|m| m.object).collect();
        used.sort_unstable();
        for (i, o) in objects.iter_mut().enumerate() {
            if used.binary_search(&i).is_err() {
                *o = None;
            }
        }
        let (volume, notes) = build_volume(
            &group,
            &self.parsed,
            Objects::Release(&mut objects),
            progress,
            &mut |_| {},
        )?;
        Ok(self.opened(index, volume, notes))
    }

    fn group(&self, index: usize) -> Result<&Group> {
        self.groups.get(index).ok_or_else(|| {
            Error::Other(format!(
                "no series {index}: the files hold {} series",
                self.groups.len()
            ))
        })
    }

    fn opened(&self, index: usize, volume: Volume, layout_notes: Vec<String>) -> Opened {
        let mut notes = self.notes.clone();
        let mut summaries = self.series();
        if let Some(s) = summaries.get_mut(index) {
            s.opened = true;
            if summaries.len() > 1 {
                let s = &summaries[index];
                notes.push(format!(
                    "{} series found; opened \"{}\" ({} slices, {})",
                    summaries.len(),
                    if s.description.is_empty() {
                        &s.series_uid
                    } else {
                        &s.description
                    },
                    s.slices,
                    s.orientation
                ));
            }
        }
        notes.extend(layout_notes);
        Opened {
            volume,
            series: summaries,
            notes,
        }
    }
}

/// Where [`build_volume`] gets the parsed objects: borrowed (kept for later) or taken.
enum Objects<'a> {
    Keep(&'a [Option<DefaultDicomObject>]),
    Release(&'a mut [Option<DefaultDicomObject>]),
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
    group: &Group,
    parsed: &[Parsed],
    mut objects: Objects<'_>,
    progress: &mut dyn FnMut(usize, usize),
    first: &mut dyn FnMut(FirstSlice<'_>),
) -> Result<(Volume, Vec<String>)> {
    let Group {
        summary,
        members,
        is_ct,
        ..
    } = group;
    let is_ct = *is_ct;
    let (rows, cols) = (summary.rows as usize, summary.columns as usize);
    let plane = rows * cols;
    let needed = (plane as u64) * (members.len() as u64) * 2;
    if needed > MAX_VOLUME_BYTES {
        return Err(Error::TooLarge {
            needed_mb: needed >> 20,
            limit_mb: MAX_VOLUME_BYTES >> 20,
        });
    }

    // The slice shown first (the middle one in slice order) is decoded first.
    let planned = series::layout(members);
    let shown_k = planned.order.len() / 2;
    let shown = planned.order.get(shown_k).copied();
    let mut object_list: Vec<usize> = members.iter().map(|m| m.object).collect();
    object_list.sort_unstable();
    object_list.dedup();
    if let Some(oi) = shown.map(|mi| members[mi].object) {
        if let Some(pos) = object_list.iter().position(|&o| o == oi) {
            object_list[..=pos].rotate_right(1);
        }
    }
    let total = object_list.len();
    let mut slices: Vec<Option<Vec<i16>>> = vec![None; members.len()];
    let mut report = HuReport::default();
    let mut table = pixels::HuTable::default();
    let mut warnings = Vec::new();
    let mut failed = 0usize;
    let mut by_object: HashMap<usize, Vec<usize>> = HashMap::new();
    for (mi, m) in members.iter().enumerate() {
        by_object.entry(m.object).or_default().push(mi);
    }
    for (done, &oi) in object_list.iter().enumerate() {
        let p = &parsed[oi];
        let header = &p.header;
        let mut taken = None;
        let obj = match &mut objects {
            Objects::Keep(o) => o.get(oi).and_then(Option::as_ref),
            Objects::Release(o) => {
                taken = o.get_mut(oi).and_then(Option::take);
                taken.as_ref()
            }
        };
        let result = match obj {
            Some(obj) => guarded("pixel decoder", || pixels::decode(obj, header)),
            None => Err(Error::Other("object already released".into())),
        };
        drop(taken);
        match result {
            Ok(raw) => {
                for &mi in by_object.get(&oi).map(Vec::as_slice).unwrap_or(&[]) {
                    let m = &members[mi];
                    let mut hu = vec![0i16; plane];
                    match pixels::frame_to_hu(
                        &raw,
                        header,
                        m.frame,
                        &m.info,
                        &mut hu,
                        &mut report,
                        &mut table,
                    ) {
                        Ok(()) => {
                            if Some(mi) == shown {
                                first(FirstSlice {
                                    columns: cols,
                                    rows,
                                    k: shown_k,
                                    slices: members.len(),
                                    affine: slice_affine(&planned.affine, shown_k),
                                    hu: &hu,
                                });
                            }
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
        progress(done + 1, total);
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
    for (m, s) in members.iter().zip(slices) {
        if let Some(s) = s {
            kept.push(m.clone());
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
    volume.dicom = Some(source_info(summary, &kept, &layout.order, parsed));
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

/// The affine of slice `k` of a series as a one-slice volume: the series affine with its
/// origin moved along the k column.
fn slice_affine(series: &[[f64; 4]; 4], k: usize) -> [[f64; 4]; 4] {
    let mut a = *series;
    for row in a.iter_mut().take(3) {
        row[3] += k as f64 * row[2];
    }
    a
}
