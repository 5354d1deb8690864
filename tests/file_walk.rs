//! The file walk on real trees in temporary directories: roots, symlinks, loops, excludes,
//! odd names, mounts, cancellation.

mod recorder;

use iocscan::collect::file::{walk, FileOptions};
use iocscan::item::{NotEvaluated, Value};
use iocscan::path_text;
use iocscan::terms::Field;
use recorder::*;
use std::ffi::OsStr;
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};

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
