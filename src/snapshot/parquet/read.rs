//! [`ParquetSnapshot`]: a snapshot folder read host by host, only the projected columns.

use super::schema::{is_text, is_time, kind_of_name, unfit, HOST, SOURCE, TIME};
use super::{kind_name, META_KIND, META_VERSION, VERSION};
use super::{HostHeader, Manifest, ParquetError, Projection, FORMAT, MANIFEST, META_FORMAT};
use crate::item::{canonical_mac, Item, ItemKind, Record, Value};
use crate::limits::{
    MAX_PARQUET_CHUNK_BYTES, MAX_PARQUET_COLUMNS, MAX_PARQUET_FILES, MAX_PARQUET_FOOTER_BYTES,
    MAX_PARQUET_HOST_ROWS, MAX_PARQUET_LIST_ENTRIES, MAX_PARQUET_MANIFEST_BYTES,
    MAX_REPORTED_SNAPSHOT_ERRORS, MAX_SNAPSHOT_LINE_BYTES, PARQUET_BATCH_ROWS,
};
use crate::terms::{self, Term, ValueType};
use arrow_array::cast::AsArray;
use arrow_array::types::*;
use arrow_array::{Array, BooleanArray, RecordBatch};
use arrow_schema::{DataType, TimeUnit};
use chrono::{DateTime, Utc};
use parquet::arrow::arrow_reader::{ParquetRecordBatchReader, ParquetRecordBatchReaderBuilder};
use parquet::arrow::ProjectionMask;
use std::fs::File;
use std::io::{Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};

/// The items of one host, as a per-host scan takes them.
#[derive(Debug)]
pub struct HostItems {
    /// The host (the `host` column's value).
    pub host: String,
    /// The kinds collected on the host and read whole: a kind missing here was not collected
    /// (its conditions are not evaluated), even if some of its items are in `items`.
    pub kinds: Vec<ItemKind>,
    /// The host's items of the projected kinds, with the projected fields only.
    pub items: Vec<Item>,
    /// Problems met while reading this host (bad rows, a file that broke), the first
    /// [`MAX_REPORTED_SNAPSHOT_ERRORS`].
    pub errors: Vec<ParquetError>,
    /// All problems met while reading this host, counted (may exceed `errors.len()`).
    pub error_count: u64,
}

/// A Parquet snapshot folder, opened: its header and the files of each kind found.
#[derive(Debug)]
pub struct ParquetSnapshot {
    dir: PathBuf,
    manifest: Option<Manifest>,
    /// Per kind, its files in name order.
    files: Vec<Vec<PathBuf>>,
}

impl ParquetSnapshot {
    /// Opens the folder `dir`: reads `snapshot.json` when present and lists the kind files
    /// (`<Kind>.parquet`, `<Kind>/*.parquet`; other entries are ignored).
    ///
    /// Fails when the folder cannot be listed, holds neither a header nor a kind file, or its
    /// header is not one this build reads; a bad kind file is found and reported by
    /// [`ParquetSnapshot::hosts`].
    pub fn open(dir: &Path) -> Result<Self, ParquetError> {
        let open_err = |message: String| ParquetError::Open { path: dir.to_path_buf(), message };
        let mut files: Vec<Vec<PathBuf>> = vec![Vec::new(); ItemKind::COUNT];
        let mut count = 0usize;
        let mut manifest = None;
        for (name, path, is_dir) in list(dir).map_err(|e| open_err(e.to_string()))? {
            if name == MANIFEST && !is_dir {
                manifest = Some(read_manifest(&path)?);
                continue;
            }
            let Some(kind) = kind_of_name(&name) else { continue };
            let found = if is_dir {
                let inner = list(&path).map_err(|e| open_err(format!("{name}: {e}")))?;
                inner
                    .into_iter()
                    .filter(|(n, _, d)| !d && n.ends_with(".parquet"))
                    .map(|(_, p, _)| p)
                    .collect()
            } else if name.ends_with(".parquet") {
                vec![path]
            } else {
                continue;
            };
            count += found.len();
            files[kind.index()].extend(found);
        }
        if count > MAX_PARQUET_FILES {
            return Err(open_err(format!(
                "{count} Parquet files, more than the limit of {MAX_PARQUET_FILES}"
            )));
        }
        if manifest.is_none() && count == 0 {
            return Err(open_err(format!(
                "neither {MANIFEST} nor a <Kind>.parquet file (File.parquet, ...) is in the folder"
            )));
        }
        files.iter_mut().for_each(|f| f.sort());
        Ok(ParquetSnapshot { dir: dir.to_path_buf(), manifest, files })
    }

    /// The folder.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The header (`snapshot.json`), when the folder has one.
    pub fn manifest(&self) -> Option<&Manifest> {
        self.manifest.as_ref()
    }

    /// The kinds that have at least one file.
    pub fn kinds_with_files(&self) -> Vec<ItemKind> {
        ItemKind::ALL.into_iter().filter(|k| !self.files[k.index()].is_empty()).collect()
    }

