//! The look at a directory before the walk decides to enter it: device, inode and type from
//! one `statx` with `AT_NO_AUTOMOUNT` (through rustix's safe API).
//!
//! `std::fs::metadata` asks `statx` without `AT_NO_AUTOMOUNT`, so looking at an automount
//! trigger would mount it (a side effect on the host, and a network mount that can hang).
//! With the flag the trigger shows the autofs device, which the mount table classes as pseudo:
//! the walker skips it without anything being mounted.

use rustix::fs::{AtFlags, FileType, StatxFlags, CWD};
use std::io;
use std::path::Path;

/// What the walker needs to know about a directory (or a followed symlink's target).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct DirStat {
    /// The device (`st_dev` encoding).
    pub(crate) dev: u64,
    /// The inode.
    pub(crate) ino: u64,
    /// True for a directory.
    pub(crate) is_dir: bool,
}

/// `statx(path)` without triggering an automount; a final symlink is followed only when
/// `follow`.
pub(crate) fn dir_stat(path: &Path, follow: bool) -> io::Result<DirStat> {
    let mut flags = AtFlags::NO_AUTOMOUNT;
    if !follow {
        flags |= AtFlags::SYMLINK_NOFOLLOW;
    }
    let x = rustix::fs::statx(CWD, path, flags, StatxFlags::TYPE | StatxFlags::INO)?;
    Ok(DirStat {
        dev: makedev(x.stx_dev_major, x.stx_dev_minor),
        ino: x.stx_ino,
        is_dir: FileType::from_raw_mode(u32::from(x.stx_mode)) == FileType::Directory,
    })
}

/// `major:minor` -> the `st_dev` encoding of Linux (glibc `makedev`), as in mountinfo.
pub(crate) fn makedev(major: u32, minor: u32) -> u64 {
    let (major, minor) = (u64::from(major), u64::from(minor));
    ((major & 0xffff_f000) << 32)
        | ((major & 0x0000_0fff) << 8)
        | ((minor & 0xffff_ff00) << 12)
        | (minor & 0x0000_00ff)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::MetadataExt;

    #[test]
    fn agrees_with_std_metadata() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("tempdir: {e}"));
        let link = dir.path().join("link");
        std::os::unix::fs::symlink(dir.path(), &link).unwrap_or_else(|e| panic!("symlink: {e}"));
        let meta = std::fs::metadata(dir.path()).unwrap_or_else(|e| panic!("metadata: {e}"));
        let expected = DirStat { dev: meta.dev(), ino: meta.ino(), is_dir: true };
        assert_eq!(dir_stat(dir.path(), false).ok(), Some(expected));
        assert_eq!(dir_stat(&link, true).ok(), Some(expected));
        assert!(dir_stat(&link, false).is_ok_and(|s| !s.is_dir));
        assert!(dir_stat(&dir.path().join("missing"), false).is_err());
    }
}
