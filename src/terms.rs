//! The term catalogue: the single source of truth for every term iocscan evaluates.
//!
//! Each supported `Context/@search` term maps to its item kind, its [`Field`], its value
//! type, what it costs to obtain, whether it holds many values, whether cards show it, and
//! whether the Linux collectors answer it. The compiler, the collectors, snapshots, cards,
//! `iocscan terms` and `schema/terms.json` all read this table; nothing else in the crate
//! matches on term strings. Terms match exactly (case-sensitive), as the catalogue spells them.
//!
//! Not here: nested sub-structures such as `FileItem/PEInfo/*` or `ProcessItem/HandleList/*`
//! (unsupported for now: they never match and are warned about), and real-time `eventItem/*`.

use serde::{Deserialize, Serialize};
use std::fmt;

/// The kinds of items (OpenIOC "documents"); each term of the catalogue belongs to one.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum ItemKind {
    /// `FileItem`.
    File,
    /// `ProcessItem`.
    Process,
    /// `PortItem`.
    Port,
    /// `ArpEntryItem`.
    ArpEntry,
    /// `SystemInfoItem`.
    SystemInfo,
    /// `UserItem`.
    User,
}

impl ItemKind {
    /// How many kinds there are: the length of per-kind arrays indexed by [`ItemKind::index`].
    pub const COUNT: usize = 6;

    /// Every kind, in a fixed order (the order of [`ItemKind::index`]).
    pub const ALL: [ItemKind; ItemKind::COUNT] = [
        ItemKind::File,
        ItemKind::Process,
        ItemKind::Port,
        ItemKind::ArpEntry,
        ItemKind::SystemInfo,
        ItemKind::User,
    ];

    /// The kind's slot in per-kind arrays, `0..ItemKind::COUNT`, in [`ItemKind::ALL`] order.
    pub const fn index(self) -> usize {
        self as usize
    }

    /// The OpenIOC document name (`FileItem`, ...).
    pub fn document(self) -> &'static str {
        match self {
            ItemKind::File => "FileItem",
            ItemKind::Process => "ProcessItem",
            ItemKind::Port => "PortItem",
            ItemKind::ArpEntry => "ArpEntryItem",
            ItemKind::SystemInfo => "SystemInfoItem",
            ItemKind::User => "UserItem",
        }
    }

    /// The kind of an OpenIOC document name, exactly spelled.
    pub fn from_document(document: &str) -> Option<ItemKind> {
        ItemKind::ALL.into_iter().find(|k| k.document() == document)
    }

    /// The short lower-case name used on the command line (`file`, `process`, `port`, `arp`,
    /// `system`, `user`).
    pub fn cli_name(self) -> &'static str {
        match self {
            ItemKind::File => "file",
            ItemKind::Process => "process",
            ItemKind::Port => "port",
            ItemKind::ArpEntry => "arp",
            ItemKind::SystemInfo => "system",
            ItemKind::User => "user",
        }
    }

    /// The kind of a command-line name (see [`ItemKind::cli_name`]).
    pub fn from_cli_name(name: &str) -> Option<ItemKind> {
        ItemKind::ALL.into_iter().find(|k| k.cli_name() == name)
    }
}

impl fmt::Display for ItemKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.document())
    }
}

/// The type of a term's values, which decides how Content is parsed and compared.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ValueType {
    /// Text; compared case-insensitively unless `preserve-case`.
    String,
    /// MD5 digest, 32 hex digits.
    Md5,
    /// SHA-1 digest, 40 hex digits.
    Sha1,
    /// SHA-256 digest, 64 hex digits.
    Sha256,
    /// Integer (`int` and `uint64` in the catalogue; kept as `i64`).
    Int,
    /// Date and time (xs:dateTime, UTC when no zone is given).
    Date,
    /// IPv4 or IPv6 address.
    Ip,
    /// Boolean.
    Bool,
    /// Hardware (MAC) address: compared in the canonical lower-case colon form
    /// (`aa:bb:cc:dd:ee:ff`), whatever separators the IOC or the item wrote.
    Mac,
}

