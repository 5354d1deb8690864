//! Typed Content: parsing an IndicatorItem's Content as its term's value type, and testing one
//! observed value against a compiled condition.
//!
//! Parsing follows openioc.md §3: strings are taken as written (never trimmed) and folded
//! unless `preserve-case`; digests, integers, dates, IP addresses and booleans are trimmed
//! first. [`Test::matches`] is the direct, unindexed comparison: the indexes in
//! [`super::index`] are accelerators that must agree with it (a property test checks that).
//! Nothing here knows about trees, groups or items as a whole.

use crate::item::Value;
use crate::limits::{MAX_REGEX_COMPILED_BYTES, MAX_REGEX_NESTING, MAX_REGEX_PATTERN_BYTES};
use crate::terms::ValueType;
use chrono::{DateTime, NaiveDateTime, Utc};
use regex::Regex;
use std::borrow::Cow;
use std::net::IpAddr;
use std::sync::Arc;

pub(crate) use super::cond::Cond;

/// A compiled comparison, ready to test observed values.
#[derive(Clone, Debug)]
pub(crate) enum Test {
    /// Text equality (the text is folded when the leaf folds).
    TextEq(Arc<str>),
    /// Digest equality: the canonical lower-case hex text (validated at compile time).
    DigestEq(Arc<str>),
    /// Inclusive integer range (`is 5` is `5 TO 5`).
    IntRange(i64, i64),
    /// Inclusive date range.
    DateRange(DateTime<Utc>, DateTime<Utc>),
    /// Address equality (canonical form).
    IpEq(IpAddr),
    /// Boolean equality.
    BoolEq(bool),
    /// Substring of the value's text.
    Contains(Arc<str>),
    /// Prefix of the value's text.
    StartsWith(Arc<str>),
    /// Suffix of the value's text.
    EndsWith(Arc<str>),
    /// Unanchored regex search over the value's text.
    Regex(Regex),
    /// Strictly greater than.
    IntGt(i64),
    /// Strictly less than.
    IntLt(i64),
    /// Strictly later than.
    DateGt(DateTime<Utc>),
    /// Strictly earlier than.
    DateLt(DateTime<Utc>),
    /// A number within a tolerance: the Content's value and half a unit of its last written
    /// decimal (`4.79` is `[4.785, 4.795]`).
    FloatNear(f64, f64),
    /// Strictly greater than.
    FloatGt(f64),
    /// Strictly less than.
    FloatLt(f64),
    /// A YARA string of the IOC (`Yara/TextString`, ...): holds when the file's list of found
    /// strings has its key.
    Yara(Arc<super::yara::YaraString>),
    /// A whole YARA rule text (`Yara/Yara`): holds when the file's list of matching engine
    /// namespaces has its key.
    #[cfg(feature = "yara")]
    YaraRule(Arc<super::yara_rule::YaraRule>),
}

impl Test {
    /// Tests one scalar observed value (not a list). `fold` says whether text is compared
    /// case-insensitively (the pattern is then already folded).
    pub(crate) fn matches(&self, value: &Value, fold: bool) -> bool {
        match (self, value) {
            (Test::TextEq(want), Value::Str(s)) => fold_text(s, fold) == **want,
            // Equal lower-case hex text is equal bytes: the pattern is valid hex.
            (Test::DigestEq(want), Value::Str(s)) => fold_text(s.trim(), true) == **want,
            (Test::IntRange(lo, hi), Value::Int(n)) => lo <= n && n <= hi,
            (Test::DateRange(lo, hi), Value::Date(d)) => lo <= d && d <= hi,
            (Test::IpEq(want), Value::Ip(ip)) => ip.to_canonical() == *want,
            (Test::BoolEq(want), Value::Bool(b)) => want == b,
            (Test::IntGt(x), Value::Int(n)) => n > x,
            (Test::IntLt(x), Value::Int(n)) => n < x,
            (Test::DateGt(x), Value::Date(d)) => d > x,
            (Test::DateLt(x), Value::Date(d)) => d < x,
            (Test::FloatNear(want, tolerance), Value::Float(x)) => (x - want).abs() <= *tolerance,
            (Test::FloatGt(want), Value::Float(x)) => x > want,
            (Test::FloatLt(want), Value::Float(x)) => x < want,
            (Test::Yara(string), Value::Str(key)) => *key == string.key,
            #[cfg(feature = "yara")]
            (Test::YaraRule(rule), Value::Str(key)) => *key == rule.key,
            (Test::Contains(p), v) => value_text(v, fold).contains(&**p),
            (Test::StartsWith(p), v) => value_text(v, fold).starts_with(&**p),
            (Test::EndsWith(p), v) => value_text(v, fold).ends_with(&**p),
            // The regex carries its own case-insensitivity; the text is not folded.
            (Test::Regex(re), v) => re.is_match(&value_text(v, false)),
            _ => false,
        }
    }
}

