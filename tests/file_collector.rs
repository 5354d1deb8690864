//! The file collector on real trees in temporary directories: digests, laziness, limits,
//! special files, permissions, races, symlinks, excludes, odd names, mounts, cancellation.

use iocscan::collect::file::{path_text, walk, FileEntry, FileOptions, FileSink, FileStats};
use iocscan::collect::CollectError;
use iocscan::item::{Item, ItemView, Lookup, NotEvaluated, Value};
use iocscan::terms::{Field, FieldSet};
use std::ffi::OsStr;
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::Duration;

const DIGESTS: [Field; 3] = [Field::FileMd5sum, Field::FileSha1sum, Field::FileSha256sum];

/// One lookup's answer: the value, or why not (`None`: absent).
type Answer = Result<Value, Option<NotEvaluated>>;

/// A recorded file: its path, its materialised item, the answers to the asked lookups.
type Recorded = (PathBuf, Item, Vec<(Field, Answer)>);

/// Records every file (with the lookups of `asked`) and every error.
#[derive(Default)]
struct Recorder {
    asked: Vec<Field>,
    files: Mutex<Vec<Recorded>>,
    errors: Mutex<Vec<CollectError>>,
    /// Delete each file before looking it up (a file that vanishes between walk and hash).
    delete_first: bool,
    /// Cancel after this many files.
    cancel_after: Option<usize>,
    seen: AtomicUsize,
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

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

impl Recorder {
    fn asking(fields: &[Field]) -> Self {
        Recorder { asked: fields.to_vec(), ..Recorder::default() }
    }

    fn names(&self) -> Vec<String> {
        let mut names: Vec<String> = lock(&self.files)
            .iter()
            .map(|(p, _, _)| {
                p.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default()
            })
            .collect();
        names.sort();
        names
    }

    fn answer(&self, name: &str, field: Field) -> Answer {
        let files = lock(&self.files);
        let Some((_, _, looked)) =
            files.iter().find(|(p, _, _)| p.file_name() == Some(OsStr::new(name)))
        else {
            panic!("{name} not walked")
        };
        looked.iter().find(|(f, _)| *f == field).map(|(_, a)| a.clone()).unwrap_or(Err(None))
    }

    fn item(&self, name: &str) -> Item {
        let files = lock(&self.files);
        match files.iter().find(|(p, _, _)| p.file_name() == Some(OsStr::new(name))) {
            Some((_, item, _)) => item.clone(),
            None => panic!("{name} not walked"),
        }
    }

    fn error_messages(&self) -> Vec<String> {
        lock(&self.errors).iter().map(ToString::to_string).collect()
    }
}

fn tempdir() -> tempfile::TempDir {
    tempfile::tempdir().unwrap_or_else(|e| panic!("tempdir: {e}"))
}

fn write(path: &Path, content: &[u8]) {
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).unwrap_or_else(|e| panic!("mkdir {parent:?}: {e}"));
    }
    std::fs::write(path, content).unwrap_or_else(|e| panic!("write {path:?}: {e}"));
}

fn symlink(target: impl AsRef<Path>, link: &Path) {
    std::os::unix::fs::symlink(target, link).unwrap_or_else(|e| panic!("symlink {link:?}: {e}"));
}

fn options(root: &Path) -> FileOptions {
    FileOptions { roots: vec![root.to_path_buf()], ..FileOptions::default() }
}

fn fields(fields: &[Field]) -> FieldSet {
    fields.iter().copied().collect()
}

