//! Lossless text for file paths that need not be UTF-8.
//!
//! Linux file names are bytes. Item values and error subjects are text, so a path is written
//! as its UTF-8 text with two escapes: a byte that is not part of valid UTF-8 becomes `\xNN`
//! (two lower-case hex digits) and a backslash becomes `\\`. [`unescape`] inverts [`escape`]
//! exactly, so a reported path can be turned back into the real one. A valid UTF-8 path
//! without backslashes is its own text.
//!
//! Every output of the crate writes paths this way: item values and error subjects through
//! [`escape`], and the `PathBuf` fields of serialised types ([`crate::card::Card`],
//! [`crate::diag::Diagnostic`], ...) through [`serialize`], so serialising them never fails on
//! a name that is not UTF-8.
//!
//! This module only converts; it never touches the file system.

use serde::Serializer;
use std::borrow::Cow;
use std::ffi::{OsStr, OsString};
use std::os::unix::ffi::{OsStrExt, OsStringExt};
use std::path::Path;

/// The lossless text of `name` (see the module docs).
pub fn escape(name: &OsStr) -> Cow<'_, str> {
    let bytes = name.as_bytes();
    match std::str::from_utf8(bytes) {
        Ok(text) if !text.contains('\\') => Cow::Borrowed(text),
        _ => Cow::Owned(escape_bytes(bytes)),
    }
}

/// [`escape`] into an owned `String`.
pub fn escape_owned(name: &OsStr) -> String {
    escape(name).into_owned()
}

/// Serialises a path as its lossless text, for `#[serde(serialize_with = "path_text::serialize")]`
/// on a `PathBuf` field: serde's own impl refuses a path that is not UTF-8.
pub fn serialize<S: Serializer>(path: &Path, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&escape(path.as_os_str()))
}

fn escape_bytes(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len() + 8);
    for chunk in bytes.utf8_chunks() {
        for c in chunk.valid().chars() {
            if c == '\\' {
                out.push_str("\\\\");
            } else {
                out.push(c);
            }
        }
        for b in chunk.invalid() {
            out.push_str("\\x");
            out.push(char::from(HEX[usize::from(b >> 4)]));
            out.push(char::from(HEX[usize::from(b & 0xf)]));
        }
    }
    out
}

const HEX: &[u8; 16] = b"0123456789abcdef";

/// The real path of a text made by [`escape`]; `None` when `text` holds an escape [`escape`]
/// never writes (a lone backslash, `\x` without two hex digits, any other `\c`).
pub fn unescape(text: &str) -> Option<OsString> {
    let mut out = Vec::with_capacity(text.len());
    decode(text, |b| out.push(b))?;
    Some(OsString::from_vec(out))
}

/// True when [`unescape`] reads `text` (checked without building the path).
pub fn is_escaped(text: &str) -> bool {
    decode(text, |_| ()).is_some()
}

/// Hands the bytes `text` stands for to `out`; `None` at an escape [`escape`] never writes.
fn decode(text: &str, mut out: impl FnMut(u8)) -> Option<()> {
    let bytes = text.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] != b'\\' {
            out(bytes[i]);
            i += 1;
            continue;
        }
        match bytes.get(i + 1) {
            Some(b'\\') => {
                out(b'\\');
                i += 2;
            }
            Some(b'x') => {
                let hi = hex_value(*bytes.get(i + 2)?)?;
                let lo = hex_value(*bytes.get(i + 3)?)?;
                out(hi << 4 | lo);
                i += 4;
            }
            _ => return None,
        }
    }
    Some(())
}

fn hex_value(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn os(bytes: &[u8]) -> &OsStr {
        OsStr::from_bytes(bytes)
    }

    #[test]
    fn utf8_without_backslash_is_borrowed_unchanged() {
        let e = escape(os("/tmp/été/a.exe".as_bytes()));
        assert!(matches!(e, Cow::Borrowed(_)));
        assert_eq!(e, "/tmp/été/a.exe");
    }

    #[test]
    fn bad_bytes_and_backslashes_are_escaped() {
        assert_eq!(escape(os(b"a\xffb\\c\xc3")), "a\\xffb\\\\c\\xc3");
    }

    #[test]
    fn round_trips_every_byte() {
        let all: Vec<u8> = (0..=255u8).chain([0xc3, 0xa9, b'\\', b'x', b'4', b'1']).collect();
        let text = escape_owned(os(&all));
        assert_eq!(unescape(&text).as_deref(), Some(os(&all)));
        // A literal `\x41` in a name must not be read back as `A`.
        let tricky = os(b"\\x41");
        assert_eq!(unescape(&escape(tricky)).as_deref(), Some(tricky));
    }

    #[test]
    fn is_escaped_agrees_with_unescape() {
        for text in ["", "a", "a\\\\b", "\\x4", "\\x41", "\\xg1", "\\", "a\\n", "\\xffz"] {
            assert_eq!(is_escaped(text), unescape(text).is_some(), "{text:?}");
        }
    }

    #[test]
    fn serialises_as_the_escaped_text() {
        #[derive(serde::Serialize)]
        struct Named<'a> {
            #[serde(serialize_with = "serialize")]
            path: &'a Path,
        }
        let path = Path::new(os(b"/tmp/a\\b\xff"));
        let json = serde_json::to_string(&Named { path }).unwrap();
        assert_eq!(json, r#"{"path":"/tmp/a\\\\b\\xff"}"#);
    }

    #[test]
    fn unescape_rejects_what_escape_never_writes() {
        assert_eq!(unescape("a\\"), None);
        assert_eq!(unescape("a\\n"), None);
        assert_eq!(unescape("a\\x4"), None);
        assert_eq!(unescape("a\\xzz"), None);
    }
}
