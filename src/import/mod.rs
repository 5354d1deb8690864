//! Importers: telemetry teams already keep (Sysmon EVTX/XML, Linux audit logs, OCSF as JSON
//! or Parquet) turned into snapshot items, so `scan --snapshot` evaluates recorded events
//! exactly.
//!
//! Each reader ([`sysmon`], [`auditd`], [`ocsf`], [`ocsf_parquet`]) only turns bytes into
//! source records (a [`Fields`] view plus an event key); [`map`] turns a record into an item through the one
//! mapping table of the catalogue, [`crate::terms::imports`]; [`output`] writes one snapshot
//! per host. Readers are bounded ([`crate::limits`]): a damaged file is reported with its path
//! and what was skipped, and the rest of it (and every other input) is imported. Nothing here
//! evaluates IOCs, and nothing is written outside the output path.

pub mod auditd;
pub mod fields;
pub mod map;
pub mod ocsf;
pub mod ocsf_parquet;
pub mod output;
pub mod sysmon;

pub use crate::terms::imports::Format;
pub use fields::{Fields, FlatFields, Scalar};
pub use output::{ImportError, SnapshotOutput};

pub(crate) use crate::snapshot::{read_line_capped as read_line, LineRead};

use crate::item::{Item, ItemKind};
use crate::limits::{
    MAX_IMPORT_FILE_BYTES, MAX_IMPORT_PROBLEMS_PER_FILE, MAX_IMPORT_RECORDS_PER_FILE,
};
use crate::terms::Field;
use serde::Serialize;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// Options of an import.
#[derive(Clone, Debug, Default)]
pub struct ImportOptions {
    /// The host of records whose source names none (an audit log without `node=`).
    pub host: Option<String>,
}

/// Receives the items of an import, with the host each belongs to (`None`: the source named
/// no host and no default was given).
pub trait ItemSink {
    /// Takes one item.
    fn put(&mut self, host: Option<&str>, item: Item) -> std::io::Result<()>;
}

impl ItemSink for Vec<(Option<String>, Item)> {
    fn put(&mut self, host: Option<&str>, item: Item) -> std::io::Result<()> {
        self.push((host.map(str::to_owned), item));
        Ok(())
    }
}

/// What kind of problem an input had. The codes are stable.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ProblemCode {
    /// The file could not be opened or read.
    Unreadable,
    /// The file is larger than [`MAX_IMPORT_FILE_BYTES`]; it was not read.
    TooLarge,
    /// The file is not in the format asked for (no EVTX header, no XML events, not JSON).
    NotFormat,
    /// One record (an EVTX record or chunk, an XML event, a line, a JSON event) could not be
    /// read; it was skipped.
    BadRecord,
    /// One record is larger than its limit; it was skipped.
    RecordTooLarge,
    /// The reader could not go on in this file (a parser failure, a broken XML or JSON
    /// stream, a write failure): the rest of the file was skipped.
    Truncated,
}

impl ProblemCode {
    /// The code's text (`bad-record`).
    pub fn as_str(self) -> &'static str {
        match self {
            ProblemCode::Unreadable => "unreadable",
            ProblemCode::TooLarge => "too-large",
            ProblemCode::NotFormat => "not-format",
            ProblemCode::BadRecord => "bad-record",
            ProblemCode::RecordTooLarge => "record-too-large",
            ProblemCode::Truncated => "truncated",
        }
    }
}

/// One problem of one input, with where it is (`chunk 3`, `line 12`, `event 7`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Problem {
    /// The code.
    pub code: ProblemCode,
    /// Where in the file, when known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub location: Option<String>,
    /// What happened and what was skipped.
    pub message: String,
}

/// What one input gave.
#[derive(Clone, Debug, Default, Serialize)]
pub struct FileReport {
    /// The input (empty, and left out of the JSON form, for rows read from memory:
    /// [`ocsf_parquet::read_batches`]).
    #[serde(serialize_with = "crate::path_text::serialize", skip_serializing_if = "no_path")]
    pub path: PathBuf,
    /// Source records read (EVTX records, XML events, audit event groups, JSON events).
    pub records: u64,
    /// Items produced, by kind.
    pub items: BTreeMap<ItemKind, u64>,
    /// Records that produced no item, by reason (`event 4: not imported (no mapping)`).
    pub skipped: BTreeMap<String, u64>,
    /// Source values that were present but did not convert to their term's type, by term
    /// (left absent: not evaluated).
    pub unconverted: BTreeMap<String, u64>,
    /// Problems, the first [`MAX_IMPORT_PROBLEMS_PER_FILE`] of them.
    pub problems: Vec<Problem>,
    /// How many problems there were in all.
    pub problem_count: u64,
    /// False when the reader stopped before the end of the file (see [`ProblemCode::Truncated`]).
    pub complete: bool,
    /// The event keys of the records read (Sysmon event ids, OCSF classes, audit record
    /// types).
    pub events: std::collections::BTreeSet<String>,
}

