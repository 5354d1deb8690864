//! The neighbour table (ARP for IPv4, NDP for IPv6): an rtnetlink `RTM_GETNEIGH` dump, with
//! `/proc/net/arp` (IPv4 only) as the fallback when netlink is not available.
//!
//! The netlink messages are parsed here, bounds-checked, from the documented layouts
//! (`nlmsghdr`, `ndmsg`, `rtattr`; see rtnetlink(7)), instead of through a generic netlink
//! crate: two structures and two attributes are all the collector needs.

use crate::limits::NETLINK_TIMEOUT_MS;
use std::io;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::time::{Duration, Instant};

/// One neighbour entry.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Neighbour {
    /// Interface index.
    pub ifindex: u32,
    /// The neighbour's address.
    pub ip: IpAddr,
    /// Its link-layer address, when known (none while incomplete or failed).
    pub lladdr: Option<Vec<u8>>,
    /// `NUD_*` state bits.
    pub state: u16,
    /// `NTF_*` flags.
    pub flags: u8,
}

const NLMSG_HDR: usize = 16;
const NLMSG_ERROR: u16 = 2;
const NLMSG_DONE: u16 = 3;
const RTM_NEWNEIGH: u16 = 28;
const RTM_GETNEIGH: u16 = 30;
const NLM_F_REQUEST: u16 = 0x1;
const NLM_F_DUMP: u16 = 0x300;
const NDMSG_LEN: usize = 12;
const NDA_DST: u16 = 1;
const NDA_LLADDR: u16 = 2;
/// Mask removing the nested / byte-order bits of an attribute type.
const NLA_TYPE_MASK: u16 = 0x3fff;

/// `NUD_PERMANENT`: a static entry.
pub(crate) const NUD_PERMANENT: u16 = 0x80;
/// `NUD_NOARP`: no resolution needed (multicast, point-to-point); `ip neigh` hides these.
pub(crate) const NUD_NOARP: u16 = 0x40;
/// `NTF_ROUTER`: the neighbour is an IPv6 router.
pub(crate) const NTF_ROUTER: u8 = 0x80;

/// The name of a `NUD_*` state, as `ip neigh` prints it.
pub(crate) fn state_name(state: u16) -> &'static str {
    const NAMES: [(u16, &str); 8] = [
        (0x01, "INCOMPLETE"),
        (0x02, "REACHABLE"),
        (0x04, "STALE"),
        (0x08, "DELAY"),
        (0x10, "PROBE"),
        (0x20, "FAILED"),
        (NUD_NOARP, "NOARP"),
        (NUD_PERMANENT, "PERMANENT"),
    ];
    NAMES.iter().find(|(bit, _)| state & bit != 0).map_or("NONE", |(_, name)| name)
}

fn align4(n: usize) -> usize {
    n.saturating_add(3) & !3
}

fn u16_at(b: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_ne_bytes(b.get(at..at + 2)?.try_into().ok()?))
}

fn u32_at(b: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_ne_bytes(b.get(at..at + 4)?.try_into().ok()?))
}

/// The `RTM_GETNEIGH` dump request for all address families.
pub(crate) fn dump_request(seq: u32) -> Vec<u8> {
    let len = NLMSG_HDR + NDMSG_LEN;
    let mut msg = Vec::with_capacity(len);
    msg.extend_from_slice(&(len as u32).to_ne_bytes());
    msg.extend_from_slice(&RTM_GETNEIGH.to_ne_bytes());
    msg.extend_from_slice(&(NLM_F_REQUEST | NLM_F_DUMP).to_ne_bytes());
    msg.extend_from_slice(&seq.to_ne_bytes());
    msg.extend_from_slice(&0u32.to_ne_bytes());
    msg.extend_from_slice(&[0u8; NDMSG_LEN]); // AF_UNSPEC, any interface, any state
    msg
}

/// Parses one datagram of the dump answer into `out`. Returns true when the dump is complete
/// (`NLMSG_DONE`); an `NLMSG_ERROR` with a non-zero code is returned as that OS error.
pub(crate) fn parse_datagram(buf: &[u8], seq: u32, out: &mut Vec<Neighbour>) -> io::Result<bool> {
    let bad = |what: &str| io::Error::new(io::ErrorKind::InvalidData, what.to_owned());
    let mut rest = buf;
    while rest.len() >= NLMSG_HDR {
        let len = u32_at(rest, 0).ok_or_else(|| bad("short header"))? as usize;
        let kind = u16_at(rest, 4).ok_or_else(|| bad("short header"))?;
        let msg_seq = u32_at(rest, 8).ok_or_else(|| bad("short header"))?;
        if len < NLMSG_HDR || len > rest.len() {
            return Err(bad("netlink message length out of bounds"));
        }
        let payload = &rest[NLMSG_HDR..len];
        if msg_seq == seq {
            match kind {
                NLMSG_DONE => return Ok(true),
                NLMSG_ERROR => {
                    let code = u32_at(payload, 0).ok_or_else(|| bad("short error message"))? as i32;
                    if code != 0 {
                        return Err(io::Error::from_raw_os_error(code.saturating_neg()));
                    }
                }
                RTM_NEWNEIGH => out.extend(parse_ndmsg(payload)),
                _ => {}
            }
        }
        rest = rest.get(align4(len)..).unwrap_or_default();
    }
    Ok(false)
}

