//! The `iocscan` command, run as a real process in temporary directories: usage, `check`,
//! and scans of files.

mod common;

use common::*;
use predicates::prelude::*;
use std::fs;
use std::path::Path;

// ---------------------------------------------------------------------------------------------
// usage, help, terms

#[test]
fn usage_errors_exit_2() {
    iocscan().assert().code(2);
    iocscan().args(["scan"]).assert().code(2).stderr(predicate::str::contains("IOC_PATH"));
    iocscan().args(["check"]).assert().code(2);
    iocscan()
        .args(["scan", "--items", "registry", "x.ioc"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("unknown item kind `registry`"));
    iocscan().args(["scan", "--max-hash-size", "12X", "x.ioc"]).assert().code(2);
    iocscan().args(["scan", "--format", "xml", "x.ioc"]).assert().code(2);
    iocscan().args(["scan", "--snapshot", "s", "--path", "/", "x.ioc"]).assert().code(2);
    iocscan().args(["collect", "--items", "user"]).assert().code(2);
}

#[test]
fn help_documents_exit_codes() {
    for args in [&["--help"][..], &["scan", "--help"], &["check", "--help"]] {
        iocscan()
            .args(args)
            .assert()
            .success()
            .stdout(predicate::str::contains("Exit codes:"))
            .stdout(predicate::str::contains("1 at least one IOC detected"));
    }
}

#[test]
fn terms_prints_the_catalogue() {
    let out = iocscan().args(["terms"]).assert().success().get_output().stdout.clone();
    let text = String::from_utf8(out).expect("utf-8");
    assert!(text.starts_with("TERM "), "{text}");
    let md5 = text.lines().find(|l| l.starts_with("FileItem/Md5sum ")).expect("md5 row");
    assert!(md5.contains("md5") && md5.contains("content"), "{md5}");
    let rows = text.lines().filter(|l| l.contains("Item/") || l.starts_with("Yara/")).count();
    assert_eq!(rows, iocscan::terms::TERMS.len());

    let json = iocscan().args(["terms", "--format", "json"]).assert().success();
    let json = String::from_utf8(json.get_output().stdout.clone()).expect("utf-8");
    assert_eq!(json, iocscan::terms::catalogue_json());
}

#[test]
fn collect_refuses_an_output_it_cannot_create() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join("missing-dir/s.jsonl");
    iocscan()
        .args(["collect", "--items", "user", "-o"])
        .arg(&out)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("cannot create"));
}

#[test]
fn scan_refuses_a_foreign_snapshot_and_no_iocs() {
    let dir = tempfile::tempdir().expect("tempdir");
    let empty = dir.path().join("empty");
    fs::create_dir(&empty).expect("mkdir");
    iocscan()
        .arg("scan")
        .arg(&empty)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("no IOC could be loaded"));
    let broken = write(dir.path(), "broken.ioc", "<ioc");
    iocscan().arg("scan").arg(&broken).assert().code(2).stderr(predicate::str::contains("E-xml"));
    let good =
        write(dir.path(), "good.ioc", &ioc11("g", "OR", &[("FileItem/FileName", "is", "x")]));
    let foreign = write(dir.path(), "foreign.jsonl", "{\"kind\":\"File\"}\n");
    iocscan()
        .arg("scan")
        .arg("--snapshot")
        .arg(&foreign)
        .arg(&good)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("not an iocscan snapshot"));
}

// ---------------------------------------------------------------------------------------------
// check

#[test]
fn check_exit_codes_and_diagnostics() {
    let s = Setup::new();
    s.ioc("good.ioc", &ioc11("good", "OR", &[("FileItem/FileName", "is", "a.exe")]));
    iocscan()
        .arg("check")
        .arg(s.iocs())
        .assert()
        .code(0)
        .stdout(predicate::str::contains("1 file(s) loaded, 0 rejected; 1 IOC(s)"));

    // A warning: the file loads (exit 0), unless --deny-warnings.
    let warn = s.ioc(
        "warn.ioc",
        &ioc11(
            "warn",
            "OR",
            &[("FileItem/FileName", "is", "b.exe"), ("FileItem/NoSuchTerm", "is", "x")],
        ),
    );
    iocscan()
        .arg("check")
        .arg(&warn)
        .assert()
        .code(0)
        .stdout(predicate::str::contains("warn.ioc:"))
        .stdout(predicate::str::contains(": W-unsupported-term: "));
    iocscan().arg("check").arg("--deny-warnings").arg(&warn).assert().code(1);

    // A rejected file: exit 1, with the located error.
    s.ioc("bad.ioc", "<ioc xmlns=\"http://schemas.mandiant.com/2010/ioc\" id=\"x\">\n<definition>");
    let out = iocscan().arg("check").arg(s.iocs()).assert().code(1);
    let text = String::from_utf8(out.get_output().stdout.clone()).expect("utf-8");
    let line = text.lines().find(|l| l.contains("E-xml")).expect("E-xml line");
    assert!(line.contains("bad.ioc:"), "{line}");
    assert!(text.contains("2 file(s) loaded, 1 rejected"), "{text}");

    let json = iocscan().args(["check", "--format", "json"]).arg(s.iocs()).assert().code(1);
    let doc: serde_json::Value =
        serde_json::from_slice(&json.get_output().stdout).expect("check json");
    assert_eq!(doc["files_seen"], 3);
    assert_eq!(doc["iocs"], 2);
    assert!(doc["diagnostics"].as_array().expect("array").iter().any(|d| d["code"] == "E-xml"));
}

