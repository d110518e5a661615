//! Any bytes as one DICOM file, and the same bytes twice (series assembly, duplicates),
//! through the intake the app uses.
#![no_main]

use hemoscope::io::{open_files, InputFile};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let file = |name: &str| InputFile {
        name: name.into(),
        bytes: data.to_vec(),
    };
    let _ = open_files(vec![file("a.dcm")]);
    let _ = open_files(vec![file("a.dcm"), file("b.dcm")]);
});
