//! The process pass: one read of `/proc` that yields ProcessItem and the views over the same
//! processes (processEvent, imageLoadEvent, ipv4NetworkEvent; PortItem shares its socket
//! table), each kind's fields filled only when asked.
//!
//! - `name` is the executable's file name, or the kernel's 15-character `comm` when the
//!   executable cannot be read (kernel threads, other users' processes without root).
//! - `path` is the executable's path; a deleted executable keeps its path, without the
//!   ` (deleted)` mark the kernel appends.
//! - `arguments` is the command line joined with spaces, the program included.
//! - `Username` comes from `/etc/passwd` (absent for a uid it does not list); `SecurityID` is
//!   the uid as text.
//! - `kernelTime` / `userTime` are the CPU seconds (two decimals) of `/proc/PID/stat`.
//! - `ParentProcessName` is the current parent's `name`; `DllPath` the distinct files mapped
//!   executable (`/proc/PID/maps`).
//! - The sub-lists (HandleList from `/proc/PID/fd`, SectionList from maps, PortList from the
//!   socket table) are read only when one of their columns is asked (see `lists`).
//!
//! Sharing: [`collect_family`] builds every asked kind of [`FAMILY`] from one listing of the
//! processes, one maps read and one fd read per process, and one socket table; the per-kind
//! entries of the collector table ([`collect`], [`collect_process_events`], ...) are that
//! pass asked for one kind. Every per-process read is bounded (`crate::limits`), opened
//! without blocking and only reads. A process that ends while being listed is skipped; one
//! that ends or refuses a later read keeps its other fields and the problem is reported.
//! Without root, other users' executables, maps and fds are not readable: those fields and
//! lists are then absent, with a collection error.

mod events;
mod fds;
mod handles;
mod listing;
mod lists;
mod maps;
mod memory;

use super::content::strings::StringProbe;
use super::content::ContentProbes;
use super::linux::{read_text, Errors, Wanted};
use super::port::{self, Socket};
use super::{Collected, Reason, Subject};
use crate::item::{Item, ItemKind};
use crate::limits::{
    DEFAULT_MAX_HASH_BYTES, MAX_MAPS_BYTES, MAX_MEMORY_BYTES_PER_SCAN, MAX_SECTIONS_PER_PROCESS,
};
use crate::terms::{Element, Field, FieldSet};
use chrono::{DateTime, Utc};
use listing::list_processes;
use std::collections::HashMap;
use std::io::{self, Read};
use std::path::Path;

/// The kinds one process pass builds together.
pub const FAMILY: [ItemKind; 5] = [
    ItemKind::Process,
    ItemKind::ProcessEvent,
    ItemKind::ImageLoadEvent,
    ItemKind::Ipv4NetworkEvent,
    ItemKind::Port,
];

/// One live process as the pass read it (the values every view shares).
#[derive(Clone, Debug, Default)]
pub(crate) struct Proc {
    pub pid: u32,
    pub ppid: Option<u32>,
    /// Executable file name, else `comm`.
    pub name: String,
    /// Executable path.
    pub path: Option<String>,
    /// Command line joined with spaces.
    pub args: Option<String>,
    pub uid: Option<u32>,
    /// The owner's passwd name.
    pub user: Option<String>,
    pub start: Option<DateTime<Utc>>,
    /// (user, kernel) CPU seconds as text.
    pub cpu: Option<(String, String)>,
    /// A kernel thread (no executable, no maps, no fds).
    pub kernel: bool,
}

/// Collects ProcessItems with the fields in `fields` (plus card fields).
pub fn collect(fields: &FieldSet) -> Collected {
    one(ItemKind::Process, fields)
}

/// Collects processEvent items (one per live process); `md5` only for executables within the
/// default hash size limit (the driver passes the scan's own limit to [`collect_family`]).
pub fn collect_process_events(fields: &FieldSet) -> Collected {
    one(ItemKind::ProcessEvent, fields)
}

/// Collects imageLoadEvent items (one per process and file it maps executable).
pub fn collect_image_loads(fields: &FieldSet) -> Collected {
    one(ItemKind::ImageLoadEvent, fields)
}

/// Collects ipv4NetworkEvent items (one per IPv4 socket and owning process).
pub fn collect_network_events(fields: &FieldSet) -> Collected {
    one(ItemKind::Ipv4NetworkEvent, fields)
}

fn one(kind: ItemKind, fields: &FieldSet) -> Collected {
    let mut all =
        collect_family(&[kind], fields, DEFAULT_MAX_HASH_BYTES, &ContentProbes::default());
    all.pop().map(|(_, c)| c).unwrap_or_default()
}

