//! One host at a time, and the partial state of its evaluation.
//!
//! A [`HostScan`] evaluates the items of exactly one host, from any sources, and refuses
//! items claimed by another host. Instead of finishing it can hand back a [`Partial`]: what
//! the evaluator accumulated (per group: the count of true objects, which leaves were true,
//! the kept objects; per group: unknown or not and which fields were lacking; per kind:
//! items and record spans; counters), tagged with the ruleset's
//! [`digest`](crate::Ruleset::digest) and the host. Partials of one host merge associatively
//! and commutatively (counts add, flags OR, the kept objects are the smallest by one total
//! order), so any split of a host's items over sources, threads or machines, merged in any
//! order, finishes into exactly the report of one scan. Explanations
//! ([`crate::eval::Scanner::explain`]) are not part of partials.
//!
//! A partial is serde data; [`Partial::encode`] gives its binary form: a magic, the format
//! version, then [postcard](https://docs.rs/postcard) (a compact varint encoding with a
//! stable, documented wire format; its decoder allocates at most what the input's lengths
//! can pay for). Decoding is for hostile input: size-capped, every count bounded, every
//! term and kind checked, object keys recomputed rather than trusted, and values nest at
//! most two deep (no recursion a hostile input could use to exhaust the stack). Items and
//! fields are named by their catalogue names, not by position, so a partial does not depend
//! on the catalogue's order. This module decides nothing about IOCs; the verdicts are the
//! evaluator's.

use super::report::{self, Hits};
use super::verdict::Missing;
use super::{Detection, EvalStats, Scanner};
use crate::card::{Card, Evidence, MatchedObject};
use crate::compile::tree::GroupId;
use crate::compile::{Ruleset, RulesetDigest};
use crate::item::{Item, ItemKind, ItemView, Record, Value};
use crate::limits::{MAX_OBJECTS_PER_BRANCH, MAX_PARTIAL_BYTES, MAX_PARTIAL_COUNT};
use crate::terms::{self, Field, Grade};
use crate::verdict::IocResult;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap};
use std::net::IpAddr;

/// The version of the partial encoding this build writes and reads.
pub const PARTIAL_VERSION: u32 = 2;

/// The first bytes of an encoded partial.
const MAGIC: &[u8; 8] = b"IOCSPART";

/// What an evaluation accumulated, as plain data (the scanner's state once items stop).
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct State {
    /// Groups in the ruleset.
    pub groups: usize,
    pub hits: HashMap<GroupId, Hits>,
    /// Groups some item left unknown, increasing.
    pub unknown: Vec<GroupId>,
    pub missing: HashMap<GroupId, Missing>,
    /// Wanted kinds not collected, sorted.
    pub uncollected: Vec<ItemKind>,
    pub items: [u64; ItemKind::COUNT],
    pub recorded: [u64; ItemKind::COUNT],
    /// Earliest / latest record time per kind (µs since the epoch; `i64::MAX` / `i64::MIN`
    /// when none).
    pub first: [i64; ItemKind::COUNT],
    pub last: [i64; ItemKind::COUNT],
    pub not_evaluated: u64,
}

impl State {
    /// Adds another part of the same host's evaluation (same ruleset: same group count).
    fn merge(&mut self, other: State) {
        for (g, h) in other.hits {
            self.hits.entry(g).or_default().merge(h);
        }
        self.unknown.extend(other.unknown);
        self.unknown.sort_unstable();
        self.unknown.dedup();
        for (g, m) in other.missing {
            self.missing.entry(g).or_default().merge(m);
        }
        // A kind is collected when some part collected it.
        self.uncollected.retain(|k| other.uncollected.contains(k));
        for k in 0..ItemKind::COUNT {
            self.items[k] = self.items[k].saturating_add(other.items[k]);
            self.recorded[k] = self.recorded[k].saturating_add(other.recorded[k]);
            self.first[k] = self.first[k].min(other.first[k]);
            self.last[k] = self.last[k].max(other.last[k]);
        }
        self.not_evaluated = self.not_evaluated.saturating_add(other.not_evaluated);
    }
}

