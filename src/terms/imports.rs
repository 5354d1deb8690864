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

/// Sysmon 12/13 as HX regKeyEvent records: `eventType` 1 value set, 2 value deleted, 3 key
/// created, 4 key deleted (`value` says the TargetObject names a value). Sysmon does not log
/// the value's type or raw data (`Details` is its text), nor a key's original path.
const fn sysmon_registry(event_type: &'static str, value: bool) -> [Rule; 11] {
    [
        r(&[], F::RegKeyEvEventType, Const(event_type)),
        r(&["UtcTime"], F::RegKeyEvTimestamp, Time),
        r(&["TargetObject"], F::RegKeyEvPath, Registry(RegPart::Path, value)),
        r(&["TargetObject"], F::RegKeyEvHive, Registry(RegPart::Hive, value)),
        r(&["TargetObject"], F::RegKeyEvKeyPath, Registry(RegPart::KeyPath, value)),
        r(&["TargetObject"], F::RegKeyEvValueName, Registry(RegPart::ValueName, value)),
        r(&["Details"], F::RegKeyEvText, Same),
        r(&["ProcessId"], F::RegKeyEvPid, Same),
        r(&["Image"], F::RegKeyEvProcessPath, Same),
        r(&["Image"], F::RegKeyEvProcess, BaseName),
        r(&["User"], F::RegKeyEvUsername, Same),
    ]
}

const SYSMON_KEY_CREATED: &[Rule] = &sysmon_registry("3", false);
const SYSMON_KEY_DELETED: &[Rule] = &sysmon_registry("4", false);
const SYSMON_VALUE_SET: &[Rule] = &sysmon_registry("1", true);
const SYSMON_VALUE_DELETED: &[Rule] = &sysmon_registry("2", true);

/// An IPv6 connection is not an ipv4NetworkEvent (HX has no IPv6 family): such records match
/// no mapping and are counted as skipped.
const fn ipv4(path: &'static str) -> When {
    When { path, test: Test::NotIpv6 }
}

use Convert::{BaseName, Const, Directory, Drive, Extension, Folder, Hash, Registry, Same, Time};
use Field as F;

// ---- Sysmon -------------------------------------------------------------------------------

const SYSMON_PROCESS_CREATE: &[Rule] = &[
    r(&[], F::ProcessEvEventType, Const("start")),
    r(&["UtcTime"], F::ProcessEvTimestamp, Time),
    r(&["UtcTime"], F::ProcessEvStartTime, Time),
    r(&["ProcessId"], F::ProcessEvPid, Same),
    r(&["Image"], F::ProcessEvProcessPath, Same),
    r(&["Image"], F::ProcessEvProcess, BaseName),
    r(&["CommandLine"], F::ProcessEvProcessCmdLine, Same),
    r(&["ParentProcessId"], F::ProcessEvParentPid, Same),
    r(&["ParentImage"], F::ProcessEvParentProcessPath, Same),
    r(&["ParentImage"], F::ProcessEvParentProcess, BaseName),
    r(&["User"], F::ProcessEvUsername, Same),
    r(&["Hashes"], F::ProcessEvMd5, Hash("MD5")),
];

const SYSMON_PROCESS_TERMINATE: &[Rule] = &[
    r(&[], F::ProcessEvEventType, Const("end")),
    r(&["UtcTime"], F::ProcessEvTimestamp, Time),
    r(&["ProcessId"], F::ProcessEvPid, Same),
    r(&["Image"], F::ProcessEvProcessPath, Same),
    r(&["Image"], F::ProcessEvProcess, BaseName),
    r(&["User"], F::ProcessEvUsername, Same),
];

