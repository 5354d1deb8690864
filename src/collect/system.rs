//! SystemInfoItem: one item describing the host.
//!
//! Sources: `uname` (kernel version, machine), `/proc/sys/kernel` (host name, NIS domain),
//! `os-release` (`OS` is `PRETTY_NAME`, `productName` is `NAME`), `/proc/cpuinfo`,
//! `/proc/uptime`, the memory counters, the time zone (`TZ`, `/etc/timezone`, the
//! `/etc/localtime` link), utmp (`loggedOnUser`), and the network interfaces (`sysinfo`'s
//! getifaddrs, `/sys/class/net`) with the default routes of `/proc/net/route` and
//! `/proc/net/ipv6_route`.
//!
//! Formats: `domain` is the kernel's NIS domain when set, else what follows the first dot of
//! the host name (no DNS lookup is made); `uptime` is `Nd HHh MMm SSs`; `gmtoffset` is
//! `+HH:MM`; MACs are lower-case and colon-separated; `subnetMask` is dotted (IPv4 only);
//! `primaryIpv4Address` / `primaryIpv6Address` are the first addresses (IPv6: global scope) of
//! the interface of the lowest-metric default route, and `primaryIpAddress` the IPv4 one when
//! there is one. The `networkArray` lists skip the loopback interface. `user` is the scanning
//! (effective) user; `appVersion` is this crate's version.

use super::linux::{accounts, interfaces, os_release, read_bounded, read_line, read_text, utmp};
use super::linux::{Errors, Wanted};
use super::Collected;
use crate::item::{Item, ItemKind, Value};
use crate::terms::{Field, FieldSet};
use std::collections::HashMap;
use std::io::ErrorKind;
use std::net::{IpAddr, Ipv4Addr};
use std::path::Path;

/// Collects the host's single SystemInfo item with the fields in `fields` (plus card fields).
pub fn collect(fields: &FieldSet) -> Collected {
    let want = Wanted::new(fields);
    let mut errors = Errors::new(ItemKind::SystemInfo);
    let mut item = Item::new(ItemKind::SystemInfo);
    let uname = rustix::system::uname();
    let release = uname.release().to_string_lossy().into_owned();
    let machine = uname.machine().to_string_lossy().into_owned();
    let hostname = host_name();

    want.put(&mut item, Field::SysHostname, hostname.as_str());
    let nis = read_line(Path::new("/proc/sys/kernel/domainname"));
    want.put_some(&mut item, Field::SysDomain, domain(&hostname, nis.as_deref()).map(Value::from));
    if want.any(&[Field::SysOs, Field::SysProductName]) {
        let text = read_text(Path::new("/etc/os-release"))
            .or_else(|_| read_text(Path::new("/usr/lib/os-release")));
        match text {
            Ok(text) => {
                let mut map = os_release::parse(&text);
                want.put_some(&mut item, Field::SysOs, map.remove("PRETTY_NAME").map(Value::from));
                want.put_some(
                    &mut item,
                    Field::SysProductName,
                    map.remove("NAME").map(Value::from),
                );
            }
            Err(e) => errors.push_io("/etc/os-release", &e),
        }
    }
    want.put(&mut item, Field::SysPlatform, "Linux");
    want.put(&mut item, Field::SysKernelVersion, release);
    want.put(&mut item, Field::SysOsBitness, bitness(&machine));
    if want.has(Field::SysProcessor) {
        let model = read_text(Path::new("/proc/cpuinfo")).ok().and_then(|t| cpu_model(&t));
        want.put(&mut item, Field::SysProcessor, model.unwrap_or_else(|| machine.clone()));
    }
    want.put(&mut item, Field::SysMachine, machine);
    if want.has(Field::SysUptime) {
        let secs = read_line(Path::new("/proc/uptime"))
            .and_then(|l| l.split_whitespace().next()?.split('.').next()?.parse().ok());
        want.put_some(&mut item, Field::SysUptime, secs.map(|s| uptime_text(s).into()));
    }
    want.put(&mut item, Field::SysDate, chrono::Utc::now());
    if want.has(Field::SysTimezone) {
        want.put_some(&mut item, Field::SysTimezone, timezone().map(Value::from));
    }
    if want.has(Field::SysGmtOffset) {
        let seconds = chrono::Local::now().offset().local_minus_utc();
        want.put(&mut item, Field::SysGmtOffset, gmt_offset(seconds));
    }
    if want.has(Field::SysUser) {
        let uid = rustix::process::geteuid().as_raw();
        let name = accounts::read_user_names()
            .ok()
            .and_then(|mut names| names.remove(&uid))
            .unwrap_or_else(|| uid.to_string());
        want.put(&mut item, Field::SysUser, name);
    }
    if want.has(Field::SysLoggedOnUser) {
        want.put_some(&mut item, Field::SysLoggedOnUser, logged_on(&mut errors).map(Value::List));
    }
    if want.any(&[Field::SysTotalPhysical, Field::SysAvailPhysical]) {
        let mut system = sysinfo::System::new();
        system.refresh_memory_specifics(sysinfo::MemoryRefreshKind::nothing().with_ram());
        let bytes = |n: u64| i64::try_from(n).ok().filter(|n| *n > 0).map(Value::Int);
        want.put_some(&mut item, Field::SysTotalPhysical, bytes(system.total_memory()));
        want.put_some(&mut item, Field::SysAvailPhysical, bytes(system.available_memory()));
    }
    want.put(&mut item, Field::SysAppVersion, env!("CARGO_PKG_VERSION"));

    let network = [
        Field::SysMac,
        Field::SysPrimaryIp,
        Field::SysPrimaryIpv4,
        Field::SysPrimaryIpv6,
        Field::SysNetAdapter,
        Field::SysNetMac,
        Field::SysNetIpAddress,
        Field::SysNetIpv6Address,
        Field::SysNetSubnetMask,
        Field::SysNetGateway,
    ];
    if want.any(&network) {
        for (field, value) in network_fields() {
            want.put(&mut item, field, value);
        }
    }
    Collected { items: vec![item], errors: errors.finish() }
}

