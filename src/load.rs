//! Loading a collection: files and folders -> sorted files -> parsed documents, with the
//! collection-wide checks (size limit before parsing, unique IOC ids across files).
//!
//! SKELETON: the parse helper replaces this body.

use crate::diag::Diagnostic;
use crate::model::IocDocument;
use std::path::{Path, PathBuf};

/// The outcome of loading a collection: the documents that loaded and every diagnostic.
#[derive(Clone, Debug, Default)]
pub struct Collection {
    /// Loaded documents, in sorted path order.
    pub documents: Vec<IocDocument>,
    /// Errors (one per rejected file) and warnings, in file order.
    pub diagnostics: Vec<Diagnostic>,
    /// Files considered (explicit paths plus `.ioc`/`.xml` files found in folders).
    pub files_seen: usize,
    /// Files rejected.
    pub files_rejected: Vec<PathBuf>,
}

/// Loads every IOC file named by `paths` (files, or folders searched recursively for `.ioc`
/// and `.xml` files). Never fails as a whole: problems become diagnostics.
pub fn load_paths<P: AsRef<Path>>(paths: &[P]) -> Collection {
    let _ = paths;
    todo!("load_paths")
}