    /// Reads the hosts in increasing order, each with its items of the kinds `projection`
    /// reads (only their projected columns). Memory holds one host's items and one decoded
    /// batch per file, never a whole file.
    pub fn hosts(&self, projection: &Projection) -> Hosts {
        self.hosts_in(projection, &Range::all(), true)
    }

    /// Splits [`ParquetSnapshot::hosts`] into at most `parts` readers of disjoint host
    /// ranges, in host order, to be read in parallel; together they yield every host once,
    /// as one reader would. Ranges are cut at row-group starts, so each reader decodes only
    /// its own row groups: this needs every file's row groups in host order with exact
    /// `host` statistics (as this build writes them); otherwise, or with fewer row groups
    /// than parts, fewer readers come back (one at least). File-level problems found on
    /// opening come from the first reader only.
    pub fn partitions(&self, projection: &Projection, parts: usize) -> Vec<Hosts> {
        let whole = self.hosts(projection);
        let mut starts: Vec<Vec<u8>> = Vec::new();
        for c in &whole.cursors {
            match &c.groups {
                Some(groups) => starts.extend(groups.iter().map(|(min, _)| min.clone())),
                None => return vec![whole],
            }
        }
        starts.sort();
        starts.dedup();
        // The first start opens the first range: boundaries are among the others.
        let candidates = starts.get(1..).unwrap_or_default();
        let parts = parts.clamp(1, candidates.len() + 1);
        if parts == 1 {
            return vec![whole];
        }
        let bounds: Vec<Vec<u8>> =
            (1..parts).map(|i| candidates[i * candidates.len() / parts].clone()).collect();
        let mut bounds = bounds;
        bounds.dedup();
        let mut out = Vec::with_capacity(bounds.len() + 1);
        let mut lo: Option<Vec<u8>> = None;
        for hi in bounds.into_iter().map(Some).chain([None]) {
            let range = Range { lo: lo.clone(), hi: hi.clone() };
            out.push(self.hosts_in(projection, &range, out.is_empty()));
            lo = hi;
        }
        out
    }

    fn hosts_in(&self, projection: &Projection, range: &Range, first: bool) -> Hosts {
        let mut failed = [false; ItemKind::COUNT];
        let mut open_errors = Vec::new();
        let mut cursors = Vec::new();
        for kind in ItemKind::ALL {
            let paths = &self.files[kind.index()];
            if paths.is_empty() {
                let declared =
                    self.manifest.iter().flat_map(|m| &m.hosts).any(|h| h.kinds.contains(&kind));
                if declared {
                    failed[kind.index()] = true;
                    open_errors.push(ParquetError::File {
                        kind,
                        path: self.dir.join(super::kind_file_name(kind)),
                        message: format!(
                            "missing: {MANIFEST} says {} items were collected",
                            kind_name(kind)
                        ),
                    });
                }
                continue;
            }
            if !projection.reads(kind) {
                continue;
            }
            for path in paths {
                let fields = projection.fields(kind);
                match Cursor::open(kind, path, fields, range, &mut open_errors) {
                    Ok(c) => cursors.push(c),
                    Err(e) => {
                        failed[kind.index()] = true;
                        open_errors.push(e);
                    }
                }
            }
        }
        let mut headers: Vec<HostHeader> = self
            .manifest
            .iter()
            .flat_map(|m| &m.hosts)
            .filter(|h| range.holds(h.host.as_bytes()))
            .cloned()
            .collect();
        headers.sort_by(|a, b| a.host.cmp(&b.host));
        headers.dedup_by(|a, b| a.host == b.host);
        if !first {
            open_errors.clear();
        }
        Hosts {
            headers: headers.into_iter().peekable(),
            has_manifest: self.manifest.is_some(),
            with_files: self.kinds_with_files(),
            cursors,
            failed,
            open_errors,
        }
    }
}

/// A range of hosts, `lo` included, `hi` excluded (byte order); `None`: unbounded.
#[derive(Clone, Debug, Default)]
struct Range {
    lo: Option<Vec<u8>>,
    hi: Option<Vec<u8>>,
}

impl Range {
    fn all() -> Self {
        Range::default()
    }

    fn holds(&self, host: &[u8]) -> bool {
        !self.below(host) && !self.above(host)
    }

    fn below(&self, host: &[u8]) -> bool {
        self.lo.as_deref().is_some_and(|lo| host < lo)
    }

    fn above(&self, host: &[u8]) -> bool {
        self.hi.as_deref().is_some_and(|hi| host >= hi)
    }
}

/// The entries of a folder: name (lossy UTF-8), path, whether a folder (symbolic links are
/// followed; anything else than a regular file or folder is left out).
fn list(dir: &Path) -> std::io::Result<Vec<(String, PathBuf, bool)>> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        let path = entry.path();
        let Ok(meta) = std::fs::metadata(&path) else { continue };
        if !meta.is_file() && !meta.is_dir() {
            continue;
        }
        out.push((entry.file_name().to_string_lossy().into_owned(), path, meta.is_dir()));
        if out.len() > MAX_PARQUET_FILES {
            break;
        }
    }
    Ok(out)
}

