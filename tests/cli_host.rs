//! The `iocscan` command on the other item kinds of this very host, and the README demo
//! (progress line, Ctrl-C).

mod common;

use common::*;
use predicates::prelude::*;
use std::fs;
use std::path::Path;
use std::time::Duration;

// ---------------------------------------------------------------------------------------------
// scan: the other item kinds, on this very host

#[cfg(target_os = "linux")]
#[test]
fn child_process_found_by_its_arguments() {
    let s = Setup::new();
    let tag = unique("child");
    let mut child = std::process::Command::new("sh")
        .args(["-c", "sleep 60; true", &tag])
        .spawn()
        .expect("spawn sh");
    s.ioc("p.ioc", &ioc11("child-args", "OR", &[("ProcessItem/arguments", "contains", &tag)]));
    let (code, doc) = s.scan_json(&["--items", "process"]);
    let _ = child.kill();
    let _ = child.wait();
    assert_eq!(code, 1, "{doc}");
    let fields = &doc["cards"][0]["branches"][0]["objects"][0]["item"]["fields"];
    assert_eq!(fields["ProcessItem/pid"], child.id(), "{doc}");
}

#[cfg(target_os = "linux")]
#[test]
fn tcp_listener_found_by_its_port() {
    let s = Setup::new();
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("addr").port().to_string();
    let conds = [("PortItem/localPort", "is", &*port), ("PortItem/localIP", "is", "127.0.0.1")];
    s.ioc("port.ioc", &ioc11("listener", "AND", &conds));
    let (code, doc) = s.scan_json(&[]);
    drop(listener);
    assert_eq!(code, 1, "{doc}");
    assert_eq!(card_ids(&doc), ["listener"]);
}

#[cfg(target_os = "linux")]
#[test]
fn current_user_and_hostname_are_found() {
    let s = Setup::new();
    let user = std::process::Command::new("id").arg("-un").output().expect("id -un");
    let user = String::from_utf8_lossy(&user.stdout).trim().to_owned();
    let host = iocscan::collect::host_name().expect("host name");
    s.ioc("u.ioc", &ioc11("me", "OR", &[("UserItem/Username", "is", &user)]));
    s.ioc("h.ioc", &ioc10("this-host", "OR", &[("SystemInfoItem/hostname", "is", &host)]));
    s.ioc("n.ioc", &ioc10("other-host", "OR", &[("SystemInfoItem/hostname", "is", &unique("h"))]));
    let (code, doc) = s.scan_json(&[]);
    assert_eq!(code, 1, "{doc}");
    assert_eq!(card_ids(&doc), ["me", "this-host"]);
    assert_eq!(doc["host"], host);
}

#[test]
fn items_filter_limits_what_is_collected() {
    let s = Setup::new();
    s.file("f.txt", "f");
    s.ioc("f.ioc", &ioc11("file-name", "OR", &[("FileItem/FileName", "is", "f.txt")]));
    let (code, doc) = s.scan_json(&["--items", "process,user"]);
    assert_eq!(code, 0, "{doc}");
    assert_eq!(doc["summary"]["files_walked"], 0);
    // A kind whose only condition can never match (bad content) is not collected at all.
    s.ioc("never.ioc", &ioc11("never", "OR", &[("ProcessItem/pid", "is", "not-a-number")]));
    let (code, doc) = s.scan_json(&[]);
    assert_eq!(code, 1, "{doc}");
    assert_eq!(doc["summary"]["items"], serde_json::json!({"File": 1}), "{doc}");
}

// ---------------------------------------------------------------------------------------------
// the demo of the README

#[test]
fn readme_demo_detects_marker_and_scanner() {
    let demo = Path::new(env!("CARGO_MANIFEST_DIR")).join("ioc-samples/demo");
    let out = iocscan()
        .args(["scan", "--quiet", "--format", "json", "--path"])
        .arg(&demo)
        .arg(&demo)
        .timeout(Duration::from_secs(120))
        .assert()
        .code(1);
    let doc: serde_json::Value = serde_json::from_slice(&out.get_output().stdout).expect("json");
    assert_eq!(
        card_ids(&doc),
        ["d0000000-0000-4000-8000-000000000001", "d0000000-0000-4000-8000-000000000002"]
    );
    assert_eq!(doc["summary"]["iocs_loaded"], 3);
    assert_eq!(doc["diagnostics"], serde_json::json!([]));
}

#[test]
fn no_progress_line_when_stderr_is_not_a_terminal() {
    let s = Setup::new();
    s.file("p.txt", "p");
    s.ioc("p.ioc", &ioc11("quiet", "OR", &[("FileItem/FileName", "is", "p.txt")]));
    let mut cmd = iocscan();
    cmd.arg("scan").arg("--path").arg(s.host()).arg(s.iocs());
    cmd.assert().code(1).stderr(predicate::str::contains("items ").not());
}

#[test]
fn ctrl_c_stops_the_scan_and_reports_it_incomplete() {
    let s = Setup::new();
    s.ioc("md5.ioc", &ioc11("md5", "OR", &[("FileItem/Md5sum", "is", &"0".repeat(32))]));
    // Sparse files: gigabytes to hash, no disk used, so the scan is still running when the
    // signal comes whatever the machine's speed.
    for i in 0..40 {
        let f = fs::File::create(s.host().join(format!("sparse-{i}"))).expect("create");
        f.set_len(150 << 20).expect("set_len");
    }
    let child = std::process::Command::new(assert_cmd::cargo::cargo_bin("iocscan"))
        .args(["scan", "--quiet", "--format", "json", "--path"])
        .arg(s.host())
        .arg(s.iocs())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("spawn");
    std::thread::sleep(Duration::from_millis(500));
    let kill = std::process::Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .expect("kill");
    assert!(kill.success());
    let out = child.wait_with_output().expect("wait");
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json report");
    assert_eq!(doc["complete"], serde_json::Value::Bool(false), "{doc}");
    assert!(doc["summary"]["files_hashed"].as_u64().unwrap_or(0) < 40, "{doc}");
    // Nothing detected in part of the host is not "nothing detected".
    assert_eq!(out.status.code(), Some(2), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stderr).contains("interrupted"));
}
