//! The evaluator: a [`Ruleset`] over items -> detected-IOC cards.
//!
//! Items stream in from any number of threads ([`Scanner::scan_item`] takes `&self`) and are
//! never stored. For each item:
//!
//! 1. the cheap (metadata) fields some leaf reads are looked up and run through the per-field
//!    indexes, giving every leaf whose condition holds (before negation);
//! 2. the candidate groups are those whose trigger fired plus those that can be true without
//!    one (negations);
//! 3. an expensive (content) field, such as a file digest, is asked for only when a candidate
//!    reads it or some group can be triggered by it alone, so `AND(FileName is x, Md5sum is y)`
//!    never hashes a file not named x;
//! 4. each candidate group is evaluated on the item (`logic`); a true one records the object
//!    (see `report`).
//!
//! [`Scanner::finish`] then decides every IOC host-wide and builds the cards. The per-item cost
//! depends on the item and on how many conditions it satisfies, not on the number of IOCs.
//! [`Scanner::reference`] skips the indexes and triggers (every leaf tested directly, every
//! group tried): slow, and there to cross-check the fast path.

mod report;

use crate::card::{Card, Evidence, MatchedObject};
use crate::compile::index::{FieldIndex, KindIndex};
use crate::compile::tree::{GExpr, Group, GroupId, Leaf, LeafId};
use crate::compile::Ruleset;
use crate::item::{ItemKind, ItemView, Lookup, Value};
use crate::logic::{self, Observed};
use crate::terms::{self, Field, TERMS};
use rayon::prelude::*;
use report::Hits;
use std::cell::RefCell;
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;

/// Shards of the match records, so threads recording different groups rarely contend.
const SHARDS: usize = 64;

/// Evaluates one ruleset over a stream of items; thread-safe (`&self`), fed from any number
/// of threads, then [`Scanner::finish`]ed into cards.
pub struct Scanner<'r> {
    ruleset: &'r Ruleset,
    /// Test every leaf directly and try every group (the cross-check path).
    reference: bool,
    hits: Vec<Mutex<HashMap<GroupId, Hits>>>,
    items: [AtomicU64; ItemKind::COUNT],
    not_evaluated: AtomicU64,
    /// Objects that satisfied some item-scoped group so far (for progress reports).
    matched_objects: AtomicU64,
}

/// Counters of one evaluation.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct EvalStats {
    /// Items evaluated per kind, in [`ItemKind::ALL`] order.
    pub items: [u64; ItemKind::COUNT],
    /// Conditions that could not be evaluated on some item: each time a field some condition
    /// reads was asked of an item and was absent or not computable (a file too large to hash),
    /// counted once per item and field.
    pub not_evaluated: u64,
}

/// The outcome of an evaluation: cards of detected IOCs, in ruleset order, and counters.
#[derive(Clone, Debug, Default)]
pub struct Detection {
    /// One card per detected IOC, in ruleset (sorted file) order.
    pub cards: Vec<Card>,
    /// Counters.
    pub stats: EvalStats,
}

/// Per-thread scratch space, reused from item to item.
struct Scratch {
    /// Leaves whose condition held on the current item (before negation).
    matched: Vec<LeafId>,
    /// Candidate groups.
    cands: Vec<GroupId>,
    /// Per field: 0 not asked, [`KNOWN`] or [`UNKNOWN`].
    state: Vec<u8>,
    /// Fields whose state must be reset.
    touched: Vec<Field>,
}

const KNOWN: u8 = 1;
const UNKNOWN: u8 = 2;

impl Scratch {
    fn new() -> Self {
        Scratch {
            matched: Vec::new(),
            cands: Vec::new(),
            state: vec![0; TERMS.len()],
            touched: Vec::new(),
        }
    }

    fn clear(&mut self) {
        self.matched.clear();
        self.cands.clear();
        for f in self.touched.drain(..) {
            self.state[f as usize] = 0;
        }
    }
}

thread_local! {
    static SCRATCH: RefCell<Scratch> = RefCell::new(Scratch::new());
}

impl<'r> Scanner<'r> {
    /// A scanner for `ruleset`.
    pub fn new(ruleset: &'r Ruleset) -> Self {
        Scanner {
            ruleset,
            reference: false,
            hits: (0..SHARDS).map(|_| Mutex::new(HashMap::new())).collect(),
            items: Default::default(),
            not_evaluated: AtomicU64::new(0),
            matched_objects: AtomicU64::new(0),
        }
    }

