//! Per-field indexes: which leaves an observed value satisfies, at a cost that does not grow
//! with the number of IOCs.
//!
//! For each field some leaf reads, equality tests go into hash maps (folded text, exact text,
//! digest bytes, integers, addresses, dates, booleans), substring tests into one Aho-Corasick
//! automaton per field and case mode (a match's position decides `starts-with`/`ends-with`),
//! and the rest (ranges, comparisons, regexes) into a short list tested one by one. The result
//! of [`FieldIndex::raw_matches`] is every leaf of the field whose condition holds *before
//! negation*: exactly what [`super::tree::Leaf::raw_match`] says for each leaf, which a
//! property test checks.

use super::tree::{Group, GroupId, Leaf, LeafId};
use super::value::{decode_digest, fold_text, value_text, Test};
use crate::item::{ItemKind, Value};
use crate::terms::{Cost, Field, FieldSet};
use aho_corasick::{AhoCorasick, MatchKind};
use chrono::{DateTime, Utc};
use std::collections::HashMap;
use std::net::IpAddr;

/// Where a substring pattern must sit.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Anchor {
    Anywhere,
    Start,
    End,
}

/// One automaton over the patterns of one field and case mode.
#[derive(Debug)]
struct Substrings {
    ac: AhoCorasick,
    /// Per pattern id: the leaves using that pattern and where it must sit.
    leaves: Vec<Vec<(LeafId, Anchor)>>,
}

impl Substrings {
    fn build(entries: Vec<(Box<str>, LeafId, Anchor)>) -> Option<Substrings> {
        if entries.is_empty() {
            return None;
        }
        let mut ids: HashMap<Box<str>, usize> = HashMap::new();
        let mut patterns: Vec<Box<str>> = Vec::new();
        let mut leaves: Vec<Vec<(LeafId, Anchor)>> = Vec::new();
        for (pattern, leaf, anchor) in entries {
            let id = *ids.entry(pattern.clone()).or_insert_with(|| {
                patterns.push(pattern);
                leaves.push(Vec::new());
                patterns.len() - 1
            });
            leaves[id].push((leaf, anchor));
        }
        // Standard semantics is required for overlapping search: every occurrence of every
        // pattern is reported, so no leaf hides another.
        let ac = AhoCorasick::builder()
            .match_kind(MatchKind::Standard)
            .build(patterns.iter().map(|p| p.as_bytes()))
            .ok()?;
        Some(Substrings { ac, leaves })
    }

    fn scan(&self, text: &str, out: &mut Vec<LeafId>) {
        for m in self.ac.find_overlapping_iter(text) {
            for &(leaf, anchor) in &self.leaves[m.pattern().as_usize()] {
                let ok = match anchor {
                    Anchor::Anywhere => true,
                    Anchor::Start => m.start() == 0,
                    Anchor::End => m.end() == text.len(),
                };
                if ok {
                    out.push(leaf);
                }
            }
        }
    }
}

/// The index of one field.
#[derive(Debug)]
pub(crate) struct FieldIndex {
    pub field: Field,
    /// Every leaf reading the field (for the unindexed reference path).
    pub leaves: Vec<LeafId>,
    text_fold: HashMap<Box<str>, Vec<LeafId>>,
    text_exact: HashMap<Box<str>, Vec<LeafId>>,
    digests: HashMap<Box<[u8]>, Vec<LeafId>>,
    ints: HashMap<i64, Vec<LeafId>>,
    ips: HashMap<IpAddr, Vec<LeafId>>,
    dates: HashMap<DateTime<Utc>, Vec<LeafId>>,
    bools: [Vec<LeafId>; 2],
    sub_fold: Option<Substrings>,
    sub_exact: Option<Substrings>,
    /// Leaves tested one by one.
    scan: Vec<LeafId>,
}

impl FieldIndex {
    fn build(field: Field, leaf_ids: &[LeafId], leaves: &[Leaf]) -> FieldIndex {
        let mut ix = FieldIndex {
            field,
            leaves: leaf_ids.to_vec(),
            text_fold: HashMap::new(),
            text_exact: HashMap::new(),
            digests: HashMap::new(),
            ints: HashMap::new(),
            ips: HashMap::new(),
            dates: HashMap::new(),
            bools: [Vec::new(), Vec::new()],
            sub_fold: None,
            sub_exact: None,
            scan: Vec::new(),
        };
        let (mut fold_subs, mut exact_subs) = (Vec::new(), Vec::new());
        for &id in leaf_ids {
            let leaf = &leaves[id as usize];
            let Some(test) = &leaf.test else { continue };
            let mut sub = |p: &str, anchor| {
                let list = if leaf.fold { &mut fold_subs } else { &mut exact_subs };
                list.push((Box::<str>::from(p), id, anchor));
            };
            match test {
                Test::TextEq(t) if leaf.fold => ix.text_fold.entry(t.clone()).or_default().push(id),
                Test::TextEq(t) => ix.text_exact.entry(t.clone()).or_default().push(id),
                Test::DigestEq(d) => ix.digests.entry(d.clone()).or_default().push(id),
                Test::IntRange(a, b) if a == b => ix.ints.entry(*a).or_default().push(id),
                Test::DateRange(a, b) if a == b => ix.dates.entry(*a).or_default().push(id),
                Test::IpEq(ip) => ix.ips.entry(*ip).or_default().push(id),
                Test::BoolEq(b) => ix.bools[usize::from(*b)].push(id),
                Test::Contains(p) => sub(p, Anchor::Anywhere),
                Test::StartsWith(p) => sub(p, Anchor::Start),
                Test::EndsWith(p) => sub(p, Anchor::End),
                _ => ix.scan.push(id),
            }
        }
        // An automaton that fails to build (far beyond any real size) degrades to scanning.
        for (entries, slot) in [(fold_subs, &mut ix.sub_fold), (exact_subs, &mut ix.sub_exact)] {
            let ids: Vec<LeafId> = entries.iter().map(|e| e.1).collect();
            *slot = Substrings::build(entries);
            if slot.is_none() {
                ix.scan.extend(ids);
            }
        }
        ix
    }

