//! `iocscan collect`: save this host's items to a snapshot file.

use crate::args::CollectArgs;
use crate::progress::ProgressLine;
use crate::render::escape_path;
use crate::render::text::bytes_text;
use crate::scan::ERRORS_SHOWN;
use crate::{EXIT_ERROR, EXIT_OK};
use iocscan::scan::{self, CollectReport};
use std::fs::File;
use std::io::{self, BufWriter};

/// Runs the collection; exit 0 when the snapshot was written, 2 otherwise.
pub fn run(args: &CollectArgs) -> io::Result<u8> {
    let file = File::create(&args.output).map_err(|e| {
        io::Error::new(e.kind(), format!("cannot create {}: {e}", escape_path(&args.output)))
    })?;
    let progress = ProgressLine::start(args.walk.quiet);
    let mut options = args.walk.scan_options();
    options.progress = progress.callback();
    crate::interrupt::install(options.cancel.clone());
    let outcome =
        scan::collect_snapshot(&options, args.hash, BufWriter::new(file), Some(&args.output));
    progress.finish();
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
