//! Helpers of the file-collector tests: a recording sink, trees in temporary directories, a
//! walk that fails instead of hanging.

// Each test binary uses its own part of these helpers.
#![allow(dead_code)]

use iocscan::collect::file::{walk, FileEntry, FileOptions, FileSink, FileStats};
use iocscan::collect::CollectError;
use iocscan::item::{Item, ItemView, Lookup, NotEvaluated, Value};
use iocscan::terms::{Field, FieldSet};
use std::ffi::OsStr;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::Duration;

pub const DIGESTS: [Field; 3] = [Field::FileMd5sum, Field::FileSha1sum, Field::FileSha256sum];

/// One lookup's answer: the value, or why not (`None`: absent).
pub type Answer = Result<Value, Option<NotEvaluated>>;

/// A recorded file: its path, its materialised item, the answers to the asked lookups.
pub type Recorded = (PathBuf, Item, Vec<(Field, Answer)>);

/// Records every file (with the lookups of `asked`) and every error.
#[derive(Default)]
pub struct Recorder {
    pub asked: Vec<Field>,
    pub files: Mutex<Vec<Recorded>>,
    pub errors: Mutex<Vec<CollectError>>,
    /// Delete each file before looking it up (a file that vanishes between walk and hash).
    pub delete_first: bool,
    /// Cancel after this many files.
    pub cancel_after: Option<usize>,
    pub seen: AtomicUsize,
}

impl FileSink for Recorder {
    fn file(&self, entry: &FileEntry) {
        self.seen.fetch_add(1, Ordering::SeqCst);
        if self.delete_first {
            let _ = std::fs::remove_file(entry.path());
        }
        let looked = self
            .asked
            .iter()
            .map(|&f| {
                let answer = match entry.lookup(f) {
                    Lookup::Value(v) => Ok(v.clone()),
                    Lookup::Absent => Err(None),
                    Lookup::NotEvaluated(why) => Err(Some(why)),
                };
                (f, answer)
            })
            .collect();
        let item = entry.to_item(&[]);
        lock(&self.files).push((entry.path().to_path_buf(), item, looked));
    }

    fn error(&self, error: CollectError) {
        lock(&self.errors).push(error);
    }

    fn cancelled(&self) -> bool {
        self.cancel_after.is_some_and(|n| self.seen.load(Ordering::SeqCst) >= n)
    }
}

pub fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

impl Recorder {
    pub fn asking(fields: &[Field]) -> Self {
        Recorder { asked: fields.to_vec(), ..Recorder::default() }
    }

    pub fn names(&self) -> Vec<String> {
        let mut names: Vec<String> = lock(&self.files)
            .iter()
            .map(|(p, _, _)| {
                p.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default()
            })
            .collect();
        names.sort();
        names
    }

    pub fn answer(&self, name: &str, field: Field) -> Answer {
        let files = lock(&self.files);
        let Some((_, _, looked)) =
            files.iter().find(|(p, _, _)| p.file_name() == Some(OsStr::new(name)))
        else {
            panic!("{name} not walked")
        };
        looked.iter().find(|(f, _)| *f == field).map(|(_, a)| a.clone()).unwrap_or(Err(None))
    }

    pub fn item(&self, name: &str) -> Item {
        let files = lock(&self.files);
        match files.iter().find(|(p, _, _)| p.file_name() == Some(OsStr::new(name))) {
            Some((_, item, _)) => item.clone(),
            None => panic!("{name} not walked"),
        }
    }

    pub fn error_messages(&self) -> Vec<String> {
        lock(&self.errors).iter().map(ToString::to_string).collect()
    }
}

pub fn tempdir() -> tempfile::TempDir {
    tempfile::tempdir().unwrap_or_else(|e| panic!("tempdir: {e}"))
}

pub fn write(path: &Path, content: &[u8]) {
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).unwrap_or_else(|e| panic!("mkdir {parent:?}: {e}"));
    }
    std::fs::write(path, content).unwrap_or_else(|e| panic!("write {path:?}: {e}"));
}

pub fn symlink(target: impl AsRef<Path>, link: &Path) {
    std::os::unix::fs::symlink(target, link).unwrap_or_else(|e| panic!("symlink {link:?}: {e}"));
}

pub fn options(root: &Path) -> FileOptions {
    FileOptions { roots: vec![root.to_path_buf()], ..FileOptions::default() }
}

pub fn fields(fields: &[Field]) -> FieldSet {
    fields.iter().copied().collect()
}

/// Walks on a dedicated pool of 2 threads, failing the test instead of hanging.
pub fn run(options: &FileOptions, fields: &FieldSet, sink: &Recorder) -> FileStats {
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(2)
        .build()
        .unwrap_or_else(|e| panic!("pool: {e}"));
    std::thread::scope(|s| {
        let (tx, rx) = std::sync::mpsc::channel();
        s.spawn(move || {
            let result = pool.install(|| walk(options, fields, sink));
            let _ = tx.send(result);
        });
        match rx.recv_timeout(Duration::from_secs(30)) {
            Ok(Ok(stats)) => stats,
            Ok(Err(e)) => panic!("walk failed: {e}"),
            Err(_) => panic!("walk hung"),
        }
    })
}

pub fn str_value(text: &str) -> Answer {
    Ok(Value::Str(text.to_owned()))
}

/// True when this process can read a file whose mode is 000 (root, CAP_DAC_OVERRIDE).
pub fn can_bypass_permissions(dir: &Path) -> bool {
    let probe = dir.join("probe");
    write(&probe, b"x");
    let _ = std::fs::set_permissions(&probe, std::fs::Permissions::from_mode(0o000));
    let readable = std::fs::read(&probe).is_ok();
    let _ = std::fs::remove_file(&probe);
    readable
}
