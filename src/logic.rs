//! The truth table: how a condition's observation, `negate`, AND and OR give a value, in two
//! logics. *Detection* is two-valued: a condition that could not be evaluated is false, so
//! missing data is never evidence. The *verdict* is three-valued (Kleene): the same condition
//! is unknown, and an IOC whose tree is unknown is `undetermined`, not clean.
//!
//! A leaf (IndicatorItem) on one item:
//!
//! | observation of the field on the item | `negate` | detection | verdict |
//! | --- | --- | --- | --- |
//! | the condition holds                     | false | **true**  | true    |
//! | the condition does not hold             | false | false     | false   |
//! | the condition holds                     | true  | false     | false   |
//! | the condition does not hold             | true  | **true**  | true    |
//! | field absent or not computable          | false | false     | unknown |
//! | field absent or not computable          | true  | false     | unknown |
//! | never-matching item (unsupported, bad content) | either | false | unknown |
//!
//! For a list field "the condition holds" means *some element* satisfies it; `negate` then
//! applies to that whole "any" (true when no element satisfies it).
//!
//! An Indicator:
//!
//! | operator | children | detection | verdict |
//! | --- | --- | --- | --- |
//! | AND | all true | true | true |
//! | AND | some false | false | false |
//! | AND | none false, some unknown | false | unknown |
//! | AND | none (empty Indicator) | false | false |
//! | OR  | some true | true | true |
//! | OR  | none true, some unknown | false | unknown |
//! | OR  | all false | false | false |
//! | OR  | none (empty Indicator) | false | false |
//! | N of (`yara/set` N) | at least N true | true | true |
//! | N of | fewer than N true or unknown | false | false |
//! | N of | otherwise | false | unknown |
//! | unknown operator | any | false | unknown |
//!
//! Host-wide, a group of conditions bound to one item is true when some item made it true,
//! else unknown when some item left it unknown (or its kind was not collected), else false.
//!
//! The two logics agree: a tree is detected exactly when its verdict is true, because no row
//! turns "absent" into true and AND/OR are monotone. And since negation applies only at the
//! leaves, the verdict is exact: `false` means no value of the unknown conditions could have
//! made the tree true, `unknown` means some could (a property test checks both by brute
//! force). This module holds only the rules and imports nothing of the pipeline: the compiler
//! folds constant structure with them and the evaluator applies them to items.

use serde::Serialize;

/// An Indicator operator.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Op {
    /// Every child.
    And,
    /// Some child.
    Or,
    /// At least this many children (ioc_writer's `yara/set` N; between 2 and the number of
    /// children less one: 1 is an OR, all an AND).
    AtLeast(u32),
}

impl std::fmt::Display for Op {
    /// As cards and explanations name it: `AND`, `OR`, `2 OF`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Op::And => f.write_str("AND"),
            Op::Or => f.write_str("OR"),
            Op::AtLeast(n) => write!(f, "{n} OF"),
        }
    }
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

/// A three-valued (Kleene) truth value, ordered `False < Unknown < True`: AND is the
/// minimum, OR the maximum.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Truth {
    /// False whatever the unknown conditions are.
    False,
    /// True or false depending on conditions that could not be evaluated.
    Unknown,
    /// True.
    True,
}

/// A leaf's detection value from its observation and its `negate` (the evaluator computes
/// [`leaf3`] and detects on [`Truth::True`]; this is the table's detection column).
#[cfg(test)]
pub(crate) fn leaf(observed: Observed, negate: bool) -> bool {
    leaf3(observed, negate) == Truth::True
}

/// A leaf's verdict value from its observation and its `negate`.
pub(crate) fn leaf3(observed: Observed, negate: bool) -> Truth {
    match observed {
        Observed::Holds if negate => Truth::False,
        Observed::Holds => Truth::True,
        Observed::Fails if negate => Truth::True,
        Observed::Fails => Truth::False,
        Observed::Unknown => Truth::Unknown,
    }
}

/// An Indicator's detection value from its operator (`None`: unknown) and its children's.
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
        Some(Op::AtLeast(n)) => children.filter(|c| *c).take(n as usize).count() == n as usize,
        None => false,
    }
}