fn read_manifest(path: &Path) -> Result<Manifest, ParquetError> {
    let err = |message: String| ParquetError::Manifest { path: path.to_path_buf(), message };
    let file = crate::fsread::open_regular(path).map_err(|e| err(e.to_string()))?;
    let mut text = Vec::new();
    file.take(MAX_PARQUET_MANIFEST_BYTES + 1)
        .read_to_end(&mut text)
        .map_err(|e| err(e.to_string()))?;
    if text.len() as u64 > MAX_PARQUET_MANIFEST_BYTES {
        return Err(err(format!("longer than {MAX_PARQUET_MANIFEST_BYTES} bytes")));
    }
    let value: serde_json::Value =
        serde_json::from_slice(&text).map_err(|e| err(format!("not JSON ({e})")))?;
    if value.get("format").and_then(|f| f.as_str()) != Some(FORMAT) {
        return Err(err(format!("no `\"format\": \"{FORMAT}\"`")));
    }
    let manifest: Manifest = serde_json::from_value(value).map_err(|e| err(e.to_string()))?;
    if manifest.version != VERSION {
        return Err(err(format!(
            "version {} is not supported (this build reads version {VERSION})",
            manifest.version
        )));
    }
    Ok(manifest)
}

/// The hosts of a snapshot, in increasing order: see [`ParquetSnapshot::hosts`].
pub struct Hosts {
    headers: std::iter::Peekable<std::vec::IntoIter<HostHeader>>,
    has_manifest: bool,
    with_files: Vec<ItemKind>,
    cursors: Vec<Cursor>,
    /// Kinds whose file broke: not collected from the host being read on.
    failed: [bool; ItemKind::COUNT],
    open_errors: Vec<ParquetError>,
}

impl std::fmt::Debug for Hosts {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Hosts").field("files", &self.cursors.len()).finish()
    }
}

impl Hosts {
    /// Problems found opening the files (a corrupt footer, a foreign file, an ignored
    /// column, a kind file missing): taken once, before or while iterating.
    pub fn take_open_errors(&mut self) -> Vec<ParquetError> {
        std::mem::take(&mut self.open_errors)
    }
}

impl Iterator for Hosts {
    type Item = HostItems;

    fn next(&mut self) -> Option<HostItems> {
        let mut report = Report::default();
        let mut next: Option<String> = self.headers.peek().map(|h| h.host.clone());
        for c in &mut self.cursors {
            if let Some(h) = c.peek(&mut report) {
                if next.as_ref().is_none_or(|n| h.as_bytes() < n.as_bytes()) {
                    next = Some(h.to_owned());
                }
            }
        }
        let host = next?;
        let header = self.headers.next_if(|h| h.host == host);
        let mut items = Vec::new();
        let mut incomplete = [false; ItemKind::COUNT];
        for c in &mut self.cursors {
            let kind = c.kind;
            match c.take(&host, &mut items, &mut report) {
                Taken::Whole => {}
                Taken::Cut => incomplete[kind.index()] = true,
                Taken::Broken => self.failed[kind.index()] = true,
            }
        }
        // A file that broke on this host leaves its kind incomplete here: drop what it gave.
        items.retain(|i| !self.failed[i.kind().index()]);
        let declared = match &header {
            Some(h) => h.kinds.clone(),
            None => {
                if self.has_manifest {
                    let message = format!(
                        "host `{host}` has rows but no header in {MANIFEST}: the kinds with \
                         files count as collected"
                    );
                    report.push(ParquetError::Open { path: PathBuf::from(MANIFEST), message });
                }
                self.with_files.clone()
            }
        };
        let kinds = declared
            .into_iter()
            .filter(|k| !self.failed[k.index()] && !incomplete[k.index()])
            .collect();
        Some(HostItems { host, kinds, items, errors: report.kept, error_count: report.count })
    }
}

#[derive(Default)]
struct Report {
    kept: Vec<ParquetError>,
    count: u64,
}

impl Report {
    fn push(&mut self, e: ParquetError) {
        self.count += 1;
        if self.kept.len() < MAX_REPORTED_SNAPSHOT_ERRORS {
            self.kept.push(e);
        }
    }
}

/// How a file's rows of one host were read.
enum Taken {
    /// Every row (bad rows skipped and reported).
    Whole,
    /// Past [`MAX_PARQUET_HOST_ROWS`]: the rest skipped.
    Cut,
    /// The file broke (and is read no further).
    Broken,
}

/// Where a projected column is in the decoded batches, and the term it holds.
#[derive(Clone, Copy)]
struct Plan {
    host: usize,
    time: Option<usize>,
    source: Option<usize>,
}

