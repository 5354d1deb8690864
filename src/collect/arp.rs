//! ArpEntryItem: the host's neighbour table, IPv4 (ARP) and IPv6 (NDP).
//!
//! Read from the kernel with an rtnetlink dump; when netlink is unavailable, the IPv4 entries
//! of `/proc/net/arp` are used instead (an error says so, and states then come only as
//! `PERMANENT` / `INCOMPLETE`). Entries still being resolved or that failed are kept with their
//! state but without `PhysicalAddress`; `NOARP` entries (multicast, point-to-point), which
//! `ip neigh` hides too, are skipped. `PhysicalAddress` is lower-case hex joined by colons
//! (`aa:bb:cc:dd:ee:ff`); `CacheType` is `static` for permanent entries, else `dynamic`;
//! `InterfaceType` is named from the interface's hardware type (`Ethernet`, `Wireless`, ...).

use super::Collected;
use crate::terms::FieldSet;

/// Collects one item per neighbour entry with the fields in `fields` (plus card fields).
#[cfg(target_os = "linux")]
pub fn collect(fields: &FieldSet) -> Collected {
    use super::linux::{interfaces, neighbours, read_text, Errors, Wanted};
    use crate::item::{Item, ItemKind};
    use crate::terms::Field;
    use std::collections::HashMap;
    use std::net::IpAddr;
    use std::path::Path;

    let want = Wanted::new(fields);
    let mut errors = Errors::new(ItemKind::ArpEntry);
    let names = interfaces::names_by_index();
    let mut types: HashMap<String, Option<String>> = HashMap::new();
    let mut item_for = |iface: Option<&str>,
                        ip: IpAddr,
                        mac: Option<String>,
                        state: Option<&str>,
                        permanent: bool| {
        let mut item = Item::new(ItemKind::ArpEntry);
        if let Some(iface) = iface {
            if want.has(Field::ArpInterface) {
                item.set(Field::ArpInterface, iface);
            }
            if want.has(Field::ArpInterfaceType) {
                let ty = types
                    .entry(iface.to_owned())
                    .or_insert_with(|| interfaces::interface_type(iface));
                if let Some(ty) = ty {
                    item.set(Field::ArpInterfaceType, ty.clone());
                }
            }
        }
        match ip {
            IpAddr::V4(_) if want.has(Field::ArpIpv4Address) => item.set(Field::ArpIpv4Address, ip),
            IpAddr::V6(_) if want.has(Field::ArpIpv6Address) => item.set(Field::ArpIpv6Address, ip),
            _ => {}
        }
        if let (Some(mac), true) = (mac, want.has(Field::ArpPhysicalAddress)) {
            item.set(Field::ArpPhysicalAddress, mac);
        }
        if let (Some(state), true) = (state, want.has(Field::ArpState)) {
            item.set(Field::ArpState, state);
        }
        if want.has(Field::ArpCacheType) {
            item.set(Field::ArpCacheType, if permanent { "static" } else { "dynamic" });
        }
        item
    };

    let mut items = Vec::new();
    match neighbours::dump() {
        Ok(entries) => {
            for n in entries.iter().filter(|n| n.state & neighbours::NUD_NOARP == 0) {
                let mac = n.lladdr.as_deref().map(interfaces::format_mac);
                let permanent = n.state & neighbours::NUD_PERMANENT != 0;
                let mut item = item_for(
                    names.get(&n.ifindex).map(String::as_str),
                    n.ip,
                    mac,
                    Some(neighbours::state_name(n.state)),
                    permanent,
                );
                if want.has(Field::ArpIsRouter) {
                    item.set(Field::ArpIsRouter, n.flags & neighbours::NTF_ROUTER != 0);
                }
                items.push(item);
            }
        }
        Err(netlink_error) => {
            errors.push(
                "rtnetlink neighbour dump",
                format!("{netlink_error}; IPv4 entries read from /proc/net/arp"),
            );
            match read_text(Path::new("/proc/net/arp")) {
                Ok(text) => {
                    for row in neighbours::parse_proc_arp(&text) {
                        let permanent = row.flags & neighbours::ATF_PERM != 0;
                        let state = if permanent {
                            Some("PERMANENT")
                        } else if row.flags & neighbours::ATF_COM == 0 {
                            Some("INCOMPLETE")
                        } else {
                            None
                        };
                        items.push(item_for(
                            Some(&row.device),
                            IpAddr::V4(row.ip),
                            row.mac,
                            state,
                            permanent,
                        ));
                    }
                }
                Err(e) => errors.push("/proc/net/arp", e),
            }
        }
    }
    Collected { items, errors: errors.finish() }
}

/// On this platform there is no ARP collector: no items and one error saying so.
#[cfg(not(target_os = "linux"))]
pub fn collect(fields: &FieldSet) -> Collected {
    let _ = fields;
    super::unsupported(crate::item::ItemKind::ArpEntry)
}
