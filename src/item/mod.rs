//! Items: the host objects IOCs are evaluated against (files, processes, ports, ARP entries,
//! the host's system information, users).
//!
//! An [`Item`] is plain data: its kind and the values of the [`Field`]s a collector filled.
//! The evaluator reads items only through [`ItemView`], so a source can compute expensive
//! fields lazily (a file's digests are read only when a candidate IOC still needs them).
//! This module does not collect anything; see [`crate::collect`].

mod json;
mod value;

pub(crate) use json::ItemSeed;
pub use value::{canonical_mac, Value};

pub use crate::terms::ItemKind;

use crate::terms::Field;
use serde::Serialize;

/// Why a field has no value on an item although the item kind has the field.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum NotEvaluated {
    /// The file is larger than the hash size limit.
    TooLargeToHash,
    /// Reading the content failed (permission denied, vanished, not a regular file).
    Unreadable,
    /// The file is larger than the content limit for PE parsing and string search
    /// ([`crate::limits::MAX_CONTENT_BYTES`]).
    TooLargeToRead,
    /// The content has a PE signature but the PE parser could not make sense of it.
    Unparsable,
    /// More strings than [`crate::limits::MAX_STRINGS_PER_ITEM`]: the list would be partial.
    TooManyStrings,
    /// The content search ran past its time limit (a `Yara/Yara` rule:
    /// [`crate::limits::YARA_SCAN_TIMEOUT`]).
    TimedOut,
}

/// The answer of an [`ItemView`] for one field.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Lookup<'a> {
    /// The field's value.
    Value(&'a Value),
    /// The item does not have the field (not collected, not applicable).
    Absent,
    /// The field exists but could not be computed for this item.
    NotEvaluated(NotEvaluated),
}

/// Read access to one item's fields, the only way the evaluator sees items.
///
/// Implementations may compute fields lazily (hence `&self` with interior caching); a field
/// asked twice must give the same answer.
pub trait ItemView: Sync {
    /// The item's kind.
    fn kind(&self) -> ItemKind;
    /// The value of `field` (a field of this item's kind).
    fn lookup(&self, field: Field) -> Lookup<'_>;
    /// The item as plain data, with at least the given fields where the item has them (used
    /// for cards: only matched items are materialised).
    fn to_item(&self, fields: &[Field]) -> Item;

    /// For a recorded event, its time and source; `None` for a state item (the default),
    /// whose values the catalogue grades ([`crate::terms::Grade`]).
    fn record(&self) -> Option<&Record> {
        None
    }
}

/// An item as plain data: its kind and the values collected for it.
#[derive(Clone, Debug, PartialEq)]
pub struct Item {
    kind: ItemKind,
    /// Values sorted by field; at most one per field.
    values: Vec<(Field, Value)>,
    /// For a recorded event (from a snapshot or an importer): when and from where.
    record: Option<Box<Record>>,
}

/// Where a recorded event comes from: its time and source, as telemetry gave them. A state
/// scan's items have none (their values are graded by the catalogue instead).
#[derive(Clone, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Record {
    /// When the event happened, UTC.
    pub time: Option<chrono::DateTime<chrono::Utc>>,
    /// The telemetry source (`sysmon`, `auditd`, `hx-triage`, ...).
    pub source: Option<String>,
}

impl Item {
    /// An item of `kind` with no values yet.
    pub fn new(kind: ItemKind) -> Self {
        Item { kind, values: Vec::new(), record: None }
    }

    /// An item of `kind` with room for `fields` values (readers that know how many).
    pub(crate) fn with_capacity(kind: ItemKind, fields: usize) -> Self {
        Item { kind, values: Vec::with_capacity(fields), record: None }
    }

    /// Marks the item as a recorded event with this time and source.
    pub fn with_record(mut self, record: Record) -> Self {
        self.record = Some(Box::new(record));
        self
    }

    /// The record's time and source, for a recorded event.
    pub fn record(&self) -> Option<&Record> {
        self.record.as_deref()
    }

    /// The item's kind.
    pub fn kind(&self) -> ItemKind {
        self.kind
    }

    /// Sets `field` to `value`, replacing an earlier value. `field` must be of this item's
    /// kind; a value of another kind's field is ignored (debug builds assert).
    pub fn set(&mut self, field: Field, value: impl Into<Value>) {
        debug_assert_eq!(field.kind(), self.kind, "{} on a {}", field.name(), self.kind);
        if field.kind() != self.kind {
            return;
        }
        let value = value.into();
        match self.values.binary_search_by_key(&field, |(f, _)| *f) {
            Ok(i) => self.values[i].1 = value,
            Err(i) => self.values.insert(i, (field, value)),
        }
    }

    /// Builder form of [`Item::set`].
    pub fn with(mut self, field: Field, value: impl Into<Value>) -> Self {
        self.set(field, value);
        self
    }

    /// The value of `field`, if set.
    pub fn get(&self, field: Field) -> Option<&Value> {
        self.values.binary_search_by_key(&field, |(f, _)| *f).ok().map(|i| &self.values[i].1)
    }

    /// All set values, in field order.
    pub fn values(&self) -> impl Iterator<Item = (Field, &Value)> {
        self.values.iter().map(|(f, v)| (*f, v))
    }

    /// Keeps only the given fields.
    pub fn retain_fields(&mut self, keep: impl Fn(Field) -> bool) {
        self.values.retain(|(f, _)| keep(*f));
    }
}

impl ItemView for Item {
    fn kind(&self) -> ItemKind {
        self.kind
    }

    fn lookup(&self, field: Field) -> Lookup<'_> {
        self.get(field).map_or(Lookup::Absent, Lookup::Value)
    }

    fn to_item(&self, _fields: &[Field]) -> Item {
        self.clone()
    }

    fn record(&self) -> Option<&Record> {
        self.record.as_deref()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn set_get_replace() {
        let mut item = Item::new(ItemKind::File);
        item.set(Field::FileFileName, "a.exe");
        item.set(Field::FileFullPath, "/tmp/a.exe");
        item.set(Field::FileFileName, "b.exe");
        assert_eq!(item.get(Field::FileFileName), Some(&Value::from("b.exe")));
        assert_eq!(item.values().count(), 2);
        assert_eq!(item.lookup(Field::FileMd5sum), Lookup::Absent);
    }

    #[test]
    fn kinds_round_trip_their_names() {
        for k in ItemKind::ALL {
            assert_eq!(ItemKind::from_document(k.document()), Some(k));
            assert_eq!(ItemKind::from_cli_name(k.cli_name()), Some(k));
        }
    }
}
