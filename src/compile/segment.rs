//! A ruleset's IOCs, leaves and groups in segments: runs of consecutive IOCs with their
//! leaves and groups, numbered as one (global ids, in ruleset order).
//!
//! A segment is *compiled* (its body built with the ruleset) or *dormant*: a bundle's run of
//! IOCs that only exact equality conditions can make true or unknown, whose body is compiled
//! from the bundle the first time something asks for it (an item matched one of its keys, a
//! card or an explanation needs it). Until then the ruleset knows of it only what
//! [`super::dormant`] stored: keys, triggers, group kinds and identities, which is all a
//! scan that never matches it needs. This module stores and looks up; it decides nothing.

use super::dormant::Identities;
use super::tree::{Branch, BranchInfo, GExpr, Group, GroupId, Leaf, LeafId, Unknown};
use super::{CompiledIoc, IocInfo};
use crate::item::ItemKind;
use crate::terms::FieldSet;
use std::sync::{Arc, OnceLock};

/// What a segment holds once compiled; every id in it is global.
#[derive(Debug, Default)]
pub(crate) struct Body {
    pub leaves: Vec<Leaf>,
    pub groups: Vec<Group>,
    pub iocs: Vec<CompiledIoc>,
}

/// Compiles a dormant segment's body when first needed, given the segment's identities and
/// the global ids of its first leaf and group.
pub(crate) type Wake = Box<dyn Fn(&Identities, LeafId, GroupId) -> Body + Send + Sync>;

impl Body {
    /// The body of a dormant segment that could not be compiled when needed (its part of
    /// the bundle no longer reads as it did when loaded): ids in place, every group and IOC
    /// unknown, so that its IOCs are undetermined, never clean, and say why.
    pub(crate) fn unreadable(
        leaves: usize,
        kinds: &[ItemKind],
        identity: &Identities,
        why: &str,
    ) -> Body {
        let info = Arc::new(BranchInfo {
            indicator_id: None,
            operator: format!("(not evaluated: {why})").into(),
            position: Default::default(),
            depth: 0,
        });
        let leaf = Leaf {
            field: None,
            test: None,
            cond: None,
            negate: false,
            fold: false,
            never: None,
            item_id: None,
            position: Default::default(),
            text: String::new(),
            comment: None,
        };
        let group = |kind: &ItemKind| Group {
            kind: *kind,
            expr: GExpr::Unknown(Unknown::Indicator(info.clone())),
            leaves: Vec::new(),
            fields: FieldSet::new(),
            info: info.clone(),
        };
        let ioc = |(id, file): (&str, std::path::PathBuf)| CompiledIoc {
            info: IocInfo {
                id: id.to_owned(),
                file,
                version: crate::model::Version::V1_1,
                position: Default::default(),
                metadata: Default::default(),
                last_modified: None,
                can_match: false,
            },
            tops: vec![Branch { info: info.clone(), op: None, parts: Vec::new(), scoped: false }],
        };
        Body {
            leaves: vec![leaf; leaves],
            groups: kinds.iter().map(group).collect(),
            iocs: identity.iter().map(ioc).collect(),
        }
    }
}

/// One run of IOCs.
pub(crate) struct Segment {
    /// Global ids of its first leaf, group and IOC.
    pub leaf0: LeafId,
    pub group0: GroupId,
    pub ioc0: u32,
    /// How many it holds of each.
    pub leaves: u32,
    pub groups: u32,
    pub iocs: u32,
    body: OnceLock<Body>,
    /// `Some` for a dormant segment.
    wake: Option<Wake>,
    /// A dormant segment's identities, without compiling it.
    pub identity: Option<Identities>,
}

impl std::fmt::Debug for Segment {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Segment")
            .field("leaf0", &self.leaf0)
            .field("group0", &self.group0)
            .field("ioc0", &self.ioc0)
            .field("dormant", &self.wake.is_some())
            .field("woken", &self.body.get().is_some())
            .finish()
    }
}

impl Segment {
    /// The body, compiled now if the segment was dormant.
    pub(crate) fn body(&self) -> &Body {
        self.body.get_or_init(|| match (&self.wake, &self.identity) {
            (Some(wake), Some(identity)) => wake(identity, self.leaf0, self.group0),
            _ => Body::default(),
        })
    }

    /// The body if it is compiled (never compiles one).
    pub(crate) fn compiled(&self) -> Option<&Body> {
        self.body.get()
    }

    /// The range of its groups.
    pub(crate) fn group_range(&self) -> std::ops::Range<GroupId> {
        self.group0..self.group0 + self.groups
    }
}

/// The segments, in ruleset order, and their totals.
#[derive(Debug, Default)]
pub(crate) struct Segments {
    list: Vec<Segment>,
    leaves: u32,
    groups: u32,
    iocs: u32,
}

