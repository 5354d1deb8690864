//! The file collector on real trees in temporary directories: digests, laziness, limits,
//! special files, permissions, vanished files.

mod recorder;

use iocscan::collect::file::FileOptions;
use iocscan::item::{NotEvaluated, Value};
use iocscan::terms::Field;
use recorder::*;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;

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