/// Sysmon 3 with `Initiated` true: the process connected out, so Source is the local end.
const SYSMON_NETWORK_OUT: &[Rule] = &[
    r(&["UtcTime"], F::Ipv4NetworkEvTimestamp, Time),
    r(&["SourceIp"], F::Ipv4NetworkEvLocalIP, Same),
    r(&["SourcePort"], F::Ipv4NetworkEvLocalPort, Same),
    r(&["DestinationIp"], F::Ipv4NetworkEvRemoteIP, Same),
    r(&["DestinationPort"], F::Ipv4NetworkEvRemotePort, Same),
    r(&["Protocol"], F::Ipv4NetworkEvProtocol, Same),
    r(&["ProcessId"], F::Ipv4NetworkEvPid, Same),
    r(&["Image"], F::Ipv4NetworkEvProcessPath, Same),
    r(&["Image"], F::Ipv4NetworkEvProcess, BaseName),
    r(&["User"], F::Ipv4NetworkEvUsername, Same),
];

/// Sysmon 3 with `Initiated` false: an accepted connection, Source is the remote peer.
const SYSMON_NETWORK_IN: &[Rule] = &[
    r(&["UtcTime"], F::Ipv4NetworkEvTimestamp, Time),
    r(&["DestinationIp"], F::Ipv4NetworkEvLocalIP, Same),
    r(&["DestinationPort"], F::Ipv4NetworkEvLocalPort, Same),
    r(&["SourceIp"], F::Ipv4NetworkEvRemoteIP, Same),
    r(&["SourcePort"], F::Ipv4NetworkEvRemotePort, Same),
    r(&["Protocol"], F::Ipv4NetworkEvProtocol, Same),
    r(&["ProcessId"], F::Ipv4NetworkEvPid, Same),
    r(&["Image"], F::Ipv4NetworkEvProcessPath, Same),
    r(&["Image"], F::Ipv4NetworkEvProcess, BaseName),
    r(&["User"], F::Ipv4NetworkEvUsername, Same),
];

const SYSMON_IMAGE_LOAD: &[Rule] = &[
    r(&["UtcTime"], F::ImageLoadEvTimestamp, Time),
    r(&["ImageLoaded"], F::ImageLoadEvFullPath, Same),
    r(&["ImageLoaded"], F::ImageLoadEvFilePath, Folder),
    r(&["ImageLoaded"], F::ImageLoadEvFileName, BaseName),
    r(&["ImageLoaded"], F::ImageLoadEvFileExtension, Extension),
    r(&["ImageLoaded"], F::ImageLoadEvDrive, Drive),
    r(&["ProcessId"], F::ImageLoadEvPid, Same),
    r(&["Image"], F::ImageLoadEvProcessPath, Same),
    r(&["Image"], F::ImageLoadEvProcess, BaseName),
    r(&["User"], F::ImageLoadEvUsername, Same),
];

const SYSMON_FILE_CREATE: &[Rule] = &[
    r(&["UtcTime"], F::FileWriteEvTimestamp, Time),
    r(&["TargetFilename"], F::FileWriteEvFullPath, Same),
    r(&["TargetFilename"], F::FileWriteEvFilePath, Folder),
    r(&["TargetFilename"], F::FileWriteEvFileName, BaseName),
    r(&["TargetFilename"], F::FileWriteEvFileExtension, Extension),
    r(&["TargetFilename"], F::FileWriteEvDrive, Drive),
    r(&["ProcessId"], F::FileWriteEvPid, Same),
    r(&["Image"], F::FileWriteEvProcessPath, Directory),
    r(&["Image"], F::FileWriteEvProcess, BaseName),
    r(&["User"], F::FileWriteEvUsername, Same),
];

const SYSMON_DNS_QUERY: &[Rule] = &[
    r(&["UtcTime"], F::DnsLookupEvTimestamp, Time),
    r(&["QueryName"], F::DnsLookupEvHostname, Same),
    r(&["ProcessId"], F::DnsLookupEvPid, Same),
    r(&["Image"], F::DnsLookupEvProcessPath, Directory),
    r(&["Image"], F::DnsLookupEvProcess, BaseName),
    r(&["User"], F::DnsLookupEvUsername, Same),
];

// ---- Linux audit --------------------------------------------------------------------------