/// Folds `s` (Unicode lower case) when `fold`, else borrows it.
pub(crate) fn fold_text(s: &str, fold: bool) -> Cow<'_, str> {
    if !fold {
        return Cow::Borrowed(s);
    }
    // One branch-free pass (it vectorises) decides: already folded ASCII, the common case,
    // borrows.
    let flags = s.bytes().fold(0u8, |acc, b| acc | (b & 0x80) | u8::from(b.is_ascii_uppercase()));
    if flags & 0x80 != 0 {
        Cow::Owned(s.to_lowercase())
    } else if flags != 0 {
        Cow::Owned(s.to_ascii_lowercase())
    } else {
        Cow::Borrowed(s)
    }
}

/// The text substring and regex conditions see: the value's `Display` (see
/// [`Value`]), folded when `fold`. Strings are borrowed; a list has no text of its own (its
/// elements are tested one by one).
pub(crate) fn value_text(value: &Value, fold: bool) -> Cow<'_, str> {
    match value {
        Value::Str(s) => fold_text(s, fold),
        Value::List(_) => Cow::Borrowed(""),
        other => {
            let text = other.to_string();
            match fold_text(&text, fold) {
                Cow::Borrowed(_) => Cow::Owned(text),
                Cow::Owned(folded) => Cow::Owned(folded),
            }
        }
    }
}

/// Decodes hex digest text (trimmed, any case) into `buf`; `None` unless 16, 20 or 32 bytes.
pub(crate) fn decode_digest<'b>(text: &str, buf: &'b mut [u8; 32]) -> Option<&'b [u8]> {
    let mut bytes = text.as_bytes();
    // Collectors give bare lower-case hex: trim only when needed.
    if bytes.first().is_some_and(u8::is_ascii_whitespace)
        || bytes.last().is_some_and(u8::is_ascii_whitespace)
    {
        bytes = text.trim().as_bytes();
    }
    if !matches!(bytes.len(), 32 | 40 | 64) {
        return None;
    }
    let mut bad = 0u8;
    for (out, pair) in buf.iter_mut().zip(bytes.chunks_exact(2)) {
        let (hi, lo) = (HEX[pair[0] as usize], HEX[pair[1] as usize]);
        bad |= (hi | lo) & 0x80;
        *out = (hi << 4) | (lo & 0x0f);
    }
    (bad == 0).then(|| &buf[..bytes.len() / 2])
}

/// Hex digit values; 0x80 marks a byte that is not a hex digit.
static HEX: [u8; 256] = {
    let mut table = [0x80u8; 256];
    let mut i = 0;
    while i < 10 {
        table[b'0' as usize + i] = i as u8;
        i += 1;
    }
    let mut i = 0;
    while i < 6 {
        table[b'a' as usize + i] = 10 + i as u8;
        table[b'A' as usize + i] = 10 + i as u8;
        i += 1;
    }
    table
};

/// Why a Content could not become a [`Test`]; `Regex` problems get their own code.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub(crate) enum ContentError {
    /// The text is empty (after trimming, for typed values).
    #[error("empty Content")]
    Empty,
    /// The text does not parse as the type.
    #[error("{0}")]
    Bad(String),
    /// The regex does not compile or is too large.
    #[error("{0}")]
    Regex(String),
}