impl ValueType {
    /// The catalogue's display-type name (`string`, `md5`, `int`, `date`, `IP`, `bool`, ...).
    pub fn as_str(self) -> &'static str {
        match self {
            ValueType::String => "string",
            ValueType::Md5 => "md5",
            ValueType::Sha1 => "sha1",
            ValueType::Sha256 => "sha256",
            ValueType::Int => "int",
            ValueType::Date => "date",
            ValueType::Ip => "IP",
            ValueType::Bool => "bool",
            ValueType::Mac => "mac",
        }
    }

    /// True for the three digest types.
    pub fn is_digest(self) -> bool {
        matches!(self, ValueType::Md5 | ValueType::Sha1 | ValueType::Sha256)
    }
}

/// What it costs a collector to answer a term for one item.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Cost {
    /// Already known from listing or metadata (name, path, size, pid, ...).
    Metadata,
    /// Needs the item's content read (file digests): asked for last, only when still needed.
    Content,
}

/// One supported term.
#[derive(Clone, Copy, Debug, Serialize)]
pub struct Term {
    /// The term, exactly as `Context/@search` spells it.
    pub name: &'static str,
    /// The field it reads (`TERMS[field as usize]` is this entry).
    #[serde(skip)]
    pub field: Field,
    /// The item kind (`Context/@document`).
    pub kind: ItemKind,
    /// The value type.
    #[serde(rename = "type")]
    pub ty: ValueType,
    /// What obtaining it costs.
    pub cost: Cost,
    /// True when one item holds a list of values (`.../grouplist/groupname`).
    pub many: bool,
    /// True when detected-IOC cards show this field for every matched object of its kind.
    pub card: bool,
    /// True when the Linux collectors fill this field.
    pub linux: bool,
}

macro_rules! catalogue {
    ($( $variant:ident = $name:literal, $kind:ident, $ty:ident $(, $flag:ident)* ; )*) => {
        /// A field of an item: one per supported term, in catalogue order.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
        #[repr(u16)]
        #[allow(missing_docs)]
        pub enum Field { $($variant,)* }

        /// The catalogue, indexed by `Field as usize`.
        pub static TERMS: &[Term] = &[$(
            Term {
                name: $name,
                field: Field::$variant,
                kind: ItemKind::$kind,
                ty: ValueType::$ty,
                cost: flags::cost(&[$(flags::Flag::$flag),*]),
                many: flags::has(&[$(flags::Flag::$flag),*], flags::Flag::many),
                card: flags::has(&[$(flags::Flag::$flag),*], flags::Flag::card),
                linux: flags::has(&[$(flags::Flag::$flag),*], flags::Flag::linux),
            },
        )*];
    };
}

#[allow(non_camel_case_types)]
mod flags {
    use super::Cost;

    #[derive(Clone, Copy, PartialEq, Eq)]
    pub enum Flag {
        /// Shown in cards.
        card,
        /// Filled by the Linux collectors.
        linux,
        /// A list of values.
        many,
        /// Needs the content read.
        content,
    }

    pub const fn has(flags: &[Flag], f: Flag) -> bool {
        let mut i = 0;
        while i < flags.len() {
            if flags[i] as u8 == f as u8 {
                return true;
            }
            i += 1;
        }
        false
    }

    pub const fn cost(flags: &[Flag]) -> Cost {
        if has(flags, Flag::content) {
            Cost::Content
        } else {
            Cost::Metadata
        }
    }
}

