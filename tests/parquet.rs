//! Parquet snapshots: the same items in JSON Lines and in Parquet give the same reports
//! (through the library and the command), conversions round-trip, the reader reads only the
//! projection, and hostile folders are reported file by file.

mod common;

use arrow_array::builder::{Int64Builder, StringBuilder};
use arrow_array::{ArrayRef, RecordBatch};
use arrow_schema::{Field as ArrowField, Schema};
use common::{ioc11, iocscan, write};
use iocscan::driver::{self, ScanOptions, ScanReport};
use iocscan::item::{Item, ItemKind};
use iocscan::snapshot::parquet::{
    self, jsonl_to_parquet, parquet_to_jsonl, HostHeader, ParquetSnapshot, ParquetWriter,
    Projection,
};
use iocscan::snapshot::{Header, SnapshotReader, SnapshotWriter};
use serde::Deserialize;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// The report as JSON, without what may differ between two reads of the same items: the
/// timing, and the file names in errors.
fn comparable(report: &ScanReport) -> serde_json::Value {
    let mut v = serde_json::to_value(report).expect("json");
    v["summary"]["elapsed_seconds"] = 0.into();
    if let Some(errors) = v["errors"].as_array_mut() {
        for e in errors {
            e["subject"] = "".into();
        }
    }
    v
}

#[derive(Deserialize)]
struct Sample {
    #[serde(default)]
    uncollected: Vec<ItemKind>,
    items: Vec<Item>,
}

fn samples() -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("ioc-samples");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("ioc-samples")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|x| x == "ioc"))
        .collect();
    files.sort();
    files
}

fn write_jsonl(path: &Path, host: &str, kinds: Vec<ItemKind>, items: &[Item]) {
    let header = Header::new(Some(host.into()), chrono::Utc::now(), kinds);
    let file = std::fs::File::create(path).expect("create");
    let mut w = SnapshotWriter::new(std::io::BufWriter::new(file), &header).expect("header");
    items.iter().for_each(|i| w.write_item(i).expect("item"));
    w.finish().expect("finish");
}

#[test]
fn every_sample_gives_the_same_report_from_json_lines_and_parquet() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut kinds_seen = std::collections::BTreeSet::new();
    let (mut records, mut lists, mut cards) = (0, 0, 0);
    for (n, ioc) in samples().iter().enumerate() {
        let sample: Sample = serde_json::from_str(
            &std::fs::read_to_string(ioc.with_extension("items.json")).expect("items"),
        )
        .expect("sample");
        let kinds: Vec<ItemKind> =
            ItemKind::ALL.into_iter().filter(|k| !sample.uncollected.contains(k)).collect();
        let jsonl = dir.path().join(format!("{n}.jsonl"));
        write_jsonl(&jsonl, "host-1", kinds, &sample.items);
        let folder = dir.path().join(format!("{n}.parquet.d"));
        let converted = jsonl_to_parquet(std::slice::from_ref(&jsonl), &folder).expect("convert");
        assert_eq!(converted.problem_count, 0, "{}: {:?}", ioc.display(), converted.problems);
        let loaded = iocscan::load_ruleset(&[ioc]);
        let ids: Vec<String> = loaded.ruleset.iocs().map(|i| i.id.clone()).collect();
        let options = ScanOptions { explain: ids, ..ScanOptions::default() };
        let from_jsonl = driver::scan_snapshot(&loaded.ruleset, &jsonl, &options).expect("jsonl");
        let from_parquet =
            driver::scan_snapshot(&loaded.ruleset, &folder, &options).expect("parquet");
        assert_eq!(
            comparable(&from_jsonl),
            comparable(&from_parquet),
            "{}: JSON Lines and Parquet differ",
            ioc.display()
        );
        assert_eq!(from_parquet.host.as_deref(), Some("host-1"));
        cards += from_parquet.cards.len();
        // The projected read gives what a read of every column gives.
        let snapshot = ParquetSnapshot::open(&folder).expect("open");
        let full = snapshot.hosts(&Projection::all()).next().expect("host");
        let full = driver::scan_host_items(&loaded.ruleset, full, &folder, &options);
        assert_eq!(comparable(&full), comparable(&from_parquet), "{}", ioc.display());
        for item in &sample.items {
            kinds_seen.insert(item.kind());
            records += usize::from(item.record().is_some());
            lists += item.values().filter(|(f, _)| f.term().many).count();
        }
    }
    // The samples cover events with records, list columns and most kinds.
    assert!(records > 0 && lists > 0, "records {records}, lists {lists}");
    assert!(cards >= 20, "{cards} cards");
    assert!(kinds_seen.len() >= 8, "{kinds_seen:?}");
}

