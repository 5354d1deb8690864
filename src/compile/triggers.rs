//! Triggers: which groups the evaluator looks at for an item.
//!
//! A group's *trigger* is a set of leaves of which at least one must hold (before negation)
//! on an item for the group to be true there, so the evaluator tries only the groups whose
//! trigger fired. An AND takes its best child's trigger (cheap fields, hash lookups, few
//! leaves), an OR the union of its children's; a negation has none, and such groups are tried
//! on every item. Triggers are chosen twice:
//!
//! - for *detection*, a constant unknown (never-matching item) is simply false: an AND over
//!   one has an empty trigger and is never tried;
//! - for the *verdict*, it is unknown: `AND(FileName is x, <unsupported>)` is unknown exactly
//!   on the files named x, so its verdict trigger is `FileName is x`, and `OR(x, <unsupported>)`
//!   has none. Only groups holding a constant unknown have a verdict trigger of their own.
//!
//! A field that could not be observed on an item makes the leaves on it unknown: the groups
//! that read it ([`Triggers::unknown_field`]) are then tried for the verdict. This module
//! chooses and stores; the evaluator (`eval`) uses.

use super::tree::{GExpr, Group, GroupId, Leaf, LeafId, Op};
use super::value::Test;
use super::LeafTable;
use crate::item::ItemKind;
use crate::logic::Truth;
use crate::terms::{Cost, Field, FieldSet, TERMS};

/// How good a trigger set is: lower is better (cheap fields, hash lookups, few leaves).
type Rank = (Cost, u8, usize);

/// Which logic a trigger serves: how a constant unknown counts.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Logic {
    /// Constant unknowns are false: they never fire and an AND over one never needs trying.
    Detection,
    /// Constant unknowns are unknown: nothing can rule them out.
    Verdict,
}

/// How good the trigger of `expr` is, or `None` when no set of leaves rules the expression
/// out (a negation; for the verdict, also a constant unknown). See [`trigger_leaves`].
fn trigger_rank<L: LeafTable + ?Sized>(expr: &GExpr, leaves: &L, logic: Logic) -> Option<Rank> {
    match expr {
        GExpr::Unknown(_) if logic == Logic::Verdict => None,
        GExpr::Unknown(_) => Some((Cost::Metadata, 0, 0)),
        GExpr::Leaf(l) => {
            let leaf = &leaves[*l as usize];
            if leaf.negate {
                return None;
            }
            let field = leaf.field?;
            let index_rank = match leaf.test {
                Some(Test::TextEq(_) | Test::DigestEq(_) | Test::IpEq(_) | Test::BoolEq(_)) => 0,
                Some(Test::IntRange(a, b)) if a == b => 0,
                Some(Test::DateRange(a, b)) if a == b => 0,
                Some(Test::Contains(_) | Test::StartsWith(_) | Test::EndsWith(_)) => 1,
                _ => 2,
            };
            Some((field.term().cost, index_rank, 1))
        }
        // Some element satisfies all of it only if its trigger holds on some element.
        GExpr::Element(_, inner) => trigger_rank(inner, leaves, logic),
        GExpr::Op(Op::And, ch) if ch.is_empty() => Some((Cost::Metadata, 0, 0)),
        GExpr::Op(Op::And, ch) => ch.iter().filter_map(|c| trigger_rank(c, leaves, logic)).min(),
        // N of M holds only where one of them does: the union of their triggers, as an OR.
        GExpr::Op(Op::Or | Op::AtLeast(_), ch) => {
            ch.iter().try_fold((Cost::Metadata, 0, 0), |acc, c| {
                let r = trigger_rank(c, leaves, logic)?;
                Some((acc.0.max(r.0), acc.1.max(r.1), acc.2 + r.2))
            })
        }
    }
}

/// Pushes the trigger of `expr` (whose [`trigger_rank`] is `Some`). Nothing pushed means the
/// expression is always false (in that logic).
fn trigger_leaves<L: LeafTable + ?Sized>(
    expr: &GExpr,
    leaves: &L,
    logic: Logic,
    out: &mut Vec<LeafId>,
) {
    match expr {
        GExpr::Unknown(_) => {}
        GExpr::Leaf(l) => out.push(*l),
        GExpr::Element(_, inner) => trigger_leaves(inner, leaves, logic, out),
        GExpr::Op(Op::And, ch) => {
            let best = ch
                .iter()
                .filter_map(|c| trigger_rank(c, leaves, logic).map(|r| (r, c)))
                .min_by_key(|(r, _)| *r);
            if let Some((_, child)) = best {
                trigger_leaves(child, leaves, logic, out);
            }
        }
        GExpr::Op(Op::Or | Op::AtLeast(_), ch) => {
            ch.iter().for_each(|c| trigger_leaves(c, leaves, logic, out))
        }
    }
}

