//! A process's HandleList: one element per open file descriptor of `/proc/PID/fd`, in fd
//! order, at most [`MAX_HANDLES_PER_PROCESS`].
//!
//! Only reads: `readlink` of each fd link, `stat` through it (only when a column needs the
//! target's type, device or size; `INode` alone is read from `/proc/PID/fdinfo/N`), and for
//! the digest columns the content of regular files through `/proc/PID/fd/N` (opened
//! non-blocking, only after `stat` says regular, bounded by the hash size limit). Sockets are
//! resolved with the socket tables the caller passes; nothing here parses `/proc/net`.
//!
//! Not guarded: a `stat` through a link to a file on a hung network file system can wait as
//! long as the kernel makes it (as `lsof` without `-b`); only the columns that need it stat.

use super::fds::{self, Target, UnixSocket};
use super::lists::Columns;
use crate::collect::file::digest::{hash_file, HashPlan};
use crate::collect::port::Socket;
use crate::item::Value;
use crate::limits::{MAX_HANDLES_PER_PROCESS, MAX_HANDLE_HASH_BYTES_PER_PROCESS};
use crate::path_text::escape;
use crate::terms::Field;
use std::collections::HashMap;
use std::io;
use std::net::IpAddr;
use std::os::unix::fs::MetadataExt;
use std::path::PathBuf;

/// The socket tables handles are resolved with, by inode.
#[derive(Debug, Default)]
pub(crate) struct SocketTables<'a> {
    /// TCP and UDP sockets (the port collector's table).
    pub inet: HashMap<u64, &'a Socket>,
    /// Unix sockets (`/proc/net/unix`).
    pub unix: HashMap<u64, UnixSocket>,
}

/// What one handle list fill needs besides the columns.
pub(crate) struct Context<'a> {
    /// The process owner's name (`User`).
    pub user: Option<&'a str>,
    /// Socket tables.
    pub sockets: &'a SocketTables<'a>,
    /// Largest file hashed.
    pub max_hash_bytes: u64,
}

/// What a handle list fill had to leave out.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct Cuts {
    /// More descriptors than [`MAX_HANDLES_PER_PROCESS`]: the rest are not listed.
    pub handles: bool,
    /// The digest budget ([`MAX_HANDLE_HASH_BYTES_PER_PROCESS`]) ran out: later files have
    /// no digest.
    pub digests: bool,
}

