//! Verdicts: what a scan says about *every* IOC, detected or not.
//!
//! Detection alone cannot tell "looked and found nothing" from "could not look": an IOC
//! written in terms iocscan does not evaluate is never detected. Each loaded IOC therefore
//! gets a [`Verdict`] from the three-valued evaluation of its tree (see the truth table in
//! the crate's `logic` module), with the [`Reason`]s when it is undetermined, and on request
//! an [`Explanation`]: the tree with each condition's outcome. Plain serde data, filled by the
//! evaluator ([`crate::eval`]); printers render it.

use crate::item::ItemKind;
use crate::model::Version;
use crate::source::Position;
use serde::{Deserialize, Serialize};
use std::fmt;
use std::path::PathBuf;

pub use crate::logic::Truth;

/// The outcome for one IOC.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Verdict {
    /// The tree is true: the IOC has a card.
    Detected,
    /// Not detected, but some condition that could not be evaluated could have made it true.
    Undetermined,
    /// The tree is false, and would be whatever the conditions not evaluated were.
    Clean,
}

impl Verdict {
    /// Every verdict, in report order.
    pub const ALL: [Verdict; 3] = [Verdict::Detected, Verdict::Undetermined, Verdict::Clean];

    /// The verdict of a tree's three-valued value.
    pub fn of(truth: Truth) -> Verdict {
        match truth {
            Truth::True => Verdict::Detected,
            Truth::Unknown => Verdict::Undetermined,
            Truth::False => Verdict::Clean,
        }
    }

    /// The verdict's name, as serialised.
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Detected => "detected",
            Verdict::Undetermined => "undetermined",
            Verdict::Clean => "clean",
        }
    }
}

impl fmt::Display for Verdict {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Why something could not be evaluated.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(tag = "reason", rename_all = "kebab-case")]
#[non_exhaustive]
pub enum Reason {
    /// IndicatorItems whose term iocscan does not evaluate.
    UnsupportedTerm {
        /// The term, as written.
        term: String,
        /// How many IndicatorItems of the IOC use it.
        items: usize,
    },
    /// IndicatorItems that never match for another reason (unknown condition, bad Content,
    /// bad regex, ...): the warning code says which.
    NeverMatchingItem {
        /// The warning code (`W-bad-content`, ...).
        code: &'static str,
        /// The term, as written.
        term: String,
        /// How many IndicatorItems of the IOC.
        items: usize,
    },
    /// Conditions on a kind of item that was not collected (or that the snapshot lacks).
    KindNotCollected {
        /// The kind.
        kind: ItemKind,
    },
    /// A field that some objects did not have or that could not be computed (a file too
    /// large to hash, a process whose path could not be read).
    FieldNotAvailable {
        /// The term.
        term: &'static str,
        /// Objects left undetermined for lack of it.
        objects: u64,
    },
    /// A term no state holds (the writer of a file, the time of an event): a live scan cannot
    /// observe it, and only recorded events answer it.
    NotObservable {
        /// The term.
        term: &'static str,
        /// Objects left undetermined for lack of it.
        objects: u64,
    },
    /// Indicators whose operator is neither AND nor OR.
    UnknownOperator {
        /// The operator, as written.
        operator: String,
        /// How many Indicators of the IOC.
        indicators: usize,
    },
}

impl fmt::Display for Reason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Reason::UnsupportedTerm { term, items } => {
                write!(f, "unsupported term {term} ({items} item{})", plural(*items as u64))
            }
            Reason::NeverMatchingItem { code, term, items } => {
                write!(f, "{code} on {term} ({items} item{})", plural(*items as u64))
            }
            Reason::KindNotCollected { kind } => write!(f, "{kind} not collected"),
            Reason::FieldNotAvailable { term, objects } => {
                write!(f, "{term} not available on {objects} object{}", plural(*objects))
            }
            Reason::NotObservable { term, .. } => {
                write!(f, "{term} not observable in a state scan")
            }
            Reason::UnknownOperator { operator, .. } => write!(f, "unknown operator `{operator}`"),
        }
    }
}

fn plural(n: u64) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}

