//! The ioc_writer OpenIOC-to-YARA examples (`../shared/corpus/mandiant__ioc_writer/examples/
//! openioc_to_yara`), scanned through the `iocscan` command over files built here to hold
//! what each example's YARA strings describe, and over a file that holds none of it.
//! Skipped when the corpus is absent.

#![cfg(target_os = "linux")]

mod common;

use common::*;
use std::path::PathBuf;

fn verdict_of(doc: &serde_json::Value, id: &str) -> String {
    let results = doc["results"].as_array().cloned().unwrap_or_default();
    let result = results.iter().find(|r| r["id"] == id).unwrap_or_else(|| panic!("{id}: {doc}"));
    result["verdict"].as_str().unwrap_or_default().to_owned()
}

fn wide(text: &str) -> Vec<u8> {
    text.encode_utf16().flat_map(u16::to_le_bytes).collect()
}

#[test]
fn converter_examples_detect_the_files_they_describe() {
    let Some(dir) = yara_examples() else {
        eprintln!("skipped: ../shared/corpus is absent");
        return;
    };
    // (example id, bytes that hold what it describes)
    let cases: Vec<(&str, Vec<u8>)> = vec![
        // `Borland`, case-sensitive, ascii and wide: here in its wide form.
        ("04f522c1-efc9-492a-a07f-25501f395255", [b"\x01\x02".to_vec(), wide("Borland")].concat()),
        // Hex with a wildcard byte and a wildcard nibble.
        ("0d0a3284-8e3c-474c-8941-4d09bbc39649", b"\x90\xe2\x34\x00\xc8\xa7\xfb\x90".to_vec()),
        // Hex with a jump of 4 to 6 bytes.
        ("50daf970-66cf-40e1-ada3-063dec5dbd27", b"\xf4\x23ABCDE\x62\xb4".to_vec()),
        // Hex with an alternative.
        ("52d1c8ef-8fb2-44bc-9e00-6f34cc7602bd", b"\x00\xf2\x23\x56\x45\x00".to_vec()),
        // AND of two ORs of text strings.
        ("1ae7c501-12bf-41a4-b8a2-7d5209a01bb7", b"..text2....text3..".to_vec()),
        ("c346142a-c3e9-409c-b569-73693a33bdd2", b"win.exe http://foo.com/badfile2.exe".to_vec()),
        // `evilMutex`, case folded.
        ("e9e37871-e6e2-4673-a9c1-880a5baac3b1", b"Global\\EVILMUTEX\x00".to_vec()),
        // `yara/set` 2 of three strings, and 3 of four.
        ("5e4c5d7b-0fc0-47a3-ae4d-bfaf9310bf38", b"dummy3 ... dummy1".to_vec()),
        ("37a3a459-220f-4b71-bb9b-cd4f089305d0", b"bar2 foo1 bar1".to_vec()),
        // `filesize > 200KB`.
        ("c6049b90-d5b0-4472-b414-ba400f04dca3", vec![0u8; 210 * 1024]),
    ];
    let s = Setup::new();
    for (id, bytes) in &cases {
        copy_examples(&dir, &s, &[id]);
        std::fs::write(s.host().join(format!("{id}.bin")), bytes).expect("write");
    }
    std::fs::write(s.host().join("innocent.txt"), b"nothing the examples describe\n")
        .expect("write");
    let (code, doc) = s.scan_json(&[]);
    assert_eq!(code, 1, "{doc}");
    let mut expected: Vec<&str> = cases.iter().map(|(id, _)| *id).collect();
    expected.sort_unstable();
    assert_eq!(card_ids(&doc), expected);
    // Each card's objects are the file built for it, not the innocent one.
    for card in doc["cards"].as_array().expect("cards") {
        let text = card.to_string();
        assert!(!text.contains("innocent.txt"), "{text}");
        let id = card["id"].as_str().expect("id");
        assert!(text.contains(&format!("{id}.bin")), "{text}");
    }
}

