//! Lowering: a model [`Indicator`] tree -> a tree of compiled leaves, with every warning.
//!
//! Each IndicatorItem becomes a [`Leaf`]: its term resolved through [`terms::lookup`], its
//! condition and negation decided, its Content parsed as the term's type. Whatever makes an
//! item never match (unsupported term or condition, a condition that does not fit the type,
//! bad or empty Content, bad regex) leaves the leaf without a test and raises a warning at its
//! position that states the effect on the Indicator above it. Indicators get their operator
//! checked. Grouping by item kind is the next step ([`super::group`]).

use super::rule_name::{self, RuleNames};
use super::tree::{BranchInfo, Leaf, LeafId, Never, Op};
use super::value::{self, Cond, ContentError, Test};
use super::yara::{self, YaraString};
use crate::diag::{Code, Diagnostic};
use crate::limits::MAX_NESTING;
use crate::logic;
use crate::model::{Indicator, IndicatorItem, IocDocument, Node, Param, Version};
use crate::source::Position;
use crate::terms::{self, Field, Term, ValueType};
use std::borrow::Cow;
use std::collections::HashMap;
use std::sync::Arc;

/// A lowered Indicator: operator decided, children lowered.
pub(crate) struct LInd {
    pub info: Arc<BranchInfo>,
    /// `None`: unknown operator or no children, the Indicator is never true.
    pub op: Option<Op>,
    pub children: Vec<LNode>,
}

/// A lowered child.
pub(crate) enum LNode {
    Leaf(LeafId),
    Ind(LInd),
}

/// Lowers one document's trees, pushing leaves to `leaves` and warnings to `diags`.
pub(crate) struct Lowerer<'a> {
    doc: &'a IocDocument,
    leaves: &'a mut Vec<Leaf>,
    diags: &'a mut Vec<Diagnostic>,
    /// 1.1 `comment` params by the id they annotate.
    comments: HashMap<&'a str, &'a str>,
    /// `yara/*` params (the converter's string modifiers) by the id they annotate.
    yara_params: HashMap<&'a str, Vec<&'a Param>>,
    /// Terms already resolved in this compilation.
    terms: &'a mut TermCache,
    /// The collection's IOCs by rule name (`Yara/RuleName`).
    names: &'a RuleNames<'a>,
    /// The documents being lowered, outermost first: this one last, the ones that inline it
    /// before it (by index in the collection). A name among them is a cycle.
    inlining: Vec<usize>,
    /// Cycles and depth cuts met while inlining (their warnings belong to the outermost
    /// document, the one reported; an inlined document's own warnings are not repeated).
    inline_problems: Vec<String>,
}

/// Memoises [`terms::lookup`] by search string: a collection repeats a few dozen terms
/// hundreds of thousands of times, and the catalogue lookup is a linear search.
#[derive(Default)]
pub(crate) struct TermCache(HashMap<Box<str>, Option<&'static terms::Term>>);

impl TermCache {
    fn lookup(&mut self, search: &str) -> Option<&'static terms::Term> {
        if let Some(found) = self.0.get(search) {
            return *found;
        }
        let found = terms::lookup(search);
        self.0.insert(search.into(), found);
        found
    }
}

impl<'a> Lowerer<'a> {
    /// A lowerer of `names`' document `inlining.last()` (the documents inlining it before).
    pub(crate) fn new(
        names: &'a RuleNames<'a>,
        inlining: Vec<usize>,
        leaves: &'a mut Vec<Leaf>,
        diags: &'a mut Vec<Diagnostic>,
        terms: &'a mut TermCache,
    ) -> Self {
        let doc = names.document(*inlining.last().expect("the document lowered"));
        let comments = doc
            .parameters
            .iter()
            .filter(|p| p.name.eq_ignore_ascii_case("comment"))
            .filter_map(|p| Some((p.ref_id.as_deref()?, p.value.as_str())))
            .collect();
        let mut yara_params: HashMap<&str, Vec<&Param>> = HashMap::new();
        for p in doc.parameters.iter().filter(|p| p.name.starts_with("yara/")) {
            if let Some(id) = p.ref_id.as_deref() {
                yara_params.entry(id).or_default().push(p);
            }
        }
        let inline_problems = Vec::new();
        Lowerer {
            doc,
            leaves,
            diags,
            comments,
            yara_params,
            terms,
            names,
            inlining,
            inline_problems,
        }
    }