/// Fills `columns` with the handles of `pid` and says what was cut; an error when the fd
/// directory cannot be listed (permission denied, process gone).
pub(crate) fn fill(columns: &mut Columns, pid: u32, cx: &Context<'_>) -> io::Result<Cuts> {
    let dir = PathBuf::from(format!("/proc/{pid}/fd"));
    let fdinfo = PathBuf::from(format!("/proc/{pid}/fdinfo"));
    let mut numbers: Vec<u32> = std::fs::read_dir(&dir)?
        .filter_map(|e| e.ok()?.file_name().to_str()?.parse().ok())
        .collect();
    numbers.sort_unstable();
    let mut cuts = Cuts { handles: numbers.len() > MAX_HANDLES_PER_PROCESS, digests: false };
    let mut budget = MAX_HANDLE_HASH_BYTES_PER_PROCESS;
    numbers.truncate(MAX_HANDLES_PER_PROCESS);
    // `INode` alone comes from fdinfo, which never touches the file's own file system.
    let needs_stat = [
        Field::ProcessHandleType,
        Field::ProcessHandleDevice,
        Field::ProcessHandleSize,
        Field::ProcessHandleMd5sum,
        Field::ProcessHandleSha1sum,
        Field::ProcessHandleSha256sum,
    ]
    .iter()
    .any(|f| columns.wants(*f));
    let plan = HashPlan {
        md5: columns.wants(Field::ProcessHandleMd5sum),
        sha1: columns.wants(Field::ProcessHandleSha1sum),
        sha256: columns.wants(Field::ProcessHandleSha256sum),
        head: false,
        max_bytes: cx.max_hash_bytes,
        content: None,
    };
    for fd in numbers {
        let path = dir.join(fd.to_string());
        // A handle closed since the listing is simply not there any more.
        let Ok(link) = std::fs::read_link(&path) else { continue };
        let link = escape(link.as_os_str()).into_owned();
        let target = fds::target(&link);
        let meta = if needs_stat { std::fs::metadata(&path).ok() } else { None };
        let inode = meta.as_ref().map(|m| m.ino()).or_else(|| {
            if !columns.wants(Field::ProcessHandleINode) {
                return None;
            }
            let info = crate::collect::linux::read_text(&fdinfo.join(fd.to_string())).ok()?;
            fds::parse_fdinfo(&info).ino
        });
        let inet = match target {
            Target::Socket(inode) => cx.sockets.inet.get(&inode).copied(),
            _ => None,
        };
        let unix = match target {
            Target::Socket(inode) => cx.sockets.unix.get(&inode),
            _ => None,
        };
        let regular = target == Target::Path && meta.as_ref().is_some_and(|m| m.is_file());
        let size = meta.as_ref().map_or(0, |m| m.size());
        let digests = if regular && (plan.md5 || plan.sha1 || plan.sha256) {
            if size.min(plan.max_bytes) > budget {
                cuts.digests = true;
                None
            } else {
                let (digests, read) = hash_file(&path, &plan, true);
                budget = budget.saturating_sub(read);
                digests.ok()
            }
        } else {
            None
        };
        columns.row(|field| {
            Some(match field {
                Field::ProcessHandleFileDescriptor => Value::Int(i64::from(fd)),
                Field::ProcessHandleName => Value::Str(name(&link, inet, unix)),
                Field::ProcessHandleType => Value::from(match (inet, unix) {
                    (Some(s), _) if s.local.0.is_ipv6() => "IPv6",
                    (Some(_), _) => "IPv4",
                    (None, Some(_)) => "unix",
                    (None, None) => fds::lsof_type(target, meta.as_ref().map(|m| m.mode())),
                }),
                Field::ProcessHandleUser => Value::from(cx.user?),
                Field::ProcessHandleDevice => {
                    let m = meta.as_ref()?;
                    let chr_or_blk = m.mode() & libc::S_IFMT;
                    let dev = if chr_or_blk == libc::S_IFCHR || chr_or_blk == libc::S_IFBLK {
                        m.rdev()
                    } else {
                        m.dev()
                    };
                    Value::Str(format!("{}:{}", libc::major(dev), libc::minor(dev)))
                }
                Field::ProcessHandleSize if regular => {
                    Value::Int(i64::try_from(meta.as_ref()?.size()).ok()?)
                }
                Field::ProcessHandleINode => Value::Int(i64::try_from(inode?).ok()?),
                Field::ProcessHandleSocketType => match (inet, unix) {
                    (Some(s), _) => {
                        Value::from(if s.protocol == "TCP" { "STREAM" } else { "DGRAM" })
                    }
                    (None, Some(u)) => Value::from(u.kind.as_str()),
                    (None, None) => return None,
                },
                Field::ProcessHandleSocketProtocol => match (inet, unix) {
                    (Some(s), _) => Value::from(s.protocol),
                    (None, Some(_)) => Value::from("UNIX"),
                    (None, None) => return None,
                },
                Field::ProcessHandleSocketState => match (inet, unix) {
                    (Some(s), _) => Value::from(s.state?),
                    (None, Some(u)) => Value::from(u.state.as_str()),
                    (None, None) => return None,
                },
                Field::ProcessHandleSocketLocalAddress => Value::Ip(inet?.local.0),
                Field::ProcessHandleSocketLocalPort => Value::Int(i64::from(inet?.local.1)),
                Field::ProcessHandleSocketRemoteAddress => Value::Ip(inet?.remote?.0),
                Field::ProcessHandleSocketRemotePort => Value::Int(i64::from(inet?.remote?.1)),
                Field::ProcessHandleMd5sum => Value::Str(digests.as_ref()?.md5.clone()?),
                Field::ProcessHandleSha1sum => Value::Str(digests.as_ref()?.sha1.clone()?),
                Field::ProcessHandleSha256sum => Value::Str(digests.as_ref()?.sha256.clone()?),
                _ => return None,
            })
        });
    }
    Ok(cuts)
}

/// The Name column: the link text, a resolved socket instead of `socket:[ino]` when known.
fn name(link: &str, inet: Option<&Socket>, unix: Option<&UnixSocket>) -> String {
    if let Some(s) = inet {
        let local = endpoint(s.local);
        return match s.remote.filter(|(ip, port)| !ip.is_unspecified() || *port != 0) {
            Some(remote) => format!("{} {local}->{}", s.protocol, endpoint(remote)),
            None => format!("{} {local}", s.protocol),
        };
    }
    match unix.and_then(|u| u.path.as_deref()) {
        Some(path) => path.to_owned(),
        None => link.to_owned(),
    }
}

