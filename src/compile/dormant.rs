//! Dormant segments: what a bundle stores of a run of IOCs so that a scan can use the run
//! without compiling it ([`super::segment`]).
//!
//! A run qualifies when only exact equality can make its IOCs true or unknown: every
//! IndicatorItem is supported, not negated, and an equality the field indexes hash (text,
//! digest, integer, address); no Indicator has an unknown operator, a never-matching part
//! or a sub-list binding; every group has a trigger. Then an item can touch the run only by
//! holding one of its keys (or by lacking a field its groups read), and while nothing
//! touches it its groups are false and its IOCs clean: the [`Summary`] (keys, triggers,
//! group kinds, identities) is all a scan needs until then. Computed by the writer from the
//! run compiled alone (chunk-local ids), checked against the catalogue when read; read in
//! place: its texts stay in the bytes read and the ruleset keeps [`Span`]s of them.

use super::tree::{GExpr, Group, Leaf, Op};
use super::value::Test;
use super::{triggers, CompiledIoc};
use crate::item::ItemKind;
use crate::logic::{self, Truth};
use crate::terms::{Field, TERMS};
use serde::{Deserialize, Serialize};
use std::net::IpAddr;
use std::path::PathBuf;
use std::sync::Arc;

/// The bytes a dormant segment's texts (keys, ids, file names) lie in: its bundle's
/// verified index, read once and shared, so that 100,000 IOCs load without 300,000 small
/// allocations (on the machines iocscan runs on, the pages a load first touches cost more
/// than the work done in them).
pub(crate) type Text = Arc<Vec<u8>>;

/// Where one text lies in a [`Text`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Span {
    at: u32,
    len: u32,
}

impl Span {
    /// The span of `part`, a slice borrowed from `text` (`None` when it is not one).
    fn of(text: &[u8], part: &[u8]) -> Option<Span> {
        let at = (part.as_ptr() as usize).checked_sub(text.as_ptr() as usize)?;
        let end = at.checked_add(part.len()).filter(|&end| end <= text.len())?;
        Some(Span { at: u32::try_from(at).ok()?, len: u32::try_from(end - at).ok()? })
    }

    /// Its bytes in `text`.
    pub(crate) fn bytes<'t>(&self, text: &'t [u8]) -> &'t [u8] {
        text.get(self.at as usize..(self.at + self.len) as usize).unwrap_or_default()
    }

    /// Its text in `text` (made from a `&str` of it: always UTF-8).
    pub(crate) fn str<'t>(&self, text: &'t [u8]) -> &'t str {
        std::str::from_utf8(self.bytes(text)).unwrap_or_default()
    }
}

/// The ids and files of a dormant segment's IOCs, in order: what a result lists of a clean
/// IOC, read from the bundle's index when asked.
#[derive(Debug, Default)]
pub(crate) struct Identities {
    text: Text,
    ids: Vec<Span>,
    /// Per IOC its folder (in `dirs`) and name, lossless path texts (each checked to
    /// unescape: so does their concatenation, to the concatenation of the paths).
    files: Vec<(u32, Span)>,
    dirs: Vec<Span>,
}

impl Identities {
    /// How many IOCs.
    pub(crate) fn len(&self) -> usize {
        self.ids.len()
    }

    /// The `i`th id's bytes (UTF-8; empty past the end).
    pub(crate) fn id_bytes(&self, i: usize) -> &[u8] {
        self.ids.get(i).map_or(&[][..], |s| s.bytes(&self.text))
    }

    /// The ids, in order.
    pub(crate) fn ids(&self) -> impl ExactSizeIterator<Item = &str> + '_ {
        self.ids.iter().map(|s| s.str(&self.text))
    }

    /// Each IOC's id and file, in order.
    pub(crate) fn iter(&self) -> impl Iterator<Item = (&str, PathBuf)> + '_ {
        let unescape = |s: &Span| crate::path_text::unescape(s.str(&self.text)).unwrap_or_default();
        let file = move |(dir, name): &(u32, Span)| {
            let mut path = self.dirs.get(*dir as usize).map(unescape).unwrap_or_default();
            path.push(unescape(name));
            PathBuf::from(path)
        };
        self.ids().zip(self.files.iter().map(file))
    }
}

