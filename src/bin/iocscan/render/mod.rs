//! Printers of a scan's outcome: text, one JSON document, JSON Lines events.
//!
//! Every printer gets the same [`ScanOutput`] and writes it to any `Write`; paths that are
//! not UTF-8 are printed escaped (`\xnn` for each bad byte, `\\` for a backslash): the
//! library's types serialise their paths that way ([`iocscan::path_text`]), and
//! [`escape_path`] does the same for text. Printers decide nothing.

pub mod json;
pub mod jsonl;
pub mod text;
pub mod verdicts;

use iocscan::driver::fleet::SourceProblem;
use iocscan::driver::{FleetReport, ScanReport};
use iocscan::load::LoadedRuleset;
use serde::Serialize;
use std::io::{self, BufWriter, Write};
use std::path::Path;

/// Writes `value` as JSON (indented when `pretty`) to `out` through a small buffer of its
/// own: serde_json writes a value as many small pieces, and each would otherwise be a
/// dynamic call on `out` (a third of the cost of printing 100,000 results, measured with
/// callgrind).
pub fn write_json<T: Serialize + ?Sized>(
    out: &mut dyn Write,
    value: &T,
    pretty: bool,
) -> io::Result<()> {
    let mut buffered = BufWriter::with_capacity(8 << 10, out);
    match pretty {
        true => serde_json::to_writer_pretty(&mut buffered, value),
        false => serde_json::to_writer(&mut buffered, value),
    }
    .map_err(io::Error::other)?;
    buffered.flush()
}

/// What a scan printer prints.
pub struct ScanOutput<'a> {
    /// The IOC collection and its diagnostics.
    pub loaded: &'a LoadedRuleset,
    /// The scan's outcome.
    pub report: &'a ScanReport,
    /// The snapshot scanned, if any (names skipped snapshot lines).
    pub snapshot: Option<&'a Path>,
    /// Text: list every IOC's verdict, not only the counts.
    pub list_results: bool,
}

/// One output format of `scan`.
pub trait Printer {
    /// Prints what is known before the scan starts (the IOC diagnostics), for formats that
    /// stream; the default prints nothing.
    fn begin(&self, out: &mut dyn Write, loaded: &LoadedRuleset) -> io::Result<()> {
        let _ = (out, loaded);
        Ok(())
    }

    /// Prints the outcome (everything [`Printer::begin`] did not print) to `out`.
    fn print(&self, out: &mut dyn Write, scan: &ScanOutput<'_>) -> io::Result<()>;
}

/// What a fleet printer prints at the end, after every host.
pub struct FleetOutput<'a> {
    /// The IOC collection and its diagnostics.
    pub loaded: &'a LoadedRuleset,
    /// The fleet's counters and problems.
    pub report: &'a FleetReport,
}

/// The output of a scan of several hosts: each host as it is done (in host order), then
/// the fleet's summary and problems.
pub trait FleetPrinter {
    /// Prints what is known before the scan starts.
    fn begin_fleet(&self, out: &mut dyn Write, loaded: &LoadedRuleset) -> io::Result<()>;

    /// Prints one host's outcome (`scan.report.host` is set).
    fn host(&self, out: &mut dyn Write, scan: &ScanOutput<'_>) -> io::Result<()>;

    /// Prints the end: the fleet's summary and problems.
    fn end_fleet(&self, out: &mut dyn Write, fleet: &FleetOutput<'_>) -> io::Result<()>;
}

pub use iocscan::driver::document::listed_results as fleet_results;
pub use iocscan::driver::ErrorRecord;

/// A source problem as outputs show it (`subject` is `file` or `file:line`).
pub fn problem_record(p: &SourceProblem) -> ErrorRecord {
    ErrorRecord::from(p)
}

/// A path as text, lossless, as the library writes paths: a byte that is not part of valid
/// UTF-8 becomes `\xnn` and a backslash `\\`.
pub fn escape_path(path: &Path) -> String {
    iocscan::path_text::escape_owned(path.as_os_str())
}

/// Every kept problem of a scan, collection problems first.
pub fn error_records(scan: &ScanOutput<'_>) -> Vec<ErrorRecord> {
    ErrorRecord::of_report(scan.report, scan.snapshot)
}

/// `iocscan <version>`.
pub fn tool() -> String {
    iocscan::TOOL.to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::ffi::OsStr;
    use std::os::unix::ffi::OsStrExt;

    #[test]
    fn escapes_bad_bytes_and_backslashes() {
        let path = |b: &[u8]| Path::new(OsStr::from_bytes(b)).to_path_buf();
        assert_eq!(escape_path(&path(b"plain/\xc3\xa9")), "plain/\u{e9}");
        assert_eq!(escape_path(&path(b"a\xffb\\c")), "a\\xffb\\\\c");
    }
}