/// What the pass reads, from the kinds and fields asked.
struct Plan {
    want: Wanted,
    process: bool,
    events: bool,
    images: bool,
    network: bool,
    port: bool,
    handles: Option<lists::Columns>,
    sections: Option<lists::Columns>,
    ports: Option<lists::Columns>,
    dll: bool,
    parent_name: bool,
    exe_md5: bool,
    /// The ruleset's search for `ProcessItem/StringList/string`, when asked.
    strings: Option<std::sync::Arc<StringProbe>>,
}

impl Plan {
    fn new(kinds: &[ItemKind], fields: &FieldSet, probes: &ContentProbes) -> Self {
        let has = |k| kinds.contains(&k);
        let want = Wanted::new(fields);
        let process = has(ItemKind::Process);
        let list = |e| if process { lists::Columns::new(fields, e) } else { None };
        Plan {
            want,
            process,
            events: has(ItemKind::ProcessEvent),
            images: has(ItemKind::ImageLoadEvent),
            network: has(ItemKind::Ipv4NetworkEvent),
            port: has(ItemKind::Port),
            handles: list(Element::Handle),
            sections: list(Element::MemorySection),
            ports: list(Element::ProcessPort),
            dll: process && fields.contains(Field::ProcessDllPath),
            parent_name: process && fields.contains(Field::ProcessParentProcessName),
            exe_md5: has(ItemKind::ProcessEvent) && fields.contains(Field::ProcessEvMd5),
            strings: probes
                .process_strings
                .clone()
                .filter(|_| process && fields.contains(Field::ProcessStringListString)),
        }
    }

    fn wants_on_process(&self, fields: &[Field]) -> bool {
        self.process && self.want.any(fields)
    }

    /// The views that name the owning process need its executable.
    fn needs_exe(&self) -> bool {
        self.events
            || self.images
            || self.network
            || self.wants_on_process(&[Field::ProcessPath, Field::ProcessName])
            || self.parent_name
            || self.ports.is_some()
    }

    fn needs_cmd(&self) -> bool {
        self.wants_on_process(&[Field::ProcessArguments])
            || (self.events && self.want.has(Field::ProcessEvProcessCmdLine))
    }

    fn needs_user_names(&self) -> bool {
        self.wants_on_process(&[Field::ProcessUsername])
            || (self.events && self.want.has(Field::ProcessEvUsername))
            || (self.images && self.want.has(Field::ImageLoadEvUsername))
            || (self.network && self.want.has(Field::Ipv4NetworkEvUsername))
            || self.handles.as_ref().is_some_and(|h| h.wants(Field::ProcessHandleUser))
    }

    fn needs_maps(&self) -> bool {
        self.images || self.dll || self.sections.is_some() || self.strings.is_some()
    }

    fn needs_sockets(&self) -> bool {
        self.network || self.port || self.ports.is_some() || self.handles.is_some()
    }
}

