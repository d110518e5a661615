//! Simple CSV files (a header row, comma-separated cells, no quoted commas), as the dataset
//! folders use.

use std::collections::HashMap;
use std::path::Path;

/// Rows of a simple CSV as header → value maps (cells trimmed, blank lines skipped).
pub fn read_csv(path: &Path) -> Result<Vec<HashMap<String, String>>, String> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    let mut lines = text.lines();
    let header: Vec<String> = lines
        .next()
        .ok_or_else(|| format!("{} is empty", path.display()))?
        .trim_start_matches('\u{feff}')
        .split(',')
        .map(|s| s.trim().to_string())
        .collect();
    Ok(lines
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            header
                .iter()
                .cloned()
                .zip(l.split(',').map(|s| s.trim().to_string()))
                .collect()
        })
        .collect())
}
