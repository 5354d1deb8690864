//! [`ParquetWriter`]: items of hosts in host order, into one Parquet file per kind.

use super::schema::{kind_file_name, kind_schema, UTC};
use super::{kind_name, META_VERSION, VERSION};
use super::{HostHeader, Manifest, ParquetError, FORMAT, MANIFEST, META_FORMAT, META_KIND};
use crate::item::{Item, ItemKind, Value};
use crate::limits::{PARQUET_BATCH_ROWS, PARQUET_ROW_GROUP_BYTES, PARQUET_ROW_GROUP_ROWS};
use crate::terms::{self, Term, ValueType};
use arrow_array::builder::{
    ArrayBuilder, BooleanBuilder, Float64Builder, Int64Builder, ListBuilder, StringBuilder,
    TimestampMicrosecondBuilder,
};
use arrow_array::{ArrayRef, RecordBatch};
use arrow_schema::SchemaRef;
use parquet::arrow::ArrowWriter;
use parquet::basic::{Compression, ZstdLevel};
use parquet::file::metadata::KeyValue;
use parquet::file::properties::{EnabledStatistics, WriterProperties};
use parquet::schema::types::ColumnPath;
use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Writes a Parquet snapshot folder: hosts one after the other in host order
/// ([`ParquetWriter::begin_host`]), each host's items in any order ([`ParquetWriter::write`]).
///
/// Rows are buffered per kind and handed to the Parquet encoder every
/// [`PARQUET_BATCH_ROWS`]; row groups close at [`PARQUET_ROW_GROUP_ROWS`] rows or
/// [`PARQUET_ROW_GROUP_BYTES`], so memory stays bounded whatever the number of items.
/// Files are zstd-compressed, with page statistics, dictionary-encoded except the digest
/// columns (unique per row: a dictionary would only be built to be dropped).
/// [`ParquetWriter::finish`] writes `snapshot.json` last, so a folder without it was not
/// finished.
pub struct ParquetWriter {
    dir: PathBuf,
    hosts: Vec<HostHeader>,
    files: Vec<Option<KindFile>>,
}

impl std::fmt::Debug for ParquetWriter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ParquetWriter").field("dir", &self.dir).field("hosts", &self.hosts).finish()
    }
}

impl ParquetWriter {
    /// Starts a snapshot in folder `dir`, created if needed; a folder that already holds
    /// files is refused (stale kind files would mix with the new ones).
    pub fn create(dir: &Path) -> Result<Self, ParquetError> {
        std::fs::create_dir_all(dir).map_err(ParquetError::Write)?;
        let mut entries = std::fs::read_dir(dir).map_err(ParquetError::Write)?;
        if entries.next().is_some() {
            return Err(ParquetError::Write(io::Error::new(
                io::ErrorKind::AlreadyExists,
                format!(
                    "{}: the output folder is not empty",
                    crate::path_text::escape(dir.as_os_str())
                ),
            )));
        }
        Ok(ParquetWriter {
            dir: dir.to_path_buf(),
            hosts: Vec::new(),
            files: (0..ItemKind::COUNT).map(|_| None).collect(),
        })
    }

    /// The folder written.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Starts the next host. Hosts come in strictly increasing byte order (each file's rows
    /// are sorted by host); the header's kinds are what was collected on it.
    pub fn begin_host(&mut self, header: HostHeader) -> Result<(), ParquetError> {
        if let Some(last) = self.hosts.last() {
            if header.host.as_bytes() <= last.host.as_bytes() {
                return Err(invalid(format!(
                    "host `{}` comes after `{}`: hosts must be written in increasing order, \
                     each once",
                    header.host, last.host
                )));
            }
        }
        self.hosts.push(header);
        Ok(())
    }

    /// Appends one item of the current host.
    pub fn write(&mut self, item: &Item) -> Result<(), ParquetError> {
        let Some(host) = self.hosts.last() else {
            return Err(invalid("an item written before any host".into()));
        };
        let kind = item.kind();
        let slot = &mut self.files[kind.index()];
        if slot.is_none() {
            *slot = Some(KindFile::create(&self.dir, kind)?);
        }
        let Some(file) = slot.as_mut() else { unreachable!("created above") };
        file.push(&host.host, item).map_err(invalid)?;
        if file.rows >= PARQUET_BATCH_ROWS {
            file.flush_batch()?;
        }
        Ok(())
    }

