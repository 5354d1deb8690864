//! Golden diagnostics of the reader and the loader.
//!
//! Every entry `X.ioc`, `X.xml` or folder `X/` of `tests/data/errors/` is loaded on its own with
//! `load::load_paths`; its diagnostics, rendered one per line as `Diagnostic`'s `Display`
//! (`file:line:col: code: message (note)`), must equal `X.out`. Paths are relative to the crate
//! root, so the goldens are stable. Cases that cannot live in the repository (a missing file, a
//! file over the size limit, a document with too many nodes) are generated under
//! `CARGO_TARGET_TMPDIR` and rendered with that prefix replaced by `$TMP`.
//!
//! `UPDATE_GOLDENFILES=1 cargo test --test golden` rewrites the `.out` files.

use iocscan::diag::Code;
use iocscan::load::{load_paths, Loaded};
use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::fs;
use std::path::{Path, PathBuf};

const ERRORS: &str = "tests/data/errors";

fn render(collection: &Loaded, tmp: &Path) -> String {
    let mut out = String::new();
    for d in &collection.diagnostics {
        let line = d.to_string().replace(&tmp.display().to_string(), "$TMP");
        let _ = writeln!(out, "{line}");
    }
    out
}

/// Compares `actual` with the golden file, or rewrites it when asked to.
fn check(golden: &Path, actual: &str, failures: &mut Vec<String>) {
    if std::env::var_os("UPDATE_GOLDENFILES").is_some_and(|v| v == "1") {
        fs::write(golden, actual).expect("write golden");
        return;
    }
    match fs::read_to_string(golden) {
        Ok(expected) if expected == actual => {}
        Ok(expected) => failures
            .push(format!("{}:\n--- expected\n{expected}--- actual\n{actual}", golden.display())),
        Err(e) => {
            failures.push(format!("{}: {e} (run with UPDATE_GOLDENFILES=1)", golden.display()))
        }
    }
}

/// The inputs of `tests/data/errors`, with their golden file.
fn cases() -> Vec<(PathBuf, PathBuf)> {
    let mut cases = Vec::new();
    for entry in fs::read_dir(ERRORS).expect("tests/data/errors") {
        let path = Path::new(ERRORS).join(entry.expect("entry").file_name());
        let is_input = path.is_dir() || path.extension().is_some_and(|e| e == "ioc" || e == "xml");
        if is_input {
            let golden = path.with_extension("out");
            cases.push((path, golden));
        }
    }
    cases.sort();
    cases
}

/// Files generated at test time: (name, contents).
fn generated() -> Vec<(&'static str, Vec<u8>)> {
    let size_limit = iocscan::limits::MAX_IOC_FILE_BYTES as usize;
    let mut too_big = b"<ioc id=\"big\"/>".to_vec();
    too_big.resize(size_limit + 1, b' ');
    let nodes = iocscan::limits::MAX_NODES_PER_DOCUMENT;
    let mut many = String::from(
        "<OpenIOC xmlns=\"http://openioc.org/schemas/OpenIOC_1.1\" id=\"many\">\n<criteria>\n<Indicator operator=\"OR\">\n",
    );
    many.push_str(&"<IndicatorItem/>".repeat(nodes));
    many.push_str("\n</Indicator>\n</criteria>\n</OpenIOC>\n");
    vec![("size.ioc", too_big), ("too-many-nodes.ioc", many.into_bytes())]
}

#[test]
fn golden_diagnostics() {
    let tmp = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("golden");
    fs::create_dir_all(&tmp).expect("tmp dir");
    let mut failures = Vec::new();
    let mut seen_codes = BTreeSet::new();
    let mut run = |input: &Path, golden: &Path, failures: &mut Vec<String>| {
        let collection = load_paths(&[input]);
        seen_codes.extend(collection.diagnostics.iter().map(|d| d.code));
        check(golden, &render(&collection, &tmp), failures);
    };
    for (input, golden) in cases() {
        run(&input, &golden, &mut failures);
    }
    for (name, bytes) in generated() {
        let path = tmp.join(name);
        fs::write(&path, bytes).expect("write generated case");
        run(&path, &Path::new(ERRORS).join(name).with_extension("out"), &mut failures);
    }
    let missing = tmp.join("does-not-exist.ioc");
    run(&missing, &Path::new(ERRORS).join("does-not-exist.out"), &mut failures);

    assert!(
        failures.is_empty(),
        "{} golden mismatch(es):\n{}",
        failures.len(),
        failures.join("\n")
    );
    // Every code the reader and the loader raise has a golden.
    let reader_codes = [
        Code::Io,
        Code::Size,
        Code::Encoding,
        Code::Xml,
        Code::Root,
        Code::MissingId,
        Code::DuplicateIocId,
        Code::Nesting,
        Code::TooManyNodes,
        Code::NoCriteria,
        Code::DuplicateNodeId,
        Code::Structure,
    ];
    for code in reader_codes {
        assert!(seen_codes.contains(&code), "no golden case raises {code}");
    }
}
