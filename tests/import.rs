//! `iocscan import` end to end: telemetry in, snapshots out, and `scan --snapshot` detecting
//! HX-style event IOCs in them. Small inputs written from the formats' schemas are in
//! `tests/data/import/` (see its README); the real telemetry of `../shared/telemetry` (a
//! Sysmon EVTX log, two damaged EVTX files, a Linux audit log) is used when present, and the
//! tests that need it say so and pass when it is absent.

mod common;

use common::iocscan;
use iocscan::item::ItemKind;
use iocscan::snapshot::SnapshotReader;
use std::path::{Path, PathBuf};
use std::time::Duration;

const DATA: &str = "tests/data/import";

fn data(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(DATA).join(name)
}

/// The real telemetry folder beside the repository, if present.
fn shared(name: &str) -> Option<PathBuf> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/telemetry").join(name);
    if path.is_file() {
        Some(path)
    } else {
        eprintln!("skipped: {} is absent", path.display());
        None
    }
}

/// Runs `iocscan import FORMAT INPUTS -o OUT extra`; returns the exit code and stderr.
fn import(format: &str, inputs: &[&Path], out: &Path, extra: &[&str]) -> (i32, String) {
    let out = iocscan()
        .arg("import")
        .arg(format)
        .args(inputs)
        .arg("-o")
        .arg(out)
        .args(extra)
        .timeout(Duration::from_secs(120))
        .output()
        .expect("run import");
    (out.status.code().unwrap_or(-1), String::from_utf8_lossy(&out.stderr).into_owned())
}

/// Scans `snapshot` with the IOCs of `tests/data/import/iocs`: exit code and JSON output.
fn scan(snapshot: &Path) -> (i32, serde_json::Value) {
    let out = iocscan()
        .args(["scan", "--quiet", "--format", "json", "--snapshot"])
        .arg(snapshot)
        .arg(data("iocs"))
        .timeout(Duration::from_secs(120))
        .output()
        .expect("run scan");
    let doc = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!("{e}: {}", String::from_utf8_lossy(&out.stderr));
    });
    (out.status.code().unwrap_or(-1), doc)
}

fn verdict(doc: &serde_json::Value, id: &str) -> String {
    let results = doc["results"].as_array().cloned().unwrap_or_default();
    let r = results.iter().find(|r| r["id"] == id).unwrap_or_else(|| panic!("{id}: {doc}"));
    r["verdict"].as_str().unwrap_or_default().to_owned()
}

fn items(snapshot: &Path) -> Vec<iocscan::Item> {
    SnapshotReader::open(snapshot).expect("snapshot").map(|r| r.expect("item")).collect()
}

#[test]
fn sysmon_process_creation_is_detected_by_an_hx_ioc() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("snaps");
    let (code, stderr) = import("sysmon", &[&data("sysmon-events.xml")], &out, &[]);
    assert_eq!(code, 0, "{stderr}");
    assert!(stderr.contains("provider Service Control Manager: not a Sysmon event 1"), "{stderr}");
    assert!(
        stderr.contains("event 3: not imported (no mapping for these values) 1"),
        "IPv6: {stderr}"
    );
    let snapshot = out.join("WS-17.corp.example.jsonl");
    let header = SnapshotReader::open(&snapshot).unwrap().header().clone();
    assert_eq!(header.host.as_deref(), Some("WS-17.corp.example"));
    assert!(header.kinds.contains(&ItemKind::DnsLookupEvent));
    assert!(!header.kinds.contains(&ItemKind::UrlMonitorEvent));
    let kinds: Vec<ItemKind> = items(&snapshot).iter().map(|i| i.kind()).collect();
    assert_eq!(kinds.iter().filter(|k| **k == ItemKind::ProcessEvent).count(), 3, "{kinds:?}");
    for kind in [
        ItemKind::ImageLoadEvent,
        ItemKind::FileWriteEvent,
        ItemKind::Ipv4NetworkEvent,
        ItemKind::DnsLookupEvent,
    ] {
        assert!(kinds.contains(&kind), "{kind}: {kinds:?}");
    }

    let (code, doc) = scan(&snapshot);
    assert_eq!(code, 1, "{doc}");
    assert_eq!(verdict(&doc, "sysmon-psexec"), "detected");
    assert_eq!(verdict(&doc, "sysmon-split"), "clean", "two records never bind one AND");
    assert_eq!(verdict(&doc, "sysmon-psexesvc-service"), "detected", "Sysmon 13 as regKeyEvent");
    assert_eq!(verdict(&doc, "url-request"), "undetermined", "Sysmon records no HTTP request");
    let card =
        doc["cards"].as_array().unwrap().iter().find(|c| c["id"] == "sysmon-psexec").unwrap();
    let object = &card["branches"][0]["objects"][0]["item"];
    assert_eq!(object["source"], "sysmon", "{card}");
    assert_eq!(object["time"], "2021-02-25T06:02:28.113Z", "{card}");
    assert_eq!(object["fields"]["eventItem/processEvent/pid"], 12320, "{card}");
}