    /// Closes every file (an empty one for a kind collected without items) and writes
    /// `snapshot.json`; returns it.
    pub fn finish(mut self) -> Result<Manifest, ParquetError> {
        let mut collected = [false; ItemKind::COUNT];
        for h in &self.hosts {
            h.kinds.iter().for_each(|k| collected[k.index()] = true);
        }
        for kind in ItemKind::ALL {
            let slot = &mut self.files[kind.index()];
            if slot.is_none() && collected[kind.index()] {
                *slot = Some(KindFile::create(&self.dir, kind)?);
            }
            if let Some(file) = slot.take() {
                file.close()?;
            }
        }
        let manifest = Manifest {
            format: FORMAT.to_owned(),
            version: VERSION,
            tool: crate::TOOL.to_owned(),
            hosts: std::mem::take(&mut self.hosts),
        };
        let mut text = serde_json::to_vec_pretty(&manifest).map_err(io::Error::other);
        if let Ok(text) = &mut text {
            text.push(b'\n');
        }
        let text = text.map_err(ParquetError::Write)?;
        let path = self.dir.join(MANIFEST);
        File::create(&path).and_then(|mut f| f.write_all(&text)).map_err(ParquetError::Write)?;
        Ok(manifest)
    }
}

fn invalid(message: String) -> ParquetError {
    ParquetError::Write(io::Error::new(io::ErrorKind::InvalidData, message))
}

/// One kind's file: the encoder and the rows not yet handed to it.
struct KindFile {
    writer: ArrowWriter<BufWriter<File>>,
    schema: SchemaRef,
    terms: Vec<&'static Term>,
    host: StringBuilder,
    time: TimestampMicrosecondBuilder,
    source: StringBuilder,
    columns: Vec<Column>,
    rows: usize,
}

impl KindFile {
    fn create(dir: &Path, kind: ItemKind) -> Result<Self, ParquetError> {
        let schema: SchemaRef = Arc::new(kind_schema(kind));
        let terms: Vec<&'static Term> = terms::of_kind(kind).collect();
        let meta = vec![
            KeyValue::new(META_FORMAT.to_owned(), FORMAT.to_owned()),
            KeyValue::new(META_VERSION.to_owned(), VERSION.to_string()),
            KeyValue::new(META_KIND.to_owned(), kind_name(kind).to_owned()),
        ];
        let level = ZstdLevel::try_new(3).map_err(|e| ParquetError::Write(io::Error::other(e)))?;
        let mut props = WriterProperties::builder()
            .set_compression(Compression::ZSTD(level))
            .set_statistics_enabled(EnabledStatistics::Page)
            .set_max_row_group_row_count(Some(PARQUET_ROW_GROUP_ROWS))
            .set_max_row_group_bytes(Some(PARQUET_ROW_GROUP_BYTES))
            .set_created_by(crate::TOOL.to_owned())
            .set_key_value_metadata(Some(meta));
        for t in terms.iter().filter(|t| t.ty.is_digest() && !t.many) {
            props =
                props.set_column_dictionary_enabled(ColumnPath::new(vec![t.name.into()]), false);
        }
        let path = dir.join(kind_file_name(kind));
        let file = File::create(&path).map_err(ParquetError::Write)?;
        let writer =
            ArrowWriter::try_new(BufWriter::new(file), schema.clone(), Some(props.build()))
                .map_err(|e| ParquetError::Write(io::Error::other(e)))?;
        Ok(KindFile {
            writer,
            schema,
            columns: terms.iter().map(|t| Column::new(t)).collect(),
            terms,
            host: StringBuilder::new(),
            time: TimestampMicrosecondBuilder::new().with_timezone(UTC),
            source: StringBuilder::new(),
            rows: 0,
        })
    }

    /// Appends one row; on a value its column cannot hold, nothing is appended.
    fn push(&mut self, host: &str, item: &Item) -> Result<(), String> {
        // Checked first, so that a bad value leaves every column as it was.
        let mut values = item.values().peekable();
        let mut row: Vec<Option<&Value>> = Vec::with_capacity(self.terms.len());
        for (t, c) in self.terms.iter().zip(&self.columns) {
            let v = values.next_if(|(f, _)| *f == t.field).map(|(_, v)| v);
            if let Some(v) = v {
                c.check(t, v)?;
            }
            row.push(v);
        }
        self.host.append_value(host);
        let record = item.record();
        self.time.append_option(record.and_then(|r| r.time).map(|t| t.timestamp_micros()));
        self.source.append_option(record.and_then(|r| r.source.as_deref()));
        for (c, v) in self.columns.iter_mut().zip(row) {
            c.append(v);
        }
        self.rows += 1;
        Ok(())
    }

