//! Any bytes as a zip archive, extracted under small limits; each extracted entry is sniffed.
#![no_main]

use hemoscope::io::sniff;
use hemoscope::io::zip::{extract, is_zip, ZipLimits};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = is_zip(data);
    let limits = ZipLimits {
        max_entry_bytes: 4 << 20,
        max_total_bytes: 8 << 20,
        max_entries: 256,
    };
    if let Ok((files, _notes)) = extract("fuzz.zip", data, limits) {
        for f in files {
            let _ = sniff(&f.bytes);
        }
    }
});