#[test]
fn json_lines_round_trip_through_parquet() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut inputs = Vec::new();
    let mut all: Vec<(String, Item)> = Vec::new();
    for (n, ioc) in samples().iter().enumerate().take(40) {
        let sample: Sample = serde_json::from_str(
            &std::fs::read_to_string(ioc.with_extension("items.json")).expect("items"),
        )
        .expect("sample");
        // Hosts out of order, and two files of one host: the converter sorts and merges.
        let host = format!("host-{}", (40 - n) % 7);
        let path = dir.path().join(format!("{n}.jsonl"));
        write_jsonl(&path, &host, vec![ItemKind::File], &sample.items);
        all.extend(sample.items.into_iter().map(|i| (host.clone(), i)));
        inputs.push(path);
    }
    let folder = dir.path().join("pq");
    let report = jsonl_to_parquet(&inputs, &folder).expect("to parquet");
    assert_eq!(report.hosts, 7);
    let back = dir.path().join("back");
    let report = parquet_to_jsonl(&folder, &back).expect("to jsonl");
    assert_eq!((report.hosts, report.problem_count), (7, 0));
    let mut round: Vec<(String, Item)> = Vec::new();
    for path in &report.outputs {
        let reader = SnapshotReader::open(path).expect("open");
        let host = reader.header().host.clone().expect("host");
        assert!(reader.header().kinds.contains(&ItemKind::File));
        round.extend(reader.map(|i| (host.clone(), i.expect("item"))));
    }
    let key = |(h, i): &(String, Item)| (h.clone(), serde_json::to_string(i).expect("json"));
    let mut want: Vec<_> = all.iter().map(key).collect();
    let mut got: Vec<_> = round.iter().map(key).collect();
    want.sort();
    got.sort();
    assert_eq!(got, want);
}

#[test]
fn hosts_come_sorted_with_their_own_kinds() {
    let dir = tempfile::tempdir().expect("tempdir");
    let folder = dir.path().join("fleet");
    let mut w = ParquetWriter::create(&folder).expect("create");
    let file = |name: &str| Item::new(ItemKind::File).with(iocscan::Field::FileFileName, name);
    let header = |host: &str, kinds: Vec<ItemKind>| HostHeader {
        host: host.into(),
        time: "2026-12-01T00:00:00Z".into(),
        tool: "test".into(),
        kinds,
    };
    w.begin_host(header("alpha", vec![ItemKind::File, ItemKind::User])).expect("alpha");
    w.write(&file("a.exe")).expect("write");
    w.begin_host(header("beta", vec![ItemKind::Process])).expect("beta");
    w.begin_host(header("gamma", vec![ItemKind::File])).expect("gamma");
    w.write(&file("g1")).expect("write");
    w.write(&file("g2")).expect("write");
    assert!(w.begin_host(header("alpha", vec![])).is_err(), "hosts must increase");
    w.finish().expect("finish");
    assert!(folder.join("File.parquet").is_file() && folder.join("User.parquet").is_file());
    assert!(folder.join("Process.parquet").is_file(), "collected, no items: an empty file");
    let snapshot = ParquetSnapshot::open(&folder).expect("open");
    let hosts: Vec<_> = snapshot.hosts(&Projection::all()).collect();
    let names: Vec<&str> = hosts.iter().map(|h| h.host.as_str()).collect();
    assert_eq!(names, ["alpha", "beta", "gamma"]);
    assert_eq!(hosts[0].kinds, [ItemKind::File, ItemKind::User]);
    assert_eq!(hosts[1].kinds, [ItemKind::Process]);
    assert!(hosts[1].items.is_empty());
    assert_eq!(hosts[2].items, [file("g1"), file("g2")]);
    // Only the hosts and kinds are read when nothing is projected.
    let bare: Vec<_> = snapshot.hosts(&Projection::none()).collect();
    assert!(bare.iter().all(|h| h.items.is_empty()));
    // Several hosts are not one host's scan.
    let loaded = iocscan::load_ruleset(&[
        Path::new(env!("CARGO_MANIFEST_DIR")).join("ioc-samples/item-scoped-one-file.ioc")
    ]);
    let err = driver::scan_snapshot(&loaded.ruleset, &folder, &ScanOptions::default())
        .expect_err("three hosts");
    assert!(err.to_string().contains("3 hosts"), "{err}");
}

