//! [`collect_snapshot`]: every field of the asked kinds, written to a snapshot.
//!
//! Unlike a scan, a collection does not look at any ruleset: it saves exactly the kinds it is
//! given (all of them by default), so that any IOC can be scanned against the file later. The
//! only file written is the caller's output (a JSON Lines file, or a Parquet snapshot
//! folder), which the walk leaves out of the snapshot.

use super::tally::Tally;
use super::{in_pool, DriverError, ProgressFn};
use crate::collect::content::ContentProbes;
use crate::collect::file::{self, FileEntry, FileOptions, FileSink, FileStats, WriteEvent};
use crate::collect::{self, CollectError};
use crate::item::{Item, ItemKind, ItemView};
use crate::snapshot::parquet::{self, HostHeader, ParquetError, ParquetWriter};
use crate::snapshot::{self, Header, SnapshotError, SnapshotWriter};
use crate::terms::{self, Cost, FieldSet};
use serde::Serialize;
use std::collections::BTreeMap;
use std::io::Write;
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

/// What to collect into a snapshot, and how.
#[derive(Clone, Default)]
pub struct CollectOptions {
    /// Item kinds to collect; empty means every kind.
    pub kinds: Vec<ItemKind>,
    /// What file walk to do when files are collected.
    pub files: FileOptions,
    /// Save file digests too (they cost a read of every file).
    pub hash: bool,
    /// Worker threads; 0 means one per core.
    pub threads: usize,
    /// Called with running counters, at most every [`super::PROGRESS_INTERVAL`].
    pub progress: Option<ProgressFn>,
    /// Set to true (from any thread) to stop early; the report then says `complete: false`.
    pub cancel: Arc<AtomicBool>,
}

impl std::fmt::Debug for CollectOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CollectOptions")
            .field("kinds", &self.kinds)
            .field("files", &self.files)
            .field("hash", &self.hash)
            .field("threads", &self.threads)
            .field("progress", &self.progress.is_some())
            .field("cancel", &self.cancel.load(Ordering::Relaxed))
            .finish()
    }
}

impl CollectOptions {
    /// The kinds collected, in catalogue order: those asked for that this platform has a
    /// collector for (the header must not claim a kind nothing looked at).
    fn kinds_collected(&self) -> Vec<ItemKind> {
        ItemKind::ALL
            .into_iter()
            .filter(|k| self.kinds.is_empty() || self.kinds.contains(k))
            .filter(|k| crate::collect::available(*k))
            .collect()
    }
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
    /// The first [`crate::limits::MAX_REPORTED_COLLECT_ERRORS`] problems, sorted.
    pub errors: Vec<CollectError>,
    /// False when the collection was cancelled (or the output failed) before it ended.
    pub complete: bool,
    /// Wall-clock duration, in seconds.
    pub elapsed_seconds: f64,
}

/// The fields a collection saves: every field of `kinds`, content fields (file digests) only
/// when `hash`, never the PE and string terms (a snapshot would hold an empty list per term
/// for every non-PE file, and strings depend on the ruleset).
fn collect_fields(kinds: &[ItemKind], hash: bool) -> FieldSet {
    terms::TERMS
        .iter()
        .filter(|t| kinds.contains(&t.kind) && (t.cost != Cost::Content || hash))
        // PE structure and strings are answered at scan time from the file itself.
        .filter(|t| !crate::collect::content::from_bytes(t.field))
        .map(|t| t.field)
        .collect()
}

/// The snapshot being written, which the walk may meet: the JSON Lines file, by name (cheap,
/// checked first) then by device and inode; or the files of the Parquet folder, by suffix
/// then by their folder's device and inode.
enum OwnOutput {
    File { name: std::ffi::OsString, id: (u64, u64) },
    Folder { id: (u64, u64) },
}

impl OwnOutput {
    fn of(path: &Path) -> Option<Self> {
        let meta = std::fs::metadata(path).ok()?;
        let id = file_id(&meta)?;
        if meta.is_dir() {
            return Some(OwnOutput::Folder { id });
        }
        Some(OwnOutput::File { name: path.file_name()?.to_owned(), id })
    }