/// One execve: the SYSCALL record (process, parent, executable, effective user as the
/// enriched log names it, as a live scan reads the effective uid; a raw log's numbers are not
/// names, so the user is then absent) and the EXECVE record (arguments). CWD, PATH and `auid`
/// (the login user) have no processEvent term; `startTime` would be the fork, which an exec
/// record does not give.
const AUDIT_EXECVE: &[Rule] = &[
    r(&[], F::ProcessEvEventType, Const("start")),
    r(&["time"], F::ProcessEvTimestamp, Time),
    r(&["SYSCALL.pid"], F::ProcessEvPid, Same),
    r(&["SYSCALL.ppid"], F::ProcessEvParentPid, Same),
    r(&["SYSCALL.exe"], F::ProcessEvProcessPath, Same),
    r(&["SYSCALL.exe"], F::ProcessEvProcess, BaseName),
    r(&["EXECVE.argv", "PROCTITLE.proctitle"], F::ProcessEvProcessCmdLine, Same),
    r(&["SYSCALL.EUID", "SYSCALL.UID"], F::ProcessEvUsername, Same),
];

// ---- OCSF ---------------------------------------------------------------------------------

const OCSF_ACTOR_PATH: &[&str] = &["actor.process.file.path", "actor.process.path"];

const OCSF_PROCESS_LAUNCH: &[Rule] = &[
    r(&[], F::ProcessEvEventType, Const("start")),
    r(&["time", "time_dt"], F::ProcessEvTimestamp, Time),
    r(&["process.created_time", "process.created_time_dt"], F::ProcessEvStartTime, Time),
    r(&["process.pid"], F::ProcessEvPid, Same),
    r(&["process.name", "process.file.name"], F::ProcessEvProcess, Same),
    r(&["process.file.path", "process.path"], F::ProcessEvProcessPath, Same),
    r(&["process.cmd_line"], F::ProcessEvProcessCmdLine, Same),
    r(&["process.parent_process.pid"], F::ProcessEvParentPid, Same),
    r(&["process.parent_process.name"], F::ProcessEvParentProcess, Same),
    r(
        &["process.parent_process.file.path", "process.parent_process.path"],
        F::ProcessEvParentProcessPath,
        Same,
    ),
    r(&["process.user.name", "actor.user.name"], F::ProcessEvUsername, Same),
    r(&["process.file.hashes[algorithm_id=1].value"], F::ProcessEvMd5, Same),
];

const OCSF_PROCESS_TERMINATE: &[Rule] = &[
    r(&[], F::ProcessEvEventType, Const("end")),
    r(&["time", "time_dt"], F::ProcessEvTimestamp, Time),
    r(&["process.pid"], F::ProcessEvPid, Same),
    r(&["process.name", "process.file.name"], F::ProcessEvProcess, Same),
    r(&["process.file.path", "process.path"], F::ProcessEvProcessPath, Same),
    r(&["process.cmd_line"], F::ProcessEvProcessCmdLine, Same),
    r(&["process.parent_process.pid"], F::ProcessEvParentPid, Same),
    r(&["process.user.name", "actor.user.name"], F::ProcessEvUsername, Same),
];

const OCSF_FILE_WRITE: &[Rule] = &[
    r(&["time", "time_dt"], F::FileWriteEvTimestamp, Time),
    r(&["file.path"], F::FileWriteEvFullPath, Same),
    r(&["file.path"], F::FileWriteEvFilePath, Folder),
    r(&["file.name", "file.path"], F::FileWriteEvFileName, BaseName),
    r(&["file.name", "file.path"], F::FileWriteEvFileExtension, Extension),
    r(&["file.path"], F::FileWriteEvDrive, Drive),
    r(&["file.hashes[algorithm_id=1].value"], F::FileWriteEvMd5, Same),
    r(&["actor.process.pid"], F::FileWriteEvPid, Same),
    r(&["actor.process.name"], F::FileWriteEvProcess, Same),
    r(OCSF_ACTOR_PATH, F::FileWriteEvProcessPath, Directory),
    r(&["actor.process.parent_process.pid"], F::FileWriteEvParentPid, Same),
    r(
        &["actor.process.parent_process.file.path", "actor.process.parent_process.path"],
        F::FileWriteEvParentProcessPath,
        Same,
    ),
    r(&["actor.user.name", "actor.process.user.name"], F::FileWriteEvUsername, Same),
];

