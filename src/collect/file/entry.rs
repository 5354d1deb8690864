//! One file met by the walk, as an [`ItemView`]: metadata fields filled when the entry is
//! made, digests computed on first request.
//!
//! The walker hands [`FileEntry`]s to the sink; the evaluator asks fields through
//! [`ItemView::lookup`]. Only the fields of the walk's [`FieldSet`] are filled, from the one
//! `lstat` the walker already made (none at all when no asked field needs one). The first
//! digest lookup reads the file once for every digest of the set and caches the outcome, so a
//! file is never read twice and never read when no remaining IOC needs its content.
//!
//! Text values use the lossless escaping of [`crate::path_text`]; [`FileEntry::path`] is the
//! real path.

use super::digest::{self, HashError, HashPlan};
use super::owners::Owners;
use crate::collect::content::{self, ContentValues};
use crate::collect::{CollectError, Reason, Subject};
use crate::item::{Item, ItemKind, ItemView, Lookup, NotEvaluated, Value};
use crate::path_text::{escape, escape_owned};
use crate::terms::{Cost, Field, FieldSet};
use chrono::{DateTime, Utc};
use std::fs::{FileType, Metadata};
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use std::time::SystemTime;

/// The fields derived from `lstat` (an entry needs one only when the walk asks for one of them;
/// hashing checks the type and size itself with `fstat`).
pub(crate) const STAT_FIELDS: [Field; 11] = [
    Field::FileSizeInBytes,
    Field::FileYaraFileSize,
    Field::FileCreated,
    Field::FileModified,
    Field::FileAccessed,
    Field::FileChanged,
    Field::FileUsername,
    Field::FileGroup,
    Field::FileGroupId,
    Field::FilePermissions,
    Field::FileINode,
];

/// The outcome of the one hashing attempt of an entry.
#[derive(Debug)]
struct Hashed {
    /// Content values (MD5, SHA-1, SHA-256, then the fileWriteEvent head text and
    /// data), or why there are none.
    result: Result<[Option<Value>; 5], NotEvaluated>,
    /// PE and string fields, from the bytes of the same read.
    content: ContentValues,
    /// Bytes read.
    bytes_read: u64,
    /// True when the content was read to the end.
    complete: bool,
    /// The problem to report, if any.
    error: Option<CollectError>,
}

/// One file met by the walk: metadata fields eagerly, digests on first request.
///
/// Any non-directory is an entry: regular files, symlinks (not followed: `SymlinkTarget`, no
/// digest), FIFOs, sockets and devices (metadata only; their digests are
/// [`NotEvaluated::Unreadable`] and they are never opened).
#[derive(Debug)]
pub struct FileEntry {
    path: PathBuf,
    item: Item,
    plan: HashPlan,
    /// True when `path` is a symlink the walk follows (hash the target).
    follow: bool,
    /// False when `lstat` (or the directory entry) says it is not a regular file: no open.
    regular: bool,
    hashed: OnceLock<Hashed>,
}

/// What the walker knows about a file when it makes its entry.
pub(crate) struct Found<'a> {
    /// The path as found.
    pub(crate) path: PathBuf,
    /// The file type from the directory entry (or `lstat`).
    pub(crate) file_type: FileType,
    /// The file's metadata: `lstat`, or `stat` for a followed symlink; `None` when not needed.
    pub(crate) meta: Option<Metadata>,
    /// True when `path` is a symlink to follow (`meta` then describes the target).
    pub(crate) follow: bool,
    /// The fields to fill.
    pub(crate) fields: &'a FieldSet,
    /// The digests to compute on first request.
    pub(crate) plan: HashPlan,
    /// The walk's owner-name cache.
    pub(crate) owners: &'a Owners,
}

impl FileEntry {
    /// The file's path as found (not canonicalised).
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Builds the entry and fills the asked metadata fields.
    pub(crate) fn new(found: Found<'_>) -> Self {
        let Found { path, file_type, meta, follow, fields, plan, owners } = found;
        let mut item = Item::new(ItemKind::File);
        fill_names(&mut item, &path, fields);
        if let Some(meta) = &meta {
            fill_stat(&mut item, meta, fields, owners);
        }
        if fields.contains(Field::FileSymlinkTarget) && file_type.is_symlink() {
            if let Ok(target) = std::fs::read_link(&path) {
                item.set(Field::FileSymlinkTarget, escape_owned(target.as_os_str()));
            }
        }
        let regular = meta.as_ref().map_or(file_type.is_file(), Metadata::is_file);
        FileEntry { path, item, plan, follow, regular, hashed: OnceLock::new() }
    }

    /// The hashing outcome, computing it on first call.
    fn hashed(&self) -> &Hashed {
        self.hashed.get_or_init(|| self.hash())
    }

