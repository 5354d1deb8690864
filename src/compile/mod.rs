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
//! reads no files and evaluates nothing on items: it only folds constant structure (which
//! branches can ever match) with [`crate::logic`]; per-item evaluation is the evaluator's (`eval`).
//!
//! Decisions where openioc.md is silent: an empty Indicator or one with an unknown operator
//! never matches; a `Context/@document` that disagrees with the term is warned about and the
//! term's kind wins; a `negate`/`preserve-case` value that is not a boolean makes the item
//! never match; `preserve-case` is ignored in 1.0 files and on non-string terms; substring
//! conditions on typed terms whose Content is typed `string` raise no `W-content-type` (text
//! search is meant); a nested Indicator inside an item-scoped group is reported on the card
//! through its group (one branch), not as a branch of its own.

mod cond;
mod digest;
mod dump;
mod group;
pub(crate) mod index;
mod lower;
mod rule_name;
pub(crate) mod tree;
pub(crate) mod triggers;
pub(crate) mod value;
pub(crate) mod yara;
#[cfg(feature = "yara")]
pub(crate) mod yara_rule;

use crate::diag::{Code, Diagnostic};
use crate::item::ItemKind;
use crate::model::{IocDocument, Metadata, Version};
use crate::source::Position;
use crate::terms::FieldSet;
pub use digest::RulesetDigest;
use index::KindIndex;
pub(crate) use rule_name::names_another;
use std::path::PathBuf;
use tree::{Branch, Group, GroupId, Leaf, LeafId};
use triggers::Triggers;

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
    /// The document's metadata, as written (cards omit what says nothing:
    /// `card::CardMetadata::of`).
    pub metadata: Metadata,
    /// Root `last-modified`, as written.
    pub last_modified: Option<String>,
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
    iocs: Vec<CompiledIoc>,
    leaves: Vec<Leaf>,
    groups: Vec<Group>,
    /// Per kind, by [`ItemKind::index`].
    kinds: [KindIndex; ItemKind::COUNT],
    /// Per leaf, the groups it triggers.
    triggers: Triggers,
    requirements: Requirements,
    unsupported: usize,
    /// Computed on first use ([`Ruleset::digest`]).
    digest: std::sync::OnceLock<RulesetDigest>,
    /// The `Yara/Yara` sources compiled together (`None`: the ruleset has none).
    #[cfg(feature = "yara")]
    yara_engine: Option<std::sync::Arc<yara_rule::Engine>>,
    /// Computed on first use ([`Ruleset::clean_when_groups_false`]).
    clean_when_false: std::sync::OnceLock<bool>,
}

/// Compiles documents into a ruleset; semantic problems become warnings, never errors.
///
/// Warnings come in document order, and within a document in tree order.
pub fn compile(documents: &[IocDocument]) -> (Ruleset, Vec<Diagnostic>) {
    // `Yara/RuleName` items inline other documents of the collection, by name.
    let names = rule_name::RuleNames::new(documents);
    let runs: Vec<&[IocDocument]> = documents.chunks(CHUNK_DOCUMENTS).collect();
    let compiled = compile_waves(runs.len(), |i| {
        Ok::<_, std::convert::Infallible>(compile_chunk(&names, i * CHUNK_DOCUMENTS, runs[i]))
    });
    match compiled {
        Ok(compiled) => compiled,
        Err(never) => match never {},
    }
}

/// Compiles a collection that arrives as `runs` runs of documents (a bundle's chunks,
/// `run(i)` decoding the `i`th), each run compiled as soon as it is decoded and dropped
/// after: the collection's document model is never held whole, which for 100,000 IOCs is
/// most of a load's memory and time. The same ruleset and warnings as [`compile`] over the
/// runs concatenated, for collections without `Yara/RuleName` items (inlining needs every
/// document at hand: such a collection goes through [`compile`]). A run that fails to
/// decode fails the whole.
pub(crate) fn compile_runs<E, F>(runs: usize, run: F) -> Result<(Ruleset, Vec<Diagnostic>), E>
where
    E: Send,
    F: Fn(usize) -> Result<Vec<IocDocument>, E> + Sync,
{
    // Each run is its own naming scope: with no `Yara/RuleName` item, no name is looked up.
    compile_waves(runs, |i| run(i).map(compile_owned_chunk))
}

