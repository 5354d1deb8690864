//! Per-field indexes: which leaves an observed value satisfies, at a cost that does not grow
//! with the number of IOCs.
//!
//! For each field some leaf reads, equality tests go into hash maps (folded text, exact text,
//! canonical lower-case digest hex, integers, addresses, dates, booleans), substring tests
//! into one Aho-Corasick automaton per field and case mode (a match's position decides
//! `starts-with`/`ends-with`), and the rest (ranges, comparisons, regexes) into a short list
//! tested one by one. A dormant segment's text keys are not copied into those maps: one
//! table per field holds spans of the bundle bytes they were read from ([`DormantKeys`]),
//! looked up the same way. The result of [`FieldIndex::raw_matches`] is every leaf of the
//! field whose condition holds *before negation*: exactly what
//! [`super::tree::Leaf::raw_match`] says for each leaf, which unit and property tests check.

use super::dormant::{Key, Span, Text, MAX_DIGEST_BYTES};
use super::tree::{Group, LeafId};
use super::triggers::KindTriggers;
use super::value::{fold_text, value_text, Test};
use super::LeafTable;
use crate::item::{ItemKind, Value};
use crate::logic::Truth;
use crate::terms::{Cost, Field};
use ahash::AHashMap as HashMap;
use aho_corasick::{AhoCorasick, AhoCorasickKind, MatchKind};
use chrono::{DateTime, Utc};
use std::collections::hash_map::Entry;
use std::net::IpAddr;
use std::sync::Arc;

/// Largest total of substring pattern bytes (per field and case mode) compiled to a DFA.
const DFA_MAX_PATTERN_BYTES: usize = 128 * 1024;

/// The leaves of one index key: nearly always one, stored without an allocation.
#[derive(Clone, Debug)]
enum Postings {
    One(LeafId),
    Many(Vec<LeafId>),
}

impl Postings {
    fn push(slot: Option<&mut Postings>, id: LeafId) -> Option<Postings> {
        match slot {
            None => Some(Postings::One(id)),
            Some(p) => {
                *p = match std::mem::replace(p, Postings::Many(Vec::new())) {
                    Postings::One(first) => Postings::Many(vec![first, id]),
                    Postings::Many(mut v) => {
                        v.push(id);
                        Postings::Many(v)
                    }
                };
                None
            }
        }
    }

    fn as_slice(&self) -> &[LeafId] {
        match self {
            Postings::One(id) => std::slice::from_ref(id),
            Postings::Many(v) => v,
        }
    }
}

/// Adds `id` under `key`.
fn post<K: std::hash::Hash + Eq>(map: &mut HashMap<K, Postings>, key: K, id: LeafId) {
    match map.entry(key) {
        Entry::Occupied(mut e) => {
            Postings::push(Some(e.get_mut()), id);
        }
        Entry::Vacant(e) => {
            if let Some(p) = Postings::push(None, id) {
                e.insert(p);
            }
        }
    }
}

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
    fn build(entries: Vec<(Arc<str>, LeafId, Anchor)>) -> Option<Substrings> {
        if entries.is_empty() {
            return None;
        }
        let mut ids: HashMap<Arc<str>, usize> = HashMap::new();
        let mut patterns: Vec<Arc<str>> = Vec::new();
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
        let mut builder = AhoCorasick::builder();
        builder.match_kind(MatchKind::Standard);
        // A DFA costs one table lookup per byte but memory grows with the pattern bytes: use
        // it up to a modest total (the library alone would stop at 100 patterns), else let
        // the library pick its NFA.
        let total: usize = patterns.iter().map(|p| p.len()).sum();
        let dfa = (total <= DFA_MAX_PATTERN_BYTES)
            .then(|| {
                builder
                    .kind(Some(AhoCorasickKind::DFA))
                    .build(patterns.iter().map(|p| p.as_bytes()))
                    .ok()
            })
            .flatten();
        let ac = match dfa {
            Some(ac) => ac,
            None => builder.kind(None).build(patterns.iter().map(|p| p.as_bytes())).ok()?,
        };
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
    text_fold: HashMap<Arc<str>, Postings>,
    text_exact: HashMap<Arc<str>, Postings>,
    /// Digests by their lower-case hex text: no decoding per item.
    digests: HashMap<Arc<str>, Postings>,
    ints: HashMap<i64, Postings>,
    ips: HashMap<IpAddr, Postings>,
    dates: HashMap<DateTime<Utc>, Postings>,
    bools: [Vec<LeafId>; 2],
    sub_fold: Option<Substrings>,
    sub_exact: Option<Substrings>,
    /// Leaves tested one by one.
    scan: Vec<LeafId>,
    /// Dormant leaves' text keys, read in place from their bundles' indexes.
    stored: Stored,
}

/// The dormant runs' keys, by field, as the assembler appends the runs: text keys go
/// straight into their field's [`Stored`] table (sized once from the bundle's totals),
/// numbers and addresses into short lists posted when the index is built.
#[derive(Default)]
pub(crate) struct DormantKeys {
    fields: HashMap<Field, FieldKeys>,
    /// Keys expected in all: each field's table is sized for them when it is created.
    hint: usize,
}

