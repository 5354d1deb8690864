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
use aho_corasick::{AhoCorasick, AhoCorasickBuilder, AhoCorasickKind};
use std::collections::BTreeSet;

/// The shortest run that is a string, in characters.
pub const MIN_STRING_CHARS: usize = 4;

/// The strings a ruleset's `StringList` conditions can hold on, for one kind of content.
#[derive(Debug)]
pub(crate) struct StringProbe {
    /// The literal patterns as written (for equality of probes).
    patterns: Vec<String>,
    /// Finds them in one string (ASCII case folded).
    finder: Option<AhoCorasick>,
    /// The shortest string that can hold a pattern (at least [`MIN_STRING_CHARS`]).
    shortest: usize,
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

/// Printable ASCII, 0x20-0x7E, as a table (the run scan's inner loop).
static PRINTABLE: [bool; 256] = {
    let mut table = [false; 256];
    let mut b = 0x20;
    while b <= 0x7e {
        table[b] = true;
        b += 1;
    }
    table
};

fn printable(b: u8) -> bool {
    PRINTABLE[b as usize]
}

/// Which sides of a window are cut out of larger content.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct Cuts {
    /// Content goes on before the window.
    pub(crate) left: bool,
    /// Content goes on after the window.
    pub(crate) right: bool,
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
        let shortest = patterns.iter().map(String::len).min().unwrap_or(0).max(MIN_STRING_CHARS);
        let finder = (!patterns.is_empty())
            .then(|| {
                AhoCorasickBuilder::new()
                    .ascii_case_insensitive(true)
                    // Strings are short and many: a DFA answers each in one pass.
                    .kind(Some(AhoCorasickKind::DFA))
                    .build(&patterns)
                    .ok()
            })
            .flatten();
        Some(StringProbe { patterns, finder, shortest, every })
    }

    /// Adds the candidate strings of `bytes` to `out`.
    pub(crate) fn scan(&self, bytes: &[u8], out: &mut Strings) {
        self.scan_window(bytes, Cuts::default(), out);
    }

    /// [`Self::scan`] over a window of larger content: a string touching a side that is `cut`
    /// may go on beyond it and is left to the overlapping neighbour window.
    pub(crate) fn scan_window(&self, bytes: &[u8], cut: Cuts, out: &mut Strings) {
        let shortest = if self.every { MIN_STRING_CHARS } else { self.shortest };
        let mut wide_text = Vec::new();
        runs(bytes, shortest, &mut |start, end, wide| {
            if (cut.left && start == 0) || (cut.right && end == bytes.len()) {
                return;
            }
            let run = &bytes[start..end];
            let chars: &[u8] = if wide {
                wide_text.clear();
                wide_text.extend(run.iter().step_by(2));
                &wide_text
            } else {
                run
            };
            let hit = self.every || self.finder.as_ref().is_some_and(|f| f.is_match(chars));
            if hit {
                let kept = &chars[..chars.len().min(MAX_STRING_BYTES)];
                // Printable ASCII only: always valid UTF-8.
                out.add(String::from_utf8_lossy(kept).into_owned());
            }
        });
    }
}

/// Calls `found(start, end, wide)` for every maximal run of `bytes` of at least `shortest`
/// characters: ASCII runs, and UTF-16LE runs (printable, 0x00 pairs) at either alignment.
///
/// Two stages: a block pass marks the 64-byte blocks where a run that long can be (a mask of
/// printable bytes per block, built branch-free so that it vectorises), then the exact scans
/// below look only at those regions. Code and compressed data have few long printable runs, so
/// most content is passed over at the speed of the block pass.
fn runs(bytes: &[u8], shortest: usize, found: &mut impl FnMut(usize, usize, bool)) {
    let len = shortest.max(1);
    let (ascii, wide) = candidate_regions(bytes, len);
    for (start, end) in ascii {
        ascii_runs(&bytes[start..end], len, &mut |s, e, w| found(start + s, start + e, w));
    }
    for (start, end) in wide {
        wide_runs(&bytes[start..end], len, &mut |s, e, w| found(start + s, start + e, w));
    }
}

