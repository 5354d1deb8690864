//! What is inside files and processes, through the `iocscan` command: PE structure of a real
//! DLL, strings of a file's content (ASCII and UTF-16LE), strings of a live process's memory.
//!
//! `tests/data/pe/nagisa64.dll` is the 2,560-byte test library of the libloading crate
//! (0.8.9, `tests/nagisa64.dll`, ISC licence): a 64-bit DLL exporting one function, `windows`.

#![cfg(target_os = "linux")]

mod common;

use common::*;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn dll(s: &Setup) {
    let from = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/pe/nagisa64.dll");
    std::fs::copy(from, s.host().join("nagisa64.dll")).expect("copy dll");
}

fn verdict_of(doc: &serde_json::Value, id: &str) -> String {
    let results = doc["results"].as_array().cloned().unwrap_or_default();
    let result = results.iter().find(|r| r["id"] == id).unwrap_or_else(|| panic!("{id}: {doc}"));
    result["verdict"].as_str().unwrap_or_default().to_owned()
}

#[test]
fn pe_structure_of_a_real_dll() {
    let s = Setup::new();
    dll(&s);
    s.file("notes.txt", "MZ is not enough to be a PE\n");
    let pe = [
        ("FileItem/PEInfo/Type", "is", "Dll"),
        ("FileItem/PEInfo/Subsystem", "is", "Windows_GUI"),
        ("FileItem/PEInfo/Exports/DllName", "is", "nagisa64.dll"),
        ("FileItem/PEInfo/Exports/ExportedFunctions/string", "is", "windows"),
        ("FileItem/PEInfo/Sections/NumberOfSections", "is", "3"),
        ("FileItem/PEInfo/DigitalSignature/SignatureExists", "is", "false"),
    ];
    s.ioc("pe.ioc", &ioc11("pe-dll", "AND", &pe));
    // One section cannot be named both: conditions on one list under an AND bind one element.
    let two_names = [
        ("FileItem/PEInfo/Sections/Section/Name", "is", ".text"),
        ("FileItem/PEInfo/Sections/Section/Name", "is", ".data"),
    ];
    s.ioc("two.ioc", &ioc11("pe-two-names", "AND", &two_names));
    let one_section = [
        ("FileItem/PEInfo/Sections/Section/Name", "is", ".text"),
        ("FileItem/PEInfo/Sections/Section/SizeInBytes", "greater-than", "0"),
        ("FileItem/PEInfo/Sections/Section/Entropy/AverageValue", "greater-than", "0.5"),
    ];
    s.ioc("one.ioc", &ioc11("pe-one-section", "AND", &one_section));
    // An executable that is not a DLL: false on this file, and on the text file.
    s.ioc("exe.ioc", &ioc11("pe-exe", "AND", &[("FileItem/PEInfo/Type", "is", "Executable")]));
    let (code, doc) = s.scan_json(&[]);
    assert_eq!(code, 1, "{doc}");
    assert_eq!(card_ids(&doc), ["pe-dll", "pe-one-section"]);
    let text = doc.to_string();
    assert!(text.contains("nagisa64.dll") && !text.contains("notes.txt"), "{doc}");
    assert_eq!(verdict_of(&doc, "pe-two-names"), "clean");
    // Neither file is an executable: a text file has no PE values, which is an answer.
    assert_eq!(verdict_of(&doc, "pe-exe"), "clean");
}

