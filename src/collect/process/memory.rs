//! `ProcessItem/StringList/string`: the strings of a process's private memory, read through
//! `/proc/PID/mem` with `pread` (no ptrace stop: the process runs on untouched).
//!
//! Which memory: readable regions that no file backs (`[heap]`, `[stack]`, anonymous and
//! `[anon:...]` mappings), where unpacked and injected code and decoded configuration live.
//! Not read: file-backed regions (their strings are the file's, which `FileItem/StringList`
//! sees, and reading them through `mem` would fault pages into the target's memory), regions
//! without `r`, guard regions (`---p`), the kernel's `[vvar]`, `[vvar_vclock]`, `[vsyscall]`
//! and `[vdso]`, and anything whose device is not `00:00` (GPU and DAX mappings). Reads go in
//! windows of [`MEMORY_WINDOW_BYTES`] overlapping by a string's length; `EIO`/`EFAULT` are
//! holes (unmapped in between), not failures.
//!
//! Bounds ([`crate::limits`]): bytes per region, per process and per scan, and time per
//! process. A process past a bound, or one that cannot be read (another user's without root,
//! Yama), has no value for the term: not evaluated, never false.

use crate::collect::content::string_list;
use crate::collect::content::strings::{Cuts, StringProbe, Strings};
use crate::item::{NotEvaluated, Value};
use crate::limits::{
    MAX_MEMORY_BYTES_PER_PROCESS, MAX_MEMORY_BYTES_PER_REGION, MAX_MEMORY_SECONDS_PER_PROCESS,
    MAX_STRING_BYTES, MEMORY_WINDOW_BYTES,
};
use std::fs::File;
use std::io;
use std::os::unix::fs::FileExt;
use std::time::{Duration, Instant};

use super::maps::Region;

/// True for a region whose memory is read.
pub(crate) fn readable_private(region: &Region) -> bool {
    let special =
        matches!(region.name.as_str(), "[vvar]" | "[vvar_vclock]" | "[vsyscall]" | "[vdso]");
    region.perms.starts_with('r')
        && region.inode == 0
        && region.dev == "00:00"
        && !region.name.starts_with('/')
        && !special
}

/// Why a process's strings are not known.
#[derive(Debug)]
pub(crate) enum MemoryError {
    /// Opening `/proc/PID/mem` failed (permission, vanished).
    Open(io::Error),
    /// A bound was reached: the strings would be partial.
    Bounded(&'static str),
}

/// The candidate strings of `pid`'s private memory (see the module docs).
pub(crate) fn strings(
    pid: u32,
    regions: &[Region],
    probe: &StringProbe,
) -> Result<Result<Value, NotEvaluated>, MemoryError> {
    let mem = File::open(format!("/proc/{pid}/mem")).map_err(MemoryError::Open)?;
    let started = Instant::now();
    let budget = Duration::from_secs(MAX_MEMORY_SECONDS_PER_PROCESS);
    let mut found = Strings::default();
    let mut read_total: u64 = 0;
    let mut buffer = vec![0u8; MEMORY_WINDOW_BYTES];
    for region in regions.iter().filter(|r| readable_private(r)) {
        let size = region.end.saturating_sub(region.start);
        if size > MAX_MEMORY_BYTES_PER_REGION {
            return Err(MemoryError::Bounded("a memory region is larger than the limit"));
        }
        if read_total + size > MAX_MEMORY_BYTES_PER_PROCESS {
            return Err(MemoryError::Bounded("private memory is larger than the limit"));
        }
        read_total += size;
        let mut at = region.start;
        while at < region.end {
            if started.elapsed() > budget {
                return Err(MemoryError::Bounded("reading memory took longer than the limit"));
            }
            let want = usize::try_from(region.end - at).unwrap_or(usize::MAX).min(buffer.len());
            let n = match mem.read_at(&mut buffer[..want], at) {
                Ok(0) => break,
                Ok(n) => n,
                // A page unmapped since maps was read: a hole.
                Err(e) if matches!(e.raw_os_error(), Some(libc::EIO | libc::EFAULT)) => {
                    at = at.saturating_add(4096);
                    continue;
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(MemoryError::Open(e)),
            };
            let end = at + n as u64;
            let cut = Cuts { left: at > region.start, right: end < region.end };
            probe.scan_window(&buffer[..n], cut, &mut found);
            if end >= region.end {
                break;
            }
            // The next window starts a string's length back, so that a string cut here is
            // whole there.
            at = end.saturating_sub(MAX_STRING_BYTES as u64).max(at + 1);
        }
    }
    Ok(string_list(found))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::collect::process::maps::parse_line;

    #[test]
    fn only_private_readable_memory_is_read() {
        let read = |line: &str| readable_private(&parse_line(line).expect("line"));
        assert!(read("7f00-7f10 rw-p 00000000 00:00 0 [heap]"));
        assert!(read("7f00-7f10 rw-p 00000000 00:00 0 "));
        assert!(read("7f00-7f10 r--p 00000000 00:00 0 [anon:jit]"));
        assert!(!read("7f00-7f10 ---p 00000000 00:00 0 "));
        assert!(!read("7f00-7f10 r-xp 00000000 fd:01 1234 /usr/lib/libc.so.6"));
        assert!(!read("7f00-7f10 r--p 00000000 00:00 0 [vvar]"));
        assert!(!read("7f00-7f10 rw-s 00000000 00:05 99 /dev/dri/card0"));
    }

    #[test]
    fn reads_its_own_heap() {
        // A string only this test's heap holds, built at run time.
        let marker: String =
            ["iocscan", "memory", "marker", &std::process::id().to_string()].join("-");
        let kept = std::hint::black_box(marker.clone().into_bytes());
        let maps = std::fs::read_to_string("/proc/self/maps").expect("maps");
        let regions: Vec<Region> = maps.lines().filter_map(parse_line).collect();
        let probe = StringProbe::new([marker.clone()], false).expect("probe");
        let found = strings(std::process::id(), &regions, &probe).expect("readable");
        let Ok(Value::List(found)) = found else { panic!("{found:?}") };
        assert!(found.iter().any(|s| s.to_string() == marker), "{found:?}");
        drop(kept);
    }
}
