//! The `iocscan` command, run as a real process in temporary directories.

use assert_cmd::Command;
use predicates::prelude::*;
use std::fs;
use std::path::{Path, PathBuf};

fn iocscan() -> Command {
    Command::cargo_bin("iocscan").expect("binary built")
}

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
    assert_eq!(text.lines().filter(|l| l.contains("Item/")).count(), iocscan::terms::TERMS.len());

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

#[allow(dead_code)]
fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let path = dir.join(name);
    fs::write(&path, text).expect("write");
    path
}
