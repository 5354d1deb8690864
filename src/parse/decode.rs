//! Bytes -> text: picks the encoding of an IOC file and decodes it.
//!
//! Order of evidence: a byte-order mark (UTF-8, UTF-16 LE/BE) wins; then the shape of the
//! first bytes (`<` interleaved with NULs is UTF-16 without BOM); then the XML declaration's
//! `encoding` (any label `encoding_rs` knows); no declaration means UTF-8. Text meant as UTF-8
//! that is not (old exports often carry Latin-1 bytes under a UTF-8 declaration) is read as
//! Windows-1252, which decodes every byte, and the caller warns with the first bad position;
//! bytes that do not decode in any other chosen encoding are an error. Nothing is replaced
//! silently. This module does not look at the XML beyond the declaration.

use crate::source::LineIndex;
use encoding_rs::{Encoding, UTF_16BE, UTF_16LE, UTF_8, WINDOWS_1252};
use std::borrow::Cow;

/// Why the bytes could not be turned into text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct DecodeError {
    /// What went wrong, for the diagnostic message.
    pub message: String,
    /// Byte offset in `text` (the decoded prefix) where the problem is, when known.
    pub at: Option<(String, usize)>,
    /// True when the text was meant as UTF-8 (BOM, declaration or default) and is not.
    pub utf8: bool,
}

/// How far into the file the XML declaration is looked for: it may follow a licence comment
/// (as in the official term catalogue), but never a large one.
const DECL_SEARCH_BYTES: usize = 8 * 1024;

/// Decoded text, and why it was read as Windows-1252 when it was meant as UTF-8.
#[derive(Debug)]
pub(crate) struct Decoded<'b> {
    /// The text, never starting with a BOM.
    pub text: Cow<'b, str>,
    /// The UTF-8 problem (message and first bad position) when the fallback was taken.
    pub fallback: Option<DecodeError>,
}

/// Decodes a whole file, falling back to Windows-1252 for text meant as UTF-8 that is not.
pub(crate) fn decode_lenient(bytes: &[u8]) -> Result<Decoded<'_>, DecodeError> {
    match decode(bytes) {
        Ok(text) => Ok(Decoded { text, fallback: None }),
        Err(e) if e.utf8 => {
            let body = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
            let (text, _) = WINDOWS_1252.decode_without_bom_handling(body);
            Ok(Decoded { text, fallback: Some(e) })
        }
        Err(e) => Err(e),
    }
}

/// Decodes a whole file strictly. The result never starts with a BOM.
pub(crate) fn decode(bytes: &[u8]) -> Result<Cow<'_, str>, DecodeError> {
    if let Some(rest) = bytes.strip_prefix(b"\xEF\xBB\xBF") {
        return decode_with(UTF_8, rest, "UTF-8 (byte-order mark)");
    }
    if let Some(rest) = bytes.strip_prefix(b"\xFF\xFE") {
        return decode_with(UTF_16LE, rest, "UTF-16LE (byte-order mark)");
    }
    if let Some(rest) = bytes.strip_prefix(b"\xFE\xFF") {
        return decode_with(UTF_16BE, rest, "UTF-16BE (byte-order mark)");
    }
    if bytes.starts_with(b"<\0") {
        return decode_with(UTF_16LE, bytes, "UTF-16LE");
    }
    if bytes.starts_with(b"\0<") {
        return decode_with(UTF_16BE, bytes, "UTF-16BE");
    }
    match declared_encoding(bytes) {
        None => decode_with(UTF_8, bytes, "UTF-8"),
        Some(label) => decode_declared(bytes, &label),
    }
}

