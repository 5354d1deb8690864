//! ArpEntryItem: the host's neighbour table, IPv4 (ARP) and IPv6 (NDP).
//!
//! Read from the kernel with an rtnetlink dump; when netlink is unavailable, the IPv4 entries
//! of `/proc/net/arp` are used instead (an error says so, and states then come only as
//! `PERMANENT` / `INCOMPLETE`). Entries still being resolved or that failed are kept with their
//! state but without `PhysicalAddress`; `NOARP` entries (multicast, point-to-point), which
//! `ip neigh` hides too, are skipped. `PhysicalAddress` is lower-case hex joined by colons
//! (`aa:bb:cc:dd:ee:ff`); `CacheType` is `static` for permanent entries, else `dynamic`;
//! `InterfaceType` is named from the interface's hardware type (`Ethernet`, `Wireless`, ...).

use super::linux::interfaces::{self, format_mac};
use super::linux::neighbours::{self, Neighbour, ProcArp};
use super::linux::{read_text, Errors, Wanted};
use super::{Collected, Reason, Subject};
use crate::item::{Item, ItemKind, Value};
use crate::terms::{Field, FieldSet};
use std::collections::HashMap;
use std::net::IpAddr;
use std::path::Path;

/// Collects one item per neighbour entry with the fields in `fields` (plus card fields).
pub fn collect(fields: &FieldSet) -> Collected {
    let want = Wanted::new(fields);
    let mut errors = Errors::new(ItemKind::ArpEntry);
    let mut build = Builder::new(want, interfaces::interface_type);
    let items = match neighbours::dump() {
        Ok(entries) => {
            let names = interfaces::names_by_index();
            entries.iter().filter_map(|n| build.netlink_entry(n, names.get(&n.ifindex))).collect()
        }
        Err(netlink_error) => {
            errors.push(
                Subject::source("rtnetlink neighbour dump"),
                Reason::of_io(&netlink_error),
                format!("{netlink_error}; IPv4 entries read from /proc/net/arp"),
            );
            match read_text(Path::new("/proc/net/arp")) {
                Ok(text) => {
                    neighbours::parse_proc_arp(&text).iter().map(|r| build.proc_row(r)).collect()
                }
                Err(e) => {
                    errors.push_io("/proc/net/arp", &e);
                    Vec::new()
                }
            }
        }
    };
    Collected { items, errors: errors.finish() }
}

/// Builds items from neighbour entries, looking each interface's type up once.
struct Builder<F> {
    want: Wanted,
    type_of: F,
    types: HashMap<String, Option<String>>,
}

impl<F: Fn(&str) -> Option<String>> Builder<F> {
    fn new(want: Wanted, type_of: F) -> Self {
        Builder { want, type_of, types: HashMap::new() }
    }

    /// The item of a netlink entry on interface `iface`; `None` for a `NOARP` entry.
    fn netlink_entry(&mut self, n: &Neighbour, iface: Option<&String>) -> Option<Item> {
        use neighbours as nb;
        if n.state & nb::NUD_NOARP != 0 {
            return None;
        }
        let mac = n.lladdr.as_deref().map(format_mac);
        let permanent = n.state & nb::NUD_PERMANENT != 0;
        let mut item = self.item(
            iface.map(String::as_str),
            n.ip,
            mac,
            Some(nb::state_name(n.state)),
            permanent,
        );
        self.want.put(&mut item, Field::ArpIsRouter, n.flags & nb::NTF_ROUTER != 0);
        Some(item)
    }

    /// The item of a `/proc/net/arp` row.
    fn proc_row(&mut self, row: &ProcArp) -> Item {
        use neighbours::{ATF_COM, ATF_PERM};
        let permanent = row.flags & ATF_PERM != 0;
        let state = if permanent {
            Some("PERMANENT")
        } else if row.flags & ATF_COM == 0 {
            Some("INCOMPLETE")
        } else {
            None // complete, but the table does not tell reachable from stale
        };
        self.item(Some(&row.device), IpAddr::V4(row.ip), row.mac.clone(), state, permanent)
    }

    fn item(
        &mut self,
        iface: Option<&str>,
        ip: IpAddr,
        mac: Option<String>,
        state: Option<&str>,
        permanent: bool,
    ) -> Item {
        let want = self.want;
        let mut item = Item::new(ItemKind::ArpEntry);
        if let Some(iface) = iface {
            want.put(&mut item, Field::ArpInterface, iface);
            if want.has(Field::ArpInterfaceType) {
                let type_of = &self.type_of;
                let ty = self.types.entry(iface.to_owned()).or_insert_with(|| type_of(iface));
                if let Some(ty) = ty {
                    item.set(Field::ArpInterfaceType, ty.clone());
                }
            }
        }
        let address = if ip.is_ipv4() { Field::ArpIpv4Address } else { Field::ArpIpv6Address };
        want.put(&mut item, address, ip);
        want.put_some(&mut item, Field::ArpPhysicalAddress, mac.map(Value::from));
        want.put_some(&mut item, Field::ArpState, state.map(Value::from));
        want.put(&mut item, Field::ArpCacheType, if permanent { "static" } else { "dynamic" });
        item
    }
}

