//! Printers of a scan's outcome: text, one JSON document, JSON Lines events.
//!
//! Every printer gets the same [`ScanOutput`] and writes it to any `Write`; paths that are
//! not UTF-8 are printed escaped (`\xNN` for each bad byte). Printers decide nothing.

pub mod json;
pub mod jsonl;
pub mod text;

use iocscan::card::Card;
use iocscan::diag::Diagnostic;
use iocscan::item::ItemKind;
use iocscan::scan::{LoadedRuleset, ScanReport};
use serde::Serialize;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

/// What a scan printer prints.
pub struct ScanOutput<'a> {
    /// The IOC collection and its diagnostics.
    pub loaded: &'a LoadedRuleset,
    /// The scan's outcome.
    pub report: &'a ScanReport,
    /// The snapshot scanned, if any (names skipped snapshot lines).
    pub snapshot: Option<&'a Path>,
}

/// One output format of `scan`.
pub trait Printer {
    /// Prints the whole outcome to `out`.
    fn print(&self, out: &mut dyn Write, scan: &ScanOutput<'_>) -> io::Result<()>;
}

/// A path as text, lossless: bytes that are not UTF-8 become `\xNN`.
pub fn escape_path(path: &Path) -> String {
    #[cfg(unix)]
    {
        use std::os::unix::ffi::OsStrExt;
        escape_bytes(path.as_os_str().as_bytes())
    }
    #[cfg(not(unix))]
    {
        path.to_string_lossy().into_owned()
    }
}

/// Text of `bytes` with each byte that is not part of valid UTF-8 written as `\xNN`.
pub fn escape_bytes(mut bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len());
    loop {
        match std::str::from_utf8(bytes) {
            Ok(text) => {
                out.push_str(text);
                return out;
            }
            Err(e) => {
                let (good, bad) = bytes.split_at(e.valid_up_to());
                out.push_str(&String::from_utf8_lossy(good));
                let n = e.error_len().unwrap_or(bad.len());
                for b in &bad[..n] {
                    out.push_str(&format!("\\x{b:02x}"));
                }
                bytes = &bad[n..];
            }
        }
    }
}

/// `path` with any non-UTF-8 byte escaped, so that serde can write it as a JSON string.
fn escaped_buf(path: &Path) -> PathBuf {
    PathBuf::from(escape_path(path))
}

/// A diagnostic ready for JSON (file path escaped).
pub fn diagnostic_for_output(d: &Diagnostic) -> Diagnostic {
    Diagnostic { file: escaped_buf(&d.file), ..d.clone() }
}

/// A card ready for JSON (IOC file path escaped).
pub fn card_for_output(card: &Card) -> Card {
    Card { file: escaped_buf(&card.file), ..card.clone() }
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
        subject: e.subject.clone(),
        message: e.message.clone(),
    });
    let snapshot = scan.snapshot.map(escape_path).unwrap_or_default();
    let lines = scan.report.snapshot_errors.iter().map(|e| ErrorRecord {
        kind: None,
        subject: format!("{snapshot}:{}", e.line),
        message: e.message.clone(),
    });
    collect.chain(lines).collect()
}

/// `iocscan <version>`.
pub fn tool() -> String {
    iocscan::snapshot::tool_name()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_only_bad_bytes() {
        assert_eq!(escape_bytes(b"plain/\xc3\xa9"), "plain/é");
        assert_eq!(escape_bytes(b"a\xffb\xfe"), "a\\xffb\\xfe");
        assert_eq!(escape_bytes(b"\xc3"), "\\xc3");
    }
}