/// Walks on a dedicated pool of 2 threads, failing the test instead of hanging.
fn run(options: &FileOptions, fields: &FieldSet, sink: &Recorder) -> FileStats {
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

fn str_value(text: &str) -> Answer {
    Ok(Value::Str(text.to_owned()))
}

/// True when this process can read a file whose mode is 000 (root, CAP_DAC_OVERRIDE).
fn can_bypass_permissions(dir: &Path) -> bool {
    let probe = dir.join("probe");
    write(&probe, b"x");
    let _ = std::fs::set_permissions(&probe, std::fs::Permissions::from_mode(0o000));
    let readable = std::fs::read(&probe).is_ok();
    let _ = std::fs::remove_file(&probe);
    readable
}

#[test]
fn known_digests_of_known_content() {
    let dir = tempdir();
    write(&dir.path().join("abc.txt"), b"abc");
    write(&dir.path().join("empty"), b"");
    let sink = Recorder::asking(&DIGESTS);
    let stats = run(&options(dir.path()), &fields(&DIGESTS), &sink);
    assert_eq!(
        sink.answer("abc.txt", Field::FileMd5sum),
        str_value("900150983cd24fb0d6963f7d28e17f72")
    );
    assert_eq!(
        sink.answer("abc.txt", Field::FileSha1sum),
        str_value("a9993e364706816aba3e25717850c26c9cd0d89d")
    );
    assert_eq!(
        sink.answer("abc.txt", Field::FileSha256sum),
        str_value("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
    );
    assert_eq!(
        sink.answer("empty", Field::FileSha256sum),
        str_value("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
    );
    assert_eq!((stats.files, stats.hashed, stats.bytes_read, stats.errors), (2, 2, 3, 0));
    // Computed digests are part of the materialised item.
    let item = sink.item("abc.txt");
    assert_eq!(item.get(Field::FileMd5sum), Some(&Value::from("900150983cd24fb0d6963f7d28e17f72")));
}

#[test]
fn only_the_needed_digests_are_computed() {
    let dir = tempdir();
    write(&dir.path().join("a"), b"abc");
    // No digest field: nothing is read, digest lookups are absent.
    let sink = Recorder::asking(&DIGESTS);
    let stats = run(&options(dir.path()), &fields(&[Field::FileFileName]), &sink);
    assert_eq!((stats.files, stats.hashed, stats.bytes_read), (1, 0, 0));
    for f in DIGESTS {
        assert_eq!(sink.answer("a", f), Err(None), "{f:?}");
    }
    // SHA-256 only: MD5 and SHA-1 stay absent, the file is read once.
    let sink = Recorder::asking(&DIGESTS);
    let stats = run(&options(dir.path()), &fields(&[Field::FileSha256sum]), &sink);
    assert_eq!((stats.hashed, stats.bytes_read), (1, 3));
    assert_eq!(sink.answer("a", Field::FileMd5sum), Err(None));
    assert_eq!(sink.answer("a", Field::FileSha1sum), Err(None));
    assert!(sink.answer("a", Field::FileSha256sum).is_ok());
    // Digest field in the set but never looked up: never read.
    let sink = Recorder::asking(&[Field::FileFileName]);
    let stats = run(&options(dir.path()), &fields(&[Field::FileSha256sum]), &sink);
    assert_eq!((stats.hashed, stats.bytes_read), (0, 0));
}

#[test]
fn metadata_fields() {
    let dir = tempdir();
    let path = dir.path().join("sub").join("Report.final.PDF");
    write(&path, b"12345");
    write(&dir.path().join("noext"), b"");
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o640))
        .unwrap_or_else(|e| panic!("chmod: {e}"));
    let all = [
        Field::FileFullPath,
        Field::FileFilePath,
        Field::FileFileName,
        Field::FileFileExtension,
        Field::FileSizeInBytes,
        Field::FileModified,
        Field::FileChanged,
        Field::FileAccessed,
        Field::FilePermissions,
        Field::FileINode,
        Field::FileGroupId,
    ];
    let sink = Recorder::default();
    run(&options(dir.path()), &fields(&all), &sink);
    let item = sink.item("Report.final.PDF");
    let text = |p: &Path| Value::from(p.to_string_lossy().into_owned());
    assert_eq!(item.get(Field::FileFullPath), Some(&text(&path)));
    assert_eq!(item.get(Field::FileFilePath), Some(&text(&dir.path().join("sub"))));
    assert_eq!(item.get(Field::FileFileName), Some(&Value::from("Report.final.PDF")));
    assert_eq!(item.get(Field::FileFileExtension), Some(&Value::from("PDF")));
    assert_eq!(item.get(Field::FileSizeInBytes), Some(&Value::Int(5)));
    assert_eq!(item.get(Field::FilePermissions), Some(&Value::Int(0o640)));
    assert!(matches!(item.get(Field::FileModified), Some(Value::Date(_))));
    assert!(matches!(item.get(Field::FileINode), Some(Value::Int(n)) if *n > 0));
    assert!(matches!(item.get(Field::FileGroupId), Some(Value::Str(_))));
    assert_eq!(sink.item("noext").get(Field::FileFileExtension), None);
    // Fields not asked are not filled (except path and size when materialised).
    let sink = Recorder::default();
    run(&options(dir.path()), &fields(&[Field::FileFileName]), &sink);
    let item = sink.item("Report.final.PDF");
    assert_eq!(item.get(Field::FilePermissions), None);
    assert_eq!(item.get(Field::FileSizeInBytes), Some(&Value::Int(5)));
}

#[test]
fn owner_names_come_from_the_account_databases() {
    let dir = tempdir();
    write(&dir.path().join("mine"), b"x");
    let sink = Recorder::default();
    run(&options(dir.path()), &fields(&[Field::FileUsername, Field::FileGroup]), &sink);
    let item = sink.item("mine");
    let id = |flag: &str| {
        let out = std::process::Command::new("id").arg(flag).output().expect("id");
        String::from_utf8_lossy(&out.stdout).trim().to_owned()
    };
    // Names `id` knows only through NSS (LDAP, SSSD) are not resolved: nothing to compare then.
    let in_file = |db: &str, name: &str| {
        std::fs::read_to_string(db)
            .unwrap_or_default()
            .lines()
            .any(|l| l.split(':').next() == Some(name))
    };
    let (user, group) = (id("-un"), id("-gn"));
    if in_file("/etc/passwd", &user) {
        assert_eq!(item.get(Field::FileUsername), Some(&Value::from(user.as_str())));
    }
    if in_file("/etc/group", &group) {
        assert_eq!(item.get(Field::FileGroup), Some(&Value::from(group.as_str())));
    }
}

#[test]
fn too_large_file_is_not_evaluated() {
    let dir = tempdir();
    write(&dir.path().join("big"), b"0123456789");
    write(&dir.path().join("small"), b"0123");
    let sink = Recorder::asking(&[Field::FileSha256sum]);
    let opts = FileOptions { max_hash_bytes: 4, ..options(dir.path()) };
    let stats = run(&opts, &fields(&[Field::FileSha256sum]), &sink);
    assert_eq!(sink.answer("big", Field::FileSha256sum), Err(Some(NotEvaluated::TooLargeToHash)));
    assert!(sink.answer("small", Field::FileSha256sum).is_ok());
    assert_eq!((stats.hashed, stats.bytes_read, stats.errors), (1, 4, 0));
}

#[test]
fn fifo_never_blocks() {
    let dir = tempdir();
    let fifo = dir.path().join("pipe");
    let made = std::process::Command::new("mkfifo").arg(&fifo).status();
    assert!(made.is_ok_and(|s| s.success()), "mkfifo failed");
    let sink = Recorder::asking(&[Field::FileMd5sum]);
    let stats =
        run(&options(dir.path()), &fields(&[Field::FileMd5sum, Field::FileSizeInBytes]), &sink);
    assert_eq!(stats.files, 1);
    assert_eq!(sink.answer("pipe", Field::FileMd5sum), Err(Some(NotEvaluated::Unreadable)));
    assert_eq!(stats.bytes_read, 0);
}

#[test]
fn unreadable_file_and_directory_are_reported() {
    let dir = tempdir();
    if can_bypass_permissions(dir.path()) {
        eprintln!("skipped: this process reads files with mode 000 (root)");
        return;
    }
    let file = dir.path().join("secret");
    write(&file, b"x");
    let locked = dir.path().join("locked");
    write(&locked.join("inside"), b"y");
    std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o000))
        .unwrap_or_else(|e| panic!("chmod: {e}"));
    std::fs::set_permissions(&locked, std::fs::Permissions::from_mode(0o000))
        .unwrap_or_else(|e| panic!("chmod: {e}"));
    let sink = Recorder::asking(&[Field::FileSha1sum]);
    let stats = run(&options(dir.path()), &fields(&[Field::FileSha1sum]), &sink);
    let _ = std::fs::set_permissions(&locked, std::fs::Permissions::from_mode(0o755));
    assert_eq!(sink.answer("secret", Field::FileSha1sum), Err(Some(NotEvaluated::Unreadable)));
    assert_eq!(sink.names(), ["secret"]);
    let errors = sink.error_messages();
    assert_eq!(stats.errors, 2, "{errors:?}");
    assert!(
        errors.iter().any(|e| e.contains("locked") && e.contains("cannot read directory")),
        "{errors:?}"
    );
    assert!(errors.iter().any(|e| e.contains("secret") && e.contains("cannot hash")), "{errors:?}");
}