catalogue! {
    // FileItem: flat terms of the 2020 catalogue.
    FileFullPath = "FileItem/FullPath", File, String, card, linux;
    FileFilePath = "FileItem/FilePath", File, String, linux;
    FileFileName = "FileItem/FileName", File, String, linux;
    FileFileExtension = "FileItem/FileExtension", File, String, linux;
    FileSizeInBytes = "FileItem/SizeInBytes", File, Int, card, linux;
    FileCreated = "FileItem/Created", File, Date, linux;
    FileModified = "FileItem/Modified", File, Date, linux;
    FileAccessed = "FileItem/Accessed", File, Date, linux;
    FileChanged = "FileItem/Changed", File, Date, linux;
    FileUsername = "FileItem/Username", File, String, linux;
    FileGroup = "FileItem/Group", File, String, linux;
    FileGroupId = "FileItem/GroupID", File, String, linux;
    FileSecurityId = "FileItem/SecurityID", File, String, linux;
    FilePermissions = "FileItem/Permissions", File, Int, linux;
    FileAttributes = "FileItem/FileAttributes", File, String, linux;
    FileINode = "FileItem/INode", File, Int, linux;
    FileSymlinkTarget = "FileItem/SymlinkTarget", File, String, linux;
    FileMd5sum = "FileItem/Md5sum", File, Md5, card, linux, content;
    FileSha1sum = "FileItem/Sha1sum", File, Sha1, linux, content;
    FileSha256sum = "FileItem/Sha256sum", File, Sha256, card, linux, content;
    FileDevicePath = "FileItem/DevicePath", File, String;
    FileDrive = "FileItem/Drive", File, String;
    FileSecurityType = "FileItem/SecurityType", File, String;
    FileFilenameCreated = "FileItem/FilenameCreated", File, Date;
    FileFilenameModified = "FileItem/FilenameModified", File, Date;
    FileFilenameAccessed = "FileItem/FilenameAccessed", File, Date;
    FileFilenameChanged = "FileItem/FilenameChanged", File, Date;
    FileDetectedAnomaly = "FileItem/detectedAnomaly", File, String;

    // ProcessItem: flat terms.
    ProcessPid = "ProcessItem/pid", Process, Int, card, linux;
    ProcessParentPid = "ProcessItem/parentpid", Process, Int, card, linux;
    ProcessName = "ProcessItem/name", Process, String, card, linux;
    ProcessPath = "ProcessItem/path", Process, String, card, linux;
    ProcessArguments = "ProcessItem/arguments", Process, String, card, linux;
    ProcessUsername = "ProcessItem/Username", Process, String, card, linux;
    ProcessStartTime = "ProcessItem/startTime", Process, Date, card, linux;
    ProcessKernelTime = "ProcessItem/kernelTime", Process, String, linux;
    ProcessUserTime = "ProcessItem/userTime", Process, String, linux;
    ProcessSecurityId = "ProcessItem/SecurityID", Process, String, linux;
    ProcessSecurityType = "ProcessItem/SecurityType", Process, String;
    ProcessDetectedAnomaly = "ProcessItem/detectedAnomaly", Process, String;
    ProcessHidden = "ProcessItem/hidden", Process, String;

    // PortItem.
    PortPid = "PortItem/pid", Port, Int, linux;
    PortProcess = "PortItem/process", Port, String, linux;
    PortPath = "PortItem/path", Port, String, linux;
    PortState = "PortItem/state", Port, String, linux;
    PortLocalIp = "PortItem/localIP", Port, Ip, card, linux;
    PortRemoteIp = "PortItem/remoteIP", Port, Ip, card, linux;
    PortLocalPort = "PortItem/localPort", Port, Int, card, linux;
    PortRemotePort = "PortItem/remotePort", Port, Int, card, linux;
    PortProtocol = "PortItem/protocol", Port, String, card, linux;
    PortIsIpv6 = "PortItem/isIPv6", Port, Bool, linux;
    PortCreationTime = "PortItem/CreationTime", Port, Date;

    // ArpEntryItem.
    ArpInterface = "ArpEntryItem/Interface", ArpEntry, String, linux;
    ArpInterfaceType = "ArpEntryItem/InterfaceType", ArpEntry, String, linux;
    ArpPhysicalAddress = "ArpEntryItem/PhysicalAddress", ArpEntry, Mac, card, linux;
    ArpIpv4Address = "ArpEntryItem/IPv4Address", ArpEntry, Ip, card, linux;
    ArpIpv6Address = "ArpEntryItem/IPv6Address", ArpEntry, Ip, card, linux;
    ArpCacheType = "ArpEntryItem/CacheType", ArpEntry, String, linux;
    ArpState = "ArpEntryItem/State", ArpEntry, String, linux;
    ArpIsRouter = "ArpEntryItem/IsRouter", ArpEntry, Bool, linux;
    ArpLastReachable = "ArpEntryItem/LastReachable", ArpEntry, String;
    ArpLastUnreachable = "ArpEntryItem/LastUnreachable", ArpEntry, String;

    // SystemInfoItem: flat terms and the network adapter lists.
    SysHostname = "SystemInfoItem/hostname", SystemInfo, String, card, linux;
    SysDomain = "SystemInfoItem/domain", SystemInfo, String, card, linux;
    SysOs = "SystemInfoItem/OS", SystemInfo, String, card, linux;
    SysPlatform = "SystemInfoItem/platform", SystemInfo, String, linux;
    SysProductName = "SystemInfoItem/productName", SystemInfo, String, card, linux;
    SysKernelVersion = "SystemInfoItem/kernelVersion", SystemInfo, String, card, linux;
    SysMachine = "SystemInfoItem/machine", SystemInfo, String, linux;
    SysOsBitness = "SystemInfoItem/OSbitness", SystemInfo, String, linux;
    SysProcessor = "SystemInfoItem/processor", SystemInfo, String, linux;
    SysUptime = "SystemInfoItem/uptime", SystemInfo, String, linux;
    SysDate = "SystemInfoItem/date", SystemInfo, Date, linux;
    SysTimezone = "SystemInfoItem/timezone", SystemInfo, String, linux;
    SysTimezoneDst = "SystemInfoItem/timezoneDST", SystemInfo, String, linux;
    SysTimezoneStandard = "SystemInfoItem/timezoneStandard", SystemInfo, String, linux;
    SysGmtOffset = "SystemInfoItem/gmtoffset", SystemInfo, String, linux;
    SysMac = "SystemInfoItem/MAC", SystemInfo, Mac, linux;
    SysPrimaryIp = "SystemInfoItem/primaryIpAddress", SystemInfo, Ip, linux;
    SysPrimaryIpv4 = "SystemInfoItem/primaryIpv4Address", SystemInfo, Ip, linux;
    SysPrimaryIpv6 = "SystemInfoItem/primaryIpv6Address", SystemInfo, Ip, linux;
    SysUser = "SystemInfoItem/user", SystemInfo, String, linux;
    SysLoggedOnUser = "SystemInfoItem/loggedOnUser", SystemInfo, String, many, linux;
    SysTotalPhysical = "SystemInfoItem/totalphysical", SystemInfo, Int, linux;
    SysAvailPhysical = "SystemInfoItem/availphysical", SystemInfo, Int, linux;
    SysInstallDate = "SystemInfoItem/installDate", SystemInfo, Date;
    SysAppVersion = "SystemInfoItem/appVersion", SystemInfo, String, linux;
    SysAppCreated = "SystemInfoItem/appCreated", SystemInfo, Date;
    SysBuildNumber = "SystemInfoItem/buildNumber", SystemInfo, String;
    SysClockSkew = "SystemInfoItem/clockSkew", SystemInfo, String;
    SysContainmentState = "SystemInfoItem/containmentState", SystemInfo, String;
    SysDirectory = "SystemInfoItem/directory", SystemInfo, String;
    SysDrives = "SystemInfoItem/drives", SystemInfo, String;
    SysPatchLevel = "SystemInfoItem/patchLevel", SystemInfo, String;
    SysProcType = "SystemInfoItem/procType", SystemInfo, String;
    SysProductId = "SystemInfoItem/productID", SystemInfo, String;
    SysRegOrg = "SystemInfoItem/regOrg", SystemInfo, String;
    SysRegOwner = "SystemInfoItem/regOwner", SystemInfo, String;
    SysStateAgentStatus = "SystemInfoItem/stateAgentStatus", SystemInfo, String;
    SysVersion = "SystemInfoItem/version", SystemInfo, String;
    SysNetAdapter = "SystemInfoItem/networkArray/networkInfo/adapter", SystemInfo, String, many, linux;
    SysNetDescription = "SystemInfoItem/networkArray/networkInfo/description", SystemInfo, String, many;
    SysNetMac = "SystemInfoItem/networkArray/networkInfo/MAC", SystemInfo, Mac, many, linux;
    SysNetIpAddress = "SystemInfoItem/networkArray/networkInfo/ipArray/ipInfo/ipAddress", SystemInfo, Ip, many, linux;
    SysNetIpv6Address = "SystemInfoItem/networkArray/networkInfo/ipArray/ipInfo/ipv6Address", SystemInfo, Ip, many, linux;
    SysNetSubnetMask = "SystemInfoItem/networkArray/networkInfo/ipArray/ipInfo/subnetMask", SystemInfo, String, many, linux;
    SysNetGateway = "SystemInfoItem/networkArray/networkInfo/ipGatewayArray/ipGateway", SystemInfo, Ip, many, linux;
    SysNetDhcpServer = "SystemInfoItem/networkArray/networkInfo/dhcpServerArray/dhcpServer", SystemInfo, Ip, many;
    SysNetDhcpLeaseObtained = "SystemInfoItem/networkArray/networkInfo/dhcpLeaseObtained", SystemInfo, Date, many;
    SysNetDhcpLeaseExpires = "SystemInfoItem/networkArray/networkInfo/dhcpLeaseExpires", SystemInfo, Date, many;

    // UserItem.
    UserUsername = "UserItem/Username", User, String, card, linux;
    UserFullname = "UserItem/fullname", User, String, linux;
    UserUserid = "UserItem/userid", User, Int, linux;
    UserGroupList = "UserItem/grouplist/groupname", User, String, many, linux;
    UserHomeDirectory = "UserItem/homedirectory", User, String, linux;
    UserShell = "UserItem/shell", User, String, linux;
    UserDisabled = "UserItem/disabled", User, Bool, linux;
    UserLockedOut = "UserItem/lockedout", User, Bool, linux;
    UserPasswordRequired = "UserItem/passwordrequired", User, Bool, linux;
    UserLastLogin = "UserItem/LastLogin", User, Date;
    UserDescription = "UserItem/description", User, String, linux;
    UserAutologin = "UserItem/autologin", User, Bool;
    UserScriptPath = "UserItem/scriptpath", User, String;
    UserSecurityId = "UserItem/SecurityID", User, String, linux;
    UserSecurityType = "UserItem/SecurityType", User, String;
    UserUserGuid = "UserItem/userguid", User, String;
    UserPasswordAge = "UserItem/userpasswordage", User, String;
}

