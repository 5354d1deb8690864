//! Bytes -> `parse::parse` -> `compile::compile`: whatever the reader accepts must compile
//! without panicking.
#![no_main]

use libfuzzer_sys::fuzz_target;
use std::path::Path;

fuzz_target!(|data: &[u8]| {
    if let Ok(parsed) = iocscan::parse::parse(Path::new("fuzz.ioc"), data) {
        let _ = iocscan::compile::compile(&[parsed.document]);
    }
});