/// Compiles runs `0..runs` in parallel, a wave of a few at a time, and appends each wave to
/// the ruleset in run order (so the result and the warnings do not depend on the thread
/// count). Waves, not all runs at once: a compiled run is dropped as soon as it is appended,
/// so the compiled form never exists twice. On the machines iocscan runs on, the memory a
/// load first touches costs more than the work done in it (the kernel zeroes every new page:
/// half of a 100,000-IOC load, measured), so a load's speed is mostly its peak memory.
fn compile_waves<E, F>(runs: usize, compile: F) -> Result<(Ruleset, Vec<Diagnostic>), E>
where
    E: Send,
    F: Fn(usize) -> Result<Chunk, E> + Sync,
{
    use rayon::prelude::*;
    // Two runs per thread: a thread that finishes early takes the next one.
    let wave = rayon::current_num_threads().max(1) * 2;
    let mut ruleset = Assembler::default();
    for start in (0..runs).step_by(wave) {
        let end = (start + wave).min(runs);
        let chunks: Vec<Chunk> =
            (start..end).into_par_iter().map(&compile).collect::<Result<_, E>>()?;
        if start == 0 {
            ruleset.reserve_like(&chunks, runs);
        }
        chunks.into_iter().for_each(|chunk| ruleset.push(chunk));
    }
    Ok(ruleset.finish())
}

/// A ruleset being built from chunks compiled apart, appended in chunk order.
#[derive(Default)]
struct Assembler {
    leaves: Vec<Leaf>,
    groups: Vec<Group>,
    iocs: Vec<CompiledIoc>,
    diags: Vec<Diagnostic>,
}

impl Assembler {
    /// Reserves room for `runs` runs like the `first` ones, so that appending never copies
    /// what was appended before. Only a hint: a hostile bundle can announce many runs, so
    /// a reservation that cannot be made is skipped (the vectors then grow as they go).
    fn reserve_like(&mut self, first: &[Chunk], runs: usize) {
        let scale = |f: fn(&Chunk) -> usize| {
            let n: usize = first.iter().map(f).sum();
            (n / first.len().max(1)).saturating_mul(runs)
        };
        let _ = self.leaves.try_reserve(scale(|c| c.leaves.len()));
        let _ = self.groups.try_reserve(scale(|c| c.groups.len()));
        let _ = self.iocs.try_reserve(scale(|c| c.iocs.len()));
    }

    /// Appends a chunk, its leaf and group ids moved past those appended before.
    fn push(&mut self, mut chunk: Chunk) {
        let (leaf_base, group_base) = (self.leaves.len() as LeafId, self.groups.len() as GroupId);
        if leaf_base > 0 || group_base > 0 {
            for g in &mut chunk.groups {
                g.expr.offset(leaf_base);
                g.leaves.iter_mut().for_each(|l| *l += leaf_base);
            }
            for ioc in &mut chunk.iocs {
                ioc.tops.iter_mut().for_each(|b| b.offset(group_base, leaf_base));
            }
        }
        self.leaves.append(&mut chunk.leaves);
        self.groups.append(&mut chunk.groups);
        self.iocs.append(&mut chunk.iocs);
        self.diags.append(&mut chunk.diags);
    }

