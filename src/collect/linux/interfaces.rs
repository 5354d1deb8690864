//! Network interfaces from `/sys/class/net`, and default routes from `/proc/net/route` and
//! `/proc/net/ipv6_route`. Addresses themselves come from `sysinfo` (getifaddrs).

use super::{read_line, read_text};
use std::collections::HashMap;
use std::net::{Ipv4Addr, Ipv6Addr};
use std::path::Path;

const SYS_NET: &str = "/sys/class/net";

/// Interface names by index (`/sys/class/net/NAME/ifindex`); empty when `/sys` is missing.
pub(crate) fn names_by_index() -> HashMap<u32, String> {
    let Ok(dir) = std::fs::read_dir(SYS_NET) else {
        return HashMap::new();
    };
    dir.flatten()
        .filter_map(|entry| {
            let name = entry.file_name().to_str()?.to_owned();
            let index = read_line(&entry.path().join("ifindex"))?.parse().ok()?;
            Some((index, name))
        })
        .collect()
}

/// The interface's hardware type (`/sys/class/net/NAME/type`, an `ARPHRD_*` number) as a name.
pub(crate) fn interface_type(name: &str) -> Option<String> {
    let dir = Path::new(SYS_NET).join(name);
    let number: u16 = read_line(&dir.join("type"))?.parse().ok()?;
    Some(type_name(number, dir.join("wireless").exists()).to_owned())
}

/// The name of an `ARPHRD_*` hardware type (`Wireless` for an Ethernet-framed Wi-Fi device).
pub(crate) fn type_name(arphrd: u16, wireless: bool) -> &'static str {
    match arphrd {
        1 if wireless => "Wireless",
        1 => "Ethernet",
        32 => "InfiniBand",
        512 => "PPP",
        768 | 769 | 776 | 778 | 823 => "Tunnel",
        772 => "Loopback",
        801 => "Wireless",
        65534 => "None",
        _ => "Other",
    }
}

/// True for the loopback device (not reported as a network adapter).
pub(crate) fn is_loopback(name: &str) -> bool {
    read_line(&Path::new(SYS_NET).join(name).join("type")).as_deref() == Some("772")
}

/// The interface's hardware address, lower-case colon form; `None` when it has none
/// (all zero or empty, as tunnels and loopback).
pub(crate) fn mac_of(name: &str) -> Option<String> {
    let mac = read_line(&Path::new(SYS_NET).join(name).join("address"))?.to_ascii_lowercase();
    (!mac.is_empty() && mac.chars().any(|c| c.is_ascii_hexdigit() && c != '0')).then_some(mac)
}

/// Formats a hardware address as lower-case hex bytes joined by colons (`aa:bb:cc:dd:ee:ff`).
pub(crate) fn format_mac(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect::<Vec<_>>().join(":")
}

/// A default route: its interface and next hop (`None` for an on-link default route).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct DefaultRoute<A> {
    /// Outgoing interface.
    pub iface: String,
    /// Next hop.
    pub gateway: Option<A>,
    /// Route metric (lower is preferred).
    pub metric: u32,
}

const RTF_UP: u32 = 0x0001;
const RTF_REJECT: u32 = 0x0200;

/// The IPv4 default routes in `/proc/net/route` text, lowest metric first.
///
/// Addresses there are `%08X` of the address as stored in memory, so the value's native-order
/// bytes are the address's bytes.
pub(crate) fn parse_route(text: &str) -> Vec<DefaultRoute<Ipv4Addr>> {
    let hex = |s: &str| u32::from_str_radix(s, 16).ok();
    let mut routes: Vec<_> = text
        .lines()
        .skip(1)
        .filter_map(|line| {
            let f: Vec<&str> = line.split_whitespace().collect();
            if f.len() < 8 {
                return None;
            }
            let (dest, gateway, flags, mask) = (hex(f[1])?, hex(f[2])?, hex(f[3])?, hex(f[7])?);
            if dest != 0 || mask != 0 || flags & RTF_UP == 0 || flags & RTF_REJECT != 0 {
                return None;
            }
            Some(DefaultRoute {
                iface: f[0].to_owned(),
                gateway: (gateway != 0).then(|| Ipv4Addr::from(gateway.to_ne_bytes())),
                metric: f[6].parse().unwrap_or(u32::MAX),
            })
        })
        .collect();
    routes.sort_by_key(|r| r.metric);
    routes
}

