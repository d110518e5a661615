//! The CLI over the bad-input corpus: every failure is one line `hemoscope: <message>` on
//! stderr with a non-zero exit, and nothing panics.

mod dicom_support;
mod support;

use std::process::Command;

use support::corpus::{cases, Expect};

#[test]
fn cli_info_fails_with_one_line_and_never_panics() {
    let dir = std::path::PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("cli_bad_{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let mut failures = 0;
    for case in cases() {
        let file = &case.files[0];
        let path = dir.join(format!("{}_{}", case.name, file.name.replace('/', "_")));
        std::fs::write(&path, &file.bytes).unwrap();
        let out = Command::new(env!("CARGO_BIN_EXE_hemoscope"))
            .arg("info")
            .arg(&path)
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            !stderr.contains("panicked") && out.status.code().is_some(),
            "{}: crashed: {stderr}",
            case.name
        );
        if out.status.success() {
            assert!(
                !matches!(case.expect, Expect::Error(_)) || case.files.len() > 1,
                "{}: succeeded but must fail",
                case.name
            );
            continue;
        }
        failures += 1;
        assert_eq!(out.status.code(), Some(1), "{}: {stderr}", case.name);
        let lines: Vec<&str> = stderr.lines().collect();
        assert_eq!(lines.len(), 1, "{}: not one line: {stderr}", case.name);
        assert!(
            lines[0].starts_with("hemoscope: ") && lines[0].len() > 20,
            "{}: {stderr}",
            case.name
        );
    }
    assert!(failures >= 30, "only {failures} failures");
    let _ = std::fs::remove_dir_all(&dir);
}
