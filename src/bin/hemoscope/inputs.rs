//! Command-line inputs → [`InputFile`]s: files as given, folders walked recursively (sorted,
//! hidden entries skipped), zips passed through whole (the library expands them).

use std::path::{Path, PathBuf};

use hemoscope::io::InputFile;

/// Most files read from folders, so a mistaken `/` does not read the whole disk.
const MAX_FILES: usize = 20_000;

fn walk(dir: &Path, out: &mut Vec<PathBuf>) -> Result<(), String> {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(|e| format!("cannot read folder {}: {e}", dir.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            !p.file_name()
                .is_some_and(|n| n.to_string_lossy().starts_with('.'))
        })
        .collect();
    entries.sort();
    for p in entries {
        if out.len() >= MAX_FILES {
            return Err(format!(
                "more than {MAX_FILES} files under {}",
                dir.display()
            ));
        }
        if p.is_dir() {
            walk(&p, out)?;
        } else if p.is_file() {
            out.push(p);
        }
    }
    Ok(())
}

/// Read every file named or found under the folders named.
pub fn read_inputs(paths: &[PathBuf]) -> Result<Vec<InputFile>, String> {
    let mut files = Vec::new();
    for p in paths {
        if p.is_dir() {
            walk(p, &mut files)?;
        } else {
            files.push(p.clone());
        }
    }
    if files.is_empty() {
        return Err("no input files found".into());
    }
    files
        .iter()
        .map(|p| {
            let bytes =
                std::fs::read(p).map_err(|e| format!("cannot read {}: {e}", p.display()))?;
            Ok(InputFile {
                name: p.display().to_string(),
                bytes,
            })
        })
        .collect()
}