#[test]
fn pe_anomalies_iocscan_decides() {
    let s = Setup::new();
    dll(&s);
    // The same library with a payload appended past its last section.
    let from = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/pe/nagisa64.dll");
    let mut appended = std::fs::read(from).expect("dll");
    appended.extend_from_slice(b"appended payload");
    std::fs::write(s.host().join("appended.dll"), appended).expect("write");
    let anomaly = |name: &'static str| [("FileItem/PEInfo/DetectedAnomalies/string", "is", name)];
    s.ioc("zero.ioc", &ioc11("pe-zero", "AND", &anomaly("checksum_is_zero")));
    s.ioc("eof.ioc", &ioc11("pe-eof", "AND", &anomaly("contains_eof_data")));
    s.ioc("mismatch.ioc", &ioc11("pe-mismatch", "AND", &anomaly("checksum_mismatch")));
    // Mandiant's other heuristics are unpublished: never "clean" of them.
    s.ioc("other.ioc", &ioc11("pe-other", "AND", &anomaly("entrypoint_outside_code")));
    let (code, doc) = s.scan_json(&[]);
    assert_eq!(code, 1, "{doc}");
    assert_eq!(card_ids(&doc), ["pe-eof", "pe-zero"]);
    let eof = doc["cards"].as_array().unwrap().iter().find(|c| c["id"] == "pe-eof").unwrap();
    assert!(eof.to_string().contains("appended.dll") && !eof.to_string().contains("nagisa64"));
    assert_eq!(verdict_of(&doc, "pe-mismatch"), "clean", "a zero checksum is not a mismatch");
    assert_eq!(verdict_of(&doc, "pe-other"), "undetermined");
    let warned = doc["diagnostics"].to_string();
    assert!(warned.contains("not an anomaly iocscan detects"), "{warned}");
}

#[test]
fn file_strings_ascii_and_wide() {
    let s = Setup::new();
    let mut bytes =
        b"\x7fELF\x02\x01\x00\x00C:\\Users\\aa\\Release\\MShell.pdb\x00\x01\x02".to_vec();
    bytes.extend("Global\\MutexXYZ-42".encode_utf16().flat_map(u16::to_le_bytes));
    bytes.extend_from_slice(b"\x00\x00\xff");
    std::fs::write(s.host().join("implant.bin"), &bytes).expect("write");
    s.file("readme.txt", "nothing to see\n");
    let both = [
        ("FileItem/StringList/string", "is", "c:\\users\\aa\\release\\mshell.pdb"),
        ("FileItem/StringList/string", "contains", "MutexXYZ"),
    ];
    s.ioc("both.ioc", &ioc11("strings-both", "AND", &both));
    // `is` is the whole string, not a part of it.
    s.ioc(
        "part.ioc",
        &ioc11("strings-part", "AND", &[("FileItem/StringList/string", "is", "MShell.pdb")]),
    );
    s.ioc(
        "re.ioc",
        &ioc11(
            "strings-regex",
            "AND",
            &[("FileItem/StringList/string", "matches", "^Global\\\\Mutex[A-Z]+-[0-9]+$")],
        ),
    );
    let (code, doc) = s.scan_json(&[]);
    assert_eq!(code, 1, "{doc}");
    assert_eq!(card_ids(&doc), ["strings-both", "strings-regex"]);
    assert_eq!(verdict_of(&doc, "strings-part"), "clean");
    assert!(doc.to_string().contains("Global\\\\MutexXYZ-42"), "{doc}");
}