const OCSF_MODULE_LOAD: &[Rule] = &[
    r(&["time", "time_dt"], F::ImageLoadEvTimestamp, Time),
    r(&["module.file.path"], F::ImageLoadEvFullPath, Same),
    r(&["module.file.path"], F::ImageLoadEvFilePath, Folder),
    r(&["module.file.name", "module.file.path"], F::ImageLoadEvFileName, BaseName),
    r(&["module.file.name", "module.file.path"], F::ImageLoadEvFileExtension, Extension),
    r(&["module.file.path"], F::ImageLoadEvDrive, Drive),
    r(&["actor.process.pid"], F::ImageLoadEvPid, Same),
    r(&["actor.process.name"], F::ImageLoadEvProcess, Same),
    r(OCSF_ACTOR_PATH, F::ImageLoadEvProcessPath, Same),
    r(&["actor.process.parent_process.pid"], F::ImageLoadEvParentPid, Same),
    r(&["actor.user.name", "actor.process.user.name"], F::ImageLoadEvUsername, Same),
];

const OCSF_DNS: &[Rule] = &[
    r(&["time", "time_dt"], F::DnsLookupEvTimestamp, Time),
    r(&["query.hostname"], F::DnsLookupEvHostname, Same),
    r(&["actor.process.pid"], F::DnsLookupEvPid, Same),
    r(&["actor.process.name"], F::DnsLookupEvProcess, Same),
    r(OCSF_ACTOR_PATH, F::DnsLookupEvProcessPath, Directory),
    r(&["actor.user.name", "actor.process.user.name"], F::DnsLookupEvUsername, Same),
];

const OCSF_HTTP: &[Rule] = &[
    r(&["time", "time_dt"], F::UrlMonitorEvTimestamp, Time),
    r(&["http_request.url.url_string"], F::UrlMonitorEvRequestUrl, Same),
    r(&["http_request.url.hostname"], F::UrlMonitorEvHostname, Same),
    r(&["http_request.http_method"], F::UrlMonitorEvUrlMethod, Same),
    r(&["http_request.user_agent"], F::UrlMonitorEvUserAgent, Same),
    r(&["dst_endpoint.ip"], F::UrlMonitorEvRemoteIpAddress, Same),
    r(&["dst_endpoint.port"], F::UrlMonitorEvRemotePort, Same),
    r(&["src_endpoint.port"], F::UrlMonitorEvLocalPort, Same),
    r(&["actor.process.pid"], F::UrlMonitorEvPid, Same),
    r(&["actor.process.name"], F::UrlMonitorEvProcess, Same),
    r(OCSF_ACTOR_PATH, F::UrlMonitorEvProcessPath, Same),
    r(&["actor.user.name", "actor.process.user.name"], F::UrlMonitorEvUsername, Same),
];

/// Network Activity seen from the device: outbound (or unknown direction) has the device as
/// `src_endpoint`.
const OCSF_NETWORK_OUT: &[Rule] = &[
    r(&["time", "time_dt"], F::Ipv4NetworkEvTimestamp, Time),
    r(&["src_endpoint.ip"], F::Ipv4NetworkEvLocalIP, Same),
    r(&["src_endpoint.port"], F::Ipv4NetworkEvLocalPort, Same),
    r(&["dst_endpoint.ip"], F::Ipv4NetworkEvRemoteIP, Same),
    r(&["dst_endpoint.port"], F::Ipv4NetworkEvRemotePort, Same),
    r(&["connection_info.protocol_name"], F::Ipv4NetworkEvProtocol, Same),
    r(&["actor.process.pid"], F::Ipv4NetworkEvPid, Same),
    r(&["actor.process.name"], F::Ipv4NetworkEvProcess, Same),
    r(OCSF_ACTOR_PATH, F::Ipv4NetworkEvProcessPath, Same),
    r(&["actor.user.name", "actor.process.user.name"], F::Ipv4NetworkEvUsername, Same),
];