/// Why items, a partial or its bytes were refused. Each variant has a stable
/// [`PartialError::code`].
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum PartialError {
    /// Items or a partial of another host were handed to a host's scan, or two partials of
    /// different hosts were merged.
    #[error("host `{found}` is not host `{expected}`: one scan evaluates one host")]
    WrongHost {
        /// The host of the scan (or of the partial merged into).
        expected: String,
        /// The host claimed by the items or the partial.
        found: String,
    },
    /// The partial was made with another ruleset (other IOC files, or another compiler).
    #[error("the partial was made with ruleset {found}, not with this ruleset ({expected})")]
    WrongRuleset {
        /// This ruleset's digest.
        expected: RulesetDigest,
        /// The partial's.
        found: RulesetDigest,
    },
    /// The bytes do not start with the partial magic.
    #[error("not an iocscan partial")]
    NotAPartial,
    /// The partial was written in another format version.
    #[error("partial format version {found} is not supported (this build reads version {PARTIAL_VERSION})")]
    Version {
        /// The version in the bytes.
        found: u32,
    },
    /// The encoded partial is larger than [`MAX_PARTIAL_BYTES`].
    #[error("the partial is {size} bytes, more than the {MAX_PARTIAL_BYTES}-byte limit")]
    TooLarge {
        /// Its size.
        size: usize,
    },
    /// The bytes or the values are not a well-formed partial.
    #[error("corrupt partial: {0}")]
    Corrupt(String),
}

impl PartialError {
    /// The stable code of the error (`partial-wrong-host`, `partial-wrong-ruleset`,
    /// `partial-not-a-partial`, `partial-version`, `partial-too-large`, `partial-corrupt`).
    pub fn code(&self) -> &'static str {
        match self {
            PartialError::WrongHost { .. } => "partial-wrong-host",
            PartialError::WrongRuleset { .. } => "partial-wrong-ruleset",
            PartialError::NotAPartial => "partial-not-a-partial",
            PartialError::Version { .. } => "partial-version",
            PartialError::TooLarge { .. } => "partial-too-large",
            PartialError::Corrupt(_) => "partial-corrupt",
        }
    }
}

/// The partial evaluation of one host's items under one ruleset (see the module
/// documentation): merge partials of the same host with [`Partial::merge`], then
/// [`Partial::finish`] into the host's report.
#[derive(Clone, Debug, PartialEq)]
pub struct Partial {
    digest: RulesetDigest,
    host: String,
    state: State,
}

/// The outcome of one host's evaluation.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct HostReport {
    /// The host.
    pub host: String,
    /// One card per detected IOC, in ruleset order.
    pub cards: Vec<Card>,
    /// One result per IOC, in ruleset order.
    pub results: Vec<IocResult>,
    /// Kinds the ruleset needs that no source of this host collected (their conditions are
    /// unknown).
    pub not_collected: Vec<ItemKind>,
    /// The explained IOCs, when the scan was made with [`HostScan::from_scanner`] over an
    /// explaining scanner: their per-condition counts cover the items that scan saw, not those
    /// of absorbed partials.
    pub explanations: Vec<crate::verdict::Explanation>,
    /// Counters.
    pub stats: EvalStats,
    /// Clean IOCs counted but not listed in `results` (see [`Scanner::clean_results`]).
    pub clean_omitted: usize,
}

impl HostReport {
    /// The evaluation's outcome without the host (as [`Scanner::finish`] gives it).
    pub fn into_detection(self) -> Detection {
        Detection {
            cards: self.cards,
            results: self.results,
            explanations: self.explanations,
            stats: self.stats,
            clean_omitted: self.clean_omitted,
        }
    }

    fn new(host: String, state: &State, detection: Detection) -> Self {
        HostReport {
            host,
            cards: detection.cards,
            results: detection.results,
            not_collected: state.uncollected.clone(),
            explanations: detection.explanations,
            stats: detection.stats,
            clean_omitted: detection.clean_omitted,
        }
    }
}

impl Partial {
    /// The host whose items this is.
    pub fn host(&self) -> &str {
        &self.host
    }