    /// Pushes to `out` every leaf of this field whose condition holds on `value` before
    /// negation (for lists: on some element). May push a leaf more than once.
    pub(crate) fn raw_matches(&self, value: &Value, leaves: &[Leaf], out: &mut Vec<LeafId>) {
        for v in value.each() {
            self.scalar(v, out);
        }
        for &id in &self.scan {
            if leaves[id as usize].raw_match(value) {
                out.push(id);
            }
        }
    }

    fn scalar(&self, v: &Value, out: &mut Vec<LeafId>) {
        let hit = |list: Option<&Vec<LeafId>>, out: &mut Vec<LeafId>| {
            if let Some(list) = list {
                out.extend_from_slice(list);
            }
        };
        match v {
            Value::Str(s) => {
                if !self.text_exact.is_empty() {
                    hit(self.text_exact.get(s.as_str()), out);
                }
                if let Some(sub) = &self.sub_exact {
                    sub.scan(s, out);
                }
                if !self.digests.is_empty() {
                    let mut buf = [0u8; 32];
                    if let Some(bytes) = decode_digest(s, &mut buf) {
                        hit(self.digests.get(bytes), out);
                    }
                }
                if !self.text_fold.is_empty() || self.sub_fold.is_some() {
                    let folded = fold_text(s, true);
                    if !self.text_fold.is_empty() {
                        hit(self.text_fold.get(&*folded), out);
                    }
                    if let Some(sub) = &self.sub_fold {
                        sub.scan(&folded, out);
                    }
                }
                return;
            }
            Value::Int(n) => hit(self.ints.get(n), out),
            Value::Ip(ip) => hit(self.ips.get(&ip.to_canonical()), out),
            Value::Date(d) => hit(self.dates.get(d), out),
            Value::Bool(b) => out.extend_from_slice(&self.bools[usize::from(*b)]),
            Value::List(_) => return,
        }
        // Substring conditions on typed values see their text.
        if let Some(sub) = &self.sub_fold {
            sub.scan(&value_text(v, true), out);
        }
        if let Some(sub) = &self.sub_exact {
            sub.scan(&value_text(v, false), out);
        }
    }
}

/// The indexes and candidate lists of one item kind.
#[derive(Debug, Default)]
pub(crate) struct KindIndex {
    /// Metadata fields first, then content fields (cheap before expensive).
    pub fields: Vec<FieldIndex>,
    /// Where the content fields start in `fields`.
    pub content_start: usize,
    /// Groups without a trigger: tried on every item of the kind.
    pub always: Vec<GroupId>,
    /// Content fields some trigger reads: computed for every item of the kind.
    pub content_triggers: FieldSet,
    /// True when some group of this kind can match.
    pub any_group: bool,
}

/// Builds the per-kind indexes and fills each leaf's trigger list.
pub(crate) fn build(leaves: &mut [Leaf], groups: &[Group]) -> [KindIndex; 6] {
    let mut kinds: [KindIndex; 6] = Default::default();
    let mut by_field: HashMap<Field, Vec<LeafId>> = HashMap::new();
    for (gid, group) in groups.iter().enumerate() {
        let k = kind_slot(group.kind);
        if !group.expr.can_match() {
            continue;
        }
        kinds[k].any_group = true;
        for &l in &group.leaves {
            if let Some(f) = leaves[l as usize].field {
                by_field.entry(f).or_default().push(l);
            }
        }
        match super::group::trigger(&group.expr, leaves) {
            None => kinds[k].always.push(gid as GroupId),
            Some((_, set)) => {
                for l in set {
                    let leaf = &mut leaves[l as usize];
                    if leaf.triggers.last() != Some(&(gid as GroupId)) {
                        leaf.triggers.push(gid as GroupId);
                    }
                    if let Some(f) = leaf.field.filter(|f| f.term().cost == Cost::Content) {
                        kinds[k].content_triggers.insert(f);
                    }
                }
            }
        }
    }
    let mut fields: Vec<(Field, Vec<LeafId>)> = by_field.into_iter().collect();
    // Catalogue order within a cost class keeps the evaluation order deterministic.
    fields.sort_by_key(|(f, _)| (f.term().cost, *f));
    for (field, mut ids) in fields {
        ids.sort_unstable();
        ids.dedup();
        let k = &mut kinds[kind_slot(field.kind())];
        if field.term().cost == Cost::Metadata {
            k.content_start += 1;
        }
        k.fields.push(FieldIndex::build(field, &ids, leaves));
    }
    kinds
}

/// The position of `kind` in [`ItemKind::ALL`].
pub(crate) fn kind_slot(kind: ItemKind) -> usize {
    ItemKind::ALL.iter().position(|k| *k == kind).unwrap_or(0)
}