/// Writes a Parquet file of arbitrary columns (as another tool would).
fn foreign_file(path: &Path, columns: Vec<(&str, ArrayRef)>) {
    let fields: Vec<ArrowField> = columns
        .iter()
        .map(|(name, a)| ArrowField::new(*name, a.data_type().clone(), true))
        .collect();
    let batch = RecordBatch::try_new(
        Arc::new(Schema::new(fields)),
        columns.into_iter().map(|(_, a)| a).collect(),
    )
    .expect("batch");
    let file = std::fs::File::create(path).expect("create");
    let mut w = ::parquet::arrow::ArrowWriter::try_new(file, batch.schema(), None).expect("writer");
    w.write(&batch).expect("write");
    w.close().expect("close");
}

fn strings(values: &[Option<&str>]) -> ArrayRef {
    let mut b = StringBuilder::new();
    values.iter().for_each(|v| b.append_option(*v));
    Arc::new(b.finish())
}

#[test]
fn hostile_columns_rows_and_files_are_reported_and_the_rest_is_read() {
    let dir = tempfile::tempdir().expect("tempdir");
    let folder = dir.path().join("foreign");
    std::fs::create_dir(&folder).expect("mkdir");
    // File.parquet: sizes as text (a mistyped column), an unknown column, a null host, an
    // address that does not parse in a Port column elsewhere, nulls as absent fields.
    let mut sizes = Int64Builder::new();
    [Some(1), None, Some(3), Some(4)].iter().for_each(|v| sizes.append_option(*v));
    foreign_file(
        &folder.join("File.parquet"),
        vec![
            ("host", strings(&[Some("h"), Some("h"), None, Some("h")])),
            ("FileItem/FileName", strings(&[Some("evil.exe"), None, Some("x"), Some("ok.txt")])),
            ("FileItem/SizeInBytes", strings(&[Some("1"), Some("2"), Some("3"), Some("4")])),
            ("FileItem/INode", Arc::new(sizes.finish())),
            ("Nope/Column", strings(&[Some("a"), Some("b"), Some("c"), Some("d")])),
        ],
    );
    foreign_file(
        &folder.join("Port.parquet"),
        vec![
            ("host", strings(&[Some("h"), Some("h")])),
            ("PortItem/remoteIP", strings(&[Some("203.0.113.7"), Some("not an address")])),
        ],
    );
    // A corrupt file and a file with rows out of host order.
    std::fs::write(folder.join("User.parquet"), b"PAR1 this is not parquet PAR1").expect("user");
    std::fs::create_dir(folder.join("Process")).expect("mkdir");
    foreign_file(
        &folder.join("Process/part-0.parquet"),
        vec![
            ("host", strings(&[Some("h"), Some("a")])),
            ("ProcessItem/name", strings(&[Some("p1"), Some("p2")])),
        ],
    );
    let snapshot = ParquetSnapshot::open(&folder).expect("open");
    assert_eq!(snapshot.manifest(), None);
    let mut hosts = snapshot.hosts(&Projection::all());
    let open_errors: Vec<String> = hosts.take_open_errors().iter().map(|e| e.to_string()).collect();
    let joined = open_errors.join("\n");
    assert!(joined.contains("User.parquet"), "{joined}");
    assert!(joined.contains("column `FileItem/SizeInBytes` ignored"), "{joined}");
    assert!(joined.contains("column `Nope/Column` ignored"), "{joined}");
    let host = hosts.next().expect("host h");
    assert_eq!(host.host, "h");
    assert!(hosts.next().is_none());
    let texts: Vec<String> = host.errors.iter().map(|e| e.to_string()).collect();
    let joined = texts.join("\n");
    assert!(joined.contains("File.parquet: row 3: the host is null"), "{joined}");
    assert!(joined.contains("Port.parquet: row 2") && joined.contains("IP address"), "{joined}");
    assert!(joined.contains("part-0.parquet") && joined.contains("not sorted"), "{joined}");
    let codes: Vec<&str> = host.errors.iter().map(|e| e.code()).collect();
    assert!(codes.contains(&"parquet-row") && codes.contains(&"parquet-file"), "{codes:?}");
    // Without a header every kind with a healthy file counts as collected.
    assert_eq!(host.kinds, [ItemKind::File, ItemKind::Port]);
    let files: Vec<&Item> = host.items.iter().filter(|i| i.kind() == ItemKind::File).collect();
    assert_eq!(files.len(), 3);
    assert_eq!(files[1].values().count(), 0, "nulls are absent fields");
    assert_eq!(files[0].get(iocscan::Field::FileINode), Some(&1.into()));
    assert!(files.iter().all(|f| f.get(iocscan::Field::FileSizeInBytes).is_none()));

    // Through the command: the scan goes on, a detection on the healthy rows, the
    // broken and ignored parts reported with their files.
    let iocs = dir.path().join("iocs");
    std::fs::create_dir(&iocs).expect("mkdir");
    write(&iocs, "evil.ioc", &ioc11("evil", "OR", &[("FileItem/FileName", "is", "evil.exe")]));
    let users = [("UserItem/Username", "is", "mallory")];
    write(&iocs, "user.ioc", &ioc11("user", "OR", &users));
    let out = iocscan()
        .args(["scan", "--format", "json", "--snapshot"])
        .arg(&folder)
        .arg(&iocs)
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(1), "{}", String::from_utf8_lossy(&out.stderr));
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(doc["cards"][0]["id"], "evil");
    assert_eq!(doc["summary"]["not_collected"], serde_json::json!(["User"]), "{doc}");
    let errors = doc["errors"].to_string();
    assert!(errors.contains("User.parquet"), "{errors}");
    let user = doc["results"].as_array().expect("results").iter().find(|r| r["id"] == "user");
    assert_eq!(user.expect("user")["verdict"], "undetermined");
}

