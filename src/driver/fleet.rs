//! [`scan_fleet`]: the saved items of many hosts, each host evaluated on its own.
//!
//! ```text
//! open_snapshots(paths) ─▶ HostSources (one JSON Lines file = one host, from its header)
//!     ─▶ jobs: the sources of one host together (two files of one host are one host)
//!     ─▶ windows of jobs in parallel, each host on its own HostScan
//!     ─▶ on_host(ScanReport) per host, in host order ─▶ FleetReport (summary, problems)
//! ```
//!
//! A [`HostSource`] yields batches of owned items, each naming its host; a source of many
//! hosts (a columnar snapshot) yields them one host after the other. Items of two hosts
//! never meet: every host has its own [`HostScan`], which refuses items of another. Hosts
//! finish in windows of a few per worker and each report is handed to the caller at once,
//! so memory is bounded by the hosts in flight (their items in batches, their reports), not
//! by the fleet. JSON Lines is read ahead in chunks of lines parsed in parallel, each for the
//! fields the scan reads only ([`projection`], [`parse_projected`]). A source
//! that cannot be read (missing file, foreign header) is a [`SourceProblem`] naming it, and
//! the scan goes on with the others; a bad line is counted and the first ones kept.
//!
//! The seam for other forms: implement [`HostSource`] (or wrap an iterator of
//! `(host, kinds, items)` in [`IterSource`]) and add it in [`open_snapshots`].

use super::parquet_source::{self, is_parquet_snapshot};
use super::tally::Tally;
use super::{needed_kinds, report_of, ScanOptions, ScanReport};
use crate::collect::file::FileStats;
use crate::collect::{CollectError, Reason, Subject};
use crate::compile::Ruleset;
use crate::eval::HostScan;
use crate::item::{Item, ItemKind, ItemSeed};
use crate::limits::{FLEET_CHUNK_LINES, FLEET_HOSTS_PER_WORKER, MAX_REPORTED_SNAPSHOT_ERRORS};
use crate::path_text::escape_owned;
use crate::snapshot::{LineChunk, LineError, SnapshotReader};
use crate::terms::{self, FieldSet};
use rayon::prelude::*;
use serde::de::DeserializeSeed;
use serde::Serialize;
use std::collections::BTreeMap;
use std::fs::File;
use std::io::BufReader;
use std::path::{Path, PathBuf};
use std::time::Instant;

/// Some items of one host, as a source hands them over.
#[derive(Clone, Debug, Default)]
pub struct HostBatch {
    /// The host they belong to.
    pub host: String,
    /// The item kinds the source holds for this host (what was collected): kinds the ruleset
    /// needs that no source of the host holds make its conditions unknown.
    pub kinds: Vec<ItemKind>,
    /// The items.
    pub items: Vec<Item>,
}

/// A problem with one source: it could not be read at all (`line` absent), or one line or
/// row of it was skipped.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct SourceProblem {
    /// The file or folder (serialised as its lossless text).
    #[serde(serialize_with = "crate::path_text::serialize")]
    pub path: PathBuf,
    /// The line (or row) skipped, 1-based.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub line: Option<u64>,
    /// What went wrong.
    pub message: String,
}

impl std::fmt::Display for SourceProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let path = escape_owned(self.path.as_os_str());
        match self.line {
            Some(line) => write!(f, "{path}:{line}: {}", self.message),
            None => write!(f, "{path}: {}", self.message),
        }
    }
}

/// Where a source's skipped lines go: all counted, the first
/// [`MAX_REPORTED_SNAPSHOT_ERRORS`] kept.
#[derive(Debug, Default)]
pub struct Problems {
    kept: Vec<SourceProblem>,
    count: u64,
}

impl Problems {
    /// Counts one problem, keeping it while under the cap.
    pub fn push(&mut self, problem: SourceProblem) {
        self.count += 1;
        if self.kept.len() < MAX_REPORTED_SNAPSHOT_ERRORS {
            self.kept.push(problem);
        }
    }

    /// Counts `n` problems a reader counted but did not keep.
    pub fn count_more(&mut self, n: u64) {
        self.count += n;
    }

