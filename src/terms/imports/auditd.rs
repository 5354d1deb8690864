//! Linux audit rows of the import table: one execve event group -> processEvent.

use super::{is_not, r, Convert, Format, ItemKind, Mapping, Rule};
use crate::terms::Field as F;
use Convert::{BaseName, Const, Same, Time};

/// One execve: the SYSCALL record (process, parent, executable, effective user as the
/// enriched log names it, as a live scan reads the effective uid; a raw log's numbers are not
/// names, so the user is then absent) and the EXECVE record (arguments). CWD, PATH and `auid`
/// (the login user) have no processEvent term; `startTime` would be the fork, which an exec
/// record does not give.
const AUDIT_EXECVE: &[Rule] = &[
    r(&[], F::ProcessEvEventType, Const("start")),
    r(&["time"], F::ProcessEvTimestamp, Time),
    r(&["SYSCALL.pid"], F::ProcessEvPid, Same),
    r(&["SYSCALL.ppid"], F::ProcessEvParentPid, Same),
    r(&["SYSCALL.exe"], F::ProcessEvProcessPath, Same),
    r(&["SYSCALL.exe"], F::ProcessEvProcess, BaseName),
    r(&["EXECVE.argv", "PROCTITLE.proctitle"], F::ProcessEvProcessCmdLine, Same),
    r(&["SYSCALL.EUID", "SYSCALL.UID"], F::ProcessEvUsername, Same),
];

/// The auditd mappings, in table order (order matters among mappings of one event key).
pub(super) static MAPPINGS: &[Mapping] = &[Mapping {
    format: Format::Auditd,
    event: "EXECVE",
    name: "SYSCALL + EXECVE (+ PROCTITLE) of one successful execve",
    when: &[is_not("SYSCALL.success", &["no"])],
    kind: ItemKind::ProcessEvent,
    rules: AUDIT_EXECVE,
}];