/// One `RTM_NEWNEIGH` payload: `ndmsg` then attributes. Entries of other families or without a
/// destination address are dropped.
fn parse_ndmsg(p: &[u8]) -> Option<Neighbour> {
    if p.len() < NDMSG_LEN {
        return None;
    }
    let ifindex = u32_at(p, 4)?;
    let state = u16_at(p, 8)?;
    let flags = p[10];
    let (mut ip, mut lladdr) = (None, None);
    let mut attrs = &p[NDMSG_LEN..];
    while attrs.len() >= 4 {
        let len = usize::from(u16_at(attrs, 0)?);
        let kind = u16_at(attrs, 2)? & NLA_TYPE_MASK;
        if len < 4 || len > attrs.len() {
            break;
        }
        let data = &attrs[4..len];
        match kind {
            NDA_DST => {
                ip = match data.len() {
                    4 => <[u8; 4]>::try_from(data).ok().map(|b| IpAddr::V4(Ipv4Addr::from(b))),
                    16 => <[u8; 16]>::try_from(data).ok().map(|b| IpAddr::V6(Ipv6Addr::from(b))),
                    _ => None,
                }
            }
            NDA_LLADDR if !data.is_empty() => lladdr = Some(data.to_vec()),
            _ => {}
        }
        attrs = attrs.get(align4(len)..).unwrap_or_default();
    }
    Some(Neighbour { ifindex, ip: ip?, lladdr, state, flags })
}

/// Dumps the kernel's neighbour table over rtnetlink, in at most [`NETLINK_TIMEOUT_MS`].
pub(crate) fn dump() -> io::Result<Vec<Neighbour>> {
    use netlink_sys::{protocols::NETLINK_ROUTE, Socket, SocketAddr};
    const SEQ: u32 = 1;
    let mut socket = Socket::new(NETLINK_ROUTE)?;
    socket.bind_auto()?;
    socket.send_to(&dump_request(SEQ), &SocketAddr::new(0, 0), 0)?;
    let mut out = Vec::new();
    // A dump datagram is at most 32 KiB (the kernel's dump buffer). With MSG_TRUNC the call
    // returns the datagram's real length, so a larger one is detected, not misparsed.
    let mut buf: Vec<u8> = Vec::with_capacity(64 * 1024);
    let deadline = Instant::now() + Duration::from_millis(NETLINK_TIMEOUT_MS);
    loop {
        buf.clear();
        match socket.recv(&mut buf, libc::MSG_DONTWAIT | libc::MSG_TRUNC) {
            Ok(n) if n > buf.len() => {
                return Err(io::Error::new(
                    io::ErrorKind::InvalidData,
                    "netlink datagram truncated",
                ))
            }
            Ok(_) => {
                if parse_datagram(&buf, SEQ, &mut out)? {
                    return Ok(out);
                }
                if Instant::now() >= deadline {
                    return Err(io::Error::new(
                        io::ErrorKind::TimedOut,
                        "neighbour dump did not end",
                    ));
                }
            }
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                if Instant::now() >= deadline {
                    return Err(io::Error::new(io::ErrorKind::TimedOut, "no netlink answer"));
                }
                std::thread::sleep(Duration::from_millis(2));
            }
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
}

/// One `/proc/net/arp` line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct ProcArp {
    /// IPv4 address.
    pub ip: Ipv4Addr,
    /// Hardware address, when complete (`None` for `00:00:00:00:00:00`).
    pub mac: Option<String>,
    /// `ATF_*` flags.
    pub flags: u32,
    /// Interface name.
    pub device: String,
}

/// `ATF_COM`: the entry is complete.
pub(crate) const ATF_COM: u32 = 0x2;
/// `ATF_PERM`: a static entry.
pub(crate) const ATF_PERM: u32 = 0x4;