/// `ip:port`, an IPv6 address in brackets (an IPv4-mapped one as IPv4).
pub(crate) fn endpoint((ip, port): (IpAddr, u16)) -> String {
    match ip.to_canonical() {
        IpAddr::V4(v4) => format!("{v4}:{port}"),
        IpAddr::V6(v6) => format!("[{v6}]:{port}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn socket_names() {
        let tcp = Socket {
            protocol: "TCP",
            local: ("127.0.0.1".parse().unwrap(), 8080),
            remote: Some(("10.0.0.2".parse().unwrap(), 443)),
            state: Some("ESTABLISHED"),
            inode: 7,
            pids: vec![1],
        };
        assert_eq!(name("socket:[7]", Some(&tcp), None), "TCP 127.0.0.1:8080->10.0.0.2:443");
        let listen = Socket {
            local: ("::".parse().unwrap(), 22),
            remote: Some(("::".parse().unwrap(), 0)),
            ..tcp.clone()
        };
        assert_eq!(name("socket:[7]", Some(&listen), None), "TCP [::]:22");
        let unix = UnixSocket { kind: "STREAM".into(), state: "CONNECTED".into(), path: None };
        assert_eq!(name("socket:[9]", None, Some(&unix)), "socket:[9]");
        let bound = UnixSocket { path: Some("@lock".into()), ..unix };
        assert_eq!(name("socket:[9]", None, Some(&bound)), "@lock");
        assert_eq!(endpoint(("::ffff:10.1.2.3".parse().unwrap(), 53)), "10.1.2.3:53");
    }

    #[test]
    fn own_handles_are_listed() {
        let file = tempfile::NamedTempFile::new().unwrap();
        std::fs::write(file.path(), b"abc").unwrap();
        let _open = std::fs::File::open(file.path()).unwrap();
        let asked: crate::terms::FieldSet = [
            Field::ProcessHandleMd5sum,
            Field::ProcessHandleFileDescriptor,
            Field::ProcessHandleName,
        ]
        .into_iter()
        .collect();
        let mut columns = Columns::new(&asked, crate::terms::Element::Handle).unwrap();
        let tables = SocketTables::default();
        let cx = Context { user: None, sockets: &tables, max_hash_bytes: 1 << 20 };
        assert_eq!(fill(&mut columns, std::process::id(), &cx).unwrap(), Cuts::default());
        let mut item = crate::item::Item::new(crate::item::ItemKind::Process);
        columns.finish(&mut item);
        let names = item.get(Field::ProcessHandleName).unwrap().each().to_vec();
        let md5s = item.get(Field::ProcessHandleMd5sum).unwrap().each().to_vec();
        assert_eq!(names.len(), md5s.len());
        let wanted = escape(file.path().as_os_str()).into_owned();
        let at = names.iter().position(|n| n == &Value::Str(wanted.clone())).unwrap();
        assert_eq!(md5s[at], Value::from("900150983cd24fb0d6963f7d28e17f72"));

        // INode alone: from fdinfo, no stat.
        let asked: crate::terms::FieldSet =
            [Field::ProcessHandleINode, Field::ProcessHandleName].into_iter().collect();
        let mut columns = Columns::new(&asked, crate::terms::Element::Handle).unwrap();
        fill(&mut columns, std::process::id(), &cx).unwrap();
        let mut item = crate::item::Item::new(crate::item::ItemKind::Process);
        columns.finish(&mut item);
        let names = item.get(Field::ProcessHandleName).unwrap().each().to_vec();
        let inodes = item.get(Field::ProcessHandleINode).unwrap().each().to_vec();
        let at = names.iter().position(|n| n == &Value::Str(wanted.clone())).unwrap();
        let ino = std::fs::metadata(file.path()).unwrap().ino();
        let has_ino =
            std::fs::read_to_string("/proc/self/fdinfo/0").is_ok_and(|t| t.contains("ino:"));
        if has_ino {
            assert_eq!(inodes[at], Value::Int(ino as i64));
        } else {
            eprintln!("fdinfo has no ino line on this kernel: INode not checked");
        }
    }
}