/// One open file, read batch by batch in host order.
struct Cursor {
    kind: ItemKind,
    path: PathBuf,
    reader: Option<ParquetRecordBatchReader>,
    plan: Plan,
    terms: Vec<(usize, &'static Term)>,
    batch: Option<RecordBatch>,
    /// Next row in `batch`.
    row: usize,
    /// Rows of the file before `batch`.
    base: u64,
    /// The host of the last row read (rows must not go back).
    last: Option<String>,
    /// The file broke: read no further.
    failed: bool,
    /// The hosts read; rows of others are passed over.
    range: Range,
    /// Per row group, the least and the greatest host, when every row group has exact
    /// statistics and they are in host order (what [`ParquetSnapshot::partitions`] needs).
    groups: Option<Vec<(Vec<u8>, Vec<u8>)>>,
}

impl Cursor {
    fn open(
        kind: ItemKind,
        path: &Path,
        fields: &crate::terms::FieldSet,
        range: &Range,
        warnings: &mut Vec<ParquetError>,
    ) -> Result<Cursor, ParquetError> {
        let bad = |message: String| ParquetError::File { kind, path: path.to_path_buf(), message };
        let mut file = crate::fsread::open_regular(path).map_err(|e| bad(e.to_string()))?;
        let file_len = check_footer(&mut file).map_err(bad)?;
        let builder = guarded(|| ParquetRecordBatchReaderBuilder::try_new(file))
            .map_err(bad)?
            .map_err(|e| bad(e.to_string()))?;
        let meta = builder.metadata().clone();
        if let Some(kv) = meta.file_metadata().key_value_metadata() {
            let get = |k: &str| kv.iter().find(|e| e.key == k).and_then(|e| e.value.as_deref());
            if let Some(format) = get(META_FORMAT) {
                if format != FORMAT {
                    return Err(bad(format!("written in format `{format}`, not `{FORMAT}`")));
                }
                if get(META_VERSION) != Some(VERSION.to_string().as_str()) {
                    let v = get(META_VERSION).unwrap_or("none");
                    return Err(bad(format!(
                        "format version {v} is not supported (this build reads {VERSION})"
                    )));
                }
            }
            if let Some(k) = get(META_KIND) {
                if k != kind_name(kind) {
                    return Err(bad(format!("holds {k} rows, not {} rows", kind_name(kind))));
                }
            }
        }
        let schema = builder.schema().clone();
        let columns = meta.file_metadata().schema_descr().num_columns();
        if columns > MAX_PARQUET_COLUMNS {
            return Err(bad(format!(
                "{columns} columns, more than the limit of {MAX_PARQUET_COLUMNS}"
            )));
        }
        let ignore = |column: &str, message: String| ParquetError::Column {
            kind,
            path: path.to_path_buf(),
            column: column.to_owned(),
            message,
        };
        let mut roots = Vec::new();
        let (mut host, mut time, mut source) = (None, None, None);
        let mut wanted: Vec<(usize, &'static Term)> = Vec::new();
        for (i, f) in schema.fields().iter().enumerate() {
            let name = f.name().as_str();
            let ty = f.data_type();
            match name {
                HOST if is_text(ty) => host = Some(i),
                HOST => return Err(bad(format!("the `host` column is {ty}, not a string"))),
                TIME if is_time(ty) => time = Some(i),
                SOURCE if is_text(ty) => source = Some(i),
                TIME | SOURCE => {
                    warnings.push(ignore(name, format!("type {ty} is not the record's type")))
                }
                _ => match terms::lookup(name) {
                    Some(t) if t.name != name => warnings.push(ignore(
                        name,
                        format!("terms are spelled as the catalogue does: `{}`", t.name),
                    )),
                    Some(t) if t.kind != kind => {
                        warnings.push(ignore(name, format!("not a term of {}", kind_name(kind))))
                    }
                    Some(t) => match unfit(t, ty) {
                        Some(why) => warnings.push(ignore(name, why)),
                        None if fields.contains(t.field) => wanted.push((i, t)),
                        None => {}
                    },
                    None => warnings.push(ignore(name, "not a catalogue term".into())),
                },
            }
        }
        let host = host.ok_or_else(|| bad("no `host` column".into()))?;
        roots.push(host);
        roots.extend(time);
        roots.extend(source);
        roots.extend(wanted.iter().map(|(i, _)| *i));
        roots.sort_unstable();
        // Chunks are per leaf column: the leaves of the roots read.
        let descr = meta.file_metadata().schema_descr();
        let leaves: Vec<usize> = (0..descr.num_columns())
            .filter(|&l| roots.binary_search(&descr.get_column_root_idx(l)).is_ok())
            .collect();
        check_chunks(&meta, &leaves, file_len).map_err(bad)?;
        let groups = host_groups(&meta, schema.field(host).name());
        // Only the row groups that may hold hosts of the range.
        let selected: Option<Vec<usize>> = groups.as_ref().map(|g| {
            g.iter()
                .enumerate()
                .filter(|(_, (min, max))| !range.below(max) && !range.above(min))
                .map(|(i, _)| i)
                .collect()
        });
        // Roots are top-level columns; list columns span several leaves, all selected.
        let mask = ProjectionMask::roots(builder.parquet_schema(), roots.iter().copied());
        let position = |i: usize| roots.binary_search(&i).unwrap_or_default();
        let plan =
            Plan { host: position(host), time: time.map(position), source: source.map(position) };
        let terms = wanted.iter().map(|(i, t)| (position(*i), *t)).collect();
        let mut builder = builder.with_projection(mask).with_batch_size(PARQUET_BATCH_ROWS);
        if let Some(selected) = selected {
            builder = builder.with_row_groups(selected);
        }
        let reader = guarded(|| builder.build()).map_err(bad)?.map_err(|e| bad(e.to_string()))?;
        Ok(Cursor {
            kind,
            path: path.to_path_buf(),
            reader: Some(reader),
            plan,
            terms,
            batch: None,
            row: 0,
            base: 0,
            last: None,
            failed: false,
            range: range.clone(),
            groups,
        })
    }

    fn broken(&mut self, message: String, report: &mut Report) {
        self.reader = None;
        self.batch = None;
        self.failed = true;
        report.push(ParquetError::File { kind: self.kind, path: self.path.clone(), message });
    }

    /// Makes `self.row` a row of `self.batch`, reading the next batch when needed; false at
    /// the end of the file or when it broke.
    fn ready(&mut self, report: &mut Report) -> bool {
        loop {
            if let Some(b) = &self.batch {
                if self.row < b.num_rows() {
                    return true;
                }
                self.base += b.num_rows() as u64;
            }
            self.batch = None;
            self.row = 0;
            let Some(reader) = self.reader.as_mut() else { return false };
            let next = match guarded(|| reader.next()) {
                Ok(next) => next,
                Err(message) => Some(Err(arrow_schema::ArrowError::ExternalError(message.into()))),
            };
            match next {
                None => {
                    self.reader = None;
                    return false;
                }
                Some(Err(e)) => {
                    self.broken(e.to_string(), report);
                    return false;
                }
                Some(Ok(batch)) => self.batch = Some(batch),
            }
        }
    }

    /// The host of the next row (rows with a null host are skipped and reported).
    fn peek(&mut self, report: &mut Report) -> Option<&str> {
        loop {
            if !self.ready(report) {
                return None;
            }
            let batch = self.batch.as_ref()?;
            let host = text_at(batch.column(self.plan.host).as_ref(), self.row);
            if let Some(h) = host {
                if self.range.above(h.as_bytes()) {
                    // Row groups are in host order: the rest is another reader's.
                    self.reader = None;
                    self.batch = None;
                    return None;
                }
                if !self.range.below(h.as_bytes()) {
                    break;
                }
                self.row += 1;
                continue;
            }
            let row = self.base + self.row as u64 + 1;
            self.row += 1;
            report.push(self.row_error(row, "the host is null".into()));
        }
        let batch = self.batch.as_ref()?;
        text_at(batch.column(self.plan.host).as_ref(), self.row)
    }

    fn row_error(&self, row: u64, message: String) -> ParquetError {
        ParquetError::Row { kind: self.kind, path: self.path.clone(), row, message }
    }

    /// Reads every row of `host` (the next rows) into `items`.
    fn take(&mut self, host: &str, items: &mut Vec<Item>, report: &mut Report) -> Taken {
        let mut taken = 0usize;
        let mut cut = false;
        while let Some(next) = self.peek(report).map(str::to_owned) {
            if next != host {
                if self.last.as_deref().is_some_and(|l| next.as_bytes() < l.as_bytes())
                    || next.as_bytes() < host.as_bytes()
                {
                    let message = format!(
                        "rows are not sorted by host (`{next}` after `{}`): the file is read \
                         no further",
                        self.last.as_deref().unwrap_or(host)
                    );
                    self.broken(message, report);
                }
                break;
            }
            if self.last.as_deref() != Some(host) {
                self.last = Some(host.to_owned());
            }
            let Some(batch) = self.batch.take() else { break };
            // Every row of this host in the batch, at once.
            let host_col = batch.column(self.plan.host).clone();
            let start = self.row;
            let mut end = start;
            while end < batch.num_rows() && text_at(host_col.as_ref(), end) == Some(host) {
                end += 1;
            }
            if !cut {
                let room = MAX_PARQUET_HOST_ROWS - taken;
                let stop = end.min(start + room);
                self.convert(&batch, start, stop, items, report);
                taken += stop - start;
                if stop < end {
                    cut = true;
                    let message = format!(
                        "host `{host}` has more than {MAX_PARQUET_HOST_ROWS} {} rows: the rest \
                         are skipped and the kind counts as not collected on it",
                        kind_name(self.kind)
                    );
                    report.push(self.row_error(self.base + stop as u64 + 1, message));
                }
            }
            self.row = end;
            self.batch = Some(batch);
        }
        if self.failed {
            Taken::Broken
        } else if cut {
            Taken::Cut
        } else {
            Taken::Whole
        }
    }

    /// Rows `start..end` of `batch` as items; a bad row is reported and skipped.
    fn convert(
        &self,
        batch: &RecordBatch,
        start: usize,
        end: usize,
        items: &mut Vec<Item>,
        report: &mut Report,
    ) {
        let rows = Rows::new(
            self.kind,
            self.terms.iter().map(|(i, t)| (*t, batch.column(*i).as_ref())),
            self.plan.time.map(|i| batch.column(i).as_ref()),
            self.plan.source.map(|i| batch.column(i).as_ref()),
        );
        for row in start..end {
            match rows.item(row) {
                Ok(item) => items.push(item),
                Err(message) => report.push(self.row_error(self.base + row as u64 + 1, message)),
            }
        }
    }
}

/// The columns of one batch that rows become items from, typed once per batch: the term
/// columns (of types their terms take, checked by [`unfit`]), and the record's `time` and
/// `source`. Shared by the Parquet reader and [`super::batch`].
pub(super) struct Rows<'a> {
    kind: ItemKind,
    columns: Vec<(&'static Term, Col<'a>)>,
    time: Option<Col<'a>>,
    source: Option<&'a dyn Array>,
}

impl<'a> Rows<'a> {
    /// The rows of `kind` in these columns; a column of a type no term takes is left out.
    pub(super) fn new(
        kind: ItemKind,
        terms: impl IntoIterator<Item = (&'static Term, &'a dyn Array)>,
        time: Option<&'a dyn Array>,
        source: Option<&'a dyn Array>,
    ) -> Self {
        Rows {
            kind,
            columns: terms.into_iter().filter_map(|(t, a)| Col::of(a).map(|c| (t, c))).collect(),
            time: time.and_then(Col::of),
            source,
        }
    }

