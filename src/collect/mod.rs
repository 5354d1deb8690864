//! Collectors: the live host -> items, one module per item kind.
//!
//! Each collector fills only the fields asked for (a [`FieldSet`], usually the ruleset's
//! [`crate::compile::Requirements`]), never writes to the host, and turns per-item problems
//! (permission denied, vanished process) into [`CollectError`]s instead of failing. Files
//! stream through a callback (memory does not grow with the number of files); the other kinds
//! are small and come back as a [`Collected`] list. Platform code sits behind `cfg`: on a
//! platform without a collector, the kind yields no items and one error saying so.

pub mod arp;
pub mod file;
#[cfg(target_os = "linux")]
mod linux;
pub mod port;
pub mod process;
pub mod system;
pub mod user;

use crate::item::{Item, ItemKind};
use crate::terms::FieldSet;
use serde::Serialize;
use std::fmt;

/// A problem collecting one item or one source; never fatal to a scan.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct CollectError {
    /// The item kind being collected.
    pub kind: ItemKind,
    /// What it is about: a path (escaped when not UTF-8), `pid 123`, `/proc/net/tcp`, ...
    pub subject: String,
    /// What went wrong.
    pub message: String,
}

impl fmt::Display for CollectError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}: {}", self.kind, self.subject, self.message)
    }
}

/// Items of one (small) kind with the problems met while collecting them.
#[derive(Clone, Debug, Default)]
pub struct Collected {
    /// The items.
    pub items: Vec<Item>,
    /// Problems, in the order met.
    pub errors: Vec<CollectError>,
}

/// Collects all items of a non-file `kind` with the fields in `fields` (fields of other kinds
/// are ignored). Files are walked with [`file::walk`] instead; asking for them here yields
/// nothing.
pub fn collect(kind: ItemKind, fields: &FieldSet) -> Collected {
    match kind {
        ItemKind::Process => process::collect(fields),
        ItemKind::Port => port::collect(fields),
        ItemKind::ArpEntry => arp::collect(fields),
        ItemKind::SystemInfo => system::collect(fields),
        ItemKind::User => user::collect(fields),
        ItemKind::File => Collected::default(),
    }
}

/// The answer of a non-file kind on a platform without its collector: no items, one error.
#[cfg(not(target_os = "linux"))]
fn unsupported(kind: ItemKind) -> Collected {
    Collected {
        items: Vec::new(),
        errors: vec![CollectError {
            kind,
            subject: std::env::consts::OS.to_owned(),
            message: format!("{kind} is collected on Linux only"),
        }],
    }
}