/// An Indicator's verdict value from its operator (`None`: unknown) and its children's.
pub(crate) fn combine3(op: Option<Op>, children: impl Iterator<Item = Truth>) -> Truth {
    match op {
        Some(Op::And) => {
            let mut value = None;
            for c in children {
                if c == Truth::False {
                    return Truth::False;
                }
                value = Some(value.map_or(c, |v: Truth| v.min(c)));
            }
            value.unwrap_or(Truth::False)
        }
        Some(Op::Or) => {
            let mut value = Truth::False;
            for c in children {
                if c == Truth::True {
                    return Truth::True;
                }
                value = value.max(c);
            }
            value
        }
        Some(Op::AtLeast(n)) => {
            let (mut yes, mut maybe) = (0u32, 0u32);
            for c in children {
                match c {
                    Truth::True => yes += 1,
                    Truth::Unknown => maybe += 1,
                    Truth::False => {}
                }
                if yes >= n {
                    return Truth::True;
                }
            }
            if yes + maybe >= n {
                Truth::Unknown
            } else {
                Truth::False
            }
        }
        None => Truth::Unknown,
    }
}

#[cfg(test)]
mod tests {
    use super::Truth::{False as F, True as T, Unknown as U};
    use super::*;
    use proptest::prelude::*;

    // One test per row of the leaf table: detection, then verdict.
    #[test]
    fn holds_not_negated_is_true() {
        assert!(leaf(Observed::Holds, false));
        assert_eq!(leaf3(Observed::Holds, false), T);
    }
    #[test]
    fn fails_not_negated_is_false() {
        assert!(!leaf(Observed::Fails, false));
        assert_eq!(leaf3(Observed::Fails, false), F);
    }
    #[test]
    fn holds_negated_is_false() {
        assert!(!leaf(Observed::Holds, true));
        assert_eq!(leaf3(Observed::Holds, true), F);
    }
    #[test]
    fn fails_negated_is_true() {
        assert!(leaf(Observed::Fails, true));
        assert_eq!(leaf3(Observed::Fails, true), T);
    }
    #[test]
    fn unknown_not_negated_is_false_and_unknown() {
        assert!(!leaf(Observed::Unknown, false));
        assert_eq!(leaf3(Observed::Unknown, false), U);
    }
    #[test]
    fn unknown_negated_is_still_false_and_unknown() {
        assert!(!leaf(Observed::Unknown, true));
        assert_eq!(leaf3(Observed::Unknown, true), U);
    }
    #[test]
    fn never_matching_leaf_is_false_either_way() {
        // A never-matching leaf is compiled to a constant (GExpr::Unknown), never observed: it
        // is false to detection and unknown to the verdict, whatever negate said.
        assert!(!combine(Some(Op::Or), [false].into_iter()));
        assert_eq!(combine3(Some(Op::Or), [U].into_iter()), U);
    }

    // One test per row of the Indicator table.
    #[test]
    fn and_all_true() {
        assert!(combine(Some(Op::And), [true, true].into_iter()));
        assert_eq!(combine3(Some(Op::And), [T, T].into_iter()), T);
    }
    #[test]
    fn and_some_false() {
        assert!(!combine(Some(Op::And), [true, false, true].into_iter()));
        assert_eq!(combine3(Some(Op::And), [T, F, U].into_iter()), F);
    }
    #[test]
    fn and_some_unknown_none_false() {
        assert_eq!(combine3(Some(Op::And), [T, U, T].into_iter()), U);
    }
    #[test]
    fn and_empty_is_false() {
        assert!(!combine(Some(Op::And), std::iter::empty()));
        assert_eq!(combine3(Some(Op::And), std::iter::empty()), F);
    }
    #[test]
    fn or_some_true() {
        assert!(combine(Some(Op::Or), [false, true].into_iter()));
        assert_eq!(combine3(Some(Op::Or), [U, T, F].into_iter()), T);
    }
    #[test]
    fn or_some_unknown_none_true() {
        assert_eq!(combine3(Some(Op::Or), [F, U].into_iter()), U);
    }
    #[test]
    fn or_all_false() {
        assert!(!combine(Some(Op::Or), [false, false].into_iter()));
        assert_eq!(combine3(Some(Op::Or), [F, F].into_iter()), F);
    }
    #[test]
    fn or_empty_is_false() {
        assert!(!combine(Some(Op::Or), std::iter::empty()));
        assert_eq!(combine3(Some(Op::Or), std::iter::empty()), F);
    }
    #[test]
    fn unknown_operator_is_false_and_unknown() {
        assert!(!combine(None, [true, true].into_iter()));
        assert_eq!(combine3(None, [T, T].into_iter()), U);
    }
    #[test]
    fn at_least_n_true_is_true() {
        assert!(combine(Some(Op::AtLeast(2)), [true, false, true].into_iter()));
        assert_eq!(combine3(Some(Op::AtLeast(2)), [T, F, T].into_iter()), T);
    }
    #[test]
    fn at_least_too_few_true_or_unknown_is_false() {
        assert!(!combine(Some(Op::AtLeast(2)), [true, false, false].into_iter()));
        assert_eq!(combine3(Some(Op::AtLeast(2)), [T, F, F].into_iter()), F);
    }
    #[test]
    fn at_least_short_by_unknowns_is_unknown() {
        assert!(!combine(Some(Op::AtLeast(2)), [true, false, false].into_iter()));
        assert_eq!(combine3(Some(Op::AtLeast(2)), [T, U, F].into_iter()), U);
    }
    /// A small tree: leaves are known values or unknowns numbered `0..4`.
    #[derive(Clone, Debug)]
    enum Tree {
        Known(bool),
        Var(usize),
        Node(Option<Op>, Vec<Tree>),
    }

