//! The driver: everything `iocscan` does, as library calls an agent can embed.
//!
//! ```text
//! load::load_ruleset(paths)               ─▶ LoadedRuleset { ruleset, diagnostics, .. }
//! scan_host(&ruleset, &ScanOptions)       ─▶ ScanReport { host, cards, summary, errors, complete }
//! scan_snapshot(&ruleset, path, &options) ─▶ ScanReport (+ snapshot_errors)
//! collect_snapshot(&CollectOptions, out)  ─▶ CollectReport (a snapshot written to `out`)
//! scan_fleet(&ruleset, sources, ..)        ─▶ one ScanReport per host ─▶ HostDocument (output)
//! partials::finish_partials(&ruleset, host, parts) ─▶ ScanReport of a host scanned in parts
//! ```
//!
//! Loading and compiling is [`crate::load::load_ruleset`]'s. The three entry points here return
//! one error type, [`DriverError`], and only for what stops a
//! run before it starts (a bad exclude pattern, an unreadable snapshot) or a failed output;
//! per-item problems are in the reports. A scan collects only what the ruleset's
//! [`Requirements`](crate::compile::Requirements) ask (within [`ScanOptions::kinds`]); a
//! collection collects exactly [`CollectOptions::kinds`]. Work runs in a rayon pool of the
//! options' `threads`; cancelling stops early and the report says `complete: false`.
//!
//! Layout: shared types here; running counters in `tally`; one file per entry point (`host`,
//! `snapshot`, `collect`, `fleet`, `partials`); the per-host output shape in `document`.
//! Nothing here writes to the scanned host (the only file ever written is the snapshot output
//! the caller hands to [`collect_snapshot`]), and nothing here renders (`document` shapes the
//! per-host output as data; printing it is the caller's).

mod collect;
pub mod document;
pub mod fleet;
mod host;
mod parquet_source;
pub mod partials;
mod snapshot;
mod tally;

pub use collect::{collect_parquet_snapshot, collect_snapshot, CollectOptions, CollectReport};
pub use document::{ErrorRecord, HostDocument};
pub use fleet::{open_snapshots, scan_fleet, FleetReport, FleetSummary, HostSource};
pub use host::scan_host;
pub use snapshot::{scan_host_items, scan_snapshot};

use crate::card::Card;
use crate::collect::file::{FileOptions, FileOptionsError, FileStats};
use crate::collect::CollectError;
use crate::compile::Ruleset;
use crate::eval::{self, RecordSpan, Scanner};
use crate::item::ItemKind;
use crate::snapshot::{LineError, SnapshotError};
use crate::verdict::{Explanation, IocResult, VerdictCounts};
use serde::Serialize;
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;
use tally::Tally;

/// A progress report, sent to the options' `progress` callback a few times per second.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Progress {
    /// Files handed to the evaluator (or the snapshot) so far.
    pub files: u64,
    /// Items of every kind handed to the evaluator (or the snapshot) so far.
    pub items: u64,
    /// Collection problems met so far.
    pub errors: u64,
    /// Bytes of file content read for digests so far.
    pub bytes_hashed: u64,
    /// Objects that satisfied an item-scoped branch of some IOC so far (IOCs themselves are
    /// decided at the end: see [`Scanner::matched_objects`]).
    pub matches: u64,
}

/// The progress callback type.
pub type ProgressFn = Arc<dyn Fn(&Progress) + Send + Sync>;

/// Shortest time between two progress callbacks.
pub const PROGRESS_INTERVAL: Duration = Duration::from_millis(100);

/// How to scan (the live host or a snapshot).
#[derive(Clone, Default)]
pub struct ScanOptions {
    /// Item kinds allowed; empty means every kind. A scan collects the kinds the ruleset needs
    /// among these.
    pub kinds: Vec<ItemKind>,
    /// What file walk to do when files are needed.
    pub files: FileOptions,
    /// Worker threads; 0 means one per core.
    pub threads: usize,
    /// Called with running counters, at most every [`PROGRESS_INTERVAL`].
    pub progress: Option<ProgressFn>,
    /// Set to true (from any thread) to stop early; the report then says `complete: false`.
    pub cancel: Arc<AtomicBool>,
    /// Ids of IOCs to explain ([`ScanReport::explanations`]): their conditions are then
    /// evaluated on every item of their kinds.
    pub explain: Vec<String>,
    /// With true, [`ScanReport::results`] lists only the IOCs that are not clean (the
    /// summary's verdict counts still count every IOC): for an output that shows clean
    /// IOCs as a count, building a result per clean IOC of a large collection costs more
    /// than scanning a small host.
    pub omit_clean_results: bool,
}

