//! Collection problems: what was being collected, about what, why (typed), and the text.
//!
//! The typed [`Reason`] and [`Subject`] let an agent tell "permission denied" from "vanished"
//! without reading prose; the text (`Display`, and `subject` / `message` in JSON) is what
//! people read. This module only describes problems; collectors decide what is one.

use crate::item::ItemKind;
use crate::path_text;
use serde::{Serialize, Serializer};
use std::fmt;
use std::io;
use std::path::PathBuf;

/// A problem collecting one item or one source; never fatal to a scan.
///
/// `Display` is `kind: subject: message`. In JSON: `kind`, `subject` (its text), `message`
/// and `reason` (kebab-case).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct CollectError {
    /// The item kind being collected.
    pub kind: ItemKind,
    /// What it is about.
    pub subject: Subject,
    /// What went wrong, as text.
    pub message: String,
    /// What went wrong, typed.
    pub reason: Reason,
}

impl CollectError {
    /// A problem of `kind` about `subject`.
    pub fn new(
        kind: ItemKind,
        subject: Subject,
        reason: Reason,
        message: impl Into<String>,
    ) -> Self {
        CollectError { kind, subject, message: message.into(), reason }
    }
}

impl fmt::Display for CollectError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}: {}", self.kind, self.subject, self.message)
    }
}

/// What a collection problem is about.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Subject {
    /// A file or folder (its text is escaped losslessly when not UTF-8: see
    /// [`path_text`]).
    Path(PathBuf),
    /// A process, by pid (text `pid 123`).
    Pid(u32),
    /// Some other source: `socket table`, `rtnetlink neighbour dump`, a platform name.
    Source(String),
}

impl Subject {
    /// A path subject.
    pub fn path(path: impl Into<PathBuf>) -> Self {
        Subject::Path(path.into())
    }

    /// A source subject.
    pub fn source(name: impl Into<String>) -> Self {
        Subject::Source(name.into())
    }
}

impl fmt::Display for Subject {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Subject::Path(path) => f.write_str(&path_text::escape(path.as_os_str())),
            Subject::Pid(pid) => write!(f, "pid {pid}"),
            Subject::Source(name) => f.write_str(name),
        }
    }
}

impl Serialize for Subject {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

/// Why something was not collected.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
#[non_exhaustive]
pub enum Reason {
    /// The OS refused access (`EACCES`, `EPERM`).
    PermissionDenied,
    /// Not found: gone while being collected (a file deleted, a process ended), or a root
    /// that never existed.
    NotFound,
    /// It is larger than a limit, so it was not read.
    TooLarge,
    /// It is not a regular file (a FIFO, a device, ...), so it was not read.
    NotRegularFile,
    /// A symbolic link or bind-mount loop.
    Loop,
    /// Not walked by policy (a pseudo file system).
    Skipped,
    /// This platform has no collector for the kind.
    NotSupported,
    /// The data was never collected (a snapshot without the kind).
    NotCollected,
    /// Stands for further problems that were counted but not kept.
    TooManyErrors,
    /// Any other failure (I/O error, unexpected data).
    Other,
}

impl Reason {
    /// Every reason.
    pub const ALL: [Reason; 10] = [
        Reason::PermissionDenied,
        Reason::NotFound,
        Reason::TooLarge,
        Reason::NotRegularFile,
        Reason::Loop,
        Reason::Skipped,
        Reason::NotSupported,
        Reason::NotCollected,
        Reason::TooManyErrors,
        Reason::Other,
    ];

    /// The reason an I/O error stands for.
    pub fn of_io(error: &io::Error) -> Reason {
        if let Some(refusal) = crate::fsread::refusal(error) {
            return match refusal {
                crate::fsread::Refusal::NotRegular { .. } => Reason::NotRegularFile,
                crate::fsread::Refusal::TooLarge { .. } => Reason::TooLarge,
            };
        }
        match error.kind() {
            io::ErrorKind::PermissionDenied => return Reason::PermissionDenied,
            io::ErrorKind::NotFound => return Reason::NotFound,
            _ => {}
        }
        #[cfg(unix)]
        match error.raw_os_error() {
            Some(libc::ELOOP) => return Reason::Loop,
            Some(libc::ESRCH) => return Reason::NotFound,
            Some(libc::EFBIG) => return Reason::TooLarge,
            _ => {}
        }
        Reason::Other
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::ffi::OsStr;
    use std::os::unix::ffi::OsStrExt;

    #[test]
    fn reasons_from_io_errors() {
        let kind = |k: io::ErrorKind| Reason::of_io(&io::Error::from(k));
        assert_eq!(kind(io::ErrorKind::PermissionDenied), Reason::PermissionDenied);
        assert_eq!(kind(io::ErrorKind::NotFound), Reason::NotFound);
        assert_eq!(kind(io::ErrorKind::UnexpectedEof), Reason::Other);
        let os = |code| Reason::of_io(&io::Error::from_raw_os_error(code));
        assert_eq!(os(libc::EACCES), Reason::PermissionDenied);
        assert_eq!(os(libc::EPERM), Reason::PermissionDenied);
        assert_eq!(os(libc::ENOENT), Reason::NotFound);
        assert_eq!(os(libc::ESRCH), Reason::NotFound);
        assert_eq!(os(libc::ELOOP), Reason::Loop);
        assert_eq!(os(libc::EIO), Reason::Other);
        let dir = tempfile::tempdir().unwrap();
        let refused = crate::fsread::read_regular_capped(dir.path(), 1).unwrap_err();
        assert_eq!(Reason::of_io(&refused), Reason::NotRegularFile);
    }

    #[test]
    fn text_and_json_keep_their_shape() {
        let path = PathBuf::from(OsStr::from_bytes(b"/tmp/a\xffb"));
        let e = CollectError::new(
            ItemKind::File,
            Subject::path(path),
            Reason::PermissionDenied,
            "cannot stat: denied",
        );
        assert_eq!(e.to_string(), "FileItem: /tmp/a\\xffb: cannot stat: denied");
        let json = serde_json::to_string(&e).unwrap();
        assert_eq!(
            json,
            "{\"kind\":\"File\",\"subject\":\"/tmp/a\\\\xffb\",\"message\":\"cannot stat: denied\",\
             \"reason\":\"permission-denied\"}"
        );
        assert_eq!(Subject::Pid(7).to_string(), "pid 7");
        assert_eq!(Subject::source("socket table").to_string(), "socket table");
    }
}
