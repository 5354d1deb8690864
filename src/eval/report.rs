//! Match records and cards: what the evaluator keeps per group while items stream, and the
//! [`Card`]s it builds at the end.
//!
//! Per group only a count, which conditions were ever true, and at most
//! [`MAX_OBJECTS_PER_BRANCH`] objects are kept: the ones with the smallest JSON text, so the
//! card does not depend on the order items arrived in, and memory is bounded by
//! groups x cap, not by the number of items.

use super::verdict::GroupValues;
use crate::card::{Card, CardMetadata, MatchedBranch, MatchedCondition, MatchedObject};
use crate::compile::tree::{Branch, BranchInfo, Group, GroupId, Leaf, Part};
use crate::compile::{CompiledIoc, Ruleset};
use crate::limits::MAX_OBJECTS_PER_BRANCH;
use crate::logic::Truth;
use std::collections::{BTreeMap, HashMap};

/// What one group collected.
#[derive(Clone, Debug, Default, PartialEq)]
pub(crate) struct Hits {
    /// Items that satisfied the group.
    pub count: u64,
    /// Per leaf of the group (in `Group::leaves` order): true on some matched item.
    pub true_leaves: Vec<bool>,
    /// The kept objects by their JSON text (the deterministic order).
    pub objects: BTreeMap<String, MatchedObject>,
}

impl Hits {
    /// Records one matched object; `true_leaves` marks the group's leaves true on it.
    pub(crate) fn add(&mut self, key: String, object: MatchedObject, true_leaves: &[bool]) {
        self.count += 1;
        if self.true_leaves.len() < true_leaves.len() {
            self.true_leaves.resize(true_leaves.len(), false);
        }
        for (seen, now) in self.true_leaves.iter_mut().zip(true_leaves) {
            *seen |= *now;
        }
        let full = self.objects.len() >= MAX_OBJECTS_PER_BRANCH;
        if full && self.objects.last_key_value().is_some_and(|(last, _)| *last <= key) {
            return;
        }
        self.objects.insert(key, object);
        if self.objects.len() > MAX_OBJECTS_PER_BRANCH {
            self.objects.pop_last();
        }
    }

    /// Adds what another part of the same host's items collected for the same group: counts
    /// add, leaf flags OR, and the smallest keys of both are kept, so the outcome does not
    /// depend on how items were split or in which order parts merge.
    pub(crate) fn merge(&mut self, other: Hits) {
        self.count = self.count.saturating_add(other.count);
        if self.true_leaves.len() < other.true_leaves.len() {
            self.true_leaves.resize(other.true_leaves.len(), false);
        }
        for (seen, now) in self.true_leaves.iter_mut().zip(&other.true_leaves) {
            *seen |= *now;
        }
        self.objects.extend(other.objects);
        while self.objects.len() > MAX_OBJECTS_PER_BRANCH {
            self.objects.pop_last();
        }
    }
}

/// The key that orders a group's kept objects: the object's JSON text, then (two objects may
/// print alike: an IPv4-mapped address prints as IPv4) its typed values.
pub(crate) fn key(object: &MatchedObject) -> String {
    format!("{}\0{:?}", serde_json::to_string(object).unwrap_or_default(), object.item)
}

/// Builds the cards of the detected IOCs, in ruleset order.
pub(crate) fn cards(
    ruleset: &Ruleset,
    hits: &HashMap<GroupId, Hits>,
    values: &GroupValues<'_>,
) -> Vec<Card> {
    let group_true = |g: GroupId| hits.get(&g).is_some_and(|h| h.count > 0);
    let mut cards = Vec::new();
    if values.all_false() {
        // No group is true: no IOC is detected (a detection needs a true group).
        return cards;
    }
    for segment in ruleset.segments().list() {
        // A detection needs a true group: a dormant segment without one stays dormant.
        if segment.compiled().is_none() && !segment.group_range().any(group_true) {
            continue;
        }
        for ioc in &segment.body().iocs {
            let detected = ioc.tops.iter().any(|b| b.eval(&group_true));
            // Detection is the verdict's "true": the two logics agree (see crate::logic).
            debug_assert_eq!(detected, values.ioc(ioc) == Truth::True, "IOC {}", ioc.info.id);
            if detected {
                cards.push(card(ruleset, ioc, hits, &group_true));
            }
        }
    }
    cards
}