/// The trigger of `expr` in `logic`: `None` when it has none (tried on every item).
fn trigger<L: LeafTable + ?Sized>(expr: &GExpr, leaves: &L, logic: Logic) -> Option<Vec<LeafId>> {
    trigger_rank(expr, leaves, logic)?;
    let mut set = Vec::new();
    trigger_leaves(expr, leaves, logic, &mut set);
    Some(set)
}

/// Keys (leaf or field ids) to groups, in one flat array (no allocation per key).
#[derive(Debug, Default)]
pub(crate) struct Multimap {
    /// `groups[starts[k]..starts[k + 1]]` are key `k`'s groups.
    starts: Vec<u32>,
    groups: Vec<GroupId>,
}

impl Multimap {
    fn build(keys: usize, mut pairs: Vec<(u32, GroupId)>) -> Self {
        if pairs.is_empty() {
            // Every key has no group (`of` reads past the end as empty).
            return Multimap::default();
        }
        pairs.sort_unstable();
        pairs.dedup();
        let mut starts = vec![0u32; keys + 1];
        for (k, _) in &pairs {
            starts[*k as usize + 1] += 1;
        }
        for i in 1..starts.len() {
            starts[i] += starts[i - 1];
        }
        Multimap { starts, groups: pairs.into_iter().map(|(_, g)| g).collect() }
    }

    /// Every (key, group) pair, by key.
    fn pairs(&self) -> Vec<(u32, GroupId)> {
        (0..self.starts.len().saturating_sub(1))
            .flat_map(|k| self.of(k).iter().map(move |g| (k as u32, *g)))
            .collect()
    }

    fn of(&self, key: usize) -> &[GroupId] {
        match (self.starts.get(key), self.starts.get(key + 1)) {
            (Some(&a), Some(&b)) => &self.groups[a as usize..b as usize],
            _ => &[],
        }
    }
}

/// Every trigger of a ruleset.
#[derive(Debug, Default)]
pub(crate) struct Triggers {
    /// Per leaf, the groups whose detection trigger it is part of.
    detection: Multimap,
    /// Per leaf, the groups (holding a constant unknown) whose verdict trigger it is part of.
    verdict: Multimap,
    /// Per field, the groups an unknown value of it can leave unknown.
    unknown_field: Multimap,
}

impl Triggers {
    /// The groups to try for detection when leaf `l` holds.
    pub(crate) fn of(&self, l: LeafId) -> &[GroupId] {
        self.detection.of(l as usize)
    }

    /// The further groups to try for the verdict when leaf `l` holds.
    pub(crate) fn verdict_of(&self, l: LeafId) -> &[GroupId] {
        self.verdict.of(l as usize)
    }

    /// The groups to try for the verdict when `field` could not be observed on an item.
    pub(crate) fn unknown_field(&self, field: Field) -> &[GroupId] {
        self.unknown_field.of(field as usize)
    }

    /// Every pair of the three maps: (leaf, group) for detection and for the verdict, and
    /// (field, group) for unknown fields.
    pub(crate) fn pairs(&self) -> [Vec<(u32, GroupId)>; 3] {
        [self.detection.pairs(), self.verdict.pairs(), self.unknown_field.pairs()]
    }
}

/// What each kind's groups need besides the triggers.
#[derive(Debug, Default)]
pub(crate) struct KindTriggers {
    /// Groups without a detection trigger: tried on every item of the kind.
    pub always: Vec<GroupId>,
    /// Groups holding a constant unknown and without a verdict trigger: tried on every item
    /// of the kind, as negations are (whether an item leaves them unknown or false depends on
    /// the item, and a verdict that depended on the order items came in would not be exact).
    pub verdict_always: Vec<GroupId>,
    /// Content fields some trigger reads: computed for every item of the kind.
    pub content_triggers: FieldSet,
    /// True when some group of this kind can be true or unknown.
    pub any_group: bool,
}