    /// The digest of the ruleset it was made with.
    pub fn digest(&self) -> RulesetDigest {
        self.digest
    }

    /// Adds another partial of the same host and ruleset. Associative and commutative: any
    /// split of a host's items, merged in any order, gives the same partial.
    pub fn merge(&mut self, other: Partial) -> Result<(), PartialError> {
        if other.digest != self.digest || other.state.groups != self.state.groups {
            return Err(PartialError::WrongRuleset { expected: self.digest, found: other.digest });
        }
        if other.host != self.host {
            return Err(PartialError::WrongHost { expected: self.host.clone(), found: other.host });
        }
        self.state.merge(other.state);
        Ok(())
    }

    /// Decides every IOC for the host: the cards, the results, the kinds missing and the
    /// counters. Refused when the partial was made with another ruleset.
    pub fn finish(self, ruleset: &Ruleset) -> Result<HostReport, PartialError> {
        self.check(ruleset)?;
        let detection = self.state.detection(ruleset, None, true);
        Ok(HostReport::new(self.host, &self.state, detection))
    }

    /// Checks the partial against the ruleset it is finished with: the digest, and (the
    /// digest of a hostile partial may be forged) every group and leaf it names.
    fn check(&self, ruleset: &Ruleset) -> Result<(), PartialError> {
        let expected = ruleset.digest();
        if self.digest != expected {
            return Err(PartialError::WrongRuleset { expected, found: self.digest });
        }
        let corrupt = |what: String| Err(PartialError::Corrupt(what));
        if self.state.groups != ruleset.groups() {
            return corrupt(format!(
                "{} groups, the ruleset has {}",
                self.state.groups,
                ruleset.groups()
            ));
        }
        for (g, h) in &self.state.hits {
            let leaves = ruleset.group(*g).leaves.len();
            if h.true_leaves.len() > leaves {
                return corrupt(format!(
                    "group {g}: {} leaf flags for {leaves} leaves",
                    h.true_leaves.len()
                ));
            }
        }
        Ok(())
    }

    /// The binary form: magic, format version (u32, little-endian), postcard.
    pub fn encode(&self) -> Vec<u8> {
        let mut out = MAGIC.to_vec();
        out.extend_from_slice(&PARTIAL_VERSION.to_le_bytes());
        // Serialising plain data into a vector cannot fail.
        match postcard::to_extend(&Wire::from(self), out) {
            Ok(out) => out,
            Err(e) => unreachable!("encoding a partial: {e}"),
        }
    }

    /// Reads the binary form of [`Partial::encode`]: hostile input, bounded and checked;
    /// any problem is a typed error, never a panic.
    pub fn decode(bytes: &[u8]) -> Result<Partial, PartialError> {
        if bytes.len() > MAX_PARTIAL_BYTES {
            return Err(PartialError::TooLarge { size: bytes.len() });
        }
        let Some(rest) = bytes.strip_prefix(MAGIC) else {
            return Err(PartialError::NotAPartial);
        };
        let (version, body) = match rest.split_first_chunk::<4>() {
            Some((v, body)) => (u32::from_le_bytes(*v), body),
            None => return Err(PartialError::Corrupt("truncated header".into())),
        };
        if version != PARTIAL_VERSION {
            return Err(PartialError::Version { found: version });
        }
        let (wire, left) = postcard::take_from_bytes::<Wire>(body)
            .map_err(|e| PartialError::Corrupt(e.to_string()))?;
        if !left.is_empty() {
            return Err(PartialError::Corrupt(format!("{} bytes after the end", left.len())));
        }
        Partial::try_from(wire)
    }
}

impl Serialize for Partial {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        Wire::from(self).serialize(s)
    }
}

impl<'de> Deserialize<'de> for Partial {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let wire = Wire::deserialize(d)?;
        Partial::try_from(wire).map_err(serde::de::Error::custom)
    }
}