/// Builds the test for `cond` on a term of type `ty` from the Content `text`.
/// `fold` is true for case-insensitive comparison (the pattern is folded here).
pub(crate) fn build_test(
    cond: Cond,
    ty: ValueType,
    text: &str,
    fold: bool,
) -> Result<Test, ContentError> {
    let typed = ty != ValueType::String;
    if text.is_empty() || (typed && text.trim().is_empty()) {
        return Err(ContentError::Empty);
    }
    // Substring conditions on typed values work on their (trimmed) text; MAC values are in
    // colon form, so a Windows-style `00-0C-29` prefix is searched as `00:0c:29`.
    let pattern = || -> Arc<str> {
        let t = if typed { text.trim() } else { text };
        if ty == ValueType::Mac {
            return Arc::from(fold_text(t, true).replace('-', ":"));
        }
        Arc::from(&*fold_text(t, fold))
    };
    match cond {
        Cond::Contains => Ok(Test::Contains(pattern())),
        Cond::StartsWith => Ok(Test::StartsWith(pattern())),
        Cond::EndsWith => Ok(Test::EndsWith(pattern())),
        Cond::Matches => build_regex(if typed { text.trim() } else { text }, fold).map(Test::Regex),
        Cond::Is => match ty {
            ValueType::String => Ok(Test::TextEq(Arc::from(&*fold_text(text, fold)))),
            ValueType::Md5 | ValueType::Sha1 | ValueType::Sha256 => parse_digest(ty, text),
            ValueType::Int => parse_range(text, parse_int).map(|(a, b)| Test::IntRange(a, b)),
            ValueType::Date => parse_range(text, parse_date).map(|(a, b)| Test::DateRange(a, b)),
            ValueType::Ip => parse_ip(text).map(Test::IpEq),
            ValueType::Bool => parse_bool(text).map(Test::BoolEq),
            ValueType::Mac => parse_mac(text).map(|mac| Test::TextEq(Arc::from(mac))),
            ValueType::Float => {
                parse_float(text.trim()).map(|(x, tolerance)| Test::FloatNear(x, tolerance))
            }
        },
        Cond::GreaterThan | Cond::LessThan => {
            let gt = cond == Cond::GreaterThan;
            match ty {
                ValueType::Int => {
                    let n = parse_int(text.trim())?;
                    Ok(if gt { Test::IntGt(n) } else { Test::IntLt(n) })
                }
                ValueType::Date => {
                    let d = parse_date(text.trim())?;
                    Ok(if gt { Test::DateGt(d) } else { Test::DateLt(d) })
                }
                ValueType::Float => {
                    let (x, _) = parse_float(text.trim())?;
                    Ok(if gt { Test::FloatGt(x) } else { Test::FloatLt(x) })
                }
                _ => Err(ContentError::Bad(format!("`{}` does not apply", cond.as_str()))),
            }
        }
    }
}

fn build_regex(pattern: &str, fold: bool) -> Result<Regex, ContentError> {
    if pattern.len() > MAX_REGEX_PATTERN_BYTES {
        return Err(ContentError::Regex(format!(
            "regex of {} bytes is longer than the limit of {MAX_REGEX_PATTERN_BYTES}",
            pattern.len()
        )));
    }
    regex::RegexBuilder::new(pattern)
        .case_insensitive(fold)
        .size_limit(MAX_REGEX_COMPILED_BYTES)
        .dfa_size_limit(MAX_REGEX_COMPILED_BYTES)
        .nest_limit(MAX_REGEX_NESTING)
        .build()
        .map_err(|e| {
            // The regex crate ends some messages with a full stop; ours continue after it.
            let text = one_line(&e.to_string()).trim_end_matches('.').to_string();
            ContentError::Regex(format!("invalid regex: {text}"))
        })
}

/// Regex errors span lines with a caret drawing; diagnostics are one line.
fn one_line(text: &str) -> String {
    let last = text.lines().rev().find(|l| !l.trim().is_empty()).unwrap_or(text);
    last.trim().trim_start_matches("error: ").to_string()
}

fn parse_digest(ty: ValueType, text: &str) -> Result<Test, ContentError> {
    let want = match ty {
        ValueType::Md5 => 16,
        ValueType::Sha1 => 20,
        _ => 32,
    };
    let mut buf = [0u8; 32];
    match decode_digest(text, &mut buf) {
        Some(bytes) if bytes.len() == want => {
            Ok(Test::DigestEq(Arc::from(text.trim().to_ascii_lowercase())))
        }
        _ => Err(ContentError::Bad(format!(
            "`{}` is not a {} digest ({} hex digits)",
            text.trim(),
            ty.as_str(),
            want * 2
        ))),
    }
}

