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
pub mod content;
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
        ItemKind::ProcessEvent => process::collect_process_events,
        ItemKind::ImageLoadEvent => process::collect_image_loads,
        ItemKind::Ipv4NetworkEvent => process::collect_network_events,
        ItemKind::Port => port::collect,
        ItemKind::ArpEntry => arp::collect,
        ItemKind::SystemInfo => system::collect,
        ItemKind::User => user::collect,
        // Walked, not listed: each walked file is also a fileWriteEvent (see `walked`).
        ItemKind::File | ItemKind::FileWriteEvent => return None,
        // Nothing on a live Linux host records these (no HTTP or registry state; no readable
        // resolver cache is assumed, so no DNS lookups; address changes leave no record):
        // their conditions are unknown.
        ItemKind::DnsLookupEvent
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

/// True for the kinds the file walk yields (FileItem, and fileWriteEvent: a file present
/// now, as a view over the same entry), which [`collect`] does not list.
pub fn walked(kind: ItemKind) -> bool {
    matches!(kind, ItemKind::File | ItemKind::FileWriteEvent)
}

/// True when this platform has a collector for `kind` (the file walk included).
pub fn available(kind: ItemKind) -> bool {
    walked(kind) || collector(kind).is_some()
}

/// The listed kinds of `kinds` (walked ones left out) grouped by shared source: the kinds of
/// [`process::FAMILY`] form one group (one `/proc` pass and one socket table serve them
/// all), every other kind is a group of its own. Order follows `kinds`.
pub fn groups(kinds: &[ItemKind]) -> Vec<Vec<ItemKind>> {
    let mut family = Vec::new();
    let mut groups = Vec::new();
    for &kind in kinds.iter().filter(|k| !walked(**k)) {
        #[cfg(target_os = "linux")]
        if process::FAMILY.contains(&kind) && collector(kind).is_some() {
            if family.is_empty() {
                groups.push(Vec::new());
            }
            family.push(kind);
            continue;
        }
        groups.push(vec![kind]);
    }
    // The family's group sits where its first kind came.
    if let Some(slot) = groups.iter_mut().find(|g| g.is_empty()) {
        *slot = family;
    }
    groups
}

/// Collects one group of [`groups`]: a family group in one pass (files hashed there, such
/// as executables for `processEvent/md5`, are at most `max_hash_bytes`), any other kind with
/// [`collect`].
pub fn collect_group(
    group: &[ItemKind],
    fields: &FieldSet,
    max_hash_bytes: u64,
    probes: &content::ContentProbes,
) -> Vec<(ItemKind, Collected)> {
    #[cfg(target_os = "linux")]
    if group.len() > 1 || group.first().is_some_and(|k| process::FAMILY.contains(k)) {
        return process::collect_family(group, fields, max_hash_bytes, probes);
    }
    let _ = (max_hash_bytes, probes);
    group.iter().map(|&kind| (kind, collect(kind, fields))).collect()
}

/// Collects all items of a non-file `kind` with the fields in `fields` (fields of other kinds
/// are ignored). Files are walked with [`file::walk`] instead; asking for them here yields
/// nothing. A kind without a collector on this platform yields no items and one error.
pub fn collect(kind: ItemKind, fields: &FieldSet) -> Collected {
    if walked(kind) {
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
        for kind in [ItemKind::ProcessEvent, ItemKind::ImageLoadEvent, ItemKind::Ipv4NetworkEvent] {
            assert!(collector(kind).is_some(), "{kind}");
        }
        assert!(available(ItemKind::FileWriteEvent) && !available(ItemKind::DnsLookupEvent));
        let files = collect(ItemKind::File, &FieldSet::all());
        assert!(files.items.is_empty() && files.errors.is_empty());
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn the_process_family_is_one_group() {
        use ItemKind::*;
        let kinds = [File, User, Port, Process, FileWriteEvent, ImageLoadEvent, ArpEntry];
        assert_eq!(
            groups(&kinds),
            [vec![User], vec![Port, Process, ImageLoadEvent], vec![ArpEntry]]
        );
    }

    #[test]
    fn the_host_name_is_known() {
        assert!(host_name().is_some_and(|name| !name.is_empty()));
    }
}
