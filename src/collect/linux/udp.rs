//! Connected UDP sockets' peers from `/proc/net/udp` and `/proc/net/udp6`, by socket inode
//! (the sock_diag answer `netstat2` reads gives no UDP peer).

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// A connected UDP socket's peer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct UdpPeer {
    /// Socket inode.
    pub inode: u32,
    /// Peer address.
    pub ip: IpAddr,
    /// Peer port (never 0: unconnected sockets are not listed).
    pub port: u16,
}

/// The connected sockets of `/proc/net/udp` or `udp6` text.
///
/// Addresses are `%08X` words of the address as stored in memory, so each word's native-order
/// bytes are the address's bytes.
pub(crate) fn parse_peers(text: &str) -> Vec<UdpPeer> {
    text.lines()
        .skip(1)
        .filter_map(|line| {
            let f: Vec<&str> = line.split_whitespace().collect();
            if f.len() < 10 {
                return None;
            }
            let (addr, port) = f[2].split_once(':')?;
            let port = u16::from_str_radix(port, 16).ok()?;
            if port == 0 {
                return None;
            }
            let words = (0..addr.len() / 8)
                .map(|i| addr.get(i * 8..i * 8 + 8).and_then(|w| u32::from_str_radix(w, 16).ok()))
                .collect::<Option<Vec<u32>>>()?;
            let bytes: Vec<u8> = words.iter().flat_map(|w| w.to_ne_bytes()).collect();
            let ip = match (addr.len(), bytes.len()) {
                (8, 4) => IpAddr::V4(Ipv4Addr::from(<[u8; 4]>::try_from(bytes).ok()?)),
                (32, 16) => IpAddr::V6(Ipv6Addr::from(<[u8; 16]>::try_from(bytes).ok()?)),
                _ => return None,
            };
            Some(UdpPeer { inode: f[9].parse().ok()?, ip, port })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn connected_sockets_only() {
        let ip = u32::from_ne_bytes([192, 0, 2, 53]);
        let lo = u32::from_ne_bytes([127, 0, 0, 1]);
        let text = format!(
            "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode ref pointer drops\n\
             1: {lo:08X}:A1B2 {ip:08X}:0035 01 00000000:00000000 00:00000000 00000000  1000        0 4242 2 0000000000000000 0\n\
             2: {lo:08X}:0035 00000000:0000 07 00000000:00000000 00:00000000 00000000     0        0 17 2 0000000000000000 0\n"
        );
        let peers = parse_peers(&text);
        assert_eq!(
            peers,
            [UdpPeer { inode: 4242, ip: IpAddr::V4(Ipv4Addr::new(192, 0, 2, 53)), port: 53 }]
        );

        let v6: Ipv6Addr = "2001:db8::35".parse().unwrap();
        let words: String = v6
            .octets()
            .chunks(4)
            .map(|c| format!("{:08X}", u32::from_ne_bytes([c[0], c[1], c[2], c[3]])))
            .collect();
        let text6 = format!("header\n 0: {words}:1234 {words}:0050 01 0:0 0:0 0 0 0 99 2 0 0\n");
        assert_eq!(parse_peers(&text6), [UdpPeer { inode: 99, ip: IpAddr::V6(v6), port: 80 }]);
    }
}