/// `A TO B`, `[A TO B]` (inclusive) or a single value `A` (= `A TO A`).
fn parse_range<T: PartialOrd + Copy>(
    text: &str,
    one: fn(&str) -> Result<T, ContentError>,
) -> Result<(T, T), ContentError> {
    let t = text.trim();
    let inner = t.strip_prefix('[').and_then(|s| s.strip_suffix(']')).unwrap_or(t);
    match inner.split_once(" TO ") {
        Some((a, b)) => {
            let (a, b) = (one(a.trim())?, one(b.trim())?);
            if a > b {
                return Err(ContentError::Bad(format!("empty range `{t}`: start after end")));
            }
            Ok((a, b))
        }
        None => one(t).map(|v| (v, v)),
    }
}

/// Decimal (optionally signed) or `0x` hexadecimal.
pub(crate) fn parse_int(t: &str) -> Result<i64, ContentError> {
    let bad = || ContentError::Bad(format!("`{t}` is not an integer"));
    let (neg, digits) = match t.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, t.strip_prefix('+').unwrap_or(t)),
    };
    let magnitude: i128 = match digits.strip_prefix("0x").or_else(|| digits.strip_prefix("0X")) {
        Some(hex) if !hex.is_empty() && hex.bytes().all(|b| b.is_ascii_hexdigit()) => {
            i128::from_str_radix(hex, 16).map_err(|_| bad())?
        }
        Some(_) => return Err(bad()),
        None if !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()) => {
            digits.parse::<i128>().map_err(|_| bad())?
        }
        None => return Err(bad()),
    };
    let n = if neg { -magnitude } else { magnitude };
    i64::try_from(n).map_err(|_| ContentError::Bad(format!("`{t}` is out of range")))
}

/// xs:dateTime; no zone means UTC.
pub(crate) fn parse_date(t: &str) -> Result<DateTime<Utc>, ContentError> {
    if let Ok(d) = DateTime::parse_from_rfc3339(t) {
        return Ok(d.with_timezone(&Utc));
    }
    NaiveDateTime::parse_from_str(t, "%Y-%m-%dT%H:%M:%S%.f")
        .map(|n| n.and_utc())
        .map_err(|_| ContentError::Bad(format!("`{t}` is not an xs:dateTime")))
}

fn parse_ip(text: &str) -> Result<IpAddr, ContentError> {
    let t = text.trim();
    t.parse::<IpAddr>()
        .map(|ip| ip.to_canonical())
        .map_err(|_| ContentError::Bad(format!("`{t}` is not an IP address")))
}

/// `true`/`false`, `1`/`0`, `yes`/`no`, any case.
/// A decimal number and half a unit of its last written digit: `4.79293651354` is
/// 4.79293651354 ± 0.000000000005, `5` is 5 ± 0.5 (Redline prints entropies rounded; an IOC
/// copies the digits it saw).
pub(crate) fn parse_float(t: &str) -> Result<(f64, f64), ContentError> {
    let bad = || ContentError::Bad(format!("`{t}` is not a decimal number"));
    let mantissa = t.split(['e', 'E']).next().unwrap_or(t);
    let decimals = mantissa.split_once('.').map_or(0, |(_, f)| f.len());
    let exponent: i32 = match t.split_once(['e', 'E']) {
        Some((_, e)) => e.parse().map_err(|_| bad())?,
        None => 0,
    };
    let x: f64 = t.parse().map_err(|_| bad())?;
    if !x.is_finite() || decimals > 30 {
        return Err(bad());
    }
    let places = i32::try_from(decimals).unwrap_or(30) - exponent;
    Ok((x, 0.5 * 10f64.powi(-places)))
}

pub(crate) fn parse_bool(text: &str) -> Result<bool, ContentError> {
    let t = text.trim();
    match t.to_ascii_lowercase().as_str() {
        "true" | "1" | "yes" => Ok(true),
        "false" | "0" | "no" => Ok(false),
        _ => Err(ContentError::Bad(format!("`{t}` is not a boolean"))),
    }
}