    fn extend(&mut self, other: Problems) {
        self.count += other.count;
        let room = MAX_REPORTED_SNAPSHOT_ERRORS.saturating_sub(self.kept.len());
        self.kept.extend(other.kept.into_iter().take(room));
    }
}

/// A source of saved items of one or more hosts.
pub trait HostSource: Send {
    /// The file or folder read (names it in problems).
    fn path(&self) -> &Path;

    /// The one host the source holds, when known before reading its items (a JSON Lines
    /// header); `None` for a source of many hosts. Sources of one host that name the same
    /// host are read into one evaluation.
    fn host(&self) -> Option<&str>;

    /// The next batch; `None` at the end. Consecutive batches of one host are one host's
    /// items; skipped lines or rows go to `problems`. An `Err` ends the source.
    fn next_batch(&mut self, problems: &mut Problems) -> Result<Option<HostBatch>, SourceProblem>;
}

/// One host's items as a columnar reader yields them: the host, the kinds the source holds
/// for it, its items.
pub type HostItems = (String, Vec<ItemKind>, Vec<Item>);

/// A source over any iterator of whole hosts ([`HostItems`]): the shape a columnar reader
/// yields (rows sorted by host).
pub struct IterSource<I> {
    path: PathBuf,
    hosts: I,
}

impl<I> IterSource<I> {
    /// Wraps `hosts`, read from `path`.
    pub fn new(path: impl Into<PathBuf>, hosts: I) -> Self {
        IterSource { path: path.into(), hosts }
    }
}

impl<I, E> HostSource for IterSource<I>
where
    I: Iterator<Item = Result<HostItems, E>> + Send,
    E: std::fmt::Display,
{
    fn path(&self) -> &Path {
        &self.path
    }

    fn host(&self) -> Option<&str> {
        None
    }

    fn next_batch(&mut self, _: &mut Problems) -> Result<Option<HostBatch>, SourceProblem> {
        match self.hosts.next() {
            None => Ok(None),
            Some(Ok((host, kinds, items))) => Ok(Some(HostBatch { host, kinds, items })),
            Some(Err(e)) => {
                Err(SourceProblem { path: self.path.clone(), line: None, message: e.to_string() })
            }
        }
    }
}

/// A JSON Lines snapshot: one host, from its header; lines parsed in parallel chunks.
pub struct JsonLinesSource {
    path: PathBuf,
    host: String,
    kinds: Vec<ItemKind>,
    reader: SnapshotReader<BufReader<File>>,
    chunk: LineChunk,
    /// Kinds to keep, by index (the others are not parsed into the batch).
    keep: [bool; ItemKind::COUNT],
    /// Fields parsed (the others are skipped unparsed): see [`parse_projected`].
    fields: FieldSet,
    /// A first batch was handed over (even an empty snapshot names its host).
    started: bool,
}

impl JsonLinesSource {
    /// Opens the snapshot at `path` and reads its header; items of kinds `keep` refuses are
    /// dropped as they are read, and only `fields` of the others are parsed. A header without
    /// a host names the host by the file's path.
    pub fn open(
        path: &Path,
        keep: impl Fn(ItemKind) -> bool,
        fields: FieldSet,
    ) -> Result<Self, SourceProblem> {
        let reader = SnapshotReader::open(path).map_err(|e| SourceProblem {
            path: path.to_path_buf(),
            line: None,
            message: e.to_string(),
        })?;
        let header = reader.header();
        let host = header.host.clone().unwrap_or_else(|| escape_owned(path.as_os_str()));
        let kinds = header.kinds.clone();
        let mut keep_kinds = [false; ItemKind::COUNT];
        ItemKind::ALL.into_iter().filter(|k| keep(*k)).for_each(|k| keep_kinds[k.index()] = true);
        Ok(JsonLinesSource {
            path: path.to_path_buf(),
            host,
            kinds,
            reader,
            chunk: LineChunk::default(),
            keep: keep_kinds,
            fields,
            started: false,
        })
    }
}