    /// Lowers a top-level Indicator (depth 0).
    pub(crate) fn indicator(&mut self, ind: &Indicator) -> LInd {
        self.lower(ind, 0)
    }

    fn warn(&mut self, code: Code, pos: Option<Position>, msg: String, note: &str) {
        self.push(Warning::new(code, pos, msg, note));
    }

    fn lower(&mut self, ind: &Indicator, depth: u32) -> LInd {
        let set = ind.id.as_deref().and_then(|id| self.yara_params.get(id)).and_then(|ps| {
            ps.iter().find(|p| p.name == "yara/set").map(|p| p.value.trim().to_string())
        });
        let op = match (set, ind.operator.as_str()) {
            // N of the children (ioc_writer's `yara/set`) replaces the operator written.
            (Some(n), _) => self.set_op(ind, &n),
            (None, "AND") => Some(Op::And),
            (None, "OR") => Some(Op::Or),
            (None, other) => {
                self.warn(
                    Code::UnknownOperator,
                    Some(ind.position),
                    format!("unknown Indicator operator `{other}` (expected AND or OR)"),
                    "this Indicator can never match",
                );
                None
            }
        };
        let info = Arc::new(BranchInfo {
            indicator_id: ind.id.clone(),
            operator: match (op, ind.operator.as_str()) {
                (Some(Op::AtLeast(n)), _) => Cow::Owned(Op::AtLeast(n).to_string()),
                (Some(Op::And), _) => Cow::Borrowed("AND"),
                (Some(Op::Or), _) => Cow::Borrowed("OR"),
                (None, other) => Cow::Owned(other.to_string()),
            },
            position: ind.position,
            depth,
        });
        if ind.children.is_empty() {
            // Kept with its operator: an AND or OR of nothing is false (logic's table).
            self.warn(
                Code::EmptyIndicator,
                Some(ind.position),
                "Indicator has no children".into(),
                "this Indicator can never match",
            );
        }
        if depth as usize >= MAX_NESTING {
            // The reader rejects deeper files; a hand-built model is cut here, not recursed.
            self.warn(
                Code::Structure,
                Some(ind.position),
                format!("Indicator nested deeper than {MAX_NESTING} levels"),
                "this Indicator can never match",
            );
            return LInd { info, op: None, children: Vec::new() };
        }
        let effect = match op {
            Some(Op::And) => "this AND branch can never match",
            Some(Op::Or) if ind.children.len() > 1 => {
                "the OR still matches through its other branches"
            }
            Some(Op::Or) => "this OR branch can never match",
            Some(Op::AtLeast(_)) => "its Indicator needs that many of its other children",
            None => "its Indicator can never match anyway",
        };
        let first_warning = self.diags.len();
        let children: Vec<LNode> = ind
            .children
            .iter()
            .map(|child| match child {
                Node::Indicator(sub) => LNode::Ind(self.lower(sub, depth + 1)),
                Node::Item(item) if item.context.search == rule_name::TERM => {
                    self.rule_name(item, effect, depth)
                }
                Node::Item(item) => LNode::Leaf(self.leaf(item, effect)),
            })
            .collect();
        // An OR whose every child fails has no other branch to match through: say so on its
        // own items' warnings (nested Indicators' warnings carry their own effect).
        if op == Some(Op::Or) && !children.iter().any(|c| can_match(c, self.leaves)) {
            let own = "this OR branch can never match";
            for d in &mut self.diags[first_warning..] {
                if d.note.as_deref() == Some(effect) {
                    d.note = Some(own.to_string());
                }
            }
        }
        LInd { info, op, children }
    }

    /// The operator of an Indicator with param `yara/set` `n`: N of its children (an OR for
    /// 1, an AND for all of them); a count that is not between 1 and the number of children
    /// makes the Indicator never match, with a warning.
    fn set_op(&mut self, ind: &Indicator, n: &str) -> Option<Op> {
        let children = ind.children.len();
        match n.parse::<usize>() {
            Ok(1) => Some(Op::Or),
            Ok(n) if n == children => Some(Op::And),
            Ok(n) if n > 1 && n < children => Some(Op::AtLeast(n as u32)),
            _ => {
                self.warn(
                    Code::BadContent,
                    Some(ind.position),
                    format!(
                        "param yara/set `{n}` is not a count between 1 and the Indicator's \
                         {children} children"
                    ),
                    "this Indicator can never match",
                );
                None
            }
        }
    }