#[test]
fn strings_in_a_live_process_memory() {
    let s = Setup::new();
    // The marker exists only in the shell's heap: its arguments hold two halves.
    let tag = unique("mem");
    let script = format!("X=$(printf '%s%s' 'IOCSCAN-MEM-' '{tag}'); export X; sleep 60");
    let child =
        Command::new("bash").args(["-c", &script]).stdout(Stdio::null()).spawn().map(Reaped);
    let Ok(child) = child else {
        eprintln!("skipped: no bash");
        return;
    };
    let pid = child.0.id();
    // Wait until the shell has run the assignment and started sleep.
    let deadline = Instant::now() + Duration::from_secs(20);
    while Instant::now() < deadline {
        let children =
            std::fs::read_to_string(format!("/proc/{pid}/task/{pid}/children")).unwrap_or_default();
        if !children.trim().is_empty() {
            break;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let marker = format!("IOCSCAN-MEM-{tag}");
    let conds = [
        ("ProcessItem/pid", "is", &*pid.to_string()),
        ("ProcessItem/StringList/string", "contains", &*marker),
    ];
    s.ioc("mem.ioc", &ioc11("memory-strings", "AND", &conds));
    let absent = format!("IOCSCAN-ABSENT-{tag}");
    let conds = [
        ("ProcessItem/pid", "is", &*pid.to_string()),
        ("ProcessItem/StringList/string", "contains", &*absent),
    ];
    s.ioc("absent.ioc", &ioc11("memory-absent", "AND", &conds));
    let (code, doc) = s.scan_json(&[]);
    assert_eq!(code, 1, "{doc}");
    assert_eq!(card_ids(&doc), ["memory-strings"]);
    assert_eq!(verdict_of(&doc, "memory-absent"), "clean");
    drop(child);
}

/// A signed Windows executable: `services.exe`, a sample the evtx crate (a dependency,
/// `samples/dlls/`) publishes, read from the cargo registry; `None` when it is not there.
fn signed_sample() -> Option<std::path::PathBuf> {
    let home = std::env::var_os("CARGO_HOME")
        .map(std::path::PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| Path::new(&h).join(".cargo")))?;
    let registry = std::fs::read_dir(home.join("registry/src")).ok()?;
    registry
        .filter_map(Result::ok)
        .map(|index| index.path().join("evtx-0.15.1/samples/dlls/services.exe"))
        .find(|p| p.is_file())
}

/// A host holding the unsigned test library and the signed sample (`None`, said, when the
/// sample is absent).
fn signed_setup() -> Option<Setup> {
    let Some(signed) = signed_sample() else {
        eprintln!("skipped: the evtx crate's signed sample is not in the cargo registry");
        return None;
    };
    let s = Setup::new();
    dll(&s);
    std::fs::copy(signed, s.host().join("services.exe")).expect("copy");
    Some(s)
}

#[test]
fn authenticode_signer_names() {
    let Some(s) = signed_setup() else { return };
    let subject = "FileItem/PEInfo/DigitalSignature/CertificateSubject";
    let issuer = "FileItem/PEInfo/DigitalSignature/CertificateIssuer";
    let signer = [
        (subject, "contains", "CN=Microsoft Windows Publisher, O=Microsoft Corporation"),
        (issuer, "contains", "Microsoft Windows Production PCA 2011"),
        ("FileItem/PEInfo/DigitalSignature/SignatureExists", "is", "true"),
    ];
    s.ioc("signer.ioc", &ioc11("pe-signer", "AND", &signer));
    // The unsigned library has no signer: false there, an answer (not unknown).
    s.ioc("other.ioc", &ioc11("pe-other", "AND", &[(subject, "contains", "Realtek")]));
    let (code, doc) = s.scan_json(&[]);
    assert_eq!(code, 1, "{doc}");
    assert_eq!(card_ids(&doc), ["pe-signer"]);
    let card = doc["cards"][0].to_string();
    assert!(card.contains("S=Washington, C=US") && !card.contains("nagisa64"), "{card}");
    assert_eq!(verdict_of(&doc, "pe-other"), "clean");
}

#[test]
fn pe_resources_bind_one_element() {
    let Some(s) = signed_setup() else { return };
    let kind = "FileItem/PEInfo/ResourceInfoList/ResourceInfoItem/Type";
    let name = "FileItem/PEInfo/ResourceInfoList/ResourceInfoItem/Name";
    let size = "FileItem/PEInfo/ResourceInfoList/ResourceInfoItem/Size";
    // The version resource is resource 1 of type RT_VERSION: one element.
    let version = [(kind, "is", "RT_VERSION"), (name, "is", "1"), (size, "greater-than", "100")];
    s.ioc("version.ioc", &ioc11("pe-version", "AND", &version));
    let elsewhere = [(kind, "is", "RT_VERSION"), (name, "is", "2")];
    s.ioc("elsewhere.ioc", &ioc11("pe-elsewhere", "AND", &elsewhere));
    let (code, doc) = s.scan_json(&[]);
    assert_eq!(code, 1, "{doc}");
    assert_eq!(card_ids(&doc), ["pe-version"]);
    assert!(!doc["cards"].to_string().contains("nagisa64"), "no resources in the library");
    assert_eq!(verdict_of(&doc, "pe-elsewhere"), "clean");
}
