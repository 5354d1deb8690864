//! The real-file corpus: every file of `../shared/corpus` (beside the crate) must load, or be
//! rejected for a reason a person would agree with.
//!
//! Legitimate rejections: the file is not well-formed XML (`E-xml`), is not an OpenIOC document
//! (`E-root`), has no IOC id (`E-missing-id`) or no indicator at all (`E-no-criteria`), repeats
//! an id an earlier file already loaded (`E-duplicate-ioc-id`: real collections do ship copies),
//! or is over the size limit (`E-size`). Anything else (`E-encoding`, `E-io`, `E-nesting`,
//! `E-too-many-nodes`) would mean the reader fails on a real file, and fails the test. The
//! tally is printed either way (`cargo test --test corpus -- --nocapture`). When the corpus is
//! absent the test says so and passes; the tally logic itself is tested on generated samples.

use iocscan::diag::{Code, Severity};
use iocscan::load::{load_paths, Loaded};
use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

const LEGITIMATE: &[Code] =
    &[Code::Xml, Code::Root, Code::MissingId, Code::NoCriteria, Code::DuplicateIocId, Code::Size];

/// What loading a folder gave, by reason.
struct Tally {
    collection: Loaded,
    /// Rejections by code.
    rejected: BTreeMap<&'static str, usize>,
    /// Warnings by code.
    warnings: BTreeMap<&'static str, usize>,
    /// Rendered diagnostics of rejections that are not legitimate.
    unexpected: Vec<String>,
}

fn tally(dir: &Path) -> Tally {
    let collection = load_paths(&[dir]);
    let mut rejected = BTreeMap::new();
    let mut warnings = BTreeMap::new();
    let mut unexpected = Vec::new();
    for d in &collection.diagnostics {
        match d.severity {
            Severity::Error => {
                *rejected.entry(d.code.as_str()).or_insert(0) += 1;
                if !LEGITIMATE.contains(&d.code) {
                    unexpected.push(d.to_string());
                }
            }
            Severity::Warning => *warnings.entry(d.code.as_str()).or_insert(0) += 1,
        }
    }
    Tally { collection, rejected, warnings, unexpected }
}

fn print(dir: &Path, t: &Tally) {
    let c = &t.collection;
    println!(
        "corpus {}: {} files, {} loaded, {} rejected",
        dir.display(),
        c.files_seen,
        c.documents.len(),
        c.files_rejected.len()
    );
    for (code, n) in &t.rejected {
        println!("  rejected {code}: {n}");
    }
    for (code, n) in &t.warnings {
        println!("  warning  {code}: {n}");
    }
    for d in c.diagnostics.iter().filter(|d| d.is_error()) {
        println!("  {d}");
    }
}

#[test]
fn shared_corpus_loads() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus");
    if !dir.is_dir() {
        println!("corpus {} not present: skipped", dir.display());
        return;
    }
    let t = tally(&dir);
    print(&dir, &t);
    assert!(t.collection.files_seen > 0, "the corpus folder holds no .ioc/.xml file");
    assert!(
        t.unexpected.is_empty(),
        "files rejected for a reason that is not legitimate:\n{}",
        t.unexpected.join("\n")
    );
}

fn sample_dir() -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("corpus-samples");
    let _ = fs::remove_dir_all(&dir);
    fs::create_dir_all(dir.join("vendor")).expect("tmp dir");
    dir
}

const GOOD_10: &str = "\u{FEFF}<?xml version=\"1.0\" encoding=\"us-ascii\"?>\r\n<!-- licence -->\r\n\
<ioc xmlns=\"http://schemas.mandiant.com/2010/ioc\" id=\"g10\"><definition><Indicator operator=\"OR\">\
<!-- note --><IndicatorItem condition=\"is\"><Context document=\"FileItem\" search=\"FileItem/Md5Sum\" type=\"iocaware\"/>\
<Content type=\"md5\"> D41D8CD98F00B204E9800998ECF8427E </Content></IndicatorItem></Indicator></definition></ioc>\r\n";

const GOOD_11: &str = "<OpenIOC xmlns=\"http://openioc.org/schemas/OpenIOC_1.1\" id=\"g11\"><criteria>\
<Indicator operator=\"OR\" id=\"t\"><IndicatorItem id=\"i\" condition=\"is\"><Context document=\"FileItem\" \
search=\"FileItem/FileName\"/><Content>a &amp; b</Content></IndicatorItem></Indicator></criteria></OpenIOC>";

