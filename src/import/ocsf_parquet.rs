//! OCSF events stored as Parquet (Amazon Security Lake and other lakes): one event per row,
//! OCSF objects as struct columns, arrays as list columns.
//!
//! Each row is a [`Fields`] view over the Arrow arrays (a `Row`), so the OCSF mapping table
//! applies unchanged: `process.file.path` walks the struct columns, `user.groups[].name` a
//! list of structs, `process.file.hashes[algorithm_id=1].value` selects elements. Only the
//! top-level columns some mapping path starts with are read (a lake table has hundreds).
//! The footer and every column chunk are checked against the file and the Parquet limits
//! before decoding ([`crate::snapshot::parquet`]'s checks), a decoder panic is caught, and a
//! damaged row group ends the file with what was read so far kept. Timestamps become epoch
//! milliseconds, OCSF's `timestamp_t`. Rows an engine already decoded (Spark's Arrow
//! batches) go through the same rows and mapping with [`read_batches`], which hands no item
//! of a row without a host on. Nothing here knows a term (that is the mapping's), and
//! nothing here evaluates IOCs.

use super::fields::{Fields, Scalar};
use super::{Ctx, ProblemCode};
use crate::snapshot::parquet::read::{check_chunks, check_footer, check_tail, guarded};
use arrow_array::cast::AsArray;
use arrow_array::types::{
    Int16Type, Int32Type, Int64Type, Int8Type, TimestampMicrosecondType, TimestampMillisecondType,
    TimestampNanosecondType, TimestampSecondType, UInt16Type, UInt32Type, UInt64Type, UInt8Type,
};
use arrow_array::{Array, RecordBatch, StructArray};
use arrow_schema::{DataType, TimeUnit};
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use parquet::arrow::ProjectionMask;
use parquet::file::reader::ChunkReader;
use std::borrow::Cow;
use std::fs::File;

/// Rows decoded at a time: bounds the memory of one batch with the chunk limit.
const BATCH_ROWS: usize = 8192;

/// True when `head` (a file's first bytes) is a Parquet file's magic.
pub(crate) fn is_parquet(head: &[u8]) -> bool {
    head.starts_with(b"PAR1")
}

/// Reads the OCSF events of the Parquet file `file`.
pub(crate) fn read(mut file: File, ctx: &mut Ctx<'_>) {
    match check_footer(&mut file) {
        Ok(len) => read_source(file, len, ctx),
        Err(e) => ctx.fail(ProblemCode::NotFormat, e),
    }
}

/// Reads the OCSF events of a Parquet file held in memory.
pub(crate) fn read_bytes(data: &[u8], ctx: &mut Ctx<'_>) {
    let len = data.len() as u64;
    let tail: [u8; 8] = match data.len().checked_sub(8).map(|at| data[at..].try_into()) {
        Some(Ok(tail)) => tail,
        _ => return ctx.fail(ProblemCode::NotFormat, format!("{len} bytes: too short")),
    };
    match check_tail(len, &tail) {
        Ok(()) => read_source(bytes::Bytes::copy_from_slice(data), len, ctx),
        Err(e) => ctx.fail(ProblemCode::NotFormat, e),
    }
}

