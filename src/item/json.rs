//! JSON form of items, shared by snapshots and cards.
//!
//! An item is `{"kind": "File", "fields": {"FileItem/FullPath": "/bin/ls", ...}}`; a recorded
//! event also has `"time"` and `"source"` (`{"kind": "processEvent", "time": "...", "source":
//! "sysmon", "fields": {...}}`). Values are
//! typed by the term catalogue: strings, integers, RFC 3339 UTC dates, IP addresses as their
//! canonical text (an IPv4-mapped IPv6 address is written as IPv4), booleans, and arrays for
//! list terms. Reading checks each value against its term's type, so a snapshot cannot smuggle
//! a string into an integer field; unknown terms are reported.

use super::{Item, ItemKind, Value};
use crate::terms::{self, FieldSet, Term, ValueType};
use chrono::{DateTime, Utc};
use serde::de::value::{MapAccessDeserializer, SeqAccessDeserializer};
use serde::de::{self, DeserializeSeed, Error as _, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde::ser::SerializeMap;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;

impl Serialize for Value {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Value::Str(text) => s.serialize_str(text),
            Value::Int(n) => s.serialize_i64(*n),
            // Dates and addresses are written as their one text form (`Value`'s `Display`).
            Value::Date(_) | Value::Ip(_) => s.collect_str(self),
            Value::Bool(b) => s.serialize_bool(*b),
            Value::Float(x) => s.serialize_f64(*x),
            Value::List(values) => values.serialize(s),
        }
    }
}

/// The fields of an item as a JSON object keyed by term name.
struct Fields<'a>(&'a Item);

impl Serialize for Fields<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(Some(self.0.values.len()))?;
        for (field, value) in self.0.values() {
            map.serialize_entry(field.name(), value)?;
        }
        map.end()
    }
}

impl Serialize for Item {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(None)?;
        map.serialize_entry("kind", &self.kind)?;
        if let Some(record) = &self.record {
            if let Some(time) = &record.time {
                map.serialize_entry("time", &Value::Date(*time))?;
            }
            if let Some(source) = &record.source {
                map.serialize_entry("source", source)?;
            }
        }
        map.serialize_entry("fields", &Fields(self))?;
        map.end()
    }
}

impl<'de> Deserialize<'de> for Item {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        ItemSeed { keep: None }.deserialize(d)
    }
}

/// Reads one item straight from the JSON text, typed by the catalogue: no intermediate JSON
/// value is built. With `keep`, only those fields are decoded; the others are skipped
/// unparsed (their names must still be terms; their values are not checked, since nothing
/// reads them). The kept fields are typed and checked exactly as in a full read.
#[derive(Clone, Copy)]
pub(crate) struct ItemSeed<'a> {
    /// The fields decoded (`None`: all).
    pub keep: Option<&'a FieldSet>,
}

impl<'de> DeserializeSeed<'de> for ItemSeed<'_> {
    type Value = Item;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Item, D::Error> {
        d.deserialize_map(self)
    }
}

/// The keys of an item object.
enum Key {
    Kind,
    Time,
    Source,
    Fields,
}

const KEYS: &[&str] = &["kind", "time", "source", "fields"];

impl<'de> Deserialize<'de> for Key {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct KeyVisitor;
        impl Visitor<'_> for KeyVisitor {
            type Value = Key;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an item key")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Key, E> {
                Ok(match v {
                    "kind" => Key::Kind,
                    "time" => Key::Time,
                    "source" => Key::Source,
                    "fields" => Key::Fields,
                    _ => return Err(E::unknown_field(v, KEYS)),
                })
            }
        }
        d.deserialize_identifier(KeyVisitor)
    }
}