    /// The ruleset, with its indexes and trigger lists, and the warnings.
    fn finish(self) -> (Ruleset, Vec<Diagnostic>) {
        let Assembler { leaves, groups, iocs, diags } = self;
        let (kind_triggers, triggers) = triggers::build(&leaves, &groups);
        let kinds = index::build(&leaves, &groups, kind_triggers);
        let fields = leaves.iter().filter(|l| l.supported()).filter_map(|l| l.field).collect();
        let unsupported = leaves.iter().filter(|l| !l.supported()).count();
        #[cfg(feature = "yara")]
        let yara_engine = yara_engine(&leaves);
        let ruleset = Ruleset {
            iocs,
            leaves,
            groups,
            kinds,
            triggers,
            requirements: Requirements { fields },
            unsupported,
            digest: std::sync::OnceLock::new(),
            #[cfg(feature = "yara")]
            yara_engine,
            clean_when_false: std::sync::OnceLock::new(),
        };
        (ruleset, diags)
    }
}

/// One engine for every distinct `Yara/Yara` source of the ruleset, in leaf order.
#[cfg(feature = "yara")]
fn yara_engine(leaves: &[Leaf]) -> Option<std::sync::Arc<yara_rule::Engine>> {
    let mut seen = std::collections::HashSet::new();
    let rules = leaves.iter().filter_map(|l| match &l.test {
        Some(value::Test::YaraRule(rule)) if seen.insert(rule.key.as_str()) => Some(&**rule),
        _ => None,
    });
    yara_rule::Engine::build(rules).map(std::sync::Arc::new)
}

/// Documents per parallel compilation chunk: large enough that merging costs nothing.
const CHUNK_DOCUMENTS: usize = 2048;

/// The compiled form of a run of documents, with chunk-local leaf and group ids.
struct Chunk {
    leaves: Vec<Leaf>,
    groups: Vec<Group>,
    iocs: Vec<CompiledIoc>,
    diags: Vec<Diagnostic>,
}

/// Compiles `documents`, the collection's from index `first`.
fn compile_chunk(
    names: &rule_name::RuleNames<'_>,
    first: usize,
    documents: &[IocDocument],
) -> Chunk {
    let (mut out, tops) = lower_chunk(names, first, documents);
    out.iocs = documents.iter().zip(tops).map(|(doc, t)| t.into_ioc(doc.clone())).collect();
    out
}

/// [`compile_chunk`] over documents it owns: their identities and metadata move into the
/// compiled IOCs instead of being copied.
fn compile_owned_chunk(documents: Vec<IocDocument>) -> Chunk {
    let (mut out, tops) = lower_chunk(&rule_name::RuleNames::new(&documents), 0, &documents);
    out.iocs = documents.into_iter().zip(tops).map(|(doc, t)| t.into_ioc(doc)).collect();
    out
}

/// One document's compiled branches, before its identity joins them.
struct Tops {
    tops: Vec<Branch>,
    can_match: bool,
}

impl Tops {
    fn into_ioc(self, doc: IocDocument) -> CompiledIoc {
        let info = IocInfo {
            id: doc.id,
            file: doc.file,
            version: doc.version,
            position: doc.position,
            metadata: doc.metadata,
            last_modified: doc.last_modified,
            can_match: self.can_match,
        };
        CompiledIoc { info, tops: self.tops }
    }
}

