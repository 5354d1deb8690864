//! Parallel traversal: roots -> directories -> files handed to the sink.
//!
//! Each directory is one task on the current rayon pool: it reads its entries with
//! `std::fs::read_dir`, spawns a task per subdirectory before anything else (so idle threads
//! steal whole subtrees), and hands its files to the sink in batches, the first batches as
//! tasks of their own so that one large directory still keeps every thread busy. Nothing holds
//! the list of all files: a task holds at most one directory's entries.
//!
//! Policy decided here: excluded paths are pruned; a directory on another device is checked
//! against the mount table (pseudo file systems never entered, network ones only when asked,
//! any other device not with `one_file_system`), judged from a `statx` that never triggers an
//! automount, before the directory is opened; symlinks are files unless followed; a
//! directory that is its own ancestor (by device and inode: a symlink or bind-mount loop) is
//! reported and not entered. Problems go to the sink as [`CollectError`]s and the walk goes on.

use super::digest::HashPlan;
use super::dir_stat::{dir_stat, DirStat};
use super::entry::{FileEntry, Found, STAT_FIELDS};
use super::mounts::{FsClass, MountTable};
use super::owners::Owners;
use super::{Excludes, FileOptions, FileSink, FileStats};
use crate::collect::content::ContentProbes;
use crate::collect::{CollectError, Reason, Subject};
use crate::item::ItemKind;
use crate::terms::FieldSet;
use std::collections::HashSet;
use std::fs::{self, FileType, Metadata};
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::sync::{Arc, Mutex, RwLock};

/// Files handed to the sink per task: small enough that a directory of large files spreads
/// over the threads, large enough that spawning costs little next to the work.
const FILES_PER_TASK: usize = 32;

/// One walk's shared state.
pub(crate) struct Walker<'a> {
    options: &'a FileOptions,
    fields: &'a FieldSet,
    sink: &'a dyn FileSink,
    excludes: &'a Excludes,
    /// The mount table, read again when an unknown device shows up.
    mounts: RwLock<MountTable>,
    /// Devices the table was read again for (each at most once).
    rechecked: Mutex<HashSet<u64>>,
    owners: Owners,
    plan: HashPlan,
    /// True when some asked field needs `lstat` on files.
    needs_stat: bool,
    counters: Counters,
}

#[derive(Default)]
struct Counters {
    files: AtomicU64,
    directories: AtomicU64,
    excluded: AtomicU64,
    skipped_mounts: AtomicU64,
    hashed: AtomicU64,
    bytes_read: AtomicU64,
    errors: AtomicU64,
}

/// A directory being walked and its ancestors, for loop detection.
struct Ancestor {
    dev: u64,
    ino: u64,
    parent: Option<Arc<Ancestor>>,
}

/// A directory to walk.
struct Dir {
    path: PathBuf,
    /// Its device and the root's (for `one_file_system`).
    dev: u64,
    root_dev: u64,
    /// Itself and its ancestors.
    chain: Arc<Ancestor>,
}

/// A file to hand to the sink.
struct FoundFile {
    path: PathBuf,
    file_type: FileType,
    meta: Option<Metadata>,
    follow: bool,
}

impl<'a> Walker<'a> {
    /// Reads the mount table.
    pub(crate) fn new(
        options: &'a FileOptions,
        excludes: &'a Excludes,
        fields: &'a FieldSet,
        probes: &ContentProbes,
        sink: &'a dyn FileSink,
    ) -> Self {
        Walker {
            options,
            fields,
            sink,
            excludes,
            mounts: RwLock::new(MountTable::read()),
            rechecked: Mutex::new(HashSet::new()),
            owners: Owners::default(),
            plan: HashPlan::new(fields, options.max_hash_bytes, probes),
            needs_stat: STAT_FIELDS.iter().any(|f| fields.contains(*f)),
            counters: Counters::default(),
        }
    }

    /// Walks every root (in parallel) and returns the counters.
    pub(crate) fn run(self) -> FileStats {
        rayon::scope(|scope| {
            for root in &self.options.roots {
                self.root(scope, root);
            }
        });
        let c = &self.counters;
        FileStats {
            files: c.files.load(Relaxed),
            directories: c.directories.load(Relaxed),
            excluded: c.excluded.load(Relaxed),
            skipped_mounts: c.skipped_mounts.load(Relaxed),
            hashed: c.hashed.load(Relaxed),
            bytes_read: c.bytes_read.load(Relaxed),
            errors: c.errors.load(Relaxed),
        }
    }