#[test]
fn audit_execve_group_is_detected_by_an_hx_ioc() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("audit.jsonl");
    let (code, stderr) = import("auditd", &[&data("audit-execve.log")], &out, &[]);
    assert_eq!(code, 1, "one line is not an audit record: {stderr}");
    assert!(stderr.contains("line 13: bad-record"), "{stderr}");
    assert!(stderr.contains("success=no: a failed call, nothing ran 1"), "{stderr}");
    let header = SnapshotReader::open(&out).unwrap().header().clone();
    assert_eq!(header.host.as_deref(), Some("lab-web1"), "from node=");
    assert_eq!(header.kinds, [ItemKind::ProcessEvent]);
    let all = items(&out);
    assert_eq!(all.len(), 2);
    let cmd =
        |i: &iocscan::Item| i.get(iocscan::Field::ProcessEvProcessCmdLine).map(|v| v.to_string());
    assert_eq!(
        cmd(&all[1]).as_deref(),
        Some("bash -c echo audit-split-arg > /dev/null"),
        "a2[0..2]"
    );

    let (code, doc) = scan(&out);
    assert_eq!(code, 1, "{doc}");
    assert_eq!(verdict(&doc, "audit-curl-dropper"), "detected");
    assert_eq!(verdict(&doc, "sysmon-psexec"), "clean");
}

#[test]
fn ocsf_process_activity_is_detected_per_host() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("lake");
    let inputs = [data("ocsf-events.jsonl"), data("ocsf-array.json")];
    let inputs: Vec<&Path> = inputs.iter().map(PathBuf::as_path).collect();
    let (code, stderr) = import("ocsf", &inputs, &out, &[]);
    assert_eq!(code, 1, "line 10 is cut: {stderr}");
    assert!(stderr.contains("ocsf-events.jsonl: line 10: bad-record: not JSON"), "{stderr}");
    assert!(stderr.contains("event 6003: not imported (no mapping) 1"), "{stderr}");
    assert!(stderr.contains("left absent): eventItem/processEvent/pid 1"), "{stderr}");
    let mut names: Vec<String> = std::fs::read_dir(&out)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(names, ["db-02.jsonl", "i-0a1b2c3d4e5f60718.jsonl", "i-0ffee0000000000aa.jsonl"]);

    let build = out.join("i-0a1b2c3d4e5f60718.jsonl");
    let header = SnapshotReader::open(&build).unwrap().header().clone();
    assert!(header.kinds.contains(&ItemKind::SystemInfo) && header.kinds.contains(&ItemKind::User));
    assert!(!header.kinds.contains(&ItemKind::ImageLoadEvent), "no Module Activity in the data");
    assert!(header.kinds.contains(&ItemKind::File), "a Live Evidence file query");
    assert!(!header.kinds.contains(&ItemKind::Process), "no Live Evidence process query");
    let (code, doc) = scan(&build);
    assert_eq!(code, 1, "{doc}");
    assert_eq!(verdict(&doc, "ocsf-miner"), "detected");
    let build_items = items(&build);
    let file = build_items.iter().find(|i| i.kind() == ItemKind::File).unwrap();
    assert_eq!(file.get(iocscan::Field::FileFilePath).unwrap().to_string(), "/tmp/.cache");
    assert_eq!(
        file.get(iocscan::Field::FileSizeInBytes),
        Some(&iocscan::item::Value::Int(4812344))
    );
    let system = build_items.into_iter().find(|i| i.kind() == ItemKind::SystemInfo).unwrap();
    assert_eq!(system.get(iocscan::Field::SysMac).unwrap().to_string(), "0a:1b:2c:3d:4e:5f");

    let db = items(&out.join("db-02.jsonl"));
    let user = db.iter().find(|i| i.kind() == ItemKind::User).unwrap();
    assert_eq!(user.get(iocscan::Field::UserGroupList).unwrap().to_string(), "[root, sudo]");
    let (code, doc) = scan(&out.join("db-02.jsonl"));
    assert_eq!((code, verdict(&doc, "ocsf-miner")), (0, "clean".to_owned()), "{doc}");
}

