//! Bytes -> `parse::parse`: the reader must never panic or hang on any input.
#![no_main]

use libfuzzer_sys::fuzz_target;
use std::path::Path;

fuzz_target!(|data: &[u8]| {
    let _ = iocscan::parse::parse(Path::new("fuzz.ioc"), data);
});
