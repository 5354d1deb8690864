//! `Yara/TextString`, `Yara/HexString` and `Yara/RegexString`: Mandiant's OpenIOC-to-YARA
//! convention (ioc_writer's `openioc_to_yara`), evaluated natively over a file's bytes.
//!
//! Each such IndicatorItem is one YARA string about the scanned file, and its `yara/*` params
//! are the string's modifiers and condition, as the converter writes them:
//!
//! | written | YARA | here |
//! | --- | --- | --- |
//! | `Yara/TextString contains foo` | `$a = "foo"` | the bytes `foo` occur |
//! | `preserve-case="false"` | `nocase` | ASCII case folded |
//! | params `yara/ascii`, `yara/wide` | `ascii`, `wide` | the ASCII and/or UTF-16LE form (ASCII alone by default) |
//! | param `yara/fullword` | `fullword` | delimited by non-alphanumeric bytes or the file's ends |
//! | `Yara/HexString is E2 34 ?? [2-4] (A1 \| B2)` | `$a = { ... }` | translated to a byte regex |
//! | `Yara/RegexString is ab+c` | `$a = /ab+c/` | a byte regex |
//! | param `yara/count` N with `greater-than` / `less-than` / `is` | `#a > N`, `#a < N`, `#a == N` | non-overlapping matches counted |
//! | param `yara/offset/at` N | `$a at N` | a match starts at N |
//! | param `yara/offset/in` `(a..b)` | `$a in (a..b)` | a match starts in `[a, b]` (`filesize`, `entrypoint + N` allowed) |
//!
//! The string's compiled form is its [`YaraString`]; the leaf's value on a file is the list
//! of the keys ([`YaraString::key`]) of the strings found in it, computed by
//! [`crate::collect::content`] in the one read of the file. Offsets may be `entrypoint` (the
//! file offset of a PE's entry point; on another file the string does not hold, as in YARA)
//! or `filesize`, plus or minus a number. `yara/set` N on an Indicator is the compiler's N-of
//! operator ([`crate::logic`]). `Yara/Yara` (a whole rule) needs the yara-x engine
//! (`yara_rule`, feature `yara`); `Yara/RuleName` inlines the IOC it names (`rule_name`).

use crate::limits::{MAX_REGEX_COMPILED_BYTES, MAX_REGEX_NESTING, MAX_REGEX_PATTERN_BYTES};
use crate::model::Param;
use crate::terms::Field;
use regex::bytes::{Regex, RegexBuilder};
use std::fmt::Write as _;

use super::cond::Cond;

/// One YARA string of an IOC, compiled.
#[derive(Debug)]
pub(crate) struct YaraString {
    /// The term it answers (`Yara/TextString`, ...).
    pub(crate) field: Field,
    /// Its identity among the ruleset's strings: kind, modifiers and content as written. A
    /// file's value for the term lists the keys of the strings found in it.
    pub(crate) key: String,
    regex: Regex,
    fullword: bool,
    count: Option<(Cond, u64)>,
    at: Option<Offset>,
    within: Option<(Offset, Offset)>,
}

/// A YARA offset expression of the converter's params: `N`, `entrypoint`, `filesize`, each
/// plus or minus a number (`entrypoint + 10`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Offset {
    base: Base,
    delta: i64,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Base {
    Zero,
    /// The file offset of the PE entry point; undefined (the string does not hold) on a
    /// file that is not a PE, as in YARA.
    EntryPoint,
    FileSize,
}

impl Offset {
    /// The byte offset on a file of `size` bytes with entry point `entry` (`None`: undefined).
    fn resolve(self, size: u64, entry: &mut dyn FnMut() -> Option<u64>) -> Option<u64> {
        let base = match self.base {
            Base::Zero => 0,
            Base::FileSize => size,
            Base::EntryPoint => entry()?,
        };
        base.checked_add_signed(self.delta)
    }
}

impl std::fmt::Display for Offset {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match (self.base, self.delta) {
            (Base::Zero, d) => write!(f, "{d}"),
            (b, 0) => f.write_str(if b == Base::FileSize { "filesize" } else { "entrypoint" }),
            (b, d) => {
                let name = if b == Base::FileSize { "filesize" } else { "entrypoint" };
                write!(f, "{name}{d:+}")
            }
        }
    }
}

/// Why an item cannot become a YARA string.
pub(crate) struct YaraError(pub(crate) String);

