//! The file collector: walks the roots and streams one [`FileEntry`] per file to a
//! [`FileSink`], computing digests lazily (one read, only the digests the ruleset needs).
//!
//! Memory does not grow with the number of files: entries stream to the sink as they are
//! found and nothing keeps a list of paths. The walk never writes to the host (files are
//! opened read-only with `O_NOATIME` where allowed) and never blocks on special files.
//!
//! Pseudo file systems (proc, sysfs, cgroup, autofs, ...) are never entered, network ones only
//! with [`FileOptions::network_mounts`]; automount triggers are never mounted.
//!
//! Unix only: paths are bytes, and the walk relies on device and inode numbers and Unix open
//! flags.
//!
//! Layout: [`walk`] and its options here; the traversal and its policy (mounts, excludes,
//! symlinks, loops) in `walker`; the compiled exclude patterns in [`Excludes`]; the mount
//! table in `mounts`; the side-effect-free look at a
//! directory in `dir_stat`; [`FileEntry`] and its fields in `entry`; one-read digests in
//! `digest`; owner names in `owners`; the fileWriteEvent view of an entry in [`WriteEvent`];
//! lossless path text comes from [`crate::path_text`].

pub(crate) mod digest;
mod dir_stat;
mod entry;
mod excludes;
mod mounts;
mod owners;
mod walker;
mod write_event;

pub use entry::FileEntry;
pub use excludes::Excludes;
pub use write_event::{with_file_fields, WriteEvent};

use super::content::ContentProbes;
use super::CollectError;
use crate::limits::DEFAULT_MAX_HASH_BYTES;
use crate::terms::FieldSet;
use serde::Serialize;
use std::path::PathBuf;

/// What to walk and how.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FileOptions {
    /// Roots to walk (default `/`), in parallel. A root that is a symlink is followed; a root
    /// that is a file is one item.
    pub roots: Vec<PathBuf>,
    /// Glob patterns (globset syntax) matched against the whole path as walked (the root as
    /// given joined with the names below it); a matching directory is pruned. `*` and `?`
    /// stay within one path component, `**` crosses them: `**/node_modules`, `/var/cache/**`.
    pub excludes: Vec<String>,
    /// Stay on the file system of each root.
    pub one_file_system: bool,
    /// Follow symbolic links (loops are detected and reported).
    pub follow_symlinks: bool,
    /// Descend into network file systems (nfs, cifs, ...).
    pub network_mounts: bool,
    /// Files larger than this are not hashed; their digest terms are not evaluated.
    pub max_hash_bytes: u64,
}

impl Default for FileOptions {
    fn default() -> Self {
        FileOptions {
            roots: vec![PathBuf::from("/")],
            excludes: Vec::new(),
            one_file_system: false,
            follow_symlinks: false,
            network_mounts: false,
            max_hash_bytes: DEFAULT_MAX_HASH_BYTES,
        }
    }
}

impl FileOptions {
    /// The exclude patterns compiled, or the first one that does not parse.
    pub fn compile_excludes(&self) -> Result<Excludes, FileOptionsError> {
        Excludes::new(&self.excludes)
    }
}

/// Counters of one walk.
///
/// Serialized with the names a scan summary uses (`files_walked`, `files_hashed`); `errors`
/// is not serialized, because every report that embeds the counters has its own error count.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct FileStats {
    /// Files (non-directories) handed to the sink.
    #[serde(rename = "files_walked")]
    pub files: u64,
    /// Directories entered.
    pub directories: u64,
    /// Files whose content was hashed.
    #[serde(rename = "files_hashed")]
    pub hashed: u64,
    /// Bytes read while hashing.
    pub bytes_read: u64,
    /// Entries pruned by an exclude pattern.
    pub excluded: u64,
    /// Mount points not entered (pseudo, network, other file system).
    pub skipped_mounts: u64,
    /// Problems reported to the sink.
    #[serde(skip)]
    pub errors: u64,
}

/// Invalid walk options (the only way [`walk`] fails as a whole).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum FileOptionsError {
    /// An exclude pattern does not parse.
    #[error("invalid exclude pattern `{pattern}`: {message}")]
    BadExclude {
        /// The pattern as given.
        pattern: String,
        /// Why it does not parse.
        message: String,
    },
}

/// Receives the walk's output, from any thread.
pub trait FileSink: Sync {
    /// One file (called from worker threads).
    fn file(&self, entry: &FileEntry);
    /// One problem (permission denied, vanished file, symlink loop, ...).
    fn error(&self, error: CollectError);
    /// Polled between entries: true stops the walk early.
    fn cancelled(&self) -> bool {
        false
    }
}

/// Walks `options.roots` in parallel on the current rayon pool, filling the fields in
/// `fields` (hashing only for digest fields, lazily), and hands each file to `sink`.
///
/// Compiles the exclude patterns first; [`walk_with`] takes them compiled.
pub fn walk(
    options: &FileOptions,
    fields: &FieldSet,
    sink: &dyn FileSink,
) -> Result<FileStats, FileOptionsError> {
    let probes = ContentProbes::default();
    Ok(walk_with(options, &options.compile_excludes()?, fields, &probes, sink))
}

/// [`walk`] with the exclude patterns already compiled (from `options.excludes`, whose text
/// is then not read again), so that a caller can refuse bad patterns before anything else,
/// and with the ruleset's string searches (`FileItem/StringList/string` is answered only
/// with them: see [`crate::collect::content`]).
pub fn walk_with(
    options: &FileOptions,
    excludes: &Excludes,
    fields: &FieldSet,
    probes: &ContentProbes,
    sink: &dyn FileSink,
) -> FileStats {
    // A fileWriteEvent reads the FileItem values of the same entry.
    let fields = with_file_fields(fields);
    walker::Walker::new(options, excludes, &fields, probes, sink).run()
}