fn read_source<T: ChunkReader + 'static>(source: T, file_len: u64, ctx: &mut Ctx<'_>) {
    let builder = match guarded(|| ParquetRecordBatchReaderBuilder::try_new(source)) {
        Ok(Ok(builder)) => builder,
        Ok(Err(e)) => return ctx.fail(ProblemCode::NotFormat, format!("not Parquet: {e}")),
        Err(e) => return ctx.fail(ProblemCode::NotFormat, e),
    };
    let wanted = columns();
    let roots: Vec<usize> = builder
        .schema()
        .fields()
        .iter()
        .enumerate()
        .filter(|(_, f)| wanted.contains(&f.name().as_str()))
        .map(|(i, _)| i)
        .collect();
    let descr = builder.parquet_schema();
    let leaves: Vec<usize> = (0..descr.num_columns())
        .filter(|&l| roots.contains(&descr.get_column_root_idx(l)))
        .collect();
    if let Err(e) = check_chunks(builder.metadata(), &leaves, file_len) {
        return ctx.fail(ProblemCode::NotFormat, e);
    }
    let mask = ProjectionMask::roots(descr, roots.iter().copied());
    let reader = match guarded(|| builder.with_projection(mask).with_batch_size(BATCH_ROWS).build())
    {
        Ok(Ok(reader)) => reader,
        Ok(Err(e)) => return ctx.fail(ProblemCode::NotFormat, e.to_string()),
        Err(e) => return ctx.fail(ProblemCode::NotFormat, e),
    };
    let mut reader = reader.into_iter();
    let mut row: u64 = 0;
    loop {
        let batch = match guarded(|| reader.next()) {
            Ok(None) => return,
            Ok(Some(Ok(batch))) => batch,
            Ok(Some(Err(e))) => {
                let at = Some(format!("row {}", row + 1));
                return ctx.truncated(at, format!("{e}: the rest of the file was skipped"));
            }
            Err(e) => {
                let at = Some(format!("row {}", row + 1));
                return ctx.truncated(at, format!("{e}: the rest of the file was skipped"));
            }
        };
        if !rows(&batch, &mut row, ctx, None) {
            return;
        }
    }
}

/// The top-level columns of an OCSF table the import reads: `class_uid` and the first
/// segment of every path the OCSF mappings, the host fields and the time fields read
/// (`process` for `process.file.path`), sorted. Every other column of a lake table is
/// ignored, so a reader may project to these before handing rows over.
pub fn columns() -> &'static [&'static str] {
    static COLUMNS: std::sync::OnceLock<Vec<&'static str>> = std::sync::OnceLock::new();
    COLUMNS.get_or_init(|| {
        let needed = super::needed_paths(super::Format::Ocsf);
        let mut roots: Vec<&'static str> = needed.iter().map(|p| root_of(p)).collect();
        roots.push("class_uid");
        roots.sort_unstable();
        roots.dedup();
        roots
    })
}

/// Every source path the OCSF import reads (`class_uid`, `process.file.path`,
/// `process.file.hashes[algorithm_id=1].value`, ...), sorted: what [`columns`] lists the
/// roots of. An engine that decodes nested columns itself may prune its read schema to the
/// struct members these paths name (and, in a `[key=value]` segment, the key) and hand the
/// rows over: they map exactly as the whole rows do, since no other member is read.
pub fn paths() -> &'static [&'static str] {
    static PATHS: std::sync::OnceLock<Vec<&'static str>> = std::sync::OnceLock::new();
    PATHS.get_or_init(|| {
        let mut paths: Vec<&'static str> =
            super::needed_paths(super::Format::Ocsf).iter().copied().collect();
        paths.push("class_uid");
        paths.sort_unstable();
        paths.dedup();
        paths
    })
}

/// Maps every row of OCSF event batches already in memory (a lake table's rows, as a
/// Parquet reader or an engine such as Spark decoded them: struct and list columns, any
/// other columns ignored) exactly as an import of the same rows from a file does, and hands
/// each item to `sink` with its host (`device.uid`, else `device.hostname`, as the import
/// decides it). There is no default host: a row that names none and maps to an item is a
/// [`ProblemCode::BadRecord`] problem and its item is handed to no host. Columns of
/// unexpected types are read as absent values (their terms not evaluated), never cast
/// unchecked. Rows are numbered from 1 over all the batches (`row 3`), as in a file. Never
/// fails: the report says what was read, skipped and refused.
pub fn read_batches(batches: &[RecordBatch], sink: &mut dyn super::ItemSink) -> super::FileReport {
    let dropped = std::cell::Cell::new(0u64);
    let mut hosted = Hosted { inner: sink, dropped: &dropped };
    let options = super::ImportOptions::default();
    let report = super::FileReport::new(std::path::Path::new(""));
    let mut ctx = Ctx {
        format: super::Format::Ocsf,
        options: &options,
        sink: &mut hosted,
        report,
        stopped: false,
    };
    let mut row: u64 = 0;
    for batch in batches {
        if !rows(batch, &mut row, &mut ctx, Some(&dropped)) {
            break;
        }
    }
    ctx.report
}