    /// Row `row` as an item; `Err` says why the row is bad (a value over a cap, an address
    /// that does not parse).
    pub(super) fn item(&self, row: usize) -> Result<Item, String> {
        let mut item = Item::with_capacity(self.kind, self.columns.len());
        let mut bytes = 0usize;
        let time = match self.time.as_ref().map(|c| c.scalar(row, ValueType::Date, &mut bytes)) {
            Some(Ok(Some(Value::Date(t)))) => Some(t),
            Some(Err(e)) => return Err(format!("`{TIME}`: {e}")),
            _ => None,
        };
        let source = self.source.and_then(|s| text_at(s, row)).map(str::to_owned);
        if time.is_some() || source.is_some() {
            bytes += source.as_ref().map_or(0, String::len);
            item = item.with_record(Record { time, source });
        }
        for (t, col) in &self.columns {
            let value = if t.many {
                col.list(row, t, &mut bytes)
            } else {
                col.scalar(row, t.ty, &mut bytes)
            };
            match value {
                Ok(Some(v)) => item.set(t.field, v),
                Ok(None) => {}
                Err(e) => return Err(format!("`{}`: {e}", t.name)),
            }
            if bytes > MAX_SNAPSHOT_LINE_BYTES {
                return Err(format!(
                    "the row holds more than {MAX_SNAPSHOT_LINE_BYTES} bytes of values"
                ));
            }
        }
        Ok(item)
    }
}

/// Per row group, the least and greatest host from the `host` column's statistics, when all
/// are present and exact and the row groups are in host order.
fn host_groups(
    meta: &parquet::file::metadata::ParquetMetaData,
    host: &str,
) -> Option<Vec<(Vec<u8>, Vec<u8>)>> {
    let leaf = meta
        .file_metadata()
        .schema_descr()
        .columns()
        .iter()
        .position(|c| c.path().parts() == [host])?;
    let mut groups: Vec<(Vec<u8>, Vec<u8>)> = Vec::with_capacity(meta.num_row_groups());
    for rg in meta.row_groups() {
        let stats = rg.column(leaf).statistics()?;
        if !stats.min_is_exact() || !stats.max_is_exact() {
            return None;
        }
        let (min, max) = (stats.min_bytes_opt()?, stats.max_bytes_opt()?);
        if groups.last().is_some_and(|(_, last)| last.as_slice() > min) {
            return None;
        }
        groups.push((min.to_vec(), max.to_vec()));
    }
    Some(groups)
}

/// Checks that the column chunks of the `leaves` read lie inside the file of `file_len` bytes
/// and are within [`MAX_PARQUET_CHUNK_BYTES`] uncompressed, before any is decoded.
pub(crate) fn check_chunks(
    meta: &parquet::file::metadata::ParquetMetaData,
    leaves: &[usize],
    file_len: u64,
) -> Result<(), String> {
    let descr = meta.file_metadata().schema_descr();
    for rg in meta.row_groups() {
        for &l in leaves {
            let chunk = rg.column(l);
            let start = chunk.dictionary_page_offset().unwrap_or(chunk.data_page_offset());
            let length = chunk.compressed_size();
            let inside = u64::try_from(start).ok().zip(u64::try_from(length).ok());
            if inside.is_none_or(|(s, n)| s.saturating_add(n) > file_len) {
                return Err(format!(
                    "column `{}` of a row group claims bytes {start}..+{length}, outside the file",
                    descr.column(l).path()
                ));
            }
            let size = chunk.uncompressed_size();
            if size > MAX_PARQUET_CHUNK_BYTES {
                return Err(format!(
                    "column `{}` of a row group is {size} bytes uncompressed, more than the \
                     limit of {MAX_PARQUET_CHUNK_BYTES}",
                    descr.column(l).path()
                ));
            }
        }
    }
    Ok(())
}

/// Runs a call into the Parquet decoder, turning a panic (a decoder bug a hostile file
/// reaches) into an error: the file is reported and the read goes on without it.
pub(crate) fn guarded<T>(f: impl FnOnce() -> T) -> Result<T, String> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(f))
        .map_err(|_| "the Parquet decoder failed on this file (it panicked)".to_owned())
}