impl YaraString {
    /// Compiles one item: `field`, its condition, `fold` (not `preserve-case`), its Content and
    /// the `yara/*` params that point at it.
    pub(crate) fn build(
        field: Field,
        cond: Cond,
        fold: bool,
        content: &str,
        params: &[&Param],
    ) -> Result<Self, YaraError> {
        let param = |name: &str| params.iter().find(|p| p.name == name).map(|p| p.value.trim());
        let count = match param("yara/count") {
            Some(n) => {
                let n = n
                    .parse()
                    .map_err(|_| YaraError(format!("yara/count `{n}` is not a number")))?;
                Some((cond, n))
            }
            None if matches!(cond, Cond::Is | Cond::Contains) => None,
            None => {
                return Err(YaraError(format!(
                    "condition `{}` on a YARA string needs a yara/count param",
                    cond.as_str()
                )))
            }
        };
        // `is` and `contains` with a count are the converter's `#a == N`.
        if count.is_some()
            && !matches!(cond, Cond::Is | Cond::Contains | Cond::GreaterThan | Cond::LessThan)
        {
            return Err(YaraError(format!(
                "condition `{}` does not compare a count",
                cond.as_str()
            )));
        }
        let at = match param("yara/offset/at") {
            Some(n) => Some(parse_offset(n)?),
            None => None,
        };
        let within = match param("yara/offset/in") {
            Some(range) => Some(parse_range(range)?),
            None => None,
        };
        let (ascii, wide) = match (param("yara/ascii").is_some(), param("yara/wide").is_some()) {
            (false, false) => (true, false),
            other => other,
        };
        let fullword = param("yara/fullword").is_some();
        let (kind, body) = match field {
            Field::FileYaraTextString => ("text", text_pattern(content, ascii, wide)),
            Field::FileYaraHexString => ("hex", hex_pattern(content)?),
            _ => ("regex", content.to_string()),
        };
        if body.len() > MAX_REGEX_PATTERN_BYTES {
            return Err(YaraError(format!(
                "YARA string of {} bytes is longer than the limit of {MAX_REGEX_PATTERN_BYTES}",
                body.len()
            )));
        }
        let regex = RegexBuilder::new(&body)
            .unicode(false)
            .case_insensitive(fold && kind != "hex")
            .dot_matches_new_line(true)
            .size_limit(MAX_REGEX_COMPILED_BYTES)
            .dfa_size_limit(MAX_REGEX_COMPILED_BYTES)
            .nest_limit(MAX_REGEX_NESTING)
            .build()
            .map_err(|e| {
                YaraError(format!("invalid YARA {kind} string: {}", first_line(&e.to_string())))
            })?;
        let mut key = kind.to_string();
        for (on, name) in [
            (fold && kind != "hex", "nocase"),
            (ascii && wide, "ascii"),
            (wide, "wide"),
            (fullword, "fullword"),
        ] {
            if on {
                let _ = write!(key, " {name}");
            }
        }
        if let Some((cond, n)) = count {
            let _ = write!(key, " count {} {n}", cond.as_str());
        }
        if let Some(n) = at {
            let _ = write!(key, " at {n}");
        }
        if let Some((a, b)) = within {
            let _ = write!(key, " in {a}..{b}");
        }
        let _ = write!(key, ": {content}");
        Ok(YaraString { field, key, regex, fullword, count, at, within })
    }

    /// True when the string's condition holds on a file's `bytes` (without an entry point;
    /// see [`YaraString::holds_with`]).
    #[cfg(test)]
    pub(crate) fn holds(&self, bytes: &[u8]) -> bool {
        self.holds_with(bytes, &mut || None)
    }

