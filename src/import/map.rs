//! The mapping engine: one source record + the catalogue's import table -> one item.
//!
//! It applies [`crate::terms::imports`] and nothing else: which field fills which term is in
//! that table. A value that does not convert to its term's type (a `ProcessId` that is not a
//! number) is left absent and reported, never guessed.

use super::fields::{Fields, Scalar};
use crate::item::{canonical_mac, Item, Record, Value};
use crate::terms::imports::{mappings, Convert, Format, Mapping, RegPart, Rule, Test};
use crate::terms::{Field, ValueType};
use chrono::{DateTime, Datelike, TimeZone, Utc};
use std::net::IpAddr;

/// A record that became an item.
#[derive(Debug)]
pub struct Mapped {
    /// The item, a recorded event (or inventory) with its time and source.
    pub item: Item,
    /// The mapping applied.
    pub mapping: &'static Mapping,
    /// Terms whose source value was present but did not convert (left absent).
    pub unconverted: Vec<Field>,
}

/// Why a record became no item.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Unmapped {
    /// No mapping has this event key (a Sysmon event id or OCSF class not imported).
    NoMapping(String),
    /// Mappings of this key exist but none of their conditions hold (an IPv6 connection, a
    /// failed execve, an OCSF activity not imported).
    NotMatched(String),
}

impl std::fmt::Display for Unmapped {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Unmapped::NoMapping(event) => write!(f, "event {event}: not imported (no mapping)"),
            Unmapped::NotMatched(event) => {
                write!(f, "event {event}: not imported (no mapping for these values)")
            }
        }
    }
}

/// Maps one record of `format` whose event key is `event`.
pub fn map_record(format: Format, event: &str, record: &dyn Fields) -> Result<Mapped, Unmapped> {
    let mut known = false;
    for mapping in mappings(format).filter(|m| m.event == event) {
        known = true;
        if mapping.when.iter().all(|w| holds(w.test, record.get(w.path))) {
            return Ok(apply(format, mapping, record));
        }
    }
    Err(if known { Unmapped::NotMatched(event.into()) } else { Unmapped::NoMapping(event.into()) })
}

fn holds(test: Test, value: Option<Scalar<'_>>) -> bool {
    match test {
        Test::OneOf(values) => value.is_some_and(|v| values.contains(&v.text().as_ref())),
        Test::NoneOf(values) => !value.is_some_and(|v| values.contains(&v.text().as_ref())),
        Test::NotIpv6 => !value
            .and_then(|v| v.text().trim().parse::<IpAddr>().ok())
            .is_some_and(|ip| ip.to_canonical().is_ipv6()),
    }
}

fn apply(format: Format, mapping: &'static Mapping, record: &dyn Fields) -> Mapped {
    let mut item = Item::new(mapping.kind);
    let mut unconverted = Vec::new();
    for rule in mapping.rules {
        match fill(rule, record) {
            Fill::Value(value) => item.set(rule.term, value),
            Fill::Absent => {}
            Fill::Bad => unconverted.push(rule.term),
        }
    }
    let time = format.time_fields().iter().find_map(|p| record.get(p)).and_then(|s| time(&s));
    let item = item.with_record(Record { time, source: Some(format.as_str().to_owned()) });
    Mapped { item, mapping, unconverted }
}

enum Fill {
    Value(Value),
    Absent,
    Bad,
}

fn fill(rule: &Rule, record: &dyn Fields) -> Fill {
    let term = rule.term.term();
    if let Convert::Const(text) = rule.convert {
        let present = rule.source.is_empty() || rule.source.iter().any(|p| record.get(p).is_some());
        let value = typed(term.ty, &Scalar::Str(text.into()), text.to_owned());
        return match (present, value) {
            (false, _) => Fill::Absent,
            (true, Some(v)) if term.many => Fill::Value(Value::List(vec![v])),
            (true, Some(v)) => Fill::Value(v),
            (true, None) => Fill::Bad,
        };
    }
    let Some((path, first)) = rule.source.iter().find_map(|p| record.get(p).map(|v| (p, v))) else {
        return Fill::Absent;
    };
    if term.many {
        let mut values = Vec::new();
        let mut bad = false;
        for scalar in record.get_all(path) {
            match convert(rule.convert, term.ty, &scalar) {
                Ok(Some(v)) => values.push(v),
                Ok(None) => {}
                Err(()) => bad = true,
            }
        }
        return match (values.is_empty(), bad) {
            (true, true) => Fill::Bad,
            (true, false) => Fill::Absent,
            _ => Fill::Value(Value::List(values)),
        };
    }
    match convert(rule.convert, term.ty, &first) {
        Ok(Some(v)) => Fill::Value(v),
        Ok(None) => Fill::Absent,
        Err(()) => Fill::Bad,
    }
}

