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
pub(crate) mod dormant;
mod dump;
mod group;
pub(crate) mod index;
mod lower;
mod rule_name;
pub(crate) mod segment;
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
    /// The IOCs, leaves and groups, in ruleset order.
    segments: segment::Segments,
    /// Per group (by [`GroupId`]): its kind, and its value whatever the item.
    group_meta: Vec<GroupMeta>,
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

/// What the verdict needs of every group, compiled or not (see [`segment`]).
#[derive(Clone, Copy, Debug)]
pub(crate) struct GroupMeta {
    /// The item kind.
    pub kind: ItemKind,
    /// [`tree::GExpr::constant`] of its expression.
    pub constant: crate::logic::Truth,
}

/// Leaves by global id (`leaves[id as usize]`): a slice of them, or a ruleset's segments.
pub(crate) trait LeafTable: std::ops::Index<usize, Output = Leaf> + Sync {}

impl<T: std::ops::Index<usize, Output = Leaf> + Sync + ?Sized> LeafTable for T {}

/// Compiles documents into a ruleset; semantic problems become warnings, never errors.
///
/// Warnings come in document order, and within a document in tree order.
pub fn compile(documents: &[IocDocument]) -> (Ruleset, Vec<Diagnostic>) {
    // `Yara/RuleName` items inline other documents of the collection, by name.
    let names = rule_name::RuleNames::new(documents);
    let runs: Vec<&[IocDocument]> = documents.chunks(CHUNK_DOCUMENTS).collect();
    let compiled = compile_waves(runs.len(), DormantSizes::default(), |i| {
        let chunk = compile_chunk(&names, i * CHUNK_DOCUMENTS, runs[i]);
        Ok::<_, std::convert::Infallible>(Assembled::Chunk(chunk))
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
    compile_waves(runs, DormantSizes::default(), |i| {
        run(i).map(|docs| Assembled::Chunk(compile_owned_chunk(docs)))
    })
}

/// One run of a bundle as the loader hands it over: documents to compile, or a dormant run.
pub(crate) enum Run {
    /// The run's documents.
    Documents(Vec<IocDocument>),
    /// A dormant run: its checked summary, the warnings compiling it gave, and how to compile
    /// it when it is needed.
    Dormant(dormant::Checked, Vec<Diagnostic>, segment::Wake),
}

/// What the dormant runs of a bundle hold in all, from their summaries: room is made for
/// it before they are appended (growing vectors of 100,000 entries by doubling touches
/// twice the memory, and fresh memory is what a load mostly costs: see [`compile_waves`]).
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct DormantSizes {
    pub leaves: usize,
    pub groups: usize,
    pub detection: usize,
    pub unknown: usize,
}

/// [`compile_runs`] where some runs are dormant: they join the ruleset as their summaries
/// say, and are compiled only if a scan needs them (see [`segment`]); `sizes` are their
/// totals (a hint: a hostile bundle's announced sizes are capped by the allocation).
pub(crate) fn assemble_runs<E, F>(
    runs: usize,
    sizes: DormantSizes,
    run: F,
) -> Result<(Ruleset, Vec<Diagnostic>), E>
where
    E: Send,
    F: Fn(usize) -> Result<Run, E> + Sync,
{
    compile_waves(runs, sizes, |i| {
        run(i).map(|r| match r {
            Run::Documents(documents) => Assembled::Chunk(compile_owned_chunk(documents)),
            Run::Dormant(checked, diags, wake) => Assembled::Dormant(checked, diags, wake),
        })
    })
}

/// A dormant run's summary and the warnings compiling it gives.
pub(crate) type SummaryRun = (dormant::Summary, Vec<Diagnostic>);

/// A bundle writer's runs: consecutive documents of at most `longest`, split where a document
/// that can be dormant follows one that cannot (or the reverse), so that one IOC with a
/// regex does not keep 4,095 hash IOCs beside it compiled. Per run, its dormant summary and
/// the warnings compiling it gives (`None` when it cannot be dormant); and the digest of the
/// ruleset the runs make, which a load from the summaries takes as its own.
pub(crate) fn summarise(
    documents: &[IocDocument],
    longest: usize,
) -> (Vec<(usize, Option<SummaryRun>)>, RulesetDigest) {
    use rayon::prelude::*;
    let dormant: Vec<bool> = documents
        .par_iter()
        .map(|doc| {
            let c = compile_owned_chunk(vec![doc.clone()]);
            dormant::Summary::of(&c.leaves, &c.groups, &c.iocs).is_some()
        })
        .collect();
    let mut runs: Vec<std::ops::Range<usize>> = Vec::new();
    for (i, d) in dormant.iter().enumerate() {
        match runs.last_mut() {
            Some(r) if r.len() < longest.max(1) && dormant[r.start] == *d => r.end = i + 1,
            _ => runs.push(i..i + 1),
        }
    }
    let chunks: Vec<Chunk> =
        runs.par_iter().map(|r| compile_owned_chunk(documents[r.clone()].to_vec())).collect();
    let summaries = chunks
        .par_iter()
        .map(|c| dormant::Summary::of(&c.leaves, &c.groups, &c.iocs).map(|s| (s, c.diags.clone())))
        .collect::<Vec<_>>();
    let summaries = runs.iter().map(|r| r.len()).zip(summaries).collect();
    let mut assembler = Assembler::default();
    chunks.into_iter().for_each(|c| assembler.push(c));
    let (ruleset, _) = assembler.finish();
    (summaries, ruleset.digest())
}

/// Compiles one run of documents as the segment whose first leaf and group have the global
/// ids `leaf0` and `group0`: a dormant run's body when it wakes. The same body the run
/// would have had compiled at load.
pub(crate) fn compile_segment(
    documents: Vec<IocDocument>,
    leaf0: LeafId,
    group0: GroupId,
) -> (segment::Body, Vec<Diagnostic>) {
    let mut chunk = compile_owned_chunk(documents);
    offset(&mut chunk.groups, &mut chunk.iocs, leaf0, group0);
    let body = segment::Body { leaves: chunk.leaves, groups: chunk.groups, iocs: chunk.iocs };
    (body, chunk.diags)
}

/// The text that says which compiler made a dormant summary: a bundle's summaries are used
/// only by the build that made them (another compiles the bundle's documents instead), so
/// that a ruleset never depends on how it was loaded. The release, the summary layout and
/// the term catalogue's size.
pub(crate) fn compiler_tag() -> String {
    format!("{} dormant 1 terms {}", crate::TOOL, crate::terms::TERMS.len())
}

/// A run ready to append.
enum Assembled {
    Chunk(Chunk),
    Dormant(dormant::Checked, Vec<Diagnostic>, segment::Wake),
}

/// Compiles runs `0..runs` in parallel, a wave of a few at a time, and appends each wave to
/// the ruleset in run order (so the result and the warnings do not depend on the thread
/// count), while the next wave compiles. Waves, not all runs at once: a compiled run is
/// dropped as soon as it is appended, so the compiled form never exists twice, and at most
/// two waves of it exist at a time. On the machines iocscan runs on, the memory a
/// load first touches costs more than the work done in it (the kernel zeroes every new page:
/// half of a 100,000-IOC load, measured), so a load's speed is mostly its peak memory.
fn compile_waves<E, F>(
    runs: usize,
    dormant: DormantSizes,
    compile: F,
) -> Result<(Ruleset, Vec<Diagnostic>), E>
where
    E: Send,
    F: Fn(usize) -> Result<Assembled, E> + Sync,
{
    use rayon::prelude::*;
    // Two runs per thread: a thread that finishes early takes the next one.
    let wave = rayon::current_num_threads().max(1) * 2;
    let mut ruleset = Assembler::default();
    ruleset.reserve_dormant(dormant);
    let append = |ruleset: &mut Assembler, chunks: Vec<Assembled>, first: bool| {
        if first {
            let compiled: Vec<&Chunk> = chunks
                .iter()
                .filter_map(|c| match c {
                    Assembled::Chunk(c) => Some(c),
                    Assembled::Dormant(..) => None,
                })
                .collect();
            ruleset.reserve_like(&compiled, runs);
        }
        for chunk in chunks {
            match chunk {
                Assembled::Chunk(chunk) => ruleset.push(chunk),
                Assembled::Dormant(checked, diags, wake) => {
                    ruleset.push_dormant(checked, diags, wake)
                }
            }
        }
    };
    // Each wave is appended while the next one compiles (appending is serial): at most two
    // waves exist at a time.
    let mut done: Option<Vec<Assembled>> = None;
    for start in (0..runs).step_by(wave) {
        let end = (start + wave).min(runs);
        let (_, next) = rayon::join(
            || {
                if let Some(chunks) = done.take() {
                    append(&mut ruleset, chunks, start == wave);
                }
            },
            || (start..end).into_par_iter().map(&compile).collect::<Result<Vec<_>, E>>(),
        );
        done = Some(next?);
    }
    if let Some(chunks) = done {
        append(&mut ruleset, chunks, runs <= wave);
    }
    Ok(ruleset.finish())
}

/// A ruleset being built from chunks compiled apart (and dormant runs), appended in order.
#[derive(Default)]
pub(crate) struct Assembler {
    segments: segment::Segments,
    /// The compiled run being appended to (global ids).
    open: segment::Body,
    group_meta: Vec<GroupMeta>,
    diags: Vec<Diagnostic>,
    /// The triggers of the dormant runs' groups (compiled groups join at the end).
    triggers: triggers::Builder,
    /// The dormant runs' keys.
    dormant_keys: index::DormantKeys,
}

impl Assembler {
    /// Leaves and groups appended so far.
    fn bases(&self) -> (LeafId, GroupId) {
        let leaves = self.segments.leaf_count() + self.open.leaves.len();
        let groups = self.segments.group_count() + self.open.groups.len();
        (leaves as LeafId, groups as GroupId)
    }

    /// Reserves room for `runs` runs like the `first` ones, so that appending never copies
    /// what was appended before. Only a hint: a hostile bundle can announce many runs, so
    /// a reservation that cannot be made is skipped (the vectors then grow as they go).
    fn reserve_like(&mut self, first: &[&Chunk], runs: usize) {
        let scale = |f: fn(&&Chunk) -> usize| {
            let n: usize = first.iter().map(f).sum();
            (n / first.len().max(1)).saturating_mul(runs)
        };
        let _ = self.open.leaves.try_reserve(scale(|c| c.leaves.len()));
        let _ = self.open.groups.try_reserve(scale(|c| c.groups.len()));
        let _ = self.open.iocs.try_reserve(scale(|c| c.iocs.len()));
        let _ = self.group_meta.try_reserve(scale(|c| c.groups.len()));
    }

    /// Reserves room for dormant runs of these sizes in all (skipped when it cannot be made).
    fn reserve_dormant(&mut self, sizes: DormantSizes) {
        let _ = self.group_meta.try_reserve(sizes.groups);
        self.dormant_keys.reserve(sizes.leaves);
        self.triggers.reserve_dormant(sizes.detection, sizes.unknown);
    }

    /// Appends a chunk, its leaf and group ids moved past those appended before.
    fn push(&mut self, mut chunk: Chunk) {
        let (leaf_base, group_base) = self.bases();
        if leaf_base > 0 || group_base > 0 {
            offset(&mut chunk.groups, &mut chunk.iocs, leaf_base, group_base);
        }
        self.group_meta.extend(
            chunk.groups.iter().map(|g| GroupMeta { kind: g.kind, constant: g.expr.constant() }),
        );
        self.open.leaves.append(&mut chunk.leaves);
        self.open.groups.append(&mut chunk.groups);
        self.open.iocs.append(&mut chunk.iocs);
        self.diags.append(&mut chunk.diags);
    }

    /// Appends a dormant run: what its summary says now, its body when `wake` is called.
    pub(crate) fn push_dormant(
        &mut self,
        run: dormant::Checked,
        diags: Vec<Diagnostic>,
        wake: segment::Wake,
    ) {
        self.close();
        let (leaf0, group0) = self.bases();
        let dormant::Checked { text, keys, kinds, detection, unknown, identity } = run;
        let fields: Vec<_> = keys.iter().map(|(f, _)| *f).collect();
        for (g, kind) in kinds.iter().enumerate() {
            self.triggers.dormant_group(group0 + g as GroupId, *kind);
        }
        for (l, g) in detection {
            let (field, group) = (fields[l as usize], group0 + g);
            self.triggers.dormant_detection(leaf0 + l, field, group, kinds[g as usize]);
        }
        for (f, g) in unknown {
            self.triggers.dormant_unknown(f, group0 + g);
        }
        let leaves = keys.len();
        self.dormant_keys.push(&text, leaf0, keys);
        self.group_meta.extend(
            kinds.iter().map(|&kind| GroupMeta { kind, constant: crate::logic::Truth::Unknown }),
        );
        self.segments.push_dormant(leaves, kinds.len(), identity, wake);
        self.diags.extend(diags);
    }

    /// Ends the open compiled run.
    fn close(&mut self) {
        if !self.open.iocs.is_empty() || !self.open.leaves.is_empty() {
            self.segments.push_compiled(std::mem::take(&mut self.open));
        }
    }

    /// The ruleset, with its indexes and trigger lists, and the warnings.
    pub(crate) fn finish(mut self) -> (Ruleset, Vec<Diagnostic>) {
        self.close();
        let Assembler { segments, group_meta, diags, mut triggers, dormant_keys, .. } = self;
        let compiled =
            || segments.list().iter().filter_map(|s| s.compiled().map(|b| (s.group0, b)));
        for (group0, body) in compiled() {
            for (i, group) in body.groups.iter().enumerate() {
                triggers.group(group0 + i as GroupId, group, &segments);
            }
        }
        let (kind_triggers, triggers) = triggers.finish(segments.leaf_count());
        let mut fields: FieldSet = dormant_keys.fields().collect();
        let groups = compiled().flat_map(|(_, b)| b.groups.iter());
        let kinds = index::build(&segments, groups, dormant_keys, kind_triggers);
        let leaves = || segments.compiled_leaves();
        leaves().filter(|l| l.supported()).filter_map(|l| l.field).for_each(|f| fields.insert(f));
        let unsupported = leaves().filter(|l| !l.supported()).count();
        #[cfg(feature = "yara")]
        let yara_engine = yara_engine(leaves());
        let ruleset = Ruleset {
            segments,
            group_meta,
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

/// One segment's IOC ids, in order ([`Ruleset::segment_ids`]).
pub(crate) enum SegmentIds<'r> {
    /// Read in place from a bundle's index.
    Dormant(&'r dormant::Identities),
    /// Of compiled IOCs.
    Compiled(&'r [CompiledIoc]),
}

impl SegmentIds<'_> {
    /// How many.
    pub(crate) fn len(&self) -> usize {
        match self {
            SegmentIds::Dormant(identity) => identity.len(),
            SegmentIds::Compiled(iocs) => iocs.len(),
        }
    }

    /// The `i`th id's bytes (empty past the end).
    pub(crate) fn get(&self, i: usize) -> &[u8] {
        match self {
            SegmentIds::Dormant(identity) => identity.id_bytes(i),
            SegmentIds::Compiled(iocs) => iocs.get(i).map_or(&[][..], |c| c.info.id.as_bytes()),
        }
    }
}

/// Moves a compiled run's leaf and group ids past `leaves` and `groups` (it joins a
/// ruleset after them).
pub(crate) fn offset(groups: &mut [Group], iocs: &mut [CompiledIoc], leaves: LeafId, by: GroupId) {
    for g in groups {
        g.expr.offset(leaves);
        g.leaves.iter_mut().for_each(|l| *l += leaves);
    }
    for ioc in iocs {
        ioc.tops.iter_mut().for_each(|b| b.offset(by, leaves));
    }
}

/// One engine for every distinct `Yara/Yara` source of the ruleset, in leaf order.
#[cfg(feature = "yara")]
fn yara_engine<'a>(
    leaves: impl Iterator<Item = &'a Leaf>,
) -> Option<std::sync::Arc<yara_rule::Engine>> {
    let mut seen = std::collections::HashSet::new();
    let rules = leaves.filter_map(|l| match &l.test {
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
        self.segments.ioc_count()
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

    /// Every IOC's id and file, in ruleset order, without compiling a dormant segment.
    pub(crate) fn identities(
        &self,
    ) -> impl Iterator<Item = (&str, std::borrow::Cow<'_, std::path::Path>)> + '_ {
        use std::borrow::Cow;
        type Each<'r> = Box<dyn Iterator<Item = (&'r str, Cow<'r, std::path::Path>)> + 'r>;
        self.segments.list().iter().flat_map(|s| -> Each<'_> {
            match (s.compiled(), &s.identity) {
                (None, Some(identity)) => {
                    Box::new(identity.iter().map(|(id, file)| (id, Cow::Owned(file))))
                }
                _ => Box::new(
                    s.body().iocs.iter().map(|i| (i.info.id.as_str(), Cow::from(&*i.info.file))),
                ),
            }
        })
    }

    /// Every IOC id, segment by segment in ruleset order, without compiling a dormant
    /// segment or copying an id.
    pub(crate) fn segment_ids(&self) -> Vec<SegmentIds<'_>> {
        let segments = self.segments.list().iter();
        segments
            .map(|s| match (s.compiled(), &s.identity) {
                (None, Some(identity)) => SegmentIds::Dormant(identity),
                _ => SegmentIds::Compiled(&s.body().iocs),
            })
            .collect()
    }

    /// IOCs not compiled (yet): a bundle's runs of exact-match IOCs load as their stored
    /// summaries and are compiled only when a scan needs them (an item holds one of their
    /// keys, or lacks a field they read; a card, an explanation or [`Ruleset::iocs`] needs
    /// them). Scans and reports do not depend on it; it says how much loading was saved.
    pub fn dormant(&self) -> usize {
        let list = self.segments.list().iter();
        list.filter(|s| s.compiled().is_none()).map(|s| s.iocs as usize).sum()
    }

    /// Sets the digest a bundle's writer computed for this ruleset (its dormant segments
    /// would have to be compiled to compute it).
    pub(crate) fn set_digest(&self, digest: RulesetDigest) {
        let _ = self.digest.set(digest);
    }

    /// The compiled IOCs' identities, in ruleset (sorted file) order.
    pub fn iocs(&self) -> impl ExactSizeIterator<Item = &IocInfo> {
        self.segments.iocs().map(|ioc| &ioc.info)
    }

    /// Number of IndicatorItems compiled (supported or not).
    pub fn items(&self) -> usize {
        self.segments.leaf_count()
    }

    /// Number of item-scoped groups.
    pub fn groups(&self) -> usize {
        self.segments.group_count()
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
            // A dormant segment is clean with its groups false (see `dormant`).
            self.segments.list().iter().filter(|s| s.identity.is_none()).all(|s| {
                s.body().iocs.iter().all(|ioc| {
                    let tops = ioc.tops.iter().map(|b| b.eval3(&|_| Truth::False));
                    combine3(Some(Op::Or), tops) == Truth::False
                })
            })
        })
    }
}

/// The compiled form, as the evaluator reads it: a named surface over the fields, so that
/// the layout can change without touching the evaluator.
impl Ruleset {
    /// The IOCs, leaves and groups, by segment.
    pub(crate) fn segments(&self) -> &segment::Segments {
        &self.segments
    }

    /// Every leaf, indexed by [`LeafId`] (`leaf_table()[id as usize]`).
    pub(crate) fn leaf_table(&self) -> &segment::Segments {
        &self.segments
    }

    /// What the verdict needs of every group, indexed by [`GroupId`].
    pub(crate) fn group_meta(&self) -> &[GroupMeta] {
        &self.group_meta
    }

    /// One group.
    pub(crate) fn group(&self, g: GroupId) -> &Group {
        self.segments.group(g)
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