#[test]
fn a_missing_input_is_reported_and_the_rest_imported() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("one.jsonl");
    let missing = dir.path().join("nope.evtx");
    let (code, stderr) = import("sysmon", &[&missing, &data("sysmon-events.xml")], &out, &[]);
    assert_eq!(code, 1, "{stderr}");
    assert!(
        stderr.contains("nope.evtx: ") && stderr.contains("unreadable: cannot open"),
        "{stderr}"
    );
    assert_eq!(items(&out).len(), 9);
    let (code, stderr) = import("ocsf", &[&data("sysmon-events.xml")], &dir.path().join("x"), &[]);
    assert_eq!(code, 1);
    assert!(stderr.contains("not-format"), "{stderr}");
}

#[test]
fn one_file_output_refuses_a_second_host() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("mixed.jsonl");
    let (code, stderr) =
        import("ocsf", &[&data("ocsf-array.json"), &data("ocsf-events.jsonl")], &out, &[]);
    assert_eq!(code, 1, "{stderr}");
    assert!(stderr.contains("second host"), "{stderr}");
    assert_eq!(items(&out).len(), 2, "the first host's items are kept");
}

#[test]
fn real_sysmon_evtx_imports_and_detects() {
    let Some(evtx) = shared("sysmon.evtx") else { return };
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("sysmon");
    let (code, stderr) = import("sysmon", &[&evtx], &out, &[]);
    assert_eq!(code, 0, "{stderr}");
    let snapshot = out.join("DESKTOP-2KGM189.jsonl");
    let all = items(&snapshot);
    let count = |k: ItemKind| all.iter().filter(|i| i.kind() == k).count();
    assert_eq!(count(ItemKind::ProcessEvent), 227, "{stderr}");
    assert_eq!(count(ItemKind::FileWriteEvent), 34, "{stderr}");
    assert_eq!(count(ItemKind::Ipv4NetworkEvent), 2, "{stderr}");
    assert_eq!(count(ItemKind::RegKeyEvent), 32, "8 DeleteValue + 24 SetValue: {stderr}");
    let iocs = dir.path().join("iocs");
    std::fs::create_dir(&iocs).unwrap();
    let ioc = common::ioc11(
        "real-ping",
        "AND",
        &[
            ("eventItem/processEvent/process", "is", "PING.EXE"),
            ("eventItem/processEvent/processCmdLine", "contains", "-n 6 127.0.0.1"),
            ("eventItem/processEvent/parentProcess", "is", "cmd.exe"),
        ],
    );
    std::fs::write(iocs.join("ping.ioc"), ioc).unwrap();
    // Older Sysmon writes `\REGISTRY\MACHINE\...`: it reads as HKEY_LOCAL_MACHINE.
    let service = common::ioc11(
        "real-service-start",
        "AND",
        &[
            ("eventItem/regKeyEvent/hive", "is", "HKEY_LOCAL_MACHINE\\SYSTEM"),
            ("eventItem/regKeyEvent/keyPath", "contains", "Services\\PROCMON23"),
            ("eventItem/regKeyEvent/valueName", "is", "Start"),
            ("eventItem/regKeyEvent/eventType", "is", "2"),
        ],
    );
    std::fs::write(iocs.join("service.ioc"), service).unwrap();
    let out = iocscan()
        .args(["scan", "--quiet", "--format", "json", "--snapshot"])
        .arg(&snapshot)
        .arg(&iocs)
        .output()
        .unwrap();
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(out.status.code(), Some(1), "{doc}");
    assert_eq!(verdict(&doc, "real-ping"), "detected");
    assert_eq!(verdict(&doc, "real-service-start"), "detected");
}