/// Lowers and groups `documents` (the collection's from index `first`): the chunk's leaves,
/// groups and warnings, and each document's branches.
fn lower_chunk(
    names: &rule_name::RuleNames<'_>,
    first: usize,
    documents: &[IocDocument],
) -> (Chunk, Vec<Tops>) {
    // Real IOCs hold a few items each: reserving avoids re-copying large vectors.
    let mut out = Chunk {
        leaves: Vec::with_capacity(documents.len() * 2),
        groups: Vec::with_capacity(documents.len()),
        iocs: Vec::new(),
        diags: Vec::new(),
    };
    let mut all_tops = Vec::with_capacity(documents.len());
    let mut term_cache = lower::TermCache::default();
    for (i, doc) in documents.iter().enumerate() {
        let lowered: Vec<_> = {
            let mut lowerer = lower::Lowerer::new(
                names,
                vec![first + i],
                &mut out.leaves,
                &mut out.diags,
                &mut term_cache,
            );
            doc.criteria.iter().map(|ind| lowerer.indicator(ind)).collect()
        };
        let mut grouper = group::Grouper { leaves: &out.leaves, groups: &mut out.groups };
        let tops: Vec<Branch> = lowered.iter().map(|ind| grouper.top(ind)).collect();
        let groups = &out.groups;
        let can_match = tops.iter().any(|b| b.eval(&|g| groups[g as usize].expr.can_match()));
        if !can_match {
            out.diags.push(
                Diagnostic::new(
                    Code::NeverMatches,
                    doc.file.clone(),
                    Some(doc.position),
                    format!("IOC `{}` can never match", doc.id),
                )
                .with_note("every path to detection crosses an item that never matches"),
            );
        }
        all_tops.push(Tops { tops, can_match });
    }
    (out, all_tops)
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

    /// The fields a scan reads of `kind`'s items: those its conditions test, and those a
    /// card shows of a matched object (the kind's `card` terms). Empty when no IOC can decide
    /// anything on the kind (its items need not be read at all). A columnar reader that reads
    /// only these gives the same cards, verdicts and counters as a read of every field.
    pub fn projection(&self, kind: ItemKind) -> FieldSet {
        let index = self.kind(kind);
        if !index.triggers.any_group {
            return FieldSet::new();
        }
        let mut fields: FieldSet = index.fields.iter().map(|fi| fi.field).collect();
        for f in self.requirements.fields.iter().filter(|f| f.kind() == kind) {
            fields.insert(f);
        }
        for t in crate::terms::of_kind(kind).filter(|t| t.card) {
            fields.insert(t.field);
        }
        fields
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

    /// The ruleset's identity: equal for two loads of the same IOC files, different after
    /// any change of their content or of what the compiler makes of it (see `digest`).
    /// Computed once, on first use (a few tens of milliseconds per 100,000 IOCs).
    pub fn digest(&self) -> RulesetDigest {
        *self.digest.get_or_init(|| digest::of(self))
    }

    /// True when, every group being false, every IOC is clean: no IOC holds a never-matching
    /// part that leaves it unknown. Then a host without a true or unknown group needs no walk
    /// over the IOCs to be reported (most hosts of a fleet scan).
    pub(crate) fn clean_when_groups_false(&self) -> bool {
        use crate::logic::{combine3, Op, Truth};
        *self.clean_when_false.get_or_init(|| {
            self.iocs.iter().all(|ioc| {
                let tops = ioc.tops.iter().map(|b| b.eval3(&|_| Truth::False));
                combine3(Some(Op::Or), tops) == Truth::False
            })
        })
    }
}

/// The compiled form, as the evaluator reads it: a named surface over the fields, so that
/// the layout can change without touching the evaluator.
impl Ruleset {
    /// The compiled IOCs, in ruleset order.
    pub(crate) fn compiled(&self) -> &[CompiledIoc] {
        &self.iocs
    }

    /// Every leaf, indexed by [`LeafId`].
    pub(crate) fn leaf_table(&self) -> &[Leaf] {
        &self.leaves
    }

    /// Every group, indexed by [`GroupId`].
    pub(crate) fn group_table(&self) -> &[Group] {
        &self.groups
    }

    /// One group.
    pub(crate) fn group(&self, g: GroupId) -> &Group {
        &self.groups[g as usize]
    }

    /// The indexes of one item kind.
    pub(crate) fn kind(&self, kind: ItemKind) -> &KindIndex {
        &self.kinds[kind.index()]
    }

    /// The trigger lists.
    pub(crate) fn triggers(&self) -> &Triggers {
        &self.triggers
    }

    /// The engine of the `Yara/Yara` sources, when there are some.
    #[cfg(feature = "yara")]
    pub(crate) fn yara_engine(&self) -> Option<&std::sync::Arc<yara_rule::Engine>> {
        self.yara_engine.as_ref()
    }
}

#[cfg(test)]
pub(crate) mod tests;