/// The IPv6 default routes in `/proc/net/ipv6_route` text, lowest metric first.
pub(crate) fn parse_ipv6_route(text: &str) -> Vec<DefaultRoute<Ipv6Addr>> {
    let mut routes: Vec<_> = text
        .lines()
        .filter_map(|line| {
            let f: Vec<&str> = line.split_whitespace().collect();
            if f.len() < 10 {
                return None;
            }
            let flags = u32::from_str_radix(f[8], 16).ok()?;
            let dest = parse_ipv6_hex(f[0])?;
            if !dest.is_unspecified() || f[1] != "00" || flags & RTF_UP == 0 {
                return None;
            }
            if flags & RTF_REJECT != 0 {
                return None;
            }
            let gateway = parse_ipv6_hex(f[4])?;
            Some(DefaultRoute {
                iface: f[9].to_owned(),
                gateway: (!gateway.is_unspecified()).then_some(gateway),
                metric: u32::from_str_radix(f[5], 16).unwrap_or(u32::MAX),
            })
        })
        .collect();
    routes.sort_by_key(|r| r.metric);
    routes
}

/// 32 hex digits, network order, as in `/proc/net/ipv6_route`.
fn parse_ipv6_hex(s: &str) -> Option<Ipv6Addr> {
    if s.len() != 32 {
        return None;
    }
    u128::from_str_radix(s, 16).ok().map(Ipv6Addr::from)
}

/// The default routes of the host (IPv4, IPv6); empty when the tables are unreadable.
pub(crate) fn default_routes() -> (Vec<DefaultRoute<Ipv4Addr>>, Vec<DefaultRoute<Ipv6Addr>>) {
    let v4 = read_text(Path::new("/proc/net/route")).map(|t| parse_route(&t)).unwrap_or_default();
    let v6 = read_text(Path::new("/proc/net/ipv6_route"))
        .map(|t| parse_ipv6_route(&t))
        .unwrap_or_default();
    (v4, v6)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ipv4_default_routes() {
        // The gateway is written as the in-memory u32, so build the text the same way.
        let gw = u32::from_ne_bytes([192, 0, 2, 1]);
        let net = u32::from_ne_bytes([192, 0, 2, 0]);
        let mask = u32::from_ne_bytes([255, 255, 255, 0]);
        let text = format!(
            "Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT\n\
             wlan0\t00000000\t{gw:08X}\t0003\t0\t0\t600\t00000000\t0\t0\t0\n\
             eth0\t00000000\t{gw:08X}\t0003\t0\t0\t100\t00000000\t0\t0\t0\n\
             eth0\t{net:08X}\t00000000\t0001\t0\t0\t0\t{mask:08X}\t0\t0\t0\n\
             down\t00000000\t{gw:08X}\t0002\t0\t0\t0\t00000000\t0\t0\t0\n"
        );
        let routes = parse_route(&text);
        assert_eq!(routes.len(), 2);
        assert_eq!(routes[0].iface, "eth0");
        assert_eq!(routes[0].gateway, Some(Ipv4Addr::new(192, 0, 2, 1)));
        assert_eq!(routes[1].iface, "wlan0");
    }

    #[test]
    fn ipv6_default_routes() {
        let text = "\
00000000000000000000000000000000 00 00000000000000000000000000000000 00 fe800000000000000000000000000001 00000400 00000001 00000000 00000003     eth0
20010db8000000000000000000000000 40 00000000000000000000000000000000 00 00000000000000000000000000000000 00000100 00000001 00000000 00000001     eth0
00000000000000000000000000000000 00 00000000000000000000000000000000 00 00000000000000000000000000000000 ffffffff 00000001 00000000 00200200       lo
";
        let routes = parse_ipv6_route(text);
        assert_eq!(routes.len(), 1);
        assert_eq!(routes[0].iface, "eth0");
        assert_eq!(routes[0].gateway, Some("fe80::1".parse().unwrap()));
        assert_eq!(routes[0].metric, 0x400);
    }

    #[test]
    fn macs_and_types() {
        assert_eq!(format_mac(&[0xAA, 0, 0x0b, 1, 2, 0xff]), "aa:00:0b:01:02:ff");
        assert_eq!(type_name(1, false), "Ethernet");
        assert_eq!(type_name(1, true), "Wireless");
        assert_eq!(type_name(772, false), "Loopback");
        assert_eq!(type_name(9999, false), "Other");
    }
}
