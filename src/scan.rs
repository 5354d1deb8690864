//! The scan driver: everything `iocscan` does, as library calls an agent can embed.
//!
//! ```text
//! load_ruleset(paths)                         ─▶ LoadedRuleset { ruleset, diagnostics }
//! scan_host(&ruleset, &options)               ─▶ ScanReport { cards, summary, errors, complete }
//! scan_snapshot(&ruleset, path, &options)     ─▶ ScanReport
//! collect_snapshot(&options, hash, out, path) ─▶ CollectReport (a snapshot written to `out`)
//! ```
//!
//! A scan collects only what the ruleset's [`Requirements`](crate::compile::Requirements) ask
//! (intersected with [`ScanOptions::kinds`]): files stream from the walker straight into the
//! evaluator and are never stored; the small kinds are collected, then evaluated. Work runs
//! in a rayon pool of [`ScanOptions::threads`]. Cancelling stops early and the report says
//! `complete: false`. Nothing here writes to the scanned host; the only file ever written is
//! the snapshot output the caller hands to [`collect_snapshot`]. Rendering is not done here.

use crate::card::Card;
use crate::collect::file::{self, FileEntry, FileOptions, FileOptionsError, FileSink, FileStats};
use crate::collect::{self, CollectError};
use crate::compile::{self, Ruleset};
use crate::diag::Diagnostic;
use crate::eval::{self, Scanner};
use crate::item::{Item, ItemKind, ItemView};
use crate::limits::{
    MAX_REPORTED_COLLECT_ERRORS, MAX_REPORTED_SNAPSHOT_ERRORS, SNAPSHOT_BATCH_ITEMS,
};
use crate::load;
use crate::snapshot::{self, Header, LineError, SnapshotError, SnapshotReader, SnapshotWriter};
use crate::terms::{self, Cost, FieldSet};
use serde::Serialize;
use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

/// A loaded and compiled IOC collection.
#[derive(Debug)]
pub struct LoadedRuleset {
    /// The compiled IOCs of every file that loaded.
    pub ruleset: Ruleset,
    /// Loader errors and warnings, then compiler warnings, in file order.
    pub diagnostics: Vec<Diagnostic>,
    /// IOC files considered.
    pub files_seen: usize,
    /// IOC files rejected (each has an error among `diagnostics`).
    pub files_rejected: Vec<PathBuf>,
}

impl LoadedRuleset {
    /// Files that loaded.
    pub fn files_loaded(&self) -> usize {
        self.files_seen.saturating_sub(self.files_rejected.len())
    }

    /// Number of warnings among the diagnostics.
    pub fn warnings(&self) -> usize {
        self.diagnostics.iter().filter(|d| !d.is_error()).count()
    }
}

/// Loads every IOC file under `paths` (files, or folders searched for `.ioc`/`.xml`) and
/// compiles what loaded. Never fails as a whole: problems are diagnostics.
pub fn load_ruleset<P: AsRef<Path>>(paths: &[P]) -> LoadedRuleset {
    let collection = load::load_paths(paths);
    let (ruleset, warnings) = compile::compile(&collection.documents);
    let mut diagnostics = collection.diagnostics;
    diagnostics.extend(warnings);
    LoadedRuleset {
        ruleset,
        diagnostics,
        files_seen: collection.files_seen,
        files_rejected: collection.files_rejected,
    }
}

/// A progress report, sent to [`ScanOptions::progress`] a few times per second.
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

/// How to scan (or collect).
#[derive(Clone, Default)]
pub struct ScanOptions {
    /// Item kinds allowed; empty means every kind. A scan collects the kinds the ruleset needs
    /// among these; a collection collects exactly these.
    pub kinds: Vec<ItemKind>,
    /// What file walk to do when files are needed.
    pub files: FileOptions,
    /// Worker threads; 0 means one per core.
    pub threads: usize,
    /// Called with running counters, at most every [`PROGRESS_INTERVAL`].
    pub progress: Option<ProgressFn>,
    /// Set to true (from any thread) to stop early; the report then says `complete: false`.
    pub cancel: Arc<AtomicBool>,
}