/// Inbound Network Activity (`connection_info.direction_id` 1): the peer is `src_endpoint`.
const OCSF_NETWORK_IN: &[Rule] = &[
    r(&["time", "time_dt"], F::Ipv4NetworkEvTimestamp, Time),
    r(&["dst_endpoint.ip"], F::Ipv4NetworkEvLocalIP, Same),
    r(&["dst_endpoint.port"], F::Ipv4NetworkEvLocalPort, Same),
    r(&["src_endpoint.ip"], F::Ipv4NetworkEvRemoteIP, Same),
    r(&["src_endpoint.port"], F::Ipv4NetworkEvRemotePort, Same),
    r(&["connection_info.protocol_name"], F::Ipv4NetworkEvProtocol, Same),
    r(&["actor.process.pid"], F::Ipv4NetworkEvPid, Same),
    r(&["actor.process.name"], F::Ipv4NetworkEvProcess, Same),
    r(OCSF_ACTOR_PATH, F::Ipv4NetworkEvProcessPath, Same),
    r(&["actor.user.name", "actor.process.user.name"], F::Ipv4NetworkEvUsername, Same),
];

const OCSF_DEVICE: &[Rule] = &[
    r(&["device.hostname"], F::SysHostname, Same),
    r(&["device.domain"], F::SysDomain, Same),
    r(&["device.os.name"], F::SysOs, Same),
    r(&["device.os.version"], F::SysProductName, Same),
    r(&["device.os.kernel_release"], F::SysKernelVersion, Same),
    r(&["device.os.cpu_bits"], F::SysOsBitness, Same),
    r(&["device.hw_info.cpu_architecture"], F::SysMachine, Same),
    r(&["device.hw_info.cpu_type"], F::SysProcessor, Same),
    r(&["device.hw_info.ram_size"], F::SysTotalPhysical, Same),
    r(&["device.mac"], F::SysMac, Same),
    r(&["device.ip"], F::SysPrimaryIp, Same),
    r(&["device.network_interfaces[].name"], F::SysNetAdapter, Same),
    r(&["device.network_interfaces[].mac"], F::SysNetMac, Same),
    r(&["device.network_interfaces[].ip"], F::SysNetIpAddress, Same),
];

const OCSF_USER: &[Rule] = &[
    r(&["user.name"], F::UserUsername, Same),
    r(&["user.full_name"], F::UserFullname, Same),
    r(&["user.uid"], F::UserUserid, Same),
    r(&["user.groups[].name"], F::UserGroupList, Same),
];

const OCSF_EVIDENCE_FILE: &[Rule] = &[
    r(&["query_evidence.file.path"], F::FileFullPath, Same),
    r(&["query_evidence.file.path"], F::FileFilePath, Folder),
    r(&["query_evidence.file.name", "query_evidence.file.path"], F::FileFileName, BaseName),
    r(&["query_evidence.file.name", "query_evidence.file.path"], F::FileFileExtension, Extension),
    r(&["query_evidence.file.size"], F::FileSizeInBytes, Same),
    r(
        &["query_evidence.file.created_time", "query_evidence.file.created_time_dt"],
        F::FileCreated,
        Time,
    ),
    r(
        &["query_evidence.file.modified_time", "query_evidence.file.modified_time_dt"],
        F::FileModified,
        Time,
    ),
    r(
        &["query_evidence.file.accessed_time", "query_evidence.file.accessed_time_dt"],
        F::FileAccessed,
        Time,
    ),
    r(&["query_evidence.file.owner.name"], F::FileUsername, Same),
    r(&["query_evidence.file.hashes[algorithm_id=1].value"], F::FileMd5sum, Same),
    r(&["query_evidence.file.hashes[algorithm_id=2].value"], F::FileSha1sum, Same),
    r(&["query_evidence.file.hashes[algorithm_id=3].value"], F::FileSha256sum, Same),
];

