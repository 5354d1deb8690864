//! Many hosts in one scan, through the real command: `scan --snapshot` repeated and with
//! folders. Each host is evaluated on its own (a host-wide AND met only by combining two
//! hosts' items does not detect), files of one host are one host, every output names its
//! host, bad sources are reported and the others still scanned.

mod common;

use common::{ioc11, iocscan, write};
use serde_json::Value;
use std::path::{Path, PathBuf};

fn snapshot(dir: &Path, name: &str, host: &str, kinds: &[&str], items: &[&str]) -> PathBuf {
    let kinds: Vec<String> = kinds.iter().map(|k| format!("\"{k}\"")).collect();
    let mut text = format!(
        "{{\"format\":\"iocscan-snapshot\",\"version\":1,\"host\":\"{host}\",\
         \"time\":\"2026-11-30T11:00:00Z\",\"tool\":\"iocscan 0.1.0\",\"kinds\":[{}]}}\n",
        kinds.join(",")
    );
    for item in items {
        text.push_str(item);
        text.push('\n');
    }
    write(dir, name, &text)
}

const FILE_A: &str =
    r#"{"kind":"File","fields":{"FileItem/FullPath":"/tmp/a","FileItem/FileName":"a"}}"#;
const PROC_B: &str = r#"{"kind":"Process","fields":{"ProcessItem/pid":7,"ProcessItem/name":"b"}}"#;

/// IOCs: a host-wide AND over a file and a process, and a file alone.
fn iocs(dir: &Path) -> PathBuf {
    let d = dir.join("iocs");
    std::fs::create_dir(&d).unwrap();
    write(
        &d,
        "and.ioc",
        &ioc11("both", "AND", &[("FileItem/FileName", "is", "a"), ("ProcessItem/name", "is", "b")]),
    );
    write(&d, "file.ioc", &ioc11("file-a", "OR", &[("FileItem/FileName", "is", "a")]));
    d
}

fn json(args: &[&Path]) -> (Value, i32) {
    let mut cmd = iocscan();
    cmd.args(["scan", "--format", "json"]);
    for a in &args[1..] {
        cmd.arg("--snapshot").arg(a);
    }
    cmd.arg(args[0]);
    let out = cmd.output().unwrap();
    let doc = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stdout)));
    (doc, out.status.code().unwrap())
}

fn detected(doc: &Value) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for h in doc["hosts"].as_array().unwrap() {
        for c in h["cards"].as_array().unwrap() {
            out.push((h["host"].as_str().unwrap().into(), c["id"].as_str().unwrap().into()));
        }
    }
    out
}

#[test]
fn items_of_two_hosts_never_meet() {
    let dir = tempfile::tempdir().unwrap();
    let iocs = iocs(dir.path());
    let web = snapshot(dir.path(), "web.jsonl", "web1", &["File", "Process"], &[FILE_A]);
    let db = snapshot(dir.path(), "db.jsonl", "db1", &["File", "Process"], &[PROC_B]);
    // web1 named twice is read once.
    let (doc, code) = json(&[&iocs, &web, &db, &web]);
    // The file alone detects on web1; the AND needs both halves on one host: nowhere.
    assert_eq!(detected(&doc), [("web1".to_string(), "file-a".to_string())]);
    assert_eq!(code, 1);
    let hosts: Vec<&str> =
        doc["hosts"].as_array().unwrap().iter().map(|h| h["host"].as_str().unwrap()).collect();
    assert_eq!(hosts, ["db1", "web1"]);
    assert_eq!(doc["summary"]["hosts"], 2);
    assert_eq!(doc["summary"]["hosts_detected"], 1);
    assert_eq!(doc["summary"]["detections"], 1);
    assert_eq!((&doc["summary"]["sources"], &doc["summary"]["items"]), (&2.into(), &2.into()));
    assert_eq!(doc["complete"], true);
}

#[test]
fn two_files_of_one_host_are_one_host() {
    let dir = tempfile::tempdir().unwrap();
    let iocs = iocs(dir.path());
    let files = snapshot(dir.path(), "web-files.jsonl", "web1", &["File"], &[FILE_A]);
    let procs = snapshot(dir.path(), "web-procs.jsonl", "web1", &["Process"], &[PROC_B]);
    let (doc, code) = json(&[&iocs, &files, &procs]);
    let found = detected(&doc);
    assert_eq!(found, [("web1".into(), "both".into()), ("web1".into(), "file-a".into())]);
    assert_eq!(code, 1);
    let host = &doc["hosts"][0];
    // Each file holds one kind; together the host holds both: nothing is missing.
    assert_eq!(host["summary"]["not_collected"], serde_json::json!([]));
    assert_eq!(host["summary"]["items"], serde_json::json!({"File": 1, "Process": 1}));
}