/// Decodes according to the declaration's label.
fn decode_declared<'b>(bytes: &'b [u8], label: &str) -> Result<Cow<'b, str>, DecodeError> {
    let lower = label.to_ascii_lowercase();
    // Files labelled ASCII often carry UTF-8 (a generator that never checked); pure ASCII is
    // valid UTF-8 anyway, and anything else falls back to the ASCII superset the label maps to.
    if matches!(lower.as_str(), "us-ascii" | "ascii" | "ansi_x3.4-1968") {
        if let Ok(text) = std::str::from_utf8(bytes) {
            return Ok(Cow::Borrowed(text));
        }
    }
    let Some(encoding) = Encoding::for_label(label.as_bytes()) else {
        return Err(DecodeError {
            message: format!("unsupported encoding `{label}` in the XML declaration"),
            at: None,
            utf8: false,
        });
    };
    if encoding == UTF_16LE || encoding == UTF_16BE {
        // The label was readable as ASCII, so the bytes are not UTF-16: a mislabel.
        return decode_with(UTF_8, bytes, "UTF-8 (declared UTF-16 but written in 8 bits)");
    }
    if encoding.name() == "replacement" {
        return Err(DecodeError {
            message: format!("unsupported encoding `{label}` in the XML declaration"),
            at: None,
            utf8: false,
        });
    }
    decode_with(encoding, bytes, label)
}

/// Decodes `bytes` in `encoding`; malformed input is an error located at its first occurrence.
fn decode_with<'b>(
    encoding: &'static Encoding,
    bytes: &'b [u8],
    what: &str,
) -> Result<Cow<'b, str>, DecodeError> {
    let (text, had_errors) = encoding.decode_without_bom_handling(bytes);
    if had_errors {
        // The first replacement character marks the first undecodable sequence.
        let offset = text.find('\u{FFFD}').unwrap_or(0);
        return Err(DecodeError {
            message: format!("the file is not valid {what} text"),
            at: Some((text.into_owned(), offset)),
            utf8: encoding == UTF_8,
        });
    }
    Ok(text)
}

