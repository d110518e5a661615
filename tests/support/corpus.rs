//! The bad-input corpus: files a user could drop on the app, generated here from known-good
//! files and then damaged. Each case says what must happen: a specific error, or success with
//! a warning. Used by the native tests (`tests/bad_input.rs`), the CLI test, the browser test
//! (written out by `examples/bad_corpus.rs`) and as fuzzing seeds.

use std::io::{Cursor, Read, Write};

use flate2::write::GzEncoder;
use flate2::Compression;
use hemoscope::io::{write_nifti, InputFile, VoxelData};
use hemoscope::Geometry;

use crate::dicom_support::{axial_series, Slice};

/// MPEG-2 video: a transfer syntax no DICOM decoder here supports.
const MPEG2: &str = "1.2.840.10008.1.2.4.100";

/// What opening a case must produce.
#[derive(Debug, Clone)]
pub enum Expect {
    /// An error whose message contains every fragment (case-insensitive).
    Error(&'static [&'static str]),
    /// A volume, with a warning or note containing the fragment (case-insensitive).
    Warn(&'static str),
    /// A volume, nothing else required.
    Opens,
}

/// One corpus entry: the files dropped together and the expected outcome.
#[derive(Debug, Clone)]
pub struct Case {
    /// Short unique name, also used as a file-name stem.
    pub name: &'static str,
    /// `nifti`, `dicom` or `zip`.
    pub family: &'static str,
    pub files: Vec<InputFile>,
    pub expect: Expect,
}

fn case(name: &'static str, family: &'static str, files: Vec<InputFile>, expect: Expect) -> Case {
    Case {
        name,
        family,
        files,
        expect,
    }
}

fn one(name: &str, bytes: Vec<u8>) -> Vec<InputFile> {
    vec![InputFile {
        name: name.into(),
        bytes,
    }]
}

// ---------------------------------------------------------------- NIfTI

const DIMS: [usize; 3] = [8, 6, 4];

/// A valid, uncompressed 8×6×4 int16 NIfTI-1 file (header 348 + 4 bytes, data from 352).
pub fn good_nii() -> Vec<u8> {
    let voxels: Vec<i16> = (0..DIMS.iter().product::<usize>())
        .map(|i| (i as i16) * 10 - 500)
        .collect();
    let geometry = Geometry::lps_axial([0.5, 0.5, 2.0]);
    match write_nifti(DIMS, &geometry, VoxelData::I16(&voxels), false) {
        Ok(b) => b,
        Err(e) => unreachable!("the project writer failed on a valid volume: {e}"),
    }
}

pub fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut enc = GzEncoder::new(Vec::new(), Compression::fast());
    let _ = enc.write_all(bytes);
    enc.finish().unwrap_or_default()
}

fn put_i16(b: &mut [u8], at: usize, v: i16) {
    b[at..at + 2].copy_from_slice(&v.to_le_bytes());
}

fn put_f32(b: &mut [u8], at: usize, v: f32) {
    b[at..at + 4].copy_from_slice(&v.to_le_bytes());
}

/// `good_nii` with the header edited.
fn patched(edit: impl FnOnce(&mut Vec<u8>)) -> Vec<u8> {
    let mut b = good_nii();
    edit(&mut b);
    b
}

/// Drop the sform (and keep the qform) so that pixdim decides the voxel size; set one pixdim.
fn no_sform(b: &mut [u8], pixdim_at: usize, v: f32) {
    put_i16(b, 252, 1);
    put_i16(b, 254, 0);
    put_f32(b, pixdim_at, v);
}

fn set_dims(b: &mut [u8], dims: &[i16]) {
    put_i16(b, 40, dims.len() as i16);
    for (d, &v) in dims.iter().enumerate() {
        put_i16(b, 42 + 2 * d, v);
    }
}