    /// A `Yara/RuleName` item at `depth`: the named IOC's criteria inlined as an OR of its
    /// top-level Indicators, or a never-matching leaf with the reason.
    fn rule_name(&mut self, it: &IndicatorItem, effect: &str, depth: u32) -> LNode {
        match self.inline(it, effect, depth) {
            Ok(ind) => LNode::Ind(ind),
            Err(w) => LNode::Leaf(self.leaf_with(it, |_, _| Err(w))),
        }
    }

    fn inline(&mut self, it: &IndicatorItem, effect: &str, depth: u32) -> Result<LInd, Warning> {
        let (negate, _) = flags(it, effect)?;
        if negate {
            let message = format!("negated `{}` is not supported", rule_name::TERM);
            return Err(Warning::new(
                Code::UnsupportedCondition,
                Some(it.position),
                message,
                effect,
            ));
        }
        let name = it.content.text.trim();
        let target = self.names.resolve(name).map_err(|e| {
            Warning::new(
                Code::BadContent,
                content_pos(it),
                format!("{e} for `{}`", rule_name::TERM),
                effect,
            )
        })?;
        let problem = if self.inlining.contains(&target) {
            Some(format!(
                "`{} {name}` refers back to an IOC that refers to it (a cycle)",
                rule_name::TERM
            ))
        } else if depth as usize + 2 >= MAX_NESTING {
            Some(format!(
                "`{} {name}` inlines IOCs nested deeper than {MAX_NESTING} levels",
                rule_name::TERM
            ))
        } else {
            None
        };
        if let Some(problem) = problem {
            // Inside an inlined document the warning would be dropped with the others: the
            // outermost document reports it.
            self.inline_problems.push(problem.clone());
            return Err(Warning::new(Code::BadContent, content_pos(it), problem, effect));
        }
        let mut inlining = self.inlining.clone();
        inlining.push(target);
        // The inlined IOC's own warnings are reported on its own file, not repeated here.
        let mut dropped = Vec::new();
        let mut nested =
            Lowerer::new(self.names, inlining, &mut *self.leaves, &mut dropped, &mut *self.terms);
        let tops: Vec<LNode> = nested
            .doc
            .criteria
            .iter()
            .map(|ind| LNode::Ind(nested.lower(ind, depth + 2)))
            .collect();
        let problems = std::mem::take(&mut nested.inline_problems);
        for problem in problems {
            if self.inlining.len() > 1 {
                self.inline_problems.push(problem);
            } else {
                let note = "that part of the named IOC can never match here";
                self.warn(Code::BadContent, content_pos(it), problem, note);
            }
        }
        let info = Arc::new(BranchInfo {
            indicator_id: it.id.clone(),
            operator: Cow::Borrowed("OR"),
            position: it.position,
            depth: depth + 1,
        });
        Ok(LInd { info, op: Some(Op::Or), children: tops })
    }

    /// Lowers one IndicatorItem; `effect` is what a never-matching leaf does to its parent.
    fn leaf(&mut self, it: &IndicatorItem, effect: &str) -> LeafId {
        self.leaf_with(it, |lowerer, leaf| lowerer.resolve(it, leaf, effect))
    }

    /// Lowers one IndicatorItem whose test `resolve` fills (its error: the item never matches).
    fn leaf_with(
        &mut self,
        it: &IndicatorItem,
        resolve: impl FnOnce(&mut Self, &mut Leaf) -> Result<(), Warning>,
    ) -> LeafId {
        let comment = it.comment.clone().or_else(|| {
            it.id.as_deref().and_then(|id| self.comments.get(id)).map(|c| c.to_string())
        });
        let (cond, base_negate) = match Cond::parse(&it.condition) {
            Some((cond, negated)) => (Some(cond), negated),
            None => (None, false),
        };
        let mut leaf = Leaf {
            field: None,
            test: None,
            cond,
            negate: base_negate,
            fold: true,
            never: None,
            item_id: it.id.clone(),
            position: it.position,
            text: String::new(),
            comment,
        };
        if let Err(w) = resolve(self, &mut leaf) {
            leaf.test = None;
            leaf.never = Some(Never { code: w.code, term: it.context.search.as_str().into() });
            self.push(w);
        }
        leaf.text = card_text(it, &leaf);
        let id = self.leaves.len() as LeafId;
        self.leaves.push(leaf);
        id
    }