/// Evaluates the items of exactly one host (from any number of sources and threads: every
/// method but [`HostScan::absorb`] takes `&self`), then finishes into a [`HostReport`] or
/// hands back a [`Partial`].
///
/// ```
/// use iocscan::eval::HostScan;
/// use iocscan::{Field, Item, ItemKind};
/// # let xml = br#"<OpenIOC xmlns="http://openioc.org/schemas/OpenIOC_1.1" id="x"><criteria>
/// #   <Indicator operator="OR"><IndicatorItem condition="is"><Context document="FileItem"
/// #   search="FileItem/FileName"/><Content>evil.exe</Content></IndicatorItem></Indicator>
/// #   </criteria></OpenIOC>"#;
/// # let doc = iocscan::parse::parse(std::path::Path::new("x.ioc"), xml).unwrap().document;
/// let (ruleset, _) = iocscan::compile(&[doc]);
/// let evil = [Item::new(ItemKind::File).with(Field::FileFileName, "evil.exe")];
/// // Two sources of one host, evaluated apart (another thread, another machine) ...
/// let first = HostScan::new(&ruleset, "web1");
/// first.add("web1", &evil)?;
/// assert!(first.add("db1", &evil).is_err()); // never two hosts in one evaluation
/// let bytes = first.partial().encode();
/// // ... then merged and finished.
/// let mut second = HostScan::new(&ruleset, "web1");
/// second.absorb(iocscan::eval::Partial::decode(&bytes)?)?;
/// let report = second.finish();
/// assert_eq!(report.cards.len(), 1);
/// # Ok::<(), iocscan::eval::PartialError>(())
/// ```
pub struct HostScan<'r> {
    host: String,
    scanner: Scanner<'r>,
    absorbed: Option<State>,
}

impl<'r> HostScan<'r> {
    /// A scan of `host` under `ruleset` (every kind counts as collected: see
    /// [`HostScan::from_scanner`] to say otherwise).
    pub fn new(ruleset: &'r Ruleset, host: impl Into<String>) -> Self {
        HostScan::from_scanner(Scanner::new(ruleset), host)
    }

    /// A scan of `host` with a scanner already set up ([`Scanner::uncollected`],
    /// [`Scanner::explain`]).
    pub fn from_scanner(scanner: Scanner<'r>, host: impl Into<String>) -> Self {
        HostScan { host: host.into(), scanner, absorbed: None }
    }

    /// The host.
    pub fn host(&self) -> &str {
        &self.host
    }

    /// Says which kinds none of the host's sources collected (replacing what the scanner was
    /// told): see [`Scanner::uncollected`]. Kinds some absorbed partial collected still count
    /// as collected.
    pub fn set_uncollected(&mut self, kinds: impl IntoIterator<Item = ItemKind>) {
        self.scanner.uncollected = kinds.into_iter().collect();
    }

    /// The scanner, for progress counters ([`Scanner::matched_objects`]).
    pub fn scanner(&self) -> &Scanner<'r> {
        &self.scanner
    }

    fn same_host(&self, host: &str) -> Result<(), PartialError> {
        if host != self.host {
            return Err(PartialError::WrongHost {
                expected: self.host.clone(),
                found: host.to_owned(),
            });
        }
        Ok(())
    }

    /// Evaluates items that `host` holds, in parallel; refused (nothing evaluated) when
    /// `host` is not this scan's host.
    pub fn add<T: ItemView>(&self, host: &str, items: &[T]) -> Result<(), PartialError> {
        self.same_host(host)?;
        self.scanner.scan_items(items);
        Ok(())
    }

    /// Evaluates one item that `host` holds (any thread).
    pub fn add_item(&self, host: &str, item: &dyn ItemView) -> Result<(), PartialError> {
        self.same_host(host)?;
        self.scanner.scan_item(item);
        Ok(())
    }

    /// Merges a partial of this host (made elsewhere) into the scan.
    pub fn absorb(&mut self, partial: Partial) -> Result<(), PartialError> {
        let expected = self.scanner.ruleset.digest();
        if partial.digest != expected || partial.state.groups != self.scanner.ruleset.groups() {
            return Err(PartialError::WrongRuleset { expected, found: partial.digest });
        }
        self.same_host(&partial.host)?;
        partial.check(self.scanner.ruleset)?;
        match &mut self.absorbed {
            Some(state) => state.merge(partial.state),
            None => self.absorbed = Some(partial.state),
        }
        Ok(())
    }

    fn into_state(self) -> (String, State, Option<super::explain::Tallies>) {
        let (mut state, explain) = self.scanner.into_state();
        if let Some(absorbed) = self.absorbed {
            state.merge(absorbed);
        }
        (self.host, state, explain)
    }

    /// What the scan accumulated, to merge elsewhere.
    pub fn partial(self) -> Partial {
        let digest = self.scanner.ruleset.digest();
        let (host, state, _) = self.into_state();
        Partial { digest, host, state }
    }

    /// Decides every IOC for the host.
    pub fn finish(self) -> HostReport {
        let (ruleset, clean) = (self.scanner.ruleset, self.scanner.clean_results);
        let (host, state, explain) = self.into_state();
        let detection = state.detection(ruleset, explain, clean);
        HostReport::new(host, &state, detection)
    }
}

