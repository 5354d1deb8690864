//! Verdicts through the command: every IOC's verdict in every format, `--results`,
//! `--explain`, `--fail-on-undetermined`, the quiet diagnostics summary, and a snapshot scan
//! giving the same verdicts as the live scan of the same items.

mod common;

use common::{ioc11, iocscan, sha256_of, Setup};
use predicates::prelude::*;
use std::collections::BTreeMap;

/// Three IOCs over one file `seen.txt`: one detected, one clean (name and hash of another
/// file, bound to one file), one undetermined (an OR through an unsupported term).
fn three(s: &Setup) {
    s.file("seen.txt", "seen");
    s.file("other.txt", "other");
    s.ioc("det.ioc", &ioc11("det", "OR", &[("FileItem/FileName", "is", "seen.txt")]));
    let other_hash = sha256_of("other");
    s.ioc(
        "clean.ioc",
        &ioc11(
            "clean",
            "AND",
            &[("FileItem/FileName", "is", "seen.txt"), ("FileItem/Sha256sum", "is", &other_hash)],
        ),
    );
    s.ioc(
        "open.ioc",
        &ioc11(
            "open",
            "OR",
            &[("FileItem/FileName", "is", "absent.exe"), ("RegistryItem/Path", "contains", "Run")],
        ),
    );
}

fn verdicts(doc: &serde_json::Value) -> BTreeMap<String, String> {
    let results = doc["results"].as_array().expect("results");
    results
        .iter()
        .map(|r| (r["id"].as_str().unwrap().to_owned(), r["verdict"].as_str().unwrap().to_owned()))
        .collect()
}

#[test]
fn every_ioc_gets_a_verdict_with_its_reasons() {
    let s = Setup::new();
    three(&s);
    let (code, doc) = s.scan_json(&[]);
    assert_eq!(code, 1);
    let v = verdicts(&doc);
    assert_eq!(v["det"], "detected");
    assert_eq!(v["clean"], "clean");
    assert_eq!(v["open"], "undetermined");
    let open = doc["results"].as_array().unwrap().iter().find(|r| r["id"] == "open").unwrap();
    assert_eq!(open["reasons"][0]["reason"], "unsupported-term");
    assert_eq!(open["reasons"][0]["term"], "RegistryItem/Path");
    let counts = &doc["summary"]["verdicts"];
    assert_eq!(
        (&counts["detected"], &counts["undetermined"], &counts["clean"]),
        (&1.into(), &1.into(), &1.into())
    );

    // Text: the counts, the grouped reasons, and with --results every IOC's line.
    let out = s.scan(&["--results"]).output().expect("run");
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("Verdicts of 3 IOCs:\n  1 detected\n  1 undetermined"), "{text}");
    assert!(text.contains("\n  1 clean\n"), "{text}");
    assert!(text.contains("1 undetermined: 1 use terms not evaluated (RegistryItem 1)"), "{text}");
    assert!(text.contains("undetermined open "), "{text}");
    assert!(text.contains("unsupported term RegistryItem/Path (1 item)"), "{text}");
    assert!(text.contains("clean        clean "), "{text}");
}

#[test]
fn fail_on_undetermined_exits_3_only_when_nothing_is_detected() {
    let s = Setup::new();
    s.file("seen.txt", "seen");
    s.ioc(
        "open.ioc",
        &ioc11("open", "OR", &[("FileItem/FileName", "is", "x"), ("RegistryItem/Path", "is", "y")]),
    );
    s.scan(&[]).assert().code(0);
    s.scan(&["--fail-on-undetermined"]).assert().code(3);
    s.ioc("det.ioc", &ioc11("det", "OR", &[("FileItem/FileName", "is", "seen.txt")]));
    s.scan(&["--fail-on-undetermined"]).assert().code(1);
    iocscan()
        .args(["scan", "--help"])
        .assert()
        .stdout(predicate::str::contains("--fail-on-undetermined"));
}

#[test]
fn explain_shows_each_condition_outcome() {
    let s = Setup::new();
    three(&s);
    let out = s.scan(&["--explain", "clean"]).output().expect("run");
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("EXPLAIN  clean  clean"), "{text}");
    assert!(text.contains("FileItem conditions on one object: false"), "{text}");
    assert!(text.contains("- FileItem/FileName is seen.txt: true, true on 1 object"), "{text}");
    assert!(text.contains("- FileItem/Sha256sum is"), "{text}");
    let (_, doc) = s.scan_json(&["--explain", "open"]);
    let e = &doc["explanations"][0];
    assert_eq!((&e["id"], &e["verdict"]), (&"open".into(), &"undetermined".into()));
    assert_eq!(e["tree"][0]["value"], "unknown");
}

#[test]
fn diagnostics_are_summarised_on_stderr_unless_verbose() {
    let s = Setup::new();
    s.file("seen.txt", "seen");
    for i in 0..5 {
        let conds = [("FileItem/FileName", "is", "x"), ("RegistryItem/Path", "is", "y")];
        s.ioc(&format!("u{i}.ioc"), &ioc11(&format!("u{i}"), "OR", &conds));
    }
    let run = |verbose: bool| {
        let mut cmd = iocscan();
        cmd.arg("scan").arg("--path").arg(s.host());
        if verbose {
            cmd.arg("--verbose");
        }
        let out = cmd.arg(s.iocs()).output().expect("run");
        String::from_utf8(out.stderr).unwrap()
    };
    let quiet = run(false);
    let lines: Vec<&str> = quiet.lines().filter(|l| l.contains("W-unsupported-term")).collect();
    assert_eq!(lines.len(), 1, "{quiet}");
    assert!(lines[0].contains("5 W-unsupported-term in 5 files, e.g. "), "{quiet}");
    assert!(quiet.contains("`iocscan check` lists every diagnostic"), "{quiet}");
    let verbose = run(true);
    assert_eq!(
        verbose.lines().filter(|l| l.contains("W-unsupported-term")).count(),
        5,
        "{verbose}"
    );
}

#[test]
fn a_snapshot_scan_gives_the_live_verdicts() {
    let s = Setup::new();
    three(&s);
    let snapshot = s.dir.path().join("s.jsonl");
    iocscan()
        .args(["collect", "--quiet", "--hash", "--items", "file", "--path"])
        .arg(s.host())
        .arg("-o")
        .arg(&snapshot)
        .assert()
        .code(0);
    let (_, live) = s.scan_json(&["--items", "file"]);
    let out = iocscan()
        .args(["scan", "--quiet", "--format", "json", "--snapshot"])
        .arg(&snapshot)
        .arg(s.iocs())
        .output()
        .expect("run");
    let saved: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(verdicts(&live), verdicts(&saved));
    assert_eq!(live["results"], saved["results"]);

    // A snapshot without files leaves the file conditions unknown: undetermined, not clean.
    let empty = s.dir.path().join("users.jsonl");
    iocscan().args(["collect", "--quiet", "--items", "user", "-o"]).arg(&empty).assert().code(0);
    let out = iocscan()
        .args(["scan", "--quiet", "--format", "json", "--snapshot"])
        .arg(&empty)
        .arg(s.iocs())
        .output()
        .expect("run");
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    assert!(verdicts(&doc).values().all(|v| v == "undetermined"), "{doc}");
    assert_eq!(doc["summary"]["not_collected"][0], "File");
}
