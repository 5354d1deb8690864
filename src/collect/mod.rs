//! Collectors: the live host -> items, one module per item kind.
//!
//! Each collector fills only the fields asked for (a [`FieldSet`], usually the ruleset's
//! [`crate::compile::Requirements`]), never writes to the host, and turns per-item problems
//! (permission denied, vanished process) into [`CollectError`]s instead of failing. Files
//! stream through a callback (memory does not grow with the number of files); the other kinds
//! are small and come back as a [`Collected`] list from [`collect`], which dispatches each kind
//! to its collector (the `collector` table below).
//!
//! Platforms: the file collector is Unix-only (paths are bytes; it uses device and inode
//! numbers and Unix open flags), and so is the crate. The other collectors read Linux sources
//! (`/proc`, `/etc`, netlink) and exist on Linux only; on another platform [`collect`] answers
//! each of their kinds with no items and one error saying so.
//!
//! Adding a kind: a module here with `pub fn collect(&FieldSet) -> Collected` (filling fields
//! through the `Wanted` helper of `linux`), one row in `collector`, and the kind's rows in
//! the term catalogue ([`crate::terms`]).

#[cfg(target_os = "linux")]
pub mod arp;
mod error;
pub mod file;
#[cfg(target_os = "linux")]
mod linux;
#[cfg(target_os = "linux")]
pub mod port;
#[cfg(target_os = "linux")]
pub mod process;
#[cfg(target_os = "linux")]
pub mod system;
#[cfg(target_os = "linux")]
pub mod user;

pub use error::{CollectError, Reason, Subject};

use crate::item::{Item, ItemKind};
use crate::terms::FieldSet;

/// Items of one (small) kind with the problems met while collecting them.
#[derive(Clone, Debug, Default)]
pub struct Collected {
    /// The items.
    pub items: Vec<Item>,
    /// Problems, in the order met.
    pub errors: Vec<CollectError>,
}

/// A collector of one non-file kind.
type Collector = fn(&FieldSet) -> Collected;

/// The collector of each non-file kind on this platform; `None` when there is none.
#[cfg(target_os = "linux")]
fn collector(kind: ItemKind) -> Option<Collector> {
    Some(match kind {
        ItemKind::Process => process::collect,
        ItemKind::Port => port::collect,
        ItemKind::ArpEntry => arp::collect,
        ItemKind::SystemInfo => system::collect,
        ItemKind::User => user::collect,
        // Walked, not listed.
        ItemKind::File => return None,
        // Nothing on a live host records these: their conditions are unknown.
        ItemKind::ProcessEvent
        | ItemKind::ImageLoadEvent
        | ItemKind::FileWriteEvent
        | ItemKind::Ipv4NetworkEvent
        | ItemKind::DnsLookupEvent
        | ItemKind::UrlMonitorEvent
        | ItemKind::RegKeyEvent
        | ItemKind::AddressNotificationEvent
        | ItemKind::Event => return None,
    })
}

/// The collector of each non-file kind on this platform: none here.
#[cfg(not(target_os = "linux"))]
fn collector(_kind: ItemKind) -> Option<Collector> {
    None
}

/// True when this platform has a collector for `kind` (the file walk included).
pub fn available(kind: ItemKind) -> bool {
    kind == ItemKind::File || collector(kind).is_some()
}

/// Collects all items of a non-file `kind` with the fields in `fields` (fields of other kinds
/// are ignored). Files are walked with [`file::walk`] instead; asking for them here yields
/// nothing. A kind without a collector on this platform yields no items and one error.
pub fn collect(kind: ItemKind, fields: &FieldSet) -> Collected {
    if kind == ItemKind::File {
        return Collected::default();
    }
    match collector(kind) {
        Some(collect) => collect(fields),
        None => Collected {
            items: Vec::new(),
            errors: vec![CollectError::new(
                kind,
                Subject::source(std::env::consts::OS),
                Reason::NotSupported,
                format!("{kind} is collected on Linux only"),
            )],
        },
    }
}

/// The host name, as the SystemInfo collector reads it (`SystemInfoItem/hostname`); where
/// there is no such collector, as the OS tells it.
pub fn host_name() -> Option<String> {
    #[cfg(target_os = "linux")]
    return Some(system::host_name());
    #[cfg(not(target_os = "linux"))]
    return sysinfo::System::host_name();
}

#[cfg(test)]
mod tests {
    use super::*;

    #[cfg(target_os = "linux")]
    #[test]
    fn every_item_kind_but_files_has_a_collector_here() {
        for kind in ItemKind::ALL.into_iter().filter(|k| !k.is_event()) {
            assert_eq!(collector(kind).is_some(), kind != ItemKind::File, "{kind}");
        }
        let files = collect(ItemKind::File, &FieldSet::all());
        assert!(files.items.is_empty() && files.errors.is_empty());
    }

    #[test]
    fn the_host_name_is_known() {
        assert!(host_name().is_some_and(|name| !name.is_empty()));
    }
}