/// A gzip stream of `n` zero bytes, written in pieces (compresses about 1000:1).
fn gzip_zeros(prefix: &[u8], n: usize) -> Vec<u8> {
    let mut enc = GzEncoder::new(Vec::new(), Compression::fast());
    let _ = enc.write_all(prefix);
    let chunk = vec![0u8; 1 << 20];
    let mut left = n;
    while left > 0 {
        let k = left.min(chunk.len());
        let _ = enc.write_all(&chunk[..k]);
        left -= k;
    }
    enc.finish().unwrap_or_default()
}

fn nifti_cases() -> Vec<Case> {
    use Expect::*;
    let good = good_nii();
    let len = good.len();
    let gz = gzip(&good);
    let mut cases = vec![
        case("nii_good", "nifti", one("good.nii", good.clone()), Opens),
        case(
            "nii_empty",
            "nifti",
            one("empty.nii", Vec::new()),
            Error(&["no files with content"]),
        ),
        case(
            "nii_trunc_10",
            "nifti",
            one("t10.nii", good[..10].to_vec()),
            Error(&["unrecognised file format"]),
        ),
        case(
            "nii_trunc_200",
            "nifti",
            one("t200.nii", good[..200].to_vec()),
            Error(&["unrecognised file format"]),
        ),
        case(
            "nii_trunc_347",
            "nifti",
            one("t347.nii", good[..347].to_vec()),
            Error(&["unrecognised file format"]),
        ),
        case(
            "nii_trunc_data_start",
            "nifti",
            one("t352.nii", good[..352].to_vec()),
            Error(&["truncated"]),
        ),
        case(
            "nii_trunc_mid_data",
            "nifti",
            one("tmid.nii", good[..352 + (len - 352) / 2].to_vec()),
            Error(&["truncated"]),
        ),
        case(
            "nii_trunc_last_byte",
            "nifti",
            one("tlast.nii", good[..len - 1].to_vec()),
            Error(&["truncated"]),
        ),
        case(
            "niigz_trunc_header",
            "nifti",
            one("t.nii.gz", gz[..gz.len().min(30)].to_vec()),
            Error(&["gzip"]),
        ),
        case(
            "niigz_trunc_tail",
            "nifti",
            one("t2.nii.gz", gz[..gz.len() - 12].to_vec()),
            Error(&["truncated"]),
        ),
        case(
            "nii_wrong_magic",
            "nifti",
            one(
                "magic.nii",
                patched(|b| b[344..348].copy_from_slice(b"xy1\0")),
            ),
            Error(&["unrecognised file format"]),
        ),
        case(
            "nii_sizeof_hdr_wrong",
            "nifti",
            one(
                "hdr.nii",
                patched(|b| b[0..4].copy_from_slice(&349i32.to_le_bytes())),
            ),
            Error(&["invalid NIfTI", "header size"]),
        ),
        case(
            "nii_dims_32767_cubed",
            "nifti",
            one("huge.nii", patched(|b| set_dims(b, &[32767, 32767, 32767]))),
            Error(&["too large"]),
        ),
        case(
            "nii_dims_4096x4096x2048",
            "nifti",
            one("big.nii", patched(|b| set_dims(b, &[4096, 4096, 2048]))),
            Error(&["too large"]),
        ),
        case(
            "nii_dims_negative",
            "nifti",
            one("neg.nii", patched(|b| set_dims(b, &[8, -6, 4]))),
            Error(&["invalid NIfTI", "dim"]),
        ),
        case(
            "nii_dims_zero",
            "nifti",
            one("zero.nii", patched(|b| set_dims(b, &[8, 0, 4]))),
            Error(&["invalid NIfTI", "dim"]),
        ),
        case(
            "nii_ndim_9",
            "nifti",
            one("ndim9.nii", patched(|b| put_i16(b, 40, 9))),
            Error(&["invalid NIfTI"]),
        ),
        case(
            "nii_pixdim_zero",
            "nifti",
            one("pz.nii", patched(|b| no_sform(b, 80, 0.0))),
            Error(&["pixdim"]),
        ),
        case(
            "nii_pixdim_negative",
            "nifti",
            one("pn.nii", patched(|b| no_sform(b, 84, -2.0))),
            Error(&["pixdim"]),
        ),
        case(
            "nii_pixdim_nan",
            "nifti",
            one("pnan.nii", patched(|b| no_sform(b, 88, f32::NAN))),
            Error(&["pixdim"]),
        ),
        case(
            "nii_scl_slope_nan",
            "nifti",
            one("snan.nii", patched(|b| put_f32(b, 112, f32::NAN))),
            Error(&["scl_slope"]),
        ),
        case(
            "nii_scl_slope_inf",
            "nifti",
            one("sinf.nii", patched(|b| put_f32(b, 112, f32::INFINITY))),
            Error(&["scl_slope"]),
        ),
        case(
            "nii_scl_inter_neg_inf",
            "nifti",
            one(
                "iinf.nii",
                patched(|b| {
                    put_f32(b, 112, 1.0);
                    put_f32(b, 116, f32::NEG_INFINITY)
                }),
            ),
            Error(&["scl_inter"]),
        ),
        case(
            "nii_datatype_rgb24",
            "nifti",
            one(
                "rgb.nii",
                patched(|b| {
                    put_i16(b, 70, 128);
                    put_i16(b, 72, 24)
                }),
            ),
            Error(&["unsupported NIfTI"]),
        ),
        case(
            "nii_datatype_complex",
            "nifti",
            one(
                "cplx.nii",
                patched(|b| {
                    put_i16(b, 70, 32);
                    put_i16(b, 72, 64)
                }),
            ),
            Error(&["unsupported NIfTI"]),
        ),
        case(
            "nii_datatype_unknown",
            "nifti",
            one("dt999.nii", patched(|b| put_i16(b, 70, 999))),
            Error(&["datatype"]),
        ),
        case(
            "nii_vox_offset_past_end",
            "nifti",
            one("voff.nii", patched(|b| put_f32(b, 108, 1.0e9))),
            Error(&["invalid NIfTI"]),
        ),
        case(
            "nifti2_header",
            "nifti",
            one(
                "n2.nii",
                patched(|b| {
                    b[0..4].copy_from_slice(&540i32.to_le_bytes());
                    b[4..8].copy_from_slice(b"n+2\0");
                }),
            ),
            Error(&["NIfTI-2"]),
        ),
        case(
            "nii_4d_two_volumes",
            "nifti",
            one(
                "4d.nii",
                patched(|b| {
                    set_dims(b, &[8, 6, 2, 2]);
                }),
            ),
            Warn("volume"),
        ),
        case(
            "nii_5d",
            "nifti",
            one(
                "5d.nii",
                patched(|b| {
                    set_dims(b, &[8, 6, 2, 1, 2]);
                }),
            ),
            Warn("volume"),
        ),
    ];
    // Corrupt deflate data after a valid gzip header.
    let mut corrupt = gz.clone();
    for b in corrupt.iter_mut().skip(12).take(40) {
        *b ^= 0x5a;
    }
    cases.push(case(
        "niigz_corrupt_deflate",
        "nifti",
        one("corrupt.nii.gz", corrupt),
        Error(&["gzip"]),
    ));
    cases.extend(damaged_gzip_cases());
    // Not gzip at all after the magic bytes.
    cases.push(case(
        "niigz_bad_gzip_header",
        "nifti",
        one(
            "badhdr.nii.gz",
            vec![0x1f, 0x8b, 0x99, 0xff, 0, 0, 0, 0, 0, 0, 1, 2],
        ),
        Error(&["gzip"]),
    ));
    // A gzip bomb: 256 MiB of zeros, no NIfTI header. Only the start may be inflated.
    cases.push(case(
        "gzip_bomb_zeros",
        "nifti",
        one("bomb.nii.gz", gzip_zeros(&[], 256 << 20)),
        Error(&["unrecognised file format"]),
    ));
    // A gzip bomb behind a header that claims a volume beyond the budget.
    let mut header = good[..352].to_vec();
    set_dims(&mut header, &[2048, 2048, 1024]);
    cases.push(case(
        "gzip_bomb_huge_header",
        "nifti",
        one("bomb2.nii.gz", gzip_zeros(&header, 64 << 20)),
        Error(&["too large"]),
    ));
    cases
}