impl std::fmt::Debug for ScanOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ScanOptions")
            .field("kinds", &self.kinds)
            .field("files", &self.files)
            .field("threads", &self.threads)
            .field("progress", &self.progress.is_some())
            .field("cancel", &self.cancel.load(Ordering::Relaxed))
            .field("explain", &self.explain)
            .field("omit_clean_results", &self.omit_clean_results)
            .finish()
    }
}

impl ScanOptions {
    /// True when `kind` is allowed by [`ScanOptions::kinds`].
    pub fn allows(&self, kind: ItemKind) -> bool {
        self.kinds.is_empty() || self.kinds.contains(&kind)
    }

    fn cancelled(&self) -> bool {
        self.cancel.load(Ordering::Relaxed)
    }
}

/// Why a scan or a collection could not start, or its output failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum DriverError {
    /// The file walk options are invalid (a bad exclude pattern).
    #[error(transparent)]
    FileOptions(#[from] FileOptionsError),
    /// The snapshot cannot be read or written.
    #[error(transparent)]
    Snapshot(#[from] SnapshotError),
    /// The Parquet snapshot cannot be read or written.
    #[error(transparent)]
    Parquet(#[from] crate::snapshot::parquet::ParquetError),
}

/// Counters of one scan.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Summary {
    /// IOCs compiled.
    pub iocs_loaded: usize,
    /// IOCs detected (cards).
    pub detected: usize,
    /// How many IOCs are detected, undetermined and clean: what "nothing detected" covers.
    pub verdicts: VerdictCounts,
    /// Kinds some IOC asks for that were not collected (not allowed, not on this platform,
    /// absent from the snapshot): conditions on them are unknown.
    pub not_collected: Vec<ItemKind>,
    /// Event kinds evaluated from the host's present state rather than from records: events
    /// that left no present state (a process that exited, a file written then deleted) are
    /// not covered.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub state_events: Vec<ItemKind>,
    /// Recorded events per kind, with the time they span.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub recorded: BTreeMap<ItemKind, RecordSpan>,
    /// IndicatorItems that can never match (unsupported term, bad content, ...).
    pub unsupported_items: usize,
    /// Items evaluated, per kind (kinds not collected are absent).
    pub items: BTreeMap<ItemKind, u64>,
    /// Counters of the file walk (for a snapshot scan, only the files evaluated), written as
    /// `files_walked`, `directories`, `files_hashed`, `bytes_read`, `excluded`,
    /// `skipped_mounts`.
    #[serde(flatten)]
    pub files: FileStats,
    /// Conditions that could not be evaluated on some item (field absent or not computable).
    pub not_evaluated: u64,
    /// Collection problems (and skipped snapshot lines), all counted, some kept in the report.
    pub errors: u64,
    /// Wall-clock duration of the scan, in seconds.
    pub elapsed_seconds: f64,
}

/// The outcome of a scan.
#[derive(Clone, Debug, Default, Serialize)]
pub struct ScanReport {
    /// The host scanned (the snapshot's host for a snapshot scan), when known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub host: Option<String>,
    /// One card per detected IOC, in ruleset order.
    pub cards: Vec<Card>,
    /// One verdict per loaded IOC, in ruleset order.
    pub results: Vec<IocResult>,
    /// The IOCs asked for in [`ScanOptions::explain`], with every condition's outcome.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub explanations: Vec<Explanation>,
    /// Counters.
    pub summary: Summary,
    /// Collection problems, the first [`crate::limits::MAX_REPORTED_COLLECT_ERRORS`] met,
    /// sorted.
    pub errors: Vec<CollectError>,
    /// Skipped snapshot lines (snapshot scans only), the first
    /// [`crate::limits::MAX_REPORTED_SNAPSHOT_ERRORS`].
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub snapshot_errors: Vec<LineError>,
    /// False when the scan was cancelled before it ended.
    pub complete: bool,
}

impl ScanReport {
    /// Every IOC's result, in ruleset order, for the ruleset this report comes from:
    /// [`ScanReport::results`] where it lists the IOC, else a clean result (the IOCs a scan
    /// with [`ScanOptions::omit_clean_results`] leaves out are exactly the clean ones). The
    /// clean results are built one at a time as the iterator is read, so that an output
    /// can write 100,000 verdicts without holding them (nor compiling a dormant segment).
    pub fn all_results<'a>(
        &'a self,
        ruleset: &'a Ruleset,
    ) -> impl Iterator<Item = std::borrow::Cow<'a, IocResult>> + 'a {
        use std::borrow::Cow;
        let mut listed = self.results.iter().peekable();
        ruleset.identities().map(move |(id, file)| match listed.next_if(|r| r.id == id) {
            Some(result) => Cow::Borrowed(result),
            None => Cow::Owned(IocResult {
                id: id.to_owned(),
                file: file.into_owned(),
                verdict: crate::verdict::Verdict::Clean,
                objects: 0,
                reasons: Vec::new(),
            }),
        })
    }
}