impl Field {
    /// This field's catalogue entry.
    pub fn term(self) -> &'static Term {
        &TERMS[self as usize]
    }

    /// The term name, e.g. `FileItem/Md5sum`.
    pub fn name(self) -> &'static str {
        self.term().name
    }

    /// The item kind the field belongs to.
    pub fn kind(self) -> ItemKind {
        self.term().kind
    }

    /// The field's value type.
    pub fn value_type(self) -> ValueType {
        self.term().ty
    }
}

/// Looks a term up by its exact spelling.
pub fn lookup(name: &str) -> Option<&'static Term> {
    TERMS.iter().find(|t| t.name == name)
}

/// The catalogue's spelling of a term written in another case (`FileItem/Md5Sum`), if any.
pub fn suggest(name: &str) -> Option<&'static str> {
    TERMS.iter().find(|t| t.name.eq_ignore_ascii_case(name)).map(|t| t.name)
}

/// The terms of one item kind, in catalogue order.
pub fn of_kind(kind: ItemKind) -> impl Iterator<Item = &'static Term> {
    TERMS.iter().filter(move |t| t.kind == kind)
}

/// The catalogue as published in `schema/terms.json` (pretty JSON, trailing newline).
///
/// `{"format": "iocscan-terms", "version": 1, "terms": [{"name", "kind", "type", "cost",
/// "many", "card", "linux"}, ...]}`; a test keeps the published file in step with the code.
pub fn catalogue_json() -> String {
    #[derive(Serialize)]
    struct Catalogue {
        format: &'static str,
        version: u32,
        terms: &'static [Term],
    }
    let doc = Catalogue { format: "iocscan-terms", version: 1, terms: TERMS };
    let mut text = serde_json::to_string_pretty(&doc).unwrap_or_default();
    text.push('\n');
    text
}

