//! The compiled tree: leaves (typed conditions), item-scoped groups and host-wide branches.
//!
//! ```text
//! IOC --OR--> Branch (an Indicator evaluated host-wide)
//!               parts: Group (conditions bound to ONE item of a kind) | Branch | False
//! Group.expr: GExpr over Leaf ids, evaluated on one item
//! ```
//! Leaves and groups live in flat vectors of the [`super::Ruleset`] and are referred to by
//! index, so the evaluator's per-item state is a few integers. Plain data: building is
//! [`super::lower`] and [`super::group`]; per-item evaluation is the evaluator's (`eval`), and the
//! only evaluation here is folding constant structure (`can_match`) with [`crate::logic`].

use super::value::{Cond, Test};
use crate::diag::Code;
use crate::item::{ItemKind, Value};
pub(crate) use crate::logic::Op;
use crate::logic::{self, Truth};
use crate::source::Position;
use crate::terms::{Element, Field, FieldSet};
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
    /// Why the item never matches (unsupported term, bad content, ...): such a leaf is
    /// constant, false to detection and *unknown* to the verdict.
    pub never: Option<Never>,
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

/// Why a leaf never matches: the warning raised, and the term as written.
#[derive(Clone, Debug)]
pub(crate) struct Never {
    pub code: Code,
    pub term: Box<str>,
}

/// A boolean expression evaluated on one item.
///
/// An empty Indicator is `Op(op, [])`: false in both logics.
#[derive(Clone, Debug)]
pub(crate) enum GExpr {
    /// A (supported) leaf.
    Leaf(LeafId),
    /// Never true, and unknown to the verdict: a never-matching leaf or an Indicator with an
    /// unknown operator.
    Unknown(Unknown),
    /// AND / OR over sub-expressions (a nested Indicator on the same item).
    Op(Op, Vec<GExpr>),
    /// Conditions on the columns of one sub-list, bound to one element of it: true when some
    /// element (one handle, one memory section) satisfies the whole expression.
    Element(Element, Box<GExpr>),
}

/// What a constant unknown stands for (the verdict's reason).
#[derive(Clone, Debug)]
pub(crate) enum Unknown {
    /// A never-matching IndicatorItem (see [`Leaf::never`]).
    Leaf(LeafId),
    /// An Indicator whose operator is neither AND nor OR (or nested past the limit).
    Indicator(Arc<BranchInfo>),
}

impl GExpr {
    /// True unless the expression is false whatever the item (detection).
    pub(crate) fn can_match(&self) -> bool {
        match self {
            GExpr::Leaf(_) => true,
            GExpr::Unknown(_) => false,
            GExpr::Op(op, ch) => logic::combine(Some(*op), ch.iter().map(GExpr::can_match)),
            GExpr::Element(_, inner) => inner.can_match(),
        }
    }

    /// The verdict value the expression has whatever the item ([`Truth::Unknown`] when it
    /// depends on the item): [`Truth::False`] means no item can make it true or unknown.
    pub(crate) fn constant(&self) -> Truth {
        match self {
            GExpr::Leaf(_) | GExpr::Unknown(_) => Truth::Unknown,
            GExpr::Op(op, ch) => logic::combine3(Some(*op), ch.iter().map(GExpr::constant)),
            GExpr::Element(_, inner) => inner.constant(),
        }
    }

    /// Shifts every leaf id by `by` (merging separately compiled parts).
    pub(crate) fn offset(&mut self, by: LeafId) {
        match self {
            GExpr::Leaf(l) | GExpr::Unknown(Unknown::Leaf(l)) => *l += by,
            GExpr::Unknown(Unknown::Indicator(_)) => {}
            GExpr::Op(_, ch) => ch.iter_mut().for_each(|c| c.offset(by)),
            GExpr::Element(_, inner) => inner.offset(by),
        }
    }

    /// The supported leaves, in pre-order.
    pub(crate) fn leaves(&self, out: &mut Vec<LeafId>) {
        match self {
            GExpr::Leaf(l) => out.push(*l),
            GExpr::Unknown(_) => {}
            GExpr::Op(_, ch) => ch.iter().for_each(|c| c.leaves(out)),
            GExpr::Element(_, inner) => inner.leaves(out),
        }
    }

