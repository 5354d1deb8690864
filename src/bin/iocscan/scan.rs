//! `iocscan scan`: load IOCs, scan the host (or a snapshot), print, exit 0 (nothing
//! detected), 1 (detected) or 2 (nothing loadable, bad options, unreadable snapshot, or
//! interrupted before anything was detected).

use crate::args::{ScanArgs, ScanFormat};
use crate::common::{self, display, Live, ERRORS_SHOWN};
use crate::render::{self, json::Json, jsonl::JsonLines, text::Text, Printer, ScanOutput};
use crate::{EXIT_ERROR, EXIT_FOUND, EXIT_OK};
use iocscan::driver::{self, ScanOptions, ScanReport};
use iocscan::load::{self, LoadedRuleset};
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
        for d in &loaded.diagnostics {
            eprintln!("{}", display(d));
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
    let output =
        ScanOutput { loaded: &loaded, report: &report, snapshot: args.snapshot.as_deref() };
    if text && !args.walk.quiet {
        print_problems(&output);
    }
    printer.print(&mut out, &output)?;
    out.flush()?;
    Ok(match (report.cards.is_empty(), report.complete) {
        (false, _) => EXIT_FOUND,
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
