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

use iocscan::collect::Reason;
use iocscan::driver::fleet::SourceProblem;
use iocscan::driver::{FleetReport, ScanReport};
use iocscan::item::ItemKind;
use iocscan::load::LoadedRuleset;
use iocscan::verdict::{IocResult, Verdict};
use serde::Serialize;
use std::io::{self, Write};
use std::path::Path;

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

/// The results a fleet's machine-readable output lists per host: the IOCs that are not
/// clean (the clean ones are counted in the host's `summary.verdicts`), so that the output
/// grows with what was found, not with hosts x IOCs.
pub fn fleet_results(results: &[IocResult]) -> impl Iterator<Item = &IocResult> {
    results.iter().filter(|r| r.verdict != Verdict::Clean)
}

/// A source problem as outputs show it (`subject` is `file` or `file:line`).
pub fn problem_record(p: &SourceProblem) -> ErrorRecord {
    let path = escape_path(&p.path);
    ErrorRecord {
        kind: None,
        subject: match p.line {
            Some(line) => format!("{path}:{line}"),
            None => path,
        },
        message: p.message.clone(),
        reason: None,
    }
}

/// A path as text, lossless, as the library writes paths: a byte that is not part of valid
/// UTF-8 becomes `\xnn` and a backslash `\\`.
pub fn escape_path(path: &Path) -> String {
    iocscan::path_text::escape_owned(path.as_os_str())
}

/// A collection problem or a skipped snapshot line, as outputs show it.
#[derive(Debug, Serialize)]
pub struct ErrorRecord {
    /// The item kind being collected (absent for snapshot lines).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub kind: Option<ItemKind>,
    /// What it is about: a path, `pid 12`, `snapshot.jsonl:7`.
    pub subject: String,
    /// What went wrong.
    pub message: String,
    /// What went wrong, typed (absent for snapshot lines).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<Reason>,
}

impl std::fmt::Display for ErrorRecord {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.kind {
            Some(kind) => write!(f, "{kind}: {}: {}", self.subject, self.message),
            None => write!(f, "{}: {}", self.subject, self.message),
        }
    }
}

/// Every kept problem of a scan, collection problems first.
pub fn error_records(scan: &ScanOutput<'_>) -> Vec<ErrorRecord> {
    let collect = scan.report.errors.iter().map(|e| ErrorRecord {
        kind: Some(e.kind),
        subject: e.subject.to_string(),
        message: e.message.clone(),
        reason: Some(e.reason),
    });
    let snapshot = scan.snapshot.map(escape_path).unwrap_or_default();
    let lines = scan.report.snapshot_errors.iter().map(|e| ErrorRecord {
        kind: None,
        subject: format!("{snapshot}:{}", e.line),
        message: e.message.clone(),
        reason: None,
    });
    collect.chain(lines).collect()
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