// ---- wire form ------------------------------------------------------------------------------

/// The serde form of a partial; kinds, terms and grades by name.
#[derive(Serialize, Deserialize)]
struct Wire {
    digest: [u8; 32],
    host: String,
    groups: u64,
    /// Sorted by group, each group once.
    hits: Vec<WireHits>,
    /// Groups left unknown by some item, increasing, each as its distance from the one
    /// before (the first from 0): a host with most IOCs unknown costs a byte per group.
    unknown: Vec<u32>,
    /// The distinct lacks of [`Wire::missing`]: per (term, not observable in a state scan),
    /// objects. Most groups lack the same fields for the same objects, so each is written
    /// once.
    lacks: Vec<Vec<(String, bool, u64)>>,
    /// Per group that lacked fields, increasing: (distance from the group before, index
    /// in [`Wire::lacks`]).
    missing: Vec<(u32, u32)>,
    uncollected: Vec<String>,
    /// Kinds with items or records.
    kinds: Vec<WireKind>,
    not_evaluated: u64,
}

#[derive(Serialize, Deserialize)]
struct WireHits {
    group: u32,
    count: u64,
    true_leaves: Vec<bool>,
    objects: Vec<WireObject>,
}

#[derive(Serialize, Deserialize)]
struct WireKind {
    kind: String,
    items: u64,
    records: u64,
    first: i64,
    last: i64,
}

#[derive(Serialize, Deserialize)]
struct WireObject {
    kind: String,
    record: Option<(Option<WireTime>, Option<String>)>,
    fields: Vec<(String, WireValue)>,
    evidence: Vec<WireEvidence>,
}

#[derive(Serialize, Deserialize)]
struct WireEvidence {
    item_id: Option<String>,
    term: String,
    observed: WireValue,
    grade: String,
}

/// Seconds and nanoseconds since the epoch.
type WireTime = (i64, u32);

#[derive(Serialize, Deserialize)]
enum WireScalar {
    Str(String),
    Int(i64),
    Date(WireTime),
    Ip(IpAddr),
    Bool(bool),
    Float(f64),
}

/// A value: one scalar, or a list whose entries are scalars or lists of scalars (a sub-list
/// column's element without a value is an empty list). Deeper lists, which no source makes,
/// are flattened one level.
#[derive(Serialize, Deserialize)]
enum WireValue {
    One(WireScalar),
    List(Vec<WireEntry>),
}

#[derive(Serialize, Deserialize)]
enum WireEntry {
    One(WireScalar),
    List(Vec<WireScalar>),
}

fn time_to_wire(t: &DateTime<Utc>) -> WireTime {
    (t.timestamp(), t.timestamp_subsec_nanos())
}

fn scalar_to_wire(v: &Value, out: &mut Vec<WireScalar>) {
    match v {
        Value::Str(s) => out.push(WireScalar::Str(s.clone())),
        Value::Int(n) => out.push(WireScalar::Int(*n)),
        Value::Date(t) => out.push(WireScalar::Date(time_to_wire(t))),
        Value::Ip(ip) => out.push(WireScalar::Ip(*ip)),
        Value::Bool(b) => out.push(WireScalar::Bool(*b)),
        Value::Float(x) => out.push(WireScalar::Float(*x)),
        Value::List(list) => list.iter().for_each(|v| scalar_to_wire(v, out)),
    }
}