/// Hands on the items of rows that name a host, and counts the others (which must never
/// be merged into another host's items).
struct Hosted<'s, 'c> {
    inner: &'s mut dyn super::ItemSink,
    dropped: &'c std::cell::Cell<u64>,
}

impl super::ItemSink for Hosted<'_, '_> {
    fn put(&mut self, host: Option<&str>, item: crate::item::Item) -> std::io::Result<()> {
        match host {
            Some(host) => self.inner.put(Some(host), item),
            None => {
                self.dropped.set(self.dropped.get() + 1);
                Ok(())
            }
        }
    }
}

/// Maps every row of `batch`; false to stop. With `unhosted` (the items [`Hosted`] handed
/// to no host so far), a row whose item found no host is a problem of its own.
fn rows(
    batch: &RecordBatch,
    row: &mut u64,
    ctx: &mut Ctx<'_>,
    unhosted: Option<&std::cell::Cell<u64>>,
) -> bool {
    let table = StructArray::from(batch.clone());
    let columns = Columns::new(&table);
    for i in 0..batch.num_rows() {
        *row += 1;
        let before = unhosted.map(std::cell::Cell::get);
        let event = Row { columns: &columns, row: i };
        let go_on = super::ocsf::record(&event, format!("row {row}"), ctx);
        if unhosted.map(std::cell::Cell::get) != before {
            let message = "names no host (no `device.uid` nor `device.hostname`): its item was \
                           given to no host"
                .to_owned();
            ctx.problem(ProblemCode::BadRecord, Some(format!("row {row}")), message);
        }
        if !go_on || ctx.stopped() {
            return false;
        }
    }
    true
}

/// The first segment's name of a mapping path (`process` of `process.file.path`,
/// `user` of `user.groups[].name`).
fn root_of(path: &str) -> &str {
    let end = path.find(['.', '[']).unwrap_or(path.len());
    &path[..end]
}

/// The arrays a member path passes through ([`Columns::with_chain`]).
type Chain<'a> = Box<[&'a dyn Array]>;

/// A batch of OCSF events, with the columns of its member paths found once.
///
/// Every row is read by the same few hundred mapping paths, and a path of struct members
/// (`process.file.path`) leads to the same child arrays in every row of a batch: resolving
/// it by name for each row was most of an import's time (measured with perf). So a path
/// without list segments is resolved once per batch to its chain of arrays (`None` when
/// the batch lacks it); a row then only checks that chain's nulls. Paths through lists
/// (`user.groups[].name`) depend on the row, and are walked for each.
pub(crate) struct Columns<'a> {
    table: &'a StructArray,
    resolved: std::cell::RefCell<ahash::AHashMap<String, Option<Chain<'a>>>>,
}

impl<'a> Columns<'a> {
    fn new(table: &'a StructArray) -> Self {
        Columns { table, resolved: Default::default() }
    }

