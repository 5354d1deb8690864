//! The host collectors through the public API (`iocscan::collect::collect`), on this host:
//! objects this test creates (a child process, sockets) are found with the right fields, only
//! asked fields are filled, and every value has its catalogue type.

#![cfg(target_os = "linux")]

use iocscan::collect::{collect, Collected};
use iocscan::item::{Item, ItemKind, Value};
use iocscan::terms::{Field, FieldSet, ValueType};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, TcpListener, UdpSocket};
use std::process::{Child, Command};

const HOST_KINDS: [ItemKind; 8] = [
    ItemKind::Process,
    ItemKind::Port,
    ItemKind::ArpEntry,
    ItemKind::SystemInfo,
    ItemKind::User,
    ItemKind::ProcessEvent,
    ItemKind::ImageLoadEvent,
    ItemKind::Ipv4NetworkEvent,
];

fn all(kind: ItemKind) -> Collected {
    collect(kind, &FieldSet::all())
}

fn only(fields: &[Field]) -> FieldSet {
    fields.iter().copied().collect()
}

fn text(item: &Item, field: Field) -> Option<&str> {
    match item.get(field) {
        Some(Value::Str(s)) => Some(s),
        _ => None,
    }
}

fn int(item: &Item, field: Field) -> Option<i64> {
    match item.get(field) {
        Some(Value::Int(n)) => Some(*n),
        _ => None,
    }
}

fn id(flag: &str) -> String {
    let out = Command::new("id").arg(flag).output().expect("run id");
    String::from_utf8(out.stdout).expect("utf-8").trim().to_owned()
}

/// Kills the child when the test ends, passed or not.
struct Reaped(Child);

impl Drop for Reaped {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[test]
fn a_child_process_is_found_with_its_fields() {
    let unique = format!("3600.{}", std::process::id());
    let child = Reaped(Command::new("sleep").arg(&unique).spawn().expect("spawn sleep"));
    let pid = i64::from(child.0.id());
    // Until exec is done the child shows the parent's arguments, then briefly none: wait for
    // its own.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    let execed = || {
        let cmdline = std::fs::read(format!("/proc/{pid}/cmdline")).unwrap_or_default();
        cmdline.windows(unique.len()).any(|w| w == unique.as_bytes())
    };
    while !execed() && std::time::Instant::now() < deadline {
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    let got = collect(ItemKind::Process, &only(&[Field::ProcessSecurityId]));
    let item = got
        .items
        .iter()
        .find(|i| int(i, Field::ProcessPid) == Some(pid))
        .unwrap_or_else(|| panic!("pid {pid} not collected: {:?}", got.errors));
    assert_eq!(text(item, Field::ProcessName), Some("sleep"));
    assert_eq!(text(item, Field::ProcessArguments), Some(format!("sleep {unique}").as_str()));
    assert_eq!(int(item, Field::ProcessParentPid), Some(i64::from(std::process::id())));
    assert_eq!(text(item, Field::ProcessUsername), Some(id("-un").as_str()));
    assert_eq!(text(item, Field::ProcessSecurityId), Some(id("-u").as_str()));
    assert!(text(item, Field::ProcessPath).is_some_and(|p| p.ends_with("/sleep")), "{item:?}");
    match item.get(Field::ProcessStartTime) {
        Some(Value::Date(start)) => {
            let age = chrono::Utc::now().signed_duration_since(*start);
            assert!(age.num_seconds().abs() < 120, "started {start}");
        }
        other => panic!("startTime {other:?}"),
    }
    assert!(got.items.iter().filter(|i| int(i, Field::ProcessPid) == Some(pid)).count() == 1);
}

fn find_port<'a>(got: &'a Collected, protocol: &str, ip: IpAddr, port: u16) -> &'a Item {
    got.items
        .iter()
        .find(|i| {
            text(i, Field::PortProtocol) == Some(protocol)
                && i.get(Field::PortLocalIp) == Some(&Value::Ip(ip))
                && int(i, Field::PortLocalPort) == Some(i64::from(port))
        })
        .unwrap_or_else(|| panic!("{protocol} {ip}:{port} not collected: {:?}", got.errors))
}

#[test]
fn tcp_listeners_are_found_with_their_process() {
    let v4 = TcpListener::bind("127.0.0.1:0").expect("bind v4");
    let v6 = TcpListener::bind("[::1]:0").ok(); // a host without IPv6 has no [::1]
    let got = all(ItemKind::Port);
    let our_exe = std::env::current_exe().expect("current exe");
    let mut listeners =
        vec![(IpAddr::V4(Ipv4Addr::LOCALHOST), v4.local_addr().unwrap().port(), false)];
    if let Some(v6) = &v6 {
        listeners.push((IpAddr::V6(Ipv6Addr::LOCALHOST), v6.local_addr().unwrap().port(), true));
    }
    for (ip, port, is_v6) in listeners {
        let item = find_port(&got, "TCP", ip, port);
        assert_eq!(text(item, Field::PortState), Some("LISTEN"));
        assert_eq!(int(item, Field::PortPid), Some(i64::from(std::process::id())));
        assert_eq!(item.get(Field::PortIsIpv6), Some(&Value::Bool(is_v6)));
        assert_eq!(int(item, Field::PortRemotePort), Some(0));
        assert_eq!(text(item, Field::PortPath), our_exe.to_str());
        let name = our_exe.file_name().and_then(|n| n.to_str());
        assert_eq!(text(item, Field::PortProcess), name);
    }
}