#[test]
fn foreign_or_broken_folders_are_refused_with_their_path() {
    let dir = tempfile::tempdir().expect("tempdir");
    let empty = dir.path().join("empty");
    std::fs::create_dir(&empty).expect("mkdir");
    let err = ParquetSnapshot::open(&empty).expect_err("empty");
    assert!(err.to_string().contains("empty") && err.code() == "parquet-open", "{err}");
    let bad = dir.path().join("bad");
    std::fs::create_dir(&bad).expect("mkdir");
    std::fs::write(
        bad.join("snapshot.json"),
        r#"{"format":"iocscan-parquet-snapshot","version":9,"tool":"x","hosts":[]}"#,
    )
    .expect("write");
    let err = ParquetSnapshot::open(&bad).expect_err("version");
    assert!(err.to_string().contains("version 9"), "{err}");
    assert_eq!(err.code(), "parquet-manifest");
    // A kind the header declares whose file is gone: not collected, and said.
    let gone = dir.path().join("gone");
    let mut w = ParquetWriter::create(&gone).expect("create");
    w.begin_host(HostHeader {
        host: "h".into(),
        time: "2026-12-01T00:00:00Z".into(),
        tool: "t".into(),
        kinds: vec![ItemKind::User],
    })
    .expect("host");
    w.finish().expect("finish");
    std::fs::remove_file(gone.join("User.parquet")).expect("rm");
    let snapshot = ParquetSnapshot::open(&gone).expect("open");
    let mut hosts = snapshot.hosts(&Projection::all());
    let errors = hosts.take_open_errors();
    assert!(errors[0].to_string().contains("User.parquet: missing"), "{}", errors[0]);
    assert!(hosts.next().expect("h").kinds.is_empty());
    // Writing into a folder that holds files is refused.
    assert!(ParquetWriter::create(&gone).is_err());
}

