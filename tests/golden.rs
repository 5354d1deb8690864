//! Golden diagnostics of the reader, the loader and the compiler.
//!
//! Every entry `X.ioc`, `X.xml` or folder `X/` of a case folder is loaded on its own; its
//! diagnostics, rendered one per line as `Diagnostic`'s `Display` (`file:line:col: code:
//! message (note)`, what `iocscan check` prints), must equal `X.out`:
//! - `tests/data/errors/`: reader and loader diagnostics (`load::load_paths` only);
//! - `tests/data/warnings/`: compiler warnings, effect notes included (`load::load_paths`,
//!   then `compile::compile` on what loaded).
//!
//! Paths are relative to the crate root, so the goldens are stable. Cases that cannot live in
//! the repository (a missing file, a file over the size limit, a document with too many nodes)
//! are generated under `CARGO_TARGET_TMPDIR` and rendered with that prefix replaced by `$TMP`.
//! Every code of [`Code::ALL`] must be raised by some golden case, and every golden diagnostic
//! must be valid JSON output (`schema/output.schema.json`, `$defs/diagnostic`).
//!
//! `UPDATE_GOLDENFILES=1 cargo test --test golden` rewrites the `.out` files.

use iocscan::diag::{Code, Diagnostic};
use iocscan::{compile, load};
use jsonschema::Validator;
use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::fs;
use std::path::{Path, PathBuf};

const ERRORS: &str = "tests/data/errors";
const WARNINGS: &str = "tests/data/warnings";

/// What one case folder runs on each input.
#[derive(Clone, Copy)]
enum Stage {
    /// Reading and loading.
    Load,
    /// Reading, loading, then compiling what loaded.
    Compile,
}

fn diagnostics(stage: Stage, input: &Path) -> Vec<Diagnostic> {
    let collection = load::load_paths(&[input]);
    let mut diagnostics = collection.diagnostics;
    if let Stage::Compile = stage {
        diagnostics.extend(compile::compile(&collection.documents).1);
    }
    diagnostics
}

fn render(diagnostics: &[Diagnostic], tmp: &Path) -> String {
    let mut out = String::new();
    for d in diagnostics {
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

/// The inputs of a case folder, with their golden file.
fn cases(dir: &str) -> Vec<(PathBuf, PathBuf)> {
    let mut cases = Vec::new();
    for entry in fs::read_dir(dir).expect(dir) {
        let path = Path::new(dir).join(entry.expect("entry").file_name());
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

/// A validator for the diagnostics of the published output schema.
fn diagnostic_schema() -> Validator {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("schema/output.schema.json");
    let text = fs::read_to_string(path).expect("output schema");
    let mut schema: serde_json::Value = serde_json::from_str(&text).expect("schema is JSON");
    let defs = schema["$defs"].take();
    let root = serde_json::json!({ "$ref": "#/$defs/diagnostic", "$defs": defs });
    jsonschema::draft202012::new(&root).expect("schema compiles")
}

#[test]
fn golden_diagnostics() {
    let tmp = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("golden");
    fs::create_dir_all(&tmp).expect("tmp dir");
    let schema = diagnostic_schema();
    let mut failures = Vec::new();
    let mut seen_codes = BTreeSet::new();
    let mut run = |stage: Stage, input: &Path, golden: &Path, failures: &mut Vec<String>| {
        let diagnostics = diagnostics(stage, input);
        for d in &diagnostics {
            seen_codes.insert(d.code);
            let json = serde_json::to_value(d).expect("diagnostic JSON");
            for e in schema.iter_errors(&json) {
                failures.push(format!("{}: not valid output: {e}\n{json}", golden.display()));
            }
        }
        check(golden, &render(&diagnostics, &tmp), failures);
    };
    for (dir, stage) in [(ERRORS, Stage::Load), (WARNINGS, Stage::Compile)] {
        for (input, golden) in cases(dir) {
            run(stage, &input, &golden, &mut failures);
        }
    }
    for (name, bytes) in generated() {
        let path = tmp.join(name);
        fs::write(&path, bytes).expect("write generated case");
        let golden = Path::new(ERRORS).join(name).with_extension("out");
        run(Stage::Load, &path, &golden, &mut failures);
    }
    let missing = tmp.join("does-not-exist.ioc");
    run(Stage::Load, &missing, &Path::new(ERRORS).join("does-not-exist.out"), &mut failures);

    assert!(
        failures.is_empty(),
        "{} golden mismatch(es):\n{}",
        failures.len(),
        failures.join("\n")
    );
    // Every code the reader, the loader and the compiler raise has a golden.
    for code in Code::ALL {
        assert!(seen_codes.contains(code), "no golden case raises {code}");
    }
}

/// Golden compiled trees: `Ruleset::dump_tree` (what `iocscan debug tree` prints) of every
/// `ioc-samples/X.ioc` must equal `tests/data/tree/X.tree`, so that a change to lowering,
/// grouping or triggers shows as a readable diff.
#[test]
fn golden_trees() {
    let samples = Path::new("ioc-samples");
    let dir = Path::new("tests/data/tree");
    fs::create_dir_all(dir).expect("tree golden folder");
    let mut inputs: Vec<PathBuf> = fs::read_dir(samples)
        .expect("ioc-samples")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "ioc"))
        .collect();
    inputs.sort();
    assert!(!inputs.is_empty());
    let mut failures = Vec::new();
    for input in &inputs {
        let loaded = load::load_paths(&[input]);
        let (ruleset, _) = compile::compile(&loaded.documents);
        let stem = input.file_stem().expect("stem").to_string_lossy();
        let golden = dir.join(format!("{stem}.tree"));
        check(&golden, &ruleset.dump_tree(), &mut failures);
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
