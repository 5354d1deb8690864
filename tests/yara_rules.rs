//! `Yara/Yara` (whole YARA rule texts) through the yara-x engine, feature `yara`: the
//! ioc_writer examples that embed a rule, over files built here to satisfy their rules, and a
//! rule that does not compile. Skipped when the corpus is absent.

#![cfg(all(target_os = "linux", feature = "yara"))]

mod common;

use common::*;

/// `MZ`, and `PE\0\0` at the offset that 0x3C holds: the corpus rule `IsPE`, and nothing a
/// PE parser could read further.
fn pe_signature() -> Vec<u8> {
    let mut image = vec![0u8; 0x80];
    image[..2].copy_from_slice(b"MZ");
    image[0x3c] = 0x40;
    image[0x40..0x44].copy_from_slice(b"PE\0\0");
    image
}

/// `dummy2` ten bytes after each of the first three `dummy1`: the corpus rule `Ocurrences`.
fn occurrences(times: usize) -> Vec<u8> {
    b"dummy1....dummy2 ".repeat(times)
}

#[test]
fn embedded_rules_detect_the_files_they_describe() {
    let Some(dir) = yara_examples() else {
        eprintln!("skipped: ../shared/corpus is absent");
        return;
    };
    let (is_pe, mixed) =
        ("7a6377d1-ae5e-4cdd-8461-9497f1bc4211", "e9e37871-e6e2-4673-a9c1-880a5baac3b1");
    let s = Setup::new();
    copy_examples(&dir, &s, &[is_pe, mixed]);
    std::fs::write(s.host().join("signature.bin"), pe_signature()).expect("write");
    std::fs::write(s.host().join("three.bin"), occurrences(3)).expect("write");
    // Two occurrences are not `for all i in (1,2,3)`; `MZ` without `PE` is not a PE.
    std::fs::write(s.host().join("two.bin"), occurrences(2)).expect("write");
    std::fs::write(s.host().join("mz.bin"), &pe_signature()[..0x40]).expect("write");
    std::fs::write(s.host().join("innocent.txt"), b"nothing the rules describe\n").expect("write");
    let (code, doc) = s.scan_json(&[]);
    assert_eq!(code, 1, "{doc}");
    let mut expected = vec![is_pe, mixed];
    expected.sort_unstable();
    assert_eq!(card_ids(&doc), expected);
    let cards = doc["cards"].as_array().expect("cards");
    let card = |id: &str| cards.iter().find(|c| c["id"] == id).expect("card").to_string();
    let (pe_card, mixed_card) = (card(is_pe), card(mixed));
    assert!(pe_card.contains("signature.bin") && mixed_card.contains("three.bin"), "{doc}");
    for name in ["two.bin", "mz.bin", "innocent.txt"] {
        assert!(!pe_card.contains(name) && !mixed_card.contains(name), "{name}: {doc}");
    }
    assert!(!pe_card.contains("three.bin") && !mixed_card.contains("signature.bin"), "{doc}");
}

#[test]
fn a_rule_that_does_not_compile_is_bad_content_and_never_matches() {
    let s = Setup::new();
    s.ioc(
        "broken.ioc",
        &ioc11(
            "broken",
            "OR",
            &[("Yara/Yara", "contains", "rule Broken { strings: $a = \"x\" condition: $b }")],
        ),
    );
    s.file("x.bin", "x");
    let out = iocscan().arg("check").arg(s.iocs()).output().expect("run");
    let report = String::from_utf8_lossy(&out.stdout).into_owned();
    let line =
        report.lines().find(|l| l.contains("Yara/Yara")).unwrap_or_else(|| panic!("{report}"));
    assert!(line.contains("W-bad-content") && line.contains("does not compile"), "{line}");
    let (code, doc) = s.scan_json(&[]);
    assert_eq!(code, 0, "{doc}");
    assert!(card_ids(&doc).is_empty(), "{doc}");
}
