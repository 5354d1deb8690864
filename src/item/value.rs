//! Field values as collectors produce them.

use chrono::{DateTime, Utc};
use std::net::IpAddr;

/// The value of one field of one item.
///
/// Digests are lower-case hex text ([`Value::Str`]); dates are UTC. A field that holds many
/// values (`UserItem/grouplist/groupname`) is a [`Value::List`].
#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    /// Text (names, paths, arguments, lower-case hex digests).
    Str(String),
    /// Integer.
    Int(i64),
    /// Date and time, UTC.
    Date(DateTime<Utc>),
    /// IP address.
    Ip(IpAddr),
    /// Boolean.
    Bool(bool),
    /// Several values of one field.
    List(Vec<Value>),
}

impl Value {
    /// The values to test: the list's elements, or the value itself.
    pub fn each(&self) -> &[Value] {
        match self {
            Value::List(values) => values,
            single => std::slice::from_ref(single),
        }
    }
}

impl From<&str> for Value {
    fn from(s: &str) -> Self {
        Value::Str(s.to_owned())
    }
}

impl From<String> for Value {
    fn from(s: String) -> Self {
        Value::Str(s)
    }
}

impl From<i64> for Value {
    fn from(n: i64) -> Self {
        Value::Int(n)
    }
}

impl From<bool> for Value {
    fn from(b: bool) -> Self {
        Value::Bool(b)
    }
}

impl From<IpAddr> for Value {
    fn from(ip: IpAddr) -> Self {
        Value::Ip(ip)
    }
}

impl From<DateTime<Utc>> for Value {
    fn from(d: DateTime<Utc>) -> Self {
        Value::Date(d)
    }
}

impl From<Vec<Value>> for Value {
    fn from(v: Vec<Value>) -> Self {
        Value::List(v)
    }
}