    /// Calls `f` with the arrays `path` passes through, the table's child first and the
    /// value's last (`None`: the batch has no such path), resolved on the first call for the
    /// path. Only for paths without list segments.
    fn with_chain<R>(&self, path: &str, f: impl FnOnce(Option<&[&'a dyn Array]>) -> R) -> R {
        if let Some(chain) = self.resolved.borrow().get(path) {
            return f(chain.as_deref());
        }
        let mut chain: Vec<&'a dyn Array> = Vec::new();
        let mut current: &'a dyn Array = self.table;
        for segment in path.split('.') {
            let Some(child) =
                current.as_struct_opt().and_then(|members| members.column_by_name(segment))
            else {
                self.resolved.borrow_mut().insert(path.to_owned(), None);
                return f(None);
            };
            current = child.as_ref();
            chain.push(current);
        }
        let out = f(Some(&chain));
        self.resolved.borrow_mut().insert(path.to_owned(), Some(chain.into_boxed_slice()));
        out
    }

    /// The scalars at `path` in row `i`, at most `limit` (as [`walk`] gives them).
    fn values(&self, i: usize, path: &str, limit: usize) -> Vec<Scalar<'a>> {
        let mut out = Vec::with_capacity(1);
        if path.contains('[') {
            walk(self.table, i, Some(path), &mut out, limit);
            return out;
        }
        self.with_chain(path, |chain| {
            let Some(chain) = chain else { return };
            if chain.iter().any(|array| array.is_null(i)) {
                return;
            }
            if let Some(last) = chain.last() {
                walk(*last, i, None, &mut out, limit);
            }
        });
        out
    }
}

/// One row of a batch of OCSF events, read by path.
pub(crate) struct Row<'c, 'a> {
    columns: &'c Columns<'a>,
    row: usize,
}

impl Fields for Row<'_, '_> {
    fn get(&self, path: &str) -> Option<Scalar<'_>> {
        self.columns.values(self.row, path, 1).pop()
    }

    fn get_all(&self, path: &str) -> Vec<Scalar<'_>> {
        self.columns.values(self.row, path, crate::limits::MAX_IMPORT_LIST_VALUES)
    }
}

/// Collects the scalars at `path` below element `i` of `array` into `out`, stopping after
/// `limit`: the Arrow twin of the JSON walk in [`super::fields`], with the same segments.
fn walk<'a>(
    array: &'a dyn Array,
    i: usize,
    path: Option<&str>,
    out: &mut Vec<Scalar<'a>>,
    limit: usize,
) {
    if out.len() >= limit || array.is_null(i) {
        return;
    }
    let Some(path) = path else {
        // At the end of the path: a scalar, or the scalars of a list (as JSON arrays are).
        match list_range(array, i) {
            Some((values, range)) => {
                for j in range {
                    if out.len() >= limit {
                        return;
                    }
                    out.extend(scalar(values, j));
                }
            }
            None => out.extend(scalar(array, i)),
        }
        return;
    };
    let (segment, rest) = match path.split_once('.') {
        Some((segment, rest)) => (segment, Some(rest)),
        None => (path, None),
    };
    let Some(members) = array.as_struct_opt() else { return };
    match segment.split_once('[') {
        None => {
            if let Some(child) = members.column_by_name(segment) {
                walk(child.as_ref(), i, rest, out, limit);
            }
        }
        Some((name, inner)) => {
            let inner = inner.strip_suffix(']').unwrap_or(inner);
            let Some(child) = members.column_by_name(name) else { return };
            let Some((values, range)) = list_range(child.as_ref(), i) else { return };
            for j in range {
                if values.is_null(j) {
                    continue;
                }
                let keep = match inner.split_once('=') {
                    None => true,
                    Some((key, want)) => {
                        let mut found = Vec::with_capacity(1);
                        walk(values, j, Some(key), &mut found, 1);
                        found.pop().is_some_and(|s| s.text() == want)
                    }
                };
                if keep {
                    walk(values, j, rest, out, limit);
                }
            }
        }
    }
}

/// The values array and the element range of the list at `i` (`None`: not a list).
fn list_range(array: &dyn Array, i: usize) -> Option<(&dyn Array, std::ops::Range<usize>)> {
    if let Some(list) = array.as_list_opt::<i32>() {
        let offsets = list.value_offsets();
        let range = offsets[i] as usize..offsets[i + 1] as usize;
        return Some((list.values().as_ref(), range));
    }
    if let Some(list) = array.as_list_opt::<i64>() {
        let offsets = list.value_offsets();
        let range = offsets[i] as usize..offsets[i + 1] as usize;
        return Some((list.values().as_ref(), range));
    }
    None
}

