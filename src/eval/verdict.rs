//! Verdicts: each group's host-wide three-valued value, and from it each IOC's verdict with
//! the reasons it is undetermined.

use super::report::Hits;
use crate::compile::tree::{Branch, GExpr, GroupId, Part, Unknown};
use crate::compile::{CompiledIoc, Ruleset};
use crate::diag::Code;
use crate::item::ItemKind;
use crate::logic::{self, Op, Truth};
use crate::terms::{Field, Grade};
use crate::verdict::{IocResult, Reason, Verdict};
use std::collections::{BTreeMap, BTreeSet, HashMap};

/// Per field, how many objects left a group unknown for lack of it, and whether the lack
/// is a state scan's (a term no state holds: not observable) rather than this object's.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub(super) struct Missing(BTreeMap<(Field, bool), u64>);

impl Missing {
    /// Adds another part's counts (partials of one host).
    pub(super) fn merge(&mut self, other: Missing) {
        for (key, n) in other.0 {
            let seen = self.0.entry(key).or_default();
            *seen = seen.saturating_add(n);
        }
    }

    /// The counts: per (field, lacking because not observable in a state scan), objects.
    pub(super) fn entries(&self) -> impl Iterator<Item = ((Field, bool), u64)> + '_ {
        self.0.iter().map(|(k, n)| (*k, *n))
    }

    /// Counts as [`Missing::entries`] gives them.
    pub(super) fn from_entries(entries: impl IntoIterator<Item = ((Field, bool), u64)>) -> Self {
        let mut m = Missing::default();
        for (key, n) in entries {
            let seen = m.0.entry(key).or_default();
            *seen = seen.saturating_add(n);
        }
        m
    }

    /// Counts one object that lacked `fields`; `state` when it came from a state scan.
    pub(super) fn add(&mut self, fields: impl Iterator<Item = Field>, state: bool) {
        for f in fields {
            let unobservable = state && f.term().grade == Grade::None;
            *self.0.entry((f, unobservable)).or_default() += 1;
        }
    }
}

/// Every group's host-wide value (`unknown`: the groups some item left unknown, increasing):
/// true on some item, else unknown on some item (or its
/// kind was not collected), else false.
pub(super) struct GroupValues<'a> {
    values: Vec<Truth>,
    uncollected: &'a [ItemKind],
    /// Every group is false: every IOC is clean (most hosts of a fleet scan, where walking
    /// 100,000 IOCs per host to find that out cost more than reading the host's items).
    all_false: bool,
}

impl<'a> GroupValues<'a> {
    pub(super) fn new(
        rs: &Ruleset,
        hits: &HashMap<GroupId, Hits>,
        unknown: &[GroupId],
        uncollected: &'a [ItemKind],
    ) -> Self {
        let values = rs
            .group_meta()
            .iter()
            .enumerate()
            .map(|(g, group)| {
                if hits.get(&(g as GroupId)).is_some_and(|h| h.count > 0) {
                    Truth::True
                } else if group.constant == Truth::False {
                    Truth::False
                } else if unknown.binary_search(&(g as GroupId)).is_ok()
                    || uncollected.contains(&group.kind)
                {
                    Truth::Unknown
                } else {
                    Truth::False
                }
            })
            .collect::<Vec<_>>();
        let all_false = values.iter().all(|v| *v == Truth::False);
        GroupValues { values, uncollected, all_false }
    }

    /// True when every group is false, so that every IOC is clean.
    pub(super) fn all_false(&self) -> bool {
        self.all_false
    }

    /// True when every group of `range` is false.
    pub(super) fn all_false_in(&self, range: std::ops::Range<GroupId>) -> bool {
        self.all_false
            || self.values[range.start as usize..range.end as usize]
                .iter()
                .all(|v| *v == Truth::False)
    }

    pub(super) fn get(&self, g: GroupId) -> Truth {
        self.values[g as usize]
    }

    /// A branch's value.
    pub(super) fn branch(&self, b: &Branch) -> Truth {
        b.eval3(&|g| self.get(g))
    }

    /// An IOC's value: its top-level Indicators combined with OR.
    pub(super) fn ioc(&self, ioc: &CompiledIoc) -> Truth {
        logic::combine3(Some(Op::Or), ioc.tops.iter().map(|b| self.branch(b)))
    }

    fn collected(&self, kind: ItemKind) -> bool {
        !self.uncollected.contains(&kind)
    }
}