#[test]
fn real_damaged_evtx_files_are_reported_and_the_rest_imported() {
    let (Some(bad_chunk), Some(bad_cache), Some(good)) = (
        shared("sample_with_a_bad_chunk_magic.evtx"),
        shared("security_bad_string_cache.evtx"),
        shared("sysmon.evtx"),
    ) else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let (code, stderr) = import("sysmon", &[&bad_chunk, &bad_cache, &good], &out, &[]);
    assert_eq!(code, 1, "{stderr}");
    let bad_lines: Vec<&str> =
        stderr.lines().filter(|l| l.contains("sample_with_a_bad_chunk_magic.evtx: ")).collect();
    assert!(bad_lines.iter().any(|l| l.contains("bad-record") && l.contains("chunk")), "{stderr}");
    assert!(stderr.contains("Microsoft-Windows-Security-Auditing: not a Sysmon event"), "{stderr}");
    assert_eq!(items(&out.join("DESKTOP-2KGM189.jsonl")).len(), 295, "{stderr}");
}

#[test]
fn real_audit_log_imports_every_execution() {
    let Some(log) = shared("audit-execve.log") else { return };
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("audit.jsonl");
    let (code, stderr) = import("auditd", &[&log], &out, &["--host", "recorder"]);
    assert_eq!(code, 0, "{stderr}");
    let all = items(&out);
    assert_eq!(all.len(), 45, "45 program executions: {stderr}");
    let echo = all
        .iter()
        .find(|i| {
            i.get(iocscan::Field::ProcessEvProcessCmdLine)
                .is_some_and(|v| v.to_string() == "/bin/echo auditsample-token")
        })
        .expect("the echo");
    assert_eq!(
        echo.get(iocscan::Field::ProcessEvProcessPath).unwrap().to_string(),
        "/usr/bin/echo"
    );
    assert_eq!(echo.get(iocscan::Field::ProcessEvUsername).unwrap().to_string(), "root");
    let header = SnapshotReader::open(&out).unwrap().header().clone();
    assert_eq!(header.host.as_deref(), Some("recorder"), "--host names a log without node=");
}

/// `UPDATE_GOLDENFILES=1 cargo test --test import` rewrites the golden files.
fn golden(name: &str, actual: &str) {
    let path = data(name);
    if std::env::var_os("UPDATE_GOLDENFILES").is_some_and(|v| v == "1") {
        std::fs::write(&path, actual).unwrap();
        return;
    }
    let expected = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("{}: {e} (run with UPDATE_GOLDENFILES=1)", path.display()));
    assert_eq!(expected, actual, "{} differs (UPDATE_GOLDENFILES=1 rewrites it)", path.display());
}