#[test]
fn nothing_matches_a_file_without_the_strings() {
    let Some(dir) = yara_examples() else {
        eprintln!("skipped: ../shared/corpus is absent");
        return;
    };
    let s = Setup::new();
    copy_examples(
        &dir,
        &s,
        &["04f522c1-efc9-492a-a07f-25501f395255", "0d0a3284-8e3c-474c-8941-4d09bbc39649"],
    );
    // Two of three strings are wanted on ONE file: one on each of two files is not enough.
    let set = "5e4c5d7b-0fc0-47a3-ae4d-bfaf9310bf38";
    copy_examples(&dir, &s, &[set]);
    std::fs::write(s.host().join("one.bin"), b"dummy1 dummy1").expect("write");
    std::fs::write(s.host().join("other.bin"), b"dummy2").expect("write");
    // `borland` in the wrong case (the string is case-sensitive), and the hex string with its
    // wildcard nibble wrong (`A?` needs a high nibble of A).
    std::fs::write(s.host().join("near.bin"), b"borland \xe2\x34\x00\xc8\xb7\xfb").expect("write");
    let (code, doc) = s.scan_json(&[]);
    assert_eq!(code, 0, "{doc}");
    assert_eq!(verdict_of(&doc, "04f522c1-efc9-492a-a07f-25501f395255"), "clean");
    assert_eq!(verdict_of(&doc, "0d0a3284-8e3c-474c-8941-4d09bbc39649"), "clean");
    assert_eq!(verdict_of(&doc, set), "clean");
}

/// The file offset of the entry point of the PE `image`, read from its headers here (not by
/// the code under test).
fn entry_point_offset(image: &[u8]) -> usize {
    let u16_at = |o: usize| u16::from_le_bytes([image[o], image[o + 1]]) as usize;
    let u32_at =
        |o: usize| u32::from_le_bytes(image[o..o + 4].try_into().expect("4 bytes")) as usize;
    let pe = u32_at(0x3c);
    let optional = pe + 24;
    let entry = u32_at(optional + 16);
    let sections = optional + u16_at(pe + 20);
    (0..u16_at(pe + 6))
        .map(|i| sections + 40 * i)
        .find_map(|s| {
            let (size, rva, raw) =
                (u32_at(s + 8).max(u32_at(s + 16)), u32_at(s + 12), u32_at(s + 20));
            (rva <= entry && entry < rva + size).then(|| raw + entry - rva)
        })
        .expect("entry point in a section")
}