/// Converts one source value, then types it as the term's catalogue type: `Ok(None)` when
/// the value has no such part (a name without extension, a path without drive), `Err` when
/// it does not fit the term's type.
fn convert(how: Convert, ty: ValueType, scalar: &Scalar<'_>) -> Result<Option<Value>, ()> {
    if ty == ValueType::Date {
        return time(scalar).map(|t| Some(Value::Date(t))).ok_or(());
    }
    let text = scalar.text();
    let part: Option<String> = match how {
        Convert::Same | Convert::Time | Convert::Const(_) => Some(text.into_owned()),
        Convert::BaseName => base_name(&text).map(str::to_owned),
        Convert::Folder => folder(&text),
        Convert::Directory => directory(&text).map(str::to_owned),
        Convert::Drive => drive(&text),
        Convert::Extension => extension(&text).map(str::to_owned),
        Convert::Hash(algorithm) => hash(&text, algorithm).map(str::to_owned),
        Convert::Registry(part, value) => registry(&text, part, value),
    };
    match part {
        None => Ok(None),
        Some(text) if text.is_empty() && ty == ValueType::String => Ok(None),
        Some(text) => typed(ty, scalar, text).map(Some).ok_or(()),
    }
}

fn typed(ty: ValueType, scalar: &Scalar<'_>, text: String) -> Option<Value> {
    match ty {
        ValueType::String => Some(Value::Str(text)),
        ValueType::Md5 | ValueType::Sha1 | ValueType::Sha256 => {
            let want = match ty {
                ValueType::Md5 => 32,
                ValueType::Sha1 => 40,
                _ => 64,
            };
            let hex = text.trim().to_ascii_lowercase();
            (hex.len() == want && hex.bytes().all(|b| b.is_ascii_hexdigit()))
                .then_some(Value::Str(hex))
        }
        ValueType::Int => match scalar {
            Scalar::Int(n) => Some(Value::Int(*n)),
            Scalar::Float(x) if x.fract() == 0.0 && x.abs() < 9.0e15 => Some(Value::Int(*x as i64)),
            _ => {
                let t = text.trim();
                match t.strip_prefix("0x").or_else(|| t.strip_prefix("0X")) {
                    Some(hex) => i64::from_str_radix(hex, 16).ok(),
                    None => t.parse().ok(),
                }
                .map(Value::Int)
            }
        },
        ValueType::Ip => text.trim().parse::<IpAddr>().ok().map(Value::Ip),
        ValueType::Float => match scalar {
            Scalar::Float(x) => Some(*x),
            Scalar::Int(n) => Some(*n as f64),
            _ => text.trim().parse::<f64>().ok(),
        }
        .filter(|x| x.is_finite())
        .map(Value::Float),
        ValueType::Bool => match scalar {
            Scalar::Bool(b) => Some(Value::Bool(*b)),
            _ => match text.trim().to_ascii_lowercase().as_str() {
                "true" | "1" => Some(Value::Bool(true)),
                "false" | "0" => Some(Value::Bool(false)),
                _ => None,
            },
        },
        ValueType::Mac => canonical_mac(&text).map(Value::Str),
        ValueType::Date => None,
    }
}