impl HostSource for JsonLinesSource {
    fn path(&self) -> &Path {
        &self.path
    }

    fn host(&self) -> Option<&str> {
        Some(&self.host)
    }

    fn next_batch(&mut self, problems: &mut Problems) -> Result<Option<HostBatch>, SourceProblem> {
        if !self.reader.read_lines(FLEET_CHUNK_LINES, &mut self.chunk) && self.started {
            return Ok(None);
        }
        self.started = true;
        let skipped = |e: LineError| SourceProblem {
            path: self.path.clone(),
            line: Some(e.line),
            message: e.message,
        };
        let parsed: Vec<Option<Result<Item, LineError>>> = self
            .chunk
            .lines()
            .collect::<Vec<_>>()
            .into_par_iter()
            .map(|(n, bytes)| parse_projected(n, bytes, &self.fields))
            .collect();
        let mut errors: Vec<LineError> = std::mem::take(&mut self.chunk.errors);
        let mut items = Vec::with_capacity(parsed.len());
        for line in parsed.into_iter().flatten() {
            match line {
                Ok(item) if self.keep[item.kind().index()] => items.push(item),
                Ok(_) => {}
                Err(e) => errors.push(e),
            }
        }
        errors.sort_by_key(|e| e.line);
        errors.into_iter().for_each(|e| problems.push(skipped(e)));
        Ok(Some(HostBatch { host: self.host.clone(), kinds: self.kinds.clone(), items }))
    }
}

/// The sources named by `paths`: files are JSON Lines snapshots whatever their name;
/// folders that are Parquet snapshots are read as such, and other folders are searched
/// recursively (sorted, symbolic links not followed) for `.jsonl` files and Parquet snapshot
/// folders. Paths that cannot be opened are problems; the others are still returned.
pub fn open_snapshots<P: AsRef<Path>>(
    ruleset: &Ruleset,
    paths: &[P],
    options: &ScanOptions,
) -> (Vec<Box<dyn HostSource>>, Vec<SourceProblem>) {
    let needed = needed_kinds(ruleset, options);
    let fields = projection(ruleset);
    let mut files = Vec::new();
    let mut parquet = Vec::new();
    let mut problems = Vec::new();
    for path in paths {
        let path = path.as_ref();
        match std::fs::metadata(path) {
            Ok(meta) if meta.is_dir() => {
                let walk = walkdir::WalkDir::new(path).follow_links(false).sort_by_file_name();
                // A Parquet snapshot folder is one source: not searched into.
                let mut walk = walk.into_iter();
                while let Some(entry) = walk.next() {
                    match entry {
                        Ok(e) if e.file_type().is_dir() && is_parquet_snapshot(e.path()) => {
                            parquet.push(e.into_path());
                            walk.skip_current_dir();
                        }
                        Ok(e) if e.file_type().is_file() && is_jsonl(e.path()) => {
                            files.push(e.into_path())
                        }
                        Ok(_) => {}
                        Err(e) => problems.push(SourceProblem {
                            path: e.path().unwrap_or(path).to_path_buf(),
                            line: None,
                            message: format!("cannot search folder: {e}"),
                        }),
                    }
                }
            }
            Ok(_) => files.push(path.to_path_buf()),
            Err(e) => problems.push(SourceProblem {
                path: path.to_path_buf(),
                line: None,
                message: format!("cannot read snapshot: {e}"),
            }),
        }
    }
    // The same file named twice (or found twice) is read once.
    let mut seen = std::collections::HashSet::new();
    files.retain(|f| seen.insert(f.clone()));
    let opened: Vec<Result<JsonLinesSource, SourceProblem>> = files
        .par_iter()
        .map(|f| JsonLinesSource::open(f, |k| needed.contains(&k), fields))
        .collect();
    let mut sources: Vec<Box<dyn HostSource>> = Vec::new();
    for o in opened {
        match o {
            Ok(s) => sources.push(Box::new(s)),
            Err(p) => problems.push(p),
        }
    }
    parquet.sort();
    parquet.dedup();
    let parts = rayon::current_num_threads();
    for dir in parquet {
        match parquet_source::open(&dir, ruleset, &needed, parts) {
            Ok(partitions) => {
                sources.extend(partitions.into_iter().map(|p| Box::new(p) as Box<dyn HostSource>))
            }
            Err(p) => problems.push(p),
        }
    }
    (sources, problems)
}