#[test]
fn check_of_nothing_fails() {
    let s = Setup::new();
    iocscan()
        .arg("check")
        .arg(s.iocs())
        .assert()
        .code(1)
        .stdout(predicate::str::contains("no IOC file found"));
    iocscan().arg("check").arg(s.iocs().join("missing.ioc")).assert().code(1);
}

// ---------------------------------------------------------------------------------------------
// scan: files

#[test]
fn scan_finds_a_file_by_sha256_and_exit_codes_follow() {
    let s = Setup::new();
    let content = unique("content");
    s.file("sub/dropped.bin", &content);
    s.file("other.txt", "something else");
    s.ioc(
        "hash.ioc",
        &ioc11("by-hash", "OR", &[("FileItem/Sha256sum", "is", &sha256_of(&content))]),
    );
    let (code, doc) = s.scan_json(&[]);
    assert_eq!(code, 1, "{doc}");
    assert_eq!(card_ids(&doc), ["by-hash"]);
    let object = &doc["cards"][0]["branches"][0]["objects"][0]["item"]["fields"];
    let path = object["FileItem/FullPath"].as_str().expect("path");
    assert!(path.ends_with("sub/dropped.bin"), "{path}");
    assert_eq!(doc["summary"]["files_walked"], 2);
    assert_eq!(doc["complete"], true);

    // Text output: the card and the summary.
    s.scan(&[])
        .assert()
        .code(1)
        .stdout(predicate::str::contains("DETECTED  by-hash"))
        .stdout(predicate::str::contains("dropped.bin"))
        .stdout(predicate::str::contains("Summary: 1 IOC loaded, 1 detected"));

    // Nothing matches: exit 0.
    fs::remove_file(s.host().join("sub/dropped.bin")).expect("rm");
    let (code, doc) = s.scan_json(&[]);
    assert_eq!((code, card_ids(&doc).len()), (0, 0), "{doc}");
}

#[test]
fn item_scoped_and_binds_one_file() {
    let s = Setup::new();
    let (a, b) = (unique("a"), unique("b"));
    s.file("a.exe", &a);
    s.file("b.exe", &b);
    let same =
        [("FileItem/FileName", "is", "a.exe"), ("FileItem/Sha256sum", "is", &*sha256_of(&a))];
    let crossed =
        [("FileItem/FileName", "is", "a.exe"), ("FileItem/Sha256sum", "is", &*sha256_of(&b))];
    s.ioc("same.ioc", &ioc11("same-file", "AND", &same));
    s.ioc("crossed.ioc", &ioc11("crossed-files", "AND", &crossed));
    let (code, doc) = s.scan_json(&[]);
    assert_eq!(code, 1);
    assert_eq!(card_ids(&doc), ["same-file"], "{doc}");
}

#[test]
fn host_wide_and_across_documents_and_both_versions() {
    let s = Setup::new();
    s.file("marker.txt", "x");
    // File AND Process (the scanner itself) in one Indicator: combined host-wide.
    let both = [("FileItem/FileName", "is", "marker.txt"), ("ProcessItem/name", "is", "iocscan")];
    s.ioc("both-1.1.ioc", &ioc11("host-wide-11", "AND", &both));
    s.ioc("both-1.0.xml", &ioc10("host-wide-10", "AND", &both));
    let absent =
        [("FileItem/FileName", "is", "marker.txt"), ("ProcessItem/name", "is", &*unique("nope"))];
    s.ioc("absent.ioc", &ioc10("host-wide-absent", "AND", &absent));
    let (code, doc) = s.scan_json(&[]);
    assert_eq!(code, 1);
    assert_eq!(card_ids(&doc), ["host-wide-10", "host-wide-11"], "{doc}");
    assert_eq!(doc["summary"]["iocs_loaded"], 3);
}