/// A set of [`Field`]s (a bit set over the catalogue).
#[derive(Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct FieldSet([u64; 4]);

const _: () = assert!(TERMS.len() <= 256, "FieldSet holds 256 fields");

impl FieldSet {
    /// The empty set.
    pub const fn new() -> Self {
        FieldSet([0; 4])
    }

    /// Every field of the catalogue.
    pub fn all() -> Self {
        TERMS.iter().map(|t| t.field).collect()
    }

    /// Adds `field`.
    pub fn insert(&mut self, field: Field) {
        let i = field as usize;
        self.0[i / 64] |= 1 << (i % 64);
    }

    /// True when `field` is in the set.
    pub fn contains(&self, field: Field) -> bool {
        let i = field as usize;
        self.0[i / 64] & (1 << (i % 64)) != 0
    }

    /// True when the set is empty.
    pub fn is_empty(&self) -> bool {
        self.0 == [0; 4]
    }

    /// True when some field of `kind` is in the set.
    pub fn has_kind(&self, kind: ItemKind) -> bool {
        self.iter().any(|f| f.kind() == kind)
    }

    /// The fields, in catalogue order.
    pub fn iter(&self) -> impl Iterator<Item = Field> + '_ {
        TERMS.iter().map(|t| t.field).filter(|f| self.contains(*f))
    }
}

