//! The Arrow batch entry point through the public API: batches built as a Python user builds
//! them (pyarrow's natural types) give exactly the report of the same items as `Item`s.

mod common;

use arrow_array::builder::{ListBuilder, StringBuilder, StringDictionaryBuilder};
use arrow_array::types::Int16Type;
use arrow_array::{
    ArrayRef, Int32Array, LargeStringArray, RecordBatch, StringArray, TimestampMillisecondArray,
};
use common::ioc11;
use iocscan::eval::HostScan;
use iocscan::item::{Item, ItemKind, Record, Value};
use iocscan::snapshot::parquet::batch::add_batch;
use iocscan::terms::Field;
use iocscan::Ruleset;
use std::sync::Arc;

const SHA: &str = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

fn ruleset() -> Ruleset {
    let iocs = [
        // Host-wide AND of two kinds: both batches are needed.
        ioc11(
            "and",
            "AND",
            &[("FileItem/Sha256sum", "is", SHA), ("ProcessItem/name", "is", "evil")],
        ),
        ioc11("size", "OR", &[("FileItem/SizeInBytes", "greater-than", "1000")]),
        ioc11("args", "OR", &[("ProcessItem/arguments", "contains", "--beacon")]),
        // A term no batch has a column for: undetermined.
        ioc11("md5", "OR", &[("FileItem/Md5sum", "is", "d41d8cd98f00b204e9800998ecf8427e")]),
    ];
    common::compiled(&iocs)
}

fn files() -> RecordBatch {
    let mut paths = StringDictionaryBuilder::<Int16Type>::new();
    for p in ["/srv/a", "/srv/b", "/srv/c"] {
        paths.append_value(p);
    }
    let columns: Vec<(&str, ArrayRef)> = vec![
        ("host", Arc::new(StringArray::from(vec![Some("web1"), Some("web1"), None]))),
        ("FileItem/FullPath", Arc::new(paths.finish())),
        ("FileItem/Sha256sum", Arc::new(LargeStringArray::from(vec![Some(SHA), None, Some("00")]))),
        ("FileItem/SizeInBytes", Arc::new(Int32Array::from(vec![Some(10), Some(5000), None]))),
        ("owner_team", Arc::new(StringArray::from(vec!["x", "y", "z"]))),
    ];
    RecordBatch::try_from_iter(columns).expect("batch")
}

fn processes() -> RecordBatch {
    let mut strings = ListBuilder::new(StringBuilder::new());
    strings.values().append_value("MZ");
    strings.append(true);
    strings.append(true);
    let columns: Vec<(&str, ArrayRef)> = vec![
        ("ProcessItem/name", Arc::new(StringArray::from(vec!["evil", "sshd"]))),
        ("ProcessItem/arguments", Arc::new(StringArray::from(vec!["--beacon 1", "-D"]))),
        ("ProcessItem/StringList/string", Arc::new(strings.finish())),
        (
            "time",
            Arc::new(
                TimestampMillisecondArray::from(vec![Some(1_700_000_000_123), None])
                    .with_timezone("Europe/Paris"),
            ),
        ),
        ("source", Arc::new(StringArray::from(vec![Some("edr"), None]))),
    ];
    RecordBatch::try_from_iter(columns).expect("batch")
}

fn items() -> Vec<Item> {
    let time = chrono::DateTime::from_timestamp_millis(1_700_000_000_123);
    vec![
        Item::new(ItemKind::File)
            .with(Field::FileFullPath, "/srv/a")
            .with(Field::FileSha256sum, SHA)
            .with(Field::FileSizeInBytes, 10i64),
        Item::new(ItemKind::File)
            .with(Field::FileFullPath, "/srv/b")
            .with(Field::FileSizeInBytes, 5000i64),
        Item::new(ItemKind::File)
            .with(Field::FileFullPath, "/srv/c")
            .with(Field::FileSha256sum, "00"),
        Item::new(ItemKind::Process)
            .with(Field::ProcessName, "evil")
            .with(Field::ProcessArguments, "--beacon 1")
            .with(Field::ProcessStringListString, Value::List(vec!["MZ".into()]))
            .with_record(Record { time, source: Some("edr".into()) }),
        Item::new(ItemKind::Process)
            .with(Field::ProcessName, "sshd")
            .with(Field::ProcessArguments, "-D")
            .with(Field::ProcessStringListString, Value::List(vec![])),
    ]
}

#[test]
fn batches_give_the_report_of_the_same_items() {
    let ruleset = ruleset();
    let from_items = HostScan::new(&ruleset, "web1");
    from_items.add("web1", &items()).expect("same host");
    let expected = from_items.finish();

    let from_batches = HostScan::new(&ruleset, "web1");
    let files = add_batch(&from_batches, ItemKind::File, &files()).expect("files");
    assert_eq!((files.rows, files.added, files.skipped), (3, 3, 0));
    assert_eq!(files.ignored.len(), 1, "{:?}", files.ignored);
    let processes = add_batch(&from_batches, ItemKind::Process, &processes()).expect("processes");
    assert_eq!((processes.added, processes.skipped), (2, 0));
    let report = from_batches.finish();

    assert_eq!(report, expected);
    let detected: Vec<&str> = report.cards.iter().map(|c| c.id.as_str()).collect();
    assert_eq!(detected, ["and", "size", "args"]);
    assert_eq!(report.stats.recorded[&ItemKind::Process].records, 1);
}

#[test]
fn a_batch_of_another_host_is_refused_before_anything_is_evaluated() {
    let ruleset = ruleset();
    let scan = HostScan::new(&ruleset, "db1");
    let err = add_batch(&scan, ItemKind::File, &files()).expect_err("web1 rows");
    assert_eq!(err.code(), "partial-wrong-host");
    assert_eq!(scan.finish().stats.items, [0; ItemKind::COUNT]);
}
