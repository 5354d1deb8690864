//! The compiler: [`IocDocument`]s -> an immutable [`Ruleset`].
//!
//! SKELETON: the engine helper replaces this body.

use crate::diag::Diagnostic;
use crate::item::ItemKind;
use crate::model::IocDocument;
use crate::terms::FieldSet;

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