    /// True when the string's condition holds on a file's `bytes`, whose PE entry point (as a
    /// file offset) `entry` gives when an offset needs it.
    pub(crate) fn holds_with(&self, bytes: &[u8], entry: &mut dyn FnMut() -> Option<u64>) -> bool {
        let size = bytes.len() as u64;
        // An offset that is undefined on this file (no entry point) places no match.
        let at = match self.at.map(|o| o.resolve(size, entry)) {
            Some(None) => return false,
            other => other.flatten(),
        };
        let within = match self.within {
            Some((a, b)) => match (a.resolve(size, entry), b.resolve(size, entry)) {
                (Some(a), Some(b)) => Some((a, b)),
                _ => return false,
            },
            None => None,
        };
        let placed = |start: usize, end: usize| {
            let s = start as u64;
            let word = |b: Option<&u8>| b.is_some_and(u8::is_ascii_alphanumeric);
            (!self.fullword
                || (!word(start.checked_sub(1).and_then(|i| bytes.get(i)))
                    && !word(bytes.get(end))))
                && at.is_none_or(|at| s == at)
                && within.is_none_or(|(a, b)| s >= a && s <= b)
        };
        let mut found = self.regex.find_iter(bytes).filter(|m| placed(m.start(), m.end()));
        match self.count {
            None => found.next().is_some(),
            Some((cond, n)) => {
                // Counting stops once the answer is known.
                let limit = n.saturating_add(1);
                let seen = found.take(usize::try_from(limit).unwrap_or(usize::MAX)).count() as u64;
                match cond {
                    Cond::GreaterThan => seen > n,
                    Cond::LessThan => seen < n,
                    _ => seen == n,
                }
            }
        }
    }
}

/// A text string's regex: its ASCII and/or UTF-16LE form, escaped.
fn text_pattern(text: &str, ascii: bool, wide: bool) -> String {
    let escape = |bytes: &mut dyn Iterator<Item = u8>| {
        bytes.map(|b| format!("\\x{b:02x}")).collect::<String>()
    };
    let mut forms = Vec::new();
    if ascii {
        forms.push(escape(&mut text.bytes()));
    }
    if wide {
        let units = text.encode_utf16().flat_map(u16::to_le_bytes);
        forms.push(escape(&mut units.into_iter()));
    }
    format!("(?:{})", forms.join("|"))
}

/// A YARA hex string (`4D 5A ?? [2-4] (90 | C3) ?A`) as a byte regex.
fn hex_pattern(hex: &str) -> Result<String, YaraError> {
    let bad = |why: &str| YaraError(format!("invalid YARA hex string `{hex}`: {why}"));
    let mut out = String::new();
    let chars: Vec<char> = hex.chars().filter(|c| !c.is_whitespace()).collect();
    let (mut i, mut depth) = (0, 0usize);
    let nibble = |c: char| c.to_digit(16).map(|d| d as u8);
    while i < chars.len() {
        match chars[i] {
            '(' => {
                depth += 1;
                out.push_str("(?:");
                i += 1;
            }
            ')' if depth > 0 => {
                depth -= 1;
                out.push(')');
                i += 1;
            }
            '|' if depth > 0 => {
                out.push('|');
                i += 1;
            }
            '[' => {
                let end = chars[i..]
                    .iter()
                    .position(|c| *c == ']')
                    .ok_or_else(|| bad("unclosed jump"))?
                    + i;
                let jump: String = chars[i + 1..end].iter().collect();
                let (lo, hi) = match jump.split_once('-') {
                    Some((lo, hi)) => (lo.to_string(), hi.to_string()),
                    None => (jump.clone(), jump.clone()),
                };
                let lo: u32 =
                    if lo.is_empty() { 0 } else { lo.parse().map_err(|_| bad("bad jump"))? };
                if hi.is_empty() {
                    let _ = write!(out, "(?s:.){{{lo},}}");
                } else {
                    let hi: u32 = hi.parse().map_err(|_| bad("bad jump"))?;
                    if hi < lo {
                        return Err(bad("jump range is reversed"));
                    }
                    let _ = write!(out, "(?s:.){{{lo},{hi}}}");
                }
                i = end + 1;
            }
            hi_c => {
                let lo_c = *chars.get(i + 1).ok_or_else(|| bad("odd number of hex digits"))?;
                match (hi_c, lo_c) {
                    ('?', '?') => out.push_str("(?s:.)"),
                    ('?', l) => {
                        let l = nibble(l).ok_or_else(|| bad("not a hex digit"))?;
                        out.push('[');
                        for h in 0..16u8 {
                            let _ = write!(out, "\\x{:02x}", h << 4 | l);
                        }
                        out.push(']');
                    }
                    (h, '?') => {
                        let h = nibble(h).ok_or_else(|| bad("not a hex digit"))?;
                        let _ = write!(out, "[\\x{:02x}-\\x{:02x}]", h << 4, h << 4 | 0xf);
                    }
                    (h, l) => {
                        let byte =
                            nibble(h).zip(nibble(l)).ok_or_else(|| bad("not a hex digit"))?;
                        let _ = write!(out, "\\x{:02x}", byte.0 << 4 | byte.1);
                    }
                }
                i += 2;
            }
        }
    }
    if depth != 0 {
        return Err(bad("unclosed alternative"));
    }
    if out.is_empty() {
        return Err(bad("empty"));
    }
    Ok(out)
}