impl<'de> Visitor<'de> for ItemSeed<'_> {
    type Value = Item;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an item object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Item, A::Error> {
        let (mut kind, mut time, mut source) = (None, None::<Option<String>>, None);
        let mut values: Option<Vec<(&'static Term, Value)>> = None;
        while let Some(key) = map.next_key::<Key>()? {
            match key {
                Key::Kind if kind.is_none() => kind = Some(map.next_value::<ItemKind>()?),
                Key::Time if time.is_none() => time = Some(map.next_value()?),
                Key::Source if source.is_none() => source = Some(map.next_value()?),
                Key::Fields if values.is_none() => {
                    values = Some(map.next_value_seed(FieldsSeed { keep: self.keep })?)
                }
                _ => {
                    let name = KEYS[key as usize];
                    return Err(A::Error::duplicate_field(name));
                }
            }
        }
        let kind = kind.ok_or_else(|| A::Error::missing_field("kind"))?;
        let mut values = values.unwrap_or_default();
        let mut item = Item::new(kind);
        let (time, source) = (time.flatten(), source.flatten());
        if time.is_some() || source.is_some() {
            let time = match time {
                Some(text) => match DateTime::parse_from_rfc3339(&text) {
                    Ok(t) => Some(t.with_timezone(&Utc)),
                    Err(_) => {
                        return Err(A::Error::custom(format!(
                            "`time`: `{text}` is not an RFC 3339 date"
                        )))
                    }
                },
                None => None,
            };
            item = item.with_record(super::Record { time, source });
        }
        if let Some((term, _)) = values.iter().find(|(t, _)| t.kind != kind) {
            return Err(A::Error::custom(format!("term `{}` on a {kind} item", term.name)));
        }
        // Sorted by field once (fields come in any order; inserting each in place moved the
        // others); of a field written twice the last value stands, as `Item::set` would.
        values.sort_by_key(|(t, _)| t.field);
        values.dedup_by(|later, earlier| {
            let same = later.0.field == earlier.0.field;
            if same {
                std::mem::swap(later, earlier);
            }
            same
        });
        item.values = values.into_iter().map(|(t, v)| (t.field, v)).collect();
        Ok(item)
    }
}

/// The `fields` object: the kept fields, typed, in the order written.
struct FieldsSeed<'a> {
    keep: Option<&'a FieldSet>,
}

impl<'de> DeserializeSeed<'de> for FieldsSeed<'_> {
    type Value = Vec<(&'static Term, Value)>;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for FieldsSeed<'_> {
    type Value = Vec<(&'static Term, Value)>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an object of fields")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut out = Vec::new();
        while let Some(TermKey(term)) = map.next_key::<TermKey>()? {
            if self.keep.is_none_or(|k| k.contains(term.field)) {
                out.push((term, map.next_value_seed(Typed { term, element: false })?));
            } else {
                map.next_value::<IgnoredAny>()?;
            }
        }
        Ok(out)
    }
}

/// A term name (any accepted spelling), looked up without copying it.
struct TermKey(&'static Term);

impl<'de> Deserialize<'de> for TermKey {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct TermVisitor;
        impl Visitor<'_> for TermVisitor {
            type Value = TermKey;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a term name")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<TermKey, E> {
                terms::lookup(v)
                    .map(TermKey)
                    .ok_or_else(|| E::custom(format!("unknown term `{v}`")))
            }
        }
        d.deserialize_str(TermVisitor)
    }
}

/// One field's value, typed by its term: a list for a term holding many values (`element`:
/// one entry of that list).
struct Typed {
    term: &'static Term,
    element: bool,
}

impl Typed {
    fn scalar(&self) -> bool {
        !self.term.many || self.element
    }

    fn wrong<E: de::Error>(&self, found: impl fmt::Display) -> E {
        let name = self.term.name;
        if !self.scalar() {
            return E::custom(format!("`{name}` holds a list: expected an array"));
        }
        let what = match self.term.ty {
            ValueType::Int => "an integer",
            ValueType::Bool => "a boolean",
            ValueType::Float => "a number",
            ValueType::Ip => "an IP address",
            ValueType::Date => "an RFC 3339 date",
            _ => "a string",
        };
        E::custom(format!("`{name}`: expected {what}, found {found}"))
    }
}