fn no_path(path: &Path) -> bool {
    path.as_os_str().is_empty()
}

impl FileReport {
    fn new(path: &Path) -> Self {
        FileReport { path: path.to_path_buf(), complete: true, ..FileReport::default() }
    }

    /// Items produced in all.
    pub fn item_count(&self) -> u64 {
        self.items.values().sum()
    }
}

/// The state one reader works with: it hands records and problems here.
pub(crate) struct Ctx<'s> {
    format: Format,
    options: &'s ImportOptions,
    sink: &'s mut dyn ItemSink,
    report: FileReport,
    stopped: bool,
}

impl Ctx<'_> {
    /// Maps and hands on one source record. Returns false when the reader must stop (the
    /// record cap was reached or the output failed).
    pub(crate) fn record(&mut self, event: &str, fields: &dyn Fields) -> bool {
        if self.stopped {
            return false;
        }
        self.report.records += 1;
        if !self.report.events.contains(event) {
            self.report.events.insert(event.to_owned());
        }
        match map::map_record(self.format, event, fields) {
            Ok(mapped) => {
                for f in &mapped.unconverted {
                    *self.report.unconverted.entry(f.name().to_owned()).or_insert(0) += 1;
                }
                let host = self.host(fields);
                let kind = mapped.item.kind();
                if let Err(e) = self.sink.put(host.as_deref(), mapped.item) {
                    self.truncated(None, format!("cannot write the output: {e}"));
                    return false;
                }
                *self.report.items.entry(kind).or_insert(0) += 1;
            }
            Err(why) => *self.report.skipped.entry(why.to_string()).or_insert(0) += 1,
        }
        if self.report.records >= MAX_IMPORT_RECORDS_PER_FILE {
            self.truncated(
                None,
                format!("{MAX_IMPORT_RECORDS_PER_FILE} records read (the limit): the rest of the file was skipped"),
            );
            return false;
        }
        true
    }

    /// Counts a record skipped by the reader itself (not a Sysmon provider, ...).
    pub(crate) fn skip(&mut self, why: String) {
        self.report.records += 1;
        *self.report.skipped.entry(why).or_insert(0) += 1;
    }

    /// Counts something skipped that is not a record (an unused EVTX chunk).
    pub(crate) fn note(&mut self, what: String) {
        *self.report.skipped.entry(what).or_insert(0) += 1;
    }

    fn host(&self, fields: &dyn Fields) -> Option<String> {
        let named = self.format.host_fields().iter().find_map(|p| fields.get(p));
        named
            .map(|s| s.text().trim().to_owned())
            .filter(|h| !h.is_empty())
            .or_else(|| self.options.host.clone())
    }

    /// Records a problem.
    pub(crate) fn problem(&mut self, code: ProblemCode, location: Option<String>, message: String) {
        self.report.problem_count += 1;
        if self.report.problems.len() < MAX_IMPORT_PROBLEMS_PER_FILE {
            self.report.problems.push(Problem { code, location, message });
        }
    }

    /// Records that the rest of the file was skipped.
    pub(crate) fn truncated(&mut self, location: Option<String>, message: String) {
        self.problem(ProblemCode::Truncated, location, message);
        self.report.complete = false;
        self.stopped = true;
    }

    /// Records that nothing (more) of the file could be read, for a reason other than a
    /// damaged record: not openable, too large, not in the format.
    pub(crate) fn fail(&mut self, code: ProblemCode, message: String) {
        self.problem(code, None, message);
        self.report.complete = false;
        self.stopped = true;
    }

    /// True once the reader must stop.
    pub(crate) fn stopped(&self) -> bool {
        self.stopped
    }
}

/// What [`next_line`] found.
pub(crate) enum Next {
    /// A line with text is in the buffer.
    Line,
    /// A blank or over-long line (reported): go on with the next.
    Skip,
    /// The end of the input, or a read error (reported).
    End,
}

/// Reads line `line` of a line-based input into `buf` (at most `cap` bytes), reporting read
/// errors and over-long lines.
pub(crate) fn next_line<R: std::io::BufRead>(
    input: &mut R,
    buf: &mut Vec<u8>,
    cap: usize,
    line: u64,
    ctx: &mut Ctx<'_>,
) -> Next {
    let location = || Some(format!("line {line}"));
    match read_line(input, buf, cap) {
        Err(e) => {
            ctx.truncated(location(), format!("read error: {e}: the rest was skipped"));
            Next::End
        }
        Ok(LineRead::Eof) => Next::End,
        Ok(LineRead::TooLong(n)) => {
            let message = format!("a line of {n} bytes, over the {cap}-byte limit: skipped");
            ctx.problem(ProblemCode::RecordTooLarge, location(), message);
            Next::Skip
        }
        Ok(LineRead::Line) if buf.iter().all(u8::is_ascii_whitespace) => Next::Skip,
        Ok(LineRead::Line) => Next::Line,
    }
}