/// `yara/offset/at`: an offset expression ([`Offset`]).
fn parse_offset(text: &str) -> Result<Offset, YaraError> {
    offset(text).ok_or_else(|| {
        YaraError(format!(
            "yara/offset/at `{text}` is not an offset (a number, entrypoint or filesize, \
             plus or minus a number)"
        ))
    })
}

/// `yara/offset/in`: `(a..b)` of offset expressions.
fn parse_range(text: &str) -> Result<(Offset, Offset), YaraError> {
    let bad = || YaraError(format!("yara/offset/in `{text}` is not a range `(a..b)`"));
    let inner = text.trim().strip_prefix('(').and_then(|t| t.strip_suffix(')')).ok_or_else(bad)?;
    let (a, b) = inner.split_once("..").ok_or_else(bad)?;
    Ok((offset(a).ok_or_else(bad)?, offset(b).ok_or_else(bad)?))
}

/// `N`, `entrypoint`, `filesize`, optionally `+ N` or `- N`.
fn offset(text: &str) -> Option<Offset> {
    let text = text.trim();
    let (head, delta) = match text.find(['+', '-']) {
        Some(i) => {
            let n = i64::try_from(number(text[i + 1..].trim())?).ok()?;
            (text[..i].trim(), if text.as_bytes()[i] == b'-' { -n } else { n })
        }
        None => (text, 0),
    };
    let base = match head {
        "entrypoint" => Base::EntryPoint,
        "filesize" => Base::FileSize,
        n => {
            return Some(Offset {
                base: Base::Zero,
                delta: i64::try_from(number(n)?).ok()?.checked_add(delta)?,
            })
        }
    };
    Some(Offset { base, delta })
}

fn number(text: &str) -> Option<u64> {
    match text.strip_prefix("0x").or_else(|| text.strip_prefix("0X")) {
        Some(hex) => u64::from_str_radix(hex, 16).ok(),
        None => text.parse().ok(),
    }
}

/// `Yara/FileSize` Content: a number of bytes, `KB` or `MB` (YARA's 1024 multiples).
pub(crate) fn parse_file_size(text: &str) -> Option<i64> {
    let t = text.trim();
    let (digits, unit) = match t.len().checked_sub(2).map(|i| t.split_at(i)) {
        Some((d, u)) if u.eq_ignore_ascii_case("KB") => (d, 1024),
        Some((d, u)) if u.eq_ignore_ascii_case("MB") => (d, 1024 * 1024),
        _ => (t, 1),
    };
    i64::try_from(number(digits.trim())?).ok()?.checked_mul(unit)
}

