//! One Arrow [`RecordBatch`] of one host's items of one kind, evaluated by a [`HostScan`].
//!
//! For callers that hold items as Arrow data already (the Python package hands a `pyarrow`
//! table over). The columns are those of a Parquet snapshot's file ([`super`]): one per
//! catalogue term of the kind, named exactly as the term (`FileItem/Sha256sum`); the record
//! fields `time` and `source`; and an optional `host`. A term without a column, or a null,
//! is a value not known (its conditions are not evaluated). The column types a Python user
//! produces are taken, not only those iocscan writes: any string encoding (Utf8, LargeUtf8,
//! Utf8View, dictionaries of strings with any integer keys), any integer width, Float32/64,
//! Boolean, timestamps of any unit and zone, Date32/Date64 (midnight UTC), lists (List,
//! LargeList) of those for terms holding many values, and columns of nulls only.
//!
//! Rows become items by the Parquet reader's own conversion (so both give the same items),
//! a bounded number at a time. A column of a term of a type its term does not take, and a
//! `host` other than the scan's, refuse the whole batch before anything is evaluated; a bad
//! row (an address that does not parse, a value over a cap) is reported and skipped.
//! This module reads no file and decides nothing about IOCs.

use super::read::{text_at, Rows};
use super::schema::{is_text, is_time, kind_name, unfit, HOST, SOURCE, TIME};
use crate::eval::{HostScan, PartialError};
use crate::item::{Item, ItemKind};
use crate::limits::{MAX_REPORTED_SNAPSHOT_ERRORS, PARQUET_BATCH_ROWS};
use crate::terms::{self, Term};
use arrow_array::RecordBatch;
use arrow_schema::DataType;

/// Why a batch was refused (nothing of it was evaluated). [`BatchError::code`] is stable.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum BatchError {
    /// The `host` column names another host than the scan's: items of two hosts never
    /// meet in one evaluation.
    #[error(transparent)]
    Host(#[from] PartialError),
    /// A column cannot be read: a term's column (or `host`, `time`, `source`) of a type that
    /// does not hold its values, or a column that appears twice.
    #[error("column `{column}` ({data_type}): {message}")]
    Column {
        /// The column name.
        column: String,
        /// Its Arrow type, as Arrow prints it.
        data_type: String,
        /// What is wrong.
        message: String,
    },
}

impl BatchError {
    /// A stable, machine-readable code: `partial-wrong-host` for another host,
    /// `batch-column` for an unusable column.
    pub fn code(&self) -> &'static str {
        match self {
            BatchError::Host(e) => e.code(),
            BatchError::Column { .. } => "batch-column",
        }
    }
}

/// A row skipped: why, and where.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RowProblem {
    /// The row's index in the batch, from 0 (as pyarrow and pandas index rows).
    pub row: usize,
    /// Why it was skipped.
    pub message: String,
}

/// A column read as nothing: not a catalogue term, a term of another kind, or spelled
/// otherwise than the catalogue.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IgnoredColumn {
    /// The column name.
    pub column: String,
    /// Why it is ignored.
    pub reason: String,
}

/// What became of a batch.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct BatchReport {
    /// Rows in the batch.
    pub rows: usize,
    /// Rows evaluated as items.
    pub added: usize,
    /// Rows skipped as bad (may exceed `problems.len()`).
    pub skipped: usize,
    /// Why rows were skipped, the first [`MAX_REPORTED_SNAPSHOT_ERRORS`].
    pub problems: Vec<RowProblem>,
    /// Columns ignored, in batch order.
    pub ignored: Vec<IgnoredColumn>,
}