/// The longest digest a dormant key holds (SHA-512): an item's digest text is decoded into
/// this many bytes at most to be looked up.
pub(crate) const MAX_DIGEST_BYTES: usize = 64;

/// The key a leaf's equality posts in its field's index (see `index::FieldIndex`): texts
/// as `S` and bytes as `B`, owned when written, borrowed or [`Span`]s when read.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub(crate) enum Key<S, B = S> {
    /// Case-folded text.
    Fold(S),
    /// Text compared as written.
    Exact(S),
    /// A digest's bytes (at most [`MAX_DIGEST_BYTES`]).
    Digest(B),
    /// An integer.
    Int(i64),
    /// An address.
    Ip(IpAddr),
}

impl Key<&str, &[u8]> {
    /// The key with its text as a span of `text` (`None` when it is not borrowed from it).
    fn span(self, text: &[u8]) -> Option<Key<Span>> {
        Some(match self {
            Key::Fold(t) => Key::Fold(Span::of(text, t.as_bytes())?),
            Key::Exact(t) => Key::Exact(Span::of(text, t.as_bytes())?),
            Key::Digest(b) if b.len() <= MAX_DIGEST_BYTES => Key::Digest(Span::of(text, b)?),
            Key::Digest(_) => return None,
            Key::Int(n) => Key::Int(n),
            Key::Ip(ip) => Key::Ip(ip),
        })
    }
}

impl Key<String, Vec<u8>> {
    /// The key of a leaf that can be dormant.
    fn of(leaf: &Leaf) -> Option<Key<String, Vec<u8>>> {
        if leaf.negate || leaf.never.is_some() {
            return None;
        }
        let field = leaf.field?;
        // Content strings are probed from every leaf on them (`collect::content`), and
        // sub-list columns bind to elements: such leaves stay compiled.
        if field.term().element.is_some()
            || matches!(field, Field::FileStringListString | Field::ProcessStringListString)
        {
            return None;
        }
        Some(match leaf.test.as_ref()? {
            Test::TextEq(t) if leaf.fold => Key::Fold(t.to_string()),
            Test::TextEq(t) => Key::Exact(t.to_string()),
            // Digest keys are valid lower-case hex: their bytes are half their size.
            Test::DigestEq(d) => {
                Key::Digest(hex::decode(&**d).ok().filter(|b| b.len() <= MAX_DIGEST_BYTES)?)
            }
            Test::IntRange(a, b) if a == b => Key::Int(*a),
            Test::IpEq(ip) => Key::Ip(*ip),
            _ => return None,
        })
    }
}

/// What a bundle stores of a dormant run; ids are the run's own (leaf 0 is its first).
/// Texts are `S` and bytes `B`: owned when written, borrowed from the bytes read when read
/// (postcard writes a `Vec<u8>` as it writes bytes).
#[derive(Debug, Serialize, Deserialize)]
pub(crate) struct Summary<S = String, B = Vec<u8>> {
    /// Per leaf: its field (catalogue index) and key.
    pub keys: Vec<(u16, Key<S, B>)>,
    /// Per group: its kind ([`ItemKind::index`]).
    pub kinds: Vec<u8>,
    /// (leaf, group): the leaf is part of the group's trigger.
    pub detection: Vec<(u32, u32)>,
    /// (field, group): an unknown value of the field can leave the group unknown.
    pub unknown: Vec<(u16, u32)>,
    /// Per IOC: its id, and its file as its folder (an index in `dirs`) and name, lossless
    /// path texts (a folder's ends with `/`): a collection's files share a few folders.
    pub ids: Vec<S>,
    pub files: Vec<(u32, S)>,
    pub dirs: Vec<S>,
}

/// A summary checked against the catalogue and its own counts, its texts spans of `text`.
pub(crate) struct Checked {
    pub text: Text,
    pub keys: Vec<(Field, Key<Span>)>,
    pub kinds: Vec<ItemKind>,
    pub detection: Vec<(u32, u32)>,
    pub unknown: Vec<(Field, u32)>,
    pub identity: Identities,
}

