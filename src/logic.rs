//! The truth table: how a condition's observation, `negate`, AND and OR give a value.
//!
//! A leaf (IndicatorItem) on one item:
//!
//! | observation of the field on the item | `negate` | leaf value | counted as not evaluated |
//! | --- | --- | --- | --- |
//! | the condition holds                     | false | **true**  | no  |
//! | the condition does not hold             | false | false     | no  |
//! | the condition holds                     | true  | false     | no  |
//! | the condition does not hold             | true  | **true**  | no  |
//! | field absent or not computable          | false | false     | yes |
//! | field absent or not computable          | true  | false     | yes |
//! | never-matching item (unsupported, bad content) | either | false | no  |
//!
//! For a list field "the condition holds" means *some element* satisfies it; `negate` then
//! applies to that whole "any" (true when no element satisfies it).
//!
//! An Indicator:
//!
//! | operator | children | value |
//! | --- | --- | --- |
//! | AND | all true | true |
//! | AND | some false | false |
//! | AND | none (empty Indicator) | false |
//! | OR  | some true | true |
//! | OR  | all false | false |
//! | OR  | none (empty Indicator) | false |
//! | unknown operator | any | false |
//!
//! Missing data is never evidence: no row turns "absent" into true. Within an item-scoped
//! group these rules apply to one item; host-wide, a group is true when some item made it
//! true (see [`crate::compile`]). This module holds only the rules and imports nothing of the
//! pipeline: the compiler folds constant structure with them and the evaluator applies them
//! to items ([`crate::eval`]).

/// An Indicator operator.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Op {
    /// Every child.
    And,
    /// Some child.
    Or,
}

/// What the evaluator saw of a leaf's field on one item.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Observed {
    /// The field has a value and the condition holds on it (on some element, for lists).
    Holds,
    /// The field has a value and the condition does not hold.
    Fails,
    /// The field is absent or could not be computed.
    Unknown,
}

/// A leaf's value from its observation and its `negate`.
pub(crate) fn leaf(observed: Observed, negate: bool) -> bool {
    match observed {
        Observed::Holds => !negate,
        Observed::Fails => negate,
        Observed::Unknown => false,
    }
}

/// An Indicator's value from its operator (`None`: unknown) and its children's values.
pub(crate) fn combine(op: Option<Op>, mut children: impl Iterator<Item = bool>) -> bool {
    match op {
        Some(Op::And) => {
            let mut any = false;
            for c in children {
                if !c {
                    return false;
                }
                any = true;
            }
            any
        }
        Some(Op::Or) => children.any(|c| c),
        None => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // One test per row of the leaf table.
    #[test]
    fn holds_not_negated_is_true() {
        assert!(leaf(Observed::Holds, false));
    }
    #[test]
    fn fails_not_negated_is_false() {
        assert!(!leaf(Observed::Fails, false));
    }
    #[test]
    fn holds_negated_is_false() {
        assert!(!leaf(Observed::Holds, true));
    }
    #[test]
    fn fails_negated_is_true() {
        assert!(leaf(Observed::Fails, true));
    }
    #[test]
    fn unknown_not_negated_is_false() {
        assert!(!leaf(Observed::Unknown, false));
    }
    #[test]
    fn unknown_negated_is_still_false() {
        assert!(!leaf(Observed::Unknown, true));
    }
    #[test]
    fn never_matching_leaf_is_false_either_way() {
        // A never-matching leaf is compiled to a constant false (GExpr::False / Part::False),
        // never observed: an expression made of it alone is false whatever negate said.
        assert!(!crate::compile::tree::GExpr::False.can_match());
        assert!(!combine(Some(Op::Or), [false].into_iter()));
    }

    // One test per row of the Indicator table.
    #[test]
    fn and_all_true() {
        assert!(combine(Some(Op::And), [true, true].into_iter()));
    }
    #[test]
    fn and_some_false() {
        assert!(!combine(Some(Op::And), [true, false, true].into_iter()));
    }
    #[test]
    fn and_empty_is_false() {
        assert!(!combine(Some(Op::And), std::iter::empty()));
    }
    #[test]
    fn or_some_true() {
        assert!(combine(Some(Op::Or), [false, true].into_iter()));
    }
    #[test]
    fn or_all_false() {
        assert!(!combine(Some(Op::Or), [false, false].into_iter()));
    }
    #[test]
    fn or_empty_is_false() {
        assert!(!combine(Some(Op::Or), std::iter::empty()));
    }
    #[test]
    fn unknown_operator_is_false() {
        assert!(!combine(None, [true, true].into_iter()));
    }
}
