//! The strings of some bytes (a file's content, a process's memory), as `StringList/string`
//! terms see them, found in one Aho-Corasick pass.
//!
//! **Definition.** The strings of a byte sequence are its maximal runs of at least
//! [`MIN_STRING_CHARS`] printable ASCII characters (0x20-0x7E), read as ASCII, and its maximal
//! runs of at least as many UTF-16LE code units in the same range (`h\0e\0l\0l\0o\0`), decoded.
//! This is what Redline's and Volatility's string extraction give (terms-beyond §3.3): `strings`
//! without tabs or newlines, plus wide strings. A NUL-terminated C string `"cmd.exe /c"` is one
//! string; `"abc"` is none (too short); `line one\nline two` are two.
//!
//! **Only the strings that can matter are produced.** A condition `is`, `contains`,
//! `starts-with` or `ends-with` X can only hold on a string that contains X, so the probe
//! searches every such X of the ruleset at once (ASCII and UTF-16LE forms, ASCII case folded)
//! and keeps the strings around the hits; the evaluator then tests its conditions on those as on
//! any list. A string without a hit is one no condition can hold on, and a negated condition
//! (`not contains X`) is true on it: leaving it out changes no outcome. A `matches` condition
//! has no literal to search for: when the ruleset has one, every string is produced (up to
//! [`MAX_STRINGS_PER_ITEM`]; past that the term is not evaluated).

use crate::limits::{MAX_STRINGS_PER_ITEM, MAX_STRING_BYTES};
use aho_corasick::{AhoCorasick, AhoCorasickBuilder, Input, MatchKind};
use std::collections::BTreeSet;

/// The shortest run that is a string, in characters.
pub const MIN_STRING_CHARS: usize = 4;

/// The strings a ruleset's `StringList` conditions can hold on, for one kind of content.
#[derive(Debug)]
pub(crate) struct StringProbe {
    /// The literal patterns as written (for equality of probes).
    patterns: Vec<String>,
    /// Finds them: pattern `2i` is the ASCII form of `patterns[i]`, `2i + 1` its UTF-16LE form.
    finder: Option<AhoCorasick>,
    /// A `matches` condition exists: every string is a candidate.
    every: bool,
}

/// The strings found in some content.
#[derive(Debug, Default)]
pub(crate) struct Strings {
    found: BTreeSet<String>,
    /// More than [`MAX_STRINGS_PER_ITEM`] strings: the list is incomplete.
    pub(crate) overflow: bool,
}

impl Strings {
    fn add(&mut self, text: String) {
        if self.found.len() >= MAX_STRINGS_PER_ITEM && !self.found.contains(&text) {
            self.overflow = true;
            return;
        }
        self.found.insert(text);
    }

    /// The strings, sorted (deterministic output whatever the read order).
    pub(crate) fn into_sorted(self) -> Vec<String> {
        self.found.into_iter().collect()
    }
}

impl PartialEq for StringProbe {
    fn eq(&self, other: &Self) -> bool {
        self.patterns == other.patterns && self.every == other.every
    }
}

fn printable(b: u8) -> bool {
    (0x20..=0x7e).contains(&b)
}

impl StringProbe {
    /// A probe for these literal patterns (`every`: some condition is a regex). `None` when
    /// there is nothing to look for.
    pub(crate) fn new(patterns: impl IntoIterator<Item = String>, every: bool) -> Option<Self> {
        // A pattern with a character outside the printable range is in no string: skip it.
        let mut patterns: Vec<String> =
            patterns.into_iter().filter(|p| !p.is_empty() && p.bytes().all(printable)).collect();
        patterns.sort_unstable();
        patterns.dedup();
        if patterns.is_empty() && !every {
            return None;
        }
        let forms = patterns.iter().flat_map(|p| {
            let wide: Vec<u8> = p.bytes().flat_map(|b| [b, 0]).collect();
            [p.as_bytes().to_vec(), wide]
        });
        let finder = (!patterns.is_empty())
            .then(|| {
                AhoCorasickBuilder::new()
                    .ascii_case_insensitive(true)
                    .match_kind(MatchKind::LeftmostLongest)
                    .build(forms)
                    .ok()
            })
            .flatten();
        Some(StringProbe { patterns, finder, every })
    }

    /// Adds the candidate strings of `bytes` to `out`.
    pub(crate) fn scan(&self, bytes: &[u8], out: &mut Strings) {
        self.scan_window(bytes, Cuts::default(), out);
    }

    /// [`Self::scan`] over a window of larger content: a string touching a side that is `cut`
    /// may go on beyond it and is left to the overlapping neighbour window.
    pub(crate) fn scan_window(&self, bytes: &[u8], cut: Cuts, out: &mut Strings) {
        let whole = |start: usize, end: usize| {
            !((cut.left && start == 0) || (cut.right && end == bytes.len()))
        };
        if self.every {
            every_string(bytes, &mut |s, e, wide| {
                if whole(s, e) {
                    out.add(text(&bytes[s..e], wide));
                }
            });
            return;
        }
        let Some(finder) = &self.finder else { return };
        let mut at = 0;
        while at < bytes.len() {
            let Some(hit) = finder.find(Input::new(bytes).span(at..bytes.len())) else { break };
            let wide = hit.pattern().as_usize() % 2 == 1;
            let (start, end) = if wide {
                wide_run(bytes, hit.start(), hit.end())
            } else {
                ascii_run(bytes, hit.start(), hit.end())
            };
            let chars = if wide { (end - start) / 2 } else { end - start };
            if chars >= MIN_STRING_CHARS && whole(start, end) {
                out.add(text(&bytes[start..end], wide));
            }
            // The run is one string: nothing else starts inside it.
            at = end.max(hit.start() + 1);
        }
    }
}