#[test]
fn file_vanished_before_hashing() {
    let dir = tempdir();
    write(&dir.path().join("gone"), b"abc");
    let sink = Recorder { delete_first: true, ..Recorder::asking(&[Field::FileMd5sum]) };
    let stats = run(&options(dir.path()), &fields(&[Field::FileMd5sum]), &sink);
    assert_eq!(sink.answer("gone", Field::FileMd5sum), Err(Some(NotEvaluated::Unreadable)));
    assert_eq!(stats.errors, 1);
    assert_eq!(stats.hashed, 0);
    let errors = lock(&sink.errors);
    assert!(errors[0].subject.to_string().ends_with("gone"), "{errors:?}");
}

#[test]
fn missing_root_is_an_error_and_others_still_walk() {
    let dir = tempdir();
    write(&dir.path().join("a"), b"");
    let opts = FileOptions {
        roots: vec![dir.path().join("missing"), dir.path().to_path_buf()],
        ..FileOptions::default()
    };
    let sink = Recorder::default();
    let stats = run(&opts, &fields(&[Field::FileFileName]), &sink);
    assert_eq!((stats.files, stats.errors), (1, 1));
    assert!(sink.error_messages()[0].contains("missing"));
}

#[test]
fn symlink_loop_is_reported_when_following() {
    let dir = tempdir();
    write(&dir.path().join("a").join("f"), b"");
    symlink("..", &dir.path().join("a").join("up"));
    let opts = FileOptions { follow_symlinks: true, ..options(dir.path()) };
    let sink = Recorder::default();
    let stats = run(&opts, &fields(&[Field::FileFullPath]), &sink);
    assert_eq!(sink.names(), ["f"]);
    assert_eq!(stats.errors, 1);
    assert!(sink.error_messages()[0].contains("loop"), "{:?}", sink.error_messages());
}