/// A time: Sysmon's `YYYY-MM-DD hh:mm:ss.fff` (UTC), RFC 3339, or milliseconds since the
/// epoch (a number, or digits).
pub(crate) fn time(scalar: &Scalar<'_>) -> Option<DateTime<Utc>> {
    // Years past 9999 have no RFC 3339 form, which snapshots write: not a time.
    parse_time(scalar).filter(|t| (0..=9999).contains(&t.year()))
}

fn parse_time(scalar: &Scalar<'_>) -> Option<DateTime<Utc>> {
    let millis = |ms: i64| Utc.timestamp_millis_opt(ms).single();
    match scalar {
        Scalar::Int(ms) => millis(*ms),
        Scalar::Float(ms) if ms.is_finite() && ms.abs() < 9.0e15 => millis(*ms as i64),
        Scalar::Str(text) => {
            let t = text.trim();
            if !t.is_empty() && t.bytes().all(|b| b.is_ascii_digit()) {
                return t.parse().ok().and_then(millis);
            }
            // Sysmon's form has a space where RFC 3339 has a `T`: try the likely one first.
            if t.as_bytes().get(10) == Some(&b' ') {
                sysmon_time(t)
            } else {
                DateTime::parse_from_rfc3339(t).ok().map(|d| d.to_utc())
            }
        }
        _ => None,
    }
}

/// `2021-02-25 06:02:28.113` (UTC), with the format's items parsed once: parsing the format
/// string on every call cost more than the rest of a Sysmon record's mapping.
fn sysmon_time(text: &str) -> Option<DateTime<Utc>> {
    use chrono::format::{parse, Item as FmtItem, Parsed, StrftimeItems};
    static ITEMS: std::sync::OnceLock<Vec<FmtItem<'static>>> = std::sync::OnceLock::new();
    let items = ITEMS.get_or_init(|| StrftimeItems::new("%Y-%m-%d %H:%M:%S%.f").collect());
    let mut parsed = Parsed::new();
    parse(&mut parsed, text, items.iter()).ok()?;
    parsed.to_naive_datetime_with_offset(0).ok().map(|n| n.and_utc())
}

fn split_last(path: &str) -> (Option<&str>, &str) {
    match path.rfind(['\\', '/']) {
        Some(i) => (Some(&path[..i]), &path[i + 1..]),
        None => (None, path),
    }
}

fn base_name(path: &str) -> Option<&str> {
    Some(split_last(path).1).filter(|n| !n.is_empty())
}

fn extension(path: &str) -> Option<&str> {
    base_name(path)?.rsplit_once('.').map(|(_, e)| e).filter(|e| !e.is_empty())
}

/// `C:\...` (either separator).
fn drive_letter(path: &str) -> Option<char> {
    let mut chars = path.chars();
    let letter = chars.next().filter(char::is_ascii_alphabetic)?;
    (chars.next() == Some(':')).then_some(letter.to_ascii_uppercase())
}

fn drive(path: &str) -> Option<String> {
    drive_letter(path).map(String::from)
}

fn directory(path: &str) -> Option<&str> {
    match split_last(path).0? {
        "" => Some("/"),
        dir if dir.len() == 2 && drive_letter(dir).is_some() => Some(&path[..3]),
        dir => Some(dir),
    }
}

/// HX's `filePath`: drive-relative, no leading separator, for Windows paths (drive letter or
/// `\Device\...` volume); FileItem's absolute folder for POSIX paths.
fn folder(path: &str) -> Option<String> {
    if path.starts_with('/') {
        return directory(path).map(str::to_owned);
    }
    let rest = if drive_letter(path).is_some() {
        &path[2..]
    } else if let Some(device) = path.strip_prefix("\\Device\\") {
        device.find('\\').map_or("", |i| &device[i..])
    } else {
        path
    };
    let dir = split_last(rest).0?.trim_start_matches(['\\', '/']);
    (!dir.is_empty()).then(|| dir.to_owned())
}

