//! The Arrow schema of each kind's files, derived from the term catalogue.

use crate::item::ItemKind;
use crate::terms::{self, Term, ValueType};
use arrow_schema::{DataType, Field as ArrowField, Schema, TimeUnit};
use std::sync::{Arc, OnceLock};

/// The host column.
pub const HOST: &str = "host";
/// The record time column (recorded events).
pub const TIME: &str = "time";
/// The record source column (recorded events).
pub const SOURCE: &str = "source";

/// The time zone written on timestamp columns.
pub(super) const UTC: &str = "UTC";

/// The kind's name in snapshots (`File`, `processEvent`): its JSON name, which names its file.
pub fn kind_name(kind: ItemKind) -> &'static str {
    static NAMES: OnceLock<Vec<String>> = OnceLock::new();
    let names = NAMES.get_or_init(|| {
        ItemKind::ALL
            .iter()
            .map(|k| match serde_json::to_value(k) {
                Ok(serde_json::Value::String(name)) => name,
                _ => k.document().to_owned(),
            })
            .collect()
    });
    &names[kind.index()]
}

/// The file a kind's rows are written to: `File.parquet`.
pub fn kind_file_name(kind: ItemKind) -> String {
    format!("{}.parquet", kind_name(kind))
}

/// The kind whose file (`File.parquet`) or folder (`File`) this name is.
pub(super) fn kind_of_name(name: &str) -> Option<ItemKind> {
    let stem = name.strip_suffix(".parquet").unwrap_or(name);
    ItemKind::ALL.into_iter().find(|k| kind_name(*k) == stem)
}

/// The Arrow type one value of type `ty` is written as: text (and addresses in their
/// canonical text) Utf8, integers Int64, dates Timestamp(µs, UTC), booleans Boolean, numbers Float64.
fn scalar_type(ty: ValueType) -> DataType {
    match ty {
        ValueType::String
        | ValueType::Md5
        | ValueType::Sha1
        | ValueType::Sha256
        | ValueType::Ip
        | ValueType::Mac => DataType::Utf8,
        ValueType::Int => DataType::Int64,
        ValueType::Date => timestamp(),
        ValueType::Bool => DataType::Boolean,
        ValueType::Float => DataType::Float64,
    }
}

pub(super) fn timestamp() -> DataType {
    DataType::Timestamp(TimeUnit::Microsecond, Some(UTC.into()))
}

/// The Arrow type a term's column is written as: text, addresses (canonical text) and MACs
/// Utf8, integers Int64, dates Timestamp(µs, UTC), booleans Boolean; a list of that for a term
/// holding many values (list entries nullable: a sub-list element without a value for the
/// column).
pub fn arrow_type(term: &Term) -> DataType {
    let scalar = scalar_type(term.ty);
    if term.many {
        DataType::List(Arc::new(ArrowField::new_list_field(scalar, true)))
    } else {
        scalar
    }
}

/// The schema this build writes for `kind`: `host`, `time`, `source`, then every term of the
/// kind in catalogue order.
pub fn kind_schema(kind: ItemKind) -> Schema {
    let mut fields = vec![
        ArrowField::new(HOST, DataType::Utf8, false),
        ArrowField::new(TIME, timestamp(), true),
        ArrowField::new(SOURCE, DataType::Utf8, true),
    ];
    fields.extend(terms::of_kind(kind).map(|t| ArrowField::new(t.name, arrow_type(t), true)));
    Schema::new(fields)
}

/// Why a column of `found` type cannot hold the values of `term` (`None`: it can). Readers
/// take more than this build writes: any string encoding, any integer width, any timestamp
/// unit and zone (Arrow timestamps count from the UTC epoch whatever their zone), dates, and
/// columns of nulls only.
pub(super) fn unfit(term: &Term, found: &DataType) -> Option<String> {
    let ok = match (term.many, found) {
        (true, DataType::List(inner) | DataType::LargeList(inner)) => {
            scalar_fits(term.ty, inner.data_type())
        }
        (true, t) => *t == DataType::Null,
        (false, t) => scalar_fits(term.ty, t),
    };
    (!ok).then(|| format!("type {found} does not hold `{}` values ({})", term.name, want(term)))
}

fn want(term: &Term) -> String {
    let scalar = match term.ty {
        ValueType::Int => "an integer type",
        ValueType::Date => "a timestamp or a date",
        ValueType::Bool => "Boolean",
        ValueType::Float => "a floating-point type",
        _ => "a string type",
    };
    if term.many {
        format!("a list of {scalar}")
    } else {
        scalar.to_owned()
    }
}

/// A string column: any string encoding, or a dictionary of strings with any integer keys
/// (pandas categoricals, `pa.array(..).dictionary_encode()`).
pub(super) fn is_text(t: &DataType) -> bool {
    match t {
        DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View => true,
        DataType::Dictionary(key, value) => key.is_integer() && is_text(value),
        _ => false,
    }
}

/// A date column: a timestamp of any unit and zone, or a date (midnight UTC).
pub(super) fn is_time(t: &DataType) -> bool {
    matches!(t, DataType::Timestamp(_, _) | DataType::Date32 | DataType::Date64)
}

/// A column of nulls only fits every term (every value unknown).
fn scalar_fits(ty: ValueType, t: &DataType) -> bool {
    if *t == DataType::Null {
        return true;
    }
    match ty {
        ValueType::Int => t.is_integer(),
        ValueType::Date => is_time(t),
        ValueType::Bool => *t == DataType::Boolean,
        ValueType::Float => matches!(t, DataType::Float64 | DataType::Float32),
        _ => is_text(t),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_are_named_as_snapshot_json_names_them() {
        assert_eq!(kind_file_name(ItemKind::File), "File.parquet");
        assert_eq!(kind_file_name(ItemKind::ProcessEvent), "processEvent.parquet");
        for k in ItemKind::ALL {
            assert_eq!(kind_of_name(&kind_file_name(k)), Some(k));
            assert_eq!(kind_of_name(kind_name(k)), Some(k));
        }
        assert_eq!(kind_of_name("FileItem.parquet"), None);
    }

    #[test]
    fn written_types_fit_their_terms() {
        for kind in ItemKind::ALL {
            let schema = kind_schema(kind);
            for t in terms::of_kind(kind) {
                let field = schema.field_with_name(t.name).unwrap();
                assert_eq!(unfit(t, field.data_type()), None, "{}", t.name);
            }
        }
        let groups = terms::lookup("UserItem/grouplist/groupname").unwrap();
        assert!(unfit(groups, &DataType::Utf8).is_some());
        let size = terms::lookup("FileItem/SizeInBytes").unwrap();
        assert!(unfit(size, &DataType::UInt32).is_none());
        assert!(unfit(size, &DataType::Utf8).unwrap().contains("integer"));
    }
}