/// One result per IOC, in ruleset order; with `clean` false, the clean IOCs are only counted
/// (the second value), not listed.
pub(super) fn results(
    rs: &Ruleset,
    hits: &HashMap<GroupId, Hits>,
    values: &GroupValues<'_>,
    missing: &HashMap<GroupId, Missing>,
    clean: bool,
) -> (Vec<IocResult>, usize) {
    if !clean && values.all_false() && rs.clean_when_groups_false() {
        return (Vec::new(), rs.len());
    }
    let mut omitted = 0;
    let mut results = Vec::new();
    for segment in rs.segments().list() {
        // A dormant segment holds no constant unknown: with its groups all false, its IOCs
        // are clean, and are listed without compiling it.
        if let (None, Some(identity)) = (segment.compiled(), &segment.identity) {
            if values.all_false_in(segment.group_range()) {
                match clean {
                    true => results.extend(identity.iter().map(|(id, file)| IocResult {
                        id: id.to_owned(),
                        file,
                        verdict: Verdict::Clean,
                        objects: 0,
                        reasons: Vec::new(),
                    })),
                    false => omitted += identity.len(),
                }
                continue;
            }
        }
        results.extend(segment.body().iocs.iter().filter_map(|ioc| {
            let verdict = Verdict::of(values.ioc(ioc));
            if !clean && verdict == Verdict::Clean {
                omitted += 1;
                return None;
            }
            // Most IOCs are clean: only the others need their groups walked.
            let objects = match verdict {
                Verdict::Detected => {
                    let mut groups = Vec::new();
                    ioc.tops.iter().for_each(|b| groups_of(b, &mut groups));
                    groups
                        .iter()
                        .filter(|g| values.get(**g) == Truth::True)
                        .filter_map(|g| hits.get(g))
                        .fold(0u64, |n, h| n.saturating_add(h.count))
                }
                _ => 0,
            };
            let reasons = match verdict {
                Verdict::Undetermined => {
                    let mut reasons = Reasons::default();
                    for top in ioc.tops.iter().filter(|b| values.branch(b) == Truth::Unknown) {
                        reasons.branch(rs, top, values, missing);
                    }
                    reasons.into_vec()
                }
                _ => Vec::new(),
            };
            Some(IocResult {
                id: ioc.info.id.clone(),
                file: ioc.info.file.clone(),
                verdict,
                objects,
                reasons,
            })
        }));
    }
    (results, omitted)
}

/// The item-scoped groups under a branch, in tree order.
pub(super) fn groups_of(b: &Branch, out: &mut Vec<GroupId>) {
    for part in &b.parts {
        match part {
            Part::Group(g) => out.push(*g),
            Part::Branch(sub) => groups_of(sub, out),
            Part::Never(_) => {}
        }
    }
}

/// The reasons one group is unknown.
pub(super) fn group_reasons(
    rs: &Ruleset,
    g: GroupId,
    values: &GroupValues<'_>,
    missing: &HashMap<GroupId, Missing>,
) -> Vec<Reason> {
    let mut reasons = Reasons::default();
    reasons.group(rs, g, values, missing);
    reasons.into_vec()
}

/// The reasons of an expression's constant unknowns (never-matching items, unknown
/// operators): the same wording the results use.
pub(super) fn constant_reasons(rs: &Ruleset, expr: &GExpr) -> Vec<Reason> {
    let mut reasons = Reasons::default();
    reasons.constants(rs, expr);
    reasons.into_vec()
}

/// Reasons gathered over a tree, counted.
#[derive(Default)]
struct Reasons {
    terms: BTreeMap<String, usize>,
    never: BTreeMap<(&'static str, String), usize>,
    kinds: BTreeSet<ItemKind>,
    fields: BTreeMap<(Field, bool), u64>,
    operators: BTreeMap<String, usize>,
}

impl Reasons {
    /// The reasons of an unknown branch: its unknown parts'.
    fn branch(
        &mut self,
        rs: &Ruleset,
        b: &Branch,
        values: &GroupValues<'_>,
        missing: &HashMap<GroupId, Missing>,
    ) {
        if b.op.is_none() {
            *self.operators.entry(b.info.operator.to_string()).or_default() += 1;
            return;
        }
        for part in &b.parts {
            match part {
                Part::Group(g) if values.get(*g) == Truth::Unknown => {
                    self.group(rs, *g, values, missing)
                }
                Part::Branch(sub) if values.branch(sub) == Truth::Unknown => {
                    self.branch(rs, sub, values, missing)
                }
                Part::Never(e) if e.constant() == Truth::Unknown => self.constants(rs, e),
                _ => {}
            }
        }
    }

    fn group(
        &mut self,
        rs: &Ruleset,
        g: GroupId,
        values: &GroupValues<'_>,
        missing: &HashMap<GroupId, Missing>,
    ) {
        let group = rs.group(g);
        if !values.collected(group.kind) {
            self.kinds.insert(group.kind);
        }
        self.constants(rs, &group.expr);
        if let Some(m) = missing.get(&g) {
            for (key, n) in &m.0 {
                let seen = self.fields.entry(*key).or_default();
                *seen = (*seen).max(*n);
            }
        }
    }

    fn constants(&mut self, rs: &Ruleset, expr: &GExpr) {
        let mut unknowns = Vec::new();
        expr.unknowns(&mut unknowns);
        for u in unknowns {
            match u {
                Unknown::Leaf(l) => {
                    let Some(never) = &rs.leaf_table()[*l as usize].never else { continue };
                    if never.code == Code::UnsupportedTerm {
                        *self.terms.entry(never.term.to_string()).or_default() += 1;
                    } else {
                        let key = (never.code.as_str(), never.term.to_string());
                        *self.never.entry(key).or_default() += 1;
                    }
                }
                Unknown::Indicator(info) => {
                    *self.operators.entry(info.operator.to_string()).or_default() += 1;
                }
            }
        }
    }

    fn into_vec(self) -> Vec<Reason> {
        let mut out = Vec::new();
        out.extend(self.kinds.into_iter().map(|kind| Reason::KindNotCollected { kind }));
        out.extend(
            self.terms.into_iter().map(|(term, items)| Reason::UnsupportedTerm { term, items }),
        );
        out.extend(self.never.into_iter().map(|((code, term), items)| Reason::NeverMatchingItem {
            code,
            term,
            items,
        }));
        out.extend(self.fields.into_iter().map(|((f, unobservable), objects)| {
            if unobservable {
                Reason::NotObservable { term: f.name(), objects }
            } else {
                Reason::FieldNotAvailable { term: f.name(), objects }
            }
        }));
        out.extend(
            self.operators
                .into_iter()
                .map(|(operator, indicators)| Reason::UnknownOperator { operator, indicators }),
        );
        out
    }
}