#[test]
fn collect_in_both_formats_then_scan_gives_the_same_report() {
    let dir = tempfile::tempdir().expect("tempdir");
    let host = dir.path().join("host");
    std::fs::create_dir_all(host.join("a")).expect("mkdir");
    write(&host.join("a"), "evil.exe", "evil payload");
    write(&host, "notes.txt", "notes");
    let iocs = dir.path().join("iocs");
    std::fs::create_dir(&iocs).expect("mkdir");
    use sha2::Digest;
    let evil = hex::encode(sha2::Sha256::digest(b"evil payload"));
    let both = [("FileItem/FileName", "is", "evil.exe"), ("FileItem/Sha256sum", "is", &*evil)];
    write(&iocs, "both.ioc", &ioc11("name-and-hash", "AND", &both));
    write(&iocs, "ext.ioc", &ioc11("ext", "OR", &[("FileItem/FileExtension", "is", "txt")]));
    write(&iocs, "proc.ioc", &ioc11("proc", "OR", &[("ProcessItem/name", "is", "no-such")]));
    let jsonl = dir.path().join("snap.jsonl");
    let folder = dir.path().join("snap");
    for (format, out) in [("jsonl", &jsonl), ("parquet", &folder)] {
        iocscan()
            .args(["collect", "--quiet", "--items", "file,user", "--hash", "--format", format])
            .arg("--path")
            .arg(&host)
            .arg("-o")
            .arg(out)
            .assert()
            .code(0);
    }
    assert!(folder.join("File.parquet").is_file() && folder.join("snapshot.json").is_file());
    let scan = |snapshot: &Path| {
        let out = iocscan()
            .args(["scan", "--quiet", "--format", "json", "--snapshot"])
            .arg(snapshot)
            .arg(&iocs)
            .output()
            .expect("run");
        assert_eq!(out.status.code(), Some(1), "{}", String::from_utf8_lossy(&out.stderr));
        let mut doc: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
        doc["summary"]["elapsed_seconds"] = 0.into();
        for e in doc["errors"].as_array_mut().expect("errors") {
            e["subject"] = "".into();
        }
        doc
    };
    let (a, b) = (scan(&jsonl), scan(&folder));
    assert_eq!(a, b);
    let ids: Vec<&str> =
        a["cards"].as_array().expect("cards").iter().filter_map(|c| c["id"].as_str()).collect();
    assert_eq!(ids, ["name-and-hash", "ext"]);
    assert_eq!(a["summary"]["not_collected"], serde_json::json!(["Process"]));

    // `snapshot convert`, both ways, through the command.
    let back = dir.path().join("back.jsonl");
    iocscan()
        .args(["snapshot", "convert", "-q"])
        .arg(&folder)
        .arg("-o")
        .arg(&back)
        .assert()
        .code(0);
    let again = dir.path().join("again");
    iocscan().args(["snapshot", "convert", "-q"]).arg(&back).arg("-o").arg(&again).assert().code(0);
    assert_eq!(scan(&back), a);
    assert_eq!(scan(&again), a);
}