/// Builds every kind of `kinds` (members of [`FAMILY`]) in one pass over the processes;
/// files hashed (executables, open files) are at most `max_hash_bytes`. Returns the kinds in
/// the order given. The pass's own problems are reported under the first kind.
pub fn collect_family(
    kinds: &[ItemKind],
    fields: &FieldSet,
    max_hash_bytes: u64,
    probes: &ContentProbes,
) -> Vec<(ItemKind, Collected)> {
    let plan = Plan::new(kinds, fields, probes);
    let mut memory_read: u64 = 0;
    let first = kinds.first().copied().unwrap_or(ItemKind::Process);
    let mut errors = Errors::new(first);
    let mut port_errors = Errors::new(ItemKind::Port);
    let only_ports = kinds.iter().all(|&k| k == ItemKind::Port);
    let procs = if only_ports { Vec::new() } else { list_processes(&plan, &mut errors) };
    let by_pid: HashMap<u32, &Proc> = procs.iter().map(|p| (p.pid, p)).collect();

    let sockets: Vec<Socket> = if plan.needs_sockets() {
        port::sockets(true, &mut port_errors).unwrap_or_default()
    } else {
        Vec::new()
    };
    let mut owned: HashMap<u32, Vec<&Socket>> = HashMap::new();
    if plan.ports.is_some() {
        for s in &sockets {
            for pid in &s.pids {
                owned.entry(*pid).or_default().push(s);
            }
        }
    }
    let mut tables = handles::SocketTables::default();
    if plan.handles.is_some() {
        tables.inet = sockets.iter().map(|s| (s.inode, s)).collect();
        match read_text(Path::new("/proc/net/unix")) {
            Ok(text) => tables.unix = fds::parse_unix(&text),
            Err(e) if e.kind() == io::ErrorKind::NotFound => {}
            Err(e) => errors.push_io("/proc/net/unix", &e),
        }
    }

    let mut process_items = Vec::new();
    let mut event_items = Vec::new();
    let mut image_items = Vec::new();
    for p in &procs {
        let regions =
            if plan.needs_maps() && !p.kernel { read_maps(p.pid, &mut errors) } else { Vec::new() };
        let files = maps::executable_files(&regions);
        if plan.images {
            events::image_loads(&plan.want, p, &files, &mut image_items);
        }
        if plan.events {
            let md5 = if plan.exe_md5 && !p.kernel { exe_md5(p.pid, max_hash_bytes) } else { None };
            let parent = p.ppid.and_then(|pp| by_pid.get(&pp).copied());
            event_items.push(events::process_event(&plan.want, p, parent, md5));
        }
        if plan.process {
            let mut item = process_item(&plan.want, p);
            if plan.parent_name {
                if let Some(parent) = p.ppid.and_then(|pp| by_pid.get(&pp)) {
                    item.set(Field::ProcessParentProcessName, parent.name.as_str());
                }
            }
            if plan.dll {
                let paths = files.iter().map(|f| crate::item::Value::from(*f)).collect();
                item.set(Field::ProcessDllPath, crate::item::Value::List(paths));
            }
            if let Some(template) = &plan.sections {
                let mut columns = template.empty();
                lists::sections(&mut columns, &regions);
                columns.finish(&mut item);
            }
            if let Some(template) = &plan.ports {
                let mut columns = template.empty();
                let mine = owned.get(&p.pid).map(Vec::as_slice).unwrap_or_default();
                lists::ports(&mut columns, p.pid, mine, (Some(&p.name), p.path.as_deref()));
                columns.finish(&mut item);
            }
            // No regions: maps was unreadable (already reported) or the process is gone.
            if let (Some(probe), false) = (&plan.strings, p.kernel || regions.is_empty()) {
                memory_strings(&mut item, p.pid, &regions, probe, &mut memory_read, &mut errors);
            }
            if let Some(template) = &plan.handles {
                let mut columns = template.empty();
                if !p.kernel {
                    let cx = handles::Context {
                        user: p.user.as_deref(),
                        sockets: &tables,
                        max_hash_bytes,
                    };
                    match handles::fill(&mut columns, p.pid, &cx) {
                        Ok(cuts) => report_cuts(&mut errors, p.pid, cuts),
                        Err(e) => push_read_error(&mut errors, p.pid, "open files", &e),
                    }
                }
                columns.finish(&mut item);
            }
            process_items.push(item);
        }
    }
    let mut network_items =
        if plan.network { events::network(&plan.want, &sockets, &by_pid) } else { Vec::new() };

    let mut port_result = None;
    if plan.port {
        let mut images: HashMap<u32, (Option<String>, Option<String>)> =
            procs.iter().map(|p| (p.pid, (Some(p.name.clone()), p.path.clone()))).collect();
        port_result = Some(port::items(&sockets, fields, port_errors, &mut images));
    } else {
        errors_extend(&mut errors, port_errors);
    }
    let mut pass_errors = Some(errors.finish());
    let mut out = Vec::new();
    for &kind in kinds {
        let listed =
            |items: &mut Vec<Item>| Collected { items: std::mem::take(items), errors: Vec::new() };
        let mut collected = match kind {
            ItemKind::Process => listed(&mut process_items),
            ItemKind::ProcessEvent => listed(&mut event_items),
            ItemKind::ImageLoadEvent => listed(&mut image_items),
            ItemKind::Ipv4NetworkEvent => listed(&mut network_items),
            ItemKind::Port => port_result.take().unwrap_or_default(),
            _ => Collected::default(),
        };
        if let Some(mut pass) = pass_errors.take() {
            pass.append(&mut collected.errors);
            collected.errors = pass;
        }
        out.push((kind, collected));
    }
    out
}

/// Moves the socket table's problems to the pass's list (no PortItem is being built).
fn errors_extend(errors: &mut Errors, from: Errors) {
    for e in from.finish() {
        errors.push(e.subject, e.reason, e.message);
    }
}