    /// Fills the leaf's field and test, step by step as the README's semantics list reads;
    /// returns the warning that makes the item never match, pushes the others.
    fn resolve(
        &mut self,
        it: &IndicatorItem,
        leaf: &mut Leaf,
        effect: &str,
    ) -> Result<(), Warning> {
        let term = self.term(it, effect)?;
        leaf.field = Some(term.field);
        self.note(document_agrees(it, term));
        let cond = leaf.cond.ok_or_else(|| unknown_condition(it, effect))?;
        self.note(native_condition(it, self.doc.version));
        let (negate, preserve) = flags(it, effect)?;
        leaf.negate ^= negate;
        // preserve-case is a 1.1 attribute for string terms (CHG11); digests, numbers, dates
        // and addresses compare case-insensitively whatever it says.
        leaf.fold =
            !(preserve && self.doc.version == Version::V1_1 && term.ty == ValueType::String);
        if let Some(test) = self.yara(it, cond, term, leaf.fold, effect)? {
            leaf.test = Some(test);
            return Ok(());
        }
        condition_fits(it, cond, term, effect)?;
        anomaly_known(it, term, effect)?;
        self.note(content_type_agrees(it, cond, term));
        leaf.test = Some(test(it, cond, term, leaf.fold, effect)?);
        Ok(())
    }

    /// The test of a `Yara/*` item (`None` for other terms): a YARA string with its params, or
    /// a file size in YARA's units.
    fn yara(
        &mut self,
        it: &IndicatorItem,
        cond: Cond,
        term: &Term,
        fold: bool,
        effect: &str,
    ) -> Result<Option<Test>, Warning> {
        let bad =
            |message: String| Warning::new(Code::BadContent, content_pos(it), message, effect);
        match term.field {
            Field::FileYaraTextString | Field::FileYaraHexString | Field::FileYaraRegexString => {
                let params = it.id.as_deref().and_then(|id| self.yara_params.get(id));
                let params: &[&Param] = params.map_or(&[], Vec::as_slice);
                if it.content.text.is_empty() {
                    return Err(Warning::new(
                        Code::EmptyContent,
                        content_pos(it),
                        format!("empty Content for `{}`", term.name),
                        effect,
                    ));
                }
                YaraString::build(term.field, cond, fold, &it.content.text, params)
                    .map(|s| Some(Test::Yara(Arc::new(s))))
                    .map_err(|e| bad(format!("{} for `{}`", e.0, term.name)))
            }
            Field::FileYaraFileSize => {
                let size = yara::parse_file_size(&it.content.text).ok_or_else(|| {
                    bad(format!(
                        "`{}` is not a YARA file size for `{}`",
                        it.content.text.trim(),
                        term.name
                    ))
                })?;
                Ok(Some(match cond {
                    Cond::GreaterThan => Test::IntGt(size),
                    Cond::LessThan => Test::IntLt(size),
                    Cond::Is => Test::IntRange(size, size),
                    other => {
                        return Err(Warning::new(
                            Code::ConditionType,
                            Some(it.position),
                            format!(
                                "condition `{}` does not apply to `{}`",
                                other.as_str(),
                                term.name
                            ),
                            effect,
                        ))
                    }
                }))
            }
            Field::FileYaraRule => self.yara_rule(it, term, effect).map(Some),
            _ => Ok(None),
        }
    }

    /// The test of a `Yara/Yara` item: its source compiled by yara-x (feature `yara`).
    #[cfg(feature = "yara")]
    fn yara_rule(&self, it: &IndicatorItem, term: &Term, effect: &str) -> Result<Test, Warning> {
        if it.content.text.trim().is_empty() {
            let message = format!("empty Content for `{}`", term.name);
            return Err(Warning::new(Code::EmptyContent, content_pos(it), message, effect));
        }
        super::yara_rule::YaraRule::build(&it.content.text)
            .map(|rule| Test::YaraRule(Arc::new(rule)))
            .map_err(|e| {
                let message = format!("YARA rule does not compile for `{}`: {e}", term.name);
                Warning::new(Code::BadContent, content_pos(it), message, effect)
            })
    }

