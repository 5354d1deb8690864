//! Parquet snapshot folders as [`HostSource`]s of the many-host scan: one source per
//! partition of the folder's hosts (rows are sorted by host, so partitions are disjoint host
//! ranges read in parallel), each yielding its hosts one after the other.
//!
//! The reading itself (projection, caps, hostile files) is [`crate::snapshot::parquet`];
//! this only adapts its per-host output to the fleet's batches and problems.

use super::fleet::{HostBatch, HostSource, Problems, SourceProblem};
use crate::compile::Ruleset;
use crate::item::ItemKind;
use crate::snapshot::parquet::{
    kind_name, Hosts, ParquetError, ParquetSnapshot, Projection, MANIFEST,
};
use std::path::{Path, PathBuf};

/// True when `dir` is a Parquet snapshot folder: it holds the header (`snapshot.json`) or a
/// `<Kind>.parquet` file or `<Kind>/` folder of one.
pub(crate) fn is_parquet_snapshot(dir: &Path) -> bool {
    if dir.join(MANIFEST).is_file() {
        return true;
    }
    let Ok(entries) = std::fs::read_dir(dir) else { return false };
    entries.flatten().any(|e| {
        let name = e.file_name();
        let name = name.to_string_lossy();
        ItemKind::ALL.into_iter().any(|k| {
            let kind = kind_name(k);
            name.strip_suffix(".parquet") == Some(kind) || (name == kind && e.path().is_dir())
        })
    })
}

/// One partition of a Parquet snapshot's hosts.
pub(crate) struct ParquetSource {
    path: PathBuf,
    hosts: Hosts,
    /// File-level problems found on opening, reported with the first batch.
    open_errors: Vec<ParquetError>,
}

/// The sources of the Parquet snapshot at `dir`, reading the kinds in `needed` with the
/// columns `ruleset` reads, in up to `parts` partitions; or the problem that it cannot be
/// opened.
pub(crate) fn open(
    dir: &Path,
    ruleset: &Ruleset,
    needed: &[ItemKind],
    parts: usize,
) -> Result<Vec<ParquetSource>, SourceProblem> {
    let snapshot = ParquetSnapshot::open(dir).map_err(|e| problem(dir, &e))?;
    let projection = Projection::of_ruleset(ruleset).retain_kinds(|k| needed.contains(&k));
    let mut partitions = snapshot.partitions(&projection, parts.max(1));
    // File-level problems come from the first reader only.
    let open_errors = partitions.first_mut().map(Hosts::take_open_errors).unwrap_or_default();
    let mut sources: Vec<ParquetSource> = partitions
        .into_iter()
        .map(|hosts| ParquetSource { path: dir.to_path_buf(), hosts, open_errors: Vec::new() })
        .collect();
    if let Some(first) = sources.first_mut() {
        first.open_errors = open_errors;
    }
    Ok(sources)
}

fn problem(dir: &Path, e: &ParquetError) -> SourceProblem {
    let path = e.path().map_or_else(|| dir.to_path_buf(), Path::to_path_buf);
    // Display names the path first: the message is what follows it.
    let text = e.to_string();
    let message = text.split_once(": ").map_or(text.as_str(), |(_, m)| m).to_owned();
    SourceProblem { path, line: None, message }
}

impl HostSource for ParquetSource {
    fn path(&self) -> &Path {
        &self.path
    }

    fn host(&self) -> Option<&str> {
        None
    }

    fn next_batch(&mut self, problems: &mut Problems) -> Result<Option<HostBatch>, SourceProblem> {
        for e in std::mem::take(&mut self.open_errors) {
            problems.push(problem(&self.path, &e));
        }
        let Some(host) = self.hosts.next() else { return Ok(None) };
        for e in &host.errors {
            problems.push(problem(&self.path, e));
        }
        // Problems past the kept ones are still counted.
        problems.count_more(host.error_count.saturating_sub(host.errors.len() as u64));
        Ok(Some(HostBatch { host: host.host, kinds: host.kinds, items: host.items }))
    }
}
