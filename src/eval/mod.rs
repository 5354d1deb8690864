//! The evaluator: a [`Ruleset`] over items -> detected-IOC cards and a verdict for every IOC.
//!
//! Items stream in from any number of threads ([`Scanner::scan_item`] takes `&self`) and are
//! never stored. For each item (module `item`):
//!
//! 1. the cheap (metadata) fields some leaf reads are looked up and run through the per-field
//!    indexes, giving every leaf whose condition holds (before negation);
//! 2. the candidate groups are those whose trigger fired, those that can be true without one
//!    (negations), and, for the verdict, those a field the item lacks may leave unknown;
//! 3. an expensive (content) field, such as a file digest, is asked for only when a candidate
//!    reads it and is not already false, or some group can be triggered by it alone, so
//!    `AND(FileName is x, Md5sum is y)` never hashes a file not named x;
//! 4. each candidate group is evaluated on the item in three-valued logic ([`crate::logic`]):
//!    a true one records the object (see `report`), an unknown one records which fields were
//!    missing (see `verdict`).
//!
//! [`Scanner::finish`] then decides every IOC host-wide, builds the cards of the detected
//! ones and a [`IocResult`] for every one. The per-item cost depends on the item and on how
//! many conditions it satisfies, not on the number of IOCs. [`Scanner::reference`] skips the
//! indexes and triggers (every leaf tested directly, every group tried): slow, and there to
//! cross-check the fast path.

mod explain;
mod item;
mod partial;
mod report;
mod verdict;

pub use partial::{HostReport, HostScan, Partial, PartialError, PARTIAL_VERSION};

use crate::card::Card;
use crate::compile::tree::GroupId;
use crate::compile::Ruleset;
use crate::item::{ItemKind, ItemView};
use crate::verdict::{Explanation, IocResult};
use chrono::{DateTime, Utc};
use rayon::prelude::*;
use report::Hits;
use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicBool, AtomicI64, AtomicU64, Ordering};
use std::sync::Mutex;

/// Shards of the match records, so threads recording different groups rarely contend.
const SHARDS: usize = 64;

/// Evaluates one ruleset over a stream of items; thread-safe (`&self`), fed from any number
/// of threads, then [`Scanner::finish`]ed into cards and verdicts.
pub struct Scanner<'r> {
    ruleset: &'r Ruleset,
    /// Test every leaf directly and try every group (the cross-check path).
    reference: bool,
    /// Per group (sharded): what true objects it collected.
    hits: Vec<Mutex<HashMap<GroupId, Hits>>>,
    /// Per group: some item left it unknown.
    unknown: Vec<AtomicBool>,
    /// Per group (sharded): fields missing on the objects that left it unknown.
    missing: Vec<Mutex<HashMap<GroupId, verdict::Missing>>>,
    /// Kinds the ruleset asks for that the caller did not collect.
    uncollected: Vec<ItemKind>,
    /// List clean IOCs in the results (else only count them).
    clean_results: bool,
    /// Per-node tallies of the IOCs to explain.
    explain: Option<explain::Tallies>,
    items: [AtomicU64; ItemKind::COUNT],
    /// Per kind: recorded events seen, and the earliest and latest record time (microseconds
    /// since the epoch; `i64::MAX` / `i64::MIN` until one is seen).
    recorded: [AtomicU64; ItemKind::COUNT],
    first: [AtomicI64; ItemKind::COUNT],
    last: [AtomicI64; ItemKind::COUNT],
    not_evaluated: AtomicU64,
    /// Objects that satisfied some item-scoped group so far (for progress reports).
    matched_objects: AtomicU64,
}

/// The recorded events of one kind an evaluation saw: how many, and the time they span.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct RecordSpan {
    /// Records evaluated.
    pub records: u64,
    /// The earliest record time.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub first: Option<DateTime<Utc>>,
    /// The latest record time.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last: Option<DateTime<Utc>>,
}

/// Counters of one evaluation.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct EvalStats {
    /// Items evaluated per kind, by [`ItemKind::index`].
    pub items: [u64; ItemKind::COUNT],
    /// Recorded events per kind (kinds without records are absent): what "nothing detected"
    /// covers in time.
    pub recorded: BTreeMap<ItemKind, RecordSpan>,
    /// Conditions that could not be evaluated on some item: each time a field some condition
    /// reads was asked of an item and was absent or not computable (a file too large to hash),
    /// counted once per item and field.
    pub not_evaluated: u64,
}

