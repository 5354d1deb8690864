//! Explanations: for the IOCs a caller asks about, every node's outcome over the items, so a
//! responder sees how close an undetected IOC came. Explained groups are tried on every item
//! of their kind (with every field they read), and each node of their expression is counted
//! per truth value; the host-wide parts come from the verdicts.

use super::item::{eval3, leaf_value, Scratch};
use super::verdict::{constant_reasons, group_reasons, groups_of, GroupValues, Missing};
use crate::compile::segment::Segments;
use crate::compile::tree::{Branch, GExpr, Group, GroupId, Leaf, Part, Unknown};
use crate::compile::Ruleset;
use crate::item::{ItemKind, ItemView};
use crate::logic::Truth;
use crate::terms::{Field, FieldSet};
use crate::verdict::{ExplainNode, Explanation, Reason, Verdict};
use std::collections::HashMap;
use std::sync::Mutex;

/// Per explained group, per expression node in pre-order: items on which the node was
/// false, unknown, true.
type Counts = Vec<[u64; 3]>;

pub(super) struct Tallies {
    /// The explained IOCs, by position in the ruleset.
    iocs: Vec<usize>,
    /// Per kind, the explained groups (tried on every item).
    by_kind: [Vec<GroupId>; ItemKind::COUNT],
    /// Fields the explained groups read (asked on every item).
    fields: FieldSet,
    counts: HashMap<GroupId, Mutex<Counts>>,
}

impl Tallies {
    pub(super) fn new(rs: &Ruleset, ids: &[String]) -> Self {
        let mut t = Tallies {
            iocs: Vec::new(),
            by_kind: Default::default(),
            fields: FieldSet::default(),
            counts: HashMap::new(),
        };
        for (i, ioc) in rs.segments().iocs().enumerate() {
            if !ids.contains(&ioc.info.id) {
                continue;
            }
            t.iocs.push(i);
            let mut groups = Vec::new();
            ioc.tops.iter().for_each(|b| groups_of(b, &mut groups));
            for g in groups {
                let group = rs.group(g);
                t.by_kind[group.kind.index()].push(g);
                group.fields.iter().for_each(|f| t.fields.insert(f));
                t.counts.insert(g, Mutex::new(vec![[0; 3]; nodes(&group.expr)]));
            }
        }
        t
    }

    /// The explained groups of `kind`.
    pub(super) fn groups(&self, kind: ItemKind) -> &[GroupId] {
        &self.by_kind[kind.index()]
    }

    /// True when an explained group reads `field`.
    pub(super) fn reads(&self, field: Field) -> bool {
        self.fields.contains(field)
    }

    /// Counts the values of group `g`'s nodes on the current item.
    pub(super) fn tally(
        &self,
        g: GroupId,
        group: &Group,
        leaves: &Segments,
        s: &Scratch,
        item: &dyn ItemView,
    ) {
        let Some(counts) = self.counts.get(&g) else { return };
        let mut values = Vec::new();
        walk(&group.expr, leaves, s, item, &mut values);
        let mut counts = counts.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        for (c, v) in counts.iter_mut().zip(values) {
            c[v as usize] += 1;
        }
    }

    pub(super) fn finish(
        self,
        rs: &Ruleset,
        values: &GroupValues<'_>,
        missing: &HashMap<GroupId, Missing>,
    ) -> Vec<Explanation> {
        let counts: HashMap<GroupId, Counts> = self
            .counts
            .into_iter()
            .map(|(g, c)| (g, c.into_inner().unwrap_or_else(|poisoned| poisoned.into_inner())))
            .collect();
        let ctx = Ctx { rs, values, missing, counts: &counts };
        self.iocs
            .iter()
            .map(|&i| {
                let ioc = rs.segments().ioc(i);
                Explanation {
                    id: ioc.info.id.clone(),
                    file: ioc.info.file.clone(),
                    version: ioc.info.version,
                    verdict: Verdict::of(values.ioc(ioc)),
                    tree: ioc.tops.iter().map(|b| ctx.branch(b)).collect(),
                }
            })
            .collect()
    }
}

fn nodes(expr: &GExpr) -> usize {
    match expr {
        GExpr::Op(_, ch) => 1 + ch.iter().map(nodes).sum::<usize>(),
        GExpr::Element(_, inner) => 1 + nodes(inner),
        _ => 1,
    }
}

