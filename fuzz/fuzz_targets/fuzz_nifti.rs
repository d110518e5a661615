//! Any bytes through the NIfTI opener (gzip included), with a small memory budget so that the
//! fuzzer explores parsing rather than allocating.
#![no_main]

use hemoscope::io::{open_bytes, open_nifti_with_progress, NiftiOptions};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let options = NiftiOptions {
        memory_budget_bytes: 32 << 20,
    };
    let _ = open_nifti_with_progress(data, &options, &mut |_| {});
    // The format-sniffing entry point too, when the header is small enough to be cheap.
    if data.len() < 4096 {
        let _ = open_bytes("fuzz.nii", data);
    }
});