/// The `encoding` label of the XML declaration, when the file starts (after whitespace or
/// comments) with one. Only ASCII-compatible bytes are looked at.
fn declared_encoding(bytes: &[u8]) -> Option<String> {
    let head = &bytes[..bytes.len().min(DECL_SEARCH_BYTES)];
    let start = find(head, b"<?xml")?;
    let after = head.get(start + 5)?;
    if !(after.is_ascii_whitespace() || *after == b'?') {
        return None;
    }
    let end = start + find(&head[start..], b"?>")?;
    let decl = &head[start..end];
    let key = find(decl, b"encoding")?;
    let rest = trim_start(&decl[key + 8..]);
    let rest = trim_start(rest.strip_prefix(b"=")?);
    let quote = *rest.first()?;
    if quote != b'"' && quote != b'\'' {
        return None;
    }
    let value = &rest[1..];
    let close = value.iter().position(|&b| b == quote)?;
    let label = std::str::from_utf8(&value[..close]).ok()?.trim();
    (!label.is_empty()).then(|| label.to_string())
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

fn trim_start(bytes: &[u8]) -> &[u8] {
    let skip = bytes.iter().take_while(|b| b.is_ascii_whitespace()).count();
    &bytes[skip..]
}

/// Line and column of a decode error, for the diagnostic.
pub(crate) fn error_position(err: &DecodeError) -> Option<crate::source::Position> {
    err.at.as_ref().map(|(text, offset)| LineIndex::new(text).position(text, *offset))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::Position;

    fn utf16(text: &str, le: bool, bom: bool) -> Vec<u8> {
        let mut out = Vec::new();
        if bom {
            out.extend_from_slice(if le { b"\xFF\xFE" } else { b"\xFE\xFF" });
        }
        for unit in text.encode_utf16() {
            let b = if le { unit.to_le_bytes() } else { unit.to_be_bytes() };
            out.extend_from_slice(&b);
        }
        out
    }

    #[test]
    fn plain_utf8_is_borrowed() {
        let text = decode(b"<a>\xC3\xA9</a>").unwrap();
        assert!(matches!(text, Cow::Borrowed(_)));
        assert_eq!(text, "<a>é</a>");
    }

    #[test]
    fn utf8_bom_is_stripped() {
        assert_eq!(
            decode(b"\xEF\xBB\xBF<?xml version=\"1.0\"?><a/>").unwrap(),
            "<?xml version=\"1.0\"?><a/>"
        );
    }

    #[test]
    fn utf16_with_and_without_bom() {
        let doc = "<?xml version=\"1.0\" encoding=\"utf-16\"?><a>é</a>";
        for le in [true, false] {
            for bom in [true, false] {
                assert_eq!(decode(&utf16(doc, le, bom)).unwrap(), doc, "le={le} bom={bom}");
            }
        }
    }

    #[test]
    fn declared_latin1_and_windows_1252() {
        for label in ["iso-8859-1", "windows-1252", "ISO-8859-1"] {
            let mut bytes = format!("<?xml version='1.0' encoding='{label}'?><a>").into_bytes();
            bytes.extend_from_slice(b"\xE9\x80</a>");
            let text = decode(&bytes).unwrap();
            assert!(text.ends_with("<a>é€</a>"), "{label}: {text}");
        }
    }

    #[test]
    fn us_ascii_label_accepts_utf8_and_falls_back() {
        let bytes = "<?xml version=\"1.0\" encoding=\"us-ascii\"?><a>é</a>".as_bytes();
        assert!(decode(bytes).unwrap().contains('é'));
        let latin = b"<?xml version=\"1.0\" encoding=\"us-ascii\"?><a>\xE9</a>";
        assert!(decode(latin).unwrap().contains('é'));
    }

    #[test]
    fn utf16_label_on_8bit_bytes_is_read_as_utf8() {
        let bytes = "<?xml version=\"1.0\" encoding=\"utf-16\"?><a>é</a>".as_bytes();
        assert!(decode(bytes).unwrap().contains('é'));
    }

    #[test]
    fn declaration_after_a_comment() {
        let mut bytes =
            b"<!-- licence --><?xml version=\"1.0\" encoding=\"windows-1252\"?><a>".to_vec();
        bytes.extend_from_slice(b"\x80</a>");
        assert!(decode(&bytes).unwrap().contains('€'));
    }

    #[test]
    fn invalid_utf8_is_located() {
        let err = decode(b"<a>\n  \xFF</a>").unwrap_err();
        assert!(err.message.contains("UTF-8"), "{}", err.message);
        assert_eq!(error_position(&err), Some(Position::new(2, 3)));
    }

    #[test]
    fn invalid_utf8_falls_back_to_windows_1252_with_its_position() {
        for bytes in [&b"<a>\n  caf\xE9 \x80</a>"[..], b"\xEF\xBB\xBF<a>\n  caf\xE9 \x80</a>"] {
            let decoded = decode_lenient(bytes).unwrap();
            assert_eq!(decoded.text, "<a>\n  café €</a>");
            let why = decoded.fallback.expect("fallback taken");
            assert_eq!(error_position(&why), Some(Position::new(2, 6)));
        }
        let valid = decode_lenient("<a>é</a>".as_bytes()).unwrap();
        assert!(valid.fallback.is_none());
        // Other encodings stay strict: UTF-16 with a lone surrogate is not guessed at.
        let mut utf16_bad = utf16("<a>", true, true);
        utf16_bad.extend_from_slice(&[0x00, 0xD8, b'x', 0x00]);
        assert!(decode_lenient(&utf16_bad).is_err());
    }

    #[test]
    fn unpaired_surrogate_in_utf16_is_an_error() {
        let mut bytes = utf16("<a>", true, true);
        bytes.extend_from_slice(&[0x00, 0xD8, b'x', 0x00]);
        let err = decode(&bytes).unwrap_err();
        assert_eq!(error_position(&err), Some(Position::new(1, 4)));
    }

    #[test]
    fn unknown_label_is_an_error() {
        let err = decode(b"<?xml version=\"1.0\" encoding=\"klingon\"?><a/>").unwrap_err();
        assert!(err.message.contains("klingon"));
        assert_eq!(err.at, None);
    }

    #[test]
    fn odd_declarations_do_not_panic() {
        for bytes in [
            &b"<?xml"[..],
            b"<?xml encoding",
            b"<?xml encoding=",
            b"<?xml encoding='x",
            b"<?xmlfoo?>",
        ] {
            let _ = decode(bytes);
        }
    }
}
