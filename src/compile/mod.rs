//! The compiler: [`IocDocument`]s -> an immutable [`Ruleset`].
//!
//! ```text
//! IocDocument --lower (terms, conditions, typed Content, warnings)--> leaves + Indicator tree
//!             --group (item-scoped groups, host-wide branches, triggers)--> Group / Branch
//!             --index (per-field hash maps and automata)--> Ruleset
//! ```
//!
//! Semantic problems never fail compilation: a never-matching IndicatorItem is constant false
//! and gets a warning that states the effect; an IOC that can never match as a whole gets
//! `W-never-matches`. Terms are resolved only through [`crate::terms::lookup`]. The compiler
//! evaluates nothing (see [`crate::eval`]) and reads no files.
//!
//! Decisions where openioc.md is silent: an empty Indicator or one with an unknown operator
//! never matches; a `Context/@document` that disagrees with the term is warned about and the
//! term's kind wins; a `negate`/`preserve-case` value that is not a boolean makes the item
//! never match; `preserve-case` is ignored in 1.0 files; substring conditions on typed terms
//! whose Content is typed `string` raise no `W-content-type` (text search is meant).

mod group;
pub(crate) mod index;
mod lower;
pub(crate) mod tree;
pub(crate) mod value;

use crate::card::CardMetadata;
use crate::diag::{Code, Diagnostic};
use crate::item::ItemKind;
use crate::model::{IocDocument, Version};
use crate::source::Position;
use crate::terms::FieldSet;
use index::{KindIndex, Triggers};
use std::path::PathBuf;
use tree::{Branch, Group, Leaf};

/// What a ruleset needs collected: the fields its supported IndicatorItems reference.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Requirements {
    /// Fields referenced (all kinds).
    pub fields: FieldSet,
}

impl Requirements {
    /// True when some field of `kind` is needed.
    pub fn needs_kind(&self, kind: ItemKind) -> bool {
        self.fields.has_kind(kind)
    }
}

/// Identity and metadata of one compiled IOC.
#[derive(Clone, Debug, PartialEq)]
pub struct IocInfo {
    /// The IOC id (root `id`).
    pub id: String,
    /// The file it came from.
    pub file: PathBuf,
    /// OpenIOC version of the file.
    pub version: Version,
    /// Position of the root element.
    pub position: Position,
    /// Card metadata (absent fields and the MIR "unset" date omitted).
    pub metadata: CardMetadata,
    /// False when the IOC can never match (every path crosses a never-matching item).
    pub can_match: bool,
}

/// One compiled IOC: its identity and its top-level branches (combined with OR).
#[derive(Debug)]
pub(crate) struct CompiledIoc {
    pub info: IocInfo,
    pub tops: Vec<Branch>,
}

/// Compiled IOCs, immutable and shareable across threads.
#[derive(Debug)]
pub struct Ruleset {
    pub(crate) iocs: Vec<CompiledIoc>,
    pub(crate) leaves: Vec<Leaf>,
    pub(crate) groups: Vec<Group>,
    /// Per kind, in [`ItemKind::ALL`] order.
    pub(crate) kinds: [KindIndex; 6],
    /// Per leaf, the groups it triggers.
    pub(crate) triggers: Triggers,
    requirements: Requirements,
    unsupported: usize,
}

/// Compiles documents into a ruleset; semantic problems become warnings, never errors.
///
/// Warnings come in document order, and within a document in tree order.
pub fn compile(documents: &[IocDocument]) -> (Ruleset, Vec<Diagnostic>) {
    let mut diags = Vec::new();
    // Real IOCs hold a few items each: reserving avoids re-copying large vectors.
    let mut leaves: Vec<Leaf> = Vec::with_capacity(documents.len() * 2);
    let mut groups: Vec<Group> = Vec::with_capacity(documents.len());
    let mut iocs = Vec::with_capacity(documents.len());
    for doc in documents {
        let lowered: Vec<_> = {
            let mut lowerer = lower::Lowerer::new(doc, &mut leaves, &mut diags);
            doc.criteria.iter().map(|ind| lowerer.indicator(ind)).collect()
        };
        let mut grouper = group::Grouper { leaves: &leaves, groups: &mut groups };
        let tops: Vec<Branch> = lowered.iter().map(|ind| grouper.top(ind)).collect();
        let can_match = tops.iter().any(|b| b.eval(&|g| groups[g as usize].expr.can_match()));
        if !can_match {
            diags.push(
                Diagnostic::new(
                    Code::NeverMatches,
                    doc.file.clone(),
                    Some(doc.position),
                    format!("IOC `{}` can never match", doc.id),
                )
                .with_note("every path to detection crosses an item that never matches"),
            );
        }
        let info = IocInfo {
            id: doc.id.clone(),
            file: doc.file.clone(),
            version: doc.version,
            position: doc.position,
            metadata: card_metadata(doc),
            can_match,
        };
        iocs.push(CompiledIoc { info, tops });
    }
    let (kinds, triggers) = index::build(&leaves, &groups);
    let fields = leaves.iter().filter(|l| l.supported()).filter_map(|l| l.field).collect();
    let unsupported = leaves.iter().filter(|l| !l.supported()).count();
    let ruleset = Ruleset {
        iocs,
        leaves,
        groups,
        kinds,
        triggers,
        requirements: Requirements { fields },
        unsupported,
    };
    (ruleset, diags)
}

/// The MIR "unset" date, omitted from cards.
const UNSET_DATE: &str = "0001-01-01T00:00:00";

fn card_metadata(doc: &IocDocument) -> CardMetadata {
    let m = &doc.metadata;
    let date = |d: &Option<String>| d.clone().filter(|d| !d.trim().starts_with(UNSET_DATE));
    CardMetadata {
        short_description: m.short_description.clone(),
        description: m.description.clone(),
        authored_by: m.authored_by.clone(),
        authored_date: date(&m.authored_date),
        last_modified: date(&doc.last_modified),
        keywords: m.keywords.clone(),
        links: m.links.clone(),
    }
}

impl Ruleset {
    /// Number of compiled IOCs.
    pub fn len(&self) -> usize {
        self.iocs.len()
    }

    /// True when no IOC was compiled.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// What a scan must collect for this ruleset.
    pub fn requirements(&self) -> &Requirements {
        &self.requirements
    }

    /// IndicatorItems that can never match (unsupported term, bad content, ...).
    pub fn unsupported_items(&self) -> usize {
        self.unsupported
    }

    /// The compiled IOCs' identities, in ruleset (sorted file) order.
    pub fn iocs(&self) -> impl ExactSizeIterator<Item = &IocInfo> {
        self.iocs.iter().map(|ioc| &ioc.info)
    }

    /// Number of IndicatorItems compiled (supported or not).
    pub fn items(&self) -> usize {
        self.leaves.len()
    }

    /// Number of item-scoped groups.
    pub fn groups(&self) -> usize {
        self.groups.len()
    }
}

#[cfg(test)]
pub(crate) mod tests;
