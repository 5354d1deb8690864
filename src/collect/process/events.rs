//! The event families a live host answers from the process pass, as views over its records:
//! processEvent (one per process), imageLoadEvent (one per process and file it maps
//! executable), ipv4NetworkEvent (one per IPv4 socket and owning process).
//!
//! A state scan never claims an event's time: `timestamp` is not filled. processEvent's
//! `eventType` is the list {`start`, `running`} (a live process did start and is running),
//! its parent fields are the *current* parent's, looked up in the same pass.

use super::Proc;
use crate::collect::linux::Wanted;
use crate::collect::port::Socket;
use crate::item::{Item, ItemKind, Value};
use crate::terms::Field;
use std::collections::HashMap;
use std::net::IpAddr;

/// The processEvent item of `p`; `parent` is its current parent's record, `md5` the digest of
/// its executable (when asked and readable).
pub(crate) fn process_event(
    want: &Wanted,
    p: &Proc,
    parent: Option<&Proc>,
    md5: Option<String>,
) -> Item {
    let mut item = Item::new(ItemKind::ProcessEvent);
    want.put(&mut item, Field::ProcessEvPid, i64::from(p.pid));
    want.put(&mut item, Field::ProcessEvProcess, p.name.as_str());
    want.put_some(&mut item, Field::ProcessEvProcessPath, p.path.clone().map(Value::Str));
    want.put_some(&mut item, Field::ProcessEvProcessCmdLine, p.args.clone().map(Value::Str));
    if let Some(ppid) = p.ppid {
        want.put(&mut item, Field::ProcessEvParentPid, i64::from(ppid));
    }
    if let Some(parent) = parent {
        want.put(&mut item, Field::ProcessEvParentProcess, parent.name.as_str());
        let path = parent.path.clone().map(Value::Str);
        want.put_some(&mut item, Field::ProcessEvParentProcessPath, path);
    }
    want.put_some(&mut item, Field::ProcessEvUsername, p.user.clone().map(Value::Str));
    want.put_some(&mut item, Field::ProcessEvStartTime, p.start.map(Value::Date));
    want.put_some(&mut item, Field::ProcessEvMd5, md5.map(Value::Str));
    let types = Value::List(vec![Value::from("start"), Value::from("running")]);
    want.put(&mut item, Field::ProcessEvEventType, types);
    item
}

/// The imageLoadEvent items of `p`, one per distinct file it maps executable (`files`, in
/// first-mapped order). Path parts follow FileItem's rules.
pub(crate) fn image_loads(want: &Wanted, p: &Proc, files: &[&str], items: &mut Vec<Item>) {
    for path in files {
        let mut item = Item::new(ItemKind::ImageLoadEvent);
        let (dir, name, extension) = split_path(path);
        want.put(&mut item, Field::ImageLoadEvFullPath, *path);
        want.put(&mut item, Field::ImageLoadEvFilePath, dir);
        want.put(&mut item, Field::ImageLoadEvFileName, name);
        want.put_some(&mut item, Field::ImageLoadEvFileExtension, extension.map(Value::from));
        want.put(&mut item, Field::ImageLoadEvPid, i64::from(p.pid));
        want.put(&mut item, Field::ImageLoadEvProcess, p.name.as_str());
        want.put_some(&mut item, Field::ImageLoadEvProcessPath, p.path.clone().map(Value::Str));
        want.put_some(&mut item, Field::ImageLoadEvUsername, p.user.clone().map(Value::Str));
        if let Some(ppid) = p.ppid {
            want.put(&mut item, Field::ImageLoadEvParentPid, i64::from(ppid));
        }
        items.push(item);
    }
}

/// The ipv4NetworkEvent items: one per (IPv4 socket, owning process) pair; an IPv4-mapped
/// IPv6 socket counts as IPv4 (with its IPv4 addresses); a socket whose owner is not visible
/// is one item without the process fields.
pub(crate) fn network(want: &Wanted, sockets: &[Socket], procs: &HashMap<u32, &Proc>) -> Vec<Item> {
    let mut items = Vec::new();
    for s in sockets {
        let Some(local) = ipv4(s.local.0) else { continue };
        let remote = match s.remote {
            Some((ip, port)) => match ipv4(ip) {
                Some(ip) => Some((ip, port)),
                None => continue,
            },
            None => None,
        };
        let owners: Vec<Option<u32>> = match s.pids.is_empty() {
            true => vec![None],
            false => s.pids.iter().copied().map(Some).collect(),
        };
        for pid in owners {
            let mut item = Item::new(ItemKind::Ipv4NetworkEvent);
            want.put(&mut item, Field::Ipv4NetworkEvProtocol, s.protocol);
            want.put(&mut item, Field::Ipv4NetworkEvLocalIP, local);
            want.put(&mut item, Field::Ipv4NetworkEvLocalPort, i64::from(s.local.1));
            if let Some((ip, port)) = remote {
                want.put(&mut item, Field::Ipv4NetworkEvRemoteIP, ip);
                want.put(&mut item, Field::Ipv4NetworkEvRemotePort, i64::from(port));
            }
            if let Some(pid) = pid {
                want.put(&mut item, Field::Ipv4NetworkEvPid, i64::from(pid));
                if let Some(p) = procs.get(&pid) {
                    want.put(&mut item, Field::Ipv4NetworkEvProcess, p.name.as_str());
                    let path = p.path.clone().map(Value::Str);
                    want.put_some(&mut item, Field::Ipv4NetworkEvProcessPath, path);
                    let user = p.user.clone().map(Value::Str);
                    want.put_some(&mut item, Field::Ipv4NetworkEvUsername, user);
                }
            }
            items.push(item);
        }
    }
    items
}