    /// The constant unknowns, in pre-order.
    pub(crate) fn unknowns<'a>(&'a self, out: &mut Vec<&'a Unknown>) {
        match self {
            GExpr::Leaf(_) => {}
            GExpr::Unknown(u) => out.push(u),
            GExpr::Op(_, ch) => ch.iter().for_each(|c| c.unknowns(out)),
            GExpr::Element(_, inner) => inner.unknowns(out),
        }
    }

    /// The sub-list every supported leaf of the expression is a column of, if one is.
    pub(crate) fn element(&self, leaves: &[Leaf]) -> Option<Element> {
        match self {
            GExpr::Leaf(l) => leaves[*l as usize].field.and_then(|f| f.term().element),
            GExpr::Unknown(_) => None,
            GExpr::Op(_, ch) => {
                let first = ch.first()?.element(leaves)?;
                ch.iter().all(|c| c.element(leaves) == Some(first)).then_some(first)
            }
            GExpr::Element(e, _) => Some(*e),
        }
    }

    /// Binds conditions on one sub-list to one element: inside each AND, the children that
    /// are all on the same list (two or more of them) become one [`GExpr::Element`].
    /// `AND(Handle/Type is File, Handle/Name contains x)` is then one handle with both; a
    /// single list condition keeps the any-element rule.
    pub(crate) fn bind_elements(self, leaves: &[Leaf]) -> GExpr {
        let GExpr::Op(op, children) = self else { return self };
        let children: Vec<GExpr> = children.into_iter().map(|c| c.bind_elements(leaves)).collect();
        if op != Op::And {
            return GExpr::Op(op, children);
        }
        let elements: Vec<Option<Element>> = children.iter().map(|c| c.element(leaves)).collect();
        let shared = |e: &Option<Element>| {
            e.filter(|e| elements.iter().filter(|x| **x == Some(*e)).count() > 1)
        };
        // Each shared list's group sits where its first member was.
        let mut slots: Vec<Result<GExpr, (Element, Vec<GExpr>)>> = Vec::new();
        for (child, element) in children.into_iter().zip(&elements) {
            match shared(element) {
                Some(e) => match slots.iter_mut().find_map(|s| match s {
                    Err((b, members)) if *b == e => Some(members),
                    _ => None,
                }) {
                    Some(members) => members.push(child),
                    None => slots.push(Err((e, vec![child]))),
                },
                None => slots.push(Ok(child)),
            }
        }
        let mut out: Vec<GExpr> = slots
            .into_iter()
            .map(|s| {
                s.unwrap_or_else(|(e, members)| {
                    GExpr::Element(e, Box::new(GExpr::Op(Op::And, members)))
                })
            })
            .collect();
        // The whole AND was one list: the element group is the expression.
        if out.len() == 1 && matches!(out[0], GExpr::Element(..)) {
            return out.remove(0);
        }
        GExpr::Op(op, out)
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
    /// `None` for an unknown operator (or nesting past the limit): never true, and unknown
    /// to the verdict.
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
    /// Never true: a child without any supported leaf. Its expression (with no
    /// [`GExpr::Leaf`]) says whether it is false or unknown to the verdict.
    Never(GExpr),
}

impl Branch {
    /// Shifts every group id by `groups` and leaf id by `leaves` (merging separately
    /// compiled parts).
    pub(crate) fn offset(&mut self, groups: GroupId, leaves: LeafId) {
        for part in &mut self.parts {
            match part {
                Part::Group(g) => *g += groups,
                Part::Branch(b) => b.offset(groups, leaves),
                Part::Never(e) => e.offset(leaves),
            }
        }
    }

    /// Evaluates the branch given each group's truth.
    pub(crate) fn eval(&self, group_true: &dyn Fn(GroupId) -> bool) -> bool {
        let part = |p: &Part| match p {
            Part::Group(g) => group_true(*g),
            Part::Branch(b) => b.eval(group_true),
            Part::Never(_) => false,
        };
        logic::combine(self.op, self.parts.iter().map(part))
    }

    /// Evaluates the branch to a verdict given each group's host-wide value.
    pub(crate) fn eval3(&self, group_value: &dyn Fn(GroupId) -> Truth) -> Truth {
        let part = |p: &Part| match p {
            Part::Group(g) => group_value(*g),
            Part::Branch(b) => b.eval3(group_value),
            Part::Never(e) => e.constant(),
        };
        logic::combine3(self.op, self.parts.iter().map(part))
    }
}