fn card(
    ruleset: &Ruleset,
    ioc: &CompiledIoc,
    hits: &HashMap<GroupId, Hits>,
    group_true: &dyn Fn(GroupId) -> bool,
) -> Card {
    let mut branches = Vec::new();
    let ctx = Ctx { ruleset, hits, group_true };
    for top in &ioc.tops {
        ctx.branch(top, &mut branches);
    }
    Card {
        id: ioc.info.id.clone(),
        file: ioc.info.file.clone(),
        version: ioc.info.version,
        metadata: CardMetadata::of(&ioc.info),
        branches,
    }
}

struct Ctx<'a> {
    ruleset: &'a Ruleset,
    hits: &'a HashMap<GroupId, Hits>,
    group_true: &'a dyn Fn(GroupId) -> bool,
}

impl Ctx<'_> {
    /// Pre-order: a true branch, then its true groups and true sub-branches.
    fn branch(&self, b: &Branch, out: &mut Vec<MatchedBranch>) {
        if !b.eval(self.group_true) {
            return;
        }
        if !b.scoped {
            out.push(empty_branch(&b.info));
        }
        for part in &b.parts {
            match part {
                Part::Group(g) if (self.group_true)(*g) => out.push(self.group(*g)),
                Part::Branch(sub) => self.branch(sub, out),
                _ => {}
            }
        }
    }

    fn group(&self, g: GroupId) -> MatchedBranch {
        let group: &Group = self.ruleset.group(g);
        let mut branch = empty_branch(&group.info);
        branch.kind = Some(group.kind);
        if let Some(h) = self.hits.get(&g) {
            branch.conditions = group
                .leaves
                .iter()
                .zip(&h.true_leaves)
                .filter(|(_, t)| **t)
                .map(|(l, _)| condition(&self.ruleset.leaf_table()[*l as usize]))
                .collect();
            branch.objects = h.objects.values().cloned().collect();
            branch.total_objects = h.count;
        }
        branch
    }
}

fn empty_branch(info: &BranchInfo) -> MatchedBranch {
    MatchedBranch {
        indicator_id: info.indicator_id.clone(),
        operator: info.operator.to_string(),
        position: info.position,
        depth: info.depth,
        kind: None,
        conditions: Vec::new(),
        objects: Vec::new(),
        total_objects: 0,
    }
}

fn condition(leaf: &Leaf) -> MatchedCondition {
    MatchedCondition {
        item_id: leaf.item_id.clone(),
        position: leaf.position,
        text: leaf.text.clone(),
        comment: leaf.comment.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::item::{Item, ItemKind};

    fn object(n: i64) -> (String, MatchedObject) {
        let item = Item::new(ItemKind::Process).with(crate::terms::Field::ProcessPid, n);
        let obj = MatchedObject { item, evidence: Vec::new() };
        (serde_json::to_string(&obj).unwrap(), obj)
    }

    #[test]
    fn keeps_the_smallest_keys_whatever_the_order() {
        let n = MAX_OBJECTS_PER_BRANCH as i64 + 50;
        let (mut up, mut down) = (Hits::default(), Hits::default());
        for i in 0..n {
            let (k, o) = object(1000 + i);
            up.add(k, o, &[true]);
            let (k, o) = object(1000 + n - 1 - i);
            down.add(k, o, &[false]);
        }
        assert_eq!(up.count, n as u64);
        assert_eq!(up.objects.len(), MAX_OBJECTS_PER_BRANCH);
        assert_eq!(up.objects.keys().collect::<Vec<_>>(), down.objects.keys().collect::<Vec<_>>());
        assert_eq!(up.true_leaves, vec![true]);
        assert_eq!(down.true_leaves, vec![false]);
    }
}