const OCSF_EVIDENCE_PROCESS: &[Rule] = &[
    r(&["query_evidence.process.pid"], F::ProcessPid, Same),
    r(&["query_evidence.process.parent_process.pid"], F::ProcessParentPid, Same),
    r(&["query_evidence.process.name", "query_evidence.process.file.name"], F::ProcessName, Same),
    r(&["query_evidence.process.file.path", "query_evidence.process.path"], F::ProcessPath, Same),
    r(&["query_evidence.process.cmd_line"], F::ProcessArguments, Same),
    r(&["query_evidence.process.user.name"], F::ProcessUsername, Same),
    r(
        &["query_evidence.process.created_time", "query_evidence.process.created_time_dt"],
        F::ProcessStartTime,
        Time,
    ),
];

const OCSF_EVIDENCE_USER: &[Rule] = &[
    r(&["query_evidence.user.name"], F::UserUsername, Same),
    r(&["query_evidence.user.full_name"], F::UserFullname, Same),
    r(&["query_evidence.user.uid"], F::UserUserid, Same),
    r(&["query_evidence.user.groups[].name"], F::UserGroupList, Same),
];

/// Every mapping, by format. Order matters only among mappings of one event key.
pub static MAPPINGS: &[Mapping] = &[
    Mapping {
        format: Format::Sysmon,
        event: "1",
        name: "ProcessCreate",
        when: &[],
        kind: ItemKind::ProcessEvent,
        rules: SYSMON_PROCESS_CREATE,
    },
    Mapping {
        format: Format::Sysmon,
        event: "3",
        name: "NetworkConnect, initiated",
        when: &[ipv4("DestinationIp"), is("Initiated", &["true"])],
        kind: ItemKind::Ipv4NetworkEvent,
        rules: SYSMON_NETWORK_OUT,
    },
    Mapping {
        format: Format::Sysmon,
        event: "3",
        name: "NetworkConnect, accepted",
        when: &[ipv4("DestinationIp"), is("Initiated", &["false"])],
        kind: ItemKind::Ipv4NetworkEvent,
        rules: SYSMON_NETWORK_IN,
    },
    Mapping {
        format: Format::Sysmon,
        event: "5",
        name: "ProcessTerminate",
        when: &[],
        kind: ItemKind::ProcessEvent,
        rules: SYSMON_PROCESS_TERMINATE,
    },
    Mapping {
        format: Format::Sysmon,
        event: "7",
        name: "ImageLoad",
        when: &[],
        kind: ItemKind::ImageLoadEvent,
        rules: SYSMON_IMAGE_LOAD,
    },
    Mapping {
        format: Format::Sysmon,
        event: "11",
        name: "FileCreate",
        when: &[],
        kind: ItemKind::FileWriteEvent,
        rules: SYSMON_FILE_CREATE,
    },
    Mapping {
        format: Format::Sysmon,
        event: "22",
        name: "DnsQuery",
        when: &[],
        kind: ItemKind::DnsLookupEvent,
        rules: SYSMON_DNS_QUERY,
    },
    Mapping {
        format: Format::Sysmon,
        event: "12",
        name: "RegistryEvent, key created",
        when: &[is("EventType", &["CreateKey"])],
        kind: ItemKind::RegKeyEvent,
        rules: SYSMON_KEY_CREATED,
    },
    Mapping {
        format: Format::Sysmon,
        event: "12",
        name: "RegistryEvent, key deleted",
        when: &[is("EventType", &["DeleteKey"])],
        kind: ItemKind::RegKeyEvent,
        rules: SYSMON_KEY_DELETED,
    },
    Mapping {
        format: Format::Sysmon,
        event: "12",
        name: "RegistryEvent, value deleted",
        when: &[is("EventType", &["DeleteValue"])],
        kind: ItemKind::RegKeyEvent,
        rules: SYSMON_VALUE_DELETED,
    },
    Mapping {
        format: Format::Sysmon,
        event: "13",
        name: "RegistryEvent, value set",
        when: &[is("EventType", &["SetValue"])],
        kind: ItemKind::RegKeyEvent,
        rules: SYSMON_VALUE_SET,
    },
    Mapping {
        format: Format::Auditd,
        event: "EXECVE",
        name: "SYSCALL + EXECVE (+ PROCTITLE) of one successful execve",
        when: &[is_not("SYSCALL.success", &["no"])],
        kind: ItemKind::ProcessEvent,
        rules: AUDIT_EXECVE,
    },
    Mapping {
        format: Format::Ocsf,
        event: "1007",
        name: "Process Activity: Launch",
        when: &[is("activity_id", &["1"])],
        kind: ItemKind::ProcessEvent,
        rules: OCSF_PROCESS_LAUNCH,
    },
    Mapping {
        format: Format::Ocsf,
        event: "1007",
        name: "Process Activity: Terminate",
        when: &[is("activity_id", &["2"])],
        kind: ItemKind::ProcessEvent,
        rules: OCSF_PROCESS_TERMINATE,
    },
    Mapping {
        format: Format::Ocsf,
        event: "1001",
        name: "File System Activity: Create, Update",
        when: &[is("activity_id", &["1", "3"])],
        kind: ItemKind::FileWriteEvent,
        rules: OCSF_FILE_WRITE,
    },
    Mapping {
        format: Format::Ocsf,
        event: "1005",
        name: "Module Activity: Load",
        when: &[is("activity_id", &["1"])],
        kind: ItemKind::ImageLoadEvent,
        rules: OCSF_MODULE_LOAD,
    },
    Mapping {
        format: Format::Ocsf,
        event: "4003",
        name: "DNS Activity: Query, Traffic",
        when: &[is("activity_id", &["1", "6"])],
        kind: ItemKind::DnsLookupEvent,
        rules: OCSF_DNS,
    },
    Mapping {
        format: Format::Ocsf,
        event: "4002",
        name: "HTTP Activity",
        when: &[],
        kind: ItemKind::UrlMonitorEvent,
        rules: OCSF_HTTP,
    },
    Mapping {
        format: Format::Ocsf,
        event: "4001",
        name: "Network Activity, inbound",
        when: &[ipv4("dst_endpoint.ip"), is("connection_info.direction_id", &["1"])],
        kind: ItemKind::Ipv4NetworkEvent,
        rules: OCSF_NETWORK_IN,
    },
    Mapping {
        format: Format::Ocsf,
        event: "4001",
        name: "Network Activity, outbound or unknown direction",
        when: &[ipv4("dst_endpoint.ip")],
        kind: ItemKind::Ipv4NetworkEvent,
        rules: OCSF_NETWORK_OUT,
    },
    Mapping {
        format: Format::Ocsf,
        event: "5001",
        name: "Device Inventory Info",
        when: &[],
        kind: ItemKind::SystemInfo,
        rules: OCSF_DEVICE,
    },
    Mapping {
        format: Format::Ocsf,
        event: "5003",
        name: "User Inventory Info",
        when: &[],
        kind: ItemKind::User,
        rules: OCSF_USER,
    },
    Mapping {
        format: Format::Ocsf,
        event: "5040",
        name: "Live Evidence Info: File",
        when: &[is("query_type_id", &["2"])],
        kind: ItemKind::File,
        rules: OCSF_EVIDENCE_FILE,
    },
    Mapping {
        format: Format::Ocsf,
        event: "5040",
        name: "Live Evidence Info: Process",
        when: &[is("query_type_id", &["10"])],
        kind: ItemKind::Process,
        rules: OCSF_EVIDENCE_PROCESS,
    },
    Mapping {
        format: Format::Ocsf,
        event: "5040",
        name: "Live Evidence Info: User",
        when: &[is("query_type_id", &["13"])],
        kind: ItemKind::User,
        rules: OCSF_EVIDENCE_USER,
    },
];

/// The mappings of `format`, in table order.
pub fn mappings(format: Format) -> impl Iterator<Item = &'static Mapping> {
    MAPPINGS.iter().filter(move |m| m.format == format)
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
        for m in MAPPINGS {
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