impl std::fmt::Debug for ScanOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ScanOptions")
            .field("kinds", &self.kinds)
            .field("files", &self.files)
            .field("threads", &self.threads)
            .field("progress", &self.progress.is_some())
            .field("cancel", &self.cancel.load(Ordering::Relaxed))
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

/// Shortest time between two progress callbacks.
pub const PROGRESS_INTERVAL: Duration = Duration::from_millis(100);

/// Why a scan could not start.
#[derive(Debug, thiserror::Error)]
pub enum ScanError {
    /// The file walk options are invalid (a bad exclude pattern).
    #[error(transparent)]
    FileOptions(#[from] FileOptionsError),
    /// The snapshot cannot be read or written.
    #[error(transparent)]
    Snapshot(#[from] SnapshotError),
}

/// Counters of one scan.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Summary {
    /// IOCs compiled.
    pub iocs_loaded: usize,
    /// IOCs detected (cards).
    pub detected: usize,
    /// IndicatorItems that can never match (unsupported term, bad content, ...).
    pub unsupported_items: usize,
    /// Items evaluated, per kind (kinds not collected are absent).
    pub items: BTreeMap<ItemKind, u64>,
    /// Files handed to the evaluator.
    pub files_walked: u64,
    /// Directories entered.
    pub directories: u64,
    /// Files whose content was hashed.
    pub files_hashed: u64,
    /// Bytes read while hashing.
    pub bytes_read: u64,
    /// Entries pruned by an exclude pattern.
    pub excluded: u64,
    /// Mount points not entered.
    pub skipped_mounts: u64,
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
    /// Counters.
    pub summary: Summary,
    /// Collection problems, the first [`MAX_REPORTED_COLLECT_ERRORS`] met, sorted.
    pub errors: Vec<CollectError>,
    /// Skipped snapshot lines (snapshot scans only), the first
    /// [`MAX_REPORTED_SNAPSHOT_ERRORS`].
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub snapshot_errors: Vec<LineError>,
    /// False when the scan was cancelled before it ended.
    pub complete: bool,
}

/// Checks the exclude patterns before anything is collected, so that a typo fails at once
/// instead of after the other kinds were collected (or a snapshot header was written).
fn check_excludes(options: &FileOptions) -> Result<(), FileOptionsError> {
    for pattern in &options.excludes {
        if let Err(e) = globset::Glob::new(pattern) {
            let message = e.kind().to_string();
            return Err(FileOptionsError::BadExclude { pattern: pattern.clone(), message });
        }
    }
    Ok(())
}

/// The host name of this machine, when the OS tells it.
pub fn host_name() -> Option<String> {
    sysinfo::System::host_name()
}

/// The kinds a scan collects: those the ruleset references and can detect something on
/// (a kind whose every group never matches is not worth collecting), within `options`.
fn needed_kinds(ruleset: &Ruleset, options: &ScanOptions) -> Vec<ItemKind> {
    let needs = ruleset.requirements();
    let in_use = eval::kinds_in_use(ruleset);
    ItemKind::ALL
        .into_iter()
        .filter(|&k| options.allows(k) && needs.needs_kind(k) && in_use.contains(&k))
        .collect()
}

/// Running counters and kept problems, shared by the worker threads.
struct Tally {
    started: Instant,
    items: [AtomicU64; ItemKind::COUNT],
    errors: AtomicU64,
    bytes_hashed: AtomicU64,
    matches: AtomicU64,
    kept: Mutex<Vec<CollectError>>,
    /// Milliseconds since `started` of the last progress report.
    last_report: AtomicU64,
    progress: Option<ProgressFn>,
}

impl Tally {
    fn new(progress: Option<ProgressFn>) -> Self {
        Tally {
            started: Instant::now(),
            items: Default::default(),
            errors: AtomicU64::new(0),
            bytes_hashed: AtomicU64::new(0),
            matches: AtomicU64::new(0),
            kept: Mutex::new(Vec::new()),
            last_report: AtomicU64::new(0),
            progress,
        }
    }

