//! Bytes -> `snapshot::SnapshotReader`: a snapshot comes from another host or an old file and
//! is untrusted; reading it must never panic, and every line either yields a typed item or a
//! line error, never both, until the end.
#![no_main]

use iocscan::snapshot::SnapshotReader;
use libfuzzer_sys::fuzz_target;
use std::path::Path;

fuzz_target!(|data: &[u8]| {
    if let Ok(reader) = SnapshotReader::new(data, Path::new("fuzz.jsonl")) {
        for item in reader {
            if let Ok(item) = item {
                // Whatever was accepted serialises again.
                let _ = iocscan::snapshot::encode_item(&item);
            }
        }
    }
});
