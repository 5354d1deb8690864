//! The reader: OpenIOC 1.0 and 1.1 XML bytes -> [`IocDocument`].
//!
//! SKELETON: the parse helper replaces this body.

use crate::diag::Diagnostic;
use crate::model::IocDocument;
use std::path::Path;

/// A parsed document with the warnings the reader raised (structure oddities, duplicate ids).
#[derive(Clone, Debug)]
pub struct Parsed {
    /// The document.
    pub document: IocDocument,
    /// Warnings about the file; none of them rejected it.
    pub warnings: Vec<Diagnostic>,
}

/// Parses one IOC file's bytes (already size-checked). `file` names the file in diagnostics.
///
/// # Errors
/// A [`Diagnostic`] of severity error when the file must be rejected (broken XML, wrong root,
/// missing id, nesting or node-count limits, undecodable text).
pub fn parse(file: &Path, bytes: &[u8]) -> Result<Parsed, Diagnostic> {
    let _ = (file, bytes);
    todo!("parse")
}