    fn hash(&self) -> Hashed {
        if !self.regular {
            return Hashed {
                result: Err(NotEvaluated::Unreadable),
                content: ContentValues::default(),
                bytes_read: 0,
                complete: false,
                error: None,
            };
        }
        let (result, bytes_read) = digest::hash_file(&self.path, &self.plan, self.follow);
        let mut content = ContentValues::default();
        let (result, error) = match result {
            Ok(mut d) => {
                if let Some(plan) = &self.plan.content {
                    content = match d.bytes.take() {
                        Some(bytes) => {
                            let values = content::analyse_file(&bytes, plan);
                            digest::recycle(bytes);
                            values
                        }
                        None => ContentValues::none(&plan.list, NotEvaluated::TooLargeToRead),
                    };
                }
                let text = d.head.as_deref().map(|h| Value::Str(super::write_event::text(h)));
                let data = d.head.as_deref().map(|h| Value::Str(super::write_event::base64(h)));
                let [md5, sha1, sha256] = [d.md5, d.sha1, d.sha256].map(|v| v.map(Value::Str));
                (Ok([md5, sha1, sha256, text, data]), None)
            }
            Err(HashError::TooLarge) => (Err(NotEvaluated::TooLargeToHash), None),
            // A file that is not regular has no content to hash: nothing went wrong.
            Err(HashError::NotRegular) => (Err(NotEvaluated::Unreadable), None),
            Err(HashError::Io(e)) => {
                let error = CollectError::new(
                    ItemKind::File,
                    Subject::path(&self.path),
                    Reason::of_io(&e),
                    format!("cannot hash: {e}"),
                );
                (Err(NotEvaluated::Unreadable), Some(error))
            }
        };
        let complete = result.is_ok();
        Hashed { result, content, bytes_read, complete, error }
    }

    /// A content field (a digest, or fileWriteEvent's head text or data), computed by the
    /// entry's one read on first request; absent when the walk's plan does not have it.
    pub(crate) fn content(&self, field: Field) -> Lookup<'_> {
        if !self.plan.wants(field) {
            return Lookup::Absent;
        }
        let slot = match field {
            Field::FileMd5sum => 0,
            Field::FileSha1sum => 1,
            Field::FileSha256sum => 2,
            Field::FileWriteEvTextAtLowestOffset => 3,
            Field::FileWriteEvDataAtLowestOffset => 4,
            _ => {
                let hashed = self.hashed();
                return match (&hashed.result, hashed.content.get(field)) {
                    (Err(reason), _) => Lookup::NotEvaluated(*reason),
                    (Ok(_), Some(Ok(value))) => Lookup::Value(value),
                    (Ok(_), Some(Err(reason))) => Lookup::NotEvaluated(*reason),
                    (Ok(_), None) => Lookup::Absent,
                };
            }
        };
        match &self.hashed().result {
            Ok(values) => values[slot].as_ref().map_or(Lookup::Absent, Lookup::Value),
            Err(reason) => Lookup::NotEvaluated(*reason),
        }
    }

    /// After the sink is done with the entry: (hashed to the end, bytes read, problem), or
    /// `None` when no digest was asked.
    pub(crate) fn hash_report(&self) -> Option<(bool, u64, Option<CollectError>)> {
        self.hashed.get().map(|h| (h.complete, h.bytes_read, h.error.clone()))
    }
}

impl ItemView for FileEntry {
    fn kind(&self) -> ItemKind {
        ItemKind::File
    }

    fn lookup(&self, field: Field) -> Lookup<'_> {
        if field.term().cost == Cost::Content {
            self.content(field)
        } else {
            self.item.lookup(field)
        }
    }

    /// The collected fields, the digests among `fields` (computed now if the walk asked for
    /// them), and the path and size (from a fresh `lstat` if the walk did not need one).
    fn to_item(&self, fields: &[Field]) -> Item {
        let mut item = self.item.clone();
        let mut missing = FieldSet::new();
        for &field in fields.iter().chain(&[Field::FileFullPath, Field::FileSizeInBytes]) {
            if field.kind() == ItemKind::File && item.get(field).is_none() {
                missing.insert(field);
            }
        }
        fill_names(&mut item, &self.path, &missing);
        if STAT_FIELDS.iter().any(|f| missing.contains(*f)) {
            if let Ok(meta) = std::fs::symlink_metadata(&self.path) {
                fill_stat(&mut item, &meta, &missing, &Owners::default());
            }
        }
        for (slot, field) in
            [Field::FileMd5sum, Field::FileSha1sum, Field::FileSha256sum].into_iter().enumerate()
        {
            let asked = fields.contains(&field) && self.plan.wants(field);
            if asked || self.hashed.get().is_some() {
                if let Ok(values) = &self.hashed().result {
                    if let Some(value) = &values[slot] {
                        item.set(field, value.clone());
                    }
                }
            }
        }
        // PE and string values shown on a card were computed when the condition was tested.
        if let Some(hashed) = self.hashed.get() {
            for &field in fields {
                if let Some(Ok(value)) = hashed.content.get(field) {
                    item.set(field, value.clone());
                }
            }
        }
        item
    }
}

