//! ProcessItem: the running processes (threads are not reported apart from their process).
//!
//! Read with `sysinfo` from `/proc`, refreshing only what the asked fields need.
//!
//! - `name` is the executable's file name, or the kernel's 15-character `comm` when the
//!   executable cannot be read (kernel threads, other users' processes without root).
//! - `path` is the executable's path; a deleted executable keeps its path, without the
//!   ` (deleted)` mark the kernel appends.
//! - `arguments` is the command line joined with spaces, the program included.
//! - `Username` comes from `/etc/passwd` (absent for a uid it does not list); `SecurityID` is
//!   the uid as text.
//! - `kernelTime` / `userTime` are the CPU seconds (two decimals) of `/proc/PID/stat`.
//!
//! A process that ends while being read is skipped; a process whose executable cannot be read
//! (another user's, without root) is reported without `path`, with a collection error saying
//! why.

use super::linux::{accounts, executable_path, read_text, Errors, Wanted};
use super::{Collected, Reason, Subject};
use crate::item::{Item, ItemKind};
use crate::terms::{Field, FieldSet};
use std::collections::HashMap;
use std::path::Path;
use sysinfo::{ProcessRefreshKind, ProcessesToUpdate, System, ThreadKind, UpdateKind};

/// Collects one item per process with the fields in `fields` (plus card fields).
pub fn collect(fields: &FieldSet) -> Collected {
    let want = Wanted::new(fields);
    let mut errors = Errors::new(ItemKind::Process);
    let mut refresh = ProcessRefreshKind::nothing();
    if want.any(&[Field::ProcessPath, Field::ProcessName]) {
        refresh = refresh.with_exe(UpdateKind::Always);
    }
    if want.has(Field::ProcessArguments) {
        refresh = refresh.with_cmd(UpdateKind::Always);
    }
    if want.any(&[Field::ProcessUsername, Field::ProcessSecurityId]) {
        refresh = refresh.with_user(UpdateKind::Always);
    }
    let mut system = System::new();
    system.refresh_processes_specifics(ProcessesToUpdate::All, true, refresh);

    let user_names: HashMap<u32, String> = if want.has(Field::ProcessUsername) {
        match accounts::read_user_names() {
            Ok(names) => names,
            Err(e) => {
                let message = format!("{e}; process user names not known");
                errors.push(Subject::path("/etc/passwd"), Reason::of_io(&e), message);
                HashMap::new()
            }
        }
    } else {
        HashMap::new()
    };
    let times = want.any(&[Field::ProcessKernelTime, Field::ProcessUserTime]);
    let ticks_per_second = rustix::param::clock_ticks_per_second().max(1);

    let mut processes: Vec<_> = system
        .processes()
        .values()
        .filter(|p| p.thread_kind() != Some(ThreadKind::Userland))
        .collect();
    processes.sort_by_key(|p| p.pid());

    let mut items = Vec::with_capacity(processes.len());
    for p in processes {
        let pid = p.pid().as_u32();
        let mut item = Item::new(ItemKind::Process);
        if times {
            // Read first: a process that vanished since the listing is skipped whole.
            let Some((user, kernel)) =
                read_text(&Path::new("/proc").join(pid.to_string()).join("stat"))
                    .ok()
                    .and_then(|stat| cpu_ticks(&stat))
            else {
                continue;
            };
            let seconds = |t: u64| format!("{:.2}", t as f64 / ticks_per_second as f64);
            want.put(&mut item, Field::ProcessUserTime, seconds(user));
            want.put(&mut item, Field::ProcessKernelTime, seconds(kernel));
        }
        want.put(&mut item, Field::ProcessPid, i64::from(pid));
        if let Some(parent) = p.parent() {
            want.put(&mut item, Field::ProcessParentPid, i64::from(parent.as_u32()));
        }
        let exe = p.exe().filter(|e| !e.as_os_str().is_empty()).map(executable_path);
        let name = exe
            .as_deref()
            .and_then(|e| e.file_name())
            .unwrap_or_else(|| p.name())
            .to_string_lossy()
            .into_owned();
        want.put(&mut item, Field::ProcessName, name);
        match exe {
            Some(exe) => {
                want.put(&mut item, Field::ProcessPath, exe.to_string_lossy().into_owned())
            }
            // Kernel threads have no executable; for other processes, say why it is missing
            // (permission denied without root). A vanished process (not found) is not a problem.
            None if want.has(Field::ProcessPath) && p.thread_kind() != Some(ThreadKind::Kernel) => {
                let link = Path::new("/proc").join(pid.to_string()).join("exe");
                if let Err(e) = std::fs::read_link(link) {
                    if e.kind() != std::io::ErrorKind::NotFound {
                        let message = format!("executable path: {e}");
                        errors.push(Subject::Pid(pid), Reason::of_io(&e), message);
                    }
                }
            }
            None => {}
        }
        if !p.cmd().is_empty() {
            let args: Vec<_> = p.cmd().iter().map(|a| a.to_string_lossy()).collect();
            want.put(&mut item, Field::ProcessArguments, args.join(" "));
        }
        if let Some(uid) = p.user_id() {
            let uid: u32 = **uid;
            if let Some(name) = user_names.get(&uid) {
                want.put(&mut item, Field::ProcessUsername, name.as_str());
            }
            want.put(&mut item, Field::ProcessSecurityId, uid.to_string());
        }
        if let Some(start) =
            i64::try_from(p.start_time()).ok().and_then(|s| chrono::DateTime::from_timestamp(s, 0))
        {
            want.put(&mut item, Field::ProcessStartTime, start);
        }
        items.push(item);
    }
    Collected { items, errors: errors.finish() }
}

/// User and system CPU time, in clock ticks, from `/proc/PID/stat` text (fields 14 and 15,
/// counted after the parenthesised command name, which may itself hold spaces and `)`).
fn cpu_ticks(stat: &str) -> Option<(u64, u64)> {
    let after_name = &stat[stat.rfind(')')? + 1..];
    let mut fields = after_name.split_whitespace().skip(11);
    Some((fields.next()?.parse().ok()?, fields.next()?.parse().ok()?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stat_cpu_fields() {
        let stat =
            "1234 (a b) c) S 1 1234 1234 0 -1 4194560 100 0 0 0 250 31 0 0 20 0 1 0 5000 0 0";
        assert_eq!(cpu_ticks(stat), Some((250, 31)));
        assert_eq!(cpu_ticks("1 (x) S 1"), None);
        assert_eq!(cpu_ticks("no parenthesis"), None);
    }
}