/// The fields a scan with `ruleset` reads of an item: those its IOCs test, and those cards
/// show of every matched object.
pub fn projection(ruleset: &Ruleset) -> FieldSet {
    let mut fields = ruleset.requirements().fields;
    terms::TERMS.iter().filter(|t| t.card).for_each(|t| fields.insert(t.field));
    fields
}

/// One snapshot line, parsed for the `fields` only: the others are skipped without being
/// decoded (their names must still be terms; their values are not checked, since nothing
/// reads them). The kept fields go through the snapshot's own item
/// reader, so they are typed and checked exactly as in a full read.
pub fn parse_projected(
    line: u64,
    bytes: &[u8],
    fields: &FieldSet,
) -> Option<Result<Item, LineError>> {
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return None;
    }
    let mut de = serde_json::Deserializer::from_slice(bytes);
    let parsed = ItemSeed { keep: Some(fields) }
        .deserialize(&mut de)
        .and_then(|item| de.end().map(|()| item));
    Some(parsed.map_err(|e| LineError { line, message: e.to_string() }))
}

fn is_jsonl(path: &Path) -> bool {
    path.extension().and_then(|e| e.to_str()).is_some_and(|e| e.eq_ignore_ascii_case("jsonl"))
}

/// Counters of a fleet scan.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct FleetSummary {
    /// Hosts scanned.
    pub hosts: usize,
    /// Hosts with at least one detected IOC.
    pub hosts_detected: usize,
    /// Hosts with no detection and some IOC undetermined.
    pub hosts_undetermined: usize,
    /// IOCs compiled.
    pub iocs_loaded: usize,
    /// Detections: (host, IOC) pairs, the cards of every host.
    pub detections: usize,
    /// Items evaluated, every host and kind.
    pub items: u64,
    /// Sources read (files, or columnar snapshots).
    pub sources: usize,
    /// Problems: sources that could not be read and lines skipped, all counted.
    pub problems: u64,
    /// Wall-clock duration of the scan, in seconds (sources opened, read and evaluated).
    pub elapsed_seconds: f64,
}

/// The outcome of a fleet scan, apart from the per-host reports handed to the caller.
#[derive(Clone, Debug, Default, Serialize)]
pub struct FleetReport {
    /// Counters.
    pub summary: FleetSummary,
    /// Problems with sources, the first [`MAX_REPORTED_SNAPSHOT_ERRORS`] per source.
    pub problems: Vec<SourceProblem>,
    /// False when the scan was cancelled before it ended.
    pub complete: bool,
}