/// FullPath, FilePath, FileName, FileExtension (those in `fields`).
///
/// The path is escaped once and split at its last `/`: escaping never writes a `/` or a `.`
/// and never joins a `/` byte to its neighbours, so the pieces are exactly the escaped
/// directory, name and extension (as `Path::parent` and `Path::file_name` would cut them).
fn fill_names(item: &mut Item, path: &Path, fields: &FieldSet) {
    let (full, dir, name, ext) = (
        fields.contains(Field::FileFullPath),
        fields.contains(Field::FileFilePath),
        fields.contains(Field::FileFileName),
        fields.contains(Field::FileFileExtension),
    );
    if !(full || dir || name || ext) {
        return;
    }
    let text = escape(path.as_os_str());
    let (parent, file_name) = match text.rfind('/') {
        Some(0) => ("/", &text[1..]),
        Some(slash) => (&text[..slash], &text[slash + 1..]),
        None => ("", &text[..]),
    };
    if dir {
        item.set(Field::FileFilePath, parent);
    }
    if name {
        item.set(Field::FileFileName, file_name);
    }
    if ext {
        // Text after the last dot, as the reference product (`.bashrc` -> `bashrc`).
        if let Some((_, extension)) = file_name.rsplit_once('.') {
            if !extension.is_empty() {
                item.set(Field::FileFileExtension, extension);
            }
        }
    }
    if full {
        item.set(Field::FileFullPath, text.into_owned());
    }
}

/// The `lstat`-derived fields in `fields`.
fn fill_stat(item: &mut Item, meta: &Metadata, fields: &FieldSet, owners: &Owners) {
    let size = i64::try_from(meta.size()).unwrap_or(i64::MAX);
    if fields.contains(Field::FileSizeInBytes) {
        item.set(Field::FileSizeInBytes, size);
    }
    // YARA's `filesize`.
    if fields.contains(Field::FileYaraFileSize) {
        item.set(Field::FileYaraFileSize, size);
    }
    if fields.contains(Field::FileCreated) {
        // statx birth time; absent where the file system does not keep it.
        if let Some(date) = meta.created().ok().and_then(utc) {
            item.set(Field::FileCreated, date);
        }
    }
    let times = [
        (Field::FileModified, meta.mtime(), meta.mtime_nsec()),
        (Field::FileAccessed, meta.atime(), meta.atime_nsec()),
        (Field::FileChanged, meta.ctime(), meta.ctime_nsec()),
    ];
    for (field, secs, nanos) in times {
        if fields.contains(field) {
            let nanos = u32::try_from(nanos).unwrap_or(0);
            if let Some(date) = DateTime::from_timestamp(secs, nanos) {
                item.set(field, date);
            }
        }
    }
    if fields.contains(Field::FileUsername) {
        if let Some(name) = owners.user(meta.uid()) {
            item.set(Field::FileUsername, name);
        }
    }
    if fields.contains(Field::FileGroup) {
        if let Some(name) = owners.group(meta.gid()) {
            item.set(Field::FileGroup, name);
        }
    }
    if fields.contains(Field::FileGroupId) {
        item.set(Field::FileGroupId, meta.gid().to_string());
    }
    if fields.contains(Field::FilePermissions) {
        // Permission bits with set-uid, set-gid and sticky (`ls -l`'s octal), not the type.
        item.set(Field::FilePermissions, i64::from(meta.mode() & 0o7777));
    }
    if fields.contains(Field::FileINode) {
        item.set(Field::FileINode, i64::try_from(meta.ino()).unwrap_or(i64::MAX));
    }
}

/// A system time as UTC, `None` when out of chrono's range.
fn utc(time: SystemTime) -> Option<DateTime<Utc>> {
    match time.duration_since(SystemTime::UNIX_EPOCH) {
        Ok(after) => {
            DateTime::from_timestamp(i64::try_from(after.as_secs()).ok()?, after.subsec_nanos())
        }
        Err(before) => {
            let d = before.duration();
            let secs = i64::try_from(d.as_secs()).ok()?;
            let (secs, nanos) = match d.subsec_nanos() {
                0 => (-secs, 0),
                n => (-secs - 1, 1_000_000_000 - n),
            };
            DateTime::from_timestamp(secs, nanos)
        }
    }
}