/// The outcome of an evaluation: cards of detected IOCs, a result for every IOC, and counters.
#[derive(Clone, Debug, Default)]
pub struct Detection {
    /// One card per detected IOC, in ruleset (sorted file) order.
    pub cards: Vec<Card>,
    /// One result per IOC, in ruleset order.
    pub results: Vec<IocResult>,
    /// The explained IOCs (see [`Scanner::explain`]), in ruleset order.
    pub explanations: Vec<Explanation>,
    /// Counters.
    pub stats: EvalStats,
    /// Clean IOCs counted but not listed in `results` ([`Scanner::clean_results`]).
    pub clean_omitted: usize,
}

impl<'r> Scanner<'r> {
    /// A scanner for `ruleset`.
    pub fn new(ruleset: &'r Ruleset) -> Self {
        Scanner {
            ruleset,
            reference: false,
            hits: shards(),
            unknown: (0..ruleset.groups()).map(|_| AtomicBool::new(false)).collect(),
            missing: shards(),
            uncollected: Vec::new(),
            clean_results: true,
            explain: None,
            items: Default::default(),
            recorded: Default::default(),
            first: std::array::from_fn(|_| AtomicI64::new(i64::MAX)),
            last: std::array::from_fn(|_| AtomicI64::new(i64::MIN)),
            not_evaluated: AtomicU64::new(0),
            matched_objects: AtomicU64::new(0),
        }
    }

    /// A scanner that tests every condition directly and tries every group on every item,
    /// without indexes or triggers. Same results as [`Scanner::new`], much slower: it exists
    /// to cross-check the indexed path.
    pub fn reference(ruleset: &'r Ruleset) -> Self {
        Scanner { reference: true, ..Scanner::new(ruleset) }
    }

    /// Says which kinds were not collected: conditions on them are unknown, so an IOC that
    /// needs them is undetermined rather than clean. By default every kind counts as
    /// collected (the items handed in are all there is).
    pub fn uncollected(mut self, kinds: impl IntoIterator<Item = ItemKind>) -> Self {
        self.uncollected = kinds.into_iter().collect();
        self
    }

    /// Also explains the IOCs with these ids ([`Detection::explanations`]): their groups are
    /// then tried on every item of their kind, so explaining costs time; ids not in the
    /// ruleset are ignored.
    pub fn explain(mut self, ids: &[String]) -> Self {
        if !ids.is_empty() {
            self.explain = Some(explain::Tallies::new(self.ruleset, ids));
        }
        self
    }

    /// With `false`, [`Detection::results`] lists only the IOCs that are not clean, and
    /// [`Detection::clean_omitted`] counts the others: a scan of many hosts needs no clean
    /// result per host and IOC (building them costs as much as scanning a small host).
    pub fn clean_results(mut self, clean: bool) -> Self {
        self.clean_results = clean;
        self
    }

    /// The kinds set by [`Scanner::uncollected`].
    pub fn uncollected_kinds(&self) -> &[ItemKind] {
        &self.uncollected
    }

    /// Evaluates one item (any thread).
    pub fn scan_item(&self, item: &dyn ItemView) {
        let k = item.kind().index();
        self.items[k].fetch_add(1, Ordering::Relaxed);
        if let Some(record) = item.record() {
            self.recorded[k].fetch_add(1, Ordering::Relaxed);
            if let Some(time) = record.time {
                let micros = time.timestamp_micros();
                self.first[k].fetch_min(micros, Ordering::Relaxed);
                self.last[k].fetch_max(micros, Ordering::Relaxed);
            }
        }
        item::evaluate(self, item);
    }