/// The address as IPv4: itself, or the IPv4 address an IPv4-mapped IPv6 one maps.
fn ipv4(ip: IpAddr) -> Option<IpAddr> {
    match ip.to_canonical() {
        v4 @ IpAddr::V4(_) => Some(v4),
        IpAddr::V6(_) => None,
    }
}

/// Directory, file name and extension of an absolute path, as FileItem cuts them
/// (`/usr/lib/libz.so.1` -> `/usr/lib`, `libz.so.1`, `1`).
pub(crate) fn split_path(path: &str) -> (&str, &str, Option<&str>) {
    let (dir, name) = match path.rfind('/') {
        Some(0) => ("/", &path[1..]),
        Some(slash) => (&path[..slash], &path[slash + 1..]),
        None => ("", path),
    };
    let extension = name.rsplit_once('.').map(|(_, e)| e).filter(|e| !e.is_empty());
    (dir, name, extension)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::terms::FieldSet;

    fn proc(pid: u32) -> Proc {
        Proc { pid, ppid: Some(1), name: format!("p{pid}"), ..Proc::default() }
    }

    #[test]
    fn paths_split_as_file_items() {
        assert_eq!(split_path("/usr/lib/libz.so.1"), ("/usr/lib", "libz.so.1", Some("1")));
        assert_eq!(split_path("/init"), ("/", "init", None));
        assert_eq!(split_path("/a/.bashrc"), ("/a", ".bashrc", Some("bashrc")));
        assert_eq!(split_path("/a/b."), ("/a", "b.", None));
    }

    #[test]
    fn network_pairs_are_ipv4_per_owner() {
        let socket = |local: &str, remote: &str, pids: Vec<u32>| Socket {
            protocol: "TCP",
            local: (local.parse().unwrap(), 1000),
            remote: Some((remote.parse().unwrap(), 443)),
            state: Some("ESTABLISHED"),
            inode: 1,
            pids,
        };
        let sockets = [
            socket("10.0.0.1", "10.0.0.2", vec![5, 6]),
            socket("::ffff:10.0.0.1", "::ffff:192.0.2.1", vec![]),
            socket("2001:db8::1", "2001:db8::2", vec![5]),
        ];
        let p5 = proc(5);
        let procs: HashMap<u32, &Proc> = [(5, &p5)].into_iter().collect();
        let want = Wanted::new(&FieldSet::all());
        let items = network(&want, &sockets, &procs);
        assert_eq!(items.len(), 3, "two owners, one unowned mapped socket, no IPv6");
        assert_eq!(items[0].get(Field::Ipv4NetworkEvProcess), Some(&Value::from("p5")));
        assert_eq!(items[1].get(Field::Ipv4NetworkEvPid), Some(&Value::Int(6)));
        assert_eq!(items[1].get(Field::Ipv4NetworkEvProcess), None, "not in the pass");
        let remote: IpAddr = "192.0.2.1".parse().unwrap();
        assert_eq!(items[2].get(Field::Ipv4NetworkEvRemoteIP), Some(&Value::Ip(remote)));
        assert_eq!(items[2].get(Field::Ipv4NetworkEvPid), None);
    }

    #[test]
    fn process_events_are_start_and_running() {
        let (child, parent) = (proc(7), Proc { path: Some("/bin/sh".into()), ..proc(1) });
        let want = Wanted::new(&FieldSet::all());
        let item = process_event(&want, &child, Some(&parent), None);
        assert_eq!(item.get(Field::ProcessEvParentProcessPath), Some(&Value::from("/bin/sh")));
        assert_eq!(
            item.get(Field::ProcessEvEventType),
            Some(&Value::List(vec!["start".into(), "running".into()]))
        );
        assert_eq!(item.get(Field::ProcessEvTimestamp), None);
    }
}