    /// A scanner that tests every condition directly and tries every group on every item,
    /// without indexes or triggers. Same results as [`Scanner::new`], much slower: it exists
    /// to cross-check the indexed path.
    pub fn reference(ruleset: &'r Ruleset) -> Self {
        Scanner { reference: true, ..Scanner::new(ruleset) }
    }

    /// Evaluates one item (any thread).
    pub fn scan_item(&self, item: &dyn ItemView) {
        self.items[item.kind().index()].fetch_add(1, Ordering::Relaxed);
        let ki = self.ruleset.kind(item.kind());
        if !ki.any_group {
            return;
        }
        SCRATCH.with(|cell| match cell.try_borrow_mut() {
            Ok(mut scratch) => {
                scratch.clear();
                self.evaluate(item, ki, &mut scratch);
            }
            // Only reachable if an ItemView re-enters the scanner: use fresh space.
            Err(_) => self.evaluate(item, ki, &mut Scratch::new()),
        });
    }

    /// How many times so far an object satisfied an item-scoped group: a live "something
    /// matched" counter for progress reports. IOCs are decided only by [`Scanner::finish`]
    /// (a host-wide AND needs every kind), so this is not a count of detected IOCs.
    pub fn matched_objects(&self) -> u64 {
        self.matched_objects.load(Ordering::Relaxed)
    }

    /// Evaluates a slice of items in parallel (rayon).
    pub fn scan_items<T: ItemView>(&self, items: &[T]) {
        items.par_iter().for_each(|item| self.scan_item(item));
    }

    /// Ends the scan: decides every IOC and builds the cards.
    pub fn finish(self) -> Detection {
        let mut hits = HashMap::new();
        for shard in self.hits {
            hits.extend(shard.into_inner().unwrap_or_else(|poisoned| poisoned.into_inner()));
        }
        let cards = report::cards(self.ruleset, &hits);
        let items = self.items.map(AtomicU64::into_inner);
        let stats = EvalStats { items, not_evaluated: self.not_evaluated.into_inner() };
        Detection { cards, stats }
    }

    fn evaluate(&self, item: &dyn ItemView, ki: &KindIndex, s: &mut Scratch) {
        let rs = self.ruleset;
        if self.reference {
            for fi in &ki.fields {
                self.observe(item, fi, s);
            }
            s.cands.extend(
                rs.group_table()
                    .iter()
                    .enumerate()
                    .filter(|(_, g)| g.kind == item.kind() && g.expr.can_match())
                    .map(|(i, _)| i as GroupId),
            );
        } else {
            let (cheap, dear) = ki.fields.split_at(ki.content_start);
            for fi in cheap {
                self.observe(item, fi, s);
            }
            s.cands.extend_from_slice(&ki.always);
            for &l in &s.matched {
                s.cands.extend_from_slice(rs.triggered_by(l));
            }
            let before = s.matched.len();
            for fi in dear {
                // Needed when the field alone can trigger a group, or when a candidate reads
                // it and is not already false on the fields known so far.
                let needed = ki.content_triggers.contains(fi.field)
                    || s.cands.iter().any(|g| {
                        let group = rs.group(*g);
                        group.fields.contains(fi.field)
                            && may_be_true(&group.expr, rs.leaf_table(), s)
                    });
                if needed {
                    self.observe(item, fi, s);
                }
            }
            for i in before..s.matched.len() {
                let l = s.matched[i];
                s.cands.extend_from_slice(rs.triggered_by(l));
            }
        }
        if s.cands.is_empty() {
            return;
        }
        s.matched.sort_unstable();
        s.matched.dedup();
        s.cands.sort_unstable();
        s.cands.dedup();
        for i in 0..s.cands.len() {
            let g = s.cands[i];
            let group = rs.group(g);
            if eval_expr(&group.expr, rs.leaf_table(), s) {
                self.record(g, group, item, s);
            }
        }
    }

