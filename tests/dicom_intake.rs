//! Intake robustness: zips (paths, bombs), truncated and corrupted DICOM never panic.

mod dicom_support;

use std::io::{Cursor, Write};

use dicom_support::{axial_series, Slice};
use hemoscope::io::zip::{extract, ZipLimits};
use hemoscope::io::{open_files, InputFile};
use zip::write::SimpleFileOptions;

fn zip_of(entries: &[(&str, Vec<u8>)]) -> Vec<u8> {
    let mut w = zip::ZipWriter::new(Cursor::new(Vec::new()));
    for (name, bytes) in entries {
        w.start_file(
            *name,
            SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated),
        )
        .unwrap();
        w.write_all(bytes).unwrap();
    }
    w.finish().unwrap().into_inner()
}

#[test]
fn zip_of_a_series_opens_and_unsafe_entries_are_skipped() {
    let series = axial_series(4, 5.0);
    let mut entries: Vec<(String, Vec<u8>)> = series
        .iter()
        .enumerate()
        .map(|(i, s)| (format!("study/series/IM{i}"), s.bytes()))
        .collect();
    entries.push(("../evil.dcm".into(), series[0].bytes()));
    entries.push(("__MACOSX/._IM0".into(), vec![0; 10]));
    let refs: Vec<(&str, Vec<u8>)> = entries
        .iter()
        .map(|(n, b)| (n.as_str(), b.clone()))
        .collect();
    let z = zip_of(&refs);
    let opened = open_files(vec![InputFile {
        name: "case.zip".into(),
        bytes: z,
    }])
    .unwrap();
    assert_eq!(opened.volume.dims[2], 4);
    assert!(
        opened
            .notes
            .iter()
            .any(|n| n == "case.zip: entry ../evil.dcm skipped: path escapes the archive"),
        "{:?}",
        opened.notes
    );
}

#[test]
fn zip_bomb_is_refused() {
    let z = zip_of(&[("zeros.bin", vec![0u8; 4 << 20])]);
    assert!(z.len() < 64 << 10, "compresses well: {}", z.len());
    let limits = ZipLimits {
        max_entry_bytes: 1 << 20,
        max_total_bytes: 2 << 20,
        max_entries: 10,
    };
    let err = extract("bomb.zip", &z, limits).unwrap_err().to_string();
    assert!(err.contains("too large"), "{err}");
    // Within the limits the same archive extracts.
    let ok = ZipLimits {
        max_entry_bytes: 8 << 20,
        max_total_bytes: 8 << 20,
        max_entries: 10,
    };
    assert_eq!(
        extract("bomb.zip", &z, ok).unwrap().0[0].bytes.len(),
        4 << 20
    );
}

#[test]
fn corrupt_zip_is_an_error() {
    let mut z = zip_of(&[("a", vec![1, 2, 3])]);
    z.truncate(z.len() / 2);
    assert!(open_files(vec![InputFile {
        name: "bad.zip".into(),
        bytes: z
    }])
    .is_err());
}

#[test]
fn truncated_dicom_never_panics() {
    let bytes = Slice {
        rows: 8,
        cols: 8,
        pixels: vec![5; 64],
        ..Slice::default()
    }
    .bytes();
    for cut in (0..bytes.len()).step_by(3) {
        let r = open_files(vec![InputFile {
            name: "t.dcm".into(),
            bytes: bytes[..cut].to_vec(),
        }]);
        if let Err(e) = r {
            assert!(!e.to_string().is_empty());
        }
    }
}

#[test]
fn corrupted_bytes_never_panic() {
    let good = Slice {
        rows: 8,
        cols: 8,
        pixels: vec![5; 64],
        ..Slice::default()
    }
    .bytes();
    let mut seed = 0x2545F4914F6CDD1Du64;
    let mut next = || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    for _ in 0..400 {
        let mut b = good.clone();
        for _ in 0..4 {
            let i = 128 + (next() as usize) % (b.len() - 128);
            b[i] = next() as u8;
        }
        let _ = open_files(vec![InputFile {
            name: "c.dcm".into(),
            bytes: b,
        }]);
    }
}

#[test]
fn rows_and_columns_not_matching_the_data_is_an_error() {
    let s = Slice {
        rows: 64,
        cols: 64,
        pixels: vec![0; 12],
        ..Slice::default()
    };
    let err = open_files(vec![s.file("short.dcm")])
        .unwrap_err()
        .to_string();
    assert!(err.contains("Rows") || err.contains("pixel data"), "{err}");
}

#[test]
fn empty_and_garbage_inputs_are_errors() {
    assert!(open_files(vec![]).is_err());
    assert!(open_files(vec![InputFile {
        name: "e".into(),
        bytes: vec![]
    }])
    .is_err());
    let mut pre = vec![0u8; 128];
    pre.extend_from_slice(b"DICM");
    assert!(open_files(vec![InputFile {
        name: "p".into(),
        bytes: pre
    }])
    .is_err());
}
