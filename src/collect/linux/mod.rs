//! Linux host sources shared by the non-file collectors: bounded reads of `/proc`, `/sys` and
//! `/etc` files, and the parsers of what they hold (account databases, the neighbour table,
//! network interfaces and routes, utmp records, `os-release`).
//!
//! Parsers take text or bytes and are unit-tested with fixed input; only the functions that
//! name a path or open a socket touch the host, and they only read. Nothing here decides which
//! fields an item gets: that is each collector's job.

pub(crate) mod accounts;
pub(crate) mod interfaces;
pub(crate) mod neighbours;
pub(crate) mod os_release;
pub(crate) mod udp;
pub(crate) mod utmp;

use super::{CollectError, Collected, Reason, Subject};
use crate::item::{Item, ItemKind, Value};
use crate::limits::{MAX_HOST_FILE_BYTES, MAX_KEPT_COLLECT_ERRORS};
use crate::terms::{Field, FieldSet};
use std::io;
use std::path::Path;

/// Reads a host file, at most [`MAX_HOST_FILE_BYTES`]; a longer file is an error.
///
/// Regular files only, opened without blocking ([`crate::fsread`]), so that a FIFO or a
/// device put in place of `/etc/group` can neither block nor stream forever.
pub(crate) fn read_bounded(path: &Path) -> io::Result<Vec<u8>> {
    crate::fsread::read_regular_capped(path, MAX_HOST_FILE_BYTES)
}

/// [`read_bounded`] as text (invalid UTF-8 replaced).
pub(crate) fn read_text(path: &Path) -> io::Result<String> {
    read_bounded(path).map(|b| String::from_utf8_lossy(&b).into_owned())
}

/// The first line of a small host file, trimmed; `None` when unreadable or empty.
pub(crate) fn read_line(path: &Path) -> Option<String> {
    let text = read_text(path).ok()?;
    let line = text.lines().next()?.trim();
    (!line.is_empty()).then(|| line.to_owned())
}

/// A process's executable path as `/proc/PID/exe` links to it, without the ` (deleted)` the
/// kernel appends once the file is gone (the path is what an IOC names; a file really named
/// so, which still exists, is kept as is).
pub(crate) fn executable_path(link: &Path) -> std::path::PathBuf {
    const DELETED: &[u8] = b" (deleted)";
    use std::os::unix::ffi::OsStrExt;
    let bytes = link.as_os_str().as_bytes();
    match bytes.strip_suffix(DELETED) {
        Some(stripped) if !link.exists() => {
            Path::new(std::ffi::OsStr::from_bytes(stripped)).to_path_buf()
        }
        _ => link.to_path_buf(),
    }
}

/// Which fields a collector fills: those asked for, plus the card fields of every kind (cards
/// show them for each matched object, whatever the IOC tested).
#[derive(Clone, Copy, Debug)]
pub(crate) struct Wanted(FieldSet);

impl Wanted {
    /// The fields to fill for `asked`.
    pub(crate) fn new(asked: &FieldSet) -> Self {
        Wanted(*asked)
    }

    /// True when `field` is to be filled.
    pub(crate) fn has(&self, field: Field) -> bool {
        self.0.contains(field) || field.term().card
    }

    /// True when any of `fields` is to be filled.
    pub(crate) fn any(&self, fields: &[Field]) -> bool {
        fields.iter().any(|f| self.has(*f))
    }

    /// Sets `field` of `item` to `value` when the field is to be filled.
    pub(crate) fn put(&self, item: &mut Item, field: Field, value: impl Into<Value>) {
        if self.has(field) {
            item.set(field, value);
        }
    }

    /// [`Wanted::put`] when there is a value.
    pub(crate) fn put_some(&self, item: &mut Item, field: Field, value: Option<Value>) {
        if let Some(value) = value {
            self.put(item, field, value);
        }
    }
}

/// Collection errors of one kind, capped at [`MAX_KEPT_COLLECT_ERRORS`]; the rest are counted.
#[derive(Debug)]
pub(crate) struct Errors {
    kind: ItemKind,
    kept: Vec<CollectError>,
    dropped: u64,
}

impl Errors {
    /// No errors yet.
    pub(crate) fn new(kind: ItemKind) -> Self {
        Errors { kind, kept: Vec::new(), dropped: 0 }
    }