/// The scalar at `i` of a primitive or text array (`None`: null, or not a scalar type).
fn scalar(array: &dyn Array, i: usize) -> Option<Scalar<'_>> {
    if array.is_null(i) {
        return None;
    }
    let int = |n: i64| Some(Scalar::Int(n));
    match array.data_type() {
        DataType::Utf8 => Some(Scalar::Str(Cow::Borrowed(array.as_string::<i32>().value(i)))),
        DataType::LargeUtf8 => Some(Scalar::Str(Cow::Borrowed(array.as_string::<i64>().value(i)))),
        DataType::Utf8View => Some(Scalar::Str(Cow::Borrowed(array.as_string_view().value(i)))),
        DataType::Boolean => Some(Scalar::Bool(array.as_boolean().value(i))),
        DataType::Int8 => int(array.as_primitive::<Int8Type>().value(i).into()),
        DataType::Int16 => int(array.as_primitive::<Int16Type>().value(i).into()),
        DataType::Int32 => int(array.as_primitive::<Int32Type>().value(i).into()),
        DataType::Int64 => int(array.as_primitive::<Int64Type>().value(i)),
        DataType::UInt8 => int(array.as_primitive::<UInt8Type>().value(i).into()),
        DataType::UInt16 => int(array.as_primitive::<UInt16Type>().value(i).into()),
        DataType::UInt32 => int(array.as_primitive::<UInt32Type>().value(i).into()),
        DataType::UInt64 => {
            let n = array.as_primitive::<UInt64Type>().value(i);
            i64::try_from(n).map_or_else(|_| Some(Scalar::Str(Cow::Owned(n.to_string()))), int)
        }
        DataType::Float32 => Some(Scalar::Float(
            array.as_primitive::<arrow_array::types::Float32Type>().value(i).into(),
        )),
        DataType::Float64 => {
            Some(Scalar::Float(array.as_primitive::<arrow_array::types::Float64Type>().value(i)))
        }
        // OCSF times are epoch milliseconds.
        DataType::Timestamp(unit, _) => int(match unit {
            TimeUnit::Second => {
                array.as_primitive::<TimestampSecondType>().value(i).saturating_mul(1000)
            }
            TimeUnit::Millisecond => array.as_primitive::<TimestampMillisecondType>().value(i),
            TimeUnit::Microsecond => {
                array.as_primitive::<TimestampMicrosecondType>().value(i) / 1000
            }
            TimeUnit::Nanosecond => {
                array.as_primitive::<TimestampNanosecondType>().value(i) / 1_000_000
            }
        }),
        DataType::Dictionary(_, _) => {
            let (values, key) = dictionary_key(array, i)?;
            scalar(values, key)
        }
        _ => None,
    }
}

