//! Bytes -> a Parquet snapshot folder's `File.parquet` -> `snapshot::parquet` reader: files
//! from other tools or other hosts are untrusted; reading must never panic, hang or allocate
//! without bound, and every problem must come out as a typed error with the file's path.
//!
//! The reader turns a panic of the Parquet decoder (a decoder bug a hostile file reaches) into
//! that file's error: such panics are quieted here (libFuzzer's hook would abort on them),
//! while a panic escaping the reader still fails the target.
//!
//! Odd first bytes patch a valid file (written once by `ParquetWriter`) at the offsets the
//! rest of the input names, so that the fuzzer reaches the page and value decoders, not only
//! the footer check; even ones give the bytes as they are.
#![no_main]

use iocscan::item::{Item, ItemKind, Value};
use iocscan::snapshot::parquet::{HostHeader, ParquetSnapshot, ParquetWriter, Projection};
use iocscan::Field;
use libfuzzer_sys::fuzz_target;
use std::sync::OnceLock;

/// A small valid File.parquet: two hosts, strings, integers, a date, a list-less kind.
fn valid() -> &'static [u8] {
    static BYTES: OnceLock<Vec<u8>> = OnceLock::new();
    BYTES.get_or_init(|| {
        let dir = tempfile::tempdir().expect("tempdir");
        let folder = dir.path().join("s");
        let mut w = ParquetWriter::create(&folder).expect("writer");
        for host in ["a", "b"] {
            let kinds = vec![ItemKind::File];
            let header =
                HostHeader { host: host.into(), time: "t".into(), tool: "f".into(), kinds };
            w.begin_host(header).expect("host");
            for i in 0..20i64 {
                let date = chrono::DateTime::from_timestamp(1_700_000_000 + i, 0).expect("date");
                let item = Item::new(ItemKind::File)
                    .with(Field::FileFullPath, format!("/x/{host}{i}"))
                    .with(Field::FileSizeInBytes, i)
                    .with(Field::FileModified, Value::Date(date));
                w.write(&item).expect("item");
            }
        }
        w.finish().expect("finish");
        std::fs::read(folder.join("File.parquet")).expect("read")
    })
}

fuzz_target!(|data: &[u8]| {
    static QUIET: OnceLock<()> = OnceLock::new();
    QUIET.get_or_init(|| std::panic::set_hook(Box::new(|_| {})));
    let bytes = match data.split_first() {
        Some((first, patches)) if first & 1 == 1 => {
            let mut bytes = valid().to_vec();
            for p in patches.chunks_exact(3) {
                let at = usize::from(u16::from_le_bytes([p[0], p[1]])) % bytes.len();
                bytes[at] = p[2];
            }
            bytes
        }
        _ => data.to_vec(),
    };
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(dir.path().join("File.parquet"), &bytes).expect("write");
    let Ok(snapshot) = ParquetSnapshot::open(dir.path()) else { return };
    let mut hosts = snapshot.hosts(&Projection::all());
    for e in hosts.take_open_errors() {
        assert!(e.path().is_some(), "{e}");
    }
    for host in hosts.by_ref() {
        assert!(host.errors.len() as u64 <= host.error_count);
        for item in &host.items {
            // Whatever was accepted serialises again.
            let _ = iocscan::snapshot::encode_item(item);
        }
    }
});
