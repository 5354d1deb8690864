//! Item-scoped groups (openioc.md §4): which conditions bind to one item.
//!
//! Inside an Indicator, the children of one item kind (leaves, and nested Indicators whose
//! supported leaves are all of that kind) form ONE [`Group`], evaluated on one item at a time;
//! groups of different kinds and nested mixed Indicators combine host-wide in a [`Branch`].
//! A top-level Indicator of a single kind is one group as a whole. Never-matching leaves are
//! constant false and do not break the grouping of the others. An N-of Indicator
//! (`yara/set`) of one kind binds its N to one item; one of mixed kinds counts each child
//! host-wide.

use super::lower::{LInd, LNode};
use super::tree::{Branch, BranchInfo, GExpr, Group, GroupId, Leaf, Op, Part, Unknown};
use crate::item::ItemKind;
use crate::terms::FieldSet;
use std::collections::BTreeMap;
use std::sync::Arc;

/// The kind a subtree binds to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Purity {
    /// No supported leaf: constant false.
    Const,
    /// All supported leaves are of this kind.
    Kind(ItemKind),
    /// Leaves of several kinds.
    Mixed,
}

fn purity(node: &LNode, leaves: &[Leaf]) -> Purity {
    match node {
        LNode::Leaf(l) => {
            let leaf = &leaves[*l as usize];
            match (leaf.supported(), leaf.field) {
                (true, Some(f)) => Purity::Kind(f.kind()),
                _ => Purity::Const,
            }
        }
        LNode::Ind(ind) if ind.op.is_none() => Purity::Const,
        LNode::Ind(ind) => {
            ind.children.iter().fold(Purity::Const, |acc, c| match (acc, purity(c, leaves)) {
                (Purity::Const, p) | (p, Purity::Const) => p,
                (Purity::Kind(a), Purity::Kind(b)) if a == b => Purity::Kind(a),
                _ => Purity::Mixed,
            })
        }
    }
}

/// Builds groups into `groups` from lowered trees.
pub(crate) struct Grouper<'a> {
    pub leaves: &'a [Leaf],
    pub groups: &'a mut Vec<Group>,
}

impl Grouper<'_> {
    /// The host-wide branch of a top-level Indicator.
    pub(crate) fn top(&mut self, ind: &LInd) -> Branch {
        let node_purity = if ind.op.is_none() {
            Purity::Const
        } else {
            ind.children.iter().fold(Purity::Const, |acc, c| match (acc, purity(c, self.leaves)) {
                (Purity::Const, p) | (p, Purity::Const) => p,
                (Purity::Kind(a), Purity::Kind(b)) if a == b => Purity::Kind(a),
                _ => Purity::Mixed,
            })
        };
        match (node_purity, ind.op) {
            (Purity::Kind(kind), Some(_)) => {
                let g = self.group(kind, self.expr_of_ind(ind), ind.info.clone());
                Branch {
                    info: ind.info.clone(),
                    // The group applies the operator; over its one part an N of would be
                    // false, where AND and OR are the identity.
                    op: ind.op.map(|op| if matches!(op, Op::AtLeast(_)) { Op::And } else { op }),
                    parts: vec![Part::Group(g)],
                    scoped: true,
                }
            }
            _ => self.host(ind),
        }
    }

    /// A mixed (or constant) Indicator: group its children by kind.
    fn host(&mut self, ind: &LInd) -> Branch {
        let Some(op) = ind.op else {
            return Branch { info: ind.info.clone(), op: None, parts: Vec::new(), scoped: false };
        };
        // Members of each kind, and the child index where the kind first appears.
        let mut members: BTreeMap<ItemKind, (usize, Vec<&LNode>)> = BTreeMap::new();
        let mut slots: Vec<(usize, Option<Part>)> = Vec::new();
        for (i, child) in ind.children.iter().enumerate() {
            match purity(child, self.leaves) {
                // N of mixed children counts each child host-wide: members of a kind cannot
                // share one group, whose N of would then count as one child.
                Purity::Kind(k) if matches!(op, Op::AtLeast(_)) => {
                    let (expr, info) = match child {
                        LNode::Ind(sub) => (self.expr_of_ind(sub), sub.info.clone()),
                        leaf => (self.expr_of(leaf), ind.info.clone()),
                    };
                    slots.push((i, Some(Part::Group(self.group(k, expr, info)))));
                }
                Purity::Kind(k) => {
                    members.entry(k).or_insert_with(|| (i, Vec::new())).1.push(child)
                }
                Purity::Const => slots.push((i, Some(Part::Never(self.expr_of(child))))),
                Purity::Mixed => {
                    if let LNode::Ind(sub) = child {
                        slots.push((i, Some(Part::Branch(self.host(sub)))));
                    }
                }
            }
        }
        for (kind, (first, list)) in members {
            let (expr, info) = match list.as_slice() {
                [LNode::Ind(sub)] => (self.expr_of_ind(sub), sub.info.clone()),
                [single] => (self.expr_of(single), ind.info.clone()),
                many => (
                    GExpr::Op(op, many.iter().map(|c| self.expr_of(c)).collect()),
                    ind.info.clone(),
                ),
            };
            let g = self.group(kind, expr, info);
            slots.push((first, Some(Part::Group(g))));
        }
        slots.sort_by_key(|(i, _)| *i);
        let parts = slots.into_iter().filter_map(|(_, p)| p).collect();
        Branch { info: ind.info.clone(), op: Some(op), parts, scoped: false }
    }

    fn expr_of(&self, node: &LNode) -> GExpr {
        match node {
            LNode::Leaf(l) if self.leaves[*l as usize].supported() => GExpr::Leaf(*l),
            LNode::Leaf(l) => GExpr::Unknown(Unknown::Leaf(*l)),
            LNode::Ind(ind) => self.expr_of_ind(ind),
        }
    }

    fn expr_of_ind(&self, ind: &LInd) -> GExpr {
        match ind.op {
            Some(op) => GExpr::Op(op, ind.children.iter().map(|c| self.expr_of(c)).collect()),
            None => GExpr::Unknown(Unknown::Indicator(ind.info.clone())),
        }
    }

    fn group(&mut self, kind: ItemKind, expr: GExpr, info: Arc<BranchInfo>) -> GroupId {
        let expr = expr.bind_elements(self.leaves);
        let mut leaves = Vec::new();
        expr.leaves(&mut leaves);
        let fields: FieldSet =
            leaves.iter().filter_map(|l| self.leaves[*l as usize].field).collect();
        self.groups.push(Group { kind, expr, leaves, fields, info });
        (self.groups.len() - 1) as GroupId
    }
}
