//! The vocabulary the catalogue rows are written in: the item kinds (one per OpenIOC
//! document, event families included), the grade of a live scan's value, and the sub-lists
//! whose columns bind one element. Only types: the rules that use them are in [`super`].

use serde::{Deserialize, Serialize};
use std::fmt;

/// Declares [`ItemKind`] from one table: variant, document name, name in JSON (snapshots and
/// outputs), command-line name, and whether the kind is a real-time event family.
macro_rules! kinds {
    ($( $(#[$doc:meta])* $variant:ident = $document:literal, $json:literal, $cli:literal, $event:literal; )*) => {
        /// The kinds of items (OpenIOC "documents"); each term of the catalogue belongs to one.
        /// Event families are kinds too: an AND over one family's terms binds one event record.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        pub enum ItemKind {
            $( $(#[$doc])* #[serde(rename = $json)] $variant, )*
        }

        impl ItemKind {
            /// Every kind, in a fixed order (the order of [`ItemKind::index`]).
            pub const ALL: [ItemKind; ItemKind::COUNT] = [$(ItemKind::$variant),*];

            /// The OpenIOC document name (`FileItem`, `processEvent`, ...).
            pub fn document(self) -> &'static str {
                match self { $(ItemKind::$variant => $document,)* }
            }

            /// The short lower-case name used on the command line (`file`, `process-event`).
            pub fn cli_name(self) -> &'static str {
                match self { $(ItemKind::$variant => $cli,)* }
            }

            /// True for the real-time event families (`processEvent`, ...).
            pub fn is_event(self) -> bool {
                match self { $(ItemKind::$variant => $event,)* }
            }
        }
    };
}

kinds! {
    /// `FileItem`.
    File = "FileItem", "File", "file", false;
    /// `ProcessItem`.
    Process = "ProcessItem", "Process", "process", false;
    /// `PortItem`.
    Port = "PortItem", "Port", "port", false;
    /// `ArpEntryItem`.
    ArpEntry = "ArpEntryItem", "ArpEntry", "arp", false;
    /// `SystemInfoItem`.
    SystemInfo = "SystemInfoItem", "SystemInfo", "system", false;
    /// `UserItem`.
    User = "UserItem", "User", "user", false;
    /// `processEvent`: a process start (on a live host: a running process).
    ProcessEvent = "processEvent", "processEvent", "process-event", true;
    /// `imageLoadEvent`: an image load (on a live host: a process and a file it maps
    /// executable).
    ImageLoadEvent = "imageLoadEvent", "imageLoadEvent", "image-load-event", true;
    /// `fileWriteEvent`: a file write (on a live host: a file present now).
    FileWriteEvent = "fileWriteEvent", "fileWriteEvent", "file-write-event", true;
    /// `ipv4NetworkEvent`: a connection (on a live host: a socket and its owning process).
    Ipv4NetworkEvent = "ipv4NetworkEvent", "ipv4NetworkEvent", "ipv4-network-event", true;
    /// `dnsLookupEvent`: a DNS lookup.
    DnsLookupEvent = "dnsLookupEvent", "dnsLookupEvent", "dns-lookup-event", true;
    /// `urlMonitorEvent`: an HTTP request.
    UrlMonitorEvent = "urlMonitorEvent", "urlMonitorEvent", "url-monitor-event", true;
    /// `regKeyEvent`: a registry change.
    RegKeyEvent = "regKeyEvent", "regKeyEvent", "reg-key-event", true;
    /// `addressNotificationEvent`: an address change.
    AddressNotificationEvent = "addressNotificationEvent", "addressNotificationEvent", "address-notification-event", true;
    /// `eventItem`: the generic terms every event record has (uid, timestamp, details).
    Event = "eventItem", "eventItem", "event", true;
}

impl ItemKind {
    /// How many kinds there are: the length of per-kind arrays indexed by [`ItemKind::index`].
    pub const COUNT: usize = 15;

    /// The kind's slot in per-kind arrays, `0..ItemKind::COUNT`, in [`ItemKind::ALL`] order.
    pub const fn index(self) -> usize {
        self as usize
    }

    /// The kind of an OpenIOC document name, exactly spelled.
    pub fn from_document(document: &str) -> Option<ItemKind> {
        ItemKind::ALL.into_iter().find(|k| k.document() == document)
    }

    /// The kind of a command-line name (see [`ItemKind::cli_name`]).
    pub fn from_cli_name(name: &str) -> Option<ItemKind> {
        ItemKind::ALL.into_iter().find(|k| k.cli_name() == name)
    }

    /// True when a `Context/@document` names this kind: its own name, or for an event family
    /// the generic `eventItem` that the catalogue's spelling implies.
    pub fn accepts_document(self, document: &str) -> bool {
        document == self.document() || (self.is_event() && document == "eventItem")
    }
}

impl fmt::Display for ItemKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.document())
    }
}

/// How faithfully a live (state) scan of a Linux host answers a term, compared with what a
/// recorded event would say. Recorded items (snapshot event records) are always exact.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Grade {
    /// The state value is what the record would hold.
    Exact,
    /// A logical consequence of the state (a running process did `start`).
    Inferred,
    /// The same quantity under an assumption (the current parent for the parent at start; the
    /// first bytes of a file for the data at the lowest written offset).
    Approximate,
    /// Not observable in a state scan: conditions on it are not evaluated (unknown).
    None,
}

impl Grade {
    /// The grade's name, as serialised.
    pub fn as_str(self) -> &'static str {
        match self {
            Grade::Exact => "exact",
            Grade::Inferred => "inferred",
            Grade::Approximate => "approximate",
            Grade::None => "none",
        }
    }
}

/// The list a sub-list term is a column of: conditions on one list under an AND bind one
/// element of it (one handle, one memory section).
///
/// On an item every column of one list is a [`crate::item::Value::List`] with one entry per
/// element, all columns aligned (entry i of each is element i); an element without a value
/// for a column has an empty list at its position.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Element {
    /// `ProcessItem/HandleList/Handle`.
    Handle,
    /// `ProcessItem/SectionList/MemorySection`.
    MemorySection,
    /// `ProcessItem/PortList/PortItem`.
    ProcessPort,
    /// `FileItem/PEInfo/Sections/Section`.
    PeSection,
    /// `FileItem/PEInfo/ImportedModules/Module`.
    PeImport,
    /// `FileItem/PEInfo/VersionInfoList/VersionInfoItem`.
    PeVersion,
    /// `FileItem/PEInfo/ResourceInfoList/ResourceInfoItem`.
    PeResource,
}

impl Element {
    /// The list's path, the prefix of its columns' terms.
    pub fn list(self) -> &'static str {
        match self {
            Element::Handle => "ProcessItem/HandleList/Handle",
            Element::MemorySection => "ProcessItem/SectionList/MemorySection",
            Element::ProcessPort => "ProcessItem/PortList/PortItem",
            Element::PeSection => "FileItem/PEInfo/Sections/Section",
            Element::PeImport => "FileItem/PEInfo/ImportedModules/Module",
            Element::PeVersion => "FileItem/PEInfo/VersionInfoList/VersionInfoItem",
            Element::PeResource => "FileItem/PEInfo/ResourceInfoList/ResourceInfoItem",
        }
    }
}
