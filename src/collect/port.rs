//! PortItem: the host's TCP and UDP sockets, IPv4 and IPv6.
//!
//! The socket table comes from `netstat2` (sock_diag netlink); `pid` is the lowest pid of the
//! processes holding the socket, and `process` / `path` are that process's executable file name
//! and path (from `/proc/PID/exe`, else its `comm`). Without root, sockets of other users' processes
//! have no pid: those fields are then absent. `state` is the TCP state as `netstat` names it
//! (`LISTEN`, `ESTABLISHED`, `TIME_WAIT`, ...; UDP sockets have none). A TCP socket always has
//! a remote address (`0.0.0.0:0` while listening); a UDP socket has one only when connected
//! (read from `/proc/net/udp` and `/proc/net/udp6`).

use super::linux::{failed, read_text, udp, Errors, Wanted};
use super::{Collected, Reason, Subject};
use crate::item::{Item, ItemKind};
use crate::terms::{Field, FieldSet};
use netstat2::{AddressFamilyFlags, ProtocolFlags, ProtocolSocketInfo};
use std::collections::HashMap;
use std::net::IpAddr;
use std::path::Path;

/// One TCP or UDP socket of the host, as every socket view (PortItem, a process's PortList
/// and handles, ipv4NetworkEvent) reads it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Socket {
    /// `TCP` or `UDP`.
    pub protocol: &'static str,
    /// Local address and port.
    pub local: (IpAddr, u16),
    /// Remote address and port: always for TCP, for a connected UDP socket only.
    pub remote: Option<(IpAddr, u16)>,
    /// TCP state (`LISTEN`, ...); none for UDP.
    pub state: Option<&'static str>,
    /// The socket's inode (`socket:[inode]` in fd links).
    pub inode: u64,
    /// The pids holding it, sorted (empty when not visible: other users without root).
    pub pids: Vec<u32>,
}

/// The host's TCP and UDP sockets (UDP peers only when `peers`), or `None` when the socket
/// table cannot be read (the error is in `errors`).
pub(crate) fn sockets(peers: bool, errors: &mut Errors) -> Option<Vec<Socket>> {
    let table = match netstat2::get_sockets_info(
        AddressFamilyFlags::IPV4 | AddressFamilyFlags::IPV6,
        ProtocolFlags::TCP | ProtocolFlags::UDP,
    ) {
        Ok(sockets) => sockets,
        Err(e) => {
            errors.push(Subject::source("socket table"), Reason::Other, e);
            return None;
        }
    };
    let mut udp_peers = HashMap::new();
    if peers {
        for table in ["/proc/net/udp", "/proc/net/udp6"] {
            match read_text(Path::new(table)) {
                Ok(text) => {
                    udp_peers.extend(udp::parse_peers(&text).into_iter().map(|p| (p.inode, p)))
                }
                // No IPv6 on this host: the table is absent, nothing is missing.
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(e) => errors.push_io(table, &e),
            }
        }
    }
    let sockets = table
        .into_iter()
        .map(|s| {
            let mut pids = s.associated_pids;
            pids.sort_unstable();
            pids.dedup();
            let inode = u64::from(s.inode);
            match s.protocol_socket_info {
                ProtocolSocketInfo::Tcp(t) => Socket {
                    protocol: "TCP",
                    local: (t.local_addr, t.local_port),
                    remote: Some((t.remote_addr, t.remote_port)),
                    state: Some(tcp_state_name(&t.state)),
                    inode,
                    pids,
                },
                ProtocolSocketInfo::Udp(u) => Socket {
                    protocol: "UDP",
                    local: (u.local_addr, u.local_port),
                    remote: udp_peers.get(&s.inode).map(|p| (p.ip, p.port)),
                    state: None,
                    inode,
                    pids,
                },
            }
        })
        .collect();
    Some(sockets)
}

/// Collects one item per socket with the fields in `fields` (plus card fields).
pub fn collect(fields: &FieldSet) -> Collected {
    let mut errors = Errors::new(ItemKind::Port);
    let want = Wanted::new(fields);
    match sockets(want.any(&[Field::PortRemoteIp, Field::PortRemotePort]), &mut errors) {
        Some(sockets) => items(&sockets, fields, errors, &mut HashMap::new()),
        None => failed(errors),
    }
}

/// The PortItems of `sockets`; `images` caches each pid's (name, path).
pub(crate) fn items(
    sockets: &[Socket],
    fields: &FieldSet,
    errors: Errors,
    images: &mut HashMap<u32, (Option<String>, Option<String>)>,
) -> Collected {
    let want = Wanted::new(fields);
    let items = sockets
        .iter()
        .map(|s| {
            let mut item = Item::new(ItemKind::Port);
            want.put(&mut item, Field::PortProtocol, s.protocol);
            want.put(&mut item, Field::PortLocalIp, s.local.0);
            want.put(&mut item, Field::PortLocalPort, i64::from(s.local.1));
            if let Some((ip, port)) = s.remote {
                want.put(&mut item, Field::PortRemoteIp, ip);
                want.put(&mut item, Field::PortRemotePort, i64::from(port));
            }
            if let Some(state) = s.state {
                want.put(&mut item, Field::PortState, state);
            }
            want.put(&mut item, Field::PortIsIpv6, s.local.0.is_ipv6());
            // The lowest pid, for a stable answer.
            if let Some(&pid) = s.pids.first() {
                want.put(&mut item, Field::PortPid, i64::from(pid));
                if want.any(&[Field::PortProcess, Field::PortPath]) {
                    let (name, path) = images.entry(pid).or_insert_with(|| process_image(pid));
                    if let Some(name) = name {
                        want.put(&mut item, Field::PortProcess, name.as_str());
                    }
                    if let Some(path) = path {
                        want.put(&mut item, Field::PortPath, path.as_str());
                    }
                }
            }
            item
        })
        .collect();
    Collected { items, errors: errors.finish() }
}

/// A process's executable file name and path (`/proc/PID/exe`), or only its `comm` when the
/// link cannot be read (kernel thread, another user's process without root, vanished).
fn process_image(pid: u32) -> (Option<String>, Option<String>) {
    let dir = std::path::Path::new("/proc").join(pid.to_string());
    match std::fs::read_link(dir.join("exe")) {
        Ok(exe) => {
            let exe = super::linux::executable_path(&exe);
            let name = exe.file_name().map(|n| n.to_string_lossy().into_owned());
            (name, Some(exe.to_string_lossy().into_owned()))
        }
        Err(_) => (super::linux::read_line(&dir.join("comm")), None),
    }
}

/// The `netstat` name of a TCP state.
fn tcp_state_name(state: &netstat2::TcpState) -> &'static str {
    use netstat2::TcpState as S;
    match state {
        S::Closed => "CLOSED",
        S::Listen => "LISTEN",
        S::SynSent => "SYN_SENT",
        S::SynReceived => "SYN_RECV",
        S::Established => "ESTABLISHED",
        S::FinWait1 => "FIN_WAIT1",
        S::FinWait2 => "FIN_WAIT2",
        S::CloseWait => "CLOSE_WAIT",
        S::Closing => "CLOSING",
        S::LastAck => "LAST_ACK",
        S::TimeWait => "TIME_WAIT",
        S::DeleteTcb => "DELETE_TCB",
        S::Unknown => "UNKNOWN",
    }
}