/// A valid 64×64×6 int16 volume with varied values from the project's writer: `.nii` (49.5 KB) or
/// `.nii.gz` (a few KB).
fn larger_nii(gzip: bool) -> Vec<u8> {
    let dims = [64, 64, 6];
    let voxels: Vec<i16> = (0..dims.iter().product::<usize>())
        .map(|i| ((i * 37 % 211) as i16) * 9 - 1000 + (i / 4096) as i16 * 40)
        .collect();
    let geometry = Geometry::lps_axial([0.5, 0.5, 2.0]);
    match write_nifti(dims, &geometry, VoxelData::I16(&voxels), gzip) {
        Ok(b) => b,
        Err(e) => unreachable!("the project writer failed on a valid volume: {e}"),
    }
}

/// `n` bytes from `at` XORed with a fixed pseudo-random pattern (never 0, so each byte changes).
fn damage(bytes: &mut [u8], at: usize, n: usize) {
    let mut x: u32 = 0x9e37_79b9;
    for b in bytes.iter_mut().skip(at).take(n) {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        *b ^= (x as u8) | 1;
    }
}

/// `.nii.gz` files whose gzip data are damaged after a valid header: the trailer's CRC-32 or
/// length, bytes in the middle of the deflate stream, a cut trailer. The voxels can all be
/// inflated in the first cases, so only the trailer check finds the damage. Also a valid
/// multi-member file and one with junk after the gzip data.
fn damaged_gzip_cases() -> Vec<Case> {
    use Expect::*;
    let good = good_nii();
    let gz = gzip(&good);
    let n = gz.len();
    let mut bad_crc = gz.clone();
    bad_crc[n - 8] ^= 0xff;
    let mut bad_isize = gz.clone();
    bad_isize[n - 4..].copy_from_slice(&(good.len() as u32 + 1).to_le_bytes());
    // Stored (uncompressed) deflate blocks inflate whatever the damage: 100 voxel bytes changed
    // (past the bytes that format detection looks at).
    let mut stored_enc = GzEncoder::new(Vec::new(), Compression::none());
    let _ = stored_enc.write_all(&good);
    let mut stored = stored_enc.finish().unwrap_or_default();
    let end = stored.len().saturating_sub(8 + 20);
    damage(&mut stored, end.saturating_sub(100), 100);
    // Huffman-coded data (the project's writer) with 100 bytes damaged in the middle: they still
    // inflate, to fewer bytes than the trailer says (the voxels run short).
    let mut coded = larger_nii(true);
    let mid = coded.len() / 2;
    damage(&mut coded, mid - 50, 100);
    // A deflate stream that is corrupt inside the voxels: a stored block with the first 40000
    // bytes (more than the inflater decodes ahead, so format detection sees the header), then a
    // block of the reserved type 3.
    let mut bad_block = vec![0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff, 0];
    bad_block.extend(40_000u16.to_le_bytes());
    bad_block.extend((!40_000u16).to_le_bytes());
    bad_block.extend(&larger_nii(false)[..40_000]);
    bad_block.extend([0x07, 0, 0, 0, 0, 0, 0, 0, 0]);
    // Two members (cut inside the voxels), and junk after the gzip data.
    let mut members = gzip(&good[..500]);
    members.extend(gzip(&good[500..]));
    let mut junk = gz.clone();
    junk.extend(b"junk after the gzip data");
    vec![
        case(
            "niigz_bad_crc",
            "nifti",
            one("crc.nii.gz", bad_crc),
            Error(&["the gzip data is damaged: its CRC-32 or length check failed"]),
        ),
        case(
            "niigz_bad_isize",
            "nifti",
            one("isize.nii.gz", bad_isize),
            Error(&["the gzip data is damaged: its CRC-32 or length check failed"]),
        ),
        case(
            "niigz_damaged_stored_block",
            "nifti",
            one("stored.nii.gz", stored),
            Error(&["the gzip data is damaged: its CRC-32 or length check failed"]),
        ),
        case(
            "niigz_damaged_deflate_middle",
            "nifti",
            one("middle.nii.gz", coded),
            Error(&["the gzip data is damaged: its CRC-32 or length check failed"]),
        ),
        case(
            "niigz_bad_block_type",
            "nifti",
            one("block.nii.gz", bad_block),
            Error(&["the gzip data is damaged: corrupt deflate stream"]),
        ),
        case(
            "niigz_cut_trailer_4",
            "nifti",
            one("cut4.nii.gz", gz[..n - 4].to_vec()),
            Error(&["the file ends inside the gzip data", "truncated"]),
        ),
        case(
            "niigz_cut_trailer_8",
            "nifti",
            one("cut8.nii.gz", gz[..n - 8].to_vec()),
            Error(&["the file ends inside the gzip data", "truncated"]),
        ),
        case(
            "niigz_two_members",
            "nifti",
            one("members.nii.gz", members),
            Opens,
        ),
        case(
            "niigz_junk_after_end",
            "nifti",
            one("junk.nii.gz", junk),
            Warn("bytes after the end of the gzip data were ignored"),
        ),
    ]
}