#[test]
fn symlinks_are_files_unless_followed() {
    let dir = tempdir();
    let target = dir.path().join("real");
    write(&target.join("inner"), b"abc");
    symlink(&target, &dir.path().join("link"));
    symlink("real/inner", &dir.path().join("filelink"));
    let asked = [Field::FileSymlinkTarget, Field::FileSha256sum, Field::FileFileName];
    let sink = Recorder::asking(&[Field::FileSha256sum]);
    let stats = run(&options(dir.path()), &fields(&asked), &sink);
    assert_eq!(sink.names(), ["filelink", "inner", "link"]);
    assert_eq!(stats.directories, 2);
    let link = sink.item("link");
    assert_eq!(
        link.get(Field::FileSymlinkTarget),
        Some(&Value::from(target.to_string_lossy().into_owned()))
    );
    assert_eq!(sink.answer("filelink", Field::FileSha256sum), Err(Some(NotEvaluated::Unreadable)));
    assert_eq!(stats.errors, 0);
    // Followed: the directory link is walked, the file link hashes its target.
    let opts = FileOptions { follow_symlinks: true, ..options(dir.path()) };
    let sink = Recorder::asking(&[Field::FileSha256sum]);
    let stats = run(&opts, &fields(&asked), &sink);
    assert_eq!(sink.names(), ["filelink", "inner", "inner"]);
    assert_eq!(stats.directories, 3);
    assert_eq!(
        sink.answer("filelink", Field::FileSha256sum),
        sink.answer("inner", Field::FileSha256sum)
    );
    assert!(sink.answer("filelink", Field::FileSha256sum).is_ok());
}

#[test]
fn excludes_prune_directories_and_skip_files() {
    let dir = tempdir();
    write(&dir.path().join("keep").join("a.txt"), b"");
    write(&dir.path().join("keep").join("b.log"), b"");
    write(&dir.path().join("cache").join("deep").join("c.txt"), b"");
    let opts = FileOptions {
        excludes: vec!["**/cache".to_owned(), "*.log".to_owned(), "**/*.log".to_owned()],
        ..options(dir.path())
    };
    let sink = Recorder::default();
    let stats = run(&opts, &fields(&[Field::FileFileName]), &sink);
    assert_eq!(sink.names(), ["a.txt"]);
    assert_eq!(stats.excluded, 2);
    // `cache` was not entered: only the root and `keep` were read.
    assert_eq!(stats.directories, 2);
}

#[test]
fn bad_exclude_is_an_options_error() {
    let opts = FileOptions { excludes: vec!["a[".to_owned()], ..FileOptions::default() };
    let sink = Recorder::default();
    match walk(&opts, &fields(&[Field::FileFileName]), &sink) {
        Err(e) => assert!(e.to_string().contains("a["), "{e}"),
        Ok(stats) => panic!("walked with a bad pattern: {stats:?}"),
    }
    assert!(lock(&sink.files).is_empty());
}

