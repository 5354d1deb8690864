//! Import mappings: for each telemetry format the importers read, which source field fills
//! which catalogue term, and how the value is converted. Data only: the engine that applies a
//! [`Mapping`] to a record is `crate::import::map`, the readers that turn bytes into records
//! are `crate::import::{sysmon, auditd, ocsf}`.
//!
//! A record is mapped by the first [`Mapping`] of its format whose `event` equals the
//! record's event key (Sysmon `EventID`, OCSF `class_uid`, an audit group's `EXECVE`) and whose
//! conditions all hold. Each [`Rule`] reads the first of its source paths that the record has
//! and fills one term; a term no rule names, or whose source is absent or does not convert, is
//! left absent, so its conditions are *not evaluated*: nothing is guessed. [`not_provided`]
//! lists those terms per mapping (`iocscan import FORMAT --mappings` prints them).
//!
//! Source paths are the format's own field names: Sysmon `EventData/Data/@Name` values
//! (`Image`) and `System.Computer`; dotted OCSF attribute paths (`process.parent_process.pid`)
//! with `name[]` for every element of a list and `name[key=value]` for the element whose `key`
//! is `value`; for audit, `RECORD.field` of the event's records (`SYSCALL.exe`) plus the
//! fields the reader assembles (`EXECVE.argv`, the decoded command line).
//!
//! Sources: Sysmon's event schema (event ids 1, 3, 5, 7, 11, 12, 13, 22; mapped as HX records
//! the same facts, see the README), the Linux Audit record formats, OCSF 1.x classes 1001, 1005, 1007,
//! 4001, 4002, 4003, 5001, 5003, 5040 (Live Evidence Info: file, process and user queries).

use super::{Field, ItemKind};
use serde::Serialize;

/// A telemetry format `iocscan import` reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Format {
    /// Windows Sysmon events: EVTX files, or the XML Windows tools export.
    Sysmon,
    /// Linux audit logs (`audit.log` text).
    Auditd,
    /// OCSF events as JSON (one per line, or JSON arrays).
    Ocsf,
}

impl Format {
    /// Every format, in command-line order.
    pub const ALL: [Format; 3] = [Format::Sysmon, Format::Auditd, Format::Ocsf];

    /// The format's name (`sysmon`), as the command line and `Record::source` spell it.
    pub fn as_str(self) -> &'static str {
        match self {
            Format::Sysmon => "sysmon",
            Format::Auditd => "auditd",
            Format::Ocsf => "ocsf",
        }
    }

    /// The source paths that name a record's host, first present wins.
    pub fn host_fields(self) -> &'static [&'static str] {
        match self {
            Format::Sysmon => &["System.Computer"],
            Format::Auditd => &["node"],
            Format::Ocsf => &["device.uid", "device.hostname"],
        }
    }

    /// The source paths that give a record's time, first present wins (converted as
    /// [`Convert::Time`]).
    pub fn time_fields(self) -> &'static [&'static str] {
        match self {
            Format::Sysmon => &["UtcTime", "System.TimeCreated"],
            Format::Auditd => &["time"],
            Format::Ocsf => &["time", "time_dt"],
        }
    }
}

impl std::fmt::Display for Format {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// How a source value becomes a term's value. The result is then typed by the term's
/// catalogue type (integers, dates, addresses, digests): a value that does not fit is left
/// absent and counted.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case", tag = "convert", content = "value")]
pub enum Convert {
    /// The value as it is.
    Same,
    /// A time: Sysmon's `2021-02-25 06:02:28.113` (UTC), RFC 3339, or an integer of
    /// milliseconds since the epoch (OCSF `timestamp_t`).
    Time,
    /// The last component of a path (`C:\Windows\cmd.exe` -> `cmd.exe`; `/` or `\`).
    BaseName,
    /// The directory of a path as HX writes `filePath`: drive-relative without a leading
    /// separator on Windows (`C:\Windows\System32\x.dll` -> `Windows\System32`), the absolute
    /// folder on POSIX (`/usr/lib/x.so` -> `/usr/lib`, as FileItem/FilePath).
    Folder,
    /// The full directory of a path (`C:\Windows\explorer.exe` -> `C:\Windows`): HX's
    /// `processPath` of fileWriteEvent and dnsLookupEvent.
    Directory,
    /// The drive letter of a Windows path (`C:\x` -> `C`).
    Drive,
    /// The extension of a path's last component, without the dot.
    Extension,
    /// One digest of a Sysmon `Hashes` list (`SHA1=..,MD5=..,SHA256=..`), by algorithm name.
    Hash(&'static str),
    /// A part of a Sysmon registry `TargetObject` (`HKLM\SYSTEM\CurrentControlSet\x`, the
    /// hive abbreviated), written as HX writes registry paths (`HKEY_LOCAL_MACHINE\...`); the
    /// flag says the object names a value (its last component is the value name).
    Registry(RegPart, bool),
    /// A fixed value, whatever the source holds (the source path is then only a presence
    /// test; an empty path list means always).
    Const(&'static str),
}

/// A part of a registry path (see [`Convert::Registry`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum RegPart {
    /// The key's full path (`HKEY_LOCAL_MACHINE\SYSTEM\CurrentControlSet\x`).
    Path,
    /// The hive: the root and its first key (`HKEY_LOCAL_MACHINE\SYSTEM`).
    Hive,
    /// The key below the hive (`CurrentControlSet\x`).
    KeyPath,
    /// The value's name.
    ValueName,
}

/// One source field -> one term.
#[derive(Clone, Copy, Debug, Serialize)]
pub struct Rule {
    /// The source paths tried in order; the first one the record has is used.
    pub source: &'static [&'static str],
    /// The term filled.
    #[serde(serialize_with = "field_name")]
    pub term: Field,
    /// The conversion.
    #[serde(flatten)]
    pub convert: Convert,
}

/// A condition on a record for a [`Mapping`] to apply.
#[derive(Clone, Copy, Debug, Serialize)]
pub struct When {
    /// The source path tested.
    pub path: &'static str,
    /// The test.
    #[serde(flatten)]
    pub test: Test,
}

/// What a [`When`] requires of the value at its path.
#[derive(Clone, Copy, Debug, Serialize)]
#[serde(rename_all = "kebab-case", tag = "test", content = "values")]
pub enum Test {
    /// The value, as text, is one of these.
    OneOf(&'static [&'static str]),
    /// The value is absent, or none of these.
    NoneOf(&'static [&'static str]),
    /// The value is absent, or not an IPv6 address (an IPv4-mapped one counts as IPv4).
    NotIpv6,
}

