//! Reading files that may be hostile: regular files only, never blocking, size capped.
//!
//! An IOC file, a snapshot or `/etc/group` can be replaced by a FIFO (an open would wait for a
//! writer forever), a device (an open can have side effects, a read can stream forever) or a
//! huge file. So the type is checked on the path before opening, the open is non-blocking
//! (Unix), the type is checked again on the open handle (the path may have been swapped in
//! between), and the size is checked before reading and while reading (the file may grow).
//!
//! The refusals are [`io::Error`]s whose payload is a [`Refusal`], so that callers can word
//! them their own way ([`refusal`]). This module only reads; the file collector's digest open
//! (`O_NOATIME`, `O_NOFOLLOW`) is its own, in `collect::file::digest`.

use std::fs::{File, Metadata, OpenOptions};
use std::io::{self, Read};
use std::path::Path;

/// Why a file was not read: the payload of the [`io::Error`]s this module makes.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Refusal {
    /// The path is not a regular file (`what` says what it is: "a FIFO", "a directory", ...).
    #[error("not a regular file")]
    NotRegular {
        /// What the path is instead.
        what: &'static str,
    },
    /// The file holds more than `cap` bytes (`size` is its size, or `cap + 1` when it grew
    /// while it was read).
    #[error("larger than {cap} bytes; not read")]
    TooLarge {
        /// The size seen (at least).
        size: u64,
        /// The limit.
        cap: u64,
    },
}

impl Refusal {
    fn into_io(self) -> io::Error {
        let kind = match self {
            Refusal::NotRegular { .. } => io::ErrorKind::InvalidInput,
            Refusal::TooLarge { .. } => io::ErrorKind::InvalidData,
        };
        io::Error::new(kind, self)
    }
}

/// The [`Refusal`] an error of this module carries; `None` for an OS error.
pub fn refusal(error: &io::Error) -> Option<&Refusal> {
    error.get_ref().and_then(|e| e.downcast_ref::<Refusal>())
}

/// Opens the regular file at `path` for reading, without blocking (see the module docs).
pub fn open_regular(path: &Path) -> io::Result<File> {
    open_checked(path, None).map(|(file, _)| file)
}

/// Reads the whole regular file at `path`, at most `cap` bytes; a larger file is refused
/// ([`Refusal::TooLarge`]) without being held in memory.
pub fn read_regular_capped(path: &Path, cap: u64) -> io::Result<Vec<u8>> {
    let (file, meta) = open_checked(path, Some(cap))?;
    let mut bytes = Vec::with_capacity(usize::try_from(meta.len().min(cap)).unwrap_or(0));
    // Capped in case the file grows while it is read.
    file.take(cap.saturating_add(1)).read_to_end(&mut bytes)?;
    check_size(bytes.len() as u64, Some(cap))?;
    Ok(bytes)
}

/// Fills `buf` with the bytes of `file` from offset `at`, without moving its cursor (so
/// that threads can read parts of one file at once); an end of file before `buf` is full
/// is [`io::ErrorKind::UnexpectedEof`].
pub fn read_exact_at(file: &File, buf: &mut [u8], at: u64) -> io::Result<()> {
    // The crate is Unix-only (paths are bytes: `crate::path_text`).
    std::os::unix::fs::FileExt::read_exact_at(file, buf, at)
}

fn open_checked(path: &Path, cap: Option<u64>) -> io::Result<(File, Metadata)> {
    check(&std::fs::metadata(path)?, cap)?;
    let mut options = OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.custom_flags(libc::O_NONBLOCK);
    }
    let file = options.open(path)?;
    let meta = file.metadata()?;
    check(&meta, cap)?;
    Ok((file, meta))
}

fn check(meta: &Metadata, cap: Option<u64>) -> io::Result<()> {
    if !meta.is_file() {
        return Err(Refusal::NotRegular { what: file_kind(meta) }.into_io());
    }
    check_size(meta.len(), cap)
}

fn check_size(size: u64, cap: Option<u64>) -> io::Result<()> {
    match cap {
        Some(cap) if size > cap => Err(Refusal::TooLarge { size, cap }.into_io()),
        _ => Ok(()),
    }
}

fn file_kind(meta: &Metadata) -> &'static str {
    let ft = meta.file_type();
    if ft.is_dir() {
        return "a directory";
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if ft.is_fifo() {
            return "a FIFO";
        }
        if ft.is_socket() {
            return "a socket";
        }
        if ft.is_block_device() || ft.is_char_device() {
            return "a device";
        }
    }
    "not a file"
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_up_to_the_cap_exactly() {
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("f");
        std::fs::write(&f, b"12345").unwrap();
        assert_eq!(read_regular_capped(&f, 5).unwrap(), b"12345");
        let err = read_regular_capped(&f, 4).unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::InvalidData);
        assert_eq!(refusal(&err), Some(&Refusal::TooLarge { size: 5, cap: 4 }));
        assert_eq!(err.to_string(), "larger than 4 bytes; not read");
    }

    #[test]
    fn directories_and_missing_files_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let err = read_regular_capped(dir.path(), 10).unwrap_err();
        assert_eq!(refusal(&err), Some(&Refusal::NotRegular { what: "a directory" }));
        let err = open_regular(&dir.path().join("missing")).unwrap_err();
        assert_eq!((err.kind(), refusal(&err)), (io::ErrorKind::NotFound, None));
    }

    #[cfg(unix)]
    #[test]
    fn a_fifo_is_refused_without_blocking() {
        let dir = tempfile::tempdir().unwrap();
        let fifo = dir.path().join("pipe");
        let made = std::process::Command::new("mkfifo").arg(&fifo).status();
        if !made.is_ok_and(|s| s.success()) {
            eprintln!("mkfifo unavailable: skipping");
            return;
        }
        // Without a writer, a blocking open would wait forever.
        let err = read_regular_capped(&fifo, 10).unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::InvalidInput);
        assert_eq!(refusal(&err), Some(&Refusal::NotRegular { what: "a FIFO" }));
        assert!(open_regular(&fifo).is_err());
    }
}