/// Checks the footer length (the file's last 8 bytes: length, `PAR1`) before the footer is
/// read, and leaves the file at its start; returns the file's length.
pub(crate) fn check_footer(file: &mut File) -> Result<u64, String> {
    let len = file.metadata().map_err(|e| e.to_string())?.len();
    if len < 12 {
        return Err(format!("{len} bytes: too short to be a Parquet file"));
    }
    let mut tail = [0u8; 8];
    file.seek(SeekFrom::End(-8))
        .and_then(|_| file.read_exact(&mut tail))
        .map_err(|e| e.to_string())?;
    check_tail(len, &tail)?;
    file.seek(SeekFrom::Start(0)).map_err(|e| e.to_string())?;
    Ok(len)
}

/// Checks a Parquet file's last 8 bytes (footer length, `PAR1`) against its length `len`.
pub(crate) fn check_tail(len: u64, tail: &[u8; 8]) -> Result<(), String> {
    if len < 12 {
        return Err(format!("{len} bytes: too short to be a Parquet file"));
    }
    if &tail[4..] != b"PAR1" {
        return Err("not a Parquet file (no `PAR1` at its end)".into());
    }
    let footer = u64::from(u32::from_le_bytes([tail[0], tail[1], tail[2], tail[3]]));
    if footer > MAX_PARQUET_FOOTER_BYTES || footer + 12 > len {
        return Err(format!(
            "footer of {footer} bytes: more than the file or the limit of \
             {MAX_PARQUET_FOOTER_BYTES}"
        ));
    }
    Ok(())
}

