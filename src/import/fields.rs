//! The one view the mapping engine has of a source record: values by source path.
//!
//! Every reader hands its records to [`super::map`] as a [`Fields`]: Sysmon events and audit
//! groups as flat name -> text maps ([`FlatFields`]), OCSF events as JSON values. A Parquet
//! row source implements the same trait over an Arrow row (struct columns are the dotted
//! segments, list columns the `[]` and `[key=value]` segments), and the OCSF mappings apply to
//! it unchanged.

use std::borrow::Cow;

/// One source value.
#[derive(Clone, Debug, PartialEq)]
pub enum Scalar<'a> {
    /// Text.
    Str(Cow<'a, str>),
    /// An integer.
    Int(i64),
    /// A number that is not an integer.
    Float(f64),
    /// A boolean.
    Bool(bool),
}

impl Scalar<'_> {
    /// The value as text (integral floats without a fraction).
    pub fn text(&self) -> Cow<'_, str> {
        match self {
            Scalar::Str(s) => Cow::Borrowed(s),
            Scalar::Int(n) => Cow::Owned(n.to_string()),
            Scalar::Float(x) if x.fract() == 0.0 && x.abs() < 9.0e15 => {
                Cow::Owned(format!("{}", *x as i64))
            }
            Scalar::Float(x) => Cow::Owned(x.to_string()),
            Scalar::Bool(b) => Cow::Borrowed(if *b { "true" } else { "false" }),
        }
    }
}

/// Values of a record by source path (see [`crate::terms::imports`] for the path syntax).
pub trait Fields {
    /// The first value at `path`, if any.
    fn get(&self, path: &str) -> Option<Scalar<'_>>;

    /// Every value at `path` (for list terms: `user.groups[].name`).
    fn get_all(&self, path: &str) -> Vec<Scalar<'_>> {
        self.get(path).into_iter().collect()
    }
}

/// A flat record: names and text values, in source order; the first of a repeated name wins.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct FlatFields(pub Vec<(String, String)>);

impl FlatFields {
    /// Adds `name = value` (a later value of the same name is kept but not read by `get`).
    pub fn push(&mut self, name: impl Into<String>, value: impl Into<String>) {
        self.0.push((name.into(), value.into()));
    }

    /// The text of `name`, if present.
    pub fn text(&self, name: &str) -> Option<&str> {
        self.0.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_str())
    }
}

impl Fields for FlatFields {
    fn get(&self, path: &str) -> Option<Scalar<'_>> {
        self.text(path).map(|v| Scalar::Str(Cow::Borrowed(v)))
    }
}