#[cfg(test)]
mod tests {
    use super::super::linux::neighbours::{parse_proc_arp, NTF_ROUTER};
    use super::*;
    use std::cell::Cell;

    fn neighbour(ip: &str, lladdr: Option<Vec<u8>>, state: u16, flags: u8) -> Neighbour {
        Neighbour { ifindex: 2, ip: ip.parse().unwrap(), lladdr, state, flags }
    }

    #[test]
    fn netlink_entries() {
        let lookups = Cell::new(0);
        let mut build = Builder::new(Wanted::new(&FieldSet::all()), |_: &str| {
            lookups.set(lookups.get() + 1);
            Some("Ethernet".to_owned())
        });
        let eth0 = "eth0".to_owned();
        let stale = neighbour("192.0.2.1", Some(vec![0x02, 0xFC, 0, 0, 0, 5]), 0x04, 0);
        let item = build.netlink_entry(&stale, Some(&eth0)).unwrap();
        assert_eq!(item.get(Field::ArpPhysicalAddress), Some(&Value::from("02:fc:00:00:00:05")));
        assert_eq!(item.get(Field::ArpIpv4Address), Some(&Value::Ip("192.0.2.1".parse().unwrap())));
        assert_eq!(item.get(Field::ArpState), Some(&Value::from("STALE")));
        assert_eq!(item.get(Field::ArpCacheType), Some(&Value::from("dynamic")));
        assert_eq!(item.get(Field::ArpInterface), Some(&Value::from("eth0")));
        assert_eq!(item.get(Field::ArpInterfaceType), Some(&Value::from("Ethernet")));
        assert_eq!(item.get(Field::ArpIsRouter), Some(&Value::Bool(false)));

        let router = neighbour("fe80::1", None, 0x20, NTF_ROUTER);
        let item = build.netlink_entry(&router, Some(&eth0)).unwrap();
        assert_eq!(item.get(Field::ArpIpv6Address), Some(&Value::Ip("fe80::1".parse().unwrap())));
        assert_eq!(item.get(Field::ArpIpv4Address), None);
        assert_eq!(item.get(Field::ArpPhysicalAddress), None, "failed entry: no MAC");
        assert_eq!(item.get(Field::ArpState), Some(&Value::from("FAILED")));
        assert_eq!(item.get(Field::ArpIsRouter), Some(&Value::Bool(true)));
        assert_eq!(lookups.get(), 1, "interface type looked up once");

        let permanent = neighbour("192.0.2.9", Some(vec![1; 6]), 0x80, 0);
        let item = build.netlink_entry(&permanent, None).unwrap();
        assert_eq!(item.get(Field::ArpCacheType), Some(&Value::from("static")));
        assert_eq!(item.get(Field::ArpInterface), None);
        assert!(build.netlink_entry(&neighbour("224.0.0.1", None, 0x40, 0), Some(&eth0)).is_none());
    }

    #[test]
    fn proc_rows_and_asked_fields() {
        let rows = parse_proc_arp(
            "IP address HW type Flags HW address Mask Device\n\
             192.0.2.1 0x1 0x2 02:fc:00:00:00:05 * eth0\n\
             192.0.2.7 0x1 0x6 02:fc:00:00:00:07 * eth0\n\
             192.0.2.8 0x1 0x0 00:00:00:00:00:00 * eth0\n",
        );
        let only_state: FieldSet = [Field::ArpState].into_iter().collect();
        let mut build = Builder::new(Wanted::new(&only_state), |_: &str| None);
        let items: Vec<_> = rows.iter().map(|r| build.proc_row(r)).collect();
        assert_eq!(items[0].get(Field::ArpState), None);
        assert_eq!(items[1].get(Field::ArpState), Some(&Value::from("PERMANENT")));
        assert_eq!(items[2].get(Field::ArpState), Some(&Value::from("INCOMPLETE")));
        assert_eq!(items[2].get(Field::ArpPhysicalAddress), None);
        for item in &items {
            assert_eq!(item.get(Field::ArpInterface), None, "not asked, not a card field");
            assert_eq!(item.get(Field::ArpCacheType), None);
            assert!(item.get(Field::ArpIpv4Address).is_some(), "card field");
        }
    }
}