/// Parses `/proc/net/arp` text (header line first); malformed lines are skipped.
pub(crate) fn parse_proc_arp(text: &str) -> Vec<ProcArp> {
    text.lines()
        .skip(1)
        .filter_map(|line| {
            let f: Vec<&str> = line.split_whitespace().collect();
            if f.len() < 6 {
                return None;
            }
            let flags = u32::from_str_radix(f[2].trim_start_matches("0x"), 16).ok()?;
            let mac = f[3].to_ascii_lowercase();
            let known =
                flags & ATF_COM != 0 && mac.chars().any(|c| c.is_ascii_hexdigit() && c != '0');
            Some(ProcArp {
                ip: f[0].parse().ok()?,
                mac: known.then_some(mac),
                flags,
                device: f[5].to_owned(),
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn attr(kind: u16, data: &[u8]) -> Vec<u8> {
        let mut a = Vec::new();
        a.extend_from_slice(&((4 + data.len()) as u16).to_ne_bytes());
        a.extend_from_slice(&kind.to_ne_bytes());
        a.extend_from_slice(data);
        a.resize(align4(a.len()), 0);
        a
    }

    fn message(kind: u16, seq: u32, payload: &[u8]) -> Vec<u8> {
        let mut m = Vec::new();
        m.extend_from_slice(&((NLMSG_HDR + payload.len()) as u32).to_ne_bytes());
        m.extend_from_slice(&kind.to_ne_bytes());
        m.extend_from_slice(&2u16.to_ne_bytes());
        m.extend_from_slice(&seq.to_ne_bytes());
        m.extend_from_slice(&0u32.to_ne_bytes());
        m.extend_from_slice(payload);
        m.resize(align4(m.len()), 0);
        m
    }

    fn ndmsg(family: u8, ifindex: u32, state: u16, flags: u8, attrs: &[Vec<u8>]) -> Vec<u8> {
        let mut p = vec![family, 0, 0, 0];
        p.extend_from_slice(&ifindex.to_ne_bytes());
        p.extend_from_slice(&state.to_ne_bytes());
        p.extend_from_slice(&[flags, 1]);
        attrs.iter().for_each(|a| p.extend_from_slice(a));
        p
    }

    #[test]
    fn dump_datagrams() {
        let mut buf = Vec::new();
        let v4 = ndmsg(
            2,
            2,
            0x04,
            0,
            &[attr(NDA_DST, &[192, 0, 2, 1]), attr(NDA_LLADDR, &[2, 0xfc, 0, 0, 0, 5])],
        );
        buf.extend(message(RTM_NEWNEIGH, 7, &v4));
        let v6_ip: Ipv6Addr = "fe80::1".parse().unwrap();
        let v6 = ndmsg(10, 3, 0x20, NTF_ROUTER, &[attr(NDA_DST, &v6_ip.octets())]);
        buf.extend(message(RTM_NEWNEIGH, 7, &v6));
        buf.extend(message(RTM_NEWNEIGH, 99, &v4)); // another request's answer
        buf.extend(message(RTM_NEWNEIGH, 7, &ndmsg(2, 2, 2, 0, &[]))); // no destination
        let mut out = Vec::new();
        assert!(!parse_datagram(&buf, 7, &mut out).unwrap());
        assert_eq!(out.len(), 2);
        assert_eq!(out[0].ip, IpAddr::V4(Ipv4Addr::new(192, 0, 2, 1)));
        assert_eq!(out[0].lladdr.as_deref(), Some(&[2, 0xfc, 0, 0, 0, 5][..]));
        assert_eq!((out[0].ifindex, state_name(out[0].state)), (2, "STALE"));
        assert_eq!(out[1].ip, IpAddr::V6(v6_ip));
        assert_eq!(out[1].lladdr, None);
        assert_eq!(state_name(out[1].state), "FAILED");
        assert!(out[1].flags & NTF_ROUTER != 0);

        let done = message(NLMSG_DONE, 7, &0u32.to_ne_bytes());
        assert!(parse_datagram(&done, 7, &mut out).unwrap());
    }

    #[test]
    fn errors_and_garbage() {
        let err = message(NLMSG_ERROR, 1, &(-13i32).to_ne_bytes());
        let e = parse_datagram(&err, 1, &mut Vec::new()).unwrap_err();
        assert_eq!(e.raw_os_error(), Some(13));
        let mut bad = message(RTM_NEWNEIGH, 1, &[0; 12]);
        bad[0] = 200; // length beyond the datagram
        assert!(parse_datagram(&bad, 1, &mut Vec::new()).is_err());
        for cut in 0..40 {
            let v4 = ndmsg(2, 2, 2, 0, &[attr(NDA_DST, &[10, 0, 0, 1])]);
            let m = message(RTM_NEWNEIGH, 1, &v4);
            let _ = parse_datagram(&m[..cut.min(m.len())], 1, &mut Vec::new());
        }
        assert_eq!(dump_request(5).len(), NLMSG_HDR + NDMSG_LEN);
    }

    #[test]
    fn proc_net_arp() {
        let text =
            "IP address       HW type     Flags       HW address            Mask     Device\n\
                    192.0.2.1        0x1         0x2         02:FC:00:00:00:05     *        eth0\n\
                    192.0.2.9        0x1         0x0         00:00:00:00:00:00     *        eth0\n\
                    192.0.2.7        0x1         0x6         02:fc:00:00:00:07     *        eth1\n\
                    garbage\n";
        let rows = parse_proc_arp(text);
        assert_eq!(rows.len(), 3);
        assert_eq!(rows[0].mac.as_deref(), Some("02:fc:00:00:00:05"));
        assert_eq!(rows[1].mac, None);
        assert!(rows[2].flags & ATF_PERM != 0);
        assert_eq!(rows[2].device, "eth1");
    }

    #[test]
    fn state_names() {
        assert_eq!(state_name(0x02), "REACHABLE");
        assert_eq!(state_name(0x80), "PERMANENT");
        assert_eq!(state_name(0), "NONE");
    }
}