/// How one kind of source record becomes one item.
#[derive(Clone, Copy, Debug, Serialize)]
pub struct Mapping {
    /// The format.
    pub format: Format,
    /// The record's event key: Sysmon `EventID`, OCSF `class_uid`, `EXECVE` for an audit
    /// event group holding an EXECVE record.
    pub event: &'static str,
    /// What the records are, in the source's words (`ProcessCreate`, `Process Activity:
    /// Launch`).
    pub name: &'static str,
    /// Conditions that must all hold.
    pub when: &'static [When],
    /// The item kind produced.
    pub kind: ItemKind,
    /// The fields filled.
    pub rules: &'static [Rule],
}

fn field_name<S: serde::Serializer>(field: &Field, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(field.name())
}

const fn r(source: &'static [&'static str], term: Field, convert: Convert) -> Rule {
    Rule { source, term, convert }
}

const fn is(path: &'static str, values: &'static [&'static str]) -> When {
    When { path, test: Test::OneOf(values) }
}

const fn is_not(path: &'static str, values: &'static [&'static str]) -> When {
    When { path, test: Test::NoneOf(values) }
}

/// An IPv6 connection is not an ipv4NetworkEvent (HX has no IPv6 family): such records match
/// no mapping and are counted as skipped.
const fn ipv4(path: &'static str) -> When {
    When { path, test: Test::NotIpv6 }
}

mod auditd;
mod ocsf;
mod sysmon;

/// The mappings of `format`, in table order (`sysmon.rs`, `auditd.rs`, `ocsf.rs` beside this
/// file hold the rows).
pub fn mappings(format: Format) -> impl Iterator<Item = &'static Mapping> {
    let table = match format {
        Format::Sysmon => sysmon::MAPPINGS,
        Format::Auditd => auditd::MAPPINGS,
        Format::Ocsf => ocsf::MAPPINGS,
    };
    table.iter()
}

/// The item kinds `format` can produce, in [`ItemKind`] order.
pub fn kinds(format: Format) -> Vec<ItemKind> {
    let mut kinds: Vec<ItemKind> = mappings(format).map(|m| m.kind).collect();
    kinds.sort();
    kinds.dedup();
    kinds
}

/// The terms of `mapping`'s kind that none of its rules fills: always absent on its items,
/// so their conditions are not evaluated.
pub fn not_provided(mapping: &Mapping) -> impl Iterator<Item = Field> + '_ {
    super::of_kind(mapping.kind)
        .map(|t| t.field)
        .filter(move |f| !mapping.rules.iter().any(|r| r.term == *f))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rules_fill_terms_of_their_mapping_kind_once() {
        for m in Format::ALL.into_iter().flat_map(mappings) {
            assert!(
                mappings(m.format).any(|n| std::ptr::eq(n, m)),
                "{} in the wrong table",
                m.name
            );
            let mut seen = std::collections::HashSet::new();
            for rule in m.rules {
                assert_eq!(
                    rule.term.kind(),
                    m.kind,
                    "{} {}: {}",
                    m.format,
                    m.name,
                    rule.term.name()
                );
                assert!(
                    seen.insert(rule.term),
                    "{} {}: {} twice",
                    m.format,
                    m.name,
                    rule.term.name()
                );
                let constant = matches!(rule.convert, Convert::Const(_));
                if let Convert::Const(text) = rule.convert {
                    let ok = match rule.term.value_type() {
                        crate::terms::ValueType::Int => text.parse::<i64>().is_ok(),
                        _ => true,
                    };
                    assert!(ok, "{}: constant {text} does not fit", rule.term.name());
                }
                assert!(constant || !rule.source.is_empty(), "{}: no source", rule.term.name());
            }
        }
    }

    #[test]
    fn every_format_has_mappings_and_kinds() {
        for format in Format::ALL {
            assert!(mappings(format).count() > 0, "{format}");
            assert!(!kinds(format).is_empty(), "{format}");
        }
        assert_eq!(kinds(Format::Auditd), [ItemKind::ProcessEvent]);
        let create = mappings(Format::Sysmon).next().unwrap();
        let missing: Vec<_> = not_provided(create).map(Field::name).collect();
        assert!(missing.is_empty(), "{missing:?}");
        let terminate = mappings(Format::Sysmon).find(|m| m.event == "5").unwrap();
        assert!(not_provided(terminate).any(|f| f == Field::ProcessEvProcessCmdLine));
    }
}