/// A part of a registry object path (see [`Convert::Registry`]).
fn registry(object: &str, part: RegPart, value: bool) -> Option<String> {
    // Older Sysmon writes the kernel's form, `\REGISTRY\MACHINE\...`.
    let native = object.get(..10).filter(|p| p.eq_ignore_ascii_case("\\REGISTRY\\"));
    let object = if native.is_some() { &object[10..] } else { object };
    let (root, rest) = object.split_once('\\').unwrap_or((object, ""));
    let root = match root.to_ascii_uppercase().as_str() {
        "HKLM" | "MACHINE" => "HKEY_LOCAL_MACHINE",
        "HKU" | "USER" => "HKEY_USERS",
        "HKCU" => "HKEY_CURRENT_USER",
        "HKCR" => "HKEY_CLASSES_ROOT",
        "HKCC" => "HKEY_CURRENT_CONFIG",
        _ => root,
    };
    let (key, name) = match (value, rest.rsplit_once('\\')) {
        (false, _) => (rest, None),
        (true, Some((key, name))) => (key, Some(name)),
        (true, None) => ("", Some(rest)),
    };
    let (first, below) = key.split_once('\\').unwrap_or((key, ""));
    let joined = |a: &str, b: &str| if b.is_empty() { a.to_owned() } else { format!("{a}\\{b}") };
    match part {
        RegPart::Path => Some(joined(root, key)),
        RegPart::Hive => Some(joined(root, first)),
        RegPart::KeyPath => Some(below.to_owned()),
        RegPart::ValueName => name.map(str::to_owned),
    }
}