/// Scans every host of `sources`, each on its own, handing each host's report to `on_host`
/// in host order (sources of one named host first, sorted by host; then the sources of many
/// hosts, in the order given). Problems found while opening sources can be passed in
/// `problems` to be reported and counted with the others.
///
/// Each host's report is shaped as [`super::scan_snapshot`]'s, except that its `results`
/// list only the IOCs that are not clean (its `summary.verdicts` counts them all): its
/// `host` is set, its `errors` say which needed kinds none of its sources holds, its summary
/// counts its items.
pub fn scan_fleet(
    ruleset: &Ruleset,
    sources: Vec<Box<dyn HostSource>>,
    problems: Vec<SourceProblem>,
    options: &ScanOptions,
    on_host: &mut dyn FnMut(ScanReport),
) -> FleetReport {
    let started = Instant::now();
    let progress = Tally::new(options.progress.clone());
    let mut summary = FleetSummary {
        iocs_loaded: ruleset.len(),
        sources: sources.len(),
        ..FleetSummary::default()
    };
    let mut all_problems = Problems::default();
    problems.into_iter().for_each(|p| all_problems.push(p));
    let jobs = jobs(sources);
    // One pool for the whole scan; the caller's `on_host` runs on this thread, between
    // windows (it need not be `Send`: it usually writes to stdout).
    let pool = rayon::ThreadPoolBuilder::new().num_threads(options.threads).build().ok();
    let threads =
        pool.as_ref().map_or_else(rayon::current_num_threads, |p| p.current_num_threads());
    let window = threads.max(1) * FLEET_HOSTS_PER_WORKER;
    let mut jobs = jobs.into_iter().peekable();
    while jobs.peek().is_some() && !options.cancelled() {
        let batch: Vec<Vec<Box<dyn HostSource>>> = jobs.by_ref().take(window).collect();
        let work = || -> Vec<(Vec<ScanReport>, Problems)> {
            batch.into_par_iter().map(|job| run_job(ruleset, job, options, &progress)).collect()
        };
        let outcomes = match &pool {
            Some(pool) => pool.install(work),
            None => work(),
        };
        for (reports, problems) in outcomes {
            all_problems.extend(problems);
            for r in reports {
                summary.hosts += 1;
                summary.detections += r.cards.len();
                summary.items += r.summary.items.values().sum::<u64>();
                if !r.cards.is_empty() {
                    summary.hosts_detected += 1;
                } else if r.summary.verdicts.undetermined > 0 {
                    summary.hosts_undetermined += 1;
                }
                on_host(r);
            }
        }
    }
    progress.report(true);
    summary.problems = all_problems.count;
    summary.elapsed_seconds = started.elapsed().as_secs_f64();
    FleetReport { summary, problems: all_problems.kept, complete: !options.cancelled() }
}

/// Groups the sources: those of one named host together (sorted by host), then each source
/// of many hosts on its own.
fn jobs(sources: Vec<Box<dyn HostSource>>) -> Vec<Vec<Box<dyn HostSource>>> {
    let mut named: BTreeMap<String, Vec<Box<dyn HostSource>>> = BTreeMap::new();
    let mut many = Vec::new();
    for s in sources {
        match s.host().map(str::to_owned) {
            Some(host) => named.entry(host).or_default().push(s),
            None => many.push(vec![s]),
        }
    }
    named.into_values().chain(many).collect()
}

/// One host being evaluated: its scan, the kinds its sources hold, the files it came from.
struct Current<'r> {
    scan: HostScan<'r>,
    kinds: Vec<ItemKind>,
    paths: Vec<PathBuf>,
    tally: Tally,
}

/// Reads the sources of one job, one host after the other, and reports each host.
fn run_job(
    ruleset: &Ruleset,
    job: Vec<Box<dyn HostSource>>,
    options: &ScanOptions,
    progress: &Tally,
) -> (Vec<ScanReport>, Problems) {
    let mut problems = Problems::default();
    let mut reports = Vec::new();
    let mut current: Option<Current<'_>> = None;
    for mut source in job {
        while !options.cancelled() {
            let batch = match source.next_batch(&mut problems) {
                Ok(Some(batch)) => batch,
                Ok(None) => break,
                Err(p) => {
                    problems.push(p);
                    break;
                }
            };
            if current.as_ref().is_none_or(|c| c.scan.host() != batch.host) {
                if let Some(done) = current.take() {
                    reports.push(finish(ruleset, done, options));
                }
                current = Some(Current {
                    // Per host, only what is not clean is listed (the clean IOCs are counted).
                    scan: HostScan::from_scanner(
                        super::scanner(ruleset, options, |_| true).clean_results(false),
                        batch.host.as_str(),
                    ),
                    kinds: Vec::new(),
                    paths: Vec::new(),
                    tally: Tally::new(None),
                });
            }
            let Some(c) = current.as_mut() else { break };
            for k in &batch.kinds {
                if !c.kinds.contains(k) {
                    c.kinds.push(*k);
                }
            }
            if !c.paths.iter().any(|p| p == source.path()) {
                c.paths.push(source.path().to_path_buf());
            }
            // HostScan refuses items of another host: the check above makes that unreachable.
            if c.scan.add(&batch.host, &batch.items).is_err() {
                continue;
            }
            let mut counts = [0u64; ItemKind::COUNT];
            batch.items.iter().for_each(|i| counts[i.kind().index()] += 1);
            for kind in ItemKind::ALL.into_iter().filter(|k| counts[k.index()] > 0) {
                c.tally.count_items(kind, counts[kind.index()]);
                progress.scanned(c.scan.scanner(), kind, counts[kind.index()]);
            }
        }
    }
    if let Some(done) = current.take() {
        reports.push(finish(ruleset, done, options));
    }
    (reports, problems)
}

