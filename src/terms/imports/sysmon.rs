//! Sysmon rows of the import table: event id -> HX event family, `EventData` names -> terms.

use super::{ipv4, is, r, Convert, Format, ItemKind, Mapping, RegPart, Rule};
use crate::terms::Field as F;
use Convert::{BaseName, Const, Directory, Drive, Extension, Folder, Hash, Registry, Same, Time};

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

type Paths = &'static [&'static str];

/// Sysmon 3: `local` and `remote` are the `Ip` and `Port` fields of each end.
const fn network(local: [Paths; 2], remote: [Paths; 2]) -> [Rule; 10] {
    [
        r(&["UtcTime"], F::Ipv4NetworkEvTimestamp, Time),
        r(local[0], F::Ipv4NetworkEvLocalIP, Same),
        r(local[1], F::Ipv4NetworkEvLocalPort, Same),
        r(remote[0], F::Ipv4NetworkEvRemoteIP, Same),
        r(remote[1], F::Ipv4NetworkEvRemotePort, Same),
        r(&["Protocol"], F::Ipv4NetworkEvProtocol, Same),
        r(&["ProcessId"], F::Ipv4NetworkEvPid, Same),
        r(&["Image"], F::Ipv4NetworkEvProcessPath, Same),
        r(&["Image"], F::Ipv4NetworkEvProcess, BaseName),
        r(&["User"], F::Ipv4NetworkEvUsername, Same),
    ]
}

const SOURCE: [Paths; 2] = [&["SourceIp"], &["SourcePort"]];
const DESTINATION: [Paths; 2] = [&["DestinationIp"], &["DestinationPort"]];
/// `Initiated` true: the process connected out, so Source is the local end.
const SYSMON_NETWORK_OUT: &[Rule] = &network(SOURCE, DESTINATION);
/// `Initiated` false: an accepted connection, Source is the remote peer.
const SYSMON_NETWORK_IN: &[Rule] = &network(DESTINATION, SOURCE);

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

/// The sysmon mappings, in table order (order matters among mappings of one event key).
pub(super) static MAPPINGS: &[Mapping] = &[
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
];