/// The host name: the kernel's (`/proc/sys/kernel/hostname`), else `uname`'s node name.
///
/// Report headers and snapshot headers name the host with this too, so that a scan and the
/// SystemInfo item it collects agree.
pub fn host_name() -> String {
    read_line(Path::new("/proc/sys/kernel/hostname"))
        .unwrap_or_else(|| rustix::system::uname().nodename().to_string_lossy().into_owned())
}

/// The domain: the NIS domain when set, else the host name's part after its first dot.
pub(crate) fn domain(hostname: &str, nis: Option<&str>) -> Option<String> {
    match nis {
        Some(d) if !d.is_empty() && d != "(none)" => Some(d.to_owned()),
        _ => hostname.split_once('.').map(|(_, d)| d.to_owned()).filter(|d| !d.is_empty()),
    }
}

/// `64-bit` or `32-bit`, from the kernel's machine name.
pub(crate) fn bitness(machine: &str) -> &'static str {
    if machine.contains("64") || machine == "s390x" {
        "64-bit"
    } else {
        "32-bit"
    }
}

/// The first processor's model from `/proc/cpuinfo` text (x86 `model name`, others'
/// `Processor`, `cpu model` or `cpu`).
pub(crate) fn cpu_model(text: &str) -> Option<String> {
    ["model name", "Processor", "cpu model", "cpu"].iter().find_map(|key| {
        text.lines().find_map(|line| {
            let (k, v) = line.split_once(':')?;
            (k.trim() == *key && !v.trim().is_empty()).then(|| v.trim().to_owned())
        })
    })
}

/// Uptime as `Nd HHh MMm SSs`.
pub(crate) fn uptime_text(secs: u64) -> String {
    let (d, h, m, s) = (secs / 86_400, secs / 3_600 % 24, secs / 60 % 60, secs % 60);
    format!("{d}d {h:02}h {m:02}m {s:02}s")
}

/// A UTC offset in seconds as `+HH:MM`.
pub(crate) fn gmt_offset(seconds: i32) -> String {
    let sign = if seconds < 0 { '-' } else { '+' };
    let abs = seconds.unsigned_abs();
    format!("{sign}{:02}:{:02}", abs / 3600, abs / 60 % 60)
}

/// The time zone's name: `TZ`, `/etc/timezone`, the `/etc/localtime` link's zoneinfo path,
/// or `UTC` when no zone is configured at all (as the C library then assumes).
fn timezone() -> Option<String> {
    if let Ok(tz) = std::env::var("TZ") {
        let tz = tz.trim_start_matches(':');
        if !tz.is_empty() {
            return Some(tz.to_owned());
        }
    }
    if let Some(tz) = read_line(Path::new("/etc/timezone")) {
        return Some(tz);
    }
    match std::fs::read_link("/etc/localtime") {
        Ok(target) => {
            let target = target.to_string_lossy().into_owned();
            target.split_once("zoneinfo/").map(|(_, zone)| zone.to_owned())
        }
        Err(_) if !Path::new("/etc/localtime").exists() => Some("UTC".to_owned()),
        Err(_) => None,
    }
}

/// The logged-on users of utmp; an empty list when no utmp file exists.
fn logged_on(errors: &mut Errors) -> Option<Vec<Value>> {
    for path in ["/run/utmp", "/var/run/utmp"] {
        match read_bounded(Path::new(path)) {
            Ok(bytes) => {
                return Some(utmp::logged_on_users(&bytes).into_iter().map(Value::from).collect())
            }
            Err(e) if e.kind() == ErrorKind::NotFound => {}
            Err(e) => {
                errors.push_io(path, &e);
                return None;
            }
        }
    }
    Some(Vec::new())
}

