//! The published JSON Schemas (`schema/output.schema.json`, `schema/snapshot.schema.json`,
//! draft 2020-12) accept what iocscan writes and reject what it must not write.

use assert_cmd::Command;
use iocscan::item::{Item, ItemKind, Value};
use iocscan::snapshot::{Header, SnapshotWriter};
use iocscan::terms::{Field, ValueType, TERMS};
use jsonschema::Validator;
use serde_json::json;
use std::path::Path;
use std::time::Duration;

fn schema(name: &str) -> serde_json::Value {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("schema").join(name);
    let text = std::fs::read_to_string(&path).expect("schema file");
    serde_json::from_str(&text).expect("schema is JSON")
}

fn validator(schema: &serde_json::Value) -> Validator {
    jsonschema::draft202012::new(schema).expect("schema compiles")
}

/// A validator for one `$defs` entry of a schema (e.g. the card of the output schema).
fn def_validator(name: &str, def: &str) -> Validator {
    let mut s = schema(name);
    let defs = s["$defs"].take();
    validator(&json!({ "$ref": format!("#/$defs/{def}"), "$defs": defs }))
}

fn assert_valid(v: &Validator, instance: &serde_json::Value) {
    let errors: Vec<String> = v.iter_errors(instance).map(|e| e.to_string()).collect();
    assert!(errors.is_empty(), "{instance}\n{}", errors.join("\n"));
}

