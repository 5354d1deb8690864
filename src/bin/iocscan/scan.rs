//! `iocscan scan`: load IOCs, scan the host (or a snapshot, or several hosts' snapshots),
//! print, exit 0 (nothing detected), 1 (detected, on any host), 2 (nothing loadable, bad
//! options, unreadable snapshot, or interrupted before anything was detected) or, with
//! `--fail-on-undetermined`, 3 (nothing detected, some IOC undetermined).
//!
//! One snapshot file keeps the one-host output; several `--snapshot`s, or a folder, scan each
//! host on its own (`iocscan::driver::scan_fleet`) and print host after host.

use crate::args::{ScanArgs, ScanFormat};
use crate::common::{self, display, Live, ERRORS_SHOWN};
use crate::render::{self, json::Json, jsonl::JsonLines, text::Text, Printer, ScanOutput};
use crate::render::{FleetOutput, FleetPrinter};
use crate::{EXIT_ERROR, EXIT_FOUND, EXIT_OK, EXIT_UNDETERMINED};
use iocscan::diag::Diagnostic;
use iocscan::driver::{self, ScanOptions, ScanReport};
use iocscan::load::{self, LoadedRuleset};
use iocscan::snapshot::parquet::ParquetSnapshot;
use std::collections::{BTreeMap, BTreeSet};
use std::io::{self, BufWriter, Write};
use std::mem::ManuallyDrop;
use std::path::PathBuf;

/// Runs the scan.
pub fn run(args: &ScanArgs) -> io::Result<u8> {
    // Freed by the process exit: dropping 100,000 compiled IOCs costs tens of milliseconds.
    let loaded = ManuallyDrop::new(load::load_ruleset(&args.iocs));
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
    let json = Json::default();
    if is_fleet(args) {
        let printer: &dyn FleetPrinter = match args.format {
            ScanFormat::Text => &Text,
            ScanFormat::Json => &json,
            ScanFormat::Jsonl => &JsonLines,
        };
        return run_fleet(args, &loaded, printer, &mut out);
    }
    let printer: &dyn Printer = match args.format {
        ScanFormat::Text => &Text,
        ScanFormat::Json => &json,
        ScanFormat::Jsonl => &JsonLines,
    };
    printer.begin(&mut out, &loaded)?;
    let report = match run_scan(args, &loaded) {
        Ok(report) => ManuallyDrop::new(report),
        Err(message) => {
            eprintln!("iocscan: error: {message}");
            return Ok(EXIT_ERROR);
        }
    };
    let output = ScanOutput {
        loaded: &loaded,
        report: &report,
        snapshot: args.snapshot.first().map(PathBuf::as_path),
        list_results: args.results,
    };
    if text && !args.walk.quiet {
        print_problems(&output);
    }
    printer.print(&mut out, &output)?;
    out.flush()?;
    let undetermined = report.summary.verdicts.undetermined > 0;
    Ok(exit_code(!report.cards.is_empty(), undetermined, report.complete, args))
}

fn exit_code(detected: bool, undetermined: bool, complete: bool, args: &ScanArgs) -> u8 {
    match (detected, complete) {
        (true, _) => EXIT_FOUND,
        (false, true) if undetermined && args.fail_on_undetermined => EXIT_UNDETERMINED,
        (false, true) => EXIT_OK,
        // "Nothing detected" would be a claim about parts of the host never looked at.
        (false, false) => {
            eprintln!("iocscan: error: the scan was interrupted before it finished");
            EXIT_ERROR
        }
    }
}

/// The library options of the scan, with the progress line's callbacks.
fn scan_options(args: &ScanArgs, live: &Live) -> ScanOptions {
    ScanOptions {
        progress: live.progress(),
        cancel: live.cancel(),
        explain: args.explain.clone(),
        // Clean IOCs are counted; an output that lists them builds them as it writes
        // (`ScanReport::all_results`).
        omit_clean_results: true,
        ..args.walk.scan_options()
    }
}

/// Several snapshots, or a folder of them, or a Parquet snapshot whose header names several
/// hosts: a scan of each host on its own. One JSON Lines file, or a Parquet snapshot of one
/// host (or without a header, as other tools write them), keeps the one-host output.
fn is_fleet(args: &ScanArgs) -> bool {
    match args.snapshot.as_slice() {
        [one] if one.is_dir() => match ParquetSnapshot::open(one) {
            Ok(snapshot) => snapshot.manifest().is_some_and(|m| m.hosts.len() > 1),
            Err(_) => true,
        },
        [_] | [] => false,
        _ => true,
    }
}

/// Scans every host of the snapshots, printing each as it is done.
fn run_fleet(
    args: &ScanArgs,
    loaded: &LoadedRuleset,
    printer: &dyn FleetPrinter,
    out: &mut dyn Write,
) -> io::Result<u8> {
    let text = args.format == ScanFormat::Text;
    printer.begin_fleet(out, loaded)?;
    let live = Live::start(args.walk.quiet);
    let options = scan_options(args, &live);
    let ruleset = &loaded.ruleset;
    let (sources, problems) = driver::open_snapshots(ruleset, &args.snapshot, &options);
    if sources.is_empty() {
        live.finish();
        problems.iter().for_each(|p| eprintln!("iocscan: {p}"));
        eprintln!("iocscan: error: no snapshot could be read; nothing to scan");
        return Ok(EXIT_ERROR);
    }
    let mut failed: Option<io::Error> = None;
    let mut undetermined = false;
    let mut on_host = |report: ScanReport| {
        if failed.is_some() {
            return;
        }
        undetermined |= report.summary.verdicts.undetermined > 0;
        let output =
            ScanOutput { loaded, report: &report, snapshot: None, list_results: args.results };
        if text && !args.walk.quiet {
            print_problems(&output);
        }
        if let Err(e) = printer.host(out, &output).and_then(|()| out.flush()) {
            // Nothing more can be printed: stop scanning.
            options.cancel.store(true, std::sync::atomic::Ordering::Relaxed);
            failed = Some(e);
        }
    };
    let fleet = driver::scan_fleet(ruleset, sources, problems, &options, &mut on_host);
    live.finish();
    if let Some(e) = failed {
        return Err(e);
    }
    if text && !args.walk.quiet {
        for p in fleet.problems.iter().take(ERRORS_SHOWN) {
            eprintln!("iocscan: {p}");
        }
        let shown = fleet.problems.len().min(ERRORS_SHOWN) as u64;
        if fleet.summary.problems > shown {
            let more = fleet.summary.problems - shown;
            eprintln!("iocscan: ... {more} more problems (all are listed by --format json)");
        }
    }
    printer.end_fleet(out, &FleetOutput { loaded, report: &fleet })?;
    out.flush()?;
    let detected = fleet.summary.hosts_detected > 0;
    Ok(exit_code(detected, undetermined, fleet.complete, args))
}

/// Scans the host or the snapshot, with the progress line.
fn run_scan(args: &ScanArgs, loaded: &LoadedRuleset) -> Result<ScanReport, String> {
    let live = Live::start(args.walk.quiet);
    let options = scan_options(args, &live);
    let report = match args.snapshot.first() {
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
