//! Snapshots: what `collect` writes, `scan --snapshot` reads; bad lines are reported with
//! their number and skipped; a foreign file is refused.

use assert_cmd::Command;
use iocscan::item::{Item, ItemKind};
use iocscan::snapshot::{SnapshotError, SnapshotReader};
use iocscan::terms::Field;
use std::fs;
use std::path::{Path, PathBuf};
use std::time::Duration;

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
    // A FIFO is refused at once, never waited on.
    let fifo = dir.path().join("fifo");
    let made = std::process::Command::new("mkfifo").arg(&fifo).status();
    if made.is_ok_and(|s| s.success()) {
        let err = SnapshotReader::open(&fifo).expect_err("a FIFO");
        assert!(err.to_string().contains("not a regular file"), "{err}");
    }
}

// ---------------------------------------------------------------------------------------------
// scanning snapshots (through the command and the library)

fn iocscan() -> Command {
    let mut cmd = Command::cargo_bin("iocscan").expect("binary built");
    cmd.timeout(Duration::from_secs(120));
    cmd
}

fn sha256_of(text: &str) -> String {
    use sha2::Digest;
    hex::encode(sha2::Sha256::digest(text.as_bytes()))
}

fn ioc(id: &str, operator: &str, conds: &[(&str, &str, &str)]) -> String {
    let mut items = String::new();
    for (i, (term, condition, content)) in conds.iter().enumerate() {
        let document = term.split('/').next().unwrap_or_default();
        let ty = iocscan::terms::lookup(term).map_or("string", |t| t.ty.as_str());
        items.push_str(&format!(
            "<IndicatorItem id=\"{id}-{i}\" condition=\"{condition}\" preserve-case=\"false\" negate=\"false\">\
             <Context document=\"{document}\" search=\"{term}\" type=\"mir\"/>\
             <Content type=\"{ty}\">{content}</Content></IndicatorItem>\n"
        ));
    }
    format!(
        "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n\
         <OpenIOC xmlns=\"http://openioc.org/schemas/OpenIOC_1.1\" id=\"{id}\">\n\
         <metadata><short_description>{id}</short_description><links/></metadata>\n\
         <criteria><Indicator operator=\"{operator}\" id=\"{id}-top\">\n{items}</Indicator></criteria>\n\
         </OpenIOC>\n"
    )
}

/// What must agree between two scans of the same items: per card, its id and per branch the
/// condition texts, the object count, the objects' paths and the evidence.
fn essence(doc: &serde_json::Value) -> serde_json::Value {
    let cards = doc["cards"].as_array().cloned().unwrap_or_default();
    let cards: Vec<serde_json::Value> = cards
        .iter()
        .map(|card| {
            let branches = card["branches"].as_array().cloned().unwrap_or_default();
            let branches: Vec<serde_json::Value> = branches
                .iter()
                .map(|b| {
                    let objects = b["objects"].as_array().cloned().unwrap_or_default();
                    let objects: Vec<serde_json::Value> = objects
                        .iter()
                        .map(|o| {
                            serde_json::json!({
                                "path": o["item"]["fields"]["FileItem/FullPath"],
                                "evidence": o["evidence"],
                            })
                        })
                        .collect();
                    serde_json::json!({
                        "conditions": b["conditions"],
                        "total": b["total_objects"],
                        "objects": objects,
                    })
                })
                .collect();
            serde_json::json!({ "id": card["id"], "branches": branches })
        })
        .collect();
    serde_json::Value::Array(cards)
}

fn run_json(cmd: &mut Command) -> (i32, serde_json::Value) {
    let out = cmd.output().expect("run");
    let doc = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!("{e}: {}", String::from_utf8_lossy(&out.stderr));
    });
    (out.status.code().unwrap_or(-1), doc)
}

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let path = dir.join(name);
    if let Some(parent) = path.parent() {
        fs::create_dir_all(parent).expect("mkdir");
    }
    fs::write(&path, text).expect("write");
    path
}

