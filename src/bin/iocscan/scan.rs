//! `iocscan scan`: load IOCs, scan the host (or a snapshot), print, exit 0 (nothing
//! detected), 1 (detected), 2 (nothing loadable, bad options, unreadable snapshot, or
//! interrupted before anything was detected) or, with `--fail-on-undetermined`, 3 (nothing
//! detected, some IOC undetermined).

use crate::args::{ScanArgs, ScanFormat};
use crate::common::{self, display, Live, ERRORS_SHOWN};
use crate::render::{self, json::Json, jsonl::JsonLines, text::Text, Printer, ScanOutput};
use crate::{EXIT_ERROR, EXIT_FOUND, EXIT_OK, EXIT_UNDETERMINED};
use iocscan::diag::Diagnostic;
use iocscan::driver::{self, ScanOptions, ScanReport};
use iocscan::load::{self, LoadedRuleset};
use std::collections::{BTreeMap, BTreeSet};
use std::io::{self, BufWriter, Write};

/// Runs the scan.
pub fn run(args: &ScanArgs) -> io::Result<u8> {
    let loaded = load::load_ruleset(&args.iocs);
    let text = args.format == ScanFormat::Text;
    if loaded.ruleset.is_empty() {
        for d in &loaded.diagnostics {
            eprintln!("{}", display(d));
        }
        eprintln!("iocscan: error: no IOC could be loaded; nothing to scan");
        return Ok(EXIT_ERROR);
    }
    if text && !args.walk.quiet {
        if args.verbose {
            loaded.diagnostics.iter().for_each(|d| eprintln!("{}", display(d)));
        } else {
            print_diagnostic_summary(&loaded.diagnostics);
        }
    }
    // The output is opened before the scan so that a bad path fails at once.
    let mut out: Box<dyn Write> = match &args.output {
        Some(path) => Box::new(BufWriter::new(common::create(path)?)),
        None => Box::new(BufWriter::new(io::stdout().lock())),
    };
    let printer: &dyn Printer = match args.format {
        ScanFormat::Text => &Text,
        ScanFormat::Json => &Json,
        ScanFormat::Jsonl => &JsonLines,
    };
    printer.begin(&mut out, &loaded)?;
    let report = match run_scan(args, &loaded) {
        Ok(report) => report,
        Err(message) => {
            eprintln!("iocscan: error: {message}");
            return Ok(EXIT_ERROR);
        }
    };
    let output = ScanOutput {
        loaded: &loaded,
        report: &report,
        snapshot: args.snapshot.as_deref(),
        list_results: args.results,
    };
    if text && !args.walk.quiet {
        print_problems(&output);
    }
    printer.print(&mut out, &output)?;
    out.flush()?;
    let undetermined = report.summary.verdicts.undetermined > 0;
    Ok(match (report.cards.is_empty(), report.complete) {
        (false, _) => EXIT_FOUND,
        (true, true) if undetermined && args.fail_on_undetermined => EXIT_UNDETERMINED,
        (true, true) => EXIT_OK,
        // "Nothing detected" would be a claim about parts of the host never looked at.
        (true, false) => {
            eprintln!("iocscan: error: the scan was interrupted before it finished");
            EXIT_ERROR
        }
    })
}

/// Scans the host or the snapshot, with the progress line.
fn run_scan(args: &ScanArgs, loaded: &LoadedRuleset) -> Result<ScanReport, String> {
    let live = Live::start(args.walk.quiet);
    let options = ScanOptions {
        progress: live.progress(),
        cancel: live.cancel(),
        explain: args.explain.clone(),
        ..args.walk.scan_options()
    };
    let report = match &args.snapshot {
        Some(path) => driver::scan_snapshot(&loaded.ruleset, path, &options),
        None => driver::scan_host(&loaded.ruleset, &options),
    };
    live.finish();
    report.map_err(|e| e.to_string())
}

/// Collection problems on stderr (text mode): the first few, then a count.
fn print_problems(output: &ScanOutput<'_>) {
    let records = render::error_records(output);
    for record in records.iter().take(ERRORS_SHOWN) {
        eprintln!("iocscan: {record}");
    }
    let total = output.report.summary.errors;
    let shown = records.len().min(ERRORS_SHOWN) as u64;
    if total > shown {
        eprintln!("iocscan: ... {} more problems (all are listed by --format json)", total - shown);
    }
}

/// Examples shown per diagnostic code on stderr: one for warnings, a few for errors (each
/// is a file that did not load).
const EXAMPLES: [usize; 2] = [1, 3];

/// The IOC diagnostics on stderr (text mode, without `--verbose`): one line per code with its
/// count, the files it is in and the first examples; `check` lists them all.
fn print_diagnostic_summary(diagnostics: &[Diagnostic]) {
    let mut by_code: BTreeMap<(bool, &str), Vec<&Diagnostic>> = BTreeMap::new();
    for d in diagnostics {
        by_code.entry((!d.is_error(), d.code.as_str())).or_default().push(d);
    }
    for ((warning, code), list) in &by_code {
        let files: BTreeSet<&std::path::Path> = list.iter().map(|d| d.file.as_path()).collect();
        let (n, f) = (list.len(), files.len());
        let examples = EXAMPLES[usize::from(*warning)].min(n);
        let first: Vec<String> = list.iter().take(examples).map(|d| display(d)).collect();
        eprintln!(
            "iocscan: {n} {code} in {f} file{}, e.g. {}",
            if f == 1 { "" } else { "s" },
            first.join(" | ")
        );
    }
    if !by_code.is_empty() {
        eprintln!("iocscan: `iocscan check` lists every diagnostic; `--verbose` prints them here");
    }
}