    fn flush_batch(&mut self) -> Result<(), ParquetError> {
        if self.rows == 0 {
            return Ok(());
        }
        let mut arrays: Vec<ArrayRef> = vec![
            Arc::new(self.host.finish()),
            Arc::new(self.time.finish()),
            Arc::new(self.source.finish()),
        ];
        arrays.extend(self.columns.iter_mut().map(Column::finish));
        self.rows = 0;
        let batch = RecordBatch::try_new(self.schema.clone(), arrays)
            .map_err(|e| ParquetError::Write(io::Error::other(e)))?;
        let err = |e: parquet::errors::ParquetError| ParquetError::Write(io::Error::other(e));
        self.writer.write(&batch).map_err(err)?;
        if self.writer.in_progress_size() >= PARQUET_ROW_GROUP_BYTES {
            self.writer.flush().map_err(err)?;
        }
        Ok(())
    }

    fn close(mut self) -> Result<(), ParquetError> {
        self.flush_batch()?;
        let out = self.writer.into_inner().map_err(|e| ParquetError::Write(io::Error::other(e)))?;
        out.into_inner()
            .map_err(|e| ParquetError::Write(e.into_error()))?
            .sync_all()
            .map_err(ParquetError::Write)
    }
}

/// The rows of one term column not yet handed to the encoder.
enum Column {
    Str(StringBuilder),
    Int(Int64Builder),
    Bool(BooleanBuilder),
    Date(TimestampMicrosecondBuilder),
    Float(Float64Builder),
    StrList(ListBuilder<StringBuilder>),
    IntList(ListBuilder<Int64Builder>),
    BoolList(ListBuilder<BooleanBuilder>),
    DateList(ListBuilder<TimestampMicrosecondBuilder>),
    FloatList(ListBuilder<Float64Builder>),
}

fn date_builder() -> TimestampMicrosecondBuilder {
    TimestampMicrosecondBuilder::new().with_timezone(UTC)
}

impl Column {
    fn new(term: &Term) -> Self {
        match (term.many, term.ty) {
            (false, ValueType::Int) => Column::Int(Int64Builder::new()),
            (false, ValueType::Bool) => Column::Bool(BooleanBuilder::new()),
            (false, ValueType::Date) => Column::Date(date_builder()),
            (false, ValueType::Float) => Column::Float(Float64Builder::new()),
            (false, _) => Column::Str(StringBuilder::new()),
            (true, ValueType::Int) => Column::IntList(ListBuilder::new(Int64Builder::new())),
            (true, ValueType::Bool) => Column::BoolList(ListBuilder::new(BooleanBuilder::new())),
            (true, ValueType::Date) => Column::DateList(ListBuilder::new(date_builder())),
            (true, ValueType::Float) => Column::FloatList(ListBuilder::new(Float64Builder::new())),
            (true, _) => Column::StrList(ListBuilder::new(StringBuilder::new())),
        }
    }

    /// Whether the column holds `v`, as the JSON form would read it back: a scalar of the
    /// term's type, or for a list term a list of them (a sub-list column's `[]` entries
    /// being elements without a value).
    fn check(&self, term: &Term, v: &Value) -> Result<(), String> {
        let scalar_ok = |v: &Value| match (self, v) {
            (Column::Str(_) | Column::StrList(_), Value::Str(_)) => term.ty != ValueType::Ip,
            (Column::Str(_) | Column::StrList(_), Value::Ip(_)) => term.ty == ValueType::Ip,
            (Column::Int(_) | Column::IntList(_), Value::Int(_))
            | (Column::Bool(_) | Column::BoolList(_), Value::Bool(_))
            | (Column::Date(_) | Column::DateList(_), Value::Date(_))
            | (Column::Float(_) | Column::FloatList(_), Value::Float(_)) => true,
            (_, Value::List(empty)) => term.many && term.element.is_some() && empty.is_empty(),
            _ => false,
        };
        let ok = match v {
            Value::List(list) if term.many => list.iter().all(scalar_ok),
            _ if term.many => false,
            Value::List(_) => false,
            one => scalar_ok(one),
        };
        if ok {
            Ok(())
        } else {
            Err(format!("`{}`: the value {v} is not of the term's type", term.name))
        }
    }

