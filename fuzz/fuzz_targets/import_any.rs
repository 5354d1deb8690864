//! Bytes -> `iocscan::import::read_bytes`, the first byte choosing the reader (Sysmon EVTX or
//! XML, Linux audit, OCSF JSON): telemetry is untrusted input; reading it must never panic
//! nor hang, every item handed on must be counted in the report, and every item must survive
//! the snapshot form (typed by the catalogue) unchanged.
#![no_main]

use iocscan::import::{read_bytes, Format, ImportOptions};
use iocscan::Item;
use libfuzzer_sys::fuzz_target;
use std::path::Path;

fuzz_target!(|data: &[u8]| {
    // libfuzzer-sys's panic hook aborts even on a panic that is caught. The EVTX reader
    // catches the third-party parser's panics by design (a file that makes it panic is
    // reported, not fatal), so the default hook is put back: a panic that escapes the import
    // still unwinds into libfuzzer-sys, which reports it as a crash.
    static HOOK: std::sync::Once = std::sync::Once::new();
    HOOK.call_once(|| drop(std::panic::take_hook()));
    let Some((&selector, input)) = data.split_first() else { return };
    let format = Format::ALL[usize::from(selector) % Format::ALL.len()];
    let mut items: Vec<(Option<String>, Item)> = Vec::new();
    let report =
        read_bytes(format, Path::new("fuzz"), input, &ImportOptions::default(), &mut items);
    assert_eq!(report.item_count(), items.len() as u64);
    for (_, item) in &items {
        let line = iocscan::snapshot::encode_item(item).expect("encode");
        let back: Item = serde_json::from_slice(&line).expect("an imported item reads back");
        assert_eq!(&back, item);
    }
});