    /// Records one problem about `subject`.
    pub(crate) fn push(&mut self, subject: Subject, reason: Reason, message: impl ToString) {
        if self.kept.len() < MAX_KEPT_COLLECT_ERRORS {
            self.kept.push(CollectError::new(self.kind, subject, reason, message.to_string()));
        } else {
            self.dropped += 1;
        }
    }

    /// Records a failed read of the file at `path`.
    pub(crate) fn push_io(&mut self, path: impl Into<std::path::PathBuf>, error: &io::Error) {
        self.push(Subject::path(path), Reason::of_io(error), error);
    }

    /// The kept errors, followed by one summarising the dropped ones, if any.
    pub(crate) fn finish(mut self) -> Vec<CollectError> {
        if self.dropped > 0 {
            self.kept.push(CollectError::new(
                self.kind,
                Subject::source("collection"),
                Reason::TooManyErrors,
                format!("{} more errors not reported", self.dropped),
            ));
        }
        self.kept
    }
}

/// The result for a kind whose source failed as a whole: no items, the errors met.
pub(crate) fn failed(errors: Errors) -> Collected {
    Collected { items: Vec::new(), errors: errors.finish() }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_are_capped_and_counted() {
        let mut errors = Errors::new(ItemKind::Process);
        for i in 0..MAX_KEPT_COLLECT_ERRORS + 5 {
            errors.push(Subject::Pid(i as u32), Reason::PermissionDenied, "permission denied");
        }
        let list = errors.finish();
        assert_eq!(list.len(), MAX_KEPT_COLLECT_ERRORS + 1);
        assert_eq!(list[MAX_KEPT_COLLECT_ERRORS].message, "5 more errors not reported");
    }

    #[test]
    fn deleted_executables_keep_their_path() {
        let gone = Path::new("/nonexistent/iocscan-test/evil (deleted)");
        assert_eq!(executable_path(gone), Path::new("/nonexistent/iocscan-test/evil"));
        assert_eq!(executable_path(Path::new("/bin/sh")), Path::new("/bin/sh"));
        let dir = tempfile::tempdir().unwrap();
        let real = dir.path().join("odd (deleted)");
        std::fs::write(&real, b"").unwrap();
        assert_eq!(executable_path(&real), real, "an existing file keeps its name");
    }

    #[test]
    fn wanted_adds_card_fields_only() {
        let asked: FieldSet = [Field::ProcessName].into_iter().collect();
        let wanted = Wanted::new(&asked);
        assert!(wanted.has(Field::ProcessName));
        assert!(wanted.has(Field::ProcessArguments), "card field");
        assert!(!wanted.has(Field::ProcessKernelTime));
    }

    #[test]
    fn put_fills_only_wanted_fields() {
        let asked: FieldSet = [Field::ProcessName].into_iter().collect();
        let wanted = Wanted::new(&asked);
        let mut item = Item::new(ItemKind::Process);
        wanted.put(&mut item, Field::ProcessName, "sh");
        wanted.put(&mut item, Field::ProcessKernelTime, "0.01");
        wanted.put_some(&mut item, Field::ProcessPid, None);
        wanted.put_some(&mut item, Field::ProcessArguments, Some("sh -c x".into()));
        assert_eq!(item.get(Field::ProcessName), Some(&Value::from("sh")));
        assert_eq!(item.get(Field::ProcessKernelTime), None, "not asked");
        assert_eq!(item.get(Field::ProcessPid), None, "no value");
        assert_eq!(item.get(Field::ProcessArguments), Some(&Value::from("sh -c x")), "card");
    }

    #[test]
    fn non_regular_files_are_refused_without_blocking() {
        assert!(read_bounded(Path::new("/")).is_err());
        assert!(read_bounded(Path::new("/proc/self/stat")).is_ok());
        let dir = tempfile::tempdir().unwrap();
        let fifo = dir.path().join("group");
        let made = std::process::Command::new("mkfifo").arg(&fifo).status();
        if made.is_ok_and(|s| s.success()) {
            // Without a writer, a blocking open would wait forever.
            let err = read_bounded(&fifo).unwrap_err();
            assert_eq!(err.kind(), io::ErrorKind::InvalidInput);
        }
    }
}
