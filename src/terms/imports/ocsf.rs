//! OCSF rows of the import table: class (and activity or query type) -> item kind, attribute paths -> terms.

use super::{ipv4, is, r, Convert, Format, ItemKind, Mapping, Rule};
use crate::terms::Field as F;
use Convert::{BaseName, Const, Directory, Drive, Extension, Folder, Same, Time};

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

type Paths = &'static [&'static str];

/// Network Activity seen from the device: `local` and `remote` are the endpoint objects'
/// `ip` and `port` paths.
const fn network(local: [Paths; 2], remote: [Paths; 2]) -> [Rule; 10] {
    [
        r(&["time", "time_dt"], F::Ipv4NetworkEvTimestamp, Time),
        r(local[0], F::Ipv4NetworkEvLocalIP, Same),
        r(local[1], F::Ipv4NetworkEvLocalPort, Same),
        r(remote[0], F::Ipv4NetworkEvRemoteIP, Same),
        r(remote[1], F::Ipv4NetworkEvRemotePort, Same),
        r(&["connection_info.protocol_name"], F::Ipv4NetworkEvProtocol, Same),
        r(&["actor.process.pid"], F::Ipv4NetworkEvPid, Same),
        r(&["actor.process.name"], F::Ipv4NetworkEvProcess, Same),
        r(OCSF_ACTOR_PATH, F::Ipv4NetworkEvProcessPath, Same),
        r(&["actor.user.name", "actor.process.user.name"], F::Ipv4NetworkEvUsername, Same),
    ]
}

const SRC: [Paths; 2] = [&["src_endpoint.ip"], &["src_endpoint.port"]];
const DST: [Paths; 2] = [&["dst_endpoint.ip"], &["dst_endpoint.port"]];
/// Outbound (or unknown direction): the device is `src_endpoint`.
const OCSF_NETWORK_OUT: &[Rule] = &network(SRC, DST);
/// Inbound (`connection_info.direction_id` 1): the peer is `src_endpoint`.
const OCSF_NETWORK_IN: &[Rule] = &network(DST, SRC);

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

/// The ocsf mappings, in table order (order matters among mappings of one event key).
pub(super) static MAPPINGS: &[Mapping] = &[
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