#[test]
fn strings_placed_at_the_entry_point() {
    let Some(dir) = yara_examples() else {
        eprintln!("skipped: ../shared/corpus is absent");
        return;
    };
    let dll =
        std::fs::read(PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/data/pe/nagisa64.dll"))
            .expect("test PE");
    let entry = entry_point_offset(&dll);
    let patched = |at: usize, bytes: &[u8]| {
        let mut image = dll.clone();
        image[at..at + bytes.len()].copy_from_slice(bytes);
        image
    };
    let call = b"\xe8\x00\x00\x00\x00";
    let loop_ = b"\x9c\x50\x66\xa1\x11\x22\x33\x00\x66\xa9\x44\x55\x58\x0f\x85";
    // (example: `E8 00 00 00 00` at entrypoint; the 15 bytes within entrypoint + 10)
    let (at, within) =
        ("3b71643b-f2c7-4885-a5ba-1ab70f10e56e", "3741a3c9-7540-4092-b2c1-2242bd03775d");
    let s = Setup::new();
    copy_examples(&dir, &s, &[at, within]);
    std::fs::write(s.host().join("call.dll"), patched(entry, call)).expect("write");
    std::fs::write(s.host().join("loop.dll"), patched(entry + 7, loop_)).expect("write");
    // Too far from the entry point, and not a PE at all: no entry point to be placed at.
    std::fs::write(s.host().join("far.dll"), patched(entry + 64, call)).expect("write");
    std::fs::write(s.host().join("far-loop.dll"), patched(entry + 11, loop_)).expect("write");
    std::fs::write(s.host().join("raw.bin"), [call.as_slice(), loop_].concat()).expect("write");
    let (code, doc) = s.scan_json(&[]);
    assert_eq!(code, 1, "{doc}");
    let mut expected = vec![at, within];
    expected.sort_unstable();
    assert_eq!(card_ids(&doc), expected);
    let text = doc["cards"].to_string();
    for name in ["far.dll", "far-loop.dll", "raw.bin"] {
        assert!(!text.contains(name), "{name} must not match: {text}");
    }
    assert!(text.contains("call.dll") && text.contains("loop.dll"), "{text}");
}

/// `iocscan check` over the setup's IOCs: its report.
fn check(s: &Setup) -> String {
    let out = iocscan().arg("check").arg(s.iocs()).output().expect("run");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn rule_names_inline_the_named_ioc() {
    let Some(dir) = yara_examples() else {
        eprintln!("skipped: ../shared/corpus is absent");
        return;
    };
    // Rule2 (5abb4ee9) is `dummy2` OR Rule1; Rule1 (cf584976) is `dummy1`.
    let (rule2, rule1) =
        ("5abb4ee9-f9fe-4ee6-a90f-2aece8907338", "cf584976-c91e-49f3-b50e-be1e5f8f9555");
    let s = Setup::new();
    copy_examples(&dir, &s, &[rule2, rule1]);
    // Rule1 named under an AND binds to the same file as its sibling.
    s.ioc(
        "and.ioc",
        &ioc11(
            "and",
            "AND",
            &[("Yara/TextString", "contains", "alpha"), ("Yara/RuleName", "contains", "Rule1")],
        ),
    );
    std::fs::write(s.host().join("d2.bin"), b"..dummy2..").expect("write");
    std::fs::write(s.host().join("d1.bin"), b"..dummy1..").expect("write");
    std::fs::write(s.host().join("alpha.bin"), b"alpha").expect("write");
    std::fs::write(s.host().join("both.bin"), b"alpha dummy1").expect("write");
    std::fs::write(s.host().join("innocent.txt"), b"nothing\n").expect("write");
    let report = check(&s);
    assert!(!report.contains("Yara/RuleName"), "{report}");
    let (code, doc) = s.scan_json(&[]);
    assert_eq!(code, 1, "{doc}");
    let mut expected = vec![rule1, rule2, "and"];
    expected.sort_unstable();
    assert_eq!(card_ids(&doc), expected);
    let card = |id: &str| {
        let cards = doc["cards"].as_array().expect("cards");
        cards.iter().find(|c| c["id"] == id).expect("card").to_string()
    };
    let rule2_card = card(rule2);
    assert!(rule2_card.contains("d2.bin") && rule2_card.contains("d1.bin"), "{rule2_card}");
    assert!(!rule2_card.contains("innocent.txt"), "{rule2_card}");
    let and_card = card("and");
    assert!(and_card.contains("both.bin"), "{and_card}");
    for name in ["alpha.bin", "d1.bin"] {
        assert!(!and_card.contains(name), "{name} holds one of the two: {and_card}");
    }
}

#[test]
fn a_rule_name_without_its_ioc_warns_and_the_rest_still_matches() {
    let Some(dir) = yara_examples() else {
        eprintln!("skipped: ../shared/corpus is absent");
        return;
    };
    let rule2 = "5abb4ee9-f9fe-4ee6-a90f-2aece8907338";
    let s = Setup::new();
    copy_examples(&dir, &s, &[rule2]);
    std::fs::write(s.host().join("d2.bin"), b"..dummy2..").expect("write");
    let report = check(&s);
    assert!(
        report.contains("W-bad-content") && report.contains("no IOC named `Rule1`"),
        "{report}"
    );
    let (code, doc) = s.scan_json(&[]);
    assert_eq!(code, 1, "{doc}");
    assert_eq!(card_ids(&doc), vec![rule2.to_string()]);
}

#[cfg(not(feature = "yara"))]
#[test]
fn whole_yara_rules_name_the_feature_that_evaluates_them() {
    let Some(dir) = yara_examples() else {
        eprintln!("skipped: ../shared/corpus is absent");
        return;
    };
    let s = Setup::new();
    copy_examples(&dir, &s, &["7a6377d1-ae5e-4cdd-8461-9497f1bc4211"]);
    let report = check(&s);
    let line =
        report.lines().find(|l| l.contains("Yara/Yara")).unwrap_or_else(|| panic!("{report}"));
    assert!(line.contains("W-unsupported-term") && line.contains("--features yara"), "{line}");
}