/// A hardware address in its canonical form (see [`crate::item::canonical_mac`]).
fn parse_mac(text: &str) -> Result<String, ContentError> {
    crate::item::canonical_mac(text)
        .ok_or_else(|| ContentError::Bad(format!("`{}` is not a MAC address", text.trim())))
}

/// The catalogue type a `Content/@type` names (`xs:` prefix and case ignored), if any.
pub(crate) fn content_type(name: &str) -> Option<ValueType> {
    let n = name.trim();
    let n = n.strip_prefix("xs:").unwrap_or(n);
    const NAMES: &[(&str, ValueType)] = &[
        ("string", ValueType::String),
        ("md5", ValueType::Md5),
        ("sha1", ValueType::Sha1),
        ("sha256", ValueType::Sha256),
        ("int", ValueType::Int),
        ("integer", ValueType::Int),
        ("uint64", ValueType::Int),
        ("long", ValueType::Int),
        ("date", ValueType::Date),
        ("datetime", ValueType::Date),
        ("ip", ValueType::Ip),
        ("ipaddr", ValueType::Ip),
        ("bool", ValueType::Bool),
        ("boolean", ValueType::Bool),
        ("mac", ValueType::Mac),
        ("float", ValueType::Float),
        ("double", ValueType::Float),
    ];
    NAMES.iter().find(|(name, _)| name.eq_ignore_ascii_case(n)).map(|(_, ty)| *ty)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(cond: Cond, ty: ValueType, text: &str) -> Result<Test, ContentError> {
        build_test(cond, ty, text, true)
    }

    #[test]
    fn integers_decimal_hex_and_ranges() {
        assert_eq!(parse_int("0x1000"), Ok(4096));
        assert_eq!(parse_int("-12"), Ok(-12));
        assert!(parse_int("12a").is_err() && parse_int("0x").is_err() && parse_int("").is_err());
        assert!(parse_int("99999999999999999999").is_err());
        let range = t(Cond::Is, ValueType::Int, " [100 TO 0x200] ").unwrap();
        assert!(range.matches(&Value::Int(100), true) && range.matches(&Value::Int(512), true));
        assert!(!range.matches(&Value::Int(513), true));
        assert!(t(Cond::Is, ValueType::Int, "9 TO 1").is_err());
    }

    #[test]
    fn dates_without_zone_are_utc() {
        let a = parse_date("2024-05-01T10:00:00").unwrap();
        let b = parse_date("2024-05-01T12:00:00+02:00").unwrap();
        assert_eq!(a, b);
        assert!(parse_date("2024-05-01").is_err());
        let gt = t(Cond::GreaterThan, ValueType::Date, "2024-01-01T00:00:00Z").unwrap();
        assert!(gt.matches(&Value::Date(a), true));
    }

    #[test]
    fn digests_trimmed_any_case_right_length() {
        let md5 = t(Cond::Is, ValueType::Md5, "  0CC175B9C0F1B6A831C399E269772661 ").unwrap();
        assert!(md5.matches(&Value::from("0cc175b9c0f1b6a831c399e269772661"), true));
        assert!(t(Cond::Is, ValueType::Sha1, "0cc175b9c0f1b6a831c399e269772661").is_err());
        assert!(t(Cond::Is, ValueType::Md5, "zz").is_err());
    }

    #[test]
    fn macs_compare_in_one_form_whatever_the_separators() {
        let observed = Value::from("00:0c:29:ab:cd:ef");
        for text in ["00-0C-29-AB-CD-EF", "00:0c:29:ab:cd:ef", "000c.29ab.cdef"] {
            assert!(t(Cond::Is, ValueType::Mac, text).unwrap().matches(&observed, true), "{text}");
        }
        let prefix = t(Cond::StartsWith, ValueType::Mac, "00-0C-29").unwrap();
        assert!(prefix.matches(&observed, true));
        assert!(matches!(t(Cond::Is, ValueType::Mac, "00-0C-29"), Err(ContentError::Bad(_))));
    }

    #[test]
    fn ips_normalised_bools_lenient() {
        let ip = t(Cond::Is, ValueType::Ip, "::ffff:10.0.0.1").unwrap();
        assert!(ip.matches(&Value::Ip("10.0.0.1".parse().unwrap()), true));
        let v6 = t(Cond::Is, ValueType::Ip, "2001:DB8:0:0::1").unwrap();
        assert!(v6.matches(&Value::Ip("2001:db8::1".parse().unwrap()), true));
        assert_eq!(parse_bool(" YES "), Ok(true));
        assert_eq!(parse_bool("0"), Ok(false));
        assert!(parse_bool("maybe").is_err());
    }

    #[test]
    fn strings_are_not_trimmed_and_fold_unless_preserved() {
        let is = t(Cond::Is, ValueType::String, " Evil.EXE").unwrap();
        assert!(is.matches(&Value::from(" evil.exe"), true));
        assert!(!is.matches(&Value::from("evil.exe"), true));
        let exact = build_test(Cond::Is, ValueType::String, "Evil", false).unwrap();
        assert!(!exact.matches(&Value::from("evil"), false));
        assert_eq!(t(Cond::Is, ValueType::String, "").unwrap_err(), ContentError::Empty);
        assert_eq!(t(Cond::Is, ValueType::Int, "  ").unwrap_err(), ContentError::Empty);
    }

    #[test]
    fn substring_conditions_on_typed_text() {
        let c = t(Cond::Contains, ValueType::Int, "44").unwrap();
        assert!(c.matches(&Value::Int(8443), true));
        let s = t(Cond::StartsWith, ValueType::Md5, "0CC1").unwrap();
        assert!(s.matches(&Value::from("0cc175b9c0f1b6a831c399e269772661"), true));
        let e = t(Cond::EndsWith, ValueType::Ip, ".1").unwrap();
        assert!(e.matches(&Value::Ip("10.0.0.1".parse().unwrap()), true));
    }

    #[test]
    fn regexes_search_unanchored_case_and_limits() {
        let re = t(Cond::Matches, ValueType::String, r"ev[i]l\.exe").unwrap();
        assert!(re.matches(&Value::from("C:/x/EVIL.exe.bak"), true));
        let exact = build_test(Cond::Matches, ValueType::String, "EVIL", false).unwrap();
        assert!(!exact.matches(&Value::from("evil"), false));
        assert!(matches!(t(Cond::Matches, ValueType::String, "("), Err(ContentError::Regex(_))));
        let huge = "a".repeat(MAX_REGEX_PATTERN_BYTES + 1);
        assert!(matches!(t(Cond::Matches, ValueType::String, &huge), Err(ContentError::Regex(_))));
        let big = t(Cond::Matches, ValueType::String, r"(\w{100}){100}");
        assert!(matches!(big, Err(ContentError::Regex(_))));
    }

    #[test]
    fn floats_compare_with_the_precision_written() {
        let is = t(Cond::Is, ValueType::Float, " 4.79293651354 ").unwrap();
        assert!(is.matches(&Value::Float(4.792_936_513_541_7), true));
        assert!(!is.matches(&Value::Float(4.792_936_513_56), true));
        let coarse = t(Cond::Is, ValueType::Float, "4.8").unwrap();
        assert!(coarse.matches(&Value::Float(4.7853), true));
        assert!(!coarse.matches(&Value::Float(4.7), true));
        let gt = t(Cond::GreaterThan, ValueType::Float, "7.5").unwrap();
        assert!(gt.matches(&Value::Float(7.9), true) && !gt.matches(&Value::Float(7.5), true));
        assert!(t(Cond::Is, ValueType::Float, "high").is_err());
        assert!(t(Cond::Is, ValueType::Float, "inf").is_err());
    }

    #[test]
    fn conditions_fit_types() {
        assert!(!Cond::GreaterThan.fits(ValueType::String));
        assert!(Cond::LessThan.fits(ValueType::Date));
        assert!(!Cond::Contains.fits(ValueType::Bool));
        assert_eq!(content_type("xs:String"), Some(ValueType::String));
        assert_eq!(content_type("float"), Some(ValueType::Float));
        assert!(Cond::GreaterThan.fits(ValueType::Float));
    }
}