#[test]
fn non_utf8_names_round_trip() {
    let dir = tempdir();
    let name = OsStr::from_bytes(b"bad\xff\\name.t\xfex");
    write(&dir.path().join(name), b"abc");
    let sink = Recorder::asking(&[Field::FileMd5sum]);
    run(
        &options(dir.path()),
        &fields(&[
            Field::FileFullPath,
            Field::FileFileName,
            Field::FileFileExtension,
            Field::FileMd5sum,
        ]),
        &sink,
    );
    let files = lock(&sink.files);
    let (path, item, looked) = &files[0];
    assert_eq!(path.file_name(), Some(name));
    assert_eq!(item.get(Field::FileFileName), Some(&Value::from("bad\\xff\\\\name.t\\xfex")));
    assert_eq!(item.get(Field::FileFileExtension), Some(&Value::from("t\\xfex")));
    let Some(Value::Str(full)) = item.get(Field::FileFullPath) else { panic!("no FullPath") };
    assert_eq!(path_text::unescape(full).as_deref(), Some(path.as_os_str()));
    assert_eq!(looked[0].1, str_value("900150983cd24fb0d6963f7d28e17f72"));
}

#[test]
fn pseudo_file_system_root_is_not_entered() {
    if std::fs::metadata("/proc/self").is_err() {
        eprintln!("skipped: no /proc");
        return;
    }
    let sink = Recorder::default();
    let stats = run(&options(Path::new("/proc")), &fields(&[Field::FileFileName]), &sink);
    assert_eq!((stats.files, stats.directories, stats.skipped_mounts), (0, 0, 1));
    assert!(sink.error_messages()[0].contains("pseudo"), "{:?}", sink.error_messages());
}

#[test]
fn one_file_system_stays_on_the_root_device() {
    use std::os::unix::fs::MetadataExt;
    // A followed symlink into a tmpfs (/dev/shm) crosses devices without mounting anything.
    let dir = tempdir();
    write(&dir.path().join("x").join("y"), b"");
    let Ok(other) = tempfile::tempdir_in("/dev/shm") else {
        eprintln!("skipped: no writable /dev/shm");
        return;
    };
    let dev = |p: &Path| std::fs::metadata(p).map(|m| m.dev()).ok();
    if dev(dir.path()) == dev(other.path()) {
        eprintln!("skipped: /dev/shm is on the temp directory's device");
        return;
    }
    write(&other.path().join("elsewhere"), b"");
    symlink(other.path(), &dir.path().join("shm"));
    let follow = FileOptions { follow_symlinks: true, ..options(dir.path()) };
    let sink = Recorder::default();
    let stats = run(&follow, &fields(&[Field::FileFileName]), &sink);
    assert_eq!(sink.names(), ["elsewhere", "y"]);
    assert_eq!(stats.skipped_mounts, 0);
    let one_fs = FileOptions { one_file_system: true, ..follow };
    let sink = Recorder::default();
    let stats = run(&one_fs, &fields(&[Field::FileFileName]), &sink);
    assert_eq!(sink.names(), ["y"]);
    assert_eq!(stats.skipped_mounts, 1);
}

#[test]
fn cancellation_stops_the_walk() {
    let dir = tempdir();
    for d in 0..20 {
        for f in 0..50 {
            write(&dir.path().join(format!("d{d}")).join(format!("f{f}")), b"");
        }
    }
    let sink = Recorder { cancel_after: Some(10), ..Recorder::default() };
    let stats = run(&options(dir.path()), &fields(&[Field::FileFileName]), &sink);
    assert!(stats.files < 1000 && stats.files >= 10, "{stats:?}");
    let sink = Recorder::default();
    let stats = run(&options(dir.path()), &fields(&[Field::FileFileName]), &sink);
    assert_eq!((stats.files, stats.directories), (1000, 21));
}

#[test]
fn roots_may_be_files_or_symlinks() {
    let dir = tempdir();
    let file = dir.path().join("real").join("one.bin");
    write(&file, b"abc");
    symlink(dir.path().join("real"), &dir.path().join("dirlink"));
    // A file root is one item; a symlink root is followed whatever `follow_symlinks` says.
    let opts = FileOptions {
        roots: vec![file.clone(), dir.path().join("dirlink")],
        ..FileOptions::default()
    };
    let sink = Recorder::asking(&[Field::FileMd5sum]);
    let stats = run(&opts, &fields(&[Field::FileMd5sum, Field::FileFullPath]), &sink);
    assert_eq!(sink.names(), ["one.bin", "one.bin"]);
    assert_eq!((stats.files, stats.directories, stats.hashed, stats.errors), (2, 1, 2, 0));
    let paths: Vec<PathBuf> = lock(&sink.files).iter().map(|(p, _, _)| p.clone()).collect();
    assert!(paths.contains(&dir.path().join("dirlink").join("one.bin")), "{paths:?}");
}