    fn count_items(&self, kind: ItemKind, n: u64) {
        self.items[kind.index()].fetch_add(n, Ordering::Relaxed);
        self.report(false);
    }

    /// Counts `n` items of `kind` just evaluated by `scanner`.
    fn scanned(&self, scanner: &Scanner<'_>, kind: ItemKind, n: u64) {
        self.matches.fetch_max(scanner.matched_objects(), Ordering::Relaxed);
        self.count_items(kind, n);
    }

    fn error(&self, error: CollectError) {
        let n = self.errors.fetch_add(1, Ordering::Relaxed);
        if (n as usize) < MAX_REPORTED_COLLECT_ERRORS {
            self.kept.lock().unwrap_or_else(PoisonError::into_inner).push(error);
        }
        self.report(false);
    }

    fn errors(&self, errors: Vec<CollectError>) {
        errors.into_iter().for_each(|e| self.error(e));
    }

    /// Calls the progress callback when the interval has passed (or always with `force`).
    fn report(&self, force: bool) {
        let Some(progress) = &self.progress else { return };
        let now = self.started.elapsed().as_millis() as u64;
        let last = self.last_report.load(Ordering::Relaxed);
        let due = now.saturating_sub(last) >= PROGRESS_INTERVAL.as_millis() as u64;
        let won = due
            && self
                .last_report
                .compare_exchange(last, now, Ordering::Relaxed, Ordering::Relaxed)
                .is_ok();
        if force || won {
            progress(&self.snapshot());
        }
    }

    fn snapshot(&self) -> Progress {
        let items = self.items.iter().map(|n| n.load(Ordering::Relaxed)).sum();
        Progress {
            files: self.items[ItemKind::File.index()].load(Ordering::Relaxed),
            items,
            errors: self.errors.load(Ordering::Relaxed),
            bytes_hashed: self.bytes_hashed.load(Ordering::Relaxed),
            matches: self.matches.load(Ordering::Relaxed),
        }
    }

    fn item_counts(&self) -> BTreeMap<ItemKind, u64> {
        ItemKind::ALL
            .into_iter()
            .map(|k| (k, self.items[k.index()].load(Ordering::Relaxed)))
            .filter(|(_, n)| *n > 0)
            .collect()
    }

    fn kept_errors(&self) -> Vec<CollectError> {
        let mut kept =
            std::mem::take(&mut *self.kept.lock().unwrap_or_else(PoisonError::into_inner));
        // Threads meet problems in any order; sorting makes reports comparable.
        kept.sort_by(|a, b| {
            (a.kind, &a.subject, &a.message).cmp(&(b.kind, &b.subject, &b.message))
        });
        kept
    }
}

/// Runs `work` in a pool of `threads` workers (0 = one per core). Should the pool not be
/// created (the OS refuses threads), the work runs on the global pool instead.
fn in_pool<T: Send>(threads: usize, work: impl FnOnce() -> T + Send) -> T {
    match rayon::ThreadPoolBuilder::new().num_threads(threads).build() {
        Ok(pool) => pool.install(work),
        Err(_) => work(),
    }
}

/// Feeds walked files to the evaluator.
struct ScanSink<'a, 'r> {
    scanner: &'a Scanner<'r>,
    tally: &'a Tally,
    cancel: &'a AtomicBool,
}

impl FileSink for ScanSink<'_, '_> {
    fn file(&self, entry: &FileEntry) {
        self.scanner.scan_item(entry);
        if let Some((_, bytes, _)) = entry.hash_report() {
            self.tally.bytes_hashed.fetch_add(bytes, Ordering::Relaxed);
        }
        self.tally.scanned(self.scanner, ItemKind::File, 1);
    }