/// The digest of `algorithm` in a Sysmon `Hashes` list (`SHA1=AB..,MD5=CD..`).
fn hash<'t>(list: &'t str, algorithm: &str) -> Option<&'t str> {
    list.split(',').filter_map(|part| part.split_once('=')).find_map(|(name, value)| {
        name.trim().eq_ignore_ascii_case(algorithm).then_some(value.trim())
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::import::fields::FlatFields;
    use crate::item::ItemKind;

    fn flat(pairs: &[(&str, &str)]) -> FlatFields {
        FlatFields(pairs.iter().map(|(a, b)| (a.to_string(), b.to_string())).collect())
    }

    #[test]
    fn path_parts_follow_hx_conventions() {
        assert_eq!(folder("C:\\Windows\\System32\\x.dll").as_deref(), Some("Windows\\System32"));
        assert_eq!(
            folder("\\Device\\HarddiskVolume2\\Users\\a\\f.txt").as_deref(),
            Some("Users\\a")
        );
        assert_eq!(folder("/usr/lib/libc.so.6").as_deref(), Some("/usr/lib"));
        assert_eq!(folder("C:\\x.exe"), None);
        assert_eq!(directory("C:\\Windows\\explorer.exe"), Some("C:\\Windows"));
        assert_eq!(directory("C:\\x.exe"), Some("C:\\"));
        assert_eq!(directory("/init"), Some("/"));
        assert_eq!(drive("c:\\x").as_deref(), Some("C"));
        assert_eq!(drive("/usr"), None);
        assert_eq!(base_name("C:\\a\\PsExec.exe"), Some("PsExec.exe"));
        assert_eq!(extension("C:\\a\\b.tar.gz"), Some("gz"));
        assert_eq!(extension("C:\\a.b\\noext"), None);
        assert_eq!(
            hash("SHA1=AA,MD5=0123456789ABCDEF0123456789ABCDEF", "md5"),
            Some("0123456789ABCDEF0123456789ABCDEF")
        );
    }

    #[test]
    fn registry_paths_as_hx_writes_them() {
        let v = "HKLM\\SYSTEM\\CurrentControlSet\\Services\\x\\ImagePath";
        let part = |p, value| registry(v, p, value);
        assert_eq!(
            part(RegPart::Path, true).as_deref(),
            Some("HKEY_LOCAL_MACHINE\\SYSTEM\\CurrentControlSet\\Services\\x")
        );
        assert_eq!(part(RegPart::Hive, true).as_deref(), Some("HKEY_LOCAL_MACHINE\\SYSTEM"));
        assert_eq!(part(RegPart::KeyPath, true).as_deref(), Some("CurrentControlSet\\Services\\x"));
        assert_eq!(part(RegPart::ValueName, true).as_deref(), Some("ImagePath"));
        assert_eq!(part(RegPart::ValueName, false), None);
        assert_eq!(
            part(RegPart::KeyPath, false).as_deref(),
            Some("CurrentControlSet\\Services\\x\\ImagePath")
        );
    }

    #[test]
    fn times_in_every_source_form() {
        let want = Utc.with_ymd_and_hms(2021, 2, 25, 6, 2, 28).unwrap();
        let s = |t: &str| time(&Scalar::Str(t.into()));
        assert_eq!(s("2021-02-25 06:02:28.000"), Some(want));
        assert_eq!(s("2021-02-25T06:02:28Z"), Some(want));
        assert_eq!(s("1614232948000"), Some(want));
        assert_eq!(time(&Scalar::Int(1614232948000)), Some(want));
        assert_eq!(s("yesterday"), None);
        assert_eq!(time(&Scalar::Int(253402300800000)), None, "year 10000");
    }

    #[test]
    fn sysmon_process_create_maps_every_field() {
        let rec = flat(&[
            ("UtcTime", "2021-02-25 06:02:28.113"),
            ("ProcessId", "12320"),
            ("Image", "C:\\build\\PSTools\\PsExec.exe"),
            ("CommandLine", "psexec  \\\\host cmd"),
            ("ParentProcessId", "7880"),
            ("ParentImage", "C:\\Windows\\System32\\cmd.exe"),
            ("User", "CORP\\alice"),
            ("Hashes", "SHA1=00,MD5=0123456789ABCDEF0123456789ABCDEF"),
        ]);
        let m = map_record(Format::Sysmon, "1", &rec).unwrap();
        assert_eq!(m.item.kind(), ItemKind::ProcessEvent);
        assert!(m.unconverted.is_empty());
        let get = |f: Field| m.item.get(f).map(|v| v.to_string());
        assert_eq!(get(Field::ProcessEvProcess).as_deref(), Some("PsExec.exe"));
        assert_eq!(get(Field::ProcessEvParentProcess).as_deref(), Some("cmd.exe"));
        assert_eq!(m.item.get(Field::ProcessEvPid), Some(&Value::Int(12320)));
        assert_eq!(get(Field::ProcessEvMd5).as_deref(), Some("0123456789abcdef0123456789abcdef"));
        assert_eq!(get(Field::ProcessEvEventType).as_deref(), Some("[start]"));
        assert_eq!(m.item.record().and_then(|r| r.source.as_deref()), Some("sysmon"));
        assert!(m.item.record().and_then(|r| r.time).is_some());
    }

    #[test]
    fn bad_values_are_absent_and_reported() {
        let rec = flat(&[("ProcessId", "twelve"), ("Image", "C:\\a.exe")]);
        let m = map_record(Format::Sysmon, "5", &rec).unwrap();
        assert_eq!(m.unconverted, [Field::ProcessEvPid]);
        assert_eq!(m.item.get(Field::ProcessEvPid), None);
    }

    #[test]
    fn conditions_pick_the_mapping_or_skip() {
        let out =
            flat(&[("Initiated", "true"), ("SourceIp", "10.0.0.5"), ("DestinationIp", "8.8.8.8")]);
        let m = map_record(Format::Sysmon, "3", &out).unwrap();
        assert_eq!(m.item.get(Field::Ipv4NetworkEvRemoteIP).unwrap().to_string(), "8.8.8.8");
        let inbound = flat(&[
            ("Initiated", "false"),
            ("SourceIp", "10.0.0.5"),
            ("DestinationIp", "10.0.0.9"),
        ]);
        let m = map_record(Format::Sysmon, "3", &inbound).unwrap();
        assert_eq!(m.item.get(Field::Ipv4NetworkEvRemoteIP).unwrap().to_string(), "10.0.0.5");
        let v6 = flat(&[("Initiated", "true"), ("DestinationIp", "fe80::1")]);
        assert_eq!(
            map_record(Format::Sysmon, "3", &v6).unwrap_err(),
            Unmapped::NotMatched("3".into())
        );
        assert_eq!(
            map_record(Format::Sysmon, "4", &v6).unwrap_err(),
            Unmapped::NoMapping("4".into())
        );
    }
}