#[test]
fn mapping_tables_and_summary_match_their_goldens() {
    let mut tables = String::new();
    for format in ["sysmon", "auditd", "ocsf"] {
        let out = iocscan().args(["import", format, "--mappings"]).output().unwrap();
        assert_eq!(out.status.code(), Some(0));
        tables.push_str(&String::from_utf8_lossy(&out.stdout));
        tables.push('\n');
    }
    golden("mappings.txt", &tables);

    // The summary with paths relative to a scratch folder, so it reads the same everywhere.
    let dir = tempfile::tempdir().unwrap();
    for name in ["sysmon-events.xml", "ocsf-events.jsonl"] {
        std::fs::copy(data(name), dir.path().join(name)).unwrap();
    }
    let mut summary = String::new();
    for (format, input) in [("sysmon", "sysmon-events.xml"), ("ocsf", "ocsf-events.jsonl")] {
        let out = iocscan()
            .current_dir(dir.path())
            .args(["import", format, input, "-o", format])
            .output()
            .unwrap();
        summary.push_str(&String::from_utf8_lossy(&out.stderr));
    }
    golden("summary.txt", &summary);
}

#[test]
fn imported_snapshots_follow_the_published_schema() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(root.join("schema/snapshot.schema.json")).unwrap();
    let schema: serde_json::Value = serde_json::from_str(&text).unwrap();
    let validator = jsonschema::draft202012::new(&schema).expect("schema compiles");
    let dir = tempfile::tempdir().unwrap();
    let runs = [
        ("sysmon", vec![data("sysmon-events.xml")]),
        ("auditd", vec![data("audit-execve.log")]),
        ("ocsf", vec![data("ocsf-events.jsonl"), data("ocsf-array.json")]),
    ];
    let mut lines = 0;
    for (format, inputs) in runs {
        let out = dir.path().join(format);
        let inputs: Vec<&Path> = inputs.iter().map(PathBuf::as_path).collect();
        import(format, &inputs, &out, &[]);
        for entry in std::fs::read_dir(&out).unwrap() {
            let text = std::fs::read_to_string(entry.unwrap().path()).unwrap();
            for line in text.lines() {
                let value: serde_json::Value = serde_json::from_str(line).unwrap();
                let errors: Vec<String> =
                    validator.iter_errors(&value).map(|e| e.to_string()).collect();
                assert!(errors.is_empty(), "{line}: {errors:?}");
                lines += 1;
            }
        }
    }
    assert!(lines > 15, "{lines} lines checked");
}

/// Writes the JSON events of `jsonl` (lines that are JSON objects) as one Parquet file of
/// nested columns, as a lake stores OCSF: objects as structs, arrays as lists.
fn ocsf_parquet(jsonl: &Path, out: &Path) {
    let text = std::fs::read_to_string(jsonl).unwrap();
    let lines: Vec<&str> = text
        .lines()
        .filter(|l| serde_json::from_str::<serde_json::Value>(l).is_ok_and(|v| v.is_object()))
        .collect();
    let joined = lines.join("\n");
    let (schema, _) = arrow_json::reader::infer_json_schema(joined.as_bytes(), None).unwrap();
    let schema = std::sync::Arc::new(schema);
    // A field written as a number in one event and text in another is inferred as text.
    let reader = arrow_json::ReaderBuilder::new(schema.clone())
        .with_coerce_primitive(true)
        .build(joined.as_bytes())
        .unwrap();
    let mut writer =
        parquet::arrow::ArrowWriter::try_new(std::fs::File::create(out).unwrap(), schema, None)
            .unwrap();
    for batch in reader {
        writer.write(&batch.unwrap()).unwrap();
    }
    writer.close().unwrap();
}

#[test]
fn ocsf_parquet_imports_as_its_json_form_does() {
    let dir = tempfile::tempdir().unwrap();
    let parquet = dir.path().join("events.parquet");
    ocsf_parquet(&data("ocsf-events.jsonl"), &parquet);
    let (from_json, from_parquet) = (dir.path().join("json"), dir.path().join("parquet"));
    let (code, stderr) = import("ocsf", &[&data("ocsf-events.jsonl")], &from_json, &[]);
    assert_eq!(code, 1, "line 10 is cut: {stderr}");
    let (code, stderr) = import("ocsf", &[&parquet], &from_parquet, &[]);
    assert_eq!(code, 0, "every row is an event: {stderr}");
    let names = |dir: &Path| {
        let mut names: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    };
    assert_eq!(names(&from_parquet), names(&from_json));
    for name in names(&from_json) {
        let key = |i: &iocscan::Item| serde_json::to_string(i).unwrap();
        let mut json: Vec<String> = items(&from_json.join(&name)).iter().map(key).collect();
        let mut rows: Vec<String> = items(&from_parquet.join(&name)).iter().map(key).collect();
        json.sort();
        rows.sort();
        assert_eq!(rows, json, "{name}");
    }
    let (code, doc) = scan(&from_parquet.join("i-0a1b2c3d4e5f60718.jsonl"));
    assert_eq!((code, verdict(&doc, "ocsf-miner")), (1, "detected".to_owned()), "{doc}");
}