/// The maximal ASCII run around `[start, end)`.
fn ascii_run(bytes: &[u8], mut start: usize, mut end: usize) -> (usize, usize) {
    while start > 0 && printable(bytes[start - 1]) {
        start -= 1;
    }
    while end < bytes.len() && printable(bytes[end]) {
        end += 1;
    }
    (start, end)
}

/// The maximal UTF-16LE run around `[start, end)` (which starts on a character).
fn wide_run(bytes: &[u8], mut start: usize, mut end: usize) -> (usize, usize) {
    while start >= 2 && printable(bytes[start - 2]) && bytes[start - 1] == 0 {
        start -= 2;
    }
    while end + 1 < bytes.len() && printable(bytes[end]) && bytes[end + 1] == 0 {
        end += 2;
    }
    (start, end)
}

/// A run as text, at most [`MAX_STRING_BYTES`] of it.
fn text(run: &[u8], wide: bool) -> String {
    let chars: Vec<u8> = if wide { run.iter().step_by(2).copied().collect() } else { run.to_vec() };
    let kept = &chars[..chars.len().min(MAX_STRING_BYTES)];
    // Printable ASCII only: always valid UTF-8.
    String::from_utf8_lossy(kept).into_owned()
}

/// Which sides of a window are cut out of larger content.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct Cuts {
    /// Content goes on before the window.
    pub(crate) left: bool,
    /// Content goes on after the window.
    pub(crate) right: bool,
}

/// Every string of `bytes` as `(start, end, wide)`: ASCII runs, then UTF-16LE runs at both
/// alignments.
fn every_string(bytes: &[u8], out: &mut impl FnMut(usize, usize, bool)) {
    let mut start = None;
    for (i, &b) in bytes.iter().chain(std::iter::once(&0)).enumerate() {
        match (printable(b), start) {
            (true, None) => start = Some(i),
            (false, Some(s)) => {
                if i - s >= MIN_STRING_CHARS {
                    out(s, i, false);
                }
                start = None;
            }
            _ => {}
        }
    }
    for align in 0..2 {
        let mut start = None;
        let mut i = align;
        while i <= bytes.len() {
            let is_char = i + 1 < bytes.len() && printable(bytes[i]) && bytes[i + 1] == 0;
            match (is_char, start) {
                (true, None) => start = Some(i),
                (false, Some(s)) => {
                    if (i - s) / 2 >= MIN_STRING_CHARS {
                        out(s, i, true);
                    }
                    start = None;
                }
                _ => {}
            }
            i += 2;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn found(probe: &StringProbe, bytes: &[u8]) -> Vec<String> {
        let mut out = Strings::default();
        probe.scan(bytes, &mut out);
        out.into_sorted()
    }

    fn probe(patterns: &[&str]) -> StringProbe {
        StringProbe::new(patterns.iter().map(|p| p.to_string()), false).expect("probe")
    }

    #[test]
    fn ascii_and_wide_strings_around_hits() {
        let mut bytes = b"\x00\x01cmd.exe /c whoami\x00zz\x01".to_vec();
        bytes.extend("MShell.pdb".bytes().flat_map(|b| [b, 0]));
        bytes.extend_from_slice(b"\x00\x00\xffabc\x00");
        let p = probe(&["WHOAMI", "shell", "abc"]);
        // `abc` is a 3-character run: no string.
        assert_eq!(found(&p, &bytes), ["MShell.pdb", "cmd.exe /c whoami"]);
    }

    #[test]
    fn a_hit_splits_nothing_and_strings_are_maximal() {
        let p = probe(&["two"]);
        assert_eq!(found(&p, b"line one\nline two\n"), ["line two"]);
        assert!(found(&p, b"no hit here").is_empty());
    }

    #[test]
    fn every_string_when_a_regex_needs_them() {
        let p = StringProbe::new(Vec::new(), true).expect("probe");
        let mut bytes = b"abcd\x00ab\x00efghij".to_vec();
        bytes.push(0x90);
        bytes.extend("wide".bytes().flat_map(|b| [b, 0]));
        assert_eq!(found(&p, &bytes), ["abcd", "efghij", "wide"]);
    }

    #[test]
    fn strings_at_a_cut_are_left_to_the_neighbour_window() {
        let p = probe(&["evil"]);
        let mut out = Strings::default();
        p.scan_window(b"evil.dll\x00", Cuts { left: true, right: false }, &mut out);
        p.scan_window(b"\x00evil.exe", Cuts { left: false, right: true }, &mut out);
        p.scan_window(b"\x00evil.sys\x00", Cuts { left: true, right: true }, &mut out);
        assert_eq!(out.into_sorted(), ["evil.sys"]);
    }

    #[test]
    fn unprintable_patterns_and_nothing_to_find() {
        assert!(StringProbe::new(vec!["é".to_string()], false).is_none());
        assert!(StringProbe::new(Vec::new(), false).is_none());
    }
}