    /// Without the feature `yara` there is no engine: the item is unsupported.
    #[cfg(not(feature = "yara"))]
    fn yara_rule(&self, it: &IndicatorItem, term: &Term, effect: &str) -> Result<Test, Warning> {
        let message = format!(
            "unsupported term `{}`: whole YARA rules need the yara-x engine (build with \
             --features yara)",
            term.name
        );
        Err(Warning::new(Code::UnsupportedTerm, context_pos(it), message, effect))
    }

    /// The term of `Context/@search`, exactly as the catalogue spells it.
    fn term(&mut self, it: &IndicatorItem, effect: &str) -> Result<&'static Term, Warning> {
        let search = it.context.search.as_str();
        self.terms.lookup(search).ok_or_else(|| {
            let note = match terms::suggest(search) {
                Some(right) => format!("did you mean `{right}`? (terms match exactly); {effect}"),
                None => effect.to_string(),
            };
            let message = if search.is_empty() {
                "IndicatorItem without a Context search term".to_string()
            } else {
                format!("unsupported term `{search}`")
            };
            Warning::new(Code::UnsupportedTerm, context_pos(it), message, note)
        })
    }

    fn push(&mut self, w: Warning) {
        let d = Diagnostic::new(w.code, self.doc.file.clone(), w.position, w.message);
        self.diags.push(d.with_note(w.note));
    }

    /// Pushes a warning that does not stop the item from matching.
    fn note(&mut self, w: Option<Warning>) {
        if let Some(w) = w {
            self.push(w);
        }
    }
}

/// A warning about one IndicatorItem, before it is tied to its file.
pub(crate) struct Warning {
    code: Code,
    position: Option<Position>,
    message: String,
    /// The effect (or, for warnings that do not stop the item, what was done instead).
    note: String,
}

impl Warning {
    fn new(
        code: Code,
        position: Option<Position>,
        message: String,
        note: impl Into<String>,
    ) -> Self {
        Warning { code, position, message, note: note.into() }
    }
}

/// A `DetectedAnomalies` condition must name an anomaly iocscan decides: of another, a file
/// cannot be said to be free (it is unsupported, never false).
fn anomaly_known(it: &IndicatorItem, term: &Term, effect: &str) -> Result<(), Warning> {
    use crate::collect::content::PE_ANOMALIES;
    let name = it.content.text.trim();
    if term.field != Field::FilePeDetectedAnomalies
        || PE_ANOMALIES.iter().any(|a| a.eq_ignore_ascii_case(name))
    {
        return Ok(());
    }
    Err(Warning::new(
        Code::UnsupportedTerm,
        content_pos(it),
        format!(
            "`{}` is not an anomaly iocscan detects (it detects {})",
            name,
            PE_ANOMALIES.join(", ")
        ),
        effect,
    ))
}

fn context_pos(it: &IndicatorItem) -> Option<Position> {
    it.context.position.or(Some(it.position))
}

fn content_pos(it: &IndicatorItem) -> Option<Position> {
    it.content.position.or(Some(it.position))
}

/// A `Context/@document` that disagrees with its term: the term's kind wins.
fn document_agrees(it: &IndicatorItem, term: &Term) -> Option<Warning> {
    // The converter's pseudo-document for strings about the scanned file.
    let yara = term.name.starts_with("Yara/") && it.context.document == "Yara";
    (!yara && !term.kind.accepts_document(&it.context.document)).then(|| {
        Warning::new(
            Code::DocumentMismatch,
            context_pos(it),
            format!(
                "Context document `{}` disagrees with term `{}`",
                it.context.document, term.name
            ),
            format!("evaluated on {} items, as the term says", term.kind.document()),
        )
    })
}

fn unknown_condition(it: &IndicatorItem, effect: &str) -> Warning {
    let message = format!("unknown condition `{}`", it.condition);
    Warning::new(Code::UnsupportedCondition, Some(it.position), message, effect)
}

/// Each version's own conditions; the other version's are accepted with a warning.
fn native_condition(it: &IndicatorItem, version: Version) -> Option<Warning> {
    if Cond::native_to(&it.condition, version) {
        return None;
    }
    let other = match version {
        Version::V1_0 => "1.1",
        Version::V1_1 => "1.0",
    };
    let message = format!(
        "condition `{}` is OpenIOC {other} in an OpenIOC {} file",
        it.condition,
        version.as_str()
    );
    Some(Warning::new(Code::OtherVersionCondition, Some(it.position), message, "accepted"))
}

