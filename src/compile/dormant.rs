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
//! run compiled alone (chunk-local ids), checked against the catalogue when read.

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

/// The ids and files of a dormant segment's IOCs, in order: what a result lists of a clean
/// IOC.
#[derive(Debug, Default)]
pub(crate) struct Identities {
    pub ids: Vec<String>,
    pub files: Vec<PathBuf>,
}

impl Identities {
    /// How many IOCs.
    pub(crate) fn len(&self) -> usize {
        self.ids.len()
    }
}

/// The key a leaf's equality posts in its field's index (see `index::FieldIndex`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub(crate) enum Key {
    /// Case-folded text.
    Fold(Arc<str>),
    /// Text compared as written.
    Exact(Arc<str>),
    /// A digest, as lower-case hex.
    Digest(Arc<str>),
    /// An integer.
    Int(i64),
    /// An address.
    Ip(IpAddr),
}

impl Key {
    /// The key of a leaf that can be dormant.
    fn of(leaf: &Leaf) -> Option<Key> {
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
            Test::TextEq(t) if leaf.fold => Key::Fold(t.clone()),
            Test::TextEq(t) => Key::Exact(t.clone()),
            Test::DigestEq(d) => Key::Digest(d.clone()),
            Test::IntRange(a, b) if a == b => Key::Int(*a),
            Test::IpEq(ip) => Key::Ip(*ip),
            _ => return None,
        })
    }
}

/// What a bundle stores of a dormant run; ids are the run's own (leaf 0 is its first).
#[derive(Debug, Serialize, Deserialize)]
pub(crate) struct Summary {
    /// Per leaf: its field (catalogue index) and key.
    pub keys: Vec<(u16, Key)>,
    /// Per group: its kind ([`ItemKind::index`]).
    pub kinds: Vec<u8>,
    /// (leaf, group): the leaf is part of the group's trigger.
    pub detection: Vec<(u32, u32)>,
    /// (field, group): an unknown value of the field can leave the group unknown.
    pub unknown: Vec<(u16, u32)>,
    /// Per IOC: its id and file (as lossless path text).
    pub ids: Vec<String>,
    pub files: Vec<String>,
}

/// A summary checked against the catalogue and its own counts.
pub(crate) struct Checked {
    pub keys: Vec<(Field, Key)>,
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
        Some(Summary {
            keys,
            kinds: groups.iter().map(|g| g.kind.index() as u8).collect(),
            detection,
            unknown: unknown.into_iter().map(|(f, g)| (f as u16, g)).collect(),
            ids: iocs.iter().map(|i| i.info.id.clone()).collect(),
            files: iocs
                .iter()
                .map(|i| crate::path_text::escape_owned(i.info.file.as_os_str()))
                .collect(),
        })
    }

    /// Checks every index against the catalogue and the run's own counts (a bundle is
    /// hostile input even when its digests match).
    pub(crate) fn check(self) -> Result<Checked, String> {
        let field = |f: u16| TERMS.get(f as usize).map(|t| t.field).ok_or("an unknown field");
        let (leaves, groups) = (self.keys.len() as u32, self.kinds.len() as u32);
        let keys = self
            .keys
            .into_iter()
            .map(|(f, k)| Ok((field(f)?, k)))
            .collect::<Result<Vec<_>, &str>>()?;
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
        let files = self
            .files
            .iter()
            .map(|f| crate::path_text::unescape(f).map(PathBuf::from).ok_or("a bad file name"))
            .collect::<Result<_, _>>()?;
        Ok(Checked {
            keys,
            kinds,
            detection: self.detection,
            unknown,
            identity: Identities { ids: self.ids, files },
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