#[test]
fn collect_then_scan_snapshot_equals_the_live_scan() {
    let dir = tempfile::tempdir().expect("tempdir");
    let host = dir.path().join("host");
    let iocs = dir.path().join("iocs");
    write(&host, "a/evil.exe", "evil payload");
    write(&host, "b/evil.exe", "harmless");
    write(&host, "c/notes.txt", "notes");
    let evil = sha256_of("evil payload");
    let both = [("FileItem/FileName", "is", "evil.exe"), ("FileItem/Sha256sum", "is", &*evil)];
    write(&iocs, "both.ioc", &ioc("name-and-hash", "AND", &both));
    write(&iocs, "names.ioc", &ioc("names", "OR", &[("FileItem/FileExtension", "is", "exe")]));
    write(&iocs, "none.ioc", &ioc("none", "OR", &[("FileItem/FileName", "is", "absent.dll")]));
    let snapshot = dir.path().join("snap.jsonl");

    iocscan()
        .args(["collect", "--quiet", "--items", "file", "--hash", "--path"])
        .arg(&host)
        .arg("-o")
        .arg(&snapshot)
        .assert()
        .code(0);
    let (live_code, live) = run_json(
        iocscan().args(["scan", "--quiet", "--format", "json", "--path"]).arg(&host).arg(&iocs),
    );
    let (snap_code, snap) = run_json(
        iocscan()
            .args(["scan", "--quiet", "--format", "json", "--snapshot"])
            .arg(&snapshot)
            .arg(&iocs),
    );
    assert_eq!((live_code, snap_code), (1, 1));
    assert_eq!(essence(&live), essence(&snap), "live {live}\nsnapshot {snap}");
    let ids: Vec<&str> =
        live["cards"].as_array().expect("cards").iter().filter_map(|c| c["id"].as_str()).collect();
    assert_eq!(ids, ["name-and-hash", "names"]);
    assert_eq!(snap["summary"]["items"]["File"], 3, "{snap}");
}

const WINDOWS_SNAPSHOT: &str = r#"{"format":"iocscan-snapshot","version":1,"host":"WIN-7","time":"2026-11-30T10:00:00Z","tool":"iocscan 0.1.0","kinds":["ArpEntry","Port"]}
{"kind":"Port","fields":{"PortItem/pid":4242,"PortItem/process":"evil.exe","PortItem/path":"C:\\Windows\\Temp\\evil.exe","PortItem/protocol":"TCP","PortItem/localIP":"10.0.0.5","PortItem/localPort":49711,"PortItem/remoteIP":"203.0.113.7","PortItem/remotePort":443,"PortItem/state":"ESTABLISHED"}}
{"kind":"Port","fields":{"PortItem/pid":4,"PortItem/process":"System","PortItem/protocol":"TCP","PortItem/localIP":"0.0.0.0","PortItem/localPort":445,"PortItem/state":"LISTEN"}}
{"kind":"Port","fields":{"PortItem/localPort":"not a number"}}
{"kind":"ArpEntry","fields":{"ArpEntryItem/Interface":"Ethernet0","ArpEntryItem/IPv4Address":"10.0.0.1","ArpEntryItem/PhysicalAddress":"00-11-22-33-44-55","ArpEntryItem/CacheType":"dynamic"}}
{"kind":"ArpEntry","fields":{"ArpEntryItem/Interface":"Ethernet0","ArpEntryItem/IPv6Address":"fe80::1","ArpEntryItem/PhysicalAddress":"66-77-88-99-aa-bb"}}
"#;

