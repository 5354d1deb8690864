//! The evaluator: a [`Ruleset`] over items -> detected-IOC cards.
//!
//! SKELETON: the engine helper replaces the bodies; the signatures are the contract.

use crate::card::Card;
use crate::compile::Ruleset;
use crate::item::{ItemKind, ItemView};

/// Evaluates one ruleset over a stream of items; thread-safe (`&self`), fed from any number
/// of threads, then [`Scanner::finish`]ed into cards.
pub struct Scanner<'r> {
    ruleset: &'r Ruleset,
}

/// Counters of one evaluation.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct EvalStats {
    /// Items evaluated per kind, in [`ItemKind::ALL`] order.
    pub items: [u64; 6],
    /// Conditions that could not be evaluated on some item (field absent or not computable).
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

impl<'r> Scanner<'r> {
    /// A scanner for `ruleset`.
    pub fn new(ruleset: &'r Ruleset) -> Self {
        Scanner { ruleset }
    }

    /// Evaluates one item (any thread).
    pub fn scan_item(&self, item: &dyn ItemView) {
        let _ = (item, self.ruleset);
        todo!()
    }

    /// Evaluates a slice of items in parallel (rayon).
    pub fn scan_items<T: ItemView>(&self, items: &[T]) {
        let _ = items;
        todo!()
    }

    /// Ends the scan: decides every IOC and builds the cards.
    pub fn finish(self) -> Detection {
        let _ = ItemKind::ALL;
        todo!()
    }
}

/// Evaluates `ruleset` over in-memory items: [`Scanner::scan_items`] then [`Scanner::finish`].
pub fn scan<T: ItemView>(ruleset: &Ruleset, items: &[T]) -> Detection {
    let scanner = Scanner::new(ruleset);
    scanner.scan_items(items);
    scanner.finish()
}