    /// Looks `fi`'s field up on the item and pushes the leaves whose condition holds.
    fn observe(&self, item: &dyn ItemView, fi: &FieldIndex, s: &mut Scratch) {
        s.touched.push(fi.field);
        match item.lookup(fi.field) {
            Lookup::Value(v) => {
                s.state[fi.field as usize] = KNOWN;
                if self.reference {
                    for &l in &fi.leaves {
                        if self.ruleset.leaf_table()[l as usize].raw_match(v) {
                            s.matched.push(l);
                        }
                    }
                } else {
                    fi.raw_matches(v, self.ruleset.leaf_table(), &mut s.matched);
                }
            }
            Lookup::Absent | Lookup::NotEvaluated(_) => {
                s.state[fi.field as usize] = UNKNOWN;
                self.not_evaluated.fetch_add(1, Ordering::Relaxed);
            }
        }
    }

    fn record(&self, g: GroupId, group: &Group, item: &dyn ItemView, s: &Scratch) {
        let leaves = self.ruleset.leaf_table();
        let true_leaves: Vec<bool> =
            group.leaves.iter().map(|l| leaf_value(*l, leaves, s)).collect();
        let mut fields: Vec<Field> =
            terms::of_kind(group.kind).filter(|t| t.card).map(|t| t.field).collect();
        let mut evidence = Vec::new();
        for (l, _) in group.leaves.iter().zip(&true_leaves).filter(|(_, t)| **t) {
            let leaf = &leaves[*l as usize];
            let Some(field) = leaf.field else { continue };
            fields.push(field);
            if let Lookup::Value(v) = item.lookup(field) {
                evidence.push(Evidence {
                    item_id: leaf.item_id.clone(),
                    term: field.name(),
                    observed: observed(leaf, v),
                });
            }
        }
        fields.sort_unstable();
        fields.dedup();
        let mut object = item.to_item(&fields);
        object.retain_fields(|f| fields.binary_search(&f).is_ok());
        let object = MatchedObject { item: object, evidence };
        let key = serde_json::to_string(&object).unwrap_or_default();
        self.matched_objects.fetch_add(1, Ordering::Relaxed);
        let shard = &self.hits[g as usize % SHARDS];
        let mut map = shard.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        map.entry(g).or_default().add(key, object, &true_leaves);
    }
}

/// The observed value shown as evidence: for a list, the element that satisfied a positive
/// condition; otherwise the whole value.
fn observed(leaf: &Leaf, v: &Value) -> Value {
    match (v, &leaf.test) {
        (Value::List(list), Some(test)) if !leaf.negate => {
            list.iter().find(|e| test.matches(e, leaf.fold)).cloned().unwrap_or_else(|| v.clone())
        }
        _ => v.clone(),
    }
}

fn leaf_value(l: LeafId, leaves: &[Leaf], s: &Scratch) -> bool {
    let leaf = &leaves[l as usize];
    let Some(field) = leaf.field else { return false };
    let observed = match s.state[field as usize] {
        KNOWN if s.matched.binary_search(&l).is_ok() => Observed::Holds,
        KNOWN => Observed::Fails,
        _ => Observed::Unknown,
    };
    logic::leaf(observed, leaf.negate)
}

/// False only when `expr` is false whatever the fields not asked yet turn out to be.
fn may_be_true(expr: &GExpr, leaves: &[Leaf], s: &Scratch) -> bool {
    match expr {
        GExpr::Leaf(l) => match leaves[*l as usize].field {
            Some(f) if s.state[f as usize] == 0 => true,
            _ => leaf_value(*l, leaves, s),
        },
        GExpr::False => false,
        GExpr::Op(op, children) => {
            logic::combine(Some(*op), children.iter().map(|c| may_be_true(c, leaves, s)))
        }
    }
}

fn eval_expr(expr: &GExpr, leaves: &[Leaf], s: &Scratch) -> bool {
    match expr {
        GExpr::Leaf(l) => leaf_value(*l, leaves, s),
        GExpr::False => false,
        GExpr::Op(op, children) => {
            logic::combine(Some(*op), children.iter().map(|c| eval_expr(c, leaves, s)))
        }
    }
}

/// Evaluates `ruleset` over in-memory items: [`Scanner::scan_items`] then [`Scanner::finish`].
pub fn scan<T: ItemView>(ruleset: &Ruleset, items: &[T]) -> Detection {
    let scanner = Scanner::new(ruleset);
    scanner.scan_items(items);
    scanner.finish()
}

/// The kinds a ruleset can detect anything on (used to skip collecting the others).
pub fn kinds_in_use(ruleset: &Ruleset) -> Vec<ItemKind> {
    ItemKind::ALL.into_iter().filter(|k| ruleset.kind(*k).any_group).collect()
}

#[cfg(test)]
mod tests;
