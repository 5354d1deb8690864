//! One item through the evaluator: observe fields, gather candidate groups, evaluate them in
//! three-valued logic, record what was true and what was left unknown.

use super::Scanner;
use crate::card::{Evidence, MatchedObject};
use crate::compile::index::{FieldIndex, KindIndex};
use crate::compile::segment::Segments;
use crate::compile::tree::{GExpr, Group, GroupId, Leaf, LeafId};
use crate::item::{ItemView, Lookup, Value};
use crate::logic::{self, Observed, Truth};
use crate::terms::{self, Field, Grade, TERMS};
use std::cell::RefCell;
use std::sync::atomic::Ordering;

/// Per-thread scratch space, reused from item to item.
pub(super) struct Scratch {
    /// Leaves whose condition held on the current item (before negation).
    pub matched: Vec<LeafId>,
    /// Candidate groups.
    cands: Vec<GroupId>,
    /// Per field: 0 not asked, [`KNOWN`] or [`UNKNOWN`].
    state: Vec<u8>,
    /// Fields asked so far, in order (their state must be reset).
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

    /// True when `field` was asked and had a value.
    pub fn known(&self, field: Field) -> bool {
        self.state[field as usize] == KNOWN
    }
}

thread_local! {
    static SCRATCH: RefCell<Scratch> = RefCell::new(Scratch::new());
}

/// Evaluates one item of a kind the ruleset may decide something on.
pub(super) fn evaluate(scanner: &Scanner<'_>, item: &dyn ItemView) {
    let ki = scanner.ruleset.kind(item.kind());
    if !ki.triggers.any_group {
        return;
    }
    SCRATCH.with(|cell| match cell.try_borrow_mut() {
        Ok(mut scratch) => {
            scratch.clear();
            scanner.evaluate(item, ki, &mut scratch);
        }
        // Only reachable if an ItemView re-enters the scanner: use fresh space.
        Err(_) => scanner.evaluate(item, ki, &mut Scratch::new()),
    });
}

/// How far the candidate list has taken in the matched leaves and asked fields.
#[derive(Default)]
struct Cursor {
    matched: usize,
    touched: usize,
}