/// A value of the term's type, for every term (lists for list terms).
fn sample_value(ty: ValueType, many: bool) -> Value {
    let one = match ty {
        ValueType::String => Value::from("text"),
        ValueType::Md5 => Value::from("d41d8cd98f00b204e9800998ecf8427e"),
        ValueType::Sha1 => Value::from("da39a3ee5e6b4b0d3255bfef95601890afd80709"),
        ValueType::Sha256 => {
            Value::from("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        }
        ValueType::Int => Value::Int(-7),
        ValueType::Bool => Value::Bool(true),
        ValueType::Mac => Value::from("00:0c:29:ab:cd:ef"),
        ValueType::Ip => Value::Ip("fe80::1".parse().expect("ip")),
        ValueType::Date => Value::Date(chrono::DateTime::UNIX_EPOCH),
        ValueType::Float => Value::Float(4.792_936_513_54),
    };
    if many {
        Value::List(vec![one.clone(), one])
    } else {
        one
    }
}

/// A snapshot holding one item per kind with every field of the catalogue set.
fn full_snapshot() -> Vec<String> {
    let header = Header::new(Some("host".into()), chrono::Utc::now(), ItemKind::ALL.to_vec());
    let mut writer = SnapshotWriter::new(Vec::new(), &header).expect("header");
    for kind in ItemKind::ALL {
        let mut item = Item::new(kind);
        for t in TERMS.iter().filter(|t| t.kind == kind) {
            item.set(t.field, sample_value(t.ty, t.many));
        }
        writer.write_item(&item).expect("item");
        writer.write_item(&Item::new(kind)).expect("empty item");
    }
    let bytes = writer.finish().expect("flush");
    String::from_utf8(bytes).expect("utf-8").lines().map(str::to_owned).collect()
}

#[test]
fn every_snapshot_line_is_valid() {
    let v = validator(&schema("snapshot.schema.json"));
    let lines = full_snapshot();
    assert_eq!(lines.len(), 1 + 2 * ItemKind::ALL.len());
    for line in &lines {
        assert_valid(&v, &serde_json::from_str(line).expect("JSON line"));
    }
}

#[test]
fn snapshot_schema_rejects_foreign_lines() {
    let v = validator(&schema("snapshot.schema.json"));
    let bad = [
        json!({"format": "other", "version": 1, "time": "2026-01-01T00:00:00Z", "tool": "iocscan 0.1.0", "kinds": []}),
        json!({"format": "iocscan-snapshot", "version": 2, "time": "2026-01-01T00:00:00Z", "tool": "iocscan 0.1.0", "kinds": []}),
        json!({"kind": "Registry", "fields": {}}),
        json!({"kind": "File", "fields": {"ProcessItem/name": "x"}}),
        json!({"kind": "File", "fields": {"FileItem/FileName": {"nested": 1}}}),
        json!({"kind": "File", "extra": 1}),
    ];
    for line in bad {
        assert!(!v.is_valid(&line), "accepted {line}");
    }
}

#[test]
fn hand_built_card_is_valid_and_the_schema_is_strict() {
    use iocscan::card::*;
    use iocscan::model::{Link, Version};
    use iocscan::source::Position;
    let item = Item::new(ItemKind::Port)
        .with(Field::PortLocalPort, 8080)
        .with(Field::PortLocalIp, "127.0.0.1".parse::<std::net::IpAddr>().expect("ip"));
    let card = Card {
        id: "c".into(),
        file: "a.ioc".into(),
        version: Version::V1_0,
        metadata: CardMetadata {
            links: vec![Link { rel: Some("report".into()), href: None, value: "x".into() }],
            ..CardMetadata::default()
        },
        branches: vec![MatchedBranch {
            indicator_id: None,
            operator: "OR".into(),
            position: Position::new(3, 5),
            depth: 0,
            kind: Some(ItemKind::Port),
            conditions: vec![MatchedCondition {
                item_id: None,
                position: Position::new(4, 7),
                text: "PortItem/localPort is 8080".into(),
                comment: None,
            }],
            objects: vec![MatchedObject {
                item,
                evidence: vec![Evidence {
                    item_id: None,
                    term: "PortItem/localPort",
                    observed: Value::Int(8080),
                    grade: iocscan::terms::Grade::Exact,
                }],
            }],
            total_objects: 1,
        }],
    };
    let v = def_validator("output.schema.json", "card");
    let mut json = serde_json::to_value(&card).expect("card JSON");
    assert_valid(&v, &json);
    json["version"] = json!("2.0");
    assert!(!v.is_valid(&json));
}

// ---------------------------------------------------------------------------------------------
// what the command prints and writes

#[test]
fn every_collection_error_reason_is_in_the_schema() {
    use iocscan::collect::{CollectError, Reason, Subject};
    let v = def_validator("output.schema.json", "error");
    for reason in Reason::ALL {
        let e = CollectError::new(ItemKind::Process, Subject::Pid(1), reason, "m");
        assert_valid(&v, &serde_json::to_value(&e).expect("JSON"));
    }
    let unknown = json!({"kind": "File", "subject": "/x", "message": "m", "reason": "bad-luck"});
    assert!(!v.is_valid(&unknown));
}

fn iocscan() -> Command {
    let mut cmd = Command::cargo_bin("iocscan").expect("binary built");
    cmd.timeout(Duration::from_secs(120));
    cmd
}

fn demo() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("ioc-samples/demo")
}

#[test]
fn json_output_is_valid() {
    let out = iocscan()
        .args(["scan", "--quiet", "--format", "json", "--path"])
        .arg(demo())
        .arg(demo())
        .output()
        .expect("run");
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    assert_eq!(doc["cards"].as_array().map(Vec::len), Some(2), "{doc}");
    let v = validator(&schema("output.schema.json"));
    assert_valid(&v, &doc);
    // The schema is strict: a stray member or a wrong type is refused.
    let mut stray = doc.clone();
    stray["cards"][0]["extra"] = json!(1);
    assert!(!v.is_valid(&stray));
    let mut wrong = doc;
    wrong["summary"]["detected"] = json!("two");
    assert!(!v.is_valid(&wrong));
}

#[test]
fn jsonl_events_are_valid_parts() {
    let dir = tempfile::tempdir().expect("tempdir");
    let warn = dir.path().join("warn.ioc");
    std::fs::write(
        &warn,
        "<ioc xmlns=\"http://schemas.mandiant.com/2010/ioc\" id=\"w\"><definition>\
         <Indicator operator=\"OR\"><IndicatorItem condition=\"is\">\
         <Context document=\"FileItem\" search=\"FileItem/Nope\"/><Content>x</Content>\
         </IndicatorItem></Indicator></definition></ioc>",
    )
    .expect("write");
    let out = iocscan()
        .args(["scan", "--quiet", "--format", "jsonl", "--explain", "w", "--path"])
        .arg(demo())
        .arg(demo())
        .arg(&warn)
        .output()
        .expect("run");
    let text = String::from_utf8(out.stdout).expect("utf-8");
    let mut seen = Vec::new();
    for line in text.lines() {
        let mut event: serde_json::Value = serde_json::from_str(line).expect("JSON line");
        let kind = event["event"].as_str().expect("event").to_owned();
        event.as_object_mut().expect("object").remove("event");
        let def = match kind.as_str() {
            "summary" => {
                let o = event.as_object_mut().expect("object");
                assert!(o.remove("tool").is_some() && o.remove("complete").is_some());
                o.remove("host");
                "summary"
            }
            other => other,
        };
        assert_valid(&def_validator("output.schema.json", def), &event);
        seen.push(kind);
    }
    // Collection problems (`error` events, e.g. a process of another user) depend on the host.
    seen.retain(|k| k != "error");
    seen.dedup();
    assert_eq!(seen, ["diagnostic", "card", "result", "explanation", "summary"], "{text}");
}

#[test]
fn collected_snapshot_lines_are_valid() {
    let dir = tempfile::tempdir().expect("tempdir");
    let tree = dir.path().join("tree");
    std::fs::create_dir_all(tree.join("sub")).expect("mkdir");
    std::fs::write(tree.join("sub/a.txt"), "a").expect("write");
    let snapshot = dir.path().join("s.jsonl");
    iocscan()
        .args(["collect", "--quiet", "--hash", "--path"])
        .arg(&tree)
        .arg("-o")
        .arg(&snapshot)
        .assert()
        .code(0);
    let text = std::fs::read_to_string(&snapshot).expect("snapshot");
    let v = validator(&schema("snapshot.schema.json"));
    let mut kinds = std::collections::BTreeSet::new();
    for line in text.lines() {
        let value: serde_json::Value = serde_json::from_str(line).expect("JSON line");
        assert_valid(&v, &value);
        if let Some(kind) = value["kind"].as_str() {
            kinds.insert(kind.to_owned());
        }
    }
    for kind in ["File", "Process", "SystemInfo", "User"] {
        assert!(kinds.contains(kind), "no {kind} item in {kinds:?}");
    }
    let file = text.lines().find(|l| l.contains("a.txt")).expect("the file");
    assert!(file.contains("FileItem/Sha256sum"), "{file}");
}

/// Two hosts' snapshots in `dir`: web1 holds a demo marker file, db1 nothing.
fn fleet_snapshots(dir: &Path) -> Vec<std::path::PathBuf> {
    let header = |host: &str| {
        format!(
            "{{\"format\":\"iocscan-snapshot\",\"version\":1,\"host\":\"{host}\",\"time\":\
             \"2026-11-30T11:00:00Z\",\"tool\":\"iocscan 0.1.0\",\"kinds\":[\"File\"]}}\n"
        )
    };
    let marker =
        "{\"kind\":\"File\",\"fields\":{\"FileItem/FullPath\":\"/x/iocscan-demo-marker.txt\",\
                  \"FileItem/FileName\":\"iocscan-demo-marker.txt\",\"FileItem/Sha256sum\":\
                  \"7b9d7dcdcc8bbf3d469e1eca38ab9711246875cc488e1285880b468bf7e6a6e8\"}}\n";
    let web = dir.join("web.jsonl");
    std::fs::write(&web, header("web1") + marker + "garbage\n").expect("write");
    let db = dir.join("db.jsonl");
    std::fs::write(&db, header("db1")).expect("write");
    vec![web, db]
}

#[test]
fn fleet_json_and_jsonl_outputs_are_valid() {
    let dir = tempfile::tempdir().expect("tempdir");
    let snapshots = fleet_snapshots(dir.path());
    let run = |format: &str| {
        let mut cmd = iocscan();
        cmd.args(["scan", "--quiet", "--format", format]);
        for s in &snapshots {
            cmd.arg("--snapshot").arg(s);
        }
        let out = cmd.arg(demo()).output().expect("run");
        assert_eq!(out.status.code(), Some(1));
        String::from_utf8(out.stdout).expect("utf-8")
    };
    let doc: serde_json::Value = serde_json::from_str(&run("json")).expect("JSON");
    let v = validator(&schema("output.schema.json"));
    assert_valid(&v, &doc);
    assert_valid(&def_validator("output.schema.json", "fleet_document"), &doc);
    assert_eq!(doc["hosts"].as_array().map(Vec::len), Some(2));
    let mut stray = doc.clone();
    stray["hosts"][0]["extra"] = json!(1);
    assert!(!v.is_valid(&stray));

    let mut seen = Vec::new();
    for line in run("jsonl").lines() {
        let mut event: serde_json::Value = serde_json::from_str(line).expect("JSON line");
        let o = event.as_object_mut().expect("object");
        let kind = o.remove("event").and_then(|e| e.as_str().map(str::to_owned)).expect("event");
        let host = o.remove("host");
        let def = match kind.as_str() {
            "summary" | "fleet" => {
                assert!(o.remove("tool").is_some() && o.remove("complete").is_some());
                if kind == "fleet" {
                    "fleet_summary"
                } else {
                    "summary"
                }
            }
            other => other,
        };
        // Every event of a host names it; the fleet's own events do not.
        let fleet_level = kind == "fleet"
            || (kind == "error" && event["subject"].as_str().is_some_and(|s| s.ends_with(":3")));
        assert_eq!(host.is_none(), fleet_level, "{kind}: {event}");
        assert_valid(&def_validator("output.schema.json", def), &event);
        seen.push(kind);
    }
    seen.dedup();
    // db1 then web1 (the demo's process IOC is undetermined: no processes in the files).
    let expected = ["result", "error", "summary", "card", "result", "error", "summary"];
    assert_eq!(seen[..7], expected);
    assert_eq!(seen[7..], ["error", "fleet"]);
}
