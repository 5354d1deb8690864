//! Columnar snapshots: the items of one or many hosts as Parquet files in a folder.
//!
//! ```text
//! SNAPSHOT/
//!   snapshot.json          {"format":"iocscan-parquet-snapshot","version":1,"tool":..,
//!                           "hosts":[{"host":"web1","time":..,"tool":..,"kinds":["File",..]}]}
//!   File.parquet           host | time | source | FileItem/FullPath | FileItem/Sha256sum | ..
//!   processEvent.parquet   one file per item kind, named as snapshot JSON names the kind
//!   Process/part-0.parquet or a folder <Kind>/ of such files (any names, *.parquet)
//! ```
//!
//! Every file holds rows of one kind, **sorted by host** (byte order); its columns are `host`
//! (Utf8), the record fields `time` (Timestamp µs UTC) and `source` (Utf8), and one column per
//! catalogue term of the kind, named exactly as the term and typed by it ([`arrow_type`]).
//! A null is an absent field. `snapshot.json` is the header of every host: when it was
//! collected and which kinds, so that "not collected" stays distinct from "collected, no
//! items" as in JSON Lines; without it (files written by other tools) every kind that has a
//! file counts as collected for every host found. `schema/parquet-snapshot.md` is the
//! contract.
//!
//! [`batch::add_batch`] evaluates one Arrow batch of these columns (built in memory, say by
//! Python) with the same conversion.
//!
//! [`ParquetWriter`] writes the format (rows buffered per kind and flushed as bounded row
//! groups); [`ParquetSnapshot`] reads it host by host, reading only the columns a
//! [`Projection`] names, and never holding more than one host's items. Input is hostile:
//! mistyped or unknown columns are reported and ignored (their field is absent, so its
//! conditions are not evaluated), bad rows are reported and skipped, a corrupt file is
//! reported with its path and its kind stops counting as collected; caps are in
//! [`crate::limits`]. This module evaluates nothing (see [`crate::driver`]).

pub mod batch;
mod convert;
mod read;
mod schema;
mod write;

pub use convert::{
    host_file_name, jsonl_to_parquet, parquet_to_jsonl, ConvertError, ConvertProblem, ConvertReport,
};
pub use read::{HostItems, Hosts, ParquetSnapshot};
pub use schema::{arrow_type, kind_file_name, kind_name, kind_schema, HOST, SOURCE, TIME};
pub use write::ParquetWriter;

use crate::item::ItemKind;
use crate::path_text::escape;
use crate::terms::{FieldSet, TERMS};
use serde::{Deserialize, Serialize};
use std::io;
use std::path::PathBuf;

/// The `format` value of `snapshot.json` and of each file's key-value metadata.
pub const FORMAT: &str = "iocscan-parquet-snapshot";

/// The format version this build writes and reads.
pub const VERSION: u32 = 1;

/// The name of the header file in a snapshot folder.
pub const MANIFEST: &str = "snapshot.json";

/// Key-value metadata keys of each file this build writes.
pub const META_FORMAT: &str = "iocscan.format";
/// The format version, as text.
pub const META_VERSION: &str = "iocscan.version";
/// The item kind the rows are (the name of [`kind_name`]).
pub const META_KIND: &str = "iocscan.kind";

/// `snapshot.json`: the format, and one header per host.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Manifest {
    /// Always [`FORMAT`].
    pub format: String,
    /// Always [`VERSION`] for folders this build writes.
    pub version: u32,
    /// The program that wrote the folder.
    pub tool: String,
    /// One entry per host, sorted by host.
    pub hosts: Vec<HostHeader>,
}

/// What the JSON Lines header says of one host: when and what was collected.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HostHeader {
    /// The host name (the `host` column's value; empty when the collector did not know it).
    pub host: String,
    /// When the collection started (RFC 3339, UTC).
    pub time: String,
    /// The program that collected the items.
    pub tool: String,
    /// The item kinds collected (a kind listed with no rows: collected, none found).
    pub kinds: Vec<ItemKind>,
}

/// The columns a reader reads: per kind, the term fields (a kind with none is not read at
/// all). The `host`, `time` and `source` columns are always read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Projection {
    fields: [FieldSet; ItemKind::COUNT],
}

impl Projection {
    /// Every column of every kind (conversion, full reads).
    pub fn all() -> Self {
        let mut fields = [FieldSet::new(); ItemKind::COUNT];
        for t in TERMS {
            fields[t.kind.index()].insert(t.field);
        }
        Projection { fields }
    }