/// Every source path the mapping table (and the format's host and time fields) reads for
/// `format`: flat readers keep only these fields of a record.
pub(crate) fn needed_paths(format: Format) -> &'static std::collections::HashSet<&'static str> {
    use std::collections::HashSet;
    use std::sync::OnceLock;
    static SETS: [OnceLock<HashSet<&'static str>>; 3] =
        [OnceLock::new(), OnceLock::new(), OnceLock::new()];
    let index = Format::ALL.iter().position(|f| *f == format).unwrap_or(0);
    SETS[index].get_or_init(|| {
        let mut set: HashSet<&'static str> = HashSet::new();
        for m in crate::terms::imports::mappings(format) {
            set.extend(m.rules.iter().flat_map(|r| r.source.iter().copied()));
            set.extend(m.when.iter().map(|w| w.path));
        }
        set.extend(format.host_fields());
        set.extend(format.time_fields());
        set
    })
}

/// Reads one input of `format`, handing its items to `sink`. Never fails: problems (an
/// unreadable or damaged file) are in the report, and whatever could be read was handed on.
pub fn read_file(
    format: Format,
    path: &Path,
    options: &ImportOptions,
    sink: &mut dyn ItemSink,
) -> FileReport {
    let mut ctx = Ctx { format, options, sink, report: FileReport::new(path), stopped: false };
    match crate::fsread::open_regular(path) {
        Err(e) => ctx.fail(ProblemCode::Unreadable, format!("cannot open: {e}")),
        Ok(file) => match file.metadata().map(|m| m.len()) {
            Err(e) => ctx.fail(ProblemCode::Unreadable, format!("cannot read: {e}")),
            Ok(len) if len > MAX_IMPORT_FILE_BYTES => {
                let message = format!(
                    "{len} bytes, more than the {MAX_IMPORT_FILE_BYTES}-byte limit: not read"
                );
                ctx.fail(ProblemCode::TooLarge, message)
            }
            Ok(_) if ctx.format == Format::Ocsf && starts_parquet(&file) => {
                ocsf_parquet::read(file, &mut ctx)
            }
            Ok(_) => dispatch(file, &mut ctx),
        },
    }
    ctx.report
}

/// True when `file` starts with the Parquet magic (read with a positioned read: the file
/// offset is left where it was).
fn starts_parquet(file: &std::fs::File) -> bool {
    use std::os::unix::fs::FileExt;
    let mut head = [0u8; 4];
    file.read_exact_at(&mut head, 0).is_ok() && ocsf_parquet::is_parquet(&head)
}

fn dispatch<R: std::io::Read + std::io::Seek>(input: R, ctx: &mut Ctx<'_>) {
    match ctx.format {
        Format::Sysmon => sysmon::read(input, ctx),
        Format::Auditd => auditd::read(input, ctx),
        Format::Ocsf => ocsf::read(input, ctx),
    }
}

/// Reads an input already in memory (`name` only names it in the report), as [`read_file`]
/// reads a file; for tests, fuzzing and callers that hold the bytes.
pub fn read_bytes(
    format: Format,
    name: &Path,
    data: &[u8],
    options: &ImportOptions,
    sink: &mut dyn ItemSink,
) -> FileReport {
    let mut ctx = Ctx { format, options, sink, report: FileReport::new(name), stopped: false };
    if data.len() as u64 > MAX_IMPORT_FILE_BYTES {
        ctx.fail(ProblemCode::TooLarge, format!("{} bytes: not read", data.len()));
    } else if format == Format::Ocsf && ocsf_parquet::is_parquet(data) {
        ocsf_parquet::read_bytes(data, &mut ctx);
    } else {
        dispatch(std::io::Cursor::new(data), &mut ctx);
    }
    ctx.report
}

/// Feeds records of any other source through the mapping table: a Parquet row reader
/// implements [`Fields`] over a row and hands each row here with its event key (for OCSF,
/// its `class_uid`), exactly as the JSON reader does.
pub struct RecordImporter<'s> {
    ctx: Ctx<'s>,
}

impl<'s> RecordImporter<'s> {
    /// Starts reading the source `name` of `format` into `sink`.
    pub fn new(
        format: Format,
        name: &Path,
        options: &'s ImportOptions,
        sink: &'s mut dyn ItemSink,
    ) -> Self {
        let report = FileReport::new(name);
        RecordImporter { ctx: Ctx { format, options, sink, report, stopped: false } }
    }