#[test]
fn windows_shaped_snapshot_is_detected_deterministically() {
    let dir = tempfile::tempdir().expect("tempdir");
    let snapshot = write(dir.path(), "win.jsonl", WINDOWS_SNAPSHOT);
    let iocs = dir.path().join("iocs");
    let c2 = [("PortItem/remoteIP", "is", "203.0.113.7"), ("PortItem/remotePort", "is", "443")];
    write(&iocs, "c2.ioc", &ioc("c2-connection", "AND", &c2));
    let gw = [("ArpEntryItem/PhysicalAddress", "is", "00-11-22-33-44-55")];
    write(&iocs, "gw.ioc", &ioc("rogue-gateway", "OR", &gw));
    let miss = [("PortItem/remotePort", "is", "443"), ("PortItem/process", "is", "System")];
    write(&iocs, "miss.ioc", &ioc("system-443", "AND", &miss));

    // Through the library.
    let loaded = iocscan::load::load_ruleset(&[&iocs]);
    assert_eq!(loaded.ruleset.len(), 3);
    let options = iocscan::driver::ScanOptions::default();
    let report =
        iocscan::driver::scan_snapshot(&loaded.ruleset, &snapshot, &options).expect("snapshot");
    let ids: Vec<&str> = report.cards.iter().map(|c| c.id.as_str()).collect();
    assert_eq!(ids, ["c2-connection", "rogue-gateway"]);
    assert_eq!(report.host.as_deref(), Some("WIN-7"));
    assert!(report.complete);
    assert_eq!(report.snapshot_errors.len(), 1);
    assert_eq!(report.snapshot_errors[0].line, 4);
    assert_eq!(report.summary.errors, 1);
    assert_eq!(report.summary.items.get(&ItemKind::Port), Some(&2));
    assert_eq!(report.summary.items.get(&ItemKind::ArpEntry), Some(&2));

    // Through the command, twice: byte-identical cards.
    let scan = || {
        run_json(
            iocscan()
                .args(["scan", "--quiet", "--threads", "2", "--format", "json", "--snapshot"])
                .arg(&snapshot)
                .arg(&iocs),
        )
    };
    let (code, first) = scan();
    let (_, second) = scan();
    assert_eq!(code, 1);
    assert_eq!(first["cards"], second["cards"]);
    assert_eq!(first["host"], "WIN-7");
    let error = &first["errors"][0];
    assert!(error["subject"].as_str().expect("subject").ends_with("win.jsonl:4"), "{error}");
    assert!(
        first["cards"][0]["branches"][0]["objects"][0]["item"]["fields"]["PortItem/remoteIP"]
            == "203.0.113.7"
    );
}

#[test]
fn collect_leaves_its_own_output_out() {
    let dir = tempfile::tempdir().expect("tempdir");
    write(dir.path(), "data.txt", "data");
    let snapshot = dir.path().join("self.jsonl");
    iocscan()
        .args(["collect", "--quiet", "--items", "file", "--path"])
        .arg(dir.path())
        .arg("-o")
        .arg(&snapshot)
        .assert()
        .code(0);
    let text = fs::read_to_string(&snapshot).expect("snapshot");
    assert_eq!(text.lines().count(), 2, "{text}");
    assert!(text.contains("data.txt") && !text.contains("self.jsonl\""), "{text}");
}

#[test]
fn cancelled_scan_says_incomplete() {
    let dir = tempfile::tempdir().expect("tempdir");
    let snapshot = write(dir.path(), "win.jsonl", WINDOWS_SNAPSHOT);
    let iocs = dir.path().join("iocs");
    let gw = [("ArpEntryItem/PhysicalAddress", "is", "00-11-22-33-44-55")];
    write(&iocs, "gw.ioc", &ioc("rogue-gateway", "OR", &gw));
    let loaded = iocscan::load::load_ruleset(&[&iocs]);
    let options = iocscan::driver::ScanOptions::default();
    options.cancel.store(true, std::sync::atomic::Ordering::Relaxed);
    let report =
        iocscan::driver::scan_snapshot(&loaded.ruleset, &snapshot, &options).expect("snapshot");
    assert!(!report.complete);
    assert!(report.cards.is_empty());
    let report = iocscan::driver::scan_host(&loaded.ruleset, &options).expect("host");
    assert!(!report.complete);
}

#[test]
fn kinds_missing_from_the_snapshot_are_reported() {
    let dir = tempfile::tempdir().expect("tempdir");
    let snapshot = write(dir.path(), "win.jsonl", WINDOWS_SNAPSHOT);
    let iocs = dir.path().join("iocs");
    write(&iocs, "p.ioc", &ioc("proc", "OR", &[("ProcessItem/name", "is", "evil.exe")]));
    write(&iocs, "a.ioc", &ioc("arp", "OR", &[("ArpEntryItem/IPv4Address", "is", "192.0.2.9")]));
    let loaded = iocscan::load::load_ruleset(&[&iocs]);
    let options = iocscan::driver::ScanOptions::default();
    let report =
        iocscan::driver::scan_snapshot(&loaded.ruleset, &snapshot, &options).expect("snapshot");
    let missing: Vec<_> = report.errors.iter().filter(|e| e.message.contains("holds no")).collect();
    assert_eq!(missing.len(), 1, "{:?}", report.errors);
    assert_eq!(missing[0].kind, ItemKind::Process);
    assert!(missing[0].subject.to_string().ends_with("win.jsonl"), "{}", missing[0].subject);
    assert_eq!(missing[0].reason, iocscan::collect::Reason::NotCollected);
}