fn value_to_wire(v: &Value) -> WireValue {
    match v {
        Value::List(list) => WireValue::List(
            list.iter()
                .map(|entry| match entry {
                    Value::List(inner) => {
                        let mut scalars = Vec::with_capacity(inner.len());
                        inner.iter().for_each(|v| scalar_to_wire(v, &mut scalars));
                        WireEntry::List(scalars)
                    }
                    one => {
                        let mut scalars = Vec::with_capacity(1);
                        scalar_to_wire(one, &mut scalars);
                        match scalars.pop() {
                            Some(s) => WireEntry::One(s),
                            None => WireEntry::List(Vec::new()),
                        }
                    }
                })
                .collect(),
        ),
        one => {
            let mut scalars = Vec::with_capacity(1);
            scalar_to_wire(one, &mut scalars);
            match scalars.pop() {
                Some(s) => WireValue::One(s),
                None => WireValue::List(Vec::new()),
            }
        }
    }
}

fn object_to_wire(o: &MatchedObject) -> WireObject {
    let item = &o.item;
    WireObject {
        kind: item.kind().document().to_owned(),
        record: item.record().map(|r| (r.time.as_ref().map(time_to_wire), r.source.clone())),
        fields: item.values().map(|(f, v)| (f.name().to_owned(), value_to_wire(v))).collect(),
        evidence: o
            .evidence
            .iter()
            .map(|e| WireEvidence {
                item_id: e.item_id.clone(),
                term: e.term.to_owned(),
                observed: value_to_wire(&e.observed),
                grade: e.grade.as_str().to_owned(),
            })
            .collect(),
    }
}

impl From<&Partial> for Wire {
    fn from(p: &Partial) -> Wire {
        let s = &p.state;
        let mut hits: Vec<_> = s.hits.iter().collect();
        hits.sort_unstable_by_key(|(g, _)| **g);
        let mut missing: Vec<_> = s.missing.iter().collect();
        missing.sort_unstable_by_key(|(g, _)| **g);
        let mut lacks: Vec<Vec<(String, bool, u64)>> = Vec::new();
        let mut lack_index: HashMap<&Missing, u32> = HashMap::new();
        let missing: Vec<(u32, u32)> = gaps(missing.iter().map(|(g, _)| **g))
            .zip(&missing)
            .map(|(gap, (_, m))| {
                let index = *lack_index.entry(m).or_insert_with(|| {
                    lacks
                        .push(m.entries().map(|((f, u), n)| (f.name().to_owned(), u, n)).collect());
                    (lacks.len() - 1) as u32
                });
                (gap, index)
            })
            .collect();
        Wire {
            digest: p.digest.0,
            host: p.host.clone(),
            groups: s.groups as u64,
            hits: hits
                .into_iter()
                .map(|(g, h)| WireHits {
                    group: *g,
                    count: h.count,
                    true_leaves: h.true_leaves.clone(),
                    objects: h.objects.values().map(object_to_wire).collect(),
                })
                .collect(),
            unknown: gaps(s.unknown.iter().copied()).collect(),
            lacks,
            missing,
            uncollected: s.uncollected.iter().map(|k| k.document().to_owned()).collect(),
            kinds: ItemKind::ALL
                .into_iter()
                .filter(|k| s.items[k.index()] > 0 || s.recorded[k.index()] > 0)
                .map(|k| WireKind {
                    kind: k.document().to_owned(),
                    items: s.items[k.index()],
                    records: s.recorded[k.index()],
                    first: s.first[k.index()],
                    last: s.last[k.index()],
                })
                .collect(),
            not_evaluated: s.not_evaluated,
        }
    }
}

fn corrupt<T>(what: impl Into<String>) -> Result<T, PartialError> {
    Err(PartialError::Corrupt(what.into()))
}