#[test]
fn damaged_ocsf_parquet_is_reported() {
    let dir = tempfile::tempdir().unwrap();
    let parquet = dir.path().join("events.parquet");
    ocsf_parquet(&data("ocsf-events.jsonl"), &parquet);
    let mut bytes = std::fs::read(&parquet).unwrap();
    let cut = dir.path().join("cut.parquet");
    std::fs::write(&cut, &bytes[..bytes.len() / 2]).unwrap();
    let middle = bytes.len() / 3;
    bytes[middle..middle + 64].fill(0xAB);
    let garbled = dir.path().join("garbled.parquet");
    std::fs::write(&garbled, &bytes).unwrap();
    let (code, stderr) = import("ocsf", &[&cut, &garbled, &parquet], &dir.path().join("o"), &[]);
    assert_eq!(code, 1, "{stderr}");
    assert!(stderr.contains("cut.parquet") && stderr.contains("PAR1"), "{stderr}");
    assert!(stderr.contains("garbled.parquet"), "{stderr}");
    assert!(dir.path().join("o/i-0a1b2c3d4e5f60718.jsonl").is_file(), "the whole file imported");
}

/// The JSON form of the `hosts[]` entries of a scan document that name a host, by host:
/// without timing, and with each error as its kind and reason only (a scan in parts names
/// the host where a snapshot scan names the file).
fn comparable_hosts(
    hosts: &[serde_json::Value],
) -> std::collections::BTreeMap<String, serde_json::Value> {
    let mut out = std::collections::BTreeMap::new();
    for host in hosts {
        // A snapshot whose header names no host is reported under its path.
        let named = |h: &&str| !h.is_empty() && !h.ends_with("/_unknown.jsonl");
        let Some(name) = host["host"].as_str().filter(named) else { continue };
        let mut host = host.clone();
        host["summary"].as_object_mut().expect("summary").remove("elapsed_seconds");
        let errors: Vec<serde_json::Value> = host["errors"]
            .as_array()
            .expect("errors")
            .iter()
            .map(|e| serde_json::json!([e["kind"], e["reason"]]))
            .collect();
        host["errors"] = errors.into();
        out.insert(name.to_owned(), host);
    }
    out
}

/// The record batches of a Parquet file, every column.
fn batches_of(parquet: &Path) -> Vec<arrow_array::RecordBatch> {
    let file = std::fs::File::open(parquet).unwrap();
    let reader = parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder::try_new(file)
        .unwrap()
        .with_batch_size(4)
        .build()
        .unwrap();
    reader.map(Result::unwrap).collect()
}

/// Finishes every host's partials, as host documents (JSON values).
fn finished(
    ruleset: &iocscan::Ruleset,
    parts: std::collections::BTreeMap<String, Vec<iocscan::eval::Partial>>,
) -> Vec<serde_json::Value> {
    parts
        .into_iter()
        .map(|(host, parts)| {
            let report = iocscan::driver::partials::finish_partials(ruleset, &host, parts).unwrap();
            serde_json::from_str(&iocscan::driver::HostDocument::of(&report).to_json()).unwrap()
        })
        .collect()
}