/// Every node's value on the current item, in pre-order.
fn walk(expr: &GExpr, leaves: &Segments, s: &Scratch, item: &dyn ItemView, out: &mut Vec<Truth>) {
    match expr {
        GExpr::Leaf(l) => out.push(leaf_value(*l, leaves, s)),
        GExpr::Unknown(_) => out.push(Truth::Unknown),
        GExpr::Op(_, ch) => {
            out.push(eval3(expr, leaves, s, item));
            ch.iter().for_each(|c| walk(c, leaves, s, item, out));
        }
        // The nodes inside are counted as for the whole list (some element each).
        GExpr::Element(_, inner) => {
            out.push(eval3(expr, leaves, s, item));
            walk(inner, leaves, s, item, out);
        }
    }
}

struct Ctx<'a> {
    rs: &'a Ruleset,
    values: &'a GroupValues<'a>,
    missing: &'a HashMap<GroupId, Missing>,
    counts: &'a HashMap<GroupId, Counts>,
}

impl Ctx<'_> {
    fn branch(&self, b: &Branch) -> ExplainNode {
        ExplainNode::Indicator {
            id: b.info.indicator_id.clone(),
            operator: b.info.operator.to_string(),
            position: b.info.position,
            value: self.values.branch(b),
            children: b.parts.iter().map(|p| self.part(p)).collect(),
        }
    }

    fn part(&self, part: &Part) -> ExplainNode {
        match part {
            Part::Group(g) => self.group(*g),
            Part::Branch(b) => self.branch(b),
            Part::Never(e) => self.node(e, &[], &mut 0, None),
        }
    }

    fn group(&self, g: GroupId) -> ExplainNode {
        let group = self.rs.group(g);
        let counts = self.counts.get(&g).map(Vec::as_slice).unwrap_or(&[]);
        let root = counts.first().copied().unwrap_or_default();
        let value = self.values.get(g);
        let reasons = match value {
            Truth::Unknown => group_reasons(self.rs, g, self.values, self.missing),
            _ => Vec::new(),
        };
        let uncollected = reasons.contains(&Reason::KindNotCollected { kind: group.kind });
        ExplainNode::Group {
            kind: group.kind,
            value,
            true_objects: root[Truth::True as usize],
            unknown_objects: root[Truth::Unknown as usize],
            reasons,
            children: vec![self.node(
                &group.expr,
                counts,
                &mut 0,
                uncollected.then_some(group.kind),
            )],
        }
    }

    /// A node of a group's expression; `at` walks the counts in pre-order.
    fn node(
        &self,
        expr: &GExpr,
        counts: &[[u64; 3]],
        at: &mut usize,
        uncollected: Option<ItemKind>,
    ) -> ExplainNode {
        let c = counts.get(*at).copied().unwrap_or_default();
        *at += 1;
        let value = if c[Truth::True as usize] > 0 {
            Truth::True
        } else if c[Truth::Unknown as usize] > 0
            || (uncollected.is_some() && expr.constant() != Truth::False)
        {
            Truth::Unknown
        } else if counts.is_empty() {
            // A part without supported leaves: never tallied, its value is its own.
            expr.constant()
        } else {
            Truth::False
        };
        match expr {
            GExpr::Leaf(l) => {
                let leaf = &self.rs.leaf_table()[*l as usize];
                let reason = match (uncollected, leaf.field) {
                    (Some(kind), _) => Some(Reason::KindNotCollected { kind }),
                    (None, Some(f)) if c[Truth::Unknown as usize] > 0 => {
                        Some(Reason::FieldNotAvailable {
                            term: f.name(),
                            objects: c[Truth::Unknown as usize],
                        })
                    }
                    _ => None,
                };
                self.condition(leaf, value, c, reason)
            }
            GExpr::Unknown(Unknown::Leaf(l)) => {
                let leaf = &self.rs.leaf_table()[*l as usize];
                let reason = constant_reasons(self.rs, expr).into_iter().next();
                self.condition(leaf, Truth::Unknown, [0; 3], reason)
            }
            GExpr::Unknown(Unknown::Indicator(info)) => ExplainNode::Nested {
                operator: info.operator.to_string(),
                value: Truth::Unknown,
                children: Vec::new(),
            },
            GExpr::Element(e, inner) => ExplainNode::Nested {
                operator: format!("one element of {}", e.list()),
                value,
                children: vec![self.node(inner, counts, at, uncollected)],
            },
            GExpr::Op(op, ch) => ExplainNode::Nested {
                operator: op.to_string(),
                value,
                children: ch.iter().map(|e| self.node(e, counts, at, uncollected)).collect(),
            },
        }
    }

    fn condition(
        &self,
        leaf: &Leaf,
        value: Truth,
        c: [u64; 3],
        reason: Option<Reason>,
    ) -> ExplainNode {
        ExplainNode::Condition {
            item_id: leaf.item_id.clone(),
            position: leaf.position,
            text: leaf.text.clone(),
            value,
            true_objects: c[Truth::True as usize],
            unknown_objects: c[Truth::Unknown as usize],
            reason,
        }
    }
}
