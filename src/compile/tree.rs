//! The compiled tree: leaves (typed conditions), item-scoped groups and host-wide branches.
//!
//! ```text
//! IOC --OR--> Branch (an Indicator evaluated host-wide)
//!               parts: Group (conditions bound to ONE item of a kind) | Branch | False
//! Group.expr: GExpr over Leaf ids, evaluated on one item
//! ```
//! Leaves and groups live in flat vectors of the [`super::Ruleset`] and are referred to by
//! index, so the evaluator's per-item state is a few integers. Plain data: building is
//! [`super::lower`] and [`super::group`]; per-item evaluation is [`crate::eval`], and the
//! only evaluation here is folding constant structure (`can_match`) with [`crate::logic`].

use super::value::{Cond, Test};
use crate::diag::Code;
use crate::item::{ItemKind, Value};
use crate::logic;
pub(crate) use crate::logic::Op;
use crate::source::Position;
use crate::terms::{Field, FieldSet};
use std::sync::Arc;

/// Index of a [`Leaf`] in the ruleset.
pub(crate) type LeafId = u32;
/// Index of a [`Group`] in the ruleset.
pub(crate) type GroupId = u32;

/// One compiled IndicatorItem.
#[derive(Clone, Debug)]
pub(crate) struct Leaf {
    /// The field read; `None` for an unsupported term.
    pub field: Option<Field>,
    /// The comparison; `None` when the item never matches (unsupported term or condition,
    /// bad content, bad regex).
    pub test: Option<Test>,
    /// The condition (for card text).
    pub cond: Option<Cond>,
    /// Negated (1.0 `isnot`/`containsnot`, 1.1 `negate="true"`).
    pub negate: bool,
    /// Compare text case-insensitively.
    pub fold: bool,
    /// The warning that made the item never match (unsupported term, bad content, ...):
    /// such a leaf is constant, and *unknown* to the verdicts.
    pub never: Option<Code>,
    /// The IndicatorItem id.
    pub item_id: Option<String>,
    /// Where the IndicatorItem starts.
    pub position: Position,
    /// The card text, `FileItem/Md5sum is 0123...`.
    pub text: String,
    /// A 1.0 `Comment` or 1.1 `comment` param.
    pub comment: Option<String>,
}

impl Leaf {
    /// True when the leaf can ever be true.
    pub(crate) fn supported(&self) -> bool {
        self.field.is_some() && self.test.is_some()
    }

    /// The raw condition (before negation) on an observed value: any element of a list.
    pub(crate) fn raw_match(&self, value: &Value) -> bool {
        match &self.test {
            Some(test) => value.each().iter().any(|v| test.matches(v, self.fold)),
            None => false,
        }
    }
}

/// A boolean expression evaluated on one item.
#[derive(Clone, Debug)]
pub(crate) enum GExpr {
    /// A (supported) leaf.
    Leaf(LeafId),
    /// Never true: an unsupported leaf, an empty Indicator or an unknown operator.
    False,
    /// AND / OR over sub-expressions (a nested Indicator on the same item).
    Op(Op, Vec<GExpr>),
}

impl GExpr {
    /// True unless the expression is false whatever the item.
    pub(crate) fn can_match(&self) -> bool {
        match self {
            GExpr::Leaf(_) => true,
            GExpr::False => false,
            GExpr::Op(op, ch) => logic::combine(Some(*op), ch.iter().map(GExpr::can_match)),
        }
    }

    /// Shifts every leaf id by `by` (merging separately compiled parts).
    pub(crate) fn offset(&mut self, by: LeafId) {
        match self {
            GExpr::Leaf(l) => *l += by,
            GExpr::False => {}
            GExpr::Op(_, ch) => ch.iter_mut().for_each(|c| c.offset(by)),
        }
    }

    /// The leaves, in pre-order.
    pub(crate) fn leaves(&self, out: &mut Vec<LeafId>) {
        match self {
            GExpr::Leaf(l) => out.push(*l),
            GExpr::False => {}
            GExpr::Op(_, ch) => ch.iter().for_each(|c| c.leaves(out)),
        }
    }
}

/// What a card says about a branch: the Indicator it comes from.
#[derive(Clone, Debug)]
pub(crate) struct BranchInfo {
    pub indicator_id: Option<String>,
    /// As written; the usual `AND`/`OR` without an allocation.
    pub operator: std::borrow::Cow<'static, str>,
    pub position: Position,
    pub depth: u32,
}

/// Conditions bound to one item of one kind.
#[derive(Clone, Debug)]
pub(crate) struct Group {
    /// The item kind.
    pub kind: ItemKind,
    /// The expression over one item.
    pub expr: GExpr,
    /// Its leaves in pre-order (card order).
    pub leaves: Vec<LeafId>,
    /// Fields the leaves read.
    pub fields: FieldSet,
    /// The Indicator shown on the card (shared with its branch).
    pub info: Arc<BranchInfo>,
}

/// An Indicator evaluated host-wide.
#[derive(Clone, Debug)]
pub(crate) struct Branch {
    /// The Indicator.
    pub info: Arc<BranchInfo>,
    /// `None` for an unknown operator or an empty Indicator: never true.
    pub op: Option<Op>,
    /// The parts it combines.
    pub parts: Vec<Part>,
    /// True when the whole Indicator is one item-scoped group (its only part).
    pub scoped: bool,
}

/// A part of a host-wide branch.
#[derive(Clone, Debug)]
pub(crate) enum Part {
    /// True when some item satisfied the group.
    Group(GroupId),
    /// A nested Indicator mixing kinds.
    Branch(Branch),
    /// Never true.
    False,
}

impl Branch {
    /// Shifts every group id by `by` (merging separately compiled parts).
    pub(crate) fn offset(&mut self, by: GroupId) {
        for part in &mut self.parts {
            match part {
                Part::Group(g) => *g += by,
                Part::Branch(b) => b.offset(by),
                Part::False => {}
            }
        }
    }

    /// Evaluates the branch given each group's truth.
    pub(crate) fn eval(&self, group_true: &dyn Fn(GroupId) -> bool) -> bool {
        let part = |p: &Part| match p {
            Part::Group(g) => group_true(*g),
            Part::Branch(b) => b.eval(group_true),
            Part::False => false,
        };
        logic::combine(self.op, self.parts.iter().map(part))
    }
}