impl Summary {
    /// The summary of a compiled run, or `None` when the run cannot be dormant.
    pub(crate) fn of(leaves: &[Leaf], groups: &[Group], iocs: &[CompiledIoc]) -> Option<Summary> {
        let keys = leaves
            .iter()
            .map(|l| Some((l.field? as u16, Key::of(l)?)))
            .collect::<Option<Vec<_>>>()?;
        if !groups.iter().all(|g| plain(&g.expr)) || !iocs.iter().all(clean_alone) {
            return None;
        }
        let (kinds, triggers) = triggers::build(leaves, groups);
        if kinds.iter().any(|k| !k.always.is_empty() || !k.verdict_always.is_empty()) {
            return None;
        }
        let [detection, verdict, unknown] = triggers.pairs();
        if !verdict.is_empty() {
            return None;
        }
        let (files, dirs) = split_files(iocs);
        Some(Summary {
            keys,
            kinds: groups.iter().map(|g| g.kind.index() as u8).collect(),
            detection,
            unknown: unknown.into_iter().map(|(f, g)| (f as u16, g)).collect(),
            ids: iocs.iter().map(|i| i.info.id.clone()).collect(),
            files,
            dirs,
        })
    }
}

/// The files of `iocs` as (folder, name) lossless path texts, the folders numbered in
/// `dirs`: split after the last `/` (which no escape holds).
fn split_files(iocs: &[CompiledIoc]) -> (Vec<(u32, String)>, Vec<String>) {
    let mut dirs: Vec<String> = Vec::new();
    let mut numbers: std::collections::HashMap<String, u32> = Default::default();
    let files = iocs
        .iter()
        .map(|i| {
            let text = crate::path_text::escape_owned(i.info.file.as_os_str());
            let cut = text.rfind('/').map_or(0, |at| at + 1);
            let (dir, name) = text.split_at(cut);
            let n = *numbers.entry(dir.to_owned()).or_insert_with(|| {
                dirs.push(dir.to_owned());
                (dirs.len() - 1) as u32
            });
            (n, name.to_owned())
        })
        .collect();
    (files, dirs)
}

impl Summary<&str, &[u8]> {
    /// Checks every index against the catalogue and the run's own counts (a bundle is
    /// hostile input even when its digests match); `text` is the bytes the summary was
    /// read from, which its texts borrow.
    pub(crate) fn check(self, text: &Text) -> Result<Checked, String> {
        let field = |f: u16| TERMS.get(f as usize).map(|t| t.field).ok_or("an unknown field");
        let span = |t: &str| Span::of(text, t.as_bytes());
        let (leaves, groups) = (self.keys.len() as u32, self.kinds.len() as u32);
        // Filled to their exact lengths (a fallible `collect` grows a vector step by step,
        // and each step is fresh pages and a copy).
        let mut keys = Vec::with_capacity(self.keys.len());
        for (f, k) in self.keys {
            keys.push((field(f)?, k.span(text).ok_or("a key outside the summary")?));
        }
        let kinds = self
            .kinds
            .iter()
            .map(|k| ItemKind::ALL.get(*k as usize).copied().ok_or("an unknown item kind"))
            .collect::<Result<Vec<_>, _>>()?;
        if self.detection.iter().any(|(l, g)| *l >= leaves || *g >= groups)
            || self.unknown.iter().any(|(_, g)| *g >= groups)
        {
            return Err("a trigger out of range".into());
        }
        let unknown = self
            .unknown
            .into_iter()
            .map(|(f, g)| Ok((field(f)?, g)))
            .collect::<Result<_, &str>>()?;
        if self.ids.len() != self.files.len() || self.ids.is_empty() {
            return Err("identities that do not pair up".into());
        }
        let ndirs = self.dirs.len() as u32;
        if !self.files.iter().all(|(d, f)| *d < ndirs && crate::path_text::is_escaped(f))
            || !self.dirs.iter().all(|d| crate::path_text::is_escaped(d))
        {
            return Err("a bad file name".into());
        }
        let outside = "an identity outside the summary";
        let spans = |texts: Vec<&str>| {
            let mut spans = Vec::with_capacity(texts.len());
            for t in texts {
                spans.push(span(t).ok_or(outside)?);
            }
            Ok::<_, &str>(spans)
        };
        let (ids, dirs) = (spans(self.ids)?, spans(self.dirs)?);
        let mut files = Vec::with_capacity(self.files.len());
        for (d, f) in self.files {
            files.push((d, span(f).ok_or(outside)?));
        }
        Ok(Checked {
            text: text.clone(),
            keys,
            kinds,
            detection: self.detection,
            unknown,
            identity: Identities { text: text.clone(), ids, files, dirs },
        })
    }
}