#[test]
fn excludes_prune_folders() {
    let s = Setup::new();
    s.file("keep/x.txt", "keep");
    s.file("skip/deep/x.txt", "skip");
    s.ioc("x.ioc", &ioc11("name-x", "OR", &[("FileItem/FileName", "is", "x.txt")]));
    let pattern = format!("{}/skip", s.host().display());
    let (code, doc) = s.scan_json(&["--exclude", &pattern]);
    assert_eq!(code, 1);
    let branch = &doc["cards"][0]["branches"][0];
    assert_eq!(branch["total_objects"], 1, "{doc}");
    assert!(doc["summary"]["excluded"].as_u64().unwrap_or(0) >= 1, "{doc}");
    let (_, doc) = s.scan_json(&[]);
    assert_eq!(doc["cards"][0]["branches"][0]["total_objects"], 2, "{doc}");
    s.scan(&["--exclude", "[bad"]).assert().code(2).stderr(predicate::str::contains("[bad"));
}

#[cfg(unix)]
#[test]
fn hostile_trees_do_not_stop_the_scan() {
    use std::os::unix::fs::{symlink, PermissionsExt};
    let s = Setup::new();
    let content = unique("target");
    s.file("target.bin", &content);
    symlink(s.host(), s.host().join("loop")).expect("symlink");
    let fifo = s.host().join("pipe");
    let made = std::process::Command::new("mkfifo").arg(&fifo).status();
    assert!(made.is_ok_and(|st| st.success()), "mkfifo");
    s.file("locked/inner.bin", &content);
    s.file("secret.bin", &content);
    fs::set_permissions(s.host().join("locked"), fs::Permissions::from_mode(0o000)).expect("chmod");
    fs::set_permissions(s.host().join("secret.bin"), fs::Permissions::from_mode(0o000))
        .expect("chmod");
    let privileged = fs::read(s.host().join("secret.bin")).is_ok();
    s.ioc("h.ioc", &ioc11("by-hash", "OR", &[("FileItem/Sha256sum", "is", &sha256_of(&content))]));

    let (code, doc) = s.scan_json(&["--follow-symlinks"]);
    fs::set_permissions(s.host().join("locked"), fs::Permissions::from_mode(0o755)).expect("chmod");
    assert_eq!(code, 1, "{doc}");
    assert_eq!(card_ids(&doc), ["by-hash"]);
    let errors = doc["errors"].as_array().cloned().unwrap_or_default();
    let text = serde_json::to_string(&errors).expect("errors");
    if !privileged {
        assert!(text.contains("locked"), "{text}");
        assert!(text.contains("secret.bin"), "{text}");
        assert_eq!(doc["cards"][0]["branches"][0]["total_objects"], 1, "{doc}");
    }
    assert!(doc["summary"]["errors"].as_u64().unwrap_or(0) >= 1, "{doc}");
}

#[cfg(target_os = "linux")]
#[test]
fn non_utf8_names_are_escaped() {
    use std::ffi::OsStr;
    use std::os::unix::ffi::OsStrExt;
    let s = Setup::new();
    let name = OsStr::from_bytes(b"bad\xffname.txt");
    let content = unique("odd");
    fs::write(s.host().join(name), &content).expect("write odd name");
    s.ioc("h.ioc", &ioc11("odd-name", "OR", &[("FileItem/Sha256sum", "is", &sha256_of(&content))]));
    let (code, doc) = s.scan_json(&[]);
    assert_eq!(code, 1, "{doc}");
    let fields = &doc["cards"][0]["branches"][0]["objects"][0]["item"]["fields"];
    let path = fields["FileItem/FullPath"].as_str().expect("path");
    assert!(path.ends_with("bad\\xffname.txt"), "{path}");
    s.scan(&[]).assert().code(1).stdout(predicate::str::contains("bad\\xffname.txt"));

    // An IOC file with such a name: its cards and diagnostics name it escaped, in valid JSON.
    let odd_ioc = s.iocs().join(OsStr::from_bytes(b"odd\xfe.ioc"));
    let text = ioc11(
        "odd-ioc",
        "OR",
        &[("FileItem/FileName", "is", "nothing"), ("FileItem/Bogus", "is", "x")],
    );
    fs::write(&odd_ioc, text).expect("write odd ioc");
    let out = iocscan()
        .args(["scan", "--quiet", "--format", "json", "--path"])
        .arg(s.host())
        .arg(&odd_ioc)
        .output()
        .expect("run");
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    let file = doc["diagnostics"][0]["file"].as_str().expect("diagnostic file");
    assert!(file.ends_with("odd\\xfe.ioc"), "{file}");
    iocscan()
        .arg("check")
        .arg(&odd_ioc)
        .assert()
        .code(0)
        .stdout(predicate::str::contains("odd\\xfe.ioc:"));
}