/// One field's dormant keys.
#[derive(Default)]
pub(crate) struct FieldKeys {
    leaves: Vec<LeafId>,
    stored: Stored,
    ints: Vec<(i64, LeafId)>,
    ips: Vec<(IpAddr, LeafId)>,
}

impl DormantKeys {
    /// Expects about `keys` keys in all.
    pub(crate) fn reserve(&mut self, keys: usize) {
        self.hint = keys;
    }

    /// The fields some dormant key is on.
    pub(crate) fn fields(&self) -> impl Iterator<Item = Field> + '_ {
        self.fields.keys().copied()
    }

    /// Adds a run's keys (leaf `leaf0 + i` holds the `i`th), their texts spans of `text`.
    pub(crate) fn push(&mut self, text: &Text, leaf0: LeafId, keys: Vec<(Field, Key<Span>)>) {
        let hint = self.hint;
        for (i, (field, key)) in keys.into_iter().enumerate() {
            let leaf = leaf0 + i as LeafId;
            let f = self.fields.entry(field).or_insert_with(|| {
                let mut f = FieldKeys::default();
                let _ = f.leaves.try_reserve(hint);
                // Empty so far: nothing to rehash.
                let _ = f.stored.table.try_reserve(hint, |_| 0);
                f
            });
            f.leaves.push(leaf);
            let mode = match key {
                Key::Fold(span) => (Mode::Fold, span),
                Key::Exact(span) => (Mode::Exact, span),
                Key::Digest(span) => (Mode::Digest, span),
                Key::Int(n) => {
                    f.ints.push((n, leaf));
                    continue;
                }
                Key::Ip(ip) => {
                    f.ips.push((ip, leaf));
                    continue;
                }
            };
            let texts = &mut f.stored.texts;
            if !texts.last().is_some_and(|t| Arc::ptr_eq(t, text)) {
                texts.push(text.clone());
            }
            let text = (texts.len() - 1) as u32;
            f.stored.insert(StoredKey { text, span: mode.1, mode: mode.0, leaf });
        }
    }
}

/// How a stored text key compares.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Mode {
    Fold,
    Exact,
    Digest,
}

/// One stored text key: where its text lies, how it compares, its leaf.
#[derive(Clone, Copy, Debug)]
struct StoredKey {
    text: u32,
    span: Span,
    mode: Mode,
    leaf: LeafId,
}

/// The text keys of dormant leaves: one hash table of spans into the bundles' index bytes,
/// so that 100,000 hash IOCs index without an allocation each (a leaf's equality gives the
/// same hits as its compiled test would from the maps above).
#[derive(Default)]
struct Stored {
    texts: Vec<Text>,
    table: hashbrown::HashTable<StoredKey>,
    hasher: ahash::RandomState,
    /// Per [`Mode`]: some key has it.
    modes: [bool; 3],
}

impl std::fmt::Debug for Stored {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Stored").field("keys", &self.table.len()).finish()
    }
}

impl Stored {
    fn bytes(&self, k: &StoredKey) -> &[u8] {
        self.texts.get(k.text as usize).map_or(&[][..], |t| k.span.bytes(t))
    }

    fn hash(&self, mode: Mode, bytes: &[u8]) -> u64 {
        self.hasher.hash_one((mode as u8, bytes))
    }

    fn insert(&mut self, key: StoredKey) {
        let hash = self.hash(key.mode, self.bytes(&key));
        self.modes[key.mode as usize] = true;
        let Stored { texts, table, hasher, .. } = self;
        let rehash = |k: &StoredKey| {
            let bytes = texts.get(k.text as usize).map_or(&[][..], |t| k.span.bytes(t));
            hasher.hash_one((k.mode as u8, bytes))
        };
        table.insert_unique(hash, key, rehash);
    }

    /// Pushes the leaf of every digest key whose bytes `hex` (lower-case) spells. Dormant
    /// digests are stored as bytes: text that is not hex, or longer than any, equals none.
    fn find_digest(&self, hex: &str, out: &mut Vec<LeafId>) {
        let mut raw = [0u8; MAX_DIGEST_BYTES];
        if !hex.len().is_multiple_of(2) || hex.len() / 2 > MAX_DIGEST_BYTES {
            return;
        }
        let raw = &mut raw[..hex.len() / 2];
        if hex::decode_to_slice(hex, raw).is_ok() {
            self.find(Mode::Digest, raw, out);
        }
    }

    fn has(&self, mode: Mode) -> bool {
        self.modes[mode as usize]
    }

    /// Pushes the leaf of every key equal to `bytes` in `mode`.
    fn find(&self, mode: Mode, bytes: &[u8], out: &mut Vec<LeafId>) {
        for k in self.table.iter_hash(self.hash(mode, bytes)) {
            if k.mode == mode && self.bytes(k) == bytes {
                out.push(k.leaf);
            }
        }
    }
}