fn count(n: u64, what: &str) -> Result<u64, PartialError> {
    if n > MAX_PARTIAL_COUNT {
        return corrupt(format!("{what}: count {n} is beyond the {MAX_PARTIAL_COUNT} limit"));
    }
    Ok(n)
}

fn kind_of(name: &str) -> Result<ItemKind, PartialError> {
    ItemKind::from_document(name)
        .ok_or_else(|| PartialError::Corrupt(format!("unknown item kind `{name}`")))
}

fn field_of(name: &str) -> Result<Field, PartialError> {
    terms::lookup(name)
        .map(|t| t.field)
        .ok_or_else(|| PartialError::Corrupt(format!("unknown term `{name}`")))
}

fn time_of((secs, nanos): WireTime) -> Result<DateTime<Utc>, PartialError> {
    DateTime::from_timestamp(secs, nanos)
        .ok_or_else(|| PartialError::Corrupt(format!("time {secs}.{nanos} is out of range")))
}

fn scalar_of(s: WireScalar) -> Result<Value, PartialError> {
    Ok(match s {
        WireScalar::Str(s) => Value::Str(s),
        WireScalar::Int(n) => Value::Int(n),
        WireScalar::Date(t) => Value::Date(time_of(t)?),
        WireScalar::Ip(ip) => Value::Ip(ip),
        WireScalar::Bool(b) => Value::Bool(b),
        // Values are finite: a NaN from a hostile partial would break the object order.
        WireScalar::Float(x) if x.is_finite() => Value::Float(x),
        WireScalar::Float(x) => return Err(PartialError::Corrupt(format!("number {x}"))),
    })
}

fn value_of(v: WireValue) -> Result<Value, PartialError> {
    match v {
        WireValue::One(s) => scalar_of(s),
        WireValue::List(entries) => entries
            .into_iter()
            .map(|e| match e {
                WireEntry::One(s) => scalar_of(s),
                WireEntry::List(inner) => {
                    inner.into_iter().map(scalar_of).collect::<Result<_, _>>().map(Value::List)
                }
            })
            .collect::<Result<_, _>>()
            .map(Value::List),
    }
}

fn grade_of(name: &str) -> Result<Grade, PartialError> {
    [Grade::Exact, Grade::Inferred, Grade::Approximate, Grade::None]
        .into_iter()
        .find(|g| g.as_str() == name)
        .ok_or_else(|| PartialError::Corrupt(format!("unknown grade `{name}`")))
}

fn object_of(w: WireObject) -> Result<MatchedObject, PartialError> {
    let kind = kind_of(&w.kind)?;
    let mut item = Item::new(kind);
    if let Some((time, source)) = w.record {
        item = item.with_record(Record { time: time.map(time_of).transpose()?, source });
    }
    for (name, value) in w.fields {
        let field = field_of(&name)?;
        if field.kind() != kind {
            return corrupt(format!("term `{name}` on a {kind} item"));
        }
        item.set(field, value_of(value)?);
    }
    let evidence = w
        .evidence
        .into_iter()
        .map(|e| {
            let field = field_of(&e.term)?;
            Ok(Evidence {
                item_id: e.item_id,
                term: field.name(),
                observed: value_of(e.observed)?,
                grade: grade_of(&e.grade)?,
            })
        })
        .collect::<Result<_, PartialError>>()?;
    Ok(MatchedObject { item, evidence })
}

/// Increasing group ids as distances from the one before (the first from 0).
fn gaps(ids: impl Iterator<Item = GroupId>) -> impl Iterator<Item = u32> {
    let mut previous = 0;
    ids.map(move |g| {
        let gap = g - previous;
        previous = g;
        gap
    })
}

/// The group ids that [`gaps`] wrote (checked by [`increasing`] after).
fn ids_of(gaps: impl Iterator<Item = u32>, what: &str) -> Result<Vec<GroupId>, PartialError> {
    let mut id: u32 = 0;
    gaps.map(|gap| {
        id = id
            .checked_add(gap)
            .ok_or_else(|| PartialError::Corrupt(format!("{what}: group ids past {}", u32::MAX)))?;
        Ok(id)
    })
    .collect()
}