impl FromIterator<Field> for FieldSet {
    fn from_iter<I: IntoIterator<Item = Field>>(iter: I) -> Self {
        let mut set = FieldSet::new();
        iter.into_iter().for_each(|f| set.insert(f));
        set
    }
}

impl std::fmt::Debug for FieldSet {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_set().entries(self.iter().map(Field::name)).finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_is_indexed_by_field() {
        for (i, t) in TERMS.iter().enumerate() {
            assert_eq!(t.field as usize, i, "{}", t.name);
        }
    }

    #[test]
    fn names_are_unique_and_start_with_their_document() {
        let mut seen = std::collections::HashSet::new();
        for t in TERMS {
            assert!(seen.insert(t.name), "duplicate {}", t.name);
            let doc = t.name.split('/').next().unwrap();
            assert_eq!(doc, t.kind.document(), "{}", t.name);
        }
    }

    #[test]
    fn field_set_membership() {
        let set: FieldSet = [Field::FileMd5sum, Field::UserUsername].into_iter().collect();
        assert!(set.contains(Field::FileMd5sum) && !set.contains(Field::FileSha1sum));
        assert!(set.has_kind(ItemKind::User) && !set.has_kind(ItemKind::Port));
        assert_eq!(set.iter().count(), 2);
        assert_eq!(FieldSet::all().iter().count(), TERMS.len());
    }

    #[test]
    fn suggestions_fix_case_only() {
        assert_eq!(lookup("FileItem/Md5Sum").map(|t| t.name), None);
        assert_eq!(suggest("FileItem/Md5Sum"), Some("FileItem/Md5sum"));
        assert_eq!(suggest("FileItem/Nope"), None);
    }
}
