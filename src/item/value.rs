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

/// The canonical form of a 6-byte hardware address: lower-case hex pairs joined by colons.
///
/// Accepts the common spellings: `AA-BB-CC-DD-EE-FF` (Windows), `aa:bb:cc:dd:ee:ff` (Linux),
/// `aabb.ccdd.eeff` (Cisco) and `aabbccddeeff`, with surrounding white space. `None` when the
/// text is none of them.
pub fn canonical_mac(text: &str) -> Option<String> {
    let text = text.trim();
    let hex: String = text.chars().filter(|c| !matches!(c, ':' | '-' | '.')).collect();
    let separators = text.len() - hex.len();
    let shape_ok = match separators {
        0 => true,
        2 => text.split('.').all(|g| g.len() == 4),
        5 => text.split([':', '-']).all(|g| g.len() == 2),
        _ => false,
    };
    if !shape_ok || hex.len() != 12 || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    let lower = hex.to_ascii_lowercase();
    let pairs: Vec<&str> = (0..6).map(|i| &lower[2 * i..2 * i + 2]).collect();
    Some(pairs.join(":"))
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

#[cfg(test)]
mod tests {
    use super::canonical_mac;

    #[test]
    fn mac_spellings_share_one_canonical_form() {
        for text in ["00-0C-29-AB-CD-EF", "00:0c:29:ab:cd:ef", " 000c.29ab.cdef ", "000C29ABCDEF"] {
            assert_eq!(canonical_mac(text).as_deref(), Some("00:0c:29:ab:cd:ef"), "{text}");
        }
        for text in ["", "00-0C-29-AB-CD", "00:0c:29:ab:cd:eg", "0:0c:29:ab:cd:eff", "00-0c:29"] {
            assert_eq!(canonical_mac(text), None, "{text}");
        }
    }
}