/// The kinds the ruleset references and can decide something on (a kind whose every group
/// is false whatever the items is not worth collecting).
fn wanted_kinds(ruleset: &Ruleset) -> Vec<ItemKind> {
    let needs = ruleset.requirements();
    let in_use = eval::kinds_in_use(ruleset);
    ItemKind::ALL.into_iter().filter(|&k| needs.needs_kind(k) && in_use.contains(&k)).collect()
}

/// The kinds a scan collects: the wanted ones `options` allows.
fn needed_kinds(ruleset: &Ruleset, options: &ScanOptions) -> Vec<ItemKind> {
    wanted_kinds(ruleset).into_iter().filter(|&k| options.allows(k)).collect()
}

/// The evaluator of a scan: told which wanted kinds `collected` leaves out, and what to
/// explain.
fn scanner<'r>(
    ruleset: &'r Ruleset,
    options: &ScanOptions,
    collected: impl Fn(ItemKind) -> bool,
) -> Scanner<'r> {
    let uncollected = wanted_kinds(ruleset).into_iter().filter(|&k| !collected(k));
    Scanner::new(ruleset)
        .uncollected(uncollected)
        .explain(&options.explain)
        .clean_results(!options.omit_clean_results)
}

/// Runs `work` in a pool of `threads` workers (0 = one per core). Should the pool not be
/// created (the OS refuses threads), the work runs on the global pool instead.
fn in_pool<T: Send>(threads: usize, work: impl FnOnce() -> T + Send) -> T {
    match rayon::ThreadPoolBuilder::new().num_threads(threads).build() {
        Ok(pool) => pool.install(work),
        Err(_) => work(),
    }
}

/// Builds a scan's report once every item was evaluated.
fn report(
    ruleset: &Ruleset,
    scanner: Scanner<'_>,
    tally: &Tally,
    files: FileStats,
    complete: bool,
) -> ScanReport {
    let not_collected = scanner.uncollected_kinds().to_vec();
    report_of(ruleset, not_collected, scanner.finish(), tally, files, complete)
}

/// Builds a scan's report from the evaluation's outcome.
fn report_of(
    ruleset: &Ruleset,
    not_collected: Vec<ItemKind>,
    detection: eval::Detection,
    tally: &Tally,
    files: FileStats,
    complete: bool,
) -> ScanReport {
    let summary = Summary {
        iocs_loaded: ruleset.len(),
        detected: detection.cards.len(),
        verdicts: {
            let mut counts = VerdictCounts::of(&detection.results);
            counts.clean += detection.clean_omitted;
            counts
        },
        not_collected,
        state_events: ItemKind::ALL
            .into_iter()
            .filter(|k| k.is_event())
            .filter(|k| {
                let records = detection.stats.recorded.get(k).map_or(0, |r| r.records);
                detection.stats.items[k.index()] > records
            })
            .collect(),
        recorded: detection.stats.recorded.clone(),
        unsupported_items: ruleset.unsupported_items(),
        items: tally.item_counts(),
        files,
        not_evaluated: detection.stats.not_evaluated,
        errors: tally.error_count(),
        elapsed_seconds: tally.elapsed_seconds(),
    };
    ScanReport {
        host: None,
        cards: detection.cards,
        results: detection.results,
        explanations: detection.explanations,
        summary,
        errors: tally.kept_errors(),
        snapshot_errors: Vec::new(),
        complete,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn summary_json_keeps_its_keys_and_order() {
        let text = serde_json::to_string(&Summary::default()).unwrap();
        let expected = "{\"iocs_loaded\":0,\"detected\":0,\"verdicts\":{\"detected\":0,\
                        \"undetermined\":0,\"clean\":0},\"not_collected\":[],\
                        \"unsupported_items\":0,\"items\":{},\
                        \"files_walked\":0,\"directories\":0,\"files_hashed\":0,\"bytes_read\":0,\
                        \"excluded\":0,\"skipped_mounts\":0,\"not_evaluated\":0,\"errors\":0,\
                        \"elapsed_seconds\":0.0}";
        assert_eq!(text, expected);
    }
}
