//! Field values as collectors produce them, and their one text form.
//!
//! [`Value`]'s `Display` is the text every consumer shows or searches: the text conditions
//! (`contains`, `matches`, ...) test it, cards print it and JSON writes dates and addresses
//! with it. This module does not compare values; see [`crate::compile`](mod@crate::compile).

use chrono::{DateTime, SecondsFormat, Utc};
use std::fmt;
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
    /// Floating-point number (finite).
    Float(f64),
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

impl fmt::Display for Value {
    /// Strings as they are, integers in decimal, dates in RFC 3339 UTC (`Z`, fractional
    /// seconds only when there are some), booleans as `true`/`false`, lists as `[a, b]`.
    ///
    /// Addresses are written in their canonical form: an IPv4-mapped IPv6 address
    /// (`::ffff:10.0.0.1`) is the IPv4 address it maps (`10.0.0.1`), as `is` compares it, so
    /// a `contains "10.0."` that matches shows the text it matched.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::Str(s) => f.write_str(s),
            Value::Int(n) => write!(f, "{n}"),
            Value::Date(d) => f.write_str(&d.to_rfc3339_opts(SecondsFormat::AutoSi, true)),
            Value::Ip(ip) => write!(f, "{}", ip.to_canonical()),
            Value::Bool(b) => write!(f, "{b}"),
            // The shortest text that reads back as the same number.
            Value::Float(x) => write!(f, "{x}"),
            Value::List(values) => {
                f.write_str("[")?;
                for (i, v) in values.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    write!(f, "{v}")?;
                }
                f.write_str("]")
            }
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
    use super::{canonical_mac, Value};
    use chrono::DateTime;
    use std::net::IpAddr;

    fn ip(text: &str) -> Value {
        Value::Ip(text.parse::<IpAddr>().unwrap())
    }

    #[test]
    fn addresses_display_canonical() {
        assert_eq!(ip("::ffff:10.0.0.1").to_string(), "10.0.0.1");
        assert_eq!(ip("10.0.0.1").to_string(), "10.0.0.1");
        assert_eq!(ip("2001:DB8:0:0::1").to_string(), "2001:db8::1");
        // Only mapped addresses are IPv4: `::1` and IPv4-compatible `::10.0.0.1` stay IPv6.
        assert_eq!(ip("::1").to_string(), "::1");
        assert_eq!(ip("::10.0.0.1").to_string(), "::a00:1");
    }

    #[test]
    fn dates_display_rfc3339_utc() {
        let date = |t: &str| Value::Date(DateTime::parse_from_rfc3339(t).unwrap().to_utc());
        assert_eq!(date("2024-05-01T12:00:00+02:00").to_string(), "2024-05-01T10:00:00Z");
        assert_eq!(date("2024-05-01T10:00:00.5Z").to_string(), "2024-05-01T10:00:00.500Z");
        assert_eq!(Value::Date(DateTime::UNIX_EPOCH).to_string(), "1970-01-01T00:00:00Z");
    }

    #[test]
    fn scalars_and_lists_display() {
        assert_eq!(Value::Int(-42).to_string(), "-42");
        assert_eq!(Value::Int(i64::MAX).to_string(), "9223372036854775807");
        assert_eq!(Value::Bool(true).to_string(), "true");
        // Strings are the text itself: neither trimmed nor escaped (printers do that).
        assert_eq!(Value::from(" As\tIs ").to_string(), " As\tIs ");
        // MAC addresses are strings, already in their canonical form.
        let mac = canonical_mac("00-0C-29-AB-CD-EF").unwrap();
        assert_eq!(Value::from(mac).to_string(), "00:0c:29:ab:cd:ef");
        let list = Value::List(vec![Value::from("wheel"), Value::Int(7), ip("::ffff:1.2.3.4")]);
        assert_eq!(list.to_string(), "[wheel, 7, 1.2.3.4]");
        assert_eq!(Value::List(Vec::new()).to_string(), "[]");
    }

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