/// The ProcessItem of `p` (flat fields).
fn process_item(want: &Wanted, p: &Proc) -> Item {
    let mut item = Item::new(ItemKind::Process);
    if let Some((user, kernel)) = &p.cpu {
        want.put(&mut item, Field::ProcessUserTime, user.as_str());
        want.put(&mut item, Field::ProcessKernelTime, kernel.as_str());
    }
    want.put(&mut item, Field::ProcessPid, i64::from(p.pid));
    if let Some(ppid) = p.ppid {
        want.put(&mut item, Field::ProcessParentPid, i64::from(ppid));
    }
    want.put(&mut item, Field::ProcessName, p.name.as_str());
    if let Some(path) = &p.path {
        want.put(&mut item, Field::ProcessPath, path.as_str());
    }
    if let Some(args) = &p.args {
        want.put(&mut item, Field::ProcessArguments, args.as_str());
    }
    if let Some(user) = &p.user {
        want.put(&mut item, Field::ProcessUsername, user.as_str());
    }
    if let Some(uid) = p.uid {
        want.put(&mut item, Field::ProcessSecurityId, uid.to_string());
    }
    if let Some(start) = p.start {
        want.put(&mut item, Field::ProcessStartTime, start);
    }
    item
}

/// What a handle list left out, as problems of the process.
fn report_cuts(errors: &mut Errors, pid: u32, cuts: handles::Cuts) {
    use crate::limits::{MAX_HANDLES_PER_PROCESS, MAX_HANDLE_HASH_BYTES_PER_PROCESS};
    if cuts.handles {
        let message =
            format!("more than {MAX_HANDLES_PER_PROCESS} open files; the rest are not listed");
        errors.push(Subject::Pid(pid), Reason::TooLarge, message);
    }
    if cuts.digests {
        let message = format!(
            "open files hold more than {MAX_HANDLE_HASH_BYTES_PER_PROCESS} bytes; \
             the later ones are not hashed"
        );
        errors.push(Subject::Pid(pid), Reason::TooLarge, message);
    }
}

/// A failed per-process read: the process vanished (not found) or refused it.
/// Sets `ProcessItem/StringList/string` from the process's private memory, within the
/// scan's total budget; a process that cannot be read has no value (not evaluated).
fn memory_strings(
    item: &mut Item,
    pid: u32,
    regions: &[maps::Region],
    probe: &StringProbe,
    read: &mut u64,
    errors: &mut Errors,
) {
    let size: u64 = regions
        .iter()
        .filter(|r| memory::readable_private(r))
        .map(|r| r.end.saturating_sub(r.start))
        .sum();
    if *read + size > MAX_MEMORY_BYTES_PER_SCAN {
        let message = "memory strings: the scan's memory-read budget is spent".to_string();
        errors.push(Subject::Pid(pid), Reason::TooLarge, message);
        return;
    }
    *read += size;
    match memory::strings(pid, regions, probe) {
        Ok(Ok(value)) => item.set(Field::ProcessStringListString, value),
        Ok(Err(_)) => {}
        Err(memory::MemoryError::Open(e)) => push_read_error(errors, pid, "memory", &e),
        Err(memory::MemoryError::Bounded(why)) => {
            errors.push(Subject::Pid(pid), Reason::TooLarge, format!("memory strings: {why}"));
        }
    }
}

fn push_read_error(errors: &mut Errors, pid: u32, what: &str, e: &io::Error) {
    let message = match e.kind() {
        io::ErrorKind::NotFound => format!("{what}: the process ended while being read"),
        _ => format!("{what}: {e}"),
    };
    errors.push(Subject::Pid(pid), Reason::of_io(e), message);
}

/// The regions of `/proc/PID/maps`, bounded in bytes and lines (a cut is reported).
fn read_maps(pid: u32, errors: &mut Errors) -> Vec<maps::Region> {
    let path = Path::new("/proc").join(pid.to_string()).join("maps");
    let mut bytes = Vec::new();
    let read = crate::fsread::open_regular(&path)
        .and_then(|f| f.take(MAX_MAPS_BYTES).read_to_end(&mut bytes));
    if let Err(e) = read {
        push_read_error(errors, pid, "memory maps", &e);
        return Vec::new();
    }
    let mut cut = bytes.len() as u64 >= MAX_MAPS_BYTES;
    if cut {
        // Drop the partial last line.
        let end = bytes.iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1);
        bytes.truncate(end);
    }
    let text = maps::text_of(&bytes);
    let (regions, more) = maps::parse(&text, MAX_SECTIONS_PER_PROCESS);
    cut |= more;
    if cut {
        let message = "memory maps larger than the per-process limit; the rest is not read";
        errors.push(Subject::Pid(pid), Reason::TooLarge, message);
    }
    regions
}

