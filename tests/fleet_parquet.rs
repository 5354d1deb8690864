//! Many hosts in Parquet through `iocscan scan --snapshot DIR`: the items of three hosts, as
//! three JSON Lines files and as one Parquet snapshot folder converted from them, give the
//! same per-host reports; and a host-wide AND satisfied only across two hosts of one Parquet
//! folder does not detect.

mod common;

use common::*;
use serde_json::Value;
use std::path::Path;

/// A snapshot of `host` holding `items` (JSON item lines), every kind collected.
fn snapshot(path: &Path, host: &str, items: &[Value]) {
    let kinds: Vec<&str> = ["File", "Process", "Port", "ArpEntry", "SystemInfo", "User"].to_vec();
    let header = serde_json::json!({
        "format": "iocscan-snapshot", "version": 1, "host": host,
        "time": "2026-12-01T00:00:00Z", "tool": "iocscan test", "kinds": kinds,
    });
    let mut text = header.to_string() + "\n";
    for item in items {
        text.push_str(&item.to_string());
        text.push('\n');
    }
    std::fs::write(path, text).expect("write snapshot");
}

/// The per-host parts a reader compares: cards, results and counts, not timings or paths.
fn hosts_of(doc: &Value) -> Vec<Value> {
    let mut hosts = doc["hosts"].as_array().cloned().unwrap_or_default();
    for h in &mut hosts {
        if let Some(summary) = h["summary"].as_object_mut() {
            summary.remove("elapsed_seconds");
        }
        h.as_object_mut().map(|o| o.remove("errors"));
    }
    hosts
}

fn convert(inputs: &[&Path], out: &Path) {
    let mut cmd = iocscan();
    cmd.arg("snapshot").arg("convert").args(inputs).arg("-o").arg(out);
    cmd.assert().success();
}

fn scan_fleet(snapshots: &[&Path], iocs: &Path) -> (i32, Value) {
    let mut cmd = iocscan();
    cmd.args(["scan", "--quiet", "--format", "json"]);
    for s in snapshots {
        cmd.arg("--snapshot").arg(s);
    }
    let out = cmd.arg(iocs).output().expect("run");
    let doc = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stderr)));
    (out.status.code().unwrap_or(-1), doc)
}

#[test]
fn three_hosts_in_parquet_report_as_in_json_lines() {
    let samples = Path::new(env!("CARGO_MANIFEST_DIR")).join("ioc-samples");
    // The detected samples' items, dealt round-robin to three hosts.
    let mut per_host: Vec<Vec<Value>> = vec![Vec::new(); 3];
    let mut names: Vec<_> = std::fs::read_dir(&samples)
        .expect("ioc-samples")
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.to_string_lossy().ends_with(".items.json"))
        .collect();
    names.sort();
    let mut dealt = 0;
    for path in names {
        let doc: Value =
            serde_json::from_slice(&std::fs::read(&path).expect("read")).expect("json");
        if doc["detected"] != true {
            continue;
        }
        // Recorded events need their kinds in the header: keep the six state kinds here.
        let items = doc["items"].as_array().cloned().unwrap_or_default();
        let state = ["File", "Process", "Port", "ArpEntry", "SystemInfo", "User"];
        if items.iter().all(|i| state.contains(&i["kind"].as_str().unwrap_or_default())) {
            per_host[dealt % 3].extend(items);
            dealt += 1;
        }
    }
    assert!(dealt >= 9, "only {dealt} samples");
    let dir = tempfile::tempdir().expect("tempdir");
    let files: Vec<_> = (0..3).map(|h| dir.path().join(format!("host{h}.jsonl"))).collect();
    for (h, items) in per_host.iter().enumerate() {
        snapshot(&files[h], &format!("host-{h}"), items);
    }
    let parquet = dir.path().join("fleet.parquet.d");
    convert(&files.iter().map(|f| f.as_path()).collect::<Vec<_>>(), &parquet);
    let (code_jsonl, jsonl) =
        scan_fleet(&files.iter().map(|f| f.as_path()).collect::<Vec<_>>(), &samples);
    let (code_parquet, parquet_doc) = scan_fleet(&[&parquet], &samples);
    assert_eq!(code_jsonl, 1, "{jsonl}");
    assert_eq!(code_parquet, 1, "{parquet_doc}");
    let (a, b) = (hosts_of(&jsonl), hosts_of(&parquet_doc));
    assert_eq!(a.len(), 3);
    let cards: usize = a.iter().map(|h| h["cards"].as_array().map_or(0, Vec::len)).sum();
    assert!(cards >= 9, "{cards} cards");
    assert_eq!(a, b);
}

#[test]
fn a_host_wide_and_across_two_parquet_hosts_does_not_detect() {
    let dir = tempfile::tempdir().expect("tempdir");
    let file = |path: &str| serde_json::json!({"kind": "File", "fields": {"FileItem/FullPath": path, "FileItem/FileName": path.rsplit('/').next()}});
    let process = |name: &str| serde_json::json!({"kind": "Process", "fields": {"ProcessItem/pid": 7, "ProcessItem/name": name}});
    let a = dir.path().join("a.jsonl");
    let b = dir.path().join("b.jsonl");
    snapshot(&a, "host-a", &[file("/tmp/dropper.bin")]);
    snapshot(&b, "host-b", &[process("implantd")]);
    let parquet = dir.path().join("pq");
    convert(&[&a, &b], &parquet);
    let iocs = dir.path().join("iocs");
    std::fs::create_dir(&iocs).expect("mkdir");
    let conds =
        [("FileItem/FileName", "is", "dropper.bin"), ("ProcessItem/name", "is", "implantd")];
    write(&iocs, "both.ioc", &ioc11("both-on-one-host", "AND", &conds));
    let (code, doc) = scan_fleet(&[&parquet], &iocs);
    assert_eq!(code, 0, "{doc}");
    assert_eq!(doc["hosts"].as_array().map(Vec::len), Some(2), "{doc}");
    assert!(doc["hosts"]
        .as_array()
        .expect("hosts")
        .iter()
        .all(|h| h["cards"] == serde_json::json!([])));
    // The same items on one host detect.
    let one = dir.path().join("one.jsonl");
    snapshot(&one, "host-a", &[file("/tmp/dropper.bin"), process("implantd")]);
    let (code, _) = scan_fleet(&[&one, &b], &iocs);
    assert_eq!(code, 1);
}