    fn error(&self, error: CollectError) {
        self.tally.error(error);
    }

    fn cancelled(&self) -> bool {
        self.cancel.load(Ordering::Relaxed)
    }
}

/// Scans the live host: collects what `ruleset` needs (within `options`) and evaluates it.
///
/// Fails only when the options are invalid (a bad exclude pattern); every per-item problem is
/// in the report.
pub fn scan_host(ruleset: &Ruleset, options: &ScanOptions) -> Result<ScanReport, ScanError> {
    let kinds = needed_kinds(ruleset, options);
    let fields = ruleset.requirements().fields;
    if kinds.contains(&ItemKind::File) {
        check_excludes(&options.files)?;
    }
    let tally = Tally::new(options.progress.clone());
    let scanner = Scanner::new(ruleset);
    let mut file_stats = FileStats::default();
    let mut walk_error = None;
    in_pool(options.threads, || {
        rayon::scope(|scope| {
            for &kind in kinds.iter().filter(|&&k| k != ItemKind::File) {
                let (scanner, tally) = (&scanner, &tally);
                scope.spawn(move |_| {
                    if options.cancelled() {
                        return;
                    }
                    let collected = collect::collect(kind, &fields);
                    tally.errors(collected.errors);
                    scanner.scan_items(&collected.items);
                    tally.scanned(scanner, kind, collected.items.len() as u64);
                });
            }
            if kinds.contains(&ItemKind::File) && !options.cancelled() {
                let sink = ScanSink { scanner: &scanner, tally: &tally, cancel: &options.cancel };
                match file::walk(&options.files, &fields, &sink) {
                    Ok(stats) => file_stats = stats,
                    Err(e) => walk_error = Some(e),
                }
            }
        });
    });
    if let Some(e) = walk_error {
        return Err(e.into());
    }
    tally.report(true);
    let report = finish(ruleset, scanner, &tally, file_stats, !options.cancelled());
    Ok(ScanReport { host: host_name(), ..report })
}

/// Builds the report once every item was evaluated.
fn finish(
    ruleset: &Ruleset,
    scanner: Scanner<'_>,
    tally: &Tally,
    files: FileStats,
    complete: bool,
) -> ScanReport {
    let detection = scanner.finish();
    let summary = Summary {
        iocs_loaded: ruleset.len(),
        detected: detection.cards.len(),
        unsupported_items: ruleset.unsupported_items(),
        items: tally.item_counts(),
        files_walked: files.files,
        directories: files.directories,
        files_hashed: files.hashed,
        bytes_read: files.bytes_read,
        excluded: files.excluded,
        skipped_mounts: files.skipped_mounts,
        not_evaluated: detection.stats.not_evaluated,
        errors: tally.errors.load(Ordering::Relaxed),
        elapsed_seconds: tally.started.elapsed().as_secs_f64(),
    };
    ScanReport {
        host: None,
        cards: detection.cards,
        summary,
        errors: tally.kept_errors(),
        snapshot_errors: Vec::new(),
        complete,
    }
}

/// Scans the items saved in the snapshot at `path` instead of the live host.
///
/// Items of kinds the ruleset does not need (or `options` does not allow) are skipped; bad
/// lines are reported in [`ScanReport::snapshot_errors`] and skipped. Fails only when the file
/// cannot be opened or its header is missing or foreign.
pub fn scan_snapshot(
    ruleset: &Ruleset,
    path: &Path,
    options: &ScanOptions,
) -> Result<ScanReport, SnapshotError> {
    let mut reader = SnapshotReader::open(path)?;
    let host = reader.header().host.clone();
    let kinds = needed_kinds(ruleset, options);
    let tally = Tally::new(options.progress.clone());
    // "Nothing detected" over data that was never collected would mislead: say what is missing.
    for &kind in kinds.iter().filter(|k| !reader.header().kinds.contains(k)) {
        tally.error(CollectError {
            kind,
            subject: crate::collect::file::path_text::escape(path.as_os_str()).into_owned(),
            message: format!(
                "the snapshot holds no {kind} items (not collected): conditions on them were not \
                 evaluated"
            ),
        });
    }
    let scanner = Scanner::new(ruleset);
    let mut line_errors = Vec::new();
    let mut skipped_lines: u64 = 0;
    let mut batch: Vec<Item> = Vec::with_capacity(SNAPSHOT_BATCH_ITEMS);
    in_pool(options.threads, || {
        let flush = |batch: &mut Vec<Item>| {
            scanner.scan_items(batch);
            for item in batch.iter() {
                tally.scanned(&scanner, item.kind(), 1);
            }
            batch.clear();
        };
        for next in reader.by_ref() {
            if options.cancelled() {
                break;
            }
            match next {
                Ok(item) if kinds.contains(&item.kind()) => batch.push(item),
                Ok(_) => {}
                Err(e) => {
                    skipped_lines += 1;
                    if line_errors.len() < MAX_REPORTED_SNAPSHOT_ERRORS {
                        line_errors.push(e);
                    }
                }
            }
            if batch.len() >= SNAPSHOT_BATCH_ITEMS {
                flush(&mut batch);
            }
        }
        flush(&mut batch);
    });
    tally.report(true);
    let files = FileStats {
        files: tally.items[ItemKind::File.index()].load(Ordering::Relaxed),
        ..FileStats::default()
    };
    let mut report = finish(ruleset, scanner, &tally, files, !options.cancelled());
    report.summary.errors += skipped_lines;
    report.host = host;
    report.snapshot_errors = line_errors;
    Ok(report)
}

/// The outcome of a collection into a snapshot.
#[derive(Clone, Debug, Default, Serialize)]
pub struct CollectReport {
    /// Items written, per kind.
    pub items: BTreeMap<ItemKind, u64>,
    /// Counters of the file walk (zero when files were not collected).
    pub files: FileStats,
    /// Collection problems, all counted.
    pub error_count: u64,
    /// The first [`MAX_REPORTED_COLLECT_ERRORS`] problems, sorted.
    pub errors: Vec<CollectError>,
    /// False when the collection was cancelled (or the output failed) before it ended.
    pub complete: bool,
    /// Wall-clock duration, in seconds.
    pub elapsed_seconds: f64,
}

/// The fields a collection saves for `kind`: every field of the kind, content fields (file
/// digests) only when `hash`.
fn collect_fields(kinds: &[ItemKind], hash: bool) -> FieldSet {
    terms::TERMS
        .iter()
        .filter(|t| kinds.contains(&t.kind) && (hash || t.cost != Cost::Content))
        .map(|t| t.field)
        .collect()
}

/// The snapshot file itself, which the walk may meet while it is being written: by name
/// (cheap, checked first), then by device and inode.
struct OwnOutput {
    name: std::ffi::OsString,
    id: (u64, u64),
}

impl OwnOutput {
    fn of(path: &Path) -> Option<Self> {
        let name = path.file_name()?.to_owned();
        let id = file_id(&std::fs::metadata(path).ok()?)?;
        Some(OwnOutput { name, id })
    }