    fn root<'s>(&'s self, scope: &rayon::Scope<'s>, path: &Path) {
        if self.is_excluded(path) {
            self.counters.excluded.fetch_add(1, Relaxed);
            return;
        }
        let link_meta = match fs::symlink_metadata(path) {
            Ok(meta) => meta,
            Err(e) => return self.io_error(path, "cannot walk", &e),
        };
        // The symlink's own type, so that SymlinkTarget is filled for a root that is one.
        let file_type = link_meta.file_type();
        // A root named on the command line is followed even when it is a symlink.
        let followed = link_meta.is_symlink().then(|| fs::metadata(path).ok()).flatten();
        let follow = followed.is_some();
        let meta = followed.unwrap_or(link_meta);
        if meta.is_dir() {
            let dev = meta.dev();
            if let (FsClass::Pseudo, fs_type) = self.fs_class(dev) {
                self.counters.skipped_mounts.fetch_add(1, Relaxed);
                let fs_type = fs_type.unwrap_or_else(|| "pseudo".to_owned());
                let message = format!("not walked: {fs_type} is a pseudo file system");
                return self.error(path, Reason::Skipped, message);
            }
            let chain = Arc::new(Ancestor { dev, ino: meta.ino(), parent: None });
            let dir = Dir { path: path.to_path_buf(), dev, root_dev: dev, chain };
            scope.spawn(move |scope| self.walk_dir(scope, dir));
        } else {
            let meta = (self.needs_stat || follow).then_some(meta);
            self.hand_over(vec![FoundFile { path: path.to_path_buf(), file_type, meta, follow }]);
        }
    }

    fn walk_dir<'s>(&'s self, scope: &rayon::Scope<'s>, dir: Dir) {
        if self.sink.cancelled() {
            return;
        }
        let entries = match fs::read_dir(&dir.path) {
            Ok(entries) => entries,
            Err(e) => return self.io_error(&dir.path, "cannot read directory", &e),
        };
        self.counters.directories.fetch_add(1, Relaxed);
        // Sized once: growing a vector of `Metadata`-sized elements copies them each time.
        let mut batch = Vec::with_capacity(FILES_PER_TASK);
        for entry in entries {
            if self.sink.cancelled() {
                return;
            }
            let entry = match entry {
                Ok(entry) => entry,
                Err(e) => {
                    self.io_error(&dir.path, "cannot read directory", &e);
                    continue;
                }
            };
            let path = entry.path();
            if self.is_excluded(&path) {
                self.counters.excluded.fetch_add(1, Relaxed);
                continue;
            }
            let file_type = match entry.file_type() {
                Ok(file_type) => file_type,
                Err(e) => {
                    self.io_error(&path, "cannot stat", &e);
                    continue;
                }
            };
            if file_type.is_dir() {
                match dir_stat(&path, false) {
                    Ok(stat) => self.enter(scope, path, stat, &dir),
                    Err(e) => self.io_error(&path, "cannot stat", &e),
                }
                continue;
            }
            if file_type.is_symlink() && self.options.follow_symlinks {
                // A dangling link stays a file item of its own.
                if let Ok(target) = dir_stat(&path, true) {
                    if target.is_dir {
                        self.enter(scope, path, target, &dir);
                        continue;
                    }
                    if let Ok(meta) = fs::metadata(&path) {
                        batch.push(FoundFile { path, file_type, meta: Some(meta), follow: true });
                        continue;
                    }
                }
            }
            let meta = if self.needs_stat {
                match entry.metadata() {
                    Ok(meta) => Some(meta),
                    Err(e) => {
                        self.io_error(&path, "cannot stat", &e);
                        continue;
                    }
                }
            } else {
                None
            };
            batch.push(FoundFile { path, file_type, meta, follow: false });
            if batch.len() == FILES_PER_TASK {
                let full = std::mem::replace(&mut batch, Vec::with_capacity(FILES_PER_TASK));
                scope.spawn(move |_| self.hand_over(full));
            }
        }
        self.hand_over(batch);
    }

    /// Decides whether to walk the directory `path` found in `parent`, and spawns it.
    fn enter<'s>(&'s self, scope: &rayon::Scope<'s>, path: PathBuf, stat: DirStat, parent: &Dir) {
        let DirStat { dev, ino, .. } = stat;
        if self.skips_mount(dev, parent) {
            self.counters.skipped_mounts.fetch_add(1, Relaxed);
            return;
        }
        let mut ancestor = Some(&parent.chain);
        while let Some(a) = ancestor {
            if a.dev == dev && a.ino == ino {
                let message = "file system loop: the directory is its own ancestor";
                return self.error(&path, Reason::Loop, message);
            }
            ancestor = a.parent.as_ref();
        }
        let chain = Arc::new(Ancestor { dev, ino, parent: Some(Arc::clone(&parent.chain)) });
        let dir = Dir { path, dev, root_dev: parent.root_dev, chain };
        scope.spawn(move |scope| self.walk_dir(scope, dir));
    }

    /// True when a directory on `dev` found in `parent` is a mount the walk does not enter.
    fn skips_mount(&self, dev: u64, parent: &Dir) -> bool {
        if dev == parent.dev {
            return false;
        }
        let skip_class = match self.fs_class(dev).0 {
            FsClass::Pseudo => true,
            FsClass::Network => !self.options.network_mounts,
            FsClass::Local => false,
        };
        skip_class || (self.options.one_file_system && dev != parent.root_dev)
    }

    /// The class and type of the file system on `dev`, reading the mount table again (once
    /// per device) when `dev` is not in it.
    fn fs_class(&self, dev: u64) -> (FsClass, Option<String>) {
        let known = |table: &MountTable| {
            table.knows(dev).then(|| (table.class(dev), table.fs_type(dev).map(str::to_owned)))
        };
        if let Some(found) = known(&self.mounts.read().unwrap_or_else(|e| e.into_inner())) {
            return found;
        }
        // Under the lock, so that a thread meeting the same device waits for the new table.
        let mut rechecked = self.rechecked.lock().unwrap_or_else(|e| e.into_inner());
        if rechecked.insert(dev) {
            *self.mounts.write().unwrap_or_else(|e| e.into_inner()) = MountTable::read();
        }
        drop(rechecked);
        if let Some(found) = known(&self.mounts.read().unwrap_or_else(|e| e.into_inner())) {
            return found;
        }
        (FsClass::Local, None)
    }

    /// Makes each file's entry, hands it to the sink and accounts for its hashing.
    fn hand_over(&self, batch: Vec<FoundFile>) {
        let (mut files, mut hashed, mut bytes_read) = (0, 0, 0);
        for found in batch {
            if self.sink.cancelled() {
                break;
            }
            let entry = FileEntry::new(Found {
                path: found.path,
                file_type: found.file_type,
                meta: found.meta,
                follow: found.follow,
                fields: self.fields,
                plan: self.plan.clone(),
                owners: &self.owners,
            });
            self.sink.file(&entry);
            files += 1;
            if let Some((complete, read, error)) = entry.hash_report() {
                hashed += u64::from(complete);
                bytes_read += read;
                if let Some(error) = error {
                    self.report(error);
                }
            }
        }
        self.counters.files.fetch_add(files, Relaxed);
        if hashed > 0 || bytes_read > 0 {
            self.counters.hashed.fetch_add(hashed, Relaxed);
            self.counters.bytes_read.fetch_add(bytes_read, Relaxed);
        }
    }

    fn is_excluded(&self, path: &Path) -> bool {
        self.excludes.is_match(path)
    }

    fn error(&self, path: &Path, reason: Reason, message: impl Into<String>) {
        self.report(CollectError::new(ItemKind::File, Subject::path(path), reason, message));
    }

    /// A failed `what` (`cannot stat`, ...) on `path`.
    fn io_error(&self, path: &Path, what: &str, error: &std::io::Error) {
        self.error(path, Reason::of_io(error), format!("{what}: {error}"));
    }

    fn report(&self, error: CollectError) {
        self.counters.errors.fetch_add(1, Relaxed);
        self.sink.error(error);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::terms::Field;

    struct Quiet;
    impl FileSink for Quiet {
        fn file(&self, _: &FileEntry) {}
        fn error(&self, _: CollectError) {}
    }

    fn dir(dev: u64, root_dev: u64) -> Dir {
        let chain = Arc::new(Ancestor { dev, ino: 2, parent: None });
        Dir { path: PathBuf::from("/x"), dev, root_dev, chain }
    }

    #[test]
    fn mount_policy_by_device() {
        let fields: FieldSet = [Field::FileFileName].into_iter().collect();
        let mounts = "1 0 0:5 / /p rw - proc proc rw\n2 0 0:6 / /n rw - nfs4 s:/ rw\n\
                      3 0 0:7 / /t rw - tmpfs t rw\n";
        let check = |options: FileOptions| {
            let excludes = Excludes::default();
            let mut walker =
                Walker::new(&options, &excludes, &fields, &ContentProbes::default(), &Quiet);
            walker.mounts = RwLock::new(MountTable::parse(mounts));
            let parent = dir(7, 7);
            // The last device is in no table, not even the live one re-read for it.
            [5, 6, 7, u64::MAX].map(|dev| walker.skips_mount(dev, &parent))
        };
        // Same device never skipped; proc always; nfs unless asked; other local devices
        // only with one_file_system.
        assert_eq!(check(FileOptions::default()), [true, true, false, false]);
        let network = FileOptions { network_mounts: true, ..FileOptions::default() };
        assert_eq!(check(network), [true, false, false, false]);
        let one_fs = FileOptions { one_file_system: true, ..FileOptions::default() };
        assert_eq!(check(one_fs), [true, true, false, true]);
    }
}