    /// No column of any kind (only the hosts and their kinds are read).
    pub fn none() -> Self {
        Projection { fields: [FieldSet::new(); ItemKind::COUNT] }
    }

    /// What a scan of `ruleset` reads: [`crate::Ruleset::projection`] of each kind.
    pub fn of_ruleset(ruleset: &crate::Ruleset) -> Self {
        Projection { fields: ItemKind::ALL.map(|k| ruleset.projection(k)) }
    }

    /// Keeps only the kinds `keep` accepts (the others are not read).
    pub fn retain_kinds(mut self, keep: impl Fn(ItemKind) -> bool) -> Self {
        for k in ItemKind::ALL.into_iter().filter(|k| !keep(*k)) {
            self.fields[k.index()] = FieldSet::new();
        }
        self
    }

    /// The fields read of `kind`.
    pub fn fields(&self, kind: ItemKind) -> &FieldSet {
        &self.fields[kind.index()]
    }

    /// True when `kind`'s files are read.
    pub fn reads(&self, kind: ItemKind) -> bool {
        !self.fields[kind.index()].is_empty()
    }
}

/// A problem with a Parquet snapshot: the folder, one of its files, a column or a row.
///
/// Only [`ParquetError::Open`] and [`ParquetError::Manifest`] stop a read; the others are
/// reported beside the items and the read goes on. [`ParquetError::code`] is stable.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ParquetError {
    /// The folder (or `snapshot.json`) cannot be read, or holds no snapshot.
    #[error("{}: cannot read Parquet snapshot: {message}", escape(path.as_os_str()))]
    Open {
        /// The folder or file.
        path: PathBuf,
        /// What went wrong.
        message: String,
    },
    /// `snapshot.json` is not a header of a version this build reads.
    #[error("{}: not an iocscan Parquet snapshot header: {message}", escape(path.as_os_str()))]
    Manifest {
        /// The `snapshot.json` file.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },
    /// A file is unreadable, corrupt or not of this format: its kind no longer counts as
    /// collected (from the host being read on).
    #[error("{}: {message}", escape(path.as_os_str()))]
    File {
        /// The kind of the file.
        kind: ItemKind,
        /// The Parquet file.
        path: PathBuf,
        /// What went wrong.
        message: String,
    },
    /// A column is ignored: not a term of the kind, or of a type its term does not take.
    #[error("{}: column `{column}` ignored: {message}", escape(path.as_os_str()))]
    Column {
        /// The kind of the file.
        kind: ItemKind,
        /// The Parquet file.
        path: PathBuf,
        /// The column name.
        column: String,
        /// Why.
        message: String,
    },
    /// A row is skipped (a value over a cap, an address that does not parse, a null host).
    #[error("{}: row {row}: {message}", escape(path.as_os_str()))]
    Row {
        /// The kind of the file.
        kind: ItemKind,
        /// The Parquet file.
        path: PathBuf,
        /// 1-based row number in the file.
        row: u64,
        /// Why.
        message: String,
    },
    /// Writing failed.
    #[error("cannot write Parquet snapshot: {0}")]
    Write(#[source] io::Error),
}

impl ParquetError {
    /// A stable, machine-readable code for the kind of problem.
    pub fn code(&self) -> &'static str {
        match self {
            ParquetError::Open { .. } => "parquet-open",
            ParquetError::Manifest { .. } => "parquet-manifest",
            ParquetError::File { .. } => "parquet-file",
            ParquetError::Column { .. } => "parquet-column",
            ParquetError::Row { .. } => "parquet-row",
            ParquetError::Write(_) => "parquet-write",
        }
    }

    /// The item kind a file, column or row problem is about.
    pub fn kind(&self) -> Option<ItemKind> {
        match self {
            ParquetError::File { kind, .. }
            | ParquetError::Column { kind, .. }
            | ParquetError::Row { kind, .. } => Some(*kind),
            _ => None,
        }
    }

    /// The file or folder the problem is about.
    pub fn path(&self) -> Option<&std::path::Path> {
        match self {
            ParquetError::Open { path, .. }
            | ParquetError::Manifest { path, .. }
            | ParquetError::File { path, .. }
            | ParquetError::Column { path, .. }
            | ParquetError::Row { path, .. } => Some(path),
            ParquetError::Write(_) => None,
        }
    }
}