    fn is(&self, path: &Path) -> bool {
        let id_of = |p: &Path| std::fs::symlink_metadata(p).ok().and_then(|m| file_id(&m));
        match self {
            OwnOutput::File { name, id } => {
                path.file_name() == Some(name.as_os_str()) && id_of(path) == Some(*id)
            }
            OwnOutput::Folder { id } => {
                let name = path.file_name().map(|n| n.to_string_lossy());
                name.is_some_and(|n| n.ends_with(".parquet") || n == parquet::MANIFEST)
                    && path.parent().and_then(id_of) == Some(*id)
            }
        }
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

/// Where collected items go; the first error stops the collection.
trait ItemOut: Sync {
    fn put(&self, item: &Item) -> std::io::Result<()>;
}

impl<W: Write + Send> ItemOut for Mutex<&mut SnapshotWriter<W>> {
    fn put(&self, item: &Item) -> std::io::Result<()> {
        // Encoding happens outside the lock; only the write is serialised.
        let line = snapshot::encode_item(item)?;
        self.lock().unwrap_or_else(PoisonError::into_inner).write_encoded(&line)
    }
}

impl ItemOut for Mutex<ParquetWriter> {
    fn put(&self, item: &Item) -> std::io::Result<()> {
        let mut writer = self.lock().unwrap_or_else(PoisonError::into_inner);
        writer.write(item).map_err(|e| match e {
            ParquetError::Write(e) => e,
            other => std::io::Error::other(other.to_string()),
        })
    }
}

/// Writes collected items to the output; the first write error stops the collection.
struct SnapshotSink<'a> {
    out: &'a dyn ItemOut,
    own_output: Option<OwnOutput>,
    fields: Vec<terms::Field>,
    tally: &'a Tally,
    failed: Mutex<Option<std::io::Error>>,
    stop: AtomicBool,
    cancel: &'a AtomicBool,
    /// Save each walked file as a FileItem.
    files: bool,
    /// Save each walked file as a fileWriteEvent too.
    writes: bool,
}

impl SnapshotSink<'_> {
    fn write(&self, item: &Item) {
        if self.stop.load(Ordering::Relaxed) {
            return;
        }
        match self.out.put(item) {
            Ok(()) => self.tally.count_items(item.kind(), 1),
            Err(e) => {
                self.stop.store(true, Ordering::Relaxed);
                let mut failed = self.failed.lock().unwrap_or_else(PoisonError::into_inner);
                failed.get_or_insert(e);
            }
        }
    }
}

impl FileSink for SnapshotSink<'_> {
    fn file(&self, entry: &FileEntry) {
        if self.own_output.as_ref().is_some_and(|own| own.is(entry.path())) {
            return;
        }
        if self.files {
            self.write(&entry.to_item(&self.fields));
        }
        if self.writes {
            self.write(&WriteEvent(entry).to_item(&self.fields));
        }
    }

    fn error(&self, error: CollectError) {
        self.tally.error(error);
    }

    fn cancelled(&self) -> bool {
        self.stop.load(Ordering::Relaxed) || self.cancel.load(Ordering::Relaxed)
    }
}

/// Collects every field of [`CollectOptions::kinds`] (file digests only with
/// [`CollectOptions::hash`]) and writes them as a snapshot to `out`. When `out` is the file at
/// `out_path`, the walk leaves that file out of the snapshot.
///
/// Fails when the options are invalid (before the header is written) or writing fails;
/// collection problems are counted in the report.
pub fn collect_snapshot<W: Write + Send>(
    options: &CollectOptions,
    out: W,
    out_path: Option<&Path>,
) -> Result<CollectReport, DriverError> {
    let plan = Plan::of(options)?;
    let mut writer = SnapshotWriter::new(out, &plan.header).map_err(SnapshotError::Write)?;
    let outcome = {
        let out = Mutex::new(&mut writer);
        collect_into(options, &plan, &out, out_path.and_then(OwnOutput::of))
    };
    let report = outcome.map_err(SnapshotError::Write)?;
    writer.finish().map_err(SnapshotError::Write)?;
    Ok(report)
}

