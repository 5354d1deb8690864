//! Listing the processes for the pass: one `sysinfo` refresh of `/proc`, reading only what
//! the plan needs (executable, command line, owner, CPU times). Threads are folded into their
//! process; a process that ends while being listed is skipped.

use super::{Plan, Proc};
use crate::collect::linux::{accounts, executable_path, read_text, Errors};
use crate::collect::{Reason, Subject};
use crate::terms::Field;
use chrono::DateTime;
use std::collections::HashMap;
use std::io;
use std::path::Path;
use sysinfo::{ProcessRefreshKind, ProcessesToUpdate, System, ThreadKind, UpdateKind};

/// Lists the processes (threads folded into their process), reading what `plan` needs.
pub(super) fn list_processes(plan: &Plan, errors: &mut Errors) -> Vec<Proc> {
    let mut refresh = ProcessRefreshKind::nothing();
    if plan.needs_exe() {
        refresh = refresh.with_exe(UpdateKind::Always);
    }
    if plan.needs_cmd() {
        refresh = refresh.with_cmd(UpdateKind::Always);
    }
    let user_names = plan.needs_user_names();
    if user_names || plan.wants_on_process(&[Field::ProcessSecurityId]) {
        refresh = refresh.with_user(UpdateKind::Always);
    }
    let mut system = System::new();
    system.refresh_processes_specifics(ProcessesToUpdate::All, true, refresh);
    let names: HashMap<u32, String> = if user_names {
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
    let times = plan.wants_on_process(&[Field::ProcessKernelTime, Field::ProcessUserTime]);
    let ticks_per_second = rustix::param::clock_ticks_per_second().max(1);
    // Only a path some view shows is worth a "why it is missing" report.
    let exe_wanted = plan.events || plan.wants_on_process(&[Field::ProcessPath]);

    let mut listed: Vec<_> = system
        .processes()
        .values()
        .filter(|p| p.thread_kind() != Some(ThreadKind::Userland))
        .collect();
    listed.sort_by_key(|p| p.pid());
    let mut procs = Vec::with_capacity(listed.len());
    for p in listed {
        let pid = p.pid().as_u32();
        let kernel = p.thread_kind() == Some(ThreadKind::Kernel);
        let mut cpu = None;
        if times {
            // Read first: a process that vanished since the listing is skipped whole.
            let Some((user, kernel_ticks)) =
                read_text(&Path::new("/proc").join(pid.to_string()).join("stat"))
                    .ok()
                    .and_then(|stat| cpu_ticks(&stat))
            else {
                continue;
            };
            let seconds = |t: u64| format!("{:.2}", t as f64 / ticks_per_second as f64);
            cpu = Some((seconds(user), seconds(kernel_ticks)));
        }
        let exe = p.exe().filter(|e| !e.as_os_str().is_empty()).map(executable_path);
        let name = exe
            .as_deref()
            .and_then(|e| e.file_name())
            .unwrap_or_else(|| p.name())
            .to_string_lossy()
            .into_owned();
        // Kernel threads have no executable; for other processes, say why it is missing
        // (permission denied without root). A vanished process (not found) is not a problem.
        if exe.is_none() && exe_wanted && !kernel {
            if let Err(e) = std::fs::read_link(Path::new("/proc").join(pid.to_string()).join("exe"))
            {
                if e.kind() != io::ErrorKind::NotFound {
                    errors.push(
                        Subject::Pid(pid),
                        Reason::of_io(&e),
                        format!("executable path: {e}"),
                    );
                }
            }
        }
        let args = (!p.cmd().is_empty()).then(|| {
            let args: Vec<_> = p.cmd().iter().map(|a| a.to_string_lossy()).collect();
            args.join(" ")
        });
        let uid = p.user_id().map(|uid| **uid);
        procs.push(Proc {
            pid,
            ppid: p.parent().map(|pp| pp.as_u32()),
            name,
            path: exe.map(|e| e.to_string_lossy().into_owned()),
            args,
            uid,
            user: uid.and_then(|u| names.get(&u).cloned()),
            start: i64::try_from(p.start_time()).ok().and_then(|s| DateTime::from_timestamp(s, 0)),
            cpu,
            kernel,
        });
    }
    procs
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