#[test]
fn tally_classifies_rejections() {
    let dir = sample_dir();
    fs::write(dir.join("a.ioc"), GOOD_10).expect("write");
    fs::write(dir.join("b.xml"), GOOD_11).expect("write");
    fs::write(dir.join("vendor/copy.ioc"), GOOD_11).expect("write");
    fs::write(dir.join("broken.ioc"), "<ioc id=\"x\"><definition>").expect("write");
    fs::write(dir.join("readme.txt"), "not looked at").expect("write");
    let t = tally(&dir);
    print(&dir, &t);
    assert_eq!(t.collection.files_seen, 4);
    assert_eq!(t.collection.documents.len(), 2);
    assert_eq!(t.rejected.get("E-xml"), Some(&1));
    assert_eq!(t.rejected.get("E-duplicate-ioc-id"), Some(&1));
    assert!(t.unexpected.is_empty(), "{:?}", t.unexpected);

    let deep = format!(
        "<OpenIOC xmlns=\"http://openioc.org/schemas/OpenIOC_1.1\" id=\"deep\"><criteria>{}{}</criteria></OpenIOC>",
        "<Indicator operator=\"OR\">".repeat(80),
        "</Indicator>".repeat(80)
    );
    fs::write(dir.join("deep.ioc"), deep).expect("write");
    fs::write(
        dir.join("klingon.ioc"),
        b"<?xml version=\"1.0\" encoding=\"klingon\"?><ioc id=\"l\"/>",
    )
    .expect("write");
    let t = tally(&dir);
    assert_eq!(t.unexpected.len(), 2, "{:?}", t.unexpected);
    assert!(t.unexpected.iter().any(|d| d.contains("E-nesting")));
    assert!(t.unexpected.iter().any(|d| d.contains("E-encoding")));
}

/// Verdicts over the real files: scanned against an empty host (every kind collected, no
/// item) and against a host where nothing was collected. Against the empty host an IOC is
/// clean only when its supported conditions already decide it false (an AND with a file
/// name that is not there), whatever its unsupported ones; where nothing was collected
/// every IOC that is not false by its structure alone is undetermined, and none is detected.
/// The tallies are printed (`-- --nocapture`).
#[test]
fn shared_corpus_verdicts() {
    use iocscan::eval::Scanner;
    use iocscan::item::{Item, ItemKind};
    use iocscan::verdict::{Verdict, VerdictCounts};
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus");
    if !dir.is_dir() {
        println!("corpus {} not present: skipped", dir.display());
        return;
    }
    let loaded = iocscan::load::load_ruleset(&[&dir]);
    let rs = &loaded.ruleset;
    let empty: [Item; 0] = [];
    let scan = |uncollected: &[ItemKind]| {
        let s = Scanner::new(rs).uncollected(uncollected.iter().copied());
        s.scan_items(&empty);
        s.finish().results
    };
    let host = scan(&[]);
    let nothing = scan(&ItemKind::ALL);
    let never: Vec<bool> = rs.iocs().map(|i| !i.can_match).collect();
    let show = |what: &str, results: &[iocscan::verdict::IocResult]| {
        let c = VerdictCounts::of(results);
        let never_open = results
            .iter()
            .zip(&never)
            .filter(|(r, n)| **n && r.verdict == Verdict::Undetermined)
            .count();
        println!(
            "corpus verdicts, {what}: {} detected, {} undetermined, {} clean; of the {} IOCs that can never match, {never_open} undetermined",
            c.detected,
            c.undetermined,
            c.clean,
            never.iter().filter(|n| **n).count()
        );
    };
    show("empty host", &host);
    show("nothing collected", &nothing);
    for ((h, n), never) in host.iter().zip(&nothing).zip(&never) {
        assert_ne!(h.verdict, Verdict::Detected, "{} detected on an empty host", h.id);
        assert_ne!(n.verdict, Verdict::Detected, "{} detected with nothing collected", n.id);
        // Clean where nothing was collected means false by structure: clean anywhere.
        if n.verdict == Verdict::Clean {
            assert_eq!(h.verdict, Verdict::Clean, "{}", h.id);
        }
        if *never && n.verdict == Verdict::Clean {
            panic!("{}: can never match, yet clean with nothing collected", n.id);
        }
        if h.verdict == Verdict::Undetermined {
            assert!(!h.reasons.is_empty(), "{}: undetermined without a reason", h.id);
        }
    }
}