/// Collects as [`collect_snapshot`] does, into a new Parquet snapshot folder `dir` (created
/// if needed, refused if it holds files: [`crate::snapshot::parquet`]). The walk leaves the
/// folder's own files out.
pub fn collect_parquet_snapshot(
    options: &CollectOptions,
    dir: &Path,
) -> Result<CollectReport, DriverError> {
    let plan = Plan::of(options)?;
    let mut writer = ParquetWriter::create(dir)?;
    let header = &plan.header;
    writer.begin_host(HostHeader {
        host: header.host.clone().unwrap_or_default(),
        time: header.time.clone(),
        tool: header.tool.clone(),
        kinds: header.kinds.clone(),
    })?;
    let out = Mutex::new(writer);
    let report =
        collect_into(options, &plan, &out, OwnOutput::of(dir)).map_err(ParquetError::Write)?;
    out.into_inner().unwrap_or_else(PoisonError::into_inner).finish()?;
    Ok(report)
}

/// What a collection collects, and the header that says so.
struct Plan {
    kinds: Vec<ItemKind>,
    excludes: Option<file::Excludes>,
    fields: FieldSet,
    header: Header,
}

impl Plan {
    fn of(options: &CollectOptions) -> Result<Self, DriverError> {
        let kinds = options.kinds_collected();
        let excludes = if kinds.iter().any(|&k| collect::walked(k)) {
            Some(options.files.compile_excludes()?)
        } else {
            None
        };
        let fields = collect_fields(&kinds, options.hash);
        let header = Header::new(crate::collect::host_name(), chrono::Utc::now(), kinds.clone());
        Ok(Plan { kinds, excludes, fields, header })
    }
}

fn collect_into(
    options: &CollectOptions,
    plan: &Plan,
    out: &dyn ItemOut,
    own_output: Option<OwnOutput>,
) -> Result<CollectReport, std::io::Error> {
    let (kinds, fields) = (&plan.kinds, &plan.fields);
    let tally = Tally::new(options.progress.clone());
    let sink = SnapshotSink {
        out,
        own_output,
        fields: fields.iter().collect(),
        tally: &tally,
        failed: Mutex::new(None),
        stop: AtomicBool::new(false),
        cancel: &options.cancel,
        files: kinds.contains(&ItemKind::File),
        writes: kinds.contains(&ItemKind::FileWriteEvent),
    };
    let mut file_stats = FileStats::default();
    // No ruleset, no string searches: StringList is not collected into snapshots.
    let probes = ContentProbes::default();
    in_pool(options.threads, || {
        for group in collect::groups(kinds) {
            if sink.cancelled() {
                break;
            }
            let max_hash_bytes = options.files.max_hash_bytes;
            for (_, collected) in collect::collect_group(&group, fields, max_hash_bytes, &probes) {
                tally.errors(collected.errors);
                collected.items.iter().for_each(|item| sink.write(item));
            }
        }
        if let (Some(excludes), false) = (&plan.excludes, sink.cancelled()) {
            file_stats = file::walk_with(&options.files, excludes, fields, &probes, &sink);
        }
    });
    let failed = sink.failed.into_inner().unwrap_or_else(PoisonError::into_inner);
    if let Some(e) = failed {
        return Err(e);
    }
    tally.report(true);
    Ok(CollectReport {
        items: tally.item_counts(),
        files: file_stats,
        error_count: tally.error_count(),
        errors: tally.kept_errors(),
        complete: !options.cancel.load(Ordering::Relaxed),
        elapsed_seconds: tally.elapsed_seconds(),
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
    fn every_kind_unless_told() {
        let available: Vec<ItemKind> =
            ItemKind::ALL.into_iter().filter(|k| crate::collect::available(*k)).collect();
        assert_eq!(CollectOptions::default().kinds_collected(), available);
        assert!(available.contains(&ItemKind::File) && available.contains(&ItemKind::User));
        let only = CollectOptions { kinds: vec![ItemKind::User], ..CollectOptions::default() };
        assert_eq!(only.kinds_collected(), [ItemKind::User]);
    }
}