impl<'de> DeserializeSeed<'de> for Typed {
    type Value = Value;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Typed {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "a value of `{}`", self.term.name)
    }

    fn visit_str<E: de::Error>(self, s: &str) -> Result<Value, E> {
        if !self.scalar() {
            return Err(self.wrong(""));
        }
        let value = match self.term.ty {
            ValueType::String | ValueType::Md5 | ValueType::Sha1 | ValueType::Sha256 => {
                Value::Str(s.to_owned())
            }
            // Snapshots from any platform: `AA-BB-..` and `aa:bb:..` become one form.
            ValueType::Mac => Value::Str(super::canonical_mac(s).unwrap_or_else(|| s.to_owned())),
            ValueType::Ip => match s.parse() {
                Ok(ip) => Value::Ip(ip),
                Err(_) => return Err(self.wrong(serde_json::Value::from(s))),
            },
            ValueType::Date => match DateTime::parse_from_rfc3339(s) {
                Ok(d) => Value::Date(d.with_timezone(&Utc)),
                Err(_) => return Err(self.wrong(serde_json::Value::from(s))),
            },
            ValueType::Int | ValueType::Bool | ValueType::Float => {
                return Err(self.wrong(serde_json::Value::from(s)))
            }
        };
        Ok(value)
    }

    fn visit_i64<E: de::Error>(self, n: i64) -> Result<Value, E> {
        match self.term.ty {
            ValueType::Int if self.scalar() => Ok(Value::Int(n)),
            ValueType::Float if self.scalar() => Ok(Value::Float(n as f64)),
            _ => Err(self.wrong(n)),
        }
    }

    fn visit_u64<E: de::Error>(self, n: u64) -> Result<Value, E> {
        match i64::try_from(n) {
            Ok(n) => self.visit_i64(n),
            Err(_) if self.term.ty == ValueType::Float && self.scalar() => {
                Ok(Value::Float(n as f64))
            }
            Err(_) => Err(self.wrong(n)),
        }
    }

    fn visit_f64<E: de::Error>(self, x: f64) -> Result<Value, E> {
        match self.term.ty {
            ValueType::Float if self.scalar() && x.is_finite() => Ok(Value::Float(x)),
            _ => Err(self.wrong(serde_json::Value::from(x))),
        }
    }

    fn visit_bool<E: de::Error>(self, b: bool) -> Result<Value, E> {
        match self.term.ty {
            ValueType::Bool if self.scalar() => Ok(Value::Bool(b)),
            _ => Err(self.wrong(b)),
        }
    }

    fn visit_unit<E: de::Error>(self) -> Result<Value, E> {
        Err(self.wrong("null"))
    }

    fn visit_none<E: de::Error>(self) -> Result<Value, E> {
        Err(self.wrong("null"))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        if !self.scalar() {
            let mut values = Vec::new();
            while let Some(v) = seq.next_element_seed(Typed { term: self.term, element: true })? {
                values.push(v);
            }
            return Ok(Value::List(values));
        }
        let found = serde_json::Value::deserialize(SeqAccessDeserializer::new(seq))?;
        // A sub-list column holds one entry per element; `[]` is an element without a value
        // for it.
        match found.as_array() {
            Some(empty) if self.element && self.term.element.is_some() && empty.is_empty() => {
                Ok(Value::List(Vec::new()))
            }
            _ => Err(self.wrong(found)),
        }
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Value, A::Error> {
        let found = serde_json::Value::deserialize(MapAccessDeserializer::new(map))?;
        Err(self.wrong(found))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::terms::Field;

    #[test]
    fn round_trip_every_value_type() {
        let date = DateTime::parse_from_rfc3339("2024-05-01T10:00:00Z").unwrap().to_utc();
        let item = Item::new(ItemKind::User)
            .with(Field::UserUsername, "alice")
            .with(Field::UserUserid, 1000)
            .with(Field::UserDisabled, false)
            .with(Field::UserLastLogin, date)
            .with(Field::UserGroupList, vec![Value::from("wheel"), Value::from("users")]);
        let json = serde_json::to_string(&item).unwrap();
        assert_eq!(serde_json::from_str::<Item>(&json).unwrap(), item);
        let port = Item::new(ItemKind::Port)
            .with(Field::PortRemoteIp, "::1".parse::<std::net::IpAddr>().unwrap());
        let json = serde_json::to_string(&port).unwrap();
        assert_eq!(json, r#"{"kind":"Port","fields":{"PortItem/remoteIP":"::1"}}"#);
        assert_eq!(serde_json::from_str::<Item>(&json).unwrap(), port);
    }

    #[test]
    fn dates_and_addresses_are_written_as_their_display() {
        let mapped: std::net::IpAddr = "::ffff:10.0.0.1".parse().unwrap();
        let date = DateTime::parse_from_rfc3339("2024-05-01T12:00:00.25+02:00").unwrap().to_utc();
        let port = Item::new(ItemKind::Port).with(Field::PortRemoteIp, mapped);
        let json = serde_json::to_string(&port).unwrap();
        assert_eq!(json, r#"{"kind":"Port","fields":{"PortItem/remoteIP":"10.0.0.1"}}"#);
        let json = serde_json::to_string(&Value::Date(date)).unwrap();
        assert_eq!(json, r#""2024-05-01T10:00:00.250Z""#);
    }

    #[test]
    fn rejects_mistyped_and_unknown_fields() {
        let bad = [
            r#"{"kind":"User","fields":{"UserItem/userid":"x"}}"#,
            r#"{"kind":"User","fields":{"UserItem/Nope":1}}"#,
            r#"{"kind":"User","fields":{"FileItem/FileName":"a"}}"#,
            r#"{"kind":"User","fields":{"UserItem/grouplist/groupname":"wheel"}}"#,
        ];
        for text in bad {
            assert!(serde_json::from_str::<Item>(text).is_err(), "{text}");
        }
    }

    #[test]
    fn fields_may_come_before_the_kind_and_keys_are_checked() {
        let text = r#"{"fields":{"UserItem/Username":"root","UserItem/userid":0},"kind":"User"}"#;
        let item: Item = serde_json::from_str(text).unwrap();
        assert_eq!(item.get(Field::UserUsername), Some(&Value::from("root")));
        assert_eq!(item.get(Field::UserUserid), Some(&Value::Int(0)));
        let text = r#"{"kind":"User","fields":{"UserItem/userid":1,"UserItem/Username":"a",
            "UserItem/userid":2}}"#;
        let item: Item = serde_json::from_str(text).unwrap();
        let values: Vec<_> = item.values().collect();
        assert_eq!(values, [(Field::UserUsername, &"a".into()), (Field::UserUserid, &2.into())]);
        for bad in [
            r#"{"kind":"User","kind":"User"}"#,
            r#"{"kind":"User","colour":"red"}"#,
            r#"{"fields":{}}"#,
            r#"{"kind":"User","fields":{"UserItem/userid":1.5}}"#,
            r#"{"kind":"User","fields":{"UserItem/userid":null}}"#,
            r#"{"kind":"User","fields":{"UserItem/userid":18446744073709551615}}"#,
            r#"{"kind":"User","time":"yesterday"}"#,
        ] {
            assert!(serde_json::from_str::<Item>(bad).is_err(), "{bad}");
        }
        let err =
            serde_json::from_str::<Item>(r#"{"kind":"User","fields":{"UserItem/userid":"x"}}"#)
                .unwrap_err()
                .to_string();
        assert!(err.starts_with(r#"`UserItem/userid`: expected an integer, found "x""#), "{err}");
    }

    #[test]
    fn a_projected_read_decodes_the_kept_fields_only() {
        let keep: FieldSet = [Field::UserUsername].into_iter().collect();
        // The skipped field is mistyped: not decoded, so not refused.
        let text =
            br#"{"kind":"User","fields":{"UserItem/userid":"x","UserItem/Username":"root"}}"#;
        let mut de = serde_json::Deserializer::from_slice(text);
        let item = ItemSeed { keep: Some(&keep) }.deserialize(&mut de).unwrap();
        assert_eq!(item, Item::new(ItemKind::User).with(Field::UserUsername, "root"));
        // Its name must still be a term.
        let text = br#"{"kind":"User","fields":{"UserItem/Nope":"x"}}"#;
        let mut de = serde_json::Deserializer::from_slice(text);
        assert!(ItemSeed { keep: Some(&keep) }.deserialize(&mut de).is_err());
    }
}