impl FieldIndex {
    fn build<L: LeafTable + ?Sized>(
        field: Field,
        leaf_ids: &[LeafId],
        dormant: FieldKeys,
        leaves: &L,
    ) -> FieldIndex {
        let FieldKeys { leaves: mut every, stored, ints, ips } = dormant;
        // The dormant leaves come in id order, after or before the compiled ones.
        every.extend_from_slice(leaf_ids);
        every.sort_unstable();
        let mut ix = FieldIndex {
            field,
            leaves: every,
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
            // A dormant leaf's equality, looked up as its compiled test would be.
            stored,
        };
        ints.into_iter().for_each(|(n, id)| post(&mut ix.ints, n, id));
        ips.into_iter().for_each(|(ip, id)| post(&mut ix.ips, ip, id));
        let (mut fold_subs, mut exact_subs) = (Vec::new(), Vec::new());
        for &id in leaf_ids {
            let leaf = &leaves[id as usize];
            let Some(test) = &leaf.test else { continue };
            let mut sub = |p: &Arc<str>, anchor| {
                let list = if leaf.fold { &mut fold_subs } else { &mut exact_subs };
                list.push((p.clone(), id, anchor));
            };
            match test {
                Test::TextEq(t) if leaf.fold => post(&mut ix.text_fold, t.clone(), id),
                Test::TextEq(t) => post(&mut ix.text_exact, t.clone(), id),
                Test::DigestEq(d) => post(&mut ix.digests, d.clone(), id),
                Test::IntRange(a, b) if a == b => post(&mut ix.ints, *a, id),
                Test::DateRange(a, b) if a == b => post(&mut ix.dates, *a, id),
                Test::IpEq(ip) => post(&mut ix.ips, *ip, id),
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
    pub(crate) fn raw_matches<L: LeafTable + ?Sized>(
        &self,
        value: &Value,
        leaves: &L,
        out: &mut Vec<LeafId>,
    ) {
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
        let hit = |list: Option<&Postings>, out: &mut Vec<LeafId>| {
            if let Some(list) = list {
                out.extend_from_slice(list.as_slice());
            }
        };
        match v {
            Value::Str(s) => {
                if !self.text_exact.is_empty() {
                    hit(self.text_exact.get(s.as_str()), out);
                }
                if self.stored.has(Mode::Exact) {
                    self.stored.find(Mode::Exact, s.as_bytes(), out);
                }
                if let Some(sub) = &self.sub_exact {
                    sub.scan(s, out);
                }
                if !self.digests.is_empty() || self.stored.has(Mode::Digest) {
                    // Equal lower-case hex text is equal bytes (keys are valid hex).
                    let hex = fold_text(s.trim(), true);
                    hit(self.digests.get(&*hex), out);
                    if self.stored.has(Mode::Digest) {
                        self.stored.find_digest(&hex, out);
                    }
                }
                let fold_keys = !self.text_fold.is_empty() || self.stored.has(Mode::Fold);
                if fold_keys || self.sub_fold.is_some() {
                    let folded = fold_text(s, true);
                    if !self.text_fold.is_empty() {
                        hit(self.text_fold.get(&*folded), out);
                    }
                    if self.stored.has(Mode::Fold) {
                        self.stored.find(Mode::Fold, folded.as_bytes(), out);
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
            // Number tests are ranges: in the scan list.
            Value::Float(_) => {}
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
    /// The kind's trigger lists.
    pub triggers: KindTriggers,
}

/// Builds the per-kind field indexes, beside each kind's trigger lists.
/// `groups` are the compiled groups, `dormant` the keys of the dormant segments' leaves (see
/// [`super::dormant`]).
pub(crate) fn build<'g, L: LeafTable + ?Sized>(
    leaves: &L,
    groups: impl Iterator<Item = &'g Group>,
    dormant: DormantKeys,
    triggers: [KindTriggers; ItemKind::COUNT],
) -> [KindIndex; ItemKind::COUNT] {
    type Entry = (Vec<LeafId>, FieldKeys);
    let mut by_field: HashMap<Field, Entry> = HashMap::new();
    for group in groups.filter(|g| g.expr.constant() != Truth::False) {
        for &l in &group.leaves {
            if let Some(f) = leaves[l as usize].field {
                by_field.entry(f).or_default().0.push(l);
            }
        }
    }
    for (field, keys) in dormant.fields {
        by_field.entry(field).or_default().1 = keys;
    }
    let mut fields: Vec<(Field, Entry)> = by_field.into_iter().collect();
    // Catalogue order within a cost class keeps the evaluation order deterministic.
    fields.sort_by_key(|(f, _)| (f.term().cost, *f));
    // Fields index independently (hash maps, automata): build them in parallel, keep order.
    let built: Vec<FieldIndex> = {
        use rayon::prelude::*;
        fields
            .into_par_iter()
            .map(|(field, (mut ids, dormant))| {
                ids.sort_unstable();
                ids.dedup();
                FieldIndex::build(field, &ids, dormant, leaves)
            })
            .collect()
    };
    let mut kinds = triggers.map(|triggers| KindIndex { triggers, ..KindIndex::default() });
    for fi in built {
        let k = &mut kinds[fi.field.kind().index()];
        if fi.field.term().cost == Cost::Metadata {
            k.content_start += 1;
        }
        k.fields.push(fi);
    }
    kinds
}
