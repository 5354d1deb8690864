//! Conversions between JSON Lines snapshots (one host per file) and Parquet folders.

use super::{HostHeader, ParquetError, ParquetSnapshot, ParquetWriter, Projection};
use crate::limits::MAX_REPORTED_SNAPSHOT_ERRORS;
use crate::snapshot::{Header, LineError, SnapshotError, SnapshotReader, SnapshotWriter};
use std::collections::BTreeMap;
use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

/// What a conversion did: hosts and items written, and the problems met (all counted, the
/// first [`MAX_REPORTED_SNAPSHOT_ERRORS`] kept). Inputs that could not be read at all are
/// in `problems` too; the other inputs were still converted.
#[derive(Debug, Default)]
pub struct ConvertReport {
    /// Hosts written.
    pub hosts: usize,
    /// Items written.
    pub items: u64,
    /// Files written (one Parquet folder, or JSON Lines files).
    pub outputs: Vec<PathBuf>,
    /// The problems kept.
    pub problems: Vec<ConvertProblem>,
    /// Every problem, counted.
    pub problem_count: u64,
}

/// A problem met while converting; the conversion went on without what it names.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ConvertProblem {
    /// A JSON Lines input could not be read (its items are not in the output).
    #[error(transparent)]
    Snapshot(#[from] SnapshotError),
    /// A JSON Lines line was skipped.
    #[error("{}: {error}", crate::path_text::escape(path.as_os_str()))]
    Line {
        /// The input file.
        path: PathBuf,
        /// The line and why.
        error: LineError,
    },
    /// A Parquet file, column or row problem.
    #[error(transparent)]
    Parquet(#[from] ParquetError),
}

impl ConvertReport {
    fn problem(&mut self, p: ConvertProblem) {
        self.problem_count += 1;
        if self.problems.len() < MAX_REPORTED_SNAPSHOT_ERRORS {
            self.problems.push(p);
        }
    }
}

/// Converts JSON Lines snapshots (one host each, named by its header) into a new Parquet
/// snapshot folder `out`. Inputs of one host are merged (the first header's time, every
/// kind any of them collected); an input without a host in its header is an error of its
/// own, like an unreadable one. Fails only when the output cannot be written.
pub fn jsonl_to_parquet(inputs: &[PathBuf], out: &Path) -> Result<ConvertReport, ParquetError> {
    let mut report = ConvertReport::default();
    // Headers first: rows are written in host order.
    let mut by_host: BTreeMap<String, (HostHeader, Vec<PathBuf>)> = BTreeMap::new();
    for path in inputs {
        let header = match SnapshotReader::open(path) {
            Ok(reader) => reader.header().clone(),
            Err(e) => {
                report.problem(e.into());
                continue;
            }
        };
        let Some(host) = header.host.clone() else {
            report.problem(ConvertProblem::Snapshot(SnapshotError::Header {
                path: path.clone(),
                message: "the header names no host: the Parquet form needs one".into(),
            }));
            continue;
        };
        let entry = by_host.entry(host.clone()).or_insert_with(|| {
            (HostHeader { host, time: header.time, tool: header.tool, kinds: Vec::new() }, vec![])
        });
        for k in header.kinds {
            if !entry.0.kinds.contains(&k) {
                entry.0.kinds.push(k);
            }
        }
        entry.0.kinds.sort();
        entry.1.push(path.clone());
    }
    let mut writer = ParquetWriter::create(out)?;
    for (_, (header, paths)) in by_host {
        writer.begin_host(header)?;
        report.hosts += 1;
        for path in paths {
            let reader = match SnapshotReader::open(&path) {
                Ok(reader) => reader,
                Err(e) => {
                    report.problem(e.into());
                    continue;
                }
            };
            for next in reader {
                match next {
                    Ok(item) => {
                        writer.write(&item)?;
                        report.items += 1;
                    }
                    Err(error) => {
                        report.problem(ConvertProblem::Line { path: path.clone(), error })
                    }
                }
            }
        }
    }
    writer.finish()?;
    report.outputs.push(out.to_path_buf());
    Ok(report)
}

/// Converts the Parquet snapshot folder `input` to JSON Lines: its one host to the file
/// `out`, or with several hosts one file per host in the new folder `out`, named after the
/// host ([`host_file_name`]). A host's header lists the kinds read whole; a folder without
/// `snapshot.json` gives headers the conversion's time. Fails when the input cannot be
/// opened or an output cannot be written.
pub fn parquet_to_jsonl(input: &Path, out: &Path) -> Result<ConvertReport, ConvertError> {
    let snapshot = ParquetSnapshot::open(input)?;
    let mut report = ConvertReport::default();
    let mut hosts = snapshot.hosts(&Projection::all());
    hosts.take_open_errors().into_iter().for_each(|e| report.problem(e.into()));
    let several = match snapshot.manifest() {
        Some(m) => m.hosts.len() > 1,
        // Without a header the hosts are known only as they are read: a folder then.
        None => true,
    };
    if several {
        std::fs::create_dir_all(out).map_err(ConvertError::Write)?;
    }
    let headers: BTreeMap<&str, &HostHeader> =
        snapshot.manifest().iter().flat_map(|m| &m.hosts).map(|h| (h.host.as_str(), h)).collect();
    let now = chrono::Utc::now();
    for host in hosts.by_ref() {
        let time = headers.get(host.host.as_str()).map(|h| h.time.clone());
        let mut header =
            Header::new(Some(host.host.clone()).filter(|h| !h.is_empty()), now, host.kinds);
        if let Some(time) = time {
            header.time = time;
        }
        let path = if several { out.join(host_file_name(&host.host)) } else { out.to_path_buf() };
        let file = File::create(&path).map_err(ConvertError::Write)?;
        let mut writer =
            SnapshotWriter::new(BufWriter::new(file), &header).map_err(ConvertError::Write)?;
        for item in &host.items {
            writer.write_item(item).map_err(ConvertError::Write)?;
        }
        writer.finish().and_then(|mut w| w.flush()).map_err(ConvertError::Write)?;
        report.items += host.items.len() as u64;
        report.hosts += 1;
        report.outputs.push(path);
        let unkept = host.error_count - host.errors.len() as u64;
        host.errors.into_iter().for_each(|e| report.problem(e.into()));
        report.problem_count += unkept;
    }
    Ok(report)
}

/// Why a Parquet to JSON Lines conversion could not run.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ConvertError {
    /// The input is not a Parquet snapshot.
    #[error(transparent)]
    Open(#[from] ParquetError),
    /// An output could not be written.
    #[error("cannot write snapshot: {0}")]
    Write(#[source] std::io::Error),
}

/// The file a host's JSON Lines snapshot is written to: `<host>.jsonl`, every byte outside
/// `A-Z a-z 0-9 - _` and a dot not in first place written `%XX`, so that any host name gives
/// one plain file name, distinct for distinct hosts (an empty name is `%.jsonl`).
pub fn host_file_name(host: &str) -> String {
    let mut name = String::with_capacity(host.len() + 6);
    for (i, b) in host.bytes().enumerate() {
        if b.is_ascii_alphanumeric() || b == b'-' || b == b'_' || (b == b'.' && i > 0) {
            name.push(char::from(b));
        } else {
            name.push_str(&format!("%{b:02X}"));
        }
    }
    if host.is_empty() {
        name.push('%');
    }
    name.push_str(".jsonl");
    name
}

#[cfg(test)]
mod tests {
    use super::host_file_name;

    #[test]
    fn host_file_names_are_plain_and_distinct() {
        assert_eq!(host_file_name("web1.example.org"), "web1.example.org.jsonl");
        assert_eq!(host_file_name("../etc"), "%2E.%2Fetc.jsonl");
        assert_eq!(host_file_name("a/b"), "a%2Fb.jsonl");
        assert_ne!(host_file_name("a%2Fb"), host_file_name("a/b"));
        assert_eq!(host_file_name(""), "%.jsonl");
    }
}
