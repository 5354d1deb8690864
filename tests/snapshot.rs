//! Snapshots: what `collect` writes, `scan --snapshot` reads; bad lines are reported with
//! their number and skipped; a foreign file is refused.

use iocscan::item::{Item, ItemKind};
use iocscan::snapshot::{SnapshotError, SnapshotReader};
use iocscan::terms::Field;
use std::fs;

const HEADER: &str = r#"{"format":"iocscan-snapshot","version":1,"host":"WIN-7","time":"2026-11-30T10:00:00Z","tool":"iocscan 0.1.0","kinds":["ArpEntry","Port"]}"#;

#[test]
fn bad_lines_are_reported_and_skipped() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("s.jsonl");
    let long = format!(
        "{{\"kind\":\"User\",\"fields\":{{\"UserItem/fullname\":\"{}\"}}}}",
        "a".repeat(iocscan::limits::MAX_SNAPSHOT_LINE_BYTES)
    );
    let text = [
        HEADER,
        r#"{"kind":"User","fields":{"UserItem/Username":"alice"}}"#,
        "{not json",
        r#"{"kind":"User","fields":{"UserItem/userid":"not a number"}}"#,
        &long,
        r#"{"kind":"User","fields":{"UserItem/Nope":1}}"#,
        "",
        r#"{"kind":"User","fields":{"UserItem/Username":"bob"}}"#,
    ]
    .join("\n");
    fs::write(&path, text).expect("write");
    let reader = SnapshotReader::open(&path).expect("header");
    assert_eq!(reader.header().host.as_deref(), Some("WIN-7"));
    assert_eq!(reader.header().kinds, [ItemKind::ArpEntry, ItemKind::Port]);
    let (mut items, mut bad) = (Vec::new(), Vec::new());
    for next in reader {
        match next {
            Ok(item) => items.push(item),
            Err(e) => bad.push((e.line, e.message)),
        }
    }
    let alice = Item::new(ItemKind::User).with(Field::UserUsername, "alice");
    let bob = Item::new(ItemKind::User).with(Field::UserUsername, "bob");
    assert_eq!(items, [alice, bob]);
    let lines: Vec<u64> = bad.iter().map(|(l, _)| *l).collect();
    assert_eq!(lines, [3, 4, 5, 6], "{bad:?}");
    assert!(bad[1].1.contains("integer"), "{}", bad[1].1);
    assert!(bad[2].1.contains("longer than"), "{}", bad[2].1);
    assert!(bad[3].1.contains("UserItem/Nope"), "{}", bad[3].1);
}

#[test]
fn foreign_or_missing_files_are_refused() {
    let dir = tempfile::tempdir().expect("tempdir");
    let cases = [("empty", ""), ("items-only", "{\"kind\":\"User\"}\n"), ("csv", "a,b,c\n")];
    for (name, text) in cases {
        let path = dir.path().join(name);
        fs::write(&path, text).expect("write");
        let err = SnapshotReader::open(&path).expect_err(name);
        assert!(matches!(err, SnapshotError::Header { .. }), "{name}: {err}");
        assert!(err.to_string().contains(name), "{err}");
    }
    let err = SnapshotReader::open(&dir.path().join("missing")).expect_err("missing");
    assert!(matches!(err, SnapshotError::Read { .. }), "{err}");
    let err = SnapshotReader::open(dir.path()).expect_err("a directory");
    assert!(matches!(err, SnapshotError::Read { .. }), "{err}");
}