/// One segment of a dotted path.
enum Segment<'p> {
    /// `name`: a member.
    Member(&'p str),
    /// `name[]`: every element of the list `name`.
    Each(&'p str),
    /// `name[key=value]`: the elements of `name` whose `key` is `value`.
    Select(&'p str, &'p str, &'p str),
}

/// The first segment of `path` and the rest (segments are parsed as the walk goes: no
/// allocation per lookup).
fn split_segment(path: &str) -> (Segment<'_>, Option<&str>) {
    let (seg, rest) = match path.split_once('.') {
        Some((seg, rest)) => (seg, Some(rest)),
        None => (path, None),
    };
    let segment = match seg.split_once('[') {
        None => Segment::Member(seg),
        Some((name, inner)) => {
            let inner = inner.strip_suffix(']').unwrap_or(inner);
            match inner.split_once('=') {
                Some((key, value)) => Segment::Select(name, key, value),
                None => Segment::Each(name),
            }
        }
    };
    (segment, rest)
}

fn json_scalar(value: &serde_json::Value) -> Option<Scalar<'_>> {
    match value {
        serde_json::Value::String(s) => Some(Scalar::Str(Cow::Borrowed(s))),
        serde_json::Value::Number(n) => {
            n.as_i64().map(Scalar::Int).or_else(|| n.as_f64().map(Scalar::Float))
        }
        serde_json::Value::Bool(b) => Some(Scalar::Bool(*b)),
        _ => None,
    }
}

/// Collects the scalars at `path` below `value` into `out`, stopping after `limit`.
fn walk<'v>(
    value: &'v serde_json::Value,
    path: Option<&str>,
    out: &mut Vec<Scalar<'v>>,
    limit: usize,
) {
    if out.len() >= limit {
        return;
    }
    let Some(path) = path else {
        match value {
            serde_json::Value::Array(items) => {
                out.extend(items.iter().filter_map(json_scalar).take(limit - out.len()))
            }
            other => out.extend(json_scalar(other)),
        }
        return;
    };
    let (segment, rest) = split_segment(path);
    match segment {
        Segment::Member(name) => {
            if let Some(v) = value.get(name) {
                walk(v, rest, out, limit);
            }
        }
        Segment::Each(name) => {
            for v in value.get(name).and_then(|v| v.as_array()).into_iter().flatten() {
                walk(v, rest, out, limit);
            }
        }
        Segment::Select(name, key, want) => {
            for v in value.get(name).and_then(|v| v.as_array()).into_iter().flatten() {
                let hit = v.get(key).and_then(json_scalar).is_some_and(|s| s.text() == want);
                if hit {
                    walk(v, rest, out, limit);
                }
            }
        }
    }
}

impl Fields for serde_json::Value {
    fn get(&self, path: &str) -> Option<Scalar<'_>> {
        // The common case, plain members down to a scalar, without a buffer.
        if !path.contains('[') {
            let mut v = self;
            for name in path.split('.') {
                v = v.get(name)?;
            }
            return json_scalar(v)
                .or_else(|| v.as_array().and_then(|a| a.iter().find_map(json_scalar)));
        }
        let mut out = Vec::with_capacity(1);
        walk(self, Some(path), &mut out, 1);
        out.pop()
    }

    fn get_all(&self, path: &str) -> Vec<Scalar<'_>> {
        let mut out = Vec::new();
        walk(self, Some(path), &mut out, crate::limits::MAX_IMPORT_LIST_VALUES);
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_paths_select_members_lists_and_elements() {
        let v: serde_json::Value = serde_json::json!({
            "time": 1700000000000_i64,
            "process": {"pid": 42, "file": {"hashes": [
                {"algorithm_id": 2, "value": "sha1"},
                {"algorithm_id": 1, "value": "md5"}
            ]}},
            "user": {"groups": [{"name": "wheel"}, {"name": "users"}, {"uid": 3}]},
            "device": {"ip": ["10.0.0.1", "10.0.0.2"]},
            "ratio": 2.5
        });
        assert_eq!(Fields::get(&v, "process.pid"), Some(Scalar::Int(42)));
        assert_eq!(
            Fields::get(&v, "process.file.hashes[algorithm_id=1].value").unwrap().text(),
            "md5"
        );
        let groups: Vec<String> = Fields::get_all(&v, "user.groups[].name")
            .iter()
            .map(|s| s.text().into_owned())
            .collect();
        assert_eq!(groups, ["wheel", "users"]);
        assert_eq!(Fields::get_all(&v, "device.ip").len(), 2);
        assert_eq!(Fields::get(&v, "process"), None, "objects are not scalars");
        assert_eq!(Fields::get(&v, "nope.deeper"), None);
        assert_eq!(Fields::get(&v, "ratio").unwrap().text(), "2.5");
        assert_eq!(Scalar::Float(3.0).text(), "3");
    }

    #[test]
    fn flat_fields_keep_the_first_value() {
        let mut f = FlatFields::default();
        f.push("Image", "C:\\a.exe");
        f.push("Image", "C:\\b.exe");
        assert_eq!(f.get("Image").unwrap().text(), "C:\\a.exe");
        assert_eq!(f.get("User"), None);
    }
}