// ---------------------------------------------------------------- DICOM

fn dicom_files(prefix: &str, slices: &[Slice]) -> Vec<InputFile> {
    slices
        .iter()
        .enumerate()
        .map(|(k, s)| s.file(&format!("{prefix}{k:03}.dcm")))
        .collect()
}

fn series_with(n: usize, edit: impl Fn(&mut Slice)) -> Vec<Slice> {
    let mut s = axial_series(n, 5.0);
    for slice in &mut s {
        edit(slice);
    }
    s
}

fn dicom_cases() -> Vec<Case> {
    use Expect::*;
    let good = axial_series(4, 5.0);
    let one_file = good[0].bytes();
    let n = one_file.len();
    let mut cases = vec![
        case(
            "dcm_good_series",
            "dicom",
            dicom_files("good", &good),
            Opens,
        ),
        case(
            "dcm_trunc_after_preamble",
            "dicom",
            one("t1.dcm", one_file[..140].to_vec()),
            Error(&["DICOM"]),
        ),
        case(
            "dcm_trunc_mid_header",
            "dicom",
            one("t2.dcm", one_file[..n / 2].to_vec()),
            Error(&["DICOM"]),
        ),
        case(
            "dcm_trunc_pixel_data",
            "dicom",
            one("t3.dcm", one_file[..n - 6].to_vec()),
            Error(&["DICOM"]),
        ),
        case(
            "dcm_wrong_magic",
            "dicom",
            one("magic.dcm", {
                let mut b = one_file.clone();
                b[128..132].copy_from_slice(b"DICX");
                b
            }),
            Error(&["unrecognised file format"]),
        ),
        case(
            "dcm_rows_cols_mismatch",
            "dicom",
            dicom_files(
                "rc",
                &series_with(3, |s| {
                    s.rows = 40;
                    s.cols = 30;
                }),
            ),
            Error(&["DICOM"]),
        ),
        case(
            "dcm_unsupported_transfer_syntax",
            "dicom",
            dicom_files("ls", &series_with(3, |s| s.transfer_syntax = MPEG2)),
            Error(&["1.2.840.10008.1.2.4.100", "all 3 say"]),
        ),
        case(
            "dcm_non_ct_modality",
            "dicom",
            dicom_files("mr", &series_with(3, |s| s.modality = "MR")),
            Warn("MR"),
        ),
        case(
            "dcm_rgb",
            "dicom",
            dicom_files("rgb", &series_with(3, |s| s.photometric = "RGB")),
            Error(&["RGB"]),
        ),
        case(
            "dcm_monochrome1",
            "dicom",
            dicom_files("m1", &series_with(3, |s| s.photometric = "MONOCHROME1")),
            Warn("MONOCHROME1"),
        ),
        case(
            "dcm_sagittal",
            "dicom",
            dicom_files(
                "sag",
                &axial_series(4, 5.0)
                    .into_iter()
                    .enumerate()
                    .map(|(k, s)| Slice {
                        orientation: Some([0.0, 1.0, 0.0, 0.0, 0.0, -1.0]),
                        position: Some([5.0 * k as f64, -20.0, 30.0]),
                        ..s
                    })
                    .collect::<Vec<_>>(),
            ),
            Warn("sagittal"),
        ),
        case(
            "dcm_single_slice",
            "dicom",
            dicom_files("single", &good[..1]),
            Opens,
        ),
        case(
            "dcm_duplicate_files",
            "dicom",
            {
                let mut f = dicom_files("dup", &good);
                f.push(good[1].file("dup_copy.dcm"));
                f
            },
            Warn("duplicate"),
        ),
        case(
            "dcm_mixed_series",
            "dicom",
            {
                let mut f = dicom_files("a", &good);
                let other = series_with(2, |s| {
                    s.series_uid = Some("1.2.826.0.1.3680043.8.498.2".into());
                    s.sop_uid = s.sop_uid.as_ref().map(|u| format!("{u}.9"));
                });
                f.extend(dicom_files("b", &other));
                f
            },
            Warn("series"),
        ),
        case(
            "dcm_zero_rows",
            "dicom",
            dicom_files(
                "r0",
                &series_with(2, |s| {
                    s.rows = 0;
                    s.pixels.clear();
                }),
            ),
            Error(&["DICOM"]),
        ),
    ];
    // No PixelData element at all: cut the file where the element starts.
    let tag = [0xe0u8, 0x7f, 0x10, 0x00];
    if let Some(at) = one_file.windows(4).rposition(|w| w == tag) {
        let files: Vec<InputFile> = good
            .iter()
            .enumerate()
            .map(|(k, s)| {
                let b = s.bytes();
                InputFile {
                    name: format!("nopix{k}.dcm"),
                    bytes: b[..at.min(b.len())].to_vec(),
                }
            })
            .collect();
        cases.push(case(
            "dcm_no_pixel_data",
            "dicom",
            files,
            Error(&["holds an image"]),
        ));
    }
    // An element claiming 4 GB in a small file (found by fuzzing): refused before allocation.
    if let Some(at) = one_file.windows(4).rposition(|w| w == tag) {
        let mut b = one_file[..at].to_vec();
        b.extend_from_slice(&[0x09, 0x00, 0x10, 0x10, b'O', b'B', 0, 0]);
        b.extend_from_slice(&0xF000_0000u32.to_le_bytes());
        b.extend_from_slice(&one_file[at..]);
        cases.push(case(
            "dcm_element_length_4gb",
            "dicom",
            one("huge_element.dcm", b),
            Error(&["claims 4026531840 bytes"]),
        ));
    }
    // Random bytes after a valid preamble and magic.
    let mut noise = vec![0u8; 128];
    noise.extend_from_slice(b"DICM");
    let mut x = 0x1234_5678u32;
    for _ in 0..2000 {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        noise.push(x as u8);
    }
    cases.push(case(
        "dcm_noise_after_magic",
        "dicom",
        one("noise.dcm", noise),
        Error(&["DICOM"]),
    ));
    cases
}

