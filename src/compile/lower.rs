//! Lowering: a model [`Indicator`] tree -> a tree of compiled leaves, with every warning.
//!
//! Each IndicatorItem becomes a [`Leaf`]: its term resolved through [`terms::lookup`], its
//! condition and negation decided, its Content parsed as the term's type. Whatever makes an
//! item never match (unsupported term or condition, a condition that does not fit the type,
//! bad or empty Content, bad regex) leaves the leaf without a test and raises a warning at its
//! position that states the effect on the Indicator above it. Indicators get their operator
//! checked. Grouping by item kind is the next step ([`super::group`]).

use super::tree::{BranchInfo, Leaf, LeafId, Op};
use super::value::{self, Cond, ContentError};
use crate::diag::{Code, Diagnostic};
use crate::limits::MAX_NESTING;
use crate::model::{Indicator, IndicatorItem, IocDocument, Node, Version};
use crate::source::Position;
use crate::terms::{self, ValueType};
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
    /// Terms already resolved in this compilation.
    terms: &'a mut TermCache,
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
    pub(crate) fn new(
        doc: &'a IocDocument,
        leaves: &'a mut Vec<Leaf>,
        diags: &'a mut Vec<Diagnostic>,
        terms: &'a mut TermCache,
    ) -> Self {
        let comments = doc
            .parameters
            .iter()
            .filter(|p| p.name.eq_ignore_ascii_case("comment"))
            .filter_map(|p| Some((p.ref_id.as_deref()?, p.value.as_str())))
            .collect();
        Lowerer { doc, leaves, diags, comments, terms }
    }

    /// Lowers a top-level Indicator (depth 0).
    pub(crate) fn indicator(&mut self, ind: &Indicator) -> LInd {
        self.lower(ind, 0)
    }

    fn warn(&mut self, code: Code, pos: Option<Position>, msg: String, note: Option<String>) {
        let mut d = Diagnostic::new(code, self.doc.file.clone(), pos, msg);
        d.note = note;
        self.diags.push(d);
    }

    fn lower(&mut self, ind: &Indicator, depth: u32) -> LInd {
        let info = Arc::new(BranchInfo {
            indicator_id: ind.id.clone(),
            operator: match ind.operator.as_str() {
                "AND" => Cow::Borrowed("AND"),
                "OR" => Cow::Borrowed("OR"),
                other => Cow::Owned(other.to_string()),
            },
            position: ind.position,
            depth,
        });
        let mut op = match ind.operator.as_str() {
            "AND" => Some(Op::And),
            "OR" => Some(Op::Or),
            other => {
                self.warn(
                    Code::UnknownOperator,
                    Some(ind.position),
                    format!("unknown Indicator operator `{other}` (expected AND or OR)"),
                    Some("this Indicator can never match".into()),
                );
                None
            }
        };
        if ind.children.is_empty() {
            self.warn(
                Code::EmptyIndicator,
                Some(ind.position),
                "Indicator has no children".into(),
                Some("this Indicator can never match".into()),
            );
            op = None;
        }
        if depth as usize >= MAX_NESTING {
            // The reader rejects deeper files; a hand-built model is cut here, not recursed.
            self.warn(
                Code::Structure,
                Some(ind.position),
                format!("Indicator nested deeper than {MAX_NESTING} levels"),
                Some("this Indicator can never match".into()),
            );
            return LInd { info, op: None, children: Vec::new() };
        }
        let effect = match op {
            Some(Op::And) => "this AND branch can never match",
            Some(Op::Or) if ind.children.len() > 1 => {
                "the OR still matches through its other branches"
            }
            Some(Op::Or) => "this OR branch can never match",
            None => "its Indicator can never match anyway",
        };
        let children = ind
            .children
            .iter()
            .map(|child| match child {
                Node::Indicator(sub) => LNode::Ind(self.lower(sub, depth + 1)),
                Node::Item(item) => LNode::Leaf(self.leaf(item, effect)),
            })
            .collect();
        LInd { info, op, children }
    }

    /// Lowers one IndicatorItem; `effect` is what a never-matching leaf does to its parent.
    fn leaf(&mut self, it: &IndicatorItem, effect: &str) -> LeafId {
        let comment = it.comment.clone().or_else(|| {
            it.id.as_deref().and_then(|id| self.comments.get(id)).map(|c| c.to_string())
        });
        let (cond_word, base_negate) = condition_words(&it.condition);
        let mut leaf = Leaf {
            field: None,
            test: None,
            cond: cond_word,
            negate: base_negate,
            fold: true,
            item_id: it.id.clone(),
            position: it.position,
            text: String::new(),
            comment,
        };
        let built = self.resolve(it, &mut leaf, effect);
        leaf.text = card_text(it, &leaf);
        if !built {
            leaf.test = None;
        }
        let id = self.leaves.len() as LeafId;
        self.leaves.push(leaf);
        id
    }

    /// Fills the leaf's field and test; false (with a warning) when it can never match.
    fn resolve(&mut self, it: &IndicatorItem, leaf: &mut Leaf, effect: &str) -> bool {
        let ctx_pos = it.context.position.or(Some(it.position));
        let content_pos = it.content.position.or(Some(it.position));
        let search = it.context.search.as_str();
        let Some(term) = self.terms.lookup(search) else {
            let note = match terms::suggest(search) {
                Some(right) => format!("did you mean `{right}`? (terms match exactly); {effect}"),
                None => effect.to_string(),
            };
            let msg = if search.is_empty() {
                "IndicatorItem without a Context search term".to_string()
            } else {
                format!("unsupported term `{search}`")
            };
            self.warn(Code::UnsupportedTerm, ctx_pos, msg, Some(note));
            return false;
        };
        if it.context.document != term.kind.document() {
            self.warn(
                Code::DocumentMismatch,
                ctx_pos,
                format!(
                    "Context document `{}` disagrees with term `{}`",
                    it.context.document, term.name
                ),
                Some(format!("evaluated on {} items, as the term says", term.kind.document())),
            );
        }
        leaf.field = Some(term.field);

        // Condition: each version's own set, the other's accepted with a warning.
        let Some(cond) = leaf.cond else {
            self.warn(
                Code::UnsupportedCondition,
                Some(it.position),
                format!("unknown condition `{}`", it.condition),
                Some(effect.to_string()),
            );
            return false;
        };
        let own = match self.doc.version {
            Version::V1_0 => {
                matches!(it.condition.as_str(), "is" | "isnot" | "contains" | "containsnot")
            }
            Version::V1_1 => !matches!(it.condition.as_str(), "isnot" | "containsnot"),
        };
        if !own {
            let other = match self.doc.version {
                Version::V1_0 => "1.1",
                Version::V1_1 => "1.0",
            };
            self.warn(
                Code::OtherVersionCondition,
                Some(it.position),
                format!(
                    "condition `{}` is OpenIOC {other} in an OpenIOC {} file",
                    it.condition,
                    self.doc.version.as_str()
                ),
                Some("accepted".into()),
            );
        }
        let flag = |name: &str, raw: &Option<String>| -> Result<bool, String> {
            match raw.as_deref().map(str::trim) {
                None => Ok(false),
                Some(t) if t.eq_ignore_ascii_case("true") || t == "1" => Ok(true),
                Some(t) if t.eq_ignore_ascii_case("false") || t == "0" => Ok(false),
                Some(t) => Err(format!("`{name}=\"{t}\"` is not a boolean")),
            }
        };
        let (negate, preserve) =
            match (flag("negate", &it.negate), flag("preserve-case", &it.preserve_case)) {
                (Ok(n), Ok(p)) => (n, p),
                (Err(msg), _) | (_, Err(msg)) => {
                    self.warn(
                        Code::UnsupportedCondition,
                        Some(it.position),
                        msg,
                        Some(effect.to_string()),
                    );
                    return false;
                }
            };
        leaf.negate ^= negate;
        // preserve-case is a 1.1 attribute for string terms (CHG11); digests, numbers, dates
        // and addresses compare case-insensitively whatever it says.
        leaf.fold =
            !(preserve && self.doc.version == Version::V1_1 && term.ty == ValueType::String);
        if !cond.fits(term.ty) {
            self.warn(
                Code::ConditionType,
                Some(it.position),
                format!(
                    "condition `{}` does not apply to {} term `{}`",
                    cond.as_str(),
                    term.ty.as_str(),
                    term.name
                ),
                Some(effect.to_string()),
            );
            return false;
        }
        if let Some(declared) = it.content.content_type.as_deref() {
            let declared_ty = value::content_type(declared);
            // MAC addresses are written as `string` in real files (the catalogue has no MAC type).
            let agrees = declared_ty == Some(term.ty)
                || (term.ty == ValueType::Mac && declared_ty == Some(ValueType::String));
            // Typed values searched as text (`contains` on a digest) are naturally `string`.
            let text_search = cond != Cond::Is
                && cond != Cond::GreaterThan
                && cond != Cond::LessThan
                && declared_ty == Some(ValueType::String);
            if !agrees && !text_search {
                self.warn(
                    Code::ContentType,
                    content_pos,
                    format!(
                        "Content type `{declared}` disagrees with term `{}` of type {}",
                        term.name,
                        term.ty.as_str()
                    ),
                    Some(format!("compared as {}", term.ty.as_str())),
                );
            }
        }
        match value::build_test(cond, term.ty, &it.content.text, leaf.fold) {
            Ok(test) => {
                leaf.test = Some(test);
                true
            }
            Err(e) => {
                let code = match e {
                    ContentError::Empty => Code::EmptyContent,
                    ContentError::Bad(_) => Code::BadContent,
                    ContentError::Regex(_) => Code::BadRegex,
                };
                self.warn(
                    code,
                    content_pos,
                    format!("{e} for `{}`", term.name),
                    Some(effect.to_string()),
                );
                false
            }
        }
    }
}

/// The condition of an `@condition` value and whether it negates (1.0 `isnot`/`containsnot`).
fn condition_words(condition: &str) -> (Option<Cond>, bool) {
    match condition {
        "is" => (Some(Cond::Is), false),
        "isnot" => (Some(Cond::Is), true),
        "contains" => (Some(Cond::Contains), false),
        "containsnot" => (Some(Cond::Contains), true),
        "matches" => (Some(Cond::Matches), false),
        "starts-with" => (Some(Cond::StartsWith), false),
        "ends-with" => (Some(Cond::EndsWith), false),
        "greater-than" => (Some(Cond::GreaterThan), false),
        "less-than" => (Some(Cond::LessThan), false),
        _ => (None, false),
    }
}

/// `FileItem/Md5sum is 0123...`; `is not` / `contains not` when negated; Content as written.
fn card_text(it: &IndicatorItem, leaf: &Leaf) -> String {
    let cond = match leaf.cond {
        Some(c) if leaf.negate => format!("{} not", c.as_str()),
        Some(c) => c.as_str().to_string(),
        None => it.condition.clone(),
    };
    format!("{} {} {}", it.context.search, cond, it.content.text)
}
