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
use std::path::Path;

/// Collects one item per socket with the fields in `fields` (plus card fields).
pub fn collect(fields: &FieldSet) -> Collected {
    let want = Wanted::new(fields);
    let mut errors = Errors::new(ItemKind::Port);
    let sockets = match netstat2::get_sockets_info(
        AddressFamilyFlags::IPV4 | AddressFamilyFlags::IPV6,
        ProtocolFlags::TCP | ProtocolFlags::UDP,
    ) {
        Ok(sockets) => sockets,
        Err(e) => {
            errors.push(Subject::source("socket table"), Reason::Other, e);
            return failed(errors);
        }
    };
    let mut udp_peers = HashMap::new();
    if want.any(&[Field::PortRemoteIp, Field::PortRemotePort]) {
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
    let mut images: HashMap<u32, (Option<String>, Option<String>)> = HashMap::new();
    let items = sockets
        .iter()
        .map(|s| {
            let mut item = Item::new(ItemKind::Port);
            let (local, local_port, remote, state) = match &s.protocol_socket_info {
                ProtocolSocketInfo::Tcp(t) => {
                    want.put(&mut item, Field::PortProtocol, "TCP");
                    (
                        t.local_addr,
                        t.local_port,
                        Some((t.remote_addr, t.remote_port)),
                        Some(tcp_state_name(&t.state)),
                    )
                }
                ProtocolSocketInfo::Udp(u) => {
                    want.put(&mut item, Field::PortProtocol, "UDP");
                    let peer = udp_peers.get(&s.inode).map(|p| (p.ip, p.port));
                    (u.local_addr, u.local_port, peer, None)
                }
            };
            want.put(&mut item, Field::PortLocalIp, local);
            want.put(&mut item, Field::PortLocalPort, i64::from(local_port));
            if let Some((ip, port)) = remote {
                want.put(&mut item, Field::PortRemoteIp, ip);
                want.put(&mut item, Field::PortRemotePort, i64::from(port));
            }
            if let Some(state) = state {
                want.put(&mut item, Field::PortState, state);
            }
            want.put(&mut item, Field::PortIsIpv6, local.is_ipv6());
            // The pid set comes from a hash set: take the lowest for a stable answer.
            if let Some(&pid) = s.associated_pids.iter().min() {
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