#[test]
fn udp_sockets_have_a_peer_only_when_connected() {
    let open = UdpSocket::bind("127.0.0.1:0").expect("bind");
    let connected = UdpSocket::bind("127.0.0.1:0").expect("bind");
    connected.connect("127.0.0.1:9").expect("connect");
    let got = all(ItemKind::Port);
    let lo = IpAddr::V4(Ipv4Addr::LOCALHOST);

    let item = find_port(&got, "UDP", lo, open.local_addr().unwrap().port());
    assert_eq!(item.get(Field::PortRemoteIp), None);
    assert_eq!(item.get(Field::PortState), None);
    assert_eq!(int(item, Field::PortPid), Some(i64::from(std::process::id())));

    let item = find_port(&got, "UDP", lo, connected.local_addr().unwrap().port());
    assert_eq!(item.get(Field::PortRemoteIp), Some(&Value::Ip(lo)));
    assert_eq!(int(item, Field::PortRemotePort), Some(9));
}

#[test]
fn the_current_user_is_listed_with_its_uid_and_groups() {
    let got = all(ItemKind::User);
    assert!(got.errors.is_empty(), "{:?}", got.errors);
    let name = id("-un");
    let user = got
        .items
        .iter()
        .find(|i| text(i, Field::UserUsername) == Some(name.as_str()))
        .unwrap_or_else(|| panic!("{name} not listed"));
    assert_eq!(int(user, Field::UserUserid), id("-u").parse().ok());
    assert_eq!(text(user, Field::UserSecurityId), Some(id("-u").as_str()));
    let primary = Value::from(id("-gn"));
    match user.get(Field::UserGroupList) {
        Some(Value::List(groups)) => assert_eq!(groups.first(), Some(&primary)),
        other => panic!("grouplist {other:?}"),
    }
    // The status fields come from /etc/shadow: present exactly when it is readable.
    let shadow_readable = std::fs::read("/etc/shadow").is_ok();
    assert_eq!(user.get(Field::UserLockedOut).is_some(), shadow_readable);
}

#[test]
fn system_info_is_one_item_with_the_host_name() {
    let got = all(ItemKind::SystemInfo);
    assert_eq!(got.items.len(), 1);
    let item = &got.items[0];
    let hostname = std::fs::read_to_string("/proc/sys/kernel/hostname").expect("hostname");
    assert_eq!(text(item, Field::SysHostname), Some(hostname.trim()));
    assert_eq!(text(item, Field::SysPlatform), Some("Linux"));
    assert_eq!(text(item, Field::SysAppVersion), Some(env!("CARGO_PKG_VERSION")));
    assert_eq!(text(item, Field::SysUser), Some(id("-un").as_str()));
    let release = std::fs::read_to_string("/proc/sys/kernel/osrelease").expect("osrelease");
    assert_eq!(text(item, Field::SysKernelVersion), Some(release.trim()));
    assert!(matches!(item.get(Field::SysLoggedOnUser), Some(Value::List(_))));
    assert!(int(item, Field::SysTotalPhysical).is_some_and(|t| t > 0));
    match item.get(Field::SysDate) {
        Some(Value::Date(d)) => assert!((chrono::Utc::now() - *d).num_seconds().abs() < 60),
        other => panic!("date {other:?}"),
    }
}

#[test]
fn arp_collection_never_fails_and_entries_parse() {
    let got = all(ItemKind::ArpEntry);
    // Netlink may be refused in a sandbox: then one error names the fallback, no more.
    assert!(got.errors.len() <= 2, "{:?}", got.errors);
    let states =
        ["INCOMPLETE", "REACHABLE", "STALE", "DELAY", "PROBE", "FAILED", "PERMANENT", "NONE"];
    for item in &got.items {
        let v4 = matches!(item.get(Field::ArpIpv4Address), Some(Value::Ip(IpAddr::V4(_))));
        let v6 = matches!(item.get(Field::ArpIpv6Address), Some(Value::Ip(IpAddr::V6(_))));
        assert!(v4 != v6, "exactly one address: {item:?}");
        if let Some(mac) = text(item, Field::ArpPhysicalAddress) {
            assert!(
                mac.split(':')
                    .all(|b| b.len() == 2 && b.chars().all(|c| matches!(c, '0'..='9' | 'a'..='f'))),
                "{mac}"
            );
        }
        assert!(matches!(text(item, Field::ArpCacheType), Some("static" | "dynamic")), "{item:?}");
        if let Some(state) = text(item, Field::ArpState) {
            assert!(states.contains(&state), "{state}");
        }
    }
}

