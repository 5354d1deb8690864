//! The sample corpus, table-driven: every `ioc-samples/X.ioc` is loaded, compiled and
//! evaluated over the items of `X.items.json`, and the outcome (detected or not, the ids of
//! the matched conditions, the verdict and its reasons, the warning codes) must be exactly
//! the expected one; every
//! `ioc-samples/errors/X.ioc` must be rejected with the code in `X.expected.json`.
//! `ioc-samples/demo/` belongs to the CLI and is not read here. See `ioc-samples/README.md`.

use iocscan::compile::compile;
use iocscan::diag::Severity;
use iocscan::eval::Scanner;
use iocscan::item::{Item, ItemKind};
use iocscan::load::load_paths;
use iocscan::verdict::Verdict;
use serde::Deserialize;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Expected {
    detected: bool,
    /// The verdict: `detected`, `clean` or `undetermined`.
    verdict: Verdict,
    /// The reasons of an undetermined verdict, as `Reason`'s text (sorted as reported).
    #[serde(default)]
    reasons: Vec<String>,
    /// Kinds not collected (conditions on them are unknown).
    #[serde(default)]
    uncollected: Vec<ItemKind>,
    matched: Vec<String>,
    warnings: Vec<String>,
    items: Vec<Item>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ExpectedError {
    error: String,
}

fn samples(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.expect("directory entry").path())
        .filter(|p| p.extension().is_some_and(|x| x == "ioc"))
        .collect();
    files.sort();
    files
}

fn sidecar<T: serde::de::DeserializeOwned>(ioc: &Path, suffix: &str) -> T {
    let path = ioc.with_extension(suffix);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Runs one sample; returns a description of every mismatch.
fn check(ioc: &Path) -> Vec<String> {
    let expected: Expected = sidecar(ioc, "items.json");
    let collection = load_paths(&[ioc]);
    if !collection.files_rejected.is_empty() {
        return vec![format!("rejected: {:?}", collection.diagnostics)];
    }
    let (ruleset, compile_diags) = compile(&collection.documents);
    let mut problems = Vec::new();
    let mut warnings: Vec<String> =
        collection.diagnostics.iter().chain(&compile_diags).map(|d| d.code.to_string()).collect();
    warnings.sort();
    if warnings != expected.warnings {
        problems.push(format!("warnings {warnings:?}, expected {:?}", expected.warnings));
    }
    let scanner = Scanner::new(&ruleset).uncollected(expected.uncollected.iter().copied());
    scanner.scan_items(&expected.items);
    let detection = scanner.finish();
    let detected = !detection.cards.is_empty();
    let result = &detection.results[0];
    if result.verdict != expected.verdict {
        problems.push(format!("verdict {}, expected {}", result.verdict, expected.verdict));
    }
    let reasons: Vec<String> = result.reasons.iter().map(|r| r.to_string()).collect();
    if reasons != expected.reasons {
        problems.push(format!("reasons {reasons:?}, expected {:?}", expected.reasons));
    }
    if detected != expected.detected {
        problems.push(format!("detected {detected}, expected {}", expected.detected));
    }
    let matched: BTreeSet<String> = detection
        .cards
        .iter()
        .flat_map(|c| &c.branches)
        .flat_map(|b| &b.conditions)
        .filter_map(|c| c.item_id.clone())
        .collect();
    let want: BTreeSet<String> = expected.matched.iter().cloned().collect();
    if matched != want {
        problems.push(format!("matched {matched:?}, expected {want:?}"));
    }
    // The same cards whatever the order and whatever the path (indexed or reference).
    let mut reversed = expected.items.clone();
    reversed.reverse();
    let reference = Scanner::reference(&ruleset).uncollected(expected.uncollected.iter().copied());
    reference.scan_items(&reversed);
    let again = reference.finish();
    if again.cards != detection.cards || again.results != detection.results {
        problems.push("reference evaluation of the reversed items differs".into());
    }
    problems
}

#[test]
fn every_sample_has_its_expected_outcome() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("ioc-samples");
    let files = samples(&dir);
    assert!(files.len() >= 15, "only {} samples", files.len());
    let mut failures = Vec::new();
    for ioc in &files {
        for problem in check(ioc) {
            failures.push(format!("{}: {problem}", ioc.display()));
        }
    }
    assert!(failures.is_empty(), "{} problem(s):\n{}", failures.len(), failures.join("\n"));
}

#[test]
fn every_error_sample_is_rejected_with_its_code() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("ioc-samples/errors");
    let files = samples(&dir);
    assert!(files.len() >= 5);
    let mut failures = Vec::new();
    for ioc in &files {
        let expected: ExpectedError = sidecar(ioc, "expected.json");
        let collection = load_paths(&[ioc]);
        let errors: Vec<String> = collection
            .diagnostics
            .iter()
            .filter(|d| d.severity == Severity::Error)
            .map(|d| d.code.to_string())
            .collect();
        if errors != [expected.error.clone()] || !collection.documents.is_empty() {
            failures.push(format!(
                "{}: errors {errors:?}, expected {}",
                ioc.display(),
                expected.error
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn the_whole_corpus_loads_as_one_collection() {
    // Responders point `iocscan check` at a folder: ids must be unique across all samples, and
    // only the files of `errors/` may be rejected.
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("ioc-samples");
    let collection = load_paths(&[&root]);
    let errors = root.join("errors");
    let wrongly: Vec<_> =
        collection.files_rejected.iter().filter(|p| !p.starts_with(&errors)).collect();
    assert!(wrongly.is_empty(), "rejected outside errors/: {wrongly:?}");
    assert_eq!(collection.files_rejected.len(), samples(&errors).len());
    assert!(collection.documents.len() >= samples(&root).len());
}