    fn is(&self, path: &Path) -> bool {
        path.file_name() == Some(self.name.as_os_str())
            && std::fs::symlink_metadata(path).ok().and_then(|m| file_id(&m)) == Some(self.id)
    }
}

#[cfg(unix)]
fn file_id(meta: &std::fs::Metadata) -> Option<(u64, u64)> {
    use std::os::unix::fs::MetadataExt;
    Some((meta.dev(), meta.ino()))
}

#[cfg(not(unix))]
fn file_id(_meta: &std::fs::Metadata) -> Option<(u64, u64)> {
    None
}

/// Writes encoded lines to the snapshot; the first write error stops the collection.
struct SnapshotSink<'a, W: Write> {
    writer: Mutex<&'a mut SnapshotWriter<W>>,
    own_output: Option<OwnOutput>,
    fields: Vec<terms::Field>,
    tally: &'a Tally,
    failed: Mutex<Option<std::io::Error>>,
    stop: AtomicBool,
    cancel: &'a AtomicBool,
}

impl<W: Write> SnapshotSink<'_, W> {
    fn write(&self, item: &Item) {
        if self.stop.load(Ordering::Relaxed) {
            return;
        }
        // Encoding happens outside the lock; only the write is serialised.
        let written = snapshot::encode_item(item).and_then(|line| {
            self.writer.lock().unwrap_or_else(PoisonError::into_inner).write_encoded(&line)
        });
        match written {
            Ok(()) => self.tally.count_items(item.kind(), 1),
            Err(e) => {
                self.stop.store(true, Ordering::Relaxed);
                let mut failed = self.failed.lock().unwrap_or_else(PoisonError::into_inner);
                failed.get_or_insert(e);
            }
        }
    }
}