/// Chooses the triggers of every group.
pub(crate) fn build(
    leaves: &[Leaf],
    groups: &[Group],
) -> ([KindTriggers; ItemKind::COUNT], Triggers) {
    let mut builder = Builder::default();
    for (gid, group) in groups.iter().enumerate() {
        builder.group(gid as GroupId, group, leaves);
    }
    builder.finish(leaves.len())
}

/// The triggers of a ruleset's groups, added one group (or dormant run) at a time.
#[derive(Default)]
pub(crate) struct Builder {
    kinds: [KindTriggers; ItemKind::COUNT],
    detection: Vec<(u32, GroupId)>,
    verdict: Vec<(u32, GroupId)>,
    unknown: Vec<(u32, GroupId)>,
}

impl Builder {
    /// Adds a dormant group of `kind` (see [`super::dormant`]: such a group has no
    /// constant unknown and always a trigger, which [`Builder::dormant_detection`] adds).
    pub(crate) fn dormant_group(&mut self, _gid: GroupId, kind: ItemKind) {
        self.kinds[kind.index()].any_group = true;
    }

    /// Reserves room for dormant runs of `detection` trigger and `unknown` pairs in all
    /// (skipped when it cannot be made).
    pub(crate) fn reserve_dormant(&mut self, detection: usize, unknown: usize) {
        let _ = self.detection.try_reserve(detection);
        let _ = self.unknown.try_reserve(unknown);
    }

    /// Adds leaf `l` (on `field`) to the trigger of the dormant group `gid` of `kind`.
    pub(crate) fn dormant_detection(
        &mut self,
        l: LeafId,
        field: Field,
        gid: GroupId,
        kind: ItemKind,
    ) {
        if field.term().cost == Cost::Content {
            self.kinds[kind.index()].content_triggers.insert(field);
        }
        self.detection.push((l, gid));
    }

    /// Notes that an unknown value of `field` can leave the dormant group `gid` unknown.
    pub(crate) fn dormant_unknown(&mut self, field: Field, gid: GroupId) {
        self.unknown.push((field as u32, gid));
    }

    /// The triggers, for `leaf_count` leaves.
    pub(crate) fn finish(self, leaf_count: usize) -> ([KindTriggers; ItemKind::COUNT], Triggers) {
        let triggers = Triggers {
            detection: Multimap::build(leaf_count, self.detection),
            verdict: Multimap::build(leaf_count, self.verdict),
            unknown_field: Multimap::build(TERMS.len(), self.unknown),
        };
        (self.kinds, triggers)
    }

    /// Adds the triggers of group `gid`.
    pub(crate) fn group<L: LeafTable + ?Sized>(&mut self, gid: GroupId, group: &Group, leaves: &L) {
        let Builder { kinds, detection, verdict, unknown } = self;
        let k = &mut kinds[group.kind.index()];
        if group.expr.constant() == Truth::False {
            return;
        }
        k.any_group = true;
        let mut content = |l: &LeafId| {
            if let Some(f) = leaves[*l as usize].field.filter(|f| f.term().cost == Cost::Content) {
                k.content_triggers.insert(f);
            }
        };
        let detect = trigger(&group.expr, leaves, Logic::Detection);
        match &detect {
            Some(set) => set.iter().for_each(|&l| {
                content(&l);
                detection.push((l, gid));
            }),
            None => k.always.push(gid),
        }
        let mut unknowns = Vec::new();
        group.expr.unknowns(&mut unknowns);
        // Without constant unknowns the two logics pick the same trigger.
        let judge =
            if unknowns.is_empty() { detect } else { trigger(&group.expr, leaves, Logic::Verdict) };
        match &judge {
            Some(set) => {
                for &l in set {
                    content(&l);
                    if !unknowns.is_empty() {
                        verdict.push((l, gid));
                    }
                    if let Some(f) = leaves[l as usize].field {
                        unknown.push((f as u32, gid));
                    }
                }
            }
            None => {
                if !unknowns.is_empty() {
                    k.verdict_always.push(gid);
                }
                // Nothing rules the group out: any field it reads can leave it unknown.
                unknown.extend(group.fields.iter().map(|f| (f as u32, gid)));
            }
        }
    }
}

/// A group's detection and verdict triggers, as chosen (`None`: tried on every item); for
/// dumps and tests.
pub(crate) fn of_group<L: LeafTable + ?Sized>(
    group: &Group,
    leaves: &L,
) -> (Option<Vec<LeafId>>, Option<Vec<LeafId>>) {
    (trigger(&group.expr, leaves, Logic::Detection), trigger(&group.expr, leaves, Logic::Verdict))
}
