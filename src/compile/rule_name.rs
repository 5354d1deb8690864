//! `Yara/RuleName`: a reference to another IOC of the collection by the name of the YARA rule
//! ioc_writer's converter makes of it (one rule per IOC, named from its `short_description`
//! with spaces and parentheses made `_`).
//!
//! The item means "the referenced IOC holds on the same file", so the compiler inlines the
//! referenced IOC's criteria in its place (an OR of its top-level Indicators, lowered by
//! [`super::lower`]): under an AND it binds to the same file as its siblings, like any nested
//! Indicator of file terms. Here: finding the one IOC a name refers to. Not here: cycles and
//! depth, which the lowerer bounds as it inlines.

use crate::model::IocDocument;
use std::collections::HashMap;
use std::sync::OnceLock;

/// The term, which the catalogue does not hold: it names no field of any item.
pub(crate) const TERM: &str = "Yara/RuleName";

/// True when some IndicatorItem of `doc` names another IOC by rule name (such a collection
/// compiles whole: [`super::compile_runs`] cannot inline across runs).
pub(crate) fn names_another(doc: &IocDocument) -> bool {
    // Iterative: the parser caps nesting, a bundle's trees are rebuilt without recursion.
    let mut open: Vec<&crate::model::Indicator> = doc.criteria.iter().collect();
    while let Some(ind) = open.pop() {
        for child in &ind.children {
            match child {
                crate::model::Node::Indicator(sub) => open.push(sub),
                crate::model::Node::Item(item) if item.context.search == TERM => return true,
                crate::model::Node::Item(_) => {}
            }
        }
    }
    false
}

/// The collection's IOCs by converter rule name, indexed on first use (most collections
/// never name a rule).
pub(crate) struct RuleNames<'a> {
    documents: &'a [IocDocument],
    by_name: OnceLock<HashMap<String, Vec<usize>>>,
}

impl<'a> RuleNames<'a> {
    /// The names of `documents`, the whole collection being compiled.
    pub(crate) fn new(documents: &'a [IocDocument]) -> Self {
        RuleNames { documents, by_name: OnceLock::new() }
    }

    /// Document `index` of the collection.
    pub(crate) fn document(&self, index: usize) -> &'a IocDocument {
        &self.documents[index]
    }

    /// The one document whose rule `name` names (as written or mangled); why not otherwise.
    pub(crate) fn resolve(&self, name: &str) -> Result<usize, String> {
        let by_name = self.by_name.get_or_init(|| {
            let mut by_name: HashMap<String, Vec<usize>> = HashMap::new();
            for (i, doc) in self.documents.iter().enumerate() {
                if let Some(short) = doc.metadata.short_description.as_deref() {
                    by_name.entry(mangle(short.trim())).or_default().push(i);
                }
            }
            by_name
        });
        let name = name.trim();
        match by_name.get(&mangle(name)).map(Vec::as_slice) {
            Some([one]) => Ok(*one),
            Some(many) => Err(format!(
                "{} IOCs are named `{name}` (short_description): the rule name is ambiguous",
                many.len()
            )),
            None => Err(format!("no IOC named `{name}` (short_description) in the collection")),
        }
    }
}

/// The converter's rule name of an IOC name: YARA identifiers have no spaces or parentheses.
fn mangle(name: &str) -> String {
    name.replace([' ', '(', ')'], "_")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn named(name: &str) -> IocDocument {
        use crate::compile::tests::{doc11, ind, item};
        let file = item("i", "is", "FileItem/FileName", "string", "a", "");
        let mut doc = doc11("x", &[ind("t", "OR", &[file])]);
        doc.metadata.short_description = Some(name.to_string());
        doc
    }

    #[test]
    fn names_resolve_as_written_or_mangled() {
        let docs = [named("Rule1"), named("Evil dropper (v2)"), named("Twin"), named("Twin")];
        let names = RuleNames::new(&docs);
        assert_eq!(names.resolve("Rule1"), Ok(0));
        assert_eq!(names.resolve(" Rule1 "), Ok(0));
        assert_eq!(names.resolve("Evil_dropper__v2_"), Ok(1));
        assert_eq!(names.resolve("Evil dropper (v2)"), Ok(1));
        assert!(names.resolve("Twin").unwrap_err().contains("ambiguous"));
        assert!(names.resolve("Rule3").unwrap_err().contains("no IOC named `Rule3`"));
    }
}