impl<W: Write + Send> FileSink for SnapshotSink<'_, W> {
    fn file(&self, entry: &FileEntry) {
        if self.own_output.as_ref().is_some_and(|own| own.is(entry.path())) {
            return;
        }
        self.write(&entry.to_item(&self.fields));
    }

    fn error(&self, error: CollectError) {
        self.tally.error(error);
    }

    fn cancelled(&self) -> bool {
        self.stop.load(Ordering::Relaxed) || self.cancel.load(Ordering::Relaxed)
    }
}

/// Collects every field of the kinds in `options.kinds` (all kinds when empty; file digests
/// only with `hash`) and writes them as a snapshot to `out`. When `out` is the file at
/// `out_path`, the walk leaves that file out of the snapshot.
///
/// Fails when the options are invalid or writing fails; collection problems are counted in
/// the report.
pub fn collect_snapshot<W: Write + Send>(
    options: &ScanOptions,
    hash: bool,
    out: W,
    out_path: Option<&Path>,
) -> Result<CollectReport, ScanError> {
    let kinds: Vec<ItemKind> = ItemKind::ALL.into_iter().filter(|&k| options.allows(k)).collect();
    if kinds.contains(&ItemKind::File) {
        check_excludes(&options.files)?;
    }
    let fields = collect_fields(&kinds, hash);
    let header = Header::new(host_name(), chrono::Utc::now(), kinds.clone());
    let mut writer = SnapshotWriter::new(out, &header).map_err(SnapshotError::Write)?;
    let tally = Tally::new(options.progress.clone());
    let sink = SnapshotSink {
        writer: Mutex::new(&mut writer),
        own_output: out_path.and_then(OwnOutput::of),
        fields: fields.iter().collect(),
        tally: &tally,
        failed: Mutex::new(None),
        stop: AtomicBool::new(false),
        cancel: &options.cancel,
    };
    let mut file_stats = FileStats::default();
    let walked = in_pool(options.threads, || {
        for &kind in kinds.iter().filter(|&&k| k != ItemKind::File) {
            if sink.cancelled() {
                break;
            }
            let collected = collect::collect(kind, &fields);
            tally.errors(collected.errors);
            collected.items.iter().for_each(|item| sink.write(item));
        }
        if kinds.contains(&ItemKind::File) && !sink.cancelled() {
            file_stats = file::walk(&options.files, &fields, &sink)?;
        }
        Ok::<(), FileOptionsError>(())
    });
    walked?;
    let failed = sink.failed.into_inner().unwrap_or_else(PoisonError::into_inner);
    if let Some(e) = failed {
        return Err(SnapshotError::Write(e).into());
    }
    writer.finish().map_err(SnapshotError::Write)?;
    tally.report(true);
    Ok(CollectReport {
        items: tally.item_counts(),
        files: file_stats,
        error_count: tally.errors.load(Ordering::Relaxed),
        errors: tally.kept_errors(),
        complete: !options.cancelled(),
        elapsed_seconds: tally.started.elapsed().as_secs_f64(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn collect_fields_skip_digests_unless_asked() {
        let plain = collect_fields(&[ItemKind::File, ItemKind::User], false);
        assert!(plain.contains(terms::Field::FileFullPath));
        assert!(plain.contains(terms::Field::UserUsername));
        assert!(!plain.contains(terms::Field::FileSha256sum));
        assert!(!plain.has_kind(ItemKind::Process));
        let hashed = collect_fields(&[ItemKind::File], true);
        assert!(hashed.contains(terms::Field::FileMd5sum));
    }

    #[test]
    fn errors_are_counted_all_and_kept_capped() {
        let tally = Tally::new(None);
        for i in 0..MAX_REPORTED_COLLECT_ERRORS + 5 {
            let message = "denied".to_owned();
            tally.error(CollectError { kind: ItemKind::File, subject: format!("/{i}"), message });
        }
        assert_eq!(tally.errors.load(Ordering::Relaxed), MAX_REPORTED_COLLECT_ERRORS as u64 + 5);
        assert_eq!(tally.kept_errors().len(), MAX_REPORTED_COLLECT_ERRORS);
    }

    #[test]
    fn progress_is_throttled_but_forced_at_the_end() {
        let calls = Arc::new(AtomicU64::new(0));
        let seen = calls.clone();
        let callback: ProgressFn = Arc::new(move |_| {
            seen.fetch_add(1, Ordering::Relaxed);
        });
        let tally = Tally::new(Some(callback));
        for _ in 0..1000 {
            tally.count_items(ItemKind::Process, 1);
        }
        assert!(calls.load(Ordering::Relaxed) <= 2, "{}", calls.load(Ordering::Relaxed));
        tally.report(true);
        assert!(calls.load(Ordering::Relaxed) >= 1);
        assert_eq!(tally.snapshot().items, 1000);
        assert_eq!(tally.item_counts().get(&ItemKind::Process), Some(&1000));
    }

    #[test]
    fn final_progress_counts_hashed_bytes_and_matches() {
        let dir = tempfile::tempdir().unwrap();
        let tree = dir.path().join("tree");
        std::fs::create_dir(&tree).unwrap();
        std::fs::write(tree.join("a.txt"), b"").unwrap();
        std::fs::write(tree.join("b.txt"), b"12345").unwrap();
        let ioc = dir.path().join("empty.ioc");
        std::fs::write(
            &ioc,
            "<ioc xmlns=\"http://schemas.mandiant.com/2010/ioc\" id=\"p\"><definition>\
             <Indicator operator=\"OR\"><IndicatorItem condition=\"is\"><Context \
             document=\"FileItem\" search=\"FileItem/Md5sum\"/>\
             <Content>d41d8cd98f00b204e9800998ecf8427e</Content></IndicatorItem></Indicator>\
             </definition></ioc>",
        )
        .unwrap();
        let loaded = load_ruleset(&[&ioc]);
        let last = Arc::new(Mutex::new(Progress::default()));
        let keep = last.clone();
        let options = ScanOptions {
            kinds: vec![ItemKind::File],
            files: FileOptions { roots: vec![tree], ..FileOptions::default() },
            progress: Some(Arc::new(move |p: &Progress| *keep.lock().unwrap() = p.clone())),
            ..ScanOptions::default()
        };
        let report = scan_host(&loaded.ruleset, &options).unwrap();
        assert_eq!(report.cards.len(), 1);
        let last = last.lock().unwrap().clone();
        assert_eq!((last.files, last.bytes_hashed, last.matches), (2, 5, 1));
    }
}