#[test]
fn only_asked_fields_and_card_fields_are_filled() {
    let got = collect(ItemKind::Process, &only(&[Field::ProcessName]));
    assert!(!got.items.is_empty());
    for item in &got.items {
        for (field, _) in item.values() {
            assert!(field == Field::ProcessName || field.term().card, "{} filled", field.name());
        }
        assert_eq!(item.get(Field::ProcessKernelTime), None);
        assert_eq!(item.get(Field::ProcessSecurityId), None);
    }
    for kind in HOST_KINDS {
        for item in collect(kind, &FieldSet::new()).items {
            for (field, _) in item.values() {
                assert!(field.term().card, "{} filled without being asked", field.name());
            }
        }
    }
}

fn has_type(value: &Value, ty: ValueType) -> bool {
    match value {
        // MAC addresses must already be in the canonical form IOC contents are compared in.
        Value::Str(s) if ty == ValueType::Mac => {
            iocscan::item::canonical_mac(s).as_deref() == Some(s.as_str())
        }
        Value::Str(_) => matches!(ty, ValueType::String) || ty.is_digest(),
        Value::Int(_) => ty == ValueType::Int,
        Value::Date(_) => ty == ValueType::Date,
        Value::Ip(_) => ty == ValueType::Ip,
        Value::Bool(_) => ty == ValueType::Bool,
        Value::Float(_) => ty == ValueType::Float,
        Value::List(_) => false,
    }
}

#[test]
fn every_value_has_its_catalogue_type() {
    for kind in HOST_KINDS {
        let got = all(kind);
        assert!(kind != ItemKind::SystemInfo || got.items.len() == 1);
        for item in &got.items {
            assert_eq!(item.kind(), kind);
            for (field, value) in item.values() {
                let term = field.term();
                assert_eq!(term.kind, kind, "{}", term.name);
                assert!(term.linux, "{} is not marked as answered on Linux", term.name);
                match value {
                    Value::List(values) => {
                        assert!(term.many, "{} is a list but not `many`", term.name);
                        for v in values {
                            // A sub-list element without a value holds an empty list.
                            let no_value = term.element.is_some() && v == &Value::List(Vec::new());
                            assert!(no_value || has_type(v, term.ty), "{}: {v:?}", term.name);
                        }
                    }
                    v => {
                        assert!(!term.many, "{} is `many` but not a list", term.name);
                        assert!(has_type(v, term.ty), "{}: {v:?}", term.name);
                    }
                }
            }
        }
    }
}

#[test]
fn every_linux_field_is_filled_somewhere() {
    // Fields every host has: if one is never filled, its collector forgot it.
    let always = [
        Field::ProcessPid,
        Field::ProcessName,
        Field::ProcessKernelTime,
        Field::ProcessUserTime,
        Field::ProcessStartTime,
        Field::UserShell,
        Field::UserHomeDirectory,
        Field::UserFullname,
        Field::UserDescription,
        Field::SysOsBitness,
        Field::SysMachine,
        Field::SysProcessor,
        Field::SysUptime,
        Field::SysGmtOffset,
        Field::SysNetAdapter,
        Field::ProcessEvPid,
        Field::ProcessEvProcess,
        Field::ProcessEvEventType,
        Field::ProcessEvParentProcess,
        Field::ImageLoadEvFullPath,
        Field::ImageLoadEvFileName,
        Field::ProcessSectionName,
        Field::ProcessSectionProtection,
        Field::ProcessHandleFileDescriptor,
        Field::ProcessHandleType,
        Field::ProcessDllPath,
        Field::ProcessParentProcessName,
    ];
    for field in always {
        let got = all(field.kind());
        assert!(got.items.iter().any(|i| i.get(field).is_some()), "{} never filled", field.name());
    }
}

#[test]
fn a_deleted_executable_keeps_its_path_and_name() {
    let dir = tempfile::tempdir().expect("temp dir");
    let exe = dir.path().join("iocscan-deleted-sleep");
    std::fs::copy("/bin/sleep", &exe).expect("copy sleep");
    // Another test thread forking while the copy was open for writing makes exec fail with
    // "text file busy" until that child has exec'd: retry briefly.
    let mut spawned = Command::new(&exe).arg("3600").spawn();
    for _ in 0..100 {
        match &spawned {
            Err(e) if e.raw_os_error() == Some(26) => {
                std::thread::sleep(std::time::Duration::from_millis(10));
                spawned = Command::new(&exe).arg("3600").spawn();
            }
            _ => break,
        }
    }
    let child = Reaped(spawned.expect("spawn copy"));
    std::fs::remove_file(&exe).expect("delete");
    let pid = i64::from(child.0.id());
    let got = collect(ItemKind::Process, &FieldSet::new());
    let item =
        got.items.iter().find(|i| int(i, Field::ProcessPid) == Some(pid)).expect("collected");
    assert_eq!(text(item, Field::ProcessPath), exe.to_str());
    assert_eq!(text(item, Field::ProcessName), Some("iocscan-deleted-sleep"));
}
