//! `/proc/PID/maps` lines -> memory regions (the SectionList, DllPath and imageLoadEvent
//! source).
//!
//! Pure parsing of fixed text; the bounded read of the file is the pass's. A line that does
//! not parse is skipped (hostile or future formats never panic and never stop the list).

/// One mapping of a process's address space.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Region {
    /// Start address.
    pub start: u64,
    /// End address (exclusive).
    pub end: u64,
    /// The device column (`fd:01`; `00:00` for anonymous memory).
    pub dev: String,
    /// The permissions as the kernel writes them (`r-xp`).
    pub perms: String,
    /// The pathname column, ` (deleted)` kept; empty for anonymous memory.
    pub name: String,
    /// The inode column (0 for anonymous and pseudo mappings).
    pub inode: u64,
}

impl Region {
    /// True when the region may be executed.
    pub fn executable(&self) -> bool {
        self.perms.as_bytes().get(2) == Some(&b'x')
    }

    /// True when a file backs the region (`[heap]`, `[stack]`, `[anon:..]`, empty: not).
    pub fn file_backed(&self) -> bool {
        self.inode != 0 && self.name.starts_with('/')
    }

    /// The backing file's path, ` (deleted)` removed, for a file-backed region.
    pub fn file_path(&self) -> Option<&str> {
        self.file_backed().then(|| self.name.strip_suffix(" (deleted)").unwrap_or(&self.name))
    }

    /// Volatility's "injected" on Linux: executable memory no intact file explains, i.e.
    /// anonymous (no name or `[anon:...]`), a deleted file, or a `memfd:` file. Named
    /// kernel regions (`[vdso]`, `[vsyscall]`) are the kernel's own code, not injected.
    pub fn injected(&self) -> bool {
        if !self.executable() {
            return false;
        }
        let name = self.name.as_str();
        name.is_empty()
            || name.starts_with("[anon:")
            || name.ends_with(" (deleted)")
            || name.starts_with("/memfd:")
            || name.starts_with("memfd:")
    }
}

/// Parses one maps line: `start-end perms offset dev inode [pathname]`. The pathname is
/// everything after the inode column's padding (it may hold spaces).
pub(crate) fn parse_line(line: &str) -> Option<Region> {
    let mut rest = line;
    let mut column = || {
        rest = rest.trim_start_matches(' ');
        let end = rest.find(' ').unwrap_or(rest.len());
        let (word, tail) = rest.split_at(end);
        rest = tail;
        word
    };
    let range = column();
    let perms = column();
    let _offset = column();
    let dev = column().to_owned();
    let inode = column().parse().ok()?;
    let (start, end) = range.split_once('-')?;
    let start = u64::from_str_radix(start, 16).ok()?;
    let end = u64::from_str_radix(end, 16).ok()?;
    if perms.len() != 4 {
        return None;
    }
    let name = rest.trim_start_matches(' ').to_owned();
    Some(Region { start, end, dev, perms: perms.to_owned(), name, inode })
}

/// Maps bytes as text: paths are bytes, escaped losslessly as FileItem's paths are
/// ([`crate::path_text`]); escaping keeps spaces, `/` and `-`, so the columns still parse.
pub(crate) fn text_of(bytes: &[u8]) -> String {
    use std::os::unix::ffi::OsStrExt;
    let lines: Vec<_> = bytes
        .split(|&b| b == b'\n')
        .map(|line| crate::path_text::escape(std::ffi::OsStr::from_bytes(line)))
        .collect();
    lines.join("\n")
}

/// The regions of maps text, at most `cap` (the rest is dropped; the second value says so).
pub(crate) fn parse(text: &str, cap: usize) -> (Vec<Region>, bool) {
    let mut regions = Vec::new();
    for line in text.lines() {
        if regions.len() == cap {
            return (regions, true);
        }
        regions.extend(parse_line(line));
    }
    (regions, false)
}

/// The distinct paths of files mapped executable, in first-mapped order.
pub(crate) fn executable_files(regions: &[Region]) -> Vec<&str> {
    let mut seen = std::collections::HashSet::new();
    regions
        .iter()
        .filter(|r| r.executable())
        .filter_map(Region::file_path)
        .filter(|p| seen.insert(*p))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const MAPS: &str = "\
55d0c0a00000-55d0c0a02000 r--p 00000000 08:01 1311 /usr/bin/sleep
55d0c0a02000-55d0c0a06000 r-xp 00002000 08:01 1311 /usr/bin/sleep
7f1e2c000000-7f1e2c021000 rw-p 00000000 00:00 0 \n\
7f1e2c400000-7f1e2c428000 r--p 00000000 08:01 2048                       /usr/lib/x86_64-linux-gnu/libc.so.6
7f1e2c428000-7f1e2c5bd000 r-xp 00028000 08:01 2048                       /usr/lib/x86_64-linux-gnu/libc.so.6
7f1e2c600000-7f1e2c601000 r-xp 00000000 00:00 0 
7f1e2c700000-7f1e2c701000 r-xp 00000000 00:01 77                         /memfd:payload (deleted)
7f1e2c800000-7f1e2c801000 r-xp 00000000 08:01 99                         /tmp/my lib.so (deleted)
7ffd1a3e0000-7ffd1a401000 rw-p 00000000 00:00 0                          [stack]
7ffd1a5f0000-7ffd1a5f2000 r-xp 00000000 00:00 0                          [vdso]
7ffd1a600000-7ffd1a601000 r-xp 00000000 00:00 0                          [anon:jit]
ffffffffff600000-ffffffffff601000 --xp 00000000 00:00 0                  [vsyscall]
garbage line
";

    #[test]
    fn lines_parse_with_spaces_and_marks() {
        let (regions, truncated) = parse(MAPS, 100);
        assert!(!truncated);
        assert_eq!(regions.len(), 12, "the garbage line is skipped");
        assert_eq!(regions[1].start, 0x55d0c0a02000);
        assert_eq!(regions[1].perms, "r-xp");
        assert_eq!(regions[2].name, "");
        assert_eq!(regions[7].name, "/tmp/my lib.so (deleted)");
        assert_eq!(regions[7].file_path(), Some("/tmp/my lib.so"));
        assert_eq!(regions[11].start, 0xffffffffff600000);
        let injected: Vec<bool> = regions.iter().map(Region::injected).collect();
        assert_eq!(
            injected,
            [false, false, false, false, false, true, true, true, false, false, true, false]
        );
        assert!(regions[0].file_backed() && !regions[8].file_backed());
    }

    #[test]
    fn executable_files_are_distinct() {
        let (regions, _) = parse(MAPS, 100);
        assert_eq!(
            executable_files(&regions),
            [
                "/usr/bin/sleep",
                "/usr/lib/x86_64-linux-gnu/libc.so.6",
                "/memfd:payload",
                "/tmp/my lib.so"
            ]
        );
    }

    #[test]
    fn non_utf8_paths_are_escaped() {
        let text = text_of(b"1000-2000 r-xp 0 08:01 5 /tmp/lib\xff.so\n");
        let (regions, _) = parse(&text, 10);
        assert_eq!(regions[0].name, "/tmp/lib\\xff.so");
        assert_eq!(regions[0].file_path(), Some("/tmp/lib\\xff.so"));
    }

    #[test]
    fn the_cap_truncates() {
        let (regions, truncated) = parse(MAPS, 3);
        assert_eq!((regions.len(), truncated), (3, true));
        assert_eq!(parse_line("1-2 rwxp 0 0:0"), None, "no inode column");
        assert_eq!(parse_line("zz-2 rwxp 0 0:0 0"), None);
    }
}
