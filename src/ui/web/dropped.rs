//! Files from a drag-and-drop, folders included: dropped folders are walked through the
//! browser's entries API (`webkitGetAsEntry`), so a whole DICOM series folder can be dropped.

use js_sys::{Array, Promise};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{DataTransfer, File, FileSystemDirectoryEntry, FileSystemEntry, FileSystemFileEntry};

/// The entries of a drop. They must be taken while the drop event runs: the browser empties
/// the DataTransfer afterwards. `None` when some item has no entry (then use its file list).
pub fn entries_of(dt: &DataTransfer) -> Option<Vec<FileSystemEntry>> {
    let items = dt.items();
    let mut entries = Vec::with_capacity(items.length() as usize);
    for n in 0..items.length() {
        let entry = items.get(n)?.webkit_get_as_entry().ok()??;
        entries.push(entry);
    }
    if entries.iter().any(FileSystemEntry::is_directory) {
        Some(entries)
    } else {
        None
    }
}

/// Every file under the entries, folders walked depth-first (hidden files skipped).
pub async fn files_under(entries: Vec<FileSystemEntry>) -> Result<Vec<File>, JsValue> {
    let mut stack = entries;
    let mut files = Vec::new();
    while let Some(entry) = stack.pop() {
        if entry.name().starts_with('.') {
            continue;
        }
        if entry.is_file() {
            let file_entry: FileSystemFileEntry = entry.unchecked_into();
            let promise = Promise::new(&mut |resolve, reject| {
                file_entry.file_with_callback_and_callback(&resolve, &reject);
            });
            files.push(JsFuture::from(promise).await?.unchecked_into::<File>());
        } else if entry.is_directory() {
            let dir: FileSystemDirectoryEntry = entry.unchecked_into();
            let reader = dir.create_reader();
            // readEntries returns the folder in batches; an empty batch ends it.
            loop {
                let promise = Promise::new(&mut |resolve, reject| {
                    let _ = reader.read_entries_with_callback_and_callback(&resolve, &reject);
                });
                let batch: Array = JsFuture::from(promise).await?.unchecked_into();
                if batch.length() == 0 {
                    break;
                }
                stack.extend(batch.iter().map(JsCast::unchecked_into::<FileSystemEntry>));
            }
        }
    }
    Ok(files)
}