impl Scanner<'_> {
    fn evaluate(&self, item: &dyn ItemView, ki: &KindIndex, s: &mut Scratch) {
        let rs = self.ruleset;
        if self.reference {
            for fi in &ki.fields {
                self.observe(item, fi, s);
            }
            s.cands.extend(
                rs.group_meta()
                    .iter()
                    .enumerate()
                    .filter(|(_, g)| g.kind == item.kind() && g.constant != Truth::False)
                    .map(|(i, _)| i as GroupId),
            );
        } else {
            let (cheap, dear) = ki.fields.split_at(ki.content_start);
            for fi in cheap {
                self.observe(item, fi, s);
            }
            let t = &ki.triggers;
            s.cands.extend_from_slice(&t.always);
            s.cands.extend_from_slice(&t.verdict_always);
            if let Some(explain) = &self.explain {
                s.cands.extend_from_slice(explain.groups(item.kind()));
            }
            let mut cursor = Cursor::default();
            self.fire(s, &mut cursor);
            // Each content field is asked at most once, when some candidate still needs it;
            // a field asked may add candidates that need another, hence the passes.
            loop {
                let mut progress = false;
                for fi in dear {
                    // A field asked has a state (known or unknown): never asked twice.
                    if s.state[fi.field as usize] == 0 && self.needed(fi.field, ki, s, item) {
                        progress = true;
                        self.observe(item, fi, s);
                        self.fire(s, &mut cursor);
                    }
                }
                if !progress {
                    break;
                }
            }
        }
        if s.cands.is_empty() {
            return;
        }
        s.matched.sort_unstable();
        s.matched.dedup();
        s.cands.sort_unstable();
        s.cands.dedup();
        let leaves = rs.leaf_table();
        for i in 0..s.cands.len() {
            let g = s.cands[i];
            let group = rs.group(g);
            match eval3(&group.expr, leaves, s, item) {
                Truth::True => self.record(g, group, item, s),
                Truth::Unknown => self.left_unknown(g, group, s, item.record().is_none()),
                Truth::False => {}
            }
            if let Some(explain) = &self.explain {
                explain.tally(g, group, leaves, s, item);
            }
        }
    }

    /// Adds the groups triggered by leaves matched, and fields found unknown, since `cursor`.
    fn fire(&self, s: &mut Scratch, cursor: &mut Cursor) {
        let triggers = self.ruleset.triggers();
        for i in cursor.matched..s.matched.len() {
            let l = s.matched[i];
            s.cands.extend_from_slice(triggers.of(l));
            s.cands.extend_from_slice(triggers.verdict_of(l));
        }
        cursor.matched = s.matched.len();
        for i in cursor.touched..s.touched.len() {
            let f = s.touched[i];
            if s.state[f as usize] == UNKNOWN {
                s.cands.extend_from_slice(triggers.unknown_field(f));
            }
        }
        cursor.touched = s.touched.len();
        // Leaf values are looked up by binary search.
        s.matched.sort_unstable();
        s.matched.dedup();
        cursor.matched = s.matched.len();
    }

    /// True when the content `field` must be asked: it alone can trigger a group, or a
    /// candidate reads it and is not already false on the fields known so far.
    fn needed(&self, field: Field, ki: &KindIndex, s: &Scratch, item: &dyn ItemView) -> bool {
        let rs = self.ruleset;
        ki.triggers.content_triggers.contains(field)
            || self.explain.as_ref().is_some_and(|e| e.reads(field))
            || s.cands.iter().any(|g| {
                let group = rs.group(*g);
                group.fields.contains(field)
                    && eval3(&group.expr, rs.leaf_table(), s, item) != Truth::False
            })
    }

    /// Looks `fi`'s field up on the item and pushes the leaves whose condition holds.
    fn observe(&self, item: &dyn ItemView, fi: &FieldIndex, s: &mut Scratch) {
        s.touched.push(fi.field);
        let leaves = self.ruleset.leaf_table();
        match item.lookup(fi.field) {
            Lookup::Value(v) => {
                s.state[fi.field as usize] = KNOWN;
                if self.reference {
                    s.matched
                        .extend(fi.leaves.iter().filter(|l| leaves[**l as usize].raw_match(v)));
                } else {
                    fi.raw_matches(v, leaves, &mut s.matched);
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
            group.leaves.iter().map(|l| leaf_value(*l, leaves, s) == Truth::True).collect();
        let mut fields: Vec<Field> =
            terms::of_kind(group.kind).filter(|t| t.card).map(|t| t.field).collect();
        let mut evidence = Vec::new();
        for (l, _) in group.leaves.iter().zip(&true_leaves).filter(|(_, t)| **t) {
            let leaf = &leaves[*l as usize];
            let Some(field) = leaf.field else { continue };
            // A sub-list column is shown through its evidence (the matching element), not
            // as the whole list of the object's handles or sections.
            if field.term().element.is_none() {
                fields.push(field);
            }
            if let Lookup::Value(v) = item.lookup(field) {
                // A record is what happened; a state value is graded by the catalogue.
                let grade = if item.record().is_some() { Grade::Exact } else { field.term().grade };
                evidence.push(Evidence {
                    item_id: leaf.item_id.clone(),
                    term: field.name(),
                    observed: observed(leaf, v),
                    grade,
                });
            }
        }
        fields.sort_unstable();
        fields.dedup();
        let mut object = item.to_item(&fields);
        object.retain_fields(|f| fields.binary_search(&f).is_ok());
        let object = MatchedObject { item: object, evidence };
        let key = super::report::key(&object);
        self.matched_objects.fetch_add(1, Ordering::Relaxed);
        let shard = &self.hits[g as usize % super::SHARDS];
        let mut map = shard.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        map.entry(g).or_default().add(key, object, &true_leaves);
    }

    /// Notes that the item left group `g` unknown, and which of its fields it lacked.
    fn left_unknown(&self, g: GroupId, group: &Group, s: &Scratch, state: bool) {
        self.unknown[g as usize].store(true, Ordering::Relaxed);
        let mut lacking = group.fields.iter().filter(|f| !s.known(*f)).peekable();
        if lacking.peek().is_none() {
            // Unknown through a never-matching item only: its reason is in the ruleset.
            return;
        }
        let shard = &self.missing[g as usize % super::SHARDS];
        let mut map = shard.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        map.entry(g).or_default().add(lacking, state);
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

/// A leaf's value on the current item; a field not asked is unknown.
pub(super) fn leaf_value(l: LeafId, leaves: &Segments, s: &Scratch) -> Truth {
    let leaf = &leaves[l as usize];
    let Some(field) = leaf.field else { return Truth::Unknown };
    let observed = match s.state[field as usize] {
        KNOWN if s.matched.binary_search(&l).is_ok() => Observed::Holds,
        KNOWN => Observed::Fails,
        _ => Observed::Unknown,
    };
    logic::leaf3(observed, leaf.negate)
}

/// An expression's value on the current item (`matched` is kept sorted).
pub(super) fn eval3(expr: &GExpr, leaves: &Segments, s: &Scratch, item: &dyn ItemView) -> Truth {
    match expr {
        GExpr::Leaf(l) => leaf_value(*l, leaves, s),
        GExpr::Unknown(_) => Truth::Unknown,
        GExpr::Op(op, children) => {
            logic::combine3(Some(*op), children.iter().map(|c| eval3(c, leaves, s, item)))
        }
        GExpr::Element(_, inner) => element(inner, leaves, s, item),
    }
}

/// Conditions bound to one element of a sub-list: the best value over the elements. Only
/// columns already asked are read (a column not asked, or unknown, is unknown on every
/// element), so this never computes a field.
fn element(inner: &GExpr, leaves: &Segments, s: &Scratch, item: &dyn ItemView) -> Truth {
    let mut ids = Vec::new();
    inner.leaves(&mut ids);
    let columns: Vec<(LeafId, Option<&[Value]>)> = ids
        .iter()
        .map(|&l| {
            let column = leaves[l as usize].field.filter(|f| s.known(*f)).and_then(|f| match item
                .lookup(f)
            {
                Lookup::Value(Value::List(list)) => Some(list.as_slice()),
                Lookup::Value(one) => Some(std::slice::from_ref(one)),
                _ => None,
            });
            (l, column)
        })
        .collect();
    if columns.iter().all(|(_, c)| c.is_none()) {
        return Truth::Unknown;
    }
    let count = columns.iter().filter_map(|(_, c)| c.map(<[Value]>::len)).max().unwrap_or(0);
    let mut best = Truth::False;
    for i in 0..count {
        best = best.max(at_element(inner, i, leaves, &columns));
        if best == Truth::True {
            break;
        }
    }
    best
}

/// An expression on element `i`, each leaf reading entry `i` of its column.
fn at_element(
    expr: &GExpr,
    i: usize,
    leaves: &Segments,
    columns: &[(LeafId, Option<&[Value]>)],
) -> Truth {
    match expr {
        GExpr::Leaf(l) => {
            let leaf = &leaves[*l as usize];
            let entry =
                columns.iter().find(|(id, _)| id == l).and_then(|(_, c)| c.and_then(|c| c.get(i)));
            let observed = match (entry, leaf.test.as_ref()) {
                (Some(value), Some(test)) if !matches!(value, Value::List(_)) => {
                    if test.matches(value, leaf.fold) {
                        Observed::Holds
                    } else {
                        Observed::Fails
                    }
                }
                // No entry, or an empty one: this element has no value for the column.
                _ => Observed::Unknown,
            };
            logic::leaf3(observed, leaf.negate)
        }
        GExpr::Unknown(_) => Truth::Unknown,
        GExpr::Op(op, ch) => {
            logic::combine3(Some(*op), ch.iter().map(|c| at_element(c, i, leaves, columns)))
        }
        GExpr::Element(_, inner) => at_element(inner, i, leaves, columns),
    }
}