fn first_line(text: &str) -> &str {
    text.lines().rev().find(|l| !l.trim().is_empty()).unwrap_or(text).trim()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn param(name: &str, value: &str) -> Param {
        Param { name: name.into(), value: value.into(), ..Param::default() }
    }

    fn yara(field: Field, cond: Cond, fold: bool, content: &str, params: &[Param]) -> YaraString {
        let refs: Vec<&Param> = params.iter().collect();
        YaraString::build(field, cond, fold, content, &refs).unwrap_or_else(|e| panic!("{}", e.0))
    }

    #[test]
    fn text_strings_with_modifiers() {
        let plain = yara(Field::FileYaraTextString, Cond::Contains, false, "foo1", &[]);
        assert!(plain.holds(b"xxfoo1yy") && !plain.holds(b"FOO1"));
        let nocase = yara(Field::FileYaraTextString, Cond::Contains, true, "foo1", &[]);
        assert!(nocase.holds(b"..FoO1.."));
        let wide =
            yara(Field::FileYaraTextString, Cond::Contains, false, "ab", &[param("yara/wide", "")]);
        assert!(wide.holds(b"\x00a\x00b\x00") && !wide.holds(b"ab"));
        let both = [param("yara/wide", ""), param("yara/ascii", "")];
        let both = yara(Field::FileYaraTextString, Cond::Contains, false, "ab", &both);
        assert!(both.holds(b"ab") && both.holds(b"a\x00b\x00"));
        let word = yara(
            Field::FileYaraTextString,
            Cond::Contains,
            false,
            "cmd",
            &[param("yara/fullword", "")],
        );
        assert!(word.holds(b"run cmd.exe") && !word.holds(b"xcmd") && word.holds(b"cmd"));
        assert_eq!(word.key, "text fullword: cmd");
    }

    #[test]
    fn hex_strings_translate_to_byte_regexes() {
        let hex = |s: &str| yara(Field::FileYaraHexString, Cond::Contains, true, s, &[]);
        assert!(hex("E2 34 A1 C8").holds(b"\x00\xe2\x34\xa1\xc8"));
        assert!(hex("F2 23 ( 62 B4 | 56 ) 45").holds(b"\xf2\x23\x56\x45"));
        assert!(hex("9C ?? 66 [1-2] 0F").holds(b"\x9c\xff\x66\x01\x02\x0f"));
        assert!(!hex("9C ?? 66 [1-2] 0F").holds(b"\x9c\xff\x66\x01\x02\x03\x0f"));
        assert!(hex("4D ?A").holds(b"\x4d\x5a") && !hex("4D ?A").holds(b"\x4d\x5b"));
        assert!(hex("4? 5A").holds(b"\x4d\x5a"));
        let refs: Vec<&Param> = Vec::new();
        assert!(YaraString::build(Field::FileYaraHexString, Cond::Is, true, "4D 5", &refs).is_err());
        assert!(YaraString::build(Field::FileYaraHexString, Cond::Is, true, "(4D", &refs).is_err());
    }

    #[test]
    fn counts_and_offsets() {
        let many = yara(
            Field::FileYaraTextString,
            Cond::GreaterThan,
            false,
            "ab",
            &[param("yara/count", "2")],
        );
        assert!(many.holds(b"ab ab ab") && !many.holds(b"ab ab"));
        let at = yara(
            Field::FileYaraTextString,
            Cond::Contains,
            false,
            "MZ",
            &[param("yara/offset/at", "0")],
        );
        assert!(at.holds(b"MZ..") && !at.holds(b".MZ."));
        let within = [param("yara/offset/in", "(100..filesize)")];
        let within = yara(Field::FileYaraTextString, Cond::Contains, false, "x", &within);
        let mut bytes = vec![b'x'; 50];
        assert!(!within.holds(&bytes));
        bytes.resize(150, b'x');
        assert!(within.holds(&bytes));
        let refs: Vec<&Param> = Vec::new();
        assert!(YaraString::build(Field::FileYaraTextString, Cond::GreaterThan, false, "x", &refs)
            .is_err());
    }

    #[test]
    fn entry_point_offsets() {
        let near = [param("yara/offset/in", "(entrypoint..entrypoint + 10)")];
        let near = yara(Field::FileYaraHexString, Cond::Contains, false, "E8 00", &near);
        assert_eq!(near.key, "hex in entrypoint..entrypoint+10: E8 00");
        let bytes = b"....\xe8\x00...........\xe8\x00";
        assert!(near.holds_with(bytes, &mut || Some(2)));
        assert!(!near.holds_with(bytes, &mut || Some(6)), "the first is before, the second past");
        assert!(!near.holds_with(bytes, &mut || None), "no entry point: undefined, false");
        let at = [param("yara/offset/at", "entrypoint")];
        let at = yara(Field::FileYaraHexString, Cond::Contains, false, "E8", &at);
        assert!(at.holds_with(bytes, &mut || Some(4)) && !at.holds_with(bytes, &mut || Some(3)));
        let tail = [param("yara/offset/in", "(filesize - 2..filesize)")];
        let tail = yara(Field::FileYaraHexString, Cond::Contains, false, "E8 00", &tail);
        assert!(tail.holds(bytes));
        for bad in ["entrypoint * 2", "(1..)", "here"] {
            let p = [param("yara/offset/in", bad)];
            assert!(YaraString::build(
                Field::FileYaraHexString,
                Cond::Contains,
                false,
                "E8",
                &p.iter().collect::<Vec<_>>()
            )
            .is_err());
        }
    }

    #[test]
    fn file_sizes_in_yara_units() {
        assert_eq!(parse_file_size("200KB"), Some(204_800));
        assert_eq!(parse_file_size(" 2MB "), Some(2 * 1024 * 1024));
        assert_eq!(parse_file_size("4096"), Some(4096));
        assert_eq!(parse_file_size("big"), None);
    }
}