// ---------------------------------------------------------------- zip

/// A zip archive of the given entries (deflated).
pub fn zip_of(entries: &[(&str, &[u8])]) -> Vec<u8> {
    let mut w = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .large_file(true);
    for (name, data) in entries {
        if w.start_file(*name, options).is_err() || w.write_all(data).is_err() {
            return Vec::new();
        }
    }
    w.finish().map(|c| c.into_inner()).unwrap_or_default()
}

/// A zip holding one entry of `n` zero bytes, streamed so the generator stays small.
fn zip_bomb(n: usize) -> Vec<u8> {
    let mut w = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .large_file(true);
    if w.start_file("zeros.nii", options).is_err() {
        return Vec::new();
    }
    let mut zeros = std::io::repeat(0).take(n as u64);
    if std::io::copy(&mut zeros, &mut w).is_err() {
        return Vec::new();
    }
    w.finish().map(|c| c.into_inner()).unwrap_or_default()
}

fn zip_cases() -> Vec<Case> {
    use Expect::*;
    let nii = good_nii();
    let good = zip_of(&[("case/head.nii", &nii)]);
    let series: Vec<(String, Vec<u8>)> = axial_series(3, 5.0)
        .iter()
        .enumerate()
        .map(|(k, s)| (format!("series/IM{k}"), s.bytes()))
        .collect();
    let series_refs: Vec<(&str, &[u8])> = series
        .iter()
        .map(|(n, b)| (n.as_str(), b.as_slice()))
        .collect();
    let mut truncated = good.clone();
    truncated.truncate(good.len() / 2);
    let mut bad_crc = gzip(&nii);
    let n = bad_crc.len();
    bad_crc[n - 8] ^= 0xff;
    let mut corrupt = good.clone();
    // Damage the compressed data of the first entry (it starts after the 30-byte local header
    // and the entry name).
    for b in corrupt.iter_mut().skip(30 + "case/head.nii".len()).take(24) {
        *b ^= 0xa5;
    }
    vec![
        case("zip_good_nifti", "zip", one("good.zip", good), Opens),
        case(
            "zip_dicom_series",
            "zip",
            one("series.zip", zip_of(&series_refs)),
            Opens,
        ),
        case(
            "zip_empty_archive",
            "zip",
            one("empty.zip", zip_of(&[])),
            Error(&["no files with content"]),
        ),
        case(
            "zip_truncated",
            "zip",
            one("trunc.zip", truncated),
            Error(&["invalid zip"]),
        ),
        case(
            "zip_corrupt_deflate",
            "zip",
            one("corrupt.zip", corrupt),
            Error(&[
                "no files with content",
                "entry case/head.nii: compressed size",
                "cannot be decompressed",
            ]),
        ),
        case(
            "zip_dotdot_only",
            "zip",
            one("evil.zip", zip_of(&[("../../etc/evil.nii", &nii)])),
            Error(&[
                "no files with content",
                "entry ../../etc/evil.nii skipped: path escapes the archive",
            ]),
        ),
        case(
            "zip_dotdot_and_good",
            "zip",
            one(
                "mixed.zip",
                zip_of(&[("../evil.nii", &nii), ("ok/head.nii", &nii)]),
            ),
            Warn("entry ../evil.nii skipped: path escapes the archive"),
        ),
        case(
            "zip_absolute_path",
            "zip",
            one("abs.zip", zip_of(&[("/tmp/abs.nii", &nii)])),
            Error(&[
                "no files with content",
                "entry /tmp/abs.nii skipped: path escapes the archive",
            ]),
        ),
        case(
            "zip_bomb",
            "zip",
            one("bomb.zip", zip_bomb(600 << 20)),
            Error(&[
                "entry zeros.nii: compressed size",
                "too large",
                "512 MB per entry",
            ]),
        ),
        case(
            "zip_of_garbage",
            "zip",
            one("junk.zip", zip_of(&[("readme.txt", b"hello, not a scan")])),
            Error(&["unrecognised file format"]),
        ),
        case(
            "zip_niigz_bad_crc",
            "zip",
            one("crc.zip", zip_of(&[("case/head.nii.gz", &bad_crc)])),
            Error(&["the gzip data is damaged: its CRC-32 or length check failed"]),
        ),
        case(
            "zip_nested_zip",
            "zip",
            one(
                "nested.zip",
                zip_of(&[("inner.zip", &zip_of(&[("a.nii", &nii)]))]),
            ),
            Error(&["zip"]),
        ),
    ]
}

/// Every case, NIfTI first.
pub fn cases() -> Vec<Case> {
    let mut all = nifti_cases();
    all.extend(dicom_cases());
    all.extend(zip_cases());
    all
}
