//! Bytes -> `bundle::decode`: a bundle is a file anyone can hand to `scan`; decoding must
//! never panic nor allocate beyond what the input pays for, and what decodes compiles and
//! writes back to a bundle that decodes to the same collection.
//!
//! The input is also tried as a body behind a valid header (magic, version, its own SHA-256
//! and length), so that the fuzzer spends its time in the body, past the digest check.
#![no_main]

use iocscan::bundle::{self, BUNDLE_VERSION, MAGIC};
use libfuzzer_sys::fuzz_target;
use sha2::{Digest, Sha256};

fuzz_target!(|data: &[u8]| {
    check(data);
    let mut bytes = MAGIC.to_vec();
    bytes.extend_from_slice(&BUNDLE_VERSION.to_le_bytes());
    bytes.extend_from_slice(&Sha256::digest(data));
    bytes.extend_from_slice(&(data.len() as u64).to_le_bytes());
    bytes.extend_from_slice(data);
    check(&bytes);
});

fn check(bytes: &[u8]) {
    let Ok(b) = bundle::decode(bytes) else { return };
    let _ = iocscan::compile(&b.loaded.documents);
    let mut again = Vec::new();
    bundle::write(&b.loaded, &b.sources, &mut again).expect("writes to memory");
    let back = bundle::decode(&again).expect("a written bundle decodes");
    assert_eq!(back.loaded.documents, b.loaded.documents);
    assert_eq!(back.loaded.diagnostics, b.loaded.diagnostics);
}
