//! Write the bad-input corpus (tests/support/corpus.rs) to a folder, for the browser test and
//! as fuzzing seeds: `cargo run --example bad_corpus -- OUT_DIR`.
//!
//! Layout: `OUT_DIR/<case>/<file>` for every case and `OUT_DIR/manifest.json` listing
//! `{ name, family, files: [relative paths], expect: "error" | "warn" | "opens",
//! fragments: [..] }`.

#[path = "../tests/dicom_support/mod.rs"]
mod dicom_support;
#[path = "../tests/support/mod.rs"]
mod support;

use std::path::PathBuf;

use support::corpus::{cases, Expect};

fn main() {
    let Some(out) = std::env::args().nth(1).map(PathBuf::from) else {
        eprintln!("bad_corpus: usage: bad_corpus OUT_DIR");
        std::process::exit(2);
    };
    if let Err(e) = write_all(&out) {
        eprintln!("bad_corpus: {e}");
        std::process::exit(1);
    }
}

fn write_all(out: &std::path::Path) -> std::io::Result<()> {
    let mut manifest = Vec::new();
    for case in cases() {
        let dir = out.join(case.name);
        std::fs::create_dir_all(&dir)?;
        let mut files = Vec::new();
        for f in &case.files {
            let name = f.name.replace(['/', '\\'], "_");
            std::fs::write(dir.join(&name), &f.bytes)?;
            files.push(format!("{}/{name}", case.name));
        }
        let (expect, fragments): (&str, Vec<&str>) = match case.expect {
            Expect::Error(f) => ("error", f.to_vec()),
            Expect::Warn(w) => ("warn", vec![w]),
            Expect::Opens => ("opens", vec![]),
        };
        manifest.push(serde_json::json!({
            "name": case.name,
            "family": case.family,
            "files": files,
            "expect": expect,
            "fragments": fragments,
        }));
    }
    let text = serde_json::to_string_pretty(&manifest).map_err(std::io::Error::other)?;
    std::fs::write(out.join("manifest.json"), text)?;
    println!("{} cases written to {}", manifest.len(), out.display());
    Ok(())
}