/// How many IOCs got each verdict.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct VerdictCounts {
    /// IOCs detected.
    pub detected: usize,
    /// IOCs undetermined.
    pub undetermined: usize,
    /// IOCs clean.
    pub clean: usize,
}

impl VerdictCounts {
    /// The counts of `results`.
    pub fn of(results: &[IocResult]) -> Self {
        let mut counts = VerdictCounts::default();
        for r in results {
            *counts.get_mut(r.verdict) += 1;
        }
        counts
    }

    /// The count of one verdict.
    pub fn get(&self, verdict: Verdict) -> usize {
        match verdict {
            Verdict::Detected => self.detected,
            Verdict::Undetermined => self.undetermined,
            Verdict::Clean => self.clean,
        }
    }

    fn get_mut(&mut self, verdict: Verdict) -> &mut usize {
        match verdict {
            Verdict::Detected => &mut self.detected,
            Verdict::Undetermined => &mut self.undetermined,
            Verdict::Clean => &mut self.clean,
        }
    }
}

/// The verdict on one loaded IOC.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct IocResult {
    /// The IOC id.
    pub id: String,
    /// The file it came from.
    #[serde(serialize_with = "crate::path_text::serialize")]
    pub file: PathBuf,
    /// Its verdict.
    pub verdict: Verdict,
    /// Objects that satisfied its true item-scoped branches (0 unless detected).
    pub objects: u64,
    /// Why it is undetermined (empty otherwise), sorted.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub reasons: Vec<Reason>,
}

/// One IOC's tree with each node's outcome: how close an undetected IOC came.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Explanation {
    /// The IOC id.
    pub id: String,
    /// The file it came from.
    #[serde(serialize_with = "crate::path_text::serialize")]
    pub file: PathBuf,
    /// OpenIOC version of the file.
    pub version: Version,
    /// Its verdict.
    pub verdict: Verdict,
    /// The top-level Indicators (combined with OR).
    pub tree: Vec<ExplainNode>,
}

/// A node of an [`Explanation`], as the evaluator sees the tree: host-wide Indicators, the
/// item-scoped groups inside them (conditions bound to one object), and their conditions.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(tag = "node", rename_all = "kebab-case")]
pub enum ExplainNode {
    /// An Indicator evaluated host-wide (its parts may bind different objects).
    Indicator {
        /// The Indicator id.
        #[serde(skip_serializing_if = "Option::is_none")]
        id: Option<String>,
        /// Its operator, as written.
        operator: String,
        /// Where it starts.
        position: Position,
        /// Its three-valued value.
        value: Truth,
        /// Its parts.
        children: Vec<ExplainNode>,
    },
    /// Conditions bound to one object of a kind; `value` is the best over the objects.
    Group {
        /// The kind.
        kind: ItemKind,
        /// Its three-valued value host-wide.
        value: Truth,
        /// Objects on which it was true.
        true_objects: u64,
        /// Objects on which it was unknown.
        unknown_objects: u64,
        /// Why it is unknown, when it is.
        #[serde(skip_serializing_if = "Vec::is_empty")]
        reasons: Vec<Reason>,
        /// Its expression.
        children: Vec<ExplainNode>,
    },
    /// An AND or OR inside a group (a nested Indicator, or the members of one kind of a
    /// mixed Indicator), on the same object.
    Nested {
        /// `AND` or `OR`.
        operator: String,
        /// The best value over the objects.
        value: Truth,
        /// Its children.
        children: Vec<ExplainNode>,
    },
    /// One IndicatorItem.
    Condition {
        /// The IndicatorItem id.
        #[serde(skip_serializing_if = "Option::is_none")]
        item_id: Option<String>,
        /// Where it starts.
        position: Position,
        /// `FileItem/Md5sum is 0123...`.
        text: String,
        /// The best value over the objects.
        value: Truth,
        /// Objects on which it was true.
        true_objects: u64,
        /// Objects on which it could not be evaluated.
        unknown_objects: u64,
        /// Why it is unknown, when it never could be evaluated.
        #[serde(skip_serializing_if = "Option::is_none")]
        reason: Option<Reason>,
    },
}
