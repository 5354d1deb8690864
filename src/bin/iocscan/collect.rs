//! `iocscan collect`: save this host's items to a snapshot (a JSON Lines file or a Parquet
//! folder).

use crate::args::{CollectArgs, SnapshotFormat};
use crate::common::{self, bytes_text, Live, ERRORS_SHOWN};
use crate::render::escape_path;
use crate::{EXIT_ERROR, EXIT_OK};
use iocscan::driver::{self, CollectOptions, CollectReport};
use std::io::{self, BufWriter};

/// Runs the collection; exit 0 when the snapshot was written, 2 otherwise.
pub fn run(args: &CollectArgs) -> io::Result<u8> {
    let file = match args.format {
        SnapshotFormat::Jsonl => Some(common::create(&args.output)?),
        SnapshotFormat::Parquet => None,
    };
    let live = Live::start(args.walk.quiet);
    let options = CollectOptions {
        progress: live.progress(),
        cancel: live.cancel(),
        ..args.collect_options()
    };
    let outcome = match file {
        Some(file) => driver::collect_snapshot(&options, BufWriter::new(file), Some(&args.output)),
        None => driver::collect_parquet_snapshot(&options, &args.output),
    };
    live.finish();
    let report = match outcome {
        Ok(report) => report,
        Err(e) => {
            eprintln!("iocscan: error: {e}");
            return Ok(EXIT_ERROR);
        }
    };
    if !args.walk.quiet {
        print_outcome(args, &report);
    }
    Ok(EXIT_OK)
}

/// The first problems and a one-line summary, on stderr.
fn print_outcome(args: &CollectArgs, report: &CollectReport) {
    for e in report.errors.iter().take(ERRORS_SHOWN) {
        eprintln!("iocscan: {e}");
    }
    let shown = report.errors.len().min(ERRORS_SHOWN) as u64;
    if report.error_count > shown {
        eprintln!("iocscan: ... {} more problems", report.error_count - shown);
    }
    let parts: Vec<String> = report.items.iter().map(|(k, n)| format!("{k} {n}")).collect();
    let items = if parts.is_empty() { "no items".to_owned() } else { parts.join(", ") };
    eprintln!(
        "collected {items} into {}; {} hashed ({} read); {} problem(s); {:.2} s",
        escape_path(&args.output),
        report.files.hashed,
        bytes_text(report.files.bytes_read),
        report.error_count,
        report.elapsed_seconds
    );
}