    /// Trees whose operators are AND, OR and, when `unknown_ops`, unknown.
    fn tree(unknown_ops: bool) -> impl Strategy<Value = Tree> {
        let leaf =
            prop_oneof![any::<bool>().prop_map(Tree::Known), (0..4usize).prop_map(Tree::Var)];
        let ops: &'static [Option<Op>] = if unknown_ops {
            &[Some(Op::And), Some(Op::Or), Some(Op::AtLeast(2)), None]
        } else {
            &[Some(Op::And), Some(Op::Or), Some(Op::AtLeast(2))]
        };
        leaf.prop_recursive(4, 24, 4, move |inner| {
            (prop::sample::select(ops), prop::collection::vec(inner, 0..4))
                .prop_map(|(op, ch)| Tree::Node(op, ch))
        })
    }

    fn kleene(t: &Tree) -> Truth {
        match t {
            Tree::Known(b) => leaf3(if *b { Observed::Holds } else { Observed::Fails }, false),
            Tree::Var(_) => Truth::Unknown,
            Tree::Node(op, ch) => combine3(*op, ch.iter().map(kleene)),
        }
    }

    /// The detection value once every unknown is given a value; an unknown operator could
    /// mean either AND or OR, so it is a variable too (the bit after the leaves').
    fn assigned(t: &Tree, bits: u32, ops: &mut u32) -> bool {
        match t {
            Tree::Known(b) => *b,
            Tree::Var(v) => bits & (1 << v) != 0,
            Tree::Node(op, ch) => {
                let op = op.unwrap_or_else(|| {
                    *ops += 1;
                    if bits & (1 << (3 + *ops)) != 0 {
                        Op::And
                    } else {
                        Op::Or
                    }
                });
                let values: Vec<bool> = ch.iter().map(|c| assigned(c, bits, ops)).collect();
                combine(Some(op), values.into_iter())
            }
        }
    }

    proptest! {
        /// `clean` never holds where some assignment of the unknowns makes the tree true, and
        /// `detected` holds only where every assignment does.
        #[test]
        fn verdict_is_sound_by_brute_force(t in tree(true)) {
            let verdict = kleene(&t);
            let outcomes: Vec<bool> =
                (0..1u32 << 12).map(|bits| assigned(&t, bits, &mut 0)).collect();
            match verdict {
                Truth::False => prop_assert!(outcomes.iter().all(|o| !o)),
                Truth::True => prop_assert!(outcomes.iter().all(|o| *o)),
                Truth::Unknown => {}
            }
        }

        /// Without unknown operators (AND/OR are monotone) the verdict is also exact:
        /// `unknown` means both outcomes are possible.
        #[test]
        fn verdict_is_exact_without_unknown_operators(t in tree(false)) {
            let outcomes: Vec<bool> = (0..16u32).map(|bits| assigned(&t, bits, &mut 0)).collect();
            if kleene(&t) == Truth::Unknown {
                prop_assert!(outcomes.contains(&true) && outcomes.contains(&false));
            }
        }
    }
}