#[test]
fn projection_names_tested_and_card_fields_only() {
    let dir = tempfile::tempdir().expect("tempdir");
    let hash = "a".repeat(64);
    write(dir.path(), "h.ioc", &ioc11("h", "OR", &[("FileItem/Sha256sum", "is", &hash)]));
    let loaded = iocscan::load_ruleset(&[dir.path()]);
    let p = loaded.ruleset.projection(ItemKind::File);
    let names: Vec<&str> = p.iter().map(|f| f.name()).collect();
    let cards: Vec<&str> =
        iocscan::terms::of_kind(ItemKind::File).filter(|t| t.card).map(|t| t.name).collect();
    assert!(names.contains(&"FileItem/Sha256sum"));
    assert!(cards.iter().all(|c| names.contains(c)), "{names:?}");
    assert_eq!(names.len(), cards.len(), "{names:?}");
    assert!(loaded.ruleset.projection(ItemKind::Process).is_empty());
    assert!(Projection::of_ruleset(&loaded.ruleset).reads(ItemKind::File));
    assert_eq!(parquet::kind_file_name(ItemKind::ProcessEvent), "processEvent.parquet");
}

#[test]
fn other_writers_types_are_read_as_their_terms() {
    use arrow_array::builder::{LargeListBuilder, LargeStringBuilder, StringDictionaryBuilder};
    use arrow_array::types::Int32Type;
    use arrow_array::{TimestampNanosecondArray, UInt32Array, UInt64Array};
    let dir = tempfile::tempdir().expect("tempdir");
    let folder = dir.path().join("pyarrow-like");
    std::fs::create_dir(&folder).expect("mkdir");
    let mut hosts = StringDictionaryBuilder::<Int32Type>::new();
    ["h", "h"].iter().for_each(|h| hosts.append_value(h));
    let mut names = LargeStringBuilder::new();
    names.append_value("alice");
    names.append_value("bob");
    let mut groups = LargeListBuilder::new(StringBuilder::new());
    groups.values().append_value("wheel");
    groups.values().append_value("users");
    groups.append(true);
    groups.values().append_null();
    groups.append(true);
    let login = TimestampNanosecondArray::from(vec![Some(1_700_000_000_123_456_789), None])
        .with_timezone("+02:00");
    foreign_file(
        &folder.join("User.parquet"),
        vec![
            ("host", Arc::new(hosts.finish())),
            ("UserItem/Username", Arc::new(names.finish())),
            ("UserItem/userid", Arc::new(UInt64Array::from(vec![1000, u64::MAX]))),
            ("UserItem/LastLogin", Arc::new(login)),
            ("UserItem/grouplist/groupname", Arc::new(groups.finish())),
        ],
    );
    // A sub-list column: a null entry is an element without a value.
    let mut handles = LargeListBuilder::new(StringBuilder::new());
    handles.values().append_value("/etc/passwd");
    handles.values().append_null();
    handles.append(true);
    foreign_file(
        &folder.join("Process.parquet"),
        vec![
            ("host", strings(&[Some("h")])),
            ("ProcessItem/pid", Arc::new(UInt32Array::from(vec![42]))),
            ("ProcessItem/HandleList/Handle/Name", Arc::new(handles.finish())),
        ],
    );
    let snapshot = ParquetSnapshot::open(&folder).expect("open");
    let mut hosts = snapshot.hosts(&Projection::all());
    assert!(hosts.take_open_errors().is_empty());
    let host = hosts.next().expect("h");
    let texts: Vec<String> = host.errors.iter().map(|e| e.to_string()).collect();
    // Row 2 of User.parquet: a UInt64 too large, and a null group name.
    assert_eq!(texts.len(), 1, "{texts:?}");
    assert!(texts[0].contains("User.parquet: row 2") && texts[0].contains("larger"), "{texts:?}");
    let user = host.items.iter().find(|i| i.kind() == ItemKind::User).expect("user");
    let json = serde_json::to_string(user).expect("json");
    assert_eq!(
        json,
        r#"{"kind":"User","fields":{"UserItem/Username":"alice","UserItem/userid":1000,"UserItem/grouplist/groupname":["wheel","users"],"UserItem/LastLogin":"2023-11-14T22:13:20.123456789Z"}}"#
    );
    let process = host.items.iter().find(|i| i.kind() == ItemKind::Process).expect("process");
    let json = serde_json::to_string(process).expect("json");
    assert_eq!(
        json,
        r#"{"kind":"Process","fields":{"ProcessItem/pid":42,"ProcessItem/HandleList/Handle/Name":["/etc/passwd",[]]}}"#
    );
}