/// The values and the key at `i` of a dictionary-encoded array (lake tables encode
/// repeated strings so).
fn dictionary_key(array: &dyn Array, i: usize) -> Option<(&dyn Array, usize)> {
    macro_rules! keyed {
        ($($t:ty),*) => {$(
            if let Some(d) = array.as_dictionary_opt::<$t>() {
                // A key past the values (an array built without validation) reads as absent.
                return usize::try_from(d.keys().value(i))
                    .ok()
                    .filter(|&k| k < d.values().len())
                    .map(|k| (d.values().as_ref(), k));
            }
        )*};
    }
    keyed!(
        Int8Type, Int16Type, Int32Type, Int64Type, UInt8Type, UInt16Type, UInt32Type, UInt64Type
    );
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use arrow_array::builder::{ListBuilder, StringBuilder, StructBuilder};
    use arrow_array::{ArrayRef, Int32Array, Int64Array, StringArray};
    use arrow_schema::{Field, Fields as ArrowFields};
    use std::sync::Arc;

    /// Two events: `process.file.path`, `process.pid`, `device.ip` (a list) and
    /// `user.groups[].name` (a list of structs).
    fn table() -> StructArray {
        let path: ArrayRef = Arc::new(StringArray::from(vec![Some("/bin/sh"), None]));
        let pid: ArrayRef = Arc::new(Int32Array::from(vec![7, 8]));
        let file =
            StructArray::from(vec![(Arc::new(Field::new("path", DataType::Utf8, true)), path)]);
        let process = StructArray::from(vec![
            (
                Arc::new(Field::new("file", file.data_type().clone(), true)),
                Arc::new(file) as ArrayRef,
            ),
            (Arc::new(Field::new("pid", DataType::Int32, true)), pid),
        ]);
        let mut ips = ListBuilder::new(StringBuilder::new());
        ips.values().append_value("10.0.0.1");
        ips.values().append_value("10.0.0.2");
        ips.append(true);
        ips.append(false);
        let group_fields = ArrowFields::from(vec![Field::new("name", DataType::Utf8, true)]);
        let mut groups = ListBuilder::new(StructBuilder::from_fields(group_fields, 2));
        for name in ["wheel", "users"] {
            let s = groups.values();
            s.field_builder::<StringBuilder>(0).expect("name").append_value(name);
            s.append(true);
        }
        groups.append(true);
        groups.append(true);
        let ips = ips.finish();
        let groups = groups.finish();
        let user = StructArray::from(vec![(
            Arc::new(Field::new("groups", groups.data_type().clone(), true)),
            Arc::new(groups) as ArrayRef,
        )]);
        let device = StructArray::from(vec![(
            Arc::new(Field::new("ip", ips.data_type().clone(), true)),
            Arc::new(ips) as ArrayRef,
        )]);
        let class: ArrayRef = Arc::new(Int64Array::from(vec![1007, 1007]));
        // A struct null in the second row over a child that holds a value there.
        let mut actor =
            StructBuilder::from_fields(vec![Field::new("name", DataType::Utf8, true)], 2);
        for (name, valid) in [("a", true), ("b", false)] {
            actor.field_builder::<StringBuilder>(0).expect("name").append_value(name);
            actor.append(valid);
        }
        let actor = actor.finish();
        StructArray::from(vec![
            (
                Arc::new(Field::new("actor", actor.data_type().clone(), true)),
                Arc::new(actor) as ArrayRef,
            ),
            (Arc::new(Field::new("class_uid", DataType::Int64, true)), class),
            (
                Arc::new(Field::new("process", process.data_type().clone(), true)),
                Arc::new(process) as ArrayRef,
            ),
            (
                Arc::new(Field::new("device", device.data_type().clone(), true)),
                Arc::new(device) as ArrayRef,
            ),
            (
                Arc::new(Field::new("user", user.data_type().clone(), true)),
                Arc::new(user) as ArrayRef,
            ),
        ])
    }

    #[test]
    fn rows_read_structs_lists_and_nulls_as_json_paths_do() {
        let table = table();
        let columns = Columns::new(&table);
        let first = Row { columns: &columns, row: 0 };
        assert_eq!(first.get("class_uid"), Some(Scalar::Int(1007)));
        assert_eq!(first.get("process.file.path").expect("path").text(), "/bin/sh");
        assert_eq!(first.get("process.pid"), Some(Scalar::Int(7)));
        assert_eq!(first.get("device.ip").expect("first ip").text(), "10.0.0.1");
        let groups: Vec<String> =
            first.get_all("user.groups[].name").iter().map(|s| s.text().into_owned()).collect();
        assert_eq!(groups, ["wheel", "users"]);
        assert_eq!(first.get("user.groups[name=users].name").expect("select").text(), "users");
        assert_eq!(first.get("user.groups[name=root].name"), None);
        let second = Row { columns: &columns, row: 1 };
        assert_eq!(second.get("process.file.path"), None, "null");
        assert_eq!(second.get("device.ip"), None, "null list");
        assert_eq!(second.get("process.nothing"), None);
        assert_eq!(first.get("actor.name").expect("name").text(), "a");
        assert_eq!(second.get("actor.name"), None, "a null struct hides its members");
        assert_eq!(second.get("process.pid.deeper"), None, "a scalar has no members");
    }

    #[test]
    fn roots_of_paths() {
        assert_eq!(root_of("process.file.path"), "process");
        assert_eq!(root_of("user.groups[].name"), "user");
        assert_eq!(root_of("class_uid"), "class_uid");
        assert!(is_parquet(b"PAR1\x15\x04") && !is_parquet(b"{\"class_uid\""));
    }
}