/// The OCSF test events plus a row naming no host (the miner: it must reach no host), a
/// host named by `device.hostname` only, and a hostile host name.
fn ocsf_lake_events(dir: &Path) -> PathBuf {
    let mut text = std::fs::read_to_string(data("ocsf-events.jsonl")).unwrap();
    text.push_str(concat!(
        r#"{"class_uid":1007,"activity_id":1,"time":1733097800000,"process":{"pid":5,"name":"xmrig","cmd_line":"./xmrig -o pool.example:3333","file":{"path":"/tmp/xmrig","hashes":[{"algorithm_id":1,"value":"5d41402abc4b2a76b9719d911017c592"}]}}}"#,
        "\n",
        r#"{"class_uid":5001,"activity_id":2,"time":1733097000000,"device":{"hostname":"build-09","os":{"name":"Debian"}}}"#,
        "\n",
        r#"{"class_uid":1007,"activity_id":1,"time":1733097900000,"device":{"uid":"../\u0000\u202e..%2f"},"process":{"pid":6,"name":"\u202ecod.exe"}}"#,
        "\n",
    ));
    let jsonl = dir.join("lake.jsonl");
    std::fs::write(&jsonl, text).unwrap();
    let parquet = dir.join("lake.parquet");
    ocsf_parquet(&jsonl, &parquet);
    parquet
}

#[test]
fn ocsf_batches_scanned_in_parts_equal_the_import_and_snapshot_scan() {
    use iocscan::driver::partials::{ocsf_partials, part_scan};
    let dir = tempfile::tempdir().unwrap();
    let parquet = ocsf_lake_events(dir.path());
    let out = dir.path().join("snaps");
    let (code, stderr) = import("ocsf", &[&parquet], &out, &[]);
    assert_eq!(code, 0, "{stderr}");
    let (_, doc) = scan(&out);
    let expected = comparable_hosts(doc["hosts"].as_array().expect("hosts"));
    assert_eq!(expected.len(), 4, "{doc}");

    let ruleset = iocscan::load::load_ruleset(&[data("iocs")]).ruleset;
    let batches = batches_of(&parquet);
    assert!(batches.len() > 2, "several batches");

    // Every row in one call.
    let whole = ocsf_partials(&ruleset, &batches);
    assert_eq!(whole.report.records, 13);
    let hostless: Vec<_> =
        whole.report.problems.iter().filter(|p| p.message.contains("names no host")).collect();
    assert_eq!(hostless.len(), 1, "{:?}", whole.report.problems);
    assert_eq!(hostless[0].location.as_deref(), Some("row 11"));
    assert!(
        whole.kinds.contains(&ItemKind::ProcessEvent)
            && whole.kinds.contains(&ItemKind::SystemInfo)
    );
    let mut parts = std::collections::BTreeMap::<String, Vec<_>>::new();
    for p in whole.partials {
        parts.entry(p.host().to_owned()).or_default().push(p);
    }
    let got = comparable_hosts(&finished(&ruleset, parts));
    assert_eq!(got, expected);
    let miner = |h: &serde_json::Value| {
        h["cards"].as_array().unwrap().iter().any(|c| c["id"] == "ocsf-miner")
    };
    let detected: Vec<&String> = got.iter().filter(|(_, h)| miner(h)).map(|(n, _)| n).collect();
    assert_eq!(detected, ["i-0a1b2c3d4e5f60718"], "the host-less miner reached no host");

    // The same rows one batch per call (as a Spark job's partitions), merged per host, with
    // the kinds of every call counted on every host (what one import of them writes).
    let mut parts = std::collections::BTreeMap::<String, Vec<_>>::new();
    let mut kinds = std::collections::BTreeSet::new();
    for batch in &batches {
        let one = ocsf_partials(&ruleset, std::slice::from_ref(batch));
        kinds.extend(one.kinds);
        for p in one.partials {
            parts.entry(p.host().to_owned()).or_default().push(p);
        }
    }
    for (host, list) in parts.iter_mut() {
        list.extend(kinds.iter().map(|&k| part_scan(&ruleset, host, k).partial()));
        list.reverse();
    }
    assert_eq!(comparable_hosts(&finished(&ruleset, parts)), expected);
}

