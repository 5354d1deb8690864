//! The compiler: [`IocDocument`]s -> an immutable [`Ruleset`].
//!
//! SKELETON: the engine helper replaces this body.

use crate::diag::Diagnostic;
use crate::item::ItemKind;
use crate::model::IocDocument;
use crate::terms::Field;

/// What a ruleset needs collected: item kinds and fields.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Requirements {
    /// Item kinds referenced by at least one supported IndicatorItem.
    pub kinds: Vec<ItemKind>,
    /// Fields referenced (all kinds), sorted.
    pub fields: Vec<Field>,
}

/// Compiled IOCs, immutable and shareable across threads.
#[derive(Debug)]
pub struct Ruleset {}

/// Compiles documents into a ruleset; semantic problems become warnings, never errors.
pub fn compile(documents: &[IocDocument]) -> (Ruleset, Vec<Diagnostic>) {
    let _ = documents;
    todo!("compile")
}

impl Ruleset {
    /// Number of compiled IOCs.
    pub fn len(&self) -> usize {
        todo!()
    }

    /// True when no IOC was compiled.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// What a scan must collect for this ruleset.
    pub fn requirements(&self) -> &Requirements {
        todo!()
    }

    /// IndicatorItems that can never match (unsupported term, bad content, ...).
    pub fn unsupported_items(&self) -> usize {
        todo!()
    }
}