/// MD5 of the file the process runs (`/proc/PID/exe`, even if replaced or deleted), when
/// readable and at most `max_bytes`.
fn exe_md5(pid: u32, max_bytes: u64) -> Option<String> {
    use super::file::digest::{hash_file, HashPlan};
    let plan =
        HashPlan { md5: true, sha1: false, sha256: false, head: false, max_bytes, content: None };
    let link = Path::new("/proc").join(pid.to_string()).join("exe");
    hash_file(&link, &plan, true).0.ok()?.md5
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_process_terms_read_nothing_new() {
        let plain: FieldSet = [Field::ProcessName, Field::ProcessArguments].into_iter().collect();
        let plan = Plan::new(&[ItemKind::Process], &plain, &ContentProbes::default());
        assert!(!plan.needs_maps() && !plan.needs_sockets() && !plan.exe_md5);
        assert!(plan.handles.is_none() && plan.sections.is_none() && plan.ports.is_none());
        // Event kinds in the same pass do not make ProcessItem read its lists.
        let kinds = [ItemKind::Process, ItemKind::ProcessEvent];
        let plan = Plan::new(&kinds, &plain, &ContentProbes::default());
        assert!(!plan.needs_maps() && !plan.needs_sockets() && !plan.exe_md5);
        let handles: FieldSet = [Field::ProcessHandleINode].into_iter().collect();
        let plan = Plan::new(&[ItemKind::Process], &handles, &ContentProbes::default());
        assert!(plan.needs_sockets() && !plan.needs_maps());
        let on_events: FieldSet = [Field::ProcessHandleINode].into_iter().collect();
        assert!(Plan::new(&[ItemKind::ProcessEvent], &on_events, &ContentProbes::default())
            .handles
            .is_none());
        // Memory is read only with the ruleset's string search.
        let strings: FieldSet = [Field::ProcessStringListString].into_iter().collect();
        let plan = Plan::new(&[ItemKind::Process], &strings, &ContentProbes::default());
        assert!(plan.strings.is_none() && !plan.needs_maps());
    }

    #[test]
    fn a_vanished_process_is_a_typed_problem() {
        // Above the kernel's largest pid_max: never a live process.
        let gone = 4_194_305;
        let mut errors = Errors::new(ItemKind::Process);
        assert!(read_maps(gone, &mut errors).is_empty());
        let errors = errors.finish();
        assert_eq!(errors.len(), 1);
        assert_eq!((errors[0].reason, &errors[0].subject), (Reason::NotFound, &Subject::Pid(gone)));
        assert!(errors[0].message.contains("ended while being read"), "{}", errors[0].message);
        assert_eq!(exe_md5(gone, DEFAULT_MAX_HASH_BYTES), None);
    }

    #[test]
    fn one_pass_fills_every_asked_kind() {
        let fields: FieldSet = [
            Field::ProcessParentProcessName,
            Field::ProcessDllPath,
            Field::ProcessSectionInjected,
            Field::ProcessSectionName,
            Field::ImageLoadEvFileName,
            Field::ProcessEvMd5,
        ]
        .into_iter()
        .collect();
        let kinds = [ItemKind::Process, ItemKind::ProcessEvent, ItemKind::ImageLoadEvent];
        let out =
            collect_family(&kinds, &fields, DEFAULT_MAX_HASH_BYTES, &ContentProbes::default());
        assert_eq!(out.iter().map(|(k, _)| *k).collect::<Vec<_>>(), kinds);
        let me = i64::from(std::process::id());
        let mine = |item: &&Item, f| item.get(f) == Some(&crate::item::Value::Int(me));
        let process = out[0].1.items.iter().find(|i| mine(i, Field::ProcessPid)).unwrap();
        assert!(process.get(Field::ProcessParentProcessName).is_some());
        let dlls = process.get(Field::ProcessDllPath).unwrap().each().len();
        let sections = process.get(Field::ProcessSectionName).unwrap().each().len();
        let injected = process.get(Field::ProcessSectionInjected).unwrap().each().len();
        assert!(dlls >= 1 && sections >= dlls && injected == sections);
        let event = out[1].1.items.iter().find(|i| mine(i, Field::ProcessEvPid)).unwrap();
        let exe = std::fs::read(std::env::current_exe().unwrap()).unwrap();
        if exe.len() as u64 <= DEFAULT_MAX_HASH_BYTES {
            let md5 = hex::encode(<md5::Md5 as md5::Digest>::digest(&exe));
            assert_eq!(event.get(Field::ProcessEvMd5), Some(&crate::item::Value::Str(md5)));
        } else {
            // A debug test binary can pass the hash size limit: not hashed, no value.
            assert_eq!(event.get(Field::ProcessEvMd5), None);
        }
        let loads = out[2].1.items.iter().filter(|i| mine(i, Field::ImageLoadEvPid)).count();
        assert_eq!(loads, dlls, "one imageLoadEvent per distinct executable file");
    }
}
