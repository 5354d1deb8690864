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
use crate::terms::{self, ValueType};
use chrono::{DateTime, Utc};
use serde::de::Error as _;
use serde::ser::SerializeMap;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::collections::BTreeMap;

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

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawItem {
    kind: ItemKind,
    #[serde(default)]
    time: Option<String>,
    #[serde(default)]
    source: Option<String>,
    #[serde(default)]
    fields: BTreeMap<String, serde_json::Value>,
}

impl<'de> Deserialize<'de> for Item {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let raw = RawItem::deserialize(d)?;
        let mut item = Item::new(raw.kind);
        if raw.time.is_some() || raw.source.is_some() {
            let time = match &raw.time {
                Some(text) => match typed(ValueType::Date, &serde_json::Value::from(text.as_str()))
                {
                    Ok(Value::Date(t)) => Some(t),
                    _ => {
                        return Err(D::Error::custom(format!(
                            "`time`: `{text}` is not an RFC 3339 date"
                        )))
                    }
                },
                None => None,
            };
            item = item.with_record(super::Record { time, source: raw.source });
        }
        for (name, json) in raw.fields {
            let term = terms::lookup(&name)
                .ok_or_else(|| D::Error::custom(format!("unknown term `{name}`")))?;
            if term.kind != raw.kind {
                return Err(D::Error::custom(format!("term `{name}` on a {} item", raw.kind)));
            }
            let value = if term.many {
                let list = json.as_array().ok_or_else(|| {
                    D::Error::custom(format!("`{name}` holds a list: expected an array"))
                })?;
                // A sub-list column holds one entry per element; `[]` is an element
                // without a value for it.
                let values = list.iter().map(|v| match v.as_array() {
                    Some(empty) if term.element.is_some() && empty.is_empty() => {
                        Ok(Value::List(Vec::new()))
                    }
                    _ => typed(term.ty, v),
                });
                Value::List(values.collect::<Result<_, _>>().map_err(|e| field_err(&name, e))?)
            } else {
                typed(term.ty, &json).map_err(|e| field_err::<D::Error>(&name, e))?
            };
            item.set(term.field, value);
        }
        Ok(item)
    }
}

fn field_err<E: serde::de::Error>(name: &str, why: String) -> E {
    E::custom(format!("`{name}`: {why}"))
}

/// Reads one JSON value as a value of type `ty`.
fn typed(ty: ValueType, json: &serde_json::Value) -> Result<Value, String> {
    let want = |what: &str| format!("expected {what}, found {json}");
    match ty {
        ValueType::String | ValueType::Md5 | ValueType::Sha1 | ValueType::Sha256 => {
            json.as_str().map(Value::from).ok_or_else(|| want("a string"))
        }
        // Snapshots from any platform: `AA-BB-..` and `aa:bb:..` become one form.
        ValueType::Mac => json
            .as_str()
            .map(|s| Value::Str(super::canonical_mac(s).unwrap_or_else(|| s.to_owned())))
            .ok_or_else(|| want("a string")),
        ValueType::Int => json.as_i64().map(Value::Int).ok_or_else(|| want("an integer")),
        ValueType::Bool => json.as_bool().map(Value::Bool).ok_or_else(|| want("a boolean")),
        ValueType::Float => json
            .as_f64()
            .filter(|x| x.is_finite())
            .map(Value::Float)
            .ok_or_else(|| want("a number")),
        ValueType::Ip => json
            .as_str()
            .and_then(|s| s.parse().ok())
            .map(Value::Ip)
            .ok_or_else(|| want("an IP address")),
        ValueType::Date => json
            .as_str()
            .and_then(|s| DateTime::parse_from_rfc3339(s).ok())
            .map(|d| Value::Date(d.with_timezone(&Utc)))
            .ok_or_else(|| want("an RFC 3339 date")),
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
}