#[test]
fn partitions_read_disjoint_host_ranges_that_add_up_to_the_whole() {
    use ::parquet::file::properties::WriterProperties;
    let dir = tempfile::tempdir().expect("tempdir");
    let write_file = |folder: &Path, hosts: &[String]| {
        std::fs::create_dir_all(folder).expect("mkdir");
        let names: Vec<Option<String>> = (0..hosts.len()).map(|i| Some(format!("f{i}"))).collect();
        let hosts: Vec<Option<&str>> = hosts.iter().map(|h| Some(h.as_str())).collect();
        let names: Vec<Option<&str>> = names.iter().map(|n| n.as_deref()).collect();
        let (hosts, names) = (strings(&hosts), strings(&names));
        let schema = Arc::new(Schema::new(vec![
            ArrowField::new("host", hosts.data_type().clone(), true),
            ArrowField::new("FileItem/FileName", names.data_type().clone(), true),
        ]));
        let batch = RecordBatch::try_new(schema.clone(), vec![hosts, names]).expect("batch");
        let props = WriterProperties::builder().set_max_row_group_row_count(Some(25)).build();
        let file = std::fs::File::create(folder.join("File.parquet")).expect("create");
        let mut w = ::parquet::arrow::ArrowWriter::try_new(file, schema, Some(props)).expect("w");
        w.write(&batch).expect("write");
        w.close().expect("close");
    };
    // 30 hosts of 10 rows each, in row groups of 25 rows: hosts straddle row groups.
    let sorted: Vec<String> = (0..300).map(|i| format!("host-{:02}", i / 10)).collect();
    let folder = dir.path().join("sorted");
    write_file(&folder, &sorted);
    let snapshot = ParquetSnapshot::open(&folder).expect("open");
    let whole: Vec<(String, Vec<Item>)> =
        snapshot.hosts(&Projection::all()).map(|h| (h.host, h.items)).collect();
    assert_eq!(whole.len(), 30);
    assert!(whole.iter().all(|(_, items)| items.len() == 10));
    let parts = snapshot.partitions(&Projection::all(), 4);
    assert_eq!(parts.len(), 4);
    let joined: Vec<(String, Vec<Item>)> =
        parts.into_iter().flatten().map(|h| (h.host, h.items)).collect();
    assert_eq!(joined, whole);
    // Row groups out of host order: one reader, which finds the disorder.
    let mut shuffled = sorted.clone();
    shuffled.rotate_left(150);
    let folder = dir.path().join("shuffled");
    write_file(&folder, &shuffled);
    let snapshot = ParquetSnapshot::open(&folder).expect("open");
    let parts = snapshot.partitions(&Projection::all(), 4);
    assert_eq!(parts.len(), 1);
    let errors: Vec<String> =
        parts.into_iter().flatten().flat_map(|h| h.errors).map(|e| e.to_string()).collect();
    assert!(errors.iter().any(|e| e.contains("not sorted")), "{errors:?}");
}
