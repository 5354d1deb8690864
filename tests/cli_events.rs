//! Event terms and process sub-lists on this very host, through the `iocscan` command:
//! processEvent, imageLoadEvent and fileWriteEvent as views over live state, and the
//! HandleList of a real child process. IOCs are written as HX exports write them
//! (`<Context document="processEvent" search="processEvent/process" type="event"/>`).

#![cfg(target_os = "linux")]

mod common;

use common::*;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

/// An OpenIOC 1.1 document in HX's spelling: one Indicator of `operator` over `conds`.
fn hx(id: &str, operator: &str, conds: &[Cond<'_>]) -> String {
    let mut items = String::new();
    for (i, (term, condition, content)) in conds.iter().enumerate() {
        let document = term.split('/').next().unwrap_or_default();
        let (context_type, content_type) = match document {
            "ProcessItem" => ("mir", "string"),
            _ => ("event", if term.ends_with("/md5") { "md5" } else { "string" }),
        };
        items.push_str(&format!(
            "<IndicatorItem id=\"{id}-{i}\" condition=\"{condition}\" preserve-case=\"false\" negate=\"false\">\
             <Context document=\"{document}\" search=\"{term}\" type=\"{context_type}\"/>\
             <Content type=\"{content_type}\">{content}</Content></IndicatorItem>\n"
        ));
    }
    format!(
        "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n\
         <OpenIOC xmlns=\"http://openioc.org/schemas/OpenIOC_1.1\" id=\"{id}\" last-modified=\"2026-01-01T00:00:00\">\
         <metadata><short_description>{id}</short_description><links/></metadata><criteria>\
         <Indicator operator=\"{operator}\" id=\"{id}-top\">\n{items}</Indicator></criteria></OpenIOC>\n"
    )
}

/// Waits until `/proc/PID/maps` names `needle` (the child has loaded what the test needs).
fn wait_for_mapping(pid: u32, needle: &str) -> bool {
    let deadline = Instant::now() + Duration::from_secs(20);
    while Instant::now() < deadline {
        let maps = std::fs::read_to_string(format!("/proc/{pid}/maps")).unwrap_or_default();
        if maps.contains(needle) {
            return true;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    false
}

/// A copy of `sleep` under a name no other process has, and the name.
fn unique_sleep(dir: &Path, tag: &str) -> Option<(PathBuf, String)> {
    let sleep = ["/bin/sleep", "/usr/bin/sleep"].into_iter().find(|p| Path::new(p).exists())?;
    let name = format!("evsleep{}{tag}", std::process::id());
    let copy = dir.join(&name);
    std::fs::copy(sleep, &copy).ok()?;
    Some((copy, name))
}

fn verdict_of(doc: &serde_json::Value, id: &str) -> String {
    let results = doc["results"].as_array().cloned().unwrap_or_default();
    let result = results.iter().find(|r| r["id"] == id).unwrap_or_else(|| panic!("{id}: {doc}"));
    result["verdict"].as_str().unwrap_or_default().to_owned()
}

#[test]
fn process_event_and_binds_one_process() {
    let s = Setup::new();
    let Some((copy, name)) = unique_sleep(s.dir.path(), "a") else {
        eprintln!("skipped: no sleep binary to copy");
        return;
    };
    let pid = std::process::id();
    let (mine, other) = (format!("3600.{pid}1"), format!("3600.{pid}2"));
    // Another test thread forking while the copy was open for writing makes exec fail with
    // "text file busy" until that child has exec'd: retry briefly.
    let mut spawned = Command::new(&copy).arg(&mine).spawn();
    for _ in 0..100 {
        match &spawned {
            Err(e) if e.raw_os_error() == Some(26) => {
                std::thread::sleep(Duration::from_millis(10));
                spawned = Command::new(&copy).arg(&mine).spawn();
            }
            _ => break,
        }
    }
    let a = Reaped(spawned.expect("spawn the copy"));
    let _b = Reaped(Command::new("sleep").arg(&other).spawn().expect("spawn sleep"));
    assert!(wait_for_mapping(a.0.id(), &name), "the copy runs");
    let together = [
        ("processEvent/process", "is", name.as_str()),
        ("processEvent/processCmdLine", "contains", mine.as_str()),
    ];
    let split = [
        ("processEvent/process", "is", name.as_str()),
        ("processEvent/processCmdLine", "contains", other.as_str()),
    ];
    s.ioc("together.ioc", &hx("together", "AND", &together));
    s.ioc("split.ioc", &hx("split", "AND", &split));
    let (code, doc) = s.scan_json(&["--items", "process-event"]);
    assert_eq!(code, 1, "{doc}");
    assert_eq!(card_ids(&doc), ["together"], "{doc}");
    let fields = &doc["cards"][0]["branches"][0]["objects"][0]["item"]["fields"];
    assert_eq!(fields["eventItem/processEvent/pid"], a.0.id(), "{doc}");
    assert_eq!(verdict_of(&doc, "split"), "clean", "{doc}");
}

#[test]
fn image_load_and_open_handle_find_the_child() {
    let s = Setup::new();
    let python = Command::new("python3").args(["-c", "import ctypes"]).output();
    let lib = ["/lib/x86_64-linux-gnu/libz.so.1", "/usr/lib/x86_64-linux-gnu/libz.so.1"]
        .into_iter()
        .chain(["/lib64/libz.so.1", "/usr/lib64/libz.so.1", "/lib/aarch64-linux-gnu/libz.so.1"])
        .find(|p| Path::new(p).exists());
    let (Ok(out), Some(lib)) = (python, lib) else {
        eprintln!("skipped: needs python3 with ctypes and libz.so.1");
        return;
    };
    if !out.status.success() {
        eprintln!("skipped: python3 has no ctypes");
        return;
    }
    let lib_name = format!("libev{}.so", std::process::id());
    let lib_copy = s.dir.path().join(&lib_name);
    std::fs::copy(lib, &lib_copy).expect("copy libz");
    let held = s.file(&format!("held{}.txt", std::process::id()), "open while scanned");
    let script = "import ctypes, sys, time\n\
                  ctypes.CDLL(sys.argv[1])\n\
                  f = open(sys.argv[2])\n\
                  time.sleep(120)\n";
    let child = Command::new("python3")
        .args(["-c", script])
        .arg(&lib_copy)
        .arg(&held)
        .spawn()
        .expect("spawn python3");
    let child = Reaped(child);
    assert!(wait_for_mapping(child.0.id(), &lib_name), "the child maps the library");
    std::thread::sleep(Duration::from_millis(200));
    let held_name = held.file_name().unwrap().to_string_lossy().into_owned();
    s.ioc("load.ioc", &hx("load", "AND", &[("imageLoadEvent/fileName", "is", &lib_name)]));
    let handle = [("ProcessItem/HandleList/Handle/Name", "contains", held_name.as_str())];
    s.ioc("handle.ioc", &hx("handle", "AND", &handle));
    let (code, doc) = s.scan_json(&["--items", "process,image-load-event"]);
    assert_eq!(code, 1, "{doc}");
    assert_eq!(card_ids(&doc), ["handle", "load"], "{doc}");
    for card in doc["cards"].as_array().unwrap() {
        let fields = &card["branches"][0]["objects"][0]["item"]["fields"];
        let pid = fields
            .get("eventItem/imageLoadEvent/pid")
            .or_else(|| fields.get("ProcessItem/pid"))
            .unwrap_or_else(|| panic!("{card}"));
        assert_eq!(pid, &serde_json::Value::from(child.0.id()), "{card}");
    }
}

#[test]
fn file_write_events_are_the_walked_files() {
    use md5::Digest;
    let s = Setup::new();
    let content = "hello\nworld, written by a test";
    let file = s.file(&unique("written"), content);
    let md5 = hex::encode(md5::Md5::digest(content.as_bytes()));
    let name = file.file_name().unwrap().to_string_lossy().into_owned();
    s.ioc("md5.ioc", &hx("by-md5", "AND", &[("fileWriteEvent/md5", "is", &md5)]));
    let text = [
        ("fileWriteEvent/fileName", "is", name.as_str()),
        ("fileWriteEvent/textAtLowestOffset", "is", "hello.world, written by a test"),
    ];
    s.ioc("text.ioc", &hx("by-text", "AND", &text));
    let writer = [("fileWriteEvent/process", "is", "evil.exe")];
    s.ioc("writer.ioc", &hx("by-writer", "AND", &writer));
    let (code, doc) = s.scan_json(&["--items", "file-write-event"]);
    assert_eq!(code, 1, "{doc}");
    assert_eq!(card_ids(&doc), ["by-md5", "by-text"], "{doc}");
    assert_eq!(verdict_of(&doc, "by-writer"), "undetermined", "the writer is not observable");
    assert!(doc["summary"]["items"]["fileWriteEvent"].as_u64() >= Some(1), "{doc}");
}

#[test]
fn ipv4_network_event_is_a_socket_and_its_owner() {
    let s = Setup::new();
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("addr").port().to_string();
    let pid = std::process::id().to_string();
    let conds = [
        ("ipv4NetworkEvent/localPort", "is", port.as_str()),
        ("ipv4NetworkEvent/localIP", "is", "127.0.0.1"),
        ("ipv4NetworkEvent/pid", "is", pid.as_str()),
    ];
    s.ioc("net.ioc", &hx("net", "AND", &conds));
    let (code, doc) = s.scan_json(&["--items", "ipv4-network-event"]);
    drop(listener);
    assert_eq!(code, 1, "{doc}");
    assert_eq!(card_ids(&doc), ["net"], "{doc}");
}

#[test]
fn collect_saves_the_event_kinds() {
    let s = Setup::new();
    s.file("a.txt", "abc");
    let out = s.dir.path().join("snap.jsonl");
    let status = iocscan()
        .args(["collect", "--items", "process-event,image-load-event,file-write-event", "--hash"])
        .arg("--path")
        .arg(s.host())
        .arg("-o")
        .arg(&out)
        .timeout(Duration::from_secs(120))
        .output()
        .expect("run collect");
    assert!(status.status.success(), "{}", String::from_utf8_lossy(&status.stderr));
    let text = std::fs::read_to_string(&out).expect("snapshot");
    let kinds: Vec<String> = text
        .lines()
        .skip(1)
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .filter_map(|v| v["kind"].as_str().map(str::to_owned))
        .collect();
    for kind in ["processEvent", "imageLoadEvent", "fileWriteEvent"] {
        assert!(kinds.iter().any(|k| k == kind), "{kind} missing");
    }
    assert!(!kinds.iter().any(|k| k == "File"), "FileItem not asked");
    let write = text.lines().find(|l| l.contains("\"kind\":\"fileWriteEvent\"")).expect("event");
    assert!(write.contains("\"eventItem/fileWriteEvent/dataAtLowestOffset\":\"YWJj\""), "{write}");
    // And the snapshot scans: the same file is detected by its hash.
    let md5 = "900150983cd24fb0d6963f7d28e17f72";
    s.ioc("md5.ioc", &hx("by-md5", "AND", &[("fileWriteEvent/md5", "is", md5)]));
    let scanned = iocscan()
        .args(["scan", "--quiet", "--format", "json", "--snapshot"])
        .arg(&out)
        .arg(s.iocs())
        .timeout(Duration::from_secs(120))
        .output()
        .expect("run scan");
    let doc: serde_json::Value = serde_json::from_slice(&scanned.stdout).expect("JSON");
    assert_eq!(scanned.status.code(), Some(1), "{doc}");
    assert_eq!(card_ids(&doc), ["by-md5"], "{doc}");
}