/// The text at `row` of a string column (any encoding [`is_text`] takes); `None` for a null.
pub(super) fn text_at(array: &dyn Array, row: usize) -> Option<&str> {
    if array.is_null(row) {
        return None;
    }
    match array.data_type() {
        DataType::Utf8 => Some(array.as_string::<i32>().value(row)),
        DataType::LargeUtf8 => Some(array.as_string::<i64>().value(row)),
        DataType::Utf8View => Some(array.as_string_view().value(row)),
        DataType::Dictionary(_, _) => {
            let dict = array.as_any_dictionary_opt()?;
            let key = usize::try_from(int_at(dict.keys(), row).ok()?).ok()?;
            let values = dict.values();
            if key >= values.len() {
                return None;
            }
            text_at(values.as_ref(), key)
        }
        _ => None,
    }
}

/// A decoded column, typed once per batch.
enum Col<'a> {
    /// Utf8, the type this build writes: read without a type dispatch per row.
    Utf8(&'a arrow_array::StringArray),
    /// Any other string encoding ([`text_at`]).
    Text(&'a dyn Array),
    Int(&'a dyn Array),
    Bool(&'a BooleanArray),
    Date(&'a dyn Array, TimeUnit),
    /// Date32 (days) or Date64 (milliseconds) since the epoch: midnight UTC.
    Day(&'a dyn Array),
    /// A column of nulls only (`pa.nulls`, a pandas column of `None`): every value unknown.
    Null,
    Float(&'a dyn Array),
    List(&'a dyn Array, Box<Col<'a>>),
}

impl<'a> Col<'a> {
    /// The column of `array`, whose type was checked against its term ([`unfit`]) at open.
    fn of(array: &'a dyn Array) -> Option<Col<'a>> {
        Some(match array.data_type() {
            DataType::List(_) => {
                Col::List(array, Box::new(Col::of(array.as_list::<i32>().values().as_ref())?))
            }
            DataType::LargeList(_) => {
                Col::List(array, Box::new(Col::of(array.as_list::<i64>().values().as_ref())?))
            }
            DataType::Timestamp(unit, _) => Col::Date(array, *unit),
            DataType::Date32 | DataType::Date64 => Col::Day(array),
            DataType::Null => Col::Null,
            DataType::Boolean => Col::Bool(array.as_boolean()),
            DataType::Float64 | DataType::Float32 => Col::Float(array),
            t if t.is_integer() => Col::Int(array),
            DataType::Utf8 => Col::Utf8(array.as_string::<i32>()),
            t if is_text(t) => Col::Text(array),
            _ => return None,
        })
    }

    /// The scalar at `row` as a value of type `ty`; `None` for a null.
    fn scalar(
        &self,
        row: usize,
        ty: ValueType,
        bytes: &mut usize,
    ) -> Result<Option<Value>, String> {
        let value = match self {
            Col::Utf8(_) | Col::Text(_) => {
                let text = match self {
                    Col::Utf8(a) => (!a.is_null(row)).then(|| a.value(row)),
                    Col::Text(a) => text_at(*a, row),
                    _ => None,
                };
                let Some(s) = text else { return Ok(None) };
                *bytes += s.len();
                match ty {
                    ValueType::Ip => Value::Ip(
                        s.parse().map_err(|_| format!("expected an IP address, found `{s}`"))?,
                    ),
                    ValueType::Mac => Value::Str(canonical_mac(s).unwrap_or_else(|| s.to_owned())),
                    _ => Value::Str(s.to_owned()),
                }
            }
            Col::Int(a) => {
                if a.is_null(row) {
                    return Ok(None);
                }
                *bytes += 8;
                Value::Int(int_at(*a, row)?)
            }
            Col::Bool(a) => {
                if a.is_null(row) {
                    return Ok(None);
                }
                *bytes += 1;
                Value::Bool(a.value(row))
            }
            Col::Date(a, unit) => {
                if a.is_null(row) {
                    return Ok(None);
                }
                *bytes += 8;
                Value::Date(date_at(*a, *unit, row)?)
            }
            Col::Day(a) => {
                if a.is_null(row) {
                    return Ok(None);
                }
                *bytes += 8;
                Value::Date(day_at(*a, row)?)
            }
            Col::Null => return Ok(None),
            Col::Float(a) => {
                if a.is_null(row) {
                    return Ok(None);
                }
                *bytes += 8;
                let x = match a.data_type() {
                    DataType::Float32 => f64::from(a.as_primitive::<Float32Type>().value(row)),
                    _ => a.as_primitive::<Float64Type>().value(row),
                };
                if !x.is_finite() {
                    return Err(format!("expected a finite number, found {x}"));
                }
                Value::Float(x)
            }
            Col::List(..) => return Err("a list where one value was expected".into()),
        };
        Ok(Some(value))
    }

    /// The list at `row` for a term holding many values; `None` for a null.
    fn list(&self, row: usize, term: &Term, bytes: &mut usize) -> Result<Option<Value>, String> {
        if let Col::Null = self {
            return Ok(None);
        }
        let Col::List(array, inner) = self else {
            return Err("one value where a list was expected".into());
        };
        if array.is_null(row) {
            return Ok(None);
        }
        let (start, end) = match array.data_type() {
            DataType::LargeList(_) => {
                let o = array.as_list::<i64>().value_offsets();
                (o[row] as usize, o[row + 1] as usize)
            }
            _ => {
                let o = array.as_list::<i32>().value_offsets();
                (o[row] as usize, o[row + 1] as usize)
            }
        };
        if end - start > MAX_PARQUET_LIST_ENTRIES {
            return Err(format!(
                "{} entries, more than the limit of {MAX_PARQUET_LIST_ENTRIES}",
                end - start
            ));
        }
        let mut values = Vec::with_capacity(end - start);
        for i in start..end {
            match inner.scalar(i, term.ty, bytes)? {
                Some(v) => values.push(v),
                // A sub-list element without a value for this column.
                None if term.element.is_some() => values.push(Value::List(Vec::new())),
                None => return Err("a null entry in the list".into()),
            }
        }
        Ok(Some(Value::List(values)))
    }
}

fn int_at(a: &dyn Array, row: usize) -> Result<i64, String> {
    macro_rules! signed {
        ($($t:ty),*) => {
            $(if let Some(p) = a.as_primitive_opt::<$t>() { return Ok(i64::from(p.value(row))); })*
        };
    }
    signed!(Int64Type, Int32Type, Int16Type, Int8Type, UInt32Type, UInt16Type, UInt8Type);
    if let Some(p) = a.as_primitive_opt::<UInt64Type>() {
        let n = p.value(row);
        return i64::try_from(n).map_err(|_| format!("{n} is larger than a 64-bit integer"));
    }
    Err(format!("type {} is not an integer", a.data_type()))
}

fn date_at(a: &dyn Array, unit: TimeUnit, row: usize) -> Result<DateTime<Utc>, String> {
    let n = match unit {
        TimeUnit::Second => a.as_primitive::<TimestampSecondType>().value(row),
        TimeUnit::Millisecond => a.as_primitive::<TimestampMillisecondType>().value(row),
        TimeUnit::Microsecond => a.as_primitive::<TimestampMicrosecondType>().value(row),
        TimeUnit::Nanosecond => a.as_primitive::<TimestampNanosecondType>().value(row),
    };
    let date = match unit {
        TimeUnit::Second => DateTime::from_timestamp(n, 0),
        TimeUnit::Millisecond => DateTime::from_timestamp_millis(n),
        TimeUnit::Microsecond => DateTime::from_timestamp_micros(n),
        TimeUnit::Nanosecond => Some(DateTime::from_timestamp_nanos(n)),
    };
    date.ok_or_else(|| format!("timestamp {n} ({unit:?}) is out of the date range"))
}

fn day_at(a: &dyn Array, row: usize) -> Result<DateTime<Utc>, String> {
    match a.data_type() {
        DataType::Date32 => {
            let days = a.as_primitive::<Date32Type>().value(row);
            DateTime::from_timestamp(i64::from(days) * 86_400, 0)
                .ok_or_else(|| format!("date {days} (days) is out of the date range"))
        }
        _ => {
            let ms = a.as_primitive::<Date64Type>().value(row);
            DateTime::from_timestamp_millis(ms)
                .ok_or_else(|| format!("date {ms} (milliseconds) is out of the date range"))
        }
    }
}