    /// Appends a value [`Column::check`] accepted, or a null.
    fn append(&mut self, v: Option<&Value>) {
        match self {
            Column::Str(b) => b.append_option(v.map(text)),
            Column::Int(b) => b.append_option(v.and_then(int)),
            Column::Bool(b) => b.append_option(v.and_then(boolean)),
            Column::Date(b) => b.append_option(v.and_then(micros)),
            Column::Float(b) => b.append_option(v.and_then(float)),
            Column::StrList(b) => {
                append_list(b, v, |b, e| b.append_option(entry(e, |v| Some(text(v)))))
            }
            Column::IntList(b) => append_list(b, v, |b, e| b.append_option(entry(e, int))),
            Column::BoolList(b) => append_list(b, v, |b, e| b.append_option(entry(e, boolean))),
            Column::DateList(b) => append_list(b, v, |b, e| b.append_option(entry(e, micros))),
            Column::FloatList(b) => append_list(b, v, |b, e| b.append_option(entry(e, float))),
        }
    }

    fn finish(&mut self) -> ArrayRef {
        match self {
            Column::Str(b) => Arc::new(b.finish()),
            Column::Int(b) => Arc::new(b.finish()),
            Column::Bool(b) => Arc::new(b.finish()),
            Column::Date(b) => Arc::new(b.finish()),
            Column::Float(b) => Arc::new(b.finish()),
            Column::StrList(b) => Arc::new(b.finish()),
            Column::IntList(b) => Arc::new(b.finish()),
            Column::BoolList(b) => Arc::new(b.finish()),
            Column::DateList(b) => Arc::new(b.finish()),
            Column::FloatList(b) => Arc::new(b.finish()),
        }
    }
}

fn append_list<B: ArrayBuilder>(
    b: &mut ListBuilder<B>,
    v: Option<&Value>,
    push: impl Fn(&mut B, &Value),
) {
    match v {
        Some(Value::List(list)) => {
            list.iter().for_each(|e| push(b.values(), e));
            b.append(true);
        }
        _ => b.append(false),
    }
}

/// A list entry: `[]` (a sub-list element without a value) is a null.
fn entry<T>(v: &Value, get: impl Fn(&Value) -> Option<T>) -> Option<T> {
    match v {
        Value::List(_) => None,
        one => get(one),
    }
}

/// Strings as they are; addresses in their canonical text (`Value`'s `Display`).
fn text(v: &Value) -> String {
    match v {
        Value::Str(s) => s.clone(),
        other => other.to_string(),
    }
}

fn int(v: &Value) -> Option<i64> {
    match v {
        Value::Int(n) => Some(*n),
        _ => None,
    }
}

fn float(v: &Value) -> Option<f64> {
    match v {
        Value::Float(x) => Some(*x),
        _ => None,
    }
}

fn boolean(v: &Value) -> Option<bool> {
    match v {
        Value::Bool(b) => Some(*b),
        _ => None,
    }
}

/// Dates at microsecond precision (finer digits are dropped, rounding toward the past).
fn micros(v: &Value) -> Option<i64> {
    match v {
        Value::Date(d) => Some(d.timestamp_micros()),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::terms::Field;

    #[test]
    fn values_that_do_not_fit_their_column_are_refused_whole() {
        let dir = tempfile::tempdir().expect("tempdir");
        let mut w = ParquetWriter::create(&dir.path().join("s")).expect("create");
        let header = HostHeader {
            host: "h".into(),
            time: "t".into(),
            tool: "t".into(),
            kinds: vec![ItemKind::User],
        };
        assert!(w.write(&Item::new(ItemKind::User)).is_err(), "no host yet");
        w.begin_host(header).expect("host");
        let mistyped = Item::new(ItemKind::User)
            .with(Field::UserUsername, "alice")
            .with(Field::UserUserid, "not a number");
        let err = w.write(&mistyped).expect_err("mistyped");
        assert!(err.to_string().contains("UserItem/userid"), "{err}");
        let scalar_list = Item::new(ItemKind::User).with(Field::UserGroupList, "wheel");
        assert!(w.write(&scalar_list).is_err(), "a list term takes a list");
        let bad_entry =
            Item::new(ItemKind::User).with(Field::UserGroupList, vec![Value::List(vec![])]);
        assert!(w.write(&bad_entry).is_err(), "`[]` entries are for sub-list columns only");
        let good = Item::new(ItemKind::User).with(Field::UserUsername, "bob");
        w.write(&good).expect("good");
        let file = w.files[ItemKind::User.index()].as_ref().expect("file");
        assert_eq!(file.rows, 1, "refused items appended nothing");
        let handles = Item::new(ItemKind::Process)
            .with(Field::ProcessHandleName, vec![Value::from("/etc/passwd"), Value::List(vec![])]);
        w.write(&handles).expect("an element without a value");
    }
}