    /// The ruleset evaluated.
    pub fn ruleset(&self) -> &'r Ruleset {
        self.ruleset
    }

    /// How many times so far an object satisfied an item-scoped group: a live "something
    /// matched" counter for progress reports. IOCs are decided only by [`Scanner::finish`]
    /// (a host-wide AND needs every kind), so this is not a count of detected IOCs.
    pub fn matched_objects(&self) -> u64 {
        self.matched_objects.load(Ordering::Relaxed)
    }

    /// Evaluates a slice of items in parallel (rayon).
    pub fn scan_items<T: ItemView>(&self, items: &[T]) {
        items.par_iter().for_each(|item| self.scan_item(item));
    }

    /// Ends the scan: decides every IOC, builds the cards and the results.
    pub fn finish(self) -> Detection {
        let (ruleset, clean) = (self.ruleset, self.clean_results);
        let (state, explain) = self.into_state();
        state.detection(ruleset, explain, clean)
    }

    /// What the scan accumulated, as plain data (see [`Partial`]), and the explanation
    /// tallies.
    fn into_state(self) -> (partial::State, Option<explain::Tallies>) {
        let mut uncollected = self.uncollected;
        uncollected.sort_unstable();
        uncollected.dedup();
        let state = partial::State {
            groups: self.ruleset.groups(),
            hits: merge(self.hits),
            unknown: (self.unknown.into_iter().map(AtomicBool::into_inner))
                .enumerate()
                .filter(|(_, u)| *u)
                .map(|(g, _)| g as GroupId)
                .collect(),
            missing: merge(self.missing),
            uncollected,
            items: self.items.map(AtomicU64::into_inner),
            recorded: self.recorded.map(AtomicU64::into_inner),
            first: self.first.map(AtomicI64::into_inner),
            last: self.last.map(AtomicI64::into_inner),
            not_evaluated: self.not_evaluated.into_inner(),
        };
        (state, self.explain)
    }
}

impl partial::State {
    /// Decides every IOC from what was accumulated: cards, results, explanations, counters.
    fn detection(
        &self,
        ruleset: &Ruleset,
        explain: Option<explain::Tallies>,
        clean: bool,
    ) -> Detection {
        let values =
            verdict::GroupValues::new(ruleset, &self.hits, &self.unknown, &self.uncollected);
        let cards = report::cards(ruleset, &self.hits, &values);
        let (results, clean_omitted) =
            verdict::results(ruleset, &self.hits, &values, &self.missing, clean);
        let explanations = match explain {
            Some(tallies) => tallies.finish(ruleset, &values, &self.missing),
            None => Vec::new(),
        };
        let stats = EvalStats {
            items: self.items,
            recorded: spans(&self.recorded, &self.first, &self.last),
            not_evaluated: self.not_evaluated,
        };
        Detection { cards, results, explanations, stats, clean_omitted }
    }
}

fn spans(
    recorded: &[u64; ItemKind::COUNT],
    first: &[i64; ItemKind::COUNT],
    last: &[i64; ItemKind::COUNT],
) -> BTreeMap<ItemKind, RecordSpan> {
    let time = |micros: i64| DateTime::<Utc>::from_timestamp_micros(micros);
    let mut spans = BTreeMap::new();
    for kind in ItemKind::ALL {
        let k = kind.index();
        let records = recorded[k];
        if records > 0 {
            let (first, last) = (first[k], last[k]);
            let (first, last) =
                if first <= last { (time(first), time(last)) } else { (None, None) };
            spans.insert(kind, RecordSpan { records, first, last });
        }
    }
    spans
}

fn shards<T>() -> Vec<Mutex<HashMap<GroupId, T>>> {
    (0..SHARDS).map(|_| Mutex::new(HashMap::new())).collect()
}

fn merge<T>(shards: Vec<Mutex<HashMap<GroupId, T>>>) -> HashMap<GroupId, T> {
    let mut all = HashMap::new();
    for shard in shards {
        all.extend(shard.into_inner().unwrap_or_else(|poisoned| poisoned.into_inner()));
    }
    all
}

/// Evaluates `ruleset` over in-memory items: [`Scanner::scan_items`] then [`Scanner::finish`].
pub fn scan<T: ItemView>(ruleset: &Ruleset, items: &[T]) -> Detection {
    let scanner = Scanner::new(ruleset);
    scanner.scan_items(items);
    scanner.finish()
}

/// The kinds on which a ruleset can decide anything (a group that can be true or unknown):
/// the others are not worth collecting.
pub fn kinds_in_use(ruleset: &Ruleset) -> Vec<ItemKind> {
    ItemKind::ALL.into_iter().filter(|k| ruleset.kind(*k).triggers.any_group).collect()
}

#[cfg(test)]
mod tests;