/// Where the columns a batch is read from are.
struct Layout {
    host: Option<usize>,
    time: Option<usize>,
    source: Option<usize>,
    /// The term columns the scan's ruleset reads.
    terms: Vec<(usize, &'static Term)>,
    ignored: Vec<IgnoredColumn>,
}

/// Evaluates the rows of `batch`, items of `kind` of the scan's host, in `scan` (see the
/// module documentation for the columns). Only the term columns the scan's ruleset reads are
/// converted. Refused, with nothing evaluated, when a column is unusable or a `host` value
/// is not [`HostScan::host`]; bad rows are skipped and reported in the [`BatchReport`].
pub fn add_batch(
    scan: &HostScan<'_>,
    kind: ItemKind,
    batch: &RecordBatch,
) -> Result<BatchReport, BatchError> {
    let projection = scan.scanner().ruleset().projection(kind);
    let layout = layout(batch, kind, |t| projection.contains(t.field))?;
    if let Some(h) = layout.host {
        let hosts = batch.column(h).as_ref();
        for row in 0..batch.num_rows() {
            if let Some(host) = text_at(hosts, row) {
                // Refused by the scan itself when it is another host: one check, one error.
                scan.add::<Item>(host, &[])?;
            }
        }
    }
    let rows = Rows::new(
        kind,
        layout.terms.iter().map(|(i, t)| (*t, batch.column(*i).as_ref())),
        layout.time.map(|i| batch.column(i).as_ref()),
        layout.source.map(|i| batch.column(i).as_ref()),
    );
    let mut report =
        BatchReport { rows: batch.num_rows(), ignored: layout.ignored, ..Default::default() };
    // A bounded number of items at a time: memory stays small whatever the batch's size.
    let mut items = Vec::with_capacity(PARQUET_BATCH_ROWS.min(batch.num_rows()));
    for start in (0..batch.num_rows()).step_by(PARQUET_BATCH_ROWS) {
        items.clear();
        for row in start..batch.num_rows().min(start + PARQUET_BATCH_ROWS) {
            match rows.item(row) {
                Ok(item) => items.push(item),
                Err(message) => {
                    report.skipped += 1;
                    if report.problems.len() < MAX_REPORTED_SNAPSHOT_ERRORS {
                        report.problems.push(RowProblem { row, message });
                    }
                }
            }
        }
        scan.add(scan.host(), &items)?;
        report.added += items.len();
    }
    Ok(report)
}

/// Finds the columns of `batch`: checks the type of each known one, lists the ignored ones.
fn layout(
    batch: &RecordBatch,
    kind: ItemKind,
    wanted: impl Fn(&Term) -> bool,
) -> Result<Layout, BatchError> {
    let mut layout =
        Layout { host: None, time: None, source: None, terms: Vec::new(), ignored: Vec::new() };
    let mut seen: Vec<&str> = Vec::new();
    for (i, f) in batch.schema_ref().fields().iter().enumerate() {
        let (name, ty) = (f.name().as_str(), f.data_type());
        let refuse = |message: String| BatchError::Column {
            column: name.to_owned(),
            data_type: ty.to_string(),
            message,
        };
        let known = matches!(name, HOST | TIME | SOURCE)
            || terms::lookup(name).is_some_and(|t| t.name == name && t.kind == kind);
        if known {
            if seen.contains(&name) {
                return Err(refuse("the column appears twice".into()));
            }
            seen.push(name);
        }
        let text_or_null = is_text(ty) || *ty == DataType::Null;
        match name {
            HOST if text_or_null => layout.host = Some(i),
            TIME if is_time(ty) || *ty == DataType::Null => layout.time = Some(i),
            SOURCE if text_or_null => layout.source = Some(i),
            HOST | SOURCE => return Err(refuse("not a string type".into())),
            TIME => return Err(refuse("not a timestamp or a date".into())),
            _ => {
                let ignore = |reason: String| IgnoredColumn { column: name.to_owned(), reason };
                match terms::lookup(name) {
                    Some(t) if t.name != name => layout.ignored.push(ignore(format!(
                        "terms are spelled as the catalogue does: `{}`",
                        t.name
                    ))),
                    Some(t) if t.kind != kind => {
                        layout.ignored.push(ignore(format!("not a term of {}", kind_name(kind))))
                    }
                    Some(t) => match unfit(t, ty) {
                        Some(why) => return Err(refuse(why)),
                        None if wanted(t) => layout.terms.push((i, t)),
                        None => {}
                    },
                    None => layout.ignored.push(ignore("not a catalogue term".into())),
                }
            }
        }
    }
    Ok(layout)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::item::Value;
    use crate::terms::Field;
    use crate::verdict::Verdict;
    use crate::Ruleset;
    use arrow_array::builder::{
        BooleanBuilder, Date32Builder, LargeStringBuilder, ListBuilder, StringDictionaryBuilder,
        StringViewBuilder, UInt32Builder,
    };
    use arrow_array::types::Int8Type;
    use arrow_array::{ArrayRef, Int64Array, NullArray, StringArray, TimestampSecondArray};
    use std::sync::Arc;

    fn ruleset(conditions: &[(&str, &str, &str)]) -> Ruleset {
        let mut docs = Vec::new();
        for (n, (term, content_type, content)) in conditions.iter().enumerate() {
            let document = term.split('/').next().unwrap_or_default();
            let xml = format!(
                r#"<?xml version="1.0"?><OpenIOC xmlns="http://openioc.org/schemas/OpenIOC_1.1" id="ioc-{n}"><criteria><Indicator operator="OR" id="i"><IndicatorItem id="c" condition="is"><Context document="{document}" search="{term}"/><Content type="{content_type}">{content}</Content></IndicatorItem></Indicator></criteria></OpenIOC>"#
            );
            let path = format!("ioc-{n}.ioc");
            docs.push(
                crate::parse::parse(std::path::Path::new(&path), xml.as_bytes()).unwrap().document,
            );
        }
        crate::compile(&docs).0
    }

    fn batch(columns: Vec<(&str, ArrayRef)>) -> RecordBatch {
        RecordBatch::try_from_iter(columns.into_iter().map(|(n, a)| (n.to_owned(), a))).unwrap()
    }

    fn verdicts(scan: HostScan<'_>) -> Vec<Verdict> {
        scan.finish().results.iter().map(|r| r.verdict).collect()
    }

    #[test]
    fn python_column_types_give_the_items_iocscan_writes() {
        let ruleset = ruleset(&[
            ("FileItem/FileName", "string", "evil.exe"),
            ("FileItem/SizeInBytes", "int", "42"),
            ("FileItem/Created", "date", "2024-03-01T00:00:00Z"),
            ("FileItem/PEInfo/DigitalSignature/SignatureExists", "bool", "true"),
            ("FileItem/FullPath", "string", "/srv/evil.exe"),
            ("FileItem/StringList/string", "string", "beacon"),
        ]);
        let mut names = StringDictionaryBuilder::<Int8Type>::new();
        names.append_value("evil.exe");
        names.append_value("calc.exe");
        let mut sizes = UInt32Builder::new();
        sizes.append_value(42);
        sizes.append_null();
        let mut created = Date32Builder::new();
        created.append_value(19783); // 2024-03-01
        created.append_null();
        let mut signed = BooleanBuilder::new();
        signed.append_value(true);
        signed.append_value(false);
        let mut paths = StringViewBuilder::new();
        paths.append_value("/srv/evil.exe");
        paths.append_value("/bin/calc.exe");
        let mut strings = ListBuilder::new(LargeStringBuilder::new());
        strings.values().append_value("beacon");
        strings.append(true);
        strings.append(false);
        let b = batch(vec![
            ("host", Arc::new(StringArray::from(vec![Some("web1"), None]))),
            ("FileItem/FileName", Arc::new(names.finish())),
            ("FileItem/SizeInBytes", Arc::new(sizes.finish())),
            ("FileItem/Created", Arc::new(created.finish())),
            ("FileItem/PEInfo/DigitalSignature/SignatureExists", Arc::new(signed.finish())),
            ("FileItem/FullPath", Arc::new(paths.finish())),
            ("FileItem/StringList/string", Arc::new(strings.finish())),
            ("FileItem/Md5sum", Arc::new(NullArray::new(2))),
            ("comment", Arc::new(StringArray::from(vec!["a", "b"]))),
        ]);
        let scan = HostScan::new(&ruleset, "web1");
        let report = add_batch(&scan, ItemKind::File, &b).unwrap();
        assert_eq!((report.rows, report.added, report.skipped), (2, 2, 0));
        assert_eq!(report.ignored.len(), 1);
        assert_eq!(report.ignored[0].column, "comment");
        assert_eq!(verdicts(scan), vec![Verdict::Detected; 6]);

        // The same rows as items give the same report.
        let date = chrono::DateTime::from_timestamp(1_709_251_200, 0).unwrap();
        let items = [
            Item::new(ItemKind::File)
                .with(Field::FileFileName, "evil.exe")
                .with(Field::FileSizeInBytes, 42i64)
                .with(Field::FileCreated, Value::Date(date))
                .with(Field::FilePeSignatureExists, true)
                .with(Field::FileFullPath, "/srv/evil.exe")
                .with(Field::FileStringListString, Value::List(vec!["beacon".into()])),
            Item::new(ItemKind::File)
                .with(Field::FileFileName, "calc.exe")
                .with(Field::FilePeSignatureExists, false)
                .with(Field::FileFullPath, "/bin/calc.exe"),
        ];
        let from_items = HostScan::new(&ruleset, "web1");
        from_items.add("web1", &items).unwrap();
        let from_batch = HostScan::new(&ruleset, "web1");
        add_batch(&from_batch, ItemKind::File, &b).unwrap();
        assert_eq!(from_batch.finish(), from_items.finish());
    }

    #[test]
    fn another_host_refuses_the_whole_batch() {
        let ruleset = ruleset(&[("FileItem/FileName", "string", "evil.exe")]);
        let b = batch(vec![
            ("host", Arc::new(StringArray::from(vec!["web1", "db1"]))),
            ("FileItem/FileName", Arc::new(StringArray::from(vec!["evil.exe", "evil.exe"]))),
        ]);
        let scan = HostScan::new(&ruleset, "web1");
        let err = add_batch(&scan, ItemKind::File, &b).unwrap_err();
        assert_eq!(err.code(), "partial-wrong-host");
        assert!(err.to_string().contains("db1"), "{err}");
        let report = scan.finish();
        assert_eq!(report.stats.items[ItemKind::File.index()], 0, "nothing evaluated");
        assert_eq!(report.cards.len(), 0);
    }

    #[test]
    fn an_unusable_column_type_is_named_with_its_type() {
        let ruleset = ruleset(&[("FileItem/FileName", "string", "evil.exe")]);
        let b = batch(vec![("FileItem/Sha256sum", Arc::new(Int64Array::from(vec![1])))]);
        let scan = HostScan::new(&ruleset, "web1");
        let err = add_batch(&scan, ItemKind::File, &b).unwrap_err();
        assert_eq!(err.code(), "batch-column");
        let text = err.to_string();
        assert!(text.contains("FileItem/Sha256sum") && text.contains("Int64"), "{text}");
        let b = batch(vec![("host", Arc::new(Int64Array::from(vec![1])))]);
        assert_eq!(add_batch(&scan, ItemKind::File, &b).unwrap_err().code(), "batch-column");
        let b = batch(vec![
            ("FileItem/FileName", Arc::new(StringArray::from(vec!["a"])) as ArrayRef),
            ("FileItem/FileName", Arc::new(StringArray::from(vec!["b"]))),
        ]);
        let err = add_batch(&scan, ItemKind::File, &b).unwrap_err();
        assert!(err.to_string().contains("twice"), "{err}");
    }

    #[test]
    fn bad_rows_are_skipped_and_counted_past_the_kept_messages() {
        let ruleset = ruleset(&[("PortItem/localIP", "IP", "10.0.0.1")]);
        let bad = MAX_REPORTED_SNAPSHOT_ERRORS + 5;
        let mut ips: Vec<String> = (0..bad).map(|i| format!("not-an-ip-{i}")).collect();
        ips.push("10.0.0.1".into());
        let when: Vec<i64> = vec![1_700_000_000; ips.len()];
        let b = batch(vec![
            ("PortItem/localIP", Arc::new(StringArray::from(ips))),
            ("time", Arc::new(TimestampSecondArray::from(when).with_timezone("+02:00"))),
        ]);
        let scan = HostScan::new(&ruleset, "web1");
        let report = add_batch(&scan, ItemKind::Port, &b).unwrap();
        assert_eq!((report.added, report.skipped), (1, bad));
        assert_eq!(report.problems.len(), MAX_REPORTED_SNAPSHOT_ERRORS);
        assert_eq!(report.problems[3].row, 3);
        assert!(report.problems[3].message.contains("PortItem/localIP"));
        let report = scan.finish();
        assert_eq!(report.cards.len(), 1);
        assert_eq!(report.stats.recorded[&ItemKind::Port].records, 1, "the time is the record's");
    }

    #[test]
    fn a_missing_column_leaves_its_conditions_unknown() {
        let ruleset = ruleset(&[("FileItem/Md5sum", "md5", "00112233445566778899aabbccddeeff")]);
        let b = batch(vec![("FileItem/FileName", Arc::new(StringArray::from(vec!["a"])))]);
        let scan = HostScan::new(&ruleset, "web1");
        add_batch(&scan, ItemKind::File, &b).unwrap();
        assert_eq!(verdicts(scan), vec![Verdict::Undetermined]);
    }
}