/// Checks that `ids` increase strictly and stay below `groups`.
fn increasing(
    ids: impl Iterator<Item = u32>,
    groups: usize,
    what: &str,
) -> Result<(), PartialError> {
    let mut previous: Option<u32> = None;
    for g in ids {
        if g as usize >= groups || previous.is_some_and(|p| p >= g) {
            return corrupt(format!("{what}: group {g} out of order or out of range"));
        }
        previous = Some(g);
    }
    Ok(())
}

impl TryFrom<Wire> for Partial {
    type Error = PartialError;

    fn try_from(w: Wire) -> Result<Partial, PartialError> {
        let groups = usize::try_from(w.groups)
            .ok()
            .filter(|g| *g <= u32::MAX as usize)
            .ok_or_else(|| PartialError::Corrupt(format!("{} groups", w.groups)))?;
        increasing(w.hits.iter().map(|h| h.group), groups, "hits")?;
        let unknown = ids_of(w.unknown.iter().copied(), "unknown")?;
        increasing(unknown.iter().copied(), groups, "unknown")?;
        let missing_groups = ids_of(w.missing.iter().map(|(gap, _)| *gap), "missing")?;
        increasing(missing_groups.iter().copied(), groups, "missing")?;
        let mut hits = HashMap::with_capacity(w.hits.len());
        for h in w.hits {
            if h.objects.len() > MAX_OBJECTS_PER_BRANCH {
                return corrupt(format!("group {}: {} objects kept", h.group, h.objects.len()));
            }
            let n = count(h.count, "objects")?;
            if n < h.objects.len() as u64 || n == 0 {
                return corrupt(format!(
                    "group {}: count {n} for {} objects",
                    h.group,
                    h.objects.len()
                ));
            }
            let mut objects = BTreeMap::new();
            for o in h.objects {
                let object = object_of(o)?;
                // Keys are recomputed, not trusted: they decide which objects a merge keeps.
                objects.insert(report::key(&object), object);
            }
            hits.insert(h.group, Hits { count: n, true_leaves: h.true_leaves, objects });
        }
        let lacks = w
            .lacks
            .into_iter()
            .map(|fields| {
                let entries = fields
                    .into_iter()
                    .map(|(name, unobservable, n)| {
                        Ok(((field_of(&name)?, unobservable), count(n, "missing")?))
                    })
                    .collect::<Result<Vec<_>, PartialError>>()?;
                Ok(Missing::from_entries(entries))
            })
            .collect::<Result<Vec<_>, PartialError>>()?;
        let mut missing = HashMap::with_capacity(w.missing.len());
        for (group, (_, lack)) in missing_groups.into_iter().zip(w.missing) {
            let Some(m) = lacks.get(lack as usize) else {
                return corrupt(format!(
                    "missing: group {group} names lack {lack} of {}",
                    lacks.len()
                ));
            };
            missing.insert(group, m.clone());
        }
        let mut uncollected =
            w.uncollected.iter().map(|k| kind_of(k)).collect::<Result<Vec<_>, _>>()?;
        uncollected.sort_unstable();
        uncollected.dedup();
        let mut items = [0; ItemKind::COUNT];
        let mut recorded = [0; ItemKind::COUNT];
        let mut first = [i64::MAX; ItemKind::COUNT];
        let mut last = [i64::MIN; ItemKind::COUNT];
        for k in w.kinds {
            let i = kind_of(&k.kind)?.index();
            if items[i] > 0 || recorded[i] > 0 {
                return corrupt(format!("kind {} twice", k.kind));
            }
            items[i] = count(k.items, "items")?;
            recorded[i] = count(k.records, "records")?;
            if recorded[i] > 0 {
                (first[i], last[i]) = (k.first, k.last);
            }
        }
        let not_evaluated = count(w.not_evaluated, "not evaluated")?;
        let state = State {
            groups,
            hits,
            unknown,
            missing,
            uncollected,
            items,
            recorded,
            first,
            last,
            not_evaluated,
        };
        Ok(Partial { digest: RulesetDigest(w.digest), host: w.host, state })
    }
}