impl Segments {
    /// Appends a compiled run (its ids already global).
    pub(crate) fn push_compiled(&mut self, body: Body) {
        let segment = self.next(body.leaves.len(), body.groups.len(), body.iocs.len());
        let _ = segment.body.set(body);
        self.list.push(segment);
    }

    /// Appends a dormant run of `leaves`, `groups` and `identity.len()` IOCs.
    pub(crate) fn push_dormant(
        &mut self,
        leaves: usize,
        groups: usize,
        identity: Identities,
        wake: Wake,
    ) {
        let mut segment = self.next(leaves, groups, identity.len());
        segment.wake = Some(wake);
        segment.identity = Some(identity);
        self.list.push(segment);
    }

    fn next(&mut self, leaves: usize, groups: usize, iocs: usize) -> Segment {
        let segment = Segment {
            leaf0: self.leaves,
            group0: self.groups,
            ioc0: self.iocs,
            leaves: leaves as u32,
            groups: groups as u32,
            iocs: iocs as u32,
            body: OnceLock::new(),
            wake: None,
            identity: None,
        };
        self.leaves += segment.leaves;
        self.groups += segment.groups;
        self.iocs += segment.iocs;
        segment
    }

    /// The segments, in order.
    pub(crate) fn list(&self) -> &[Segment] {
        &self.list
    }

    /// Totals: leaves, groups, IOCs.
    pub(crate) fn leaf_count(&self) -> usize {
        self.leaves as usize
    }

    pub(crate) fn group_count(&self) -> usize {
        self.groups as usize
    }

    pub(crate) fn ioc_count(&self) -> usize {
        self.iocs as usize
    }

    /// The segment holding the entry whose id `of(segment)..` starts at or before `id`.
    fn find(&self, id: u32, first: fn(&Segment) -> u32) -> &Segment {
        match self.list.as_slice() {
            [only] => only,
            list => &list[list.partition_point(|s| first(s) <= id).saturating_sub(1)],
        }
    }

    /// Leaf `l` (its segment compiled if need be).
    pub(crate) fn leaf(&self, l: LeafId) -> &Leaf {
        let s = self.find(l, |s| s.leaf0);
        &s.body().leaves[(l - s.leaf0) as usize]
    }

    /// Group `g` (its segment compiled if need be).
    pub(crate) fn group(&self, g: GroupId) -> &Group {
        let s = self.find(g, |s| s.group0);
        &s.body().groups[(g - s.group0) as usize]
    }

    /// IOC `i` in ruleset order (its segment compiled if need be).
    pub(crate) fn ioc(&self, i: usize) -> &CompiledIoc {
        let s = self.find(i as u32, |s| s.ioc0);
        &s.body().iocs[i - s.ioc0 as usize]
    }

    /// Every IOC in ruleset order, every segment compiled.
    pub(crate) fn iocs(&self) -> impl ExactSizeIterator<Item = &CompiledIoc> + '_ {
        Counted { inner: self.list.iter().flat_map(|s| s.body().iocs.iter()), left: self.iocs }
    }

    /// Every leaf, every segment compiled.
    pub(crate) fn leaves(&self) -> impl Iterator<Item = &Leaf> + '_ {
        self.list.iter().flat_map(|s| s.body().leaves.iter())
    }

    /// Every group, every segment compiled.
    pub(crate) fn groups(&self) -> impl Iterator<Item = &Group> + '_ {
        self.list.iter().flat_map(|s| s.body().groups.iter())
    }

    /// The leaves of the compiled segments (those a dormant one holds are exact equality
    /// conditions only, indexed apart: see [`super::dormant`]).
    pub(crate) fn compiled_leaves(&self) -> impl Iterator<Item = &Leaf> + '_ {
        self.list.iter().filter_map(Segment::compiled).flat_map(|b| b.leaves.iter())
    }
}

/// An iterator that knows its length.
struct Counted<I> {
    inner: I,
    left: u32,
}

impl<'a, I: Iterator<Item = &'a CompiledIoc>> Iterator for Counted<I> {
    type Item = &'a CompiledIoc;

    fn next(&mut self) -> Option<Self::Item> {
        let next = self.inner.next()?;
        self.left = self.left.saturating_sub(1);
        Some(next)
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        (self.left as usize, Some(self.left as usize))
    }
}

impl<'a, I: Iterator<Item = &'a CompiledIoc>> ExactSizeIterator for Counted<I> {}

/// Leaves by global id, as `leaves[id as usize]`.
impl std::ops::Index<usize> for Segments {
    type Output = Leaf;

    fn index(&self, l: usize) -> &Leaf {
        self.leaf(l as LeafId)
    }
}