/// Printable and zero bytes of one 64-byte block, as bit masks (bit `k` is byte `k`),
/// eight bytes at a time in one `u64` (SWAR: no branch, no unsafe SIMD).
#[inline]
fn block_masks(block: &[u8]) -> (u64, u64) {
    const HIGH: u64 = 0x8080_8080_8080_8080;
    const LOW7: u64 = 0x7f7f_7f7f_7f7f_7f7f;
    let (mut printable, mut zero) = (0u64, 0u64);
    for (k, word) in block.chunks_exact(8).enumerate() {
        let w = u64::from_le_bytes([
            word[0], word[1], word[2], word[3], word[4], word[5], word[6], word[7],
        ]);
        // Per byte, on its low seven bits (no carry crosses a byte): >= 0x20, <= 0x7e, != 0.
        let t = w & LOW7;
        let at_least_20 = t.wrapping_add(0x6060_6060_6060_6060);
        let above_7e = t.wrapping_add(0x0101_0101_0101_0101);
        let p = at_least_20 & !above_7e & !w & HIGH;
        let z = !(t.wrapping_add(LOW7) | w) & HIGH;
        printable |= gather(p) << (8 * k);
        zero |= gather(z) << (8 * k);
    }
    (printable, zero)
}

/// The high bit of each byte of `x` (other bits clear) gathered into the low eight bits,
/// byte `i` to bit `i`.
#[inline]
fn gather(x: u64) -> u64 {
    (x >> 7).wrapping_mul(0x0102_0408_1020_4080) >> 56
}

/// True when `mask` has `len` consecutive set bits.
#[inline]
fn has_run(mask: u64, len: usize) -> bool {
    if len > 64 {
        return false;
    }
    let (mut x, mut have) = (mask, 1);
    while have < len && x != 0 {
        let shift = have.min(len - have);
        x &= x >> shift;
        have += shift;
    }
    x != 0
}

/// The regions that may hold an ASCII run of `len` bytes, and those that may hold a UTF-16LE
/// run of `len` characters (`2 * len` bytes, each printable or 0x00). Each region is widened
/// to bytes that cannot belong to such a run, so that every run lies wholly in one region.
fn candidate_regions(bytes: &[u8], len: usize) -> (Vec<Span>, Vec<Span>) {
    let mut ascii = Regions::new(printable);
    let mut wide = Regions::new(|b| b == 0 || printable(b));
    let blocks = bytes.chunks_exact(64);
    let rest = blocks.remainder().len();
    for (n, block) in blocks.enumerate() {
        let (p, z) = block_masks(block);
        ascii.block(bytes, n * 64, p, len);
        wide.block(bytes, n * 64, p | z, 2 * len);
    }
    if rest > 0 {
        let at = bytes.len() - rest;
        ascii.mark(bytes, at, bytes.len());
        wide.mark(bytes, at, bytes.len());
    }
    (ascii.regions, wide.regions)
}

/// A byte range `[start, end)`.
type Span = (usize, usize);

/// Regions being gathered for one kind of run.
struct Regions<F: Fn(u8) -> bool> {
    /// A byte that may belong to a run.
    good: F,
    /// Set bits at the top of the blocks so far (a run crossing into the next block).
    tail: usize,
    regions: Vec<Span>,
}

impl<F: Fn(u8) -> bool> Regions<F> {
    fn new(good: F) -> Self {
        Regions { good, tail: 0, regions: Vec::new() }
    }

    /// One block at `at` with its mask of good bytes: marked when a run of `span` can be in it
    /// or cross into it.
    fn block(&mut self, bytes: &[u8], at: usize, mask: u64, span: usize) {
        let crossing = self.tail + mask.trailing_ones() as usize >= span;
        if crossing || has_run(mask, span) {
            self.mark(bytes, at, at + 64);
        }
        self.tail = if mask == u64::MAX { self.tail + 64 } else { mask.leading_ones() as usize };
    }

    /// Adds `[start, end)` widened to bad bytes (merged with the previous region if they meet).
    fn mark(&mut self, bytes: &[u8], mut start: usize, mut end: usize) {
        if let Some(last) = self.regions.last_mut() {
            if last.1 >= start {
                if end > last.1 {
                    while end < bytes.len() && (self.good)(bytes[end]) {
                        end += 1;
                    }
                    last.1 = end;
                }
                return;
            }
        }
        let floor = self.regions.last().map_or(0, |r| r.1);
        while start > floor && (self.good)(bytes[start - 1]) {
            start -= 1;
        }
        while end < bytes.len() && (self.good)(bytes[end]) {
            end += 1;
        }
        self.regions.push((start, end));
    }
}