    /// Maps one record whose event key is `event`; false when the source must stop (the
    /// record cap, or the output failed).
    pub fn record(&mut self, event: &str, fields: &dyn Fields) -> bool {
        self.ctx.record(event, fields)
    }

    /// Reports a problem of the source (a row that could not be read).
    pub fn problem(&mut self, code: ProblemCode, location: Option<String>, message: String) {
        self.ctx.problem(code, location, message)
    }

    /// The source's report.
    pub fn finish(self) -> FileReport {
        self.ctx.report
    }
}

/// What an import gave: each input's report and each snapshot written.
#[derive(Clone, Debug, Serialize)]
pub struct ImportReport {
    /// The format read.
    pub format: Format,
    /// One report per input, in the order given.
    pub files: Vec<FileReport>,
    /// The snapshots written.
    pub snapshots: Vec<output::Written>,
    /// The kinds their headers name as collected ([`header_kinds`]).
    pub kinds: Vec<ItemKind>,
}

impl ImportReport {
    /// True when every input was read to its end without problems.
    pub fn clean(&self) -> bool {
        self.files.iter().all(|f| f.complete && f.problem_count == 0)
    }
}

/// Imports `inputs` of `format` into snapshots at `out` (see [`SnapshotOutput`] for the
/// layout). Fails only when the output cannot be written; every input problem is in the
/// report.
pub fn import(
    format: Format,
    inputs: &[PathBuf],
    options: &ImportOptions,
    out: &Path,
) -> Result<ImportReport, ImportError> {
    let mut output = SnapshotOutput::create(out)?;
    let mut files = Vec::with_capacity(inputs.len());
    for input in inputs {
        files.push(read_file(format, input, options, &mut output));
    }
    let seen: std::collections::BTreeSet<String> =
        files.iter().flat_map(|f| f.events.iter().cloned()).collect();
    let produced: std::collections::BTreeSet<ItemKind> =
        files.iter().flat_map(|f| f.items.keys().copied()).collect();
    let kinds = header_kinds(format, &seen, &produced);
    let snapshots = output.finish(&kinds)?;
    Ok(ImportReport { format, files, snapshots, kinds })
}

/// The kinds a snapshot header says were collected: everything the format can produce, except
/// for OCSF, where a dataset holds the classes its sources emit: an event kind counts when its
/// class was seen (`seen` event keys) in the import, an inventory or evidence kind (SystemInfo,
/// User, File, Process) only when some record produced one.
pub fn header_kinds(
    format: Format,
    seen: &std::collections::BTreeSet<String>,
    produced: &std::collections::BTreeSet<ItemKind>,
) -> Vec<ItemKind> {
    let collected = |m: &crate::terms::imports::Mapping| match format {
        Format::Ocsf if m.kind.is_event() => seen.contains(m.event),
        Format::Ocsf => produced.contains(&m.kind),
        _ => true,
    };
    let mut kinds: Vec<ItemKind> =
        crate::terms::imports::mappings(format).filter(|m| collected(m)).map(|m| m.kind).collect();
    kinds.sort();
    kinds.dedup();
    kinds
}

/// The terms of `kind` that no mapping of `format` fills: never evaluated on its items.
pub fn never_provided(format: Format, kind: ItemKind) -> Vec<Field> {
    let maps: Vec<_> = crate::terms::imports::mappings(format).filter(|m| m.kind == kind).collect();
    crate::terms::of_kind(kind)
        .map(|t| t.field)
        .filter(|f| !maps.iter().any(|m| m.rules.iter().any(|r| r.term == *f)))
        .collect()
}

/// An error and its causes, as one line (`a: b: c`).
pub(crate) fn error_chain(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        let more = s.to_string();
        if !text.contains(&more) {
            text.push_str(": ");
            text.push_str(&more);
        }
        source = s.source();
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn any_row_source_maps_through_the_same_table() {
        // A columnar row seen through flat dotted column names, as a Parquet reader would.
        let mut row = FlatFields::default();
        for (k, v) in [
            ("activity_id", "1"),
            ("time", "1733097600000"),
            ("device.uid", "i-1"),
            ("process.pid", "881"),
            ("process.name", "xmrig"),
        ] {
            row.push(k, v);
        }
        let options = ImportOptions::default();
        let mut sink: Vec<(Option<String>, Item)> = Vec::new();
        let mut importer =
            RecordImporter::new(Format::Ocsf, Path::new("rows"), &options, &mut sink);
        assert!(importer.record("1007", &row));
        let report = importer.finish();
        assert_eq!(report.items.get(&ItemKind::ProcessEvent), Some(&1));
        assert!(report.events.contains("1007"));
        let (host, item) = &sink[0];
        assert_eq!(host.as_deref(), Some("i-1"));
        assert_eq!(item.get(Field::ProcessEvPid), Some(&crate::item::Value::Int(881)));
    }
}