#[test]
fn a_kind_no_file_of_a_host_holds_is_undetermined_there() {
    let dir = tempfile::tempdir().unwrap();
    let iocs = iocs(dir.path());
    let web = snapshot(dir.path(), "web.jsonl", "web1", &["File"], &[FILE_A]);
    let db = snapshot(dir.path(), "db.jsonl", "db1", &["File", "Process"], &[]);
    let (doc, code) = json(&[&iocs, &web, &db]);
    assert_eq!(code, 1);
    let by_host = |name: &str| {
        doc["hosts"].as_array().unwrap().iter().find(|h| h["host"] == name).unwrap().clone()
    };
    let web = by_host("web1");
    assert_eq!(web["summary"]["not_collected"], serde_json::json!(["Process"]));
    // Fleet results list what is not clean: `both` is undetermined on web1 (no processes).
    let verdicts: Vec<(&str, &str)> = web["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| (r["id"].as_str().unwrap(), r["verdict"].as_str().unwrap()))
        .collect();
    assert_eq!(verdicts, [("both", "undetermined"), ("file-a", "detected")]);
    let db = by_host("db1");
    assert_eq!(db["results"], serde_json::json!([]));
    assert_eq!(db["summary"]["verdicts"]["clean"], 2);
    let errors = web["errors"].as_array().unwrap();
    assert!(errors[0]["subject"].as_str().unwrap().ends_with("web.jsonl"), "{errors:?}");
}

#[test]
fn folders_are_searched_and_bad_files_are_reported() {
    let dir = tempfile::tempdir().unwrap();
    let iocs = iocs(dir.path());
    let fleet = dir.path().join("fleet");
    std::fs::create_dir_all(fleet.join("rack2")).unwrap();
    snapshot(&fleet, "web.jsonl", "web1", &["File", "Process"], &[FILE_A, "not json", PROC_B]);
    snapshot(&fleet.join("rack2"), "db.jsonl", "db1", &["File", "Process"], &[PROC_B]);
    write(&fleet, "broken.jsonl", "{\"kind\":\"File\"}\n");
    write(&fleet, "notes.txt", "not a snapshot, not read");
    let (doc, code) = json(&[&iocs, &fleet]);
    assert_eq!(code, 1);
    let found = detected(&doc);
    assert_eq!(found, [("web1".into(), "both".into()), ("web1".into(), "file-a".into())]);
    let errors = doc["errors"].as_array().unwrap();
    let subjects: Vec<&str> = errors.iter().map(|e| e["subject"].as_str().unwrap()).collect();
    assert_eq!(subjects.len(), 2, "{errors:?}");
    assert!(subjects[0].ends_with("broken.jsonl"), "{subjects:?}");
    assert!(subjects[1].ends_with("web.jsonl:3"), "{subjects:?}");
    assert_eq!(doc["summary"]["problems"], 2);
    assert_eq!(doc["summary"]["sources"], 2);
}

#[test]
fn jsonl_events_and_text_name_their_host() {
    let dir = tempfile::tempdir().unwrap();
    let iocs = iocs(dir.path());
    let web = snapshot(dir.path(), "web.jsonl", "web1", &["File", "Process"], &[FILE_A]);
    let db = snapshot(dir.path(), "db.jsonl", "db1", &["File", "Process"], &[PROC_B]);
    let run = |args: &[&str]| {
        let out = iocscan()
            .args(["scan"])
            .args(args)
            .arg("--snapshot")
            .arg(&web)
            .arg("--snapshot")
            .arg(&db)
            .arg(&iocs)
            .output()
            .unwrap();
        (out.status.code(), String::from_utf8(out.stdout).unwrap())
    };
    let (code, out) = run(&["--format", "jsonl"]);
    assert_eq!(code, Some(1));
    let events: Vec<Value> = out.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    let kinds: Vec<(String, String)> = events
        .iter()
        .map(|e| (e["event"].as_str().unwrap().into(), e["host"].as_str().unwrap_or("-").into()))
        .collect();
    let expected = [
        ("summary", "db1"),
        ("card", "web1"),
        ("result", "web1"),
        ("summary", "web1"),
        ("fleet", "-"),
    ];
    let expected: Vec<(String, String)> =
        expected.iter().map(|(a, b)| (a.to_string(), b.to_string())).collect();
    assert_eq!(kinds, expected);
    assert_eq!(events[4]["hosts_detected"], 1);

    let (code, text) = run(&["--quiet"]);
    assert_eq!(code, Some(1));
    let db_at =
        text.find("== db1\nNo IOC detected.\n\nVerdicts of 2 IOCs:\n  0 detected").expect(&text);
    assert!(text.contains("  2 clean\nSummary: 2 IOCs loaded, 0 detected"), "{text}");
    let web_at = text.find("== web1\nDETECTED  file-a").expect(&text);
    let fleet_at = text.find("Fleet: 2 hosts, 1 with detections, 0 undetermined, 1 clean; 1 detection of 2 IOCs loaded").expect(&text);
    assert!(db_at < web_at && web_at < fleet_at, "{text}");
}

#[test]
fn one_snapshot_file_keeps_the_one_host_output() {
    let dir = tempfile::tempdir().unwrap();
    let iocs = iocs(dir.path());
    let web = snapshot(dir.path(), "web.jsonl", "web1", &["File", "Process"], &[FILE_A]);
    let (doc, code) = json(&[&iocs, &web]);
    assert_eq!(code, 1);
    assert!(doc.get("hosts").is_none());
    assert_eq!(doc["host"], "web1");
    assert_eq!(doc["results"].as_array().unwrap().len(), 2);
}

#[test]
fn a_source_of_many_hosts_reports_each_on_its_own() {
    use iocscan::driver::fleet::{scan_fleet, HostItems, IterSource};
    use iocscan::driver::{HostSource, ScanOptions};
    use iocscan::{Field, Item, ItemKind};
    let dir = tempfile::tempdir().unwrap();
    let loaded = iocscan::load_ruleset(&[iocs(dir.path())]);
    let file = Item::new(ItemKind::File).with(Field::FileFileName, "a");
    let process = Item::new(ItemKind::Process).with(Field::ProcessName, "b");
    let kinds = vec![ItemKind::File, ItemKind::Process];
    // Rows sorted by host, as a columnar reader yields them: web1 holds both halves of the
    // AND, db1 a process only, then a problem ends the source.
    let hosts: Vec<Result<HostItems, String>> = vec![
        Ok(("db1".into(), kinds.clone(), vec![process.clone()])),
        Ok(("web1".into(), kinds.clone(), vec![file])),
        Ok(("web1".into(), kinds.clone(), vec![process])),
        Err("row group 3 is corrupt".into()),
    ];
    let source: Box<dyn HostSource> = Box::new(IterSource::new("lake", hosts.into_iter()));
    let mut reports = Vec::new();
    let fleet =
        scan_fleet(&loaded.ruleset, vec![source], Vec::new(), &ScanOptions::default(), &mut |r| {
            reports.push(r)
        });
    let found: Vec<(String, Vec<String>)> = reports
        .iter()
        .map(|r| (r.host.clone().unwrap(), r.cards.iter().map(|c| c.id.clone()).collect()))
        .collect();
    assert_eq!(
        found,
        [("db1".into(), vec![]), ("web1".into(), vec!["both".to_string(), "file-a".to_string()])]
    );
    assert_eq!(fleet.summary.hosts, 2);
    assert_eq!(fleet.summary.items, 3);
    assert_eq!(fleet.problems.len(), 1);
    assert_eq!(fleet.problems[0].to_string(), "lake: row group 3 is corrupt");
}

#[test]
fn a_host_scanned_in_a_fleet_is_the_host_scanned_alone() {
    let dir = tempfile::tempdir().unwrap();
    let iocs = iocs(dir.path());
    let folder = dir.path().join("fleet");
    std::fs::create_dir(&folder).unwrap();
    let rich = r#"{"kind":"File","fields":{"FileItem/FullPath":"/tmp/a","FileItem/FileName":"a","FileItem/SizeInBytes":12,"FileItem/INode":5,"FileItem/Md5sum":"d41d8cd98f00b204e9800998ecf8427e"}}"#;
    let web = snapshot(&folder, "web.jsonl", "web1", &["File", "Process"], &[rich, PROC_B]);
    let (alone, _) = json(&[&iocs, &web]);
    let (fleet, code) = json(&[&iocs, &folder]);
    assert_eq!(code, 1);
    let host = &fleet["hosts"][0];
    // The fleet reads only the fields the IOCs and the cards use: same cards, same verdicts.
    assert_eq!(host["cards"], alone["cards"]);
    assert_eq!(host["summary"]["verdicts"], alone["summary"]["verdicts"]);
    assert_eq!(host["summary"]["items"], alone["summary"]["items"]);
    assert_eq!(host["cards"].as_array().map(Vec::len), Some(2));
}