/// One host's report: the kinds its sources hold decide what was collected.
fn finish(ruleset: &Ruleset, c: Current<'_>, options: &ScanOptions) -> ScanReport {
    let Current { mut scan, kinds, paths, tally } = c;
    let needed = needed_kinds(ruleset, options);
    let held = |k: ItemKind| options.allows(k) && kinds.contains(&k);
    scan.set_uncollected(super::wanted_kinds(ruleset).into_iter().filter(|k| !held(*k)));
    // "Nothing detected" over data that was never collected would mislead: say what is missing.
    let subject = paths.iter().map(|p| escape_owned(p.as_os_str())).collect::<Vec<_>>().join(", ");
    for &kind in needed.iter().filter(|k| !kinds.contains(k)) {
        let message = format!(
            "the snapshot holds no {kind} items (not collected): conditions on them were not \
             evaluated"
        );
        tally.error(CollectError::new(
            kind,
            Subject::path(&subject),
            Reason::NotCollected,
            message,
        ));
    }
    let host = scan.host().to_owned();
    let files = FileStats { files: tally.items_of(ItemKind::File), ..FileStats::default() };
    let host_report = scan.finish();
    let not_collected = host_report.not_collected.clone();
    let detection = host_report.into_detection();
    let mut r = report_of(ruleset, not_collected, detection, &tally, files, !options.cancelled());
    r.host = Some(host);
    r
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::snapshot::parse_item_line;
    use crate::terms::Field;

    const LINE: &str = r#"{"kind":"File","fields":{"FileItem/FullPath":"/a/b","FileItem/FileName":"b","FileItem/INode":7,"FileItem/Sha256sum":"00"}}"#;

    #[test]
    fn every_field_kept_is_the_full_read() {
        let all = FieldSet::all();
        let lines = [
            LINE,
            r#"{"kind":"File","fields":{"FileItem/INode":"seven"}}"#,
            r#"{"kind":"File","fields":{"FileItem/Nope":1}}"#,
            r#"{"kind":"File","time":"2026-01-01T00:00:00Z","source":"x","fields":{}}"#,
            r#"{"kind":"File","extra":1}"#,
            r#"{"kind":"File"} trailing"#,
            "not json",
            "   ",
        ];
        for line in lines {
            let full = parse_item_line(3, line.as_bytes()).map(|r| r.map_err(|e| e.line));
            let kept = parse_projected(3, line.as_bytes(), &all).map(|r| r.map_err(|e| e.line));
            assert_eq!(kept, full, "{line}");
        }
    }

    #[test]
    fn fields_not_kept_are_skipped_unchecked() {
        let keep: FieldSet = [Field::FileSha256sum, Field::FileFullPath].into_iter().collect();
        let item = parse_projected(1, LINE.as_bytes(), &keep).unwrap().unwrap();
        let fields: Vec<Field> = item.values().map(|(f, _)| f).collect();
        assert_eq!(fields, [Field::FileFullPath, Field::FileSha256sum]);
        let mistyped =
            r#"{"kind":"File","fields":{"FileItem/INode":"seven","FileItem/Sha256sum":"00"}}"#;
        assert!(parse_projected(1, mistyped.as_bytes(), &keep).unwrap().is_ok());
        let kept_mistyped = r#"{"kind":"File","fields":{"FileItem/Sha256sum":7}}"#;
        assert!(parse_projected(1, kept_mistyped.as_bytes(), &keep).unwrap().is_err());
        let unknown = r#"{"kind":"File","fields":{"FileItem/Nope":1}}"#;
        assert!(parse_projected(1, unknown.as_bytes(), &keep).unwrap().is_err());
    }
}