/// Maximal printable runs of at least `len` bytes.
///
/// A run that long covers every `len`-th position, so the scan probes one byte per `len`: a
/// non-printable probe rules out every run through it, and only a printable one is looked at
/// around. Code and compressed data are mostly skipped at that stride; branching per byte
/// instead would mispredict on every byte of such content.
fn ascii_runs(bytes: &[u8], len: usize, found: &mut impl FnMut(usize, usize, bool)) {
    // Invariant: `i == 0` or `bytes[i - 1]` is not printable, so a run can start at `i`.
    let mut i = 0;
    while i + len <= bytes.len() {
        let probe = i + len - 1;
        if !printable(bytes[probe]) {
            i = probe + 1;
            continue;
        }
        let mut start = probe;
        while start > i && printable(bytes[start - 1]) {
            start -= 1;
        }
        let mut end = probe + 1;
        while end < bytes.len() && printable(bytes[end]) {
            end += 1;
        }
        if end - start >= len {
            found(start, end, false);
        }
        i = end + 1;
    }
}

/// Maximal UTF-16LE runs of at least `len` characters (`2 * len` bytes), probed the same way:
/// a byte that is neither printable nor 0x00 is in no such run.
fn wide_runs(bytes: &[u8], len: usize, found: &mut impl FnMut(usize, usize, bool)) {
    let pair = |at: usize| at + 1 < bytes.len() && printable(bytes[at]) && bytes[at + 1] == 0;
    let span = 2 * len;
    let mut i = 0;
    while i + span <= bytes.len() {
        let probe = i + span - 1;
        let b = bytes[probe];
        // The pair through the probe: the probe is its character or its 0x00.
        let at = if printable(b) && pair(probe) {
            probe
        } else if b == 0 && probe > 0 && pair(probe - 1) {
            probe - 1
        } else {
            i = probe + 1;
            continue;
        };
        let mut start = at;
        while start >= i + 2 && pair(start - 2) {
            start -= 2;
        }
        let mut end = at + 2;
        while pair(end) {
            end += 2;
        }
        if end - start >= span {
            found(start, end, true);
        }
        // The next run starts past this one (runs at the other alignment cannot overlap it
        // by more than a byte, and both of its bytes belong to this run).
        i = end;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::Just;

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
    fn block_masks_agree_with_bytes() {
        let block: Vec<u8> =
            (0..64u8).map(|i| i.wrapping_mul(37).wrapping_add(i / 3)).chain([]).collect();
        for shift in 0..=255u8 {
            let block: Vec<u8> = block.iter().map(|b| b.wrapping_add(shift)).collect();
            let (p, z) = block_masks(&block);
            for (k, &b) in block.iter().enumerate() {
                assert_eq!(p >> k & 1 == 1, printable(b), "byte {b:#x}");
                assert_eq!(z >> k & 1 == 1, b == 0, "byte {b:#x}");
            }
        }
    }

    /// Every run by the simplest definition, to check the skipping scans against.
    fn naive(bytes: &[u8], len: usize) -> Vec<(usize, usize, bool)> {
        let mut out = Vec::new();
        let mut s = 0;
        for i in 0..=bytes.len() {
            if i == bytes.len() || !printable(bytes[i]) {
                if i - s >= len {
                    out.push((s, i, false));
                }
                s = i + 1;
            }
        }
        for align in 0..2 {
            let mut s = align;
            let mut i = align;
            while i <= bytes.len() {
                let is_pair = i + 1 < bytes.len() && printable(bytes[i]) && bytes[i + 1] == 0;
                if !is_pair {
                    if (i - s) / 2 >= len {
                        out.push((s, i, true));
                    }
                    s = i + 2;
                }
                i += 2;
            }
        }
        out.sort_unstable();
        out
    }

    proptest::proptest! {
        #[test]
        fn skipping_scans_find_every_run(
            bytes in proptest::collection::vec(
                proptest::prop_oneof![Just(0u8), 0x20u8..0x7f, Just(0xffu8), Just(b'a')], 0..600),
            len in 1usize..80,
        ) {
            let mut got = Vec::new();
            runs(&bytes, len, &mut |s, e, w| got.push((s, e, w)));
            got.sort_unstable();
            proptest::prop_assert_eq!(got, naive(&bytes, len));
        }
    }

    #[test]
    fn unprintable_patterns_and_nothing_to_find() {
        assert!(StringProbe::new(vec!["é".to_string()], false).is_none());
        assert!(StringProbe::new(Vec::new(), false).is_none());
    }
}