#[test]
fn output_file_is_written_instead_of_stdout() {
    let s = Setup::new();
    s.file("o.txt", "o");
    s.ioc("o.ioc", &ioc11("out", "OR", &[("FileItem/FileName", "is", "o.txt")]));
    let report = s.dir.path().join("report.json");
    let out_arg = format!("--output={}", report.display());
    s.scan(&["--format", "json", &out_arg]).assert().code(1).stdout(predicate::str::is_empty());
    let doc: serde_json::Value =
        serde_json::from_slice(&fs::read(&report).expect("report")).expect("json");
    assert_eq!(card_ids(&doc), ["out"]);
    let bad = format!("--output={}", s.dir.path().join("no/such/dir").display());
    s.scan(&[&bad]).assert().code(2).stderr(predicate::str::contains("cannot create"));
}

#[test]
fn jsonl_prints_one_event_per_line() {
    let s = Setup::new();
    s.file("j.txt", "j");
    s.ioc(
        "j.ioc",
        &ioc11("jl", "OR", &[("FileItem/FileName", "is", "j.txt"), ("FileItem/Bogus", "is", "x")]),
    );
    let out = s.scan(&["--format", "jsonl"]).assert().code(1);
    let text = String::from_utf8(out.get_output().stdout.clone()).expect("utf-8");
    let events: Vec<serde_json::Value> =
        text.lines().map(|l| serde_json::from_str(l).expect("JSON line")).collect();
    let kinds: Vec<&str> = events.iter().filter_map(|e| e["event"].as_str()).collect();
    let kinds: Vec<&str> = kinds.into_iter().filter(|k| *k != "error").collect();
    assert_eq!(kinds, ["diagnostic", "card", "result", "summary"], "{text}");
    assert_eq!(events[1]["id"], "jl");
    assert_eq!((&events[2]["id"], &events[2]["verdict"]), (&"jl".into(), &"detected".into()));
    assert_eq!(events[3]["detected"], 1);
}

#[test]
fn debug_prints_the_model_and_the_compiled_tree() {
    let sample = Path::new(env!("CARGO_MANIFEST_DIR")).join("ioc-samples/host-wide-and.ioc");
    let golden = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/tree/host-wide-and.tree");
    let want = fs::read_to_string(golden).expect("tree golden");
    iocscan()
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args(["debug", "tree", "ioc-samples/host-wide-and.ioc"])
        .assert()
        .code(0)
        .stdout(want);
    let out = iocscan().args(["debug", "model"]).arg(&sample).output().expect("run");
    let model: serde_json::Value = serde_json::from_slice(&out.stdout).expect("model JSON");
    assert_eq!(model[0]["id"], "sample-host-wide");
    assert_eq!(model[0]["criteria"][0]["operator"], "AND");
    iocscan().args(["debug", "tree", "/no/such.ioc"]).assert().code(2);
}

/// The command turns transparent huge pages off for itself (its allocator advises them, and
/// then the first byte touched in any 2 MiB has the kernel clear all of it): seen in
/// `/proc/PID/status` while the scan waits to open its output, a FIFO nobody reads.
#[cfg(target_os = "linux")]
#[test]
fn the_command_runs_without_transparent_huge_pages() {
    use std::time::{Duration, Instant};
    let thp = |status: &str| -> Option<bool> {
        let text = fs::read_to_string(status).ok()?;
        let value = text.lines().find_map(|l| l.strip_prefix("THP_enabled:"))?.trim().to_owned();
        Some(value == "1")
    };
    // A kernel before 5.0 does not say; a test run that has them off already cannot tell.
    if thp("/proc/self/status") != Some(true) {
        return;
    }
    let s = Setup::new();
    s.ioc("a.ioc", &ioc11("a", "OR", &[("FileItem/FileName", "is", "a.txt")]));
    let out = tempfile::tempdir().expect("tempdir");
    let fifo = out.path().join("report");
    let made = std::process::Command::new("mkfifo").arg(&fifo).status();
    assert!(made.is_ok_and(|st| st.success()), "mkfifo");
    let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin("iocscan"))
        .args(["scan", "--quiet", "--path"])
        .arg(s.host())
        .arg("--output")
        .arg(&fifo)
        .arg(s.iocs())
        .env_remove("MIMALLOC_ALLOW_THP")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("spawn");
    // Until its `main` runs the child has the flag it inherited: wait for it to change
    // (bounded; the child then blocks opening the FIFO until it is killed).
    let status = format!("/proc/{}/status", child.id());
    let deadline = Instant::now() + Duration::from_secs(30);
    let mut seen = thp(&status);
    while seen != Some(false) && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(10));
        seen = thp(&status);
    }
    let _ = child.kill();
    let _ = child.wait();
    assert_eq!(seen, Some(false), "THP_enabled in {status}");
}
