//! Open file descriptors: what an fd link names, lsof's type for it, what `fdinfo` says
//! about it, and the unix socket table (`/proc/net/unix`) that resolves `socket:[ino]` links
//! of unix sockets.
//!
//! Pure functions over fixed text and `stat` modes; the reads are the handle list's. Inet
//! sockets are resolved with the port collector's socket table, not here.

use std::collections::HashMap;

/// What an fd link target is, from its text (`socket:[12]`, `pipe:[3]`, `anon_inode:[eventfd]`,
/// or a path).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Target {
    /// `socket:[inode]`.
    Socket(u64),
    /// `pipe:[inode]`.
    Pipe,
    /// `anon_inode:...` (eventfd, epoll, timerfd, ...).
    AnonInode,
    /// A path (or anything else the kernel writes).
    Path,
}

/// Classifies an fd link's text.
pub(crate) fn target(link: &str) -> Target {
    if let Some(inode) = link.strip_prefix("socket:[").and_then(|r| r.strip_suffix(']')) {
        return inode.parse().map_or(Target::Path, Target::Socket);
    }
    if link.starts_with("pipe:[") {
        Target::Pipe
    } else if link.starts_with("anon_inode:") {
        Target::AnonInode
    } else {
        Target::Path
    }
}

/// lsof's TYPE column for a non-socket target with this `st_mode` (sockets are typed by
/// their table: `IPv4`, `IPv6`, `unix`, else `sock`).
pub(crate) fn lsof_type(target: Target, mode: Option<u32>) -> &'static str {
    match target {
        Target::Socket(_) => "sock",
        Target::Pipe => "FIFO",
        Target::AnonInode => "a_inode",
        Target::Path => match mode.map(|m| m & libc::S_IFMT) {
            Some(libc::S_IFREG) => "REG",
            Some(libc::S_IFDIR) => "DIR",
            Some(libc::S_IFCHR) => "CHR",
            Some(libc::S_IFBLK) => "BLK",
            Some(libc::S_IFIFO) => "FIFO",
            Some(libc::S_IFSOCK) => "sock",
            Some(libc::S_IFLNK) => "LINK",
            _ => "unknown",
        },
    }
}

/// What `/proc/PID/fdinfo/N` says about one descriptor (kernel `fs/proc/fd.c`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct FdInfo {
    /// File offset.
    pub pos: Option<u64>,
    /// Open flags (`O_*`), written in octal.
    pub flags: Option<u32>,
    /// Mount id (the `mountinfo` line of the file's file system).
    pub mnt_id: Option<u64>,
    /// Inode number (kernels since 5.14).
    pub ino: Option<u64>,
}

/// Parses fdinfo text (`key:\tvalue` lines; unknown keys, such as eventfd's or epoll's own,
/// are ignored).
pub(crate) fn parse_fdinfo(text: &str) -> FdInfo {
    let mut info = FdInfo::default();
    for line in text.lines() {
        let Some((key, value)) = line.split_once(':') else { continue };
        let value = value.trim();
        match key {
            "pos" => info.pos = value.parse().ok(),
            "flags" => info.flags = u32::from_str_radix(value, 8).ok(),
            "mnt_id" => info.mnt_id = value.parse().ok(),
            "ino" => info.ino = value.parse().ok(),
            _ => {}
        }
    }
    info
}

/// One unix socket of `/proc/net/unix`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct UnixSocket {
    /// `STREAM`, `DGRAM`, `SEQPACKET` (or the hex code).
    pub kind: String,
    /// `UNCONNECTED`, `CONNECTING`, `CONNECTED`, `DISCONNECTING` (or the hex code).
    pub state: String,
    /// The bound path, or `@name` for an abstract name; `None` when unbound.
    pub path: Option<String>,
}

/// The sockets of `/proc/net/unix` text by inode. Columns: `Num RefCount Protocol Flags Type
/// St Inode Path`; the path is the rest of the line.
pub(crate) fn parse_unix(text: &str) -> HashMap<u64, UnixSocket> {
    let mut sockets = HashMap::new();
    for line in text.lines().skip(1) {
        let mut words = line.splitn(8, ' ').filter(|w| !w.is_empty());
        let cols: Vec<&str> = words.by_ref().take(7).collect();
        if cols.len() < 7 {
            continue;
        }
        let Ok(inode) = cols[6].parse::<u64>() else { continue };
        let kind = match cols[4] {
            "0001" => "STREAM".to_owned(),
            "0002" => "DGRAM".to_owned(),
            "0005" => "SEQPACKET".to_owned(),
            other => other.to_owned(),
        };
        let state = match cols[5] {
            "01" => "UNCONNECTED".to_owned(),
            "02" => "CONNECTING".to_owned(),
            "03" => "CONNECTED".to_owned(),
            "04" => "DISCONNECTING".to_owned(),
            other => other.to_owned(),
        };
        // The path is what follows the inode column (it may hold spaces).
        let path = line
            .find(&format!(" {} ", cols[6]))
            .map(|at| line[at + cols[6].len() + 2..].trim_start())
            .filter(|p| !p.is_empty())
            .map(str::to_owned);
        sockets.insert(inode, UnixSocket { kind, state, path });
    }
    sockets
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn link_targets() {
        assert_eq!(target("socket:[4242]"), Target::Socket(4242));
        assert_eq!(target("socket:[x]"), Target::Path);
        assert_eq!(target("pipe:[17]"), Target::Pipe);
        assert_eq!(target("anon_inode:[eventfd]"), Target::AnonInode);
        assert_eq!(target("/tmp/a (deleted)"), Target::Path);
        assert_eq!(lsof_type(Target::Path, Some(libc::S_IFREG | 0o644)), "REG");
        assert_eq!(lsof_type(Target::Path, Some(libc::S_IFCHR | 0o666)), "CHR");
        assert_eq!(lsof_type(Target::Path, None), "unknown");
        assert_eq!(lsof_type(Target::Pipe, None), "FIFO");
        assert_eq!(lsof_type(Target::AnonInode, Some(0o600)), "a_inode");
    }

    #[test]
    fn fdinfo_fields() {
        let text = "pos:\t4096\nflags:\t0100002\nmnt_id:\t29\nino:\t1311\neventfd-count: 0\n";
        let info = parse_fdinfo(text);
        assert_eq!(info.pos, Some(4096));
        assert_eq!(info.flags, Some(0o100002));
        assert_eq!(info.mnt_id, Some(29));
        assert_eq!(info.ino, Some(1311));
        assert_eq!(parse_fdinfo("pos: x\nflags: 9\n"), FdInfo::default(), "bad numbers");
        assert_eq!(parse_fdinfo(""), FdInfo::default());
    }

    #[test]
    fn unix_table() {
        let text = "Num       RefCount Protocol Flags    Type St Inode Path\n\
            0000000000000000: 00000002 00000000 00010000 0001 01 12345 /run/systemd/notify\n\
            0000000000000000: 00000003 00000000 00000000 0001 03 12346\n\
            0000000000000000: 00000002 00000000 00010000 0002 01 12347 @/tmp/.X11 lock\n\
            short line\n";
        let table = parse_unix(text);
        assert_eq!(table.len(), 3);
        assert_eq!(table[&12345].path.as_deref(), Some("/run/systemd/notify"));
        assert_eq!(table[&12345].kind, "STREAM");
        assert_eq!(table[&12346].path, None);
        assert_eq!(table[&12346].state, "CONNECTED");
        assert_eq!(table[&12347].path.as_deref(), Some("@/tmp/.X11 lock"));
        assert_eq!(table[&12347].kind, "DGRAM");
    }
}