/// `negate` and `preserve-case`: absent is false; a value that is not a boolean makes the
/// item never match.
fn flags(it: &IndicatorItem, effect: &str) -> Result<(bool, bool), Warning> {
    let flag = |name: &str, raw: &Option<String>| match raw.as_deref().map(str::trim) {
        None => Ok(false),
        Some(t) if t.eq_ignore_ascii_case("true") || t == "1" => Ok(true),
        Some(t) if t.eq_ignore_ascii_case("false") || t == "0" => Ok(false),
        Some(t) => {
            let message = format!("`{name}=\"{t}\"` is not a boolean");
            Err(Warning::new(Code::UnsupportedCondition, Some(it.position), message, effect))
        }
    };
    Ok((flag("negate", &it.negate)?, flag("preserve-case", &it.preserve_case)?))
}

/// A condition that makes no sense for the term's type never matches.
fn condition_fits(
    it: &IndicatorItem,
    cond: Cond,
    term: &Term,
    effect: &str,
) -> Result<(), Warning> {
    if cond.fits(term.ty) {
        return Ok(());
    }
    let message = format!(
        "condition `{}` does not apply to {} term `{}`",
        cond.as_str(),
        term.ty.as_str(),
        term.name
    );
    Err(Warning::new(Code::ConditionType, Some(it.position), message, effect))
}

/// A `Content/@type` that disagrees with the term: compared as the term's type.
fn content_type_agrees(it: &IndicatorItem, cond: Cond, term: &Term) -> Option<Warning> {
    let declared = it.content.content_type.as_deref()?;
    let declared_ty = value::content_type(declared);
    // MAC addresses are written as `string` in real files (the catalogue has no MAC type).
    let agrees = declared_ty == Some(term.ty)
        || (term.ty == ValueType::Mac && declared_ty == Some(ValueType::String));
    // Typed values searched as text (`contains` on a digest) are naturally `string`.
    let text_search = !matches!(cond, Cond::Is | Cond::GreaterThan | Cond::LessThan)
        && declared_ty == Some(ValueType::String);
    (!agrees && !text_search).then(|| {
        Warning::new(
            Code::ContentType,
            content_pos(it),
            format!(
                "Content type `{declared}` disagrees with term `{}` of type {}",
                term.name,
                term.ty.as_str()
            ),
            format!("compared as {}", term.ty.as_str()),
        )
    })
}

/// The Content parsed as the term's type: empty or bad Content, or a bad regex, never match.
fn test(
    it: &IndicatorItem,
    cond: Cond,
    term: &Term,
    fold: bool,
    effect: &str,
) -> Result<Test, Warning> {
    value::build_test(cond, term.ty, &it.content.text, fold).map_err(|e| {
        let code = match e {
            ContentError::Empty => Code::EmptyContent,
            ContentError::Bad(_) => Code::BadContent,
            ContentError::Regex(_) => Code::BadRegex,
        };
        Warning::new(code, content_pos(it), format!("{e} for `{}`", term.name), effect)
    })
}

/// True unless a lowered child is false whatever the items (detection).
fn can_match(node: &LNode, leaves: &[Leaf]) -> bool {
    match node {
        LNode::Leaf(l) => leaves[*l as usize].supported(),
        LNode::Ind(ind) => {
            logic::combine(ind.op, ind.children.iter().map(|c| can_match(c, leaves)))
        }
    }
}

/// `FileItem/Md5sum is 0123...`; `is not` / `contains not` when negated; Content as written.
fn card_text(it: &IndicatorItem, leaf: &Leaf) -> String {
    let cond = match leaf.cond {
        Some(c) if leaf.negate => format!("{} not", c.as_str()),
        Some(c) => c.as_str().to_string(),
        None => it.condition.clone(),
    };
    let (search, text) = (it.context.search.as_str(), it.content.text.as_str());
    let mut out = String::with_capacity(search.len() + cond.len() + text.len() + 2);
    for (i, part) in [search, &cond, text].into_iter().enumerate() {
        if i > 0 {
            out.push(' ');
        }
        out.push_str(part);
    }
    out
}