/// A dotted IPv4 mask of `prefix` bits.
pub(crate) fn mask(prefix: u8) -> String {
    let bits = u32::MAX.checked_shl(32 - u32::from(prefix.min(32))).unwrap_or(0);
    Ipv4Addr::from(bits).to_string()
}

/// The primary addresses, primary MAC and the adapter lists.
fn network_fields() -> Vec<(Field, Value)> {
    let (routes4, routes6) = interfaces::default_routes();
    let networks = sysinfo::Networks::new_with_refreshed_list();
    let mut names: Vec<&String> = networks.list().keys().collect();
    names.sort();
    let addrs: HashMap<&str, Vec<(IpAddr, u8)>> = networks
        .list()
        .iter()
        .map(|(name, data)| {
            (name.as_str(), data.ip_networks().iter().map(|n| (n.addr, n.prefix)).collect())
        })
        .collect();
    let first = |iface: Option<&str>, v6: bool| -> Option<IpAddr> {
        addrs.get(iface?)?.iter().map(|(ip, _)| *ip).find(|ip| match ip {
            IpAddr::V4(_) => !v6,
            IpAddr::V6(a) => v6 && !a.is_loopback() && (a.segments()[0] & 0xffc0) != 0xfe80,
        })
    };
    let iface4 = routes4.first().map(|r| r.iface.as_str());
    let iface6 = routes6.first().map(|r| r.iface.as_str()).or(iface4);
    let primary4 = first(iface4, false);
    let primary6 = first(iface6, true);

    let mut out: Vec<(Field, Value)> = Vec::new();
    if let Some(mac) = iface4.or(iface6).and_then(interfaces::mac_of) {
        out.push((Field::SysMac, mac.into()));
    }
    if let Some(ip) = primary4.or(primary6) {
        out.push((Field::SysPrimaryIp, ip.into()));
    }
    if let Some(ip) = primary4 {
        out.push((Field::SysPrimaryIpv4, ip.into()));
    }
    if let Some(ip) = primary6 {
        out.push((Field::SysPrimaryIpv6, ip.into()));
    }
    let (mut adapters, mut macs, mut v4, mut v6, mut masks) =
        (vec![], vec![], vec![], vec![], vec![]);
    for name in names.into_iter().filter(|n| !interfaces::is_loopback(n) && n.as_str() != "lo") {
        adapters.push(Value::from(name.as_str()));
        if let Some(mac) = interfaces::mac_of(name) {
            macs.push(Value::from(mac));
        }
        for (ip, prefix) in addrs.get(name.as_str()).into_iter().flatten() {
            match ip {
                IpAddr::V4(_) => {
                    v4.push(Value::Ip(*ip));
                    masks.push(Value::from(mask(*prefix)));
                }
                IpAddr::V6(_) => v6.push(Value::Ip(*ip)),
            }
        }
    }
    let mut gateways: Vec<Value> = Vec::new();
    let all_gateways = routes4
        .iter()
        .filter_map(|r| r.gateway.map(IpAddr::V4))
        .chain(routes6.iter().filter_map(|r| r.gateway.map(IpAddr::V6)));
    for gw in all_gateways {
        if !gateways.contains(&Value::Ip(gw)) {
            gateways.push(Value::Ip(gw));
        }
    }
    out.push((Field::SysNetAdapter, Value::List(adapters)));
    out.push((Field::SysNetMac, Value::List(macs)));
    out.push((Field::SysNetIpAddress, Value::List(v4)));
    out.push((Field::SysNetIpv6Address, Value::List(v6)));
    out.push((Field::SysNetSubnetMask, Value::List(masks)));
    out.push((Field::SysNetGateway, Value::List(gateways)));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_formats() {
        assert_eq!(uptime_text(0), "0d 00h 00m 00s");
        assert_eq!(uptime_text(2 * 86_400 + 3 * 3600 + 4 * 60 + 5), "2d 03h 04m 05s");
        assert_eq!(gmt_offset(3600 + 1800), "+01:30");
        assert_eq!(gmt_offset(-5 * 3600), "-05:00");
        assert_eq!(gmt_offset(0), "+00:00");
        assert_eq!(mask(24), "255.255.255.0");
        assert_eq!(mask(0), "0.0.0.0");
        assert_eq!(mask(32), "255.255.255.255");
        assert_eq!(bitness("x86_64"), "64-bit");
        assert_eq!(bitness("i686"), "32-bit");
    }

    #[test]
    fn domain_and_cpu() {
        assert_eq!(domain("vm", Some("(none)")), None);
        assert_eq!(domain("web1.example.org", Some("(none)")).as_deref(), Some("example.org"));
        assert_eq!(domain("vm", Some("corp")).as_deref(), Some("corp"));
        let cpuinfo =
            "processor\t: 0\nvendor_id\t: GenuineIntel\nmodel name\t: Intel(R) Xeon(R) CPU\n";
        assert_eq!(cpu_model(cpuinfo).as_deref(), Some("Intel(R) Xeon(R) CPU"));
        assert_eq!(cpu_model("processor : 0\n"), None);
    }
}