/// An expression of supported leaves under AND and OR only, none empty.
fn plain(expr: &GExpr) -> bool {
    match expr {
        GExpr::Leaf(_) => true,
        GExpr::Op(Op::And | Op::Or, children) => !children.is_empty() && children.iter().all(plain),
        _ => false,
    }
}

/// True when the IOC can match and is clean with every group false: no constant unknown,
/// no unknown operator.
fn clean_alone(ioc: &CompiledIoc) -> bool {
    fn known(b: &super::tree::Branch) -> bool {
        b.op.is_some()
            && b.parts.iter().all(|p| match p {
                super::tree::Part::Group(_) => true,
                super::tree::Part::Branch(sub) => known(sub),
                super::tree::Part::Never(_) => false,
            })
    }
    let tops = ioc.tops.iter().map(|b| b.eval3(&|_| Truth::False));
    ioc.info.can_match
        && ioc.tops.iter().all(known)
        && logic::combine3(Some(Op::Or), tops) == Truth::False
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::ffi::OsStr;
    use std::os::unix::ffi::OsStrExt;

    fn ioc(file: &[u8]) -> CompiledIoc {
        CompiledIoc {
            info: super::super::IocInfo {
                id: format!("id-{}", file.len()),
                file: PathBuf::from(OsStr::from_bytes(file)),
                version: crate::model::Version::V1_1,
                position: Default::default(),
                metadata: Default::default(),
                last_modified: None,
                can_match: true,
            },
            tops: Vec::new(),
        }
    }

    #[test]
    fn a_written_summary_reads_back_in_place() {
        let names: [&[u8]; 4] = [b"/iocs/a.ioc", b"/iocs/b\xff.ioc", b"plain.ioc", b"/x\\y/c.ioc"];
        let iocs: Vec<CompiledIoc> = names.iter().map(|n| ioc(n)).collect();
        let (files, dirs) = split_files(&iocs);
        assert_eq!(dirs, ["/iocs/", "", "/x\\\\y/"]);
        let digest = vec![0xd4, 0x1d, 0x8c];
        let written = Summary {
            keys: vec![
                (Field::FileMd5sum as u16, Key::Digest(digest.clone())),
                (Field::FileFileName as u16, Key::Fold("a.exe".to_owned())),
            ],
            kinds: vec![ItemKind::File.index() as u8],
            detection: vec![(0, 0), (1, 0)],
            unknown: Vec::new(),
            ids: iocs.iter().map(|i| i.info.id.clone()).collect(),
            files,
            dirs,
        };
        let text: Text = Arc::new(postcard::to_allocvec(&written).unwrap());
        let read: Summary<&str, &[u8]> = postcard::from_bytes(&text).unwrap();
        let checked = read.check(&text).unwrap();
        let paths: Vec<PathBuf> = checked.identity.iter().map(|(_, p)| p).collect();
        let expected: Vec<PathBuf> =
            names.iter().map(|n| PathBuf::from(OsStr::from_bytes(n))).collect();
        assert_eq!(paths, expected);
        let ids: Vec<&str> = checked.identity.ids().collect();
        assert_eq!(ids, written.ids);
        match checked.keys[..] {
            [(Field::FileMd5sum, Key::Digest(d)), (Field::FileFileName, Key::Fold(f))] => {
                assert_eq!(d.bytes(&text), digest);
                assert_eq!(f.str(&text), "a.exe");
            }
            ref other => panic!("{other:?}"),
        }
    }

    #[test]
    fn a_summary_with_a_bad_folder_is_refused() {
        let written = Summary::<String, Vec<u8>> {
            keys: vec![(Field::FileFileName as u16, Key::Exact("a".to_owned()))],
            kinds: vec![ItemKind::File.index() as u8],
            detection: vec![(0, 0)],
            unknown: Vec::new(),
            ids: vec!["a".to_owned()],
            files: vec![(1, "a.ioc".to_owned())],
            dirs: vec!["/iocs/".to_owned()],
        };
        let text: Text = Arc::new(postcard::to_allocvec(&written).unwrap());
        let read: Summary<&str, &[u8]> = postcard::from_bytes(&text).unwrap();
        assert_eq!(read.check(&text).err().as_deref(), Some("a bad file name"));
    }
}