#[test]
fn ocsf_batches_of_wrong_types_nulls_and_hostile_strings_are_problems_not_panics() {
    use arrow_schema::{DataType, Field, Fields, Schema};
    use iocscan::driver::partials::{finish_partials, ocsf_partials};
    let ruleset = iocscan::load::load_ruleset(&[data("iocs")]).ruleset;
    let read = |schema: Schema, lines: &str| {
        let reader = arrow_json::ReaderBuilder::new(std::sync::Arc::new(schema))
            .with_coerce_primitive(true)
            .build(lines.as_bytes())
            .unwrap();
        reader.map(Result::unwrap).collect::<Vec<_>>()
    };
    // Every column of a type the mapping does not expect: text class, scalar device, a
    // list where a struct belongs.
    let wrong = Schema::new(vec![
        Field::new("class_uid", DataType::Utf8, true),
        Field::new("activity_id", DataType::Utf8, true),
        Field::new("device", DataType::Int64, true),
        Field::new("process", DataType::new_list(DataType::Utf8, true), true),
    ]);
    let batches = read(
        wrong,
        concat!(
            r#"{"class_uid":"1007","activity_id":"1","device":7,"process":["xmrig"]}"#,
            "\n",
            r#"{"class_uid":"10 07","device":null,"process":null}"#,
            "\n",
            r#"{"class_uid":null}"#,
            "\n",
        ),
    );
    let r = ocsf_partials(&ruleset, &batches);
    assert_eq!(r.report.records, 2, "a class that is no number is a problem, not a record");
    assert!(r.partials.is_empty(), "no row names a host");
    assert_eq!(r.report.problem_count, 2, "{:?}", r.report.problems);
    assert!(r.report.problems.iter().any(|p| p.message.contains("names no host")));
    assert!(r.report.problems.iter().any(|p| p.message.contains("not a number")));

    // Null structs at every level, a huge and a control-character host, a class past i64.
    let device = Fields::from(vec![Field::new("uid", DataType::Utf8, true)]);
    let process = Fields::from(vec![
        Field::new("pid", DataType::UInt64, true),
        Field::new("name", DataType::Utf8, true),
    ]);
    let odd = Schema::new(vec![
        Field::new("class_uid", DataType::UInt64, true),
        Field::new("activity_id", DataType::Int8, true),
        Field::new("device", DataType::Struct(device), true),
        Field::new("process", DataType::Struct(process), true),
    ]);
    let long = "h".repeat(100_000);
    let lines = format!(
        "{}\n{}\n{}\n{}\n",
        r#"{"class_uid":1007,"activity_id":1,"device":null,"process":null}"#,
        r#"{"class_uid":1007,"activity_id":1,"device":{"uid":null},"process":{"pid":null,"name":null}}"#,
        format_args!(
            r#"{{"class_uid":1007,"activity_id":1,"device":{{"uid":"{long}"}},"process":{{"pid":18446744073709551615,"name":"x\u0000y"}}}}"#
        ),
        r#"{"class_uid":18446744073709551615,"device":{"uid":"\u0000"},"process":{"name":"z"}}"#,
    );
    let r = ocsf_partials(&ruleset, &read(odd, &lines));
    assert_eq!(r.report.records, 4);
    let hosts: Vec<&str> = r.partials.iter().map(|p| p.host()).collect();
    assert_eq!(hosts, [long.as_str()], "{:?}", r.report);
    assert_eq!(r.report.unconverted.get("eventItem/processEvent/pid"), Some(&1), "{:?}", r.report);
    let hostless = r.report.problems.iter().filter(|p| p.message.contains("names no host"));
    assert_eq!(hostless.count(), 2, "{:?}", r.report.problems);
    for p in r.partials {
        let host = p.host().to_owned();
        let back = iocscan::eval::Partial::decode(&p.encode()).unwrap();
        let report = finish_partials(&ruleset, &host, [back]).unwrap();
        assert!(report.cards.is_empty());
    }
}
