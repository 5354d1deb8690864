//! Loading IOC files: files and folders -> sorted files -> parsed documents, with the
//! checks across files (size limit before parsing, unique IOC ids across files); then, for
//! [`load_ruleset`], compiled.
//!
//! ```text
//! paths --expand (walkdir, sorted, no symlinks)--> files --fsread, capped--> bytes
//!       --parse::parse (in parallel)--> IocDocument --unique id (in path order)--> Loaded
//!       --compile::compile--> LoadedRuleset
//! ```
//!
//! Explicit paths are taken whatever their extension; folders are searched recursively for
//! `.ioc` and `.xml` files (case-insensitive), without following symbolic links. Every problem
//! becomes a diagnostic on its file; nothing here aborts the load. Files are opened
//! non-blocking and checked to be regular before reading, so a FIFO or device never blocks
//! the loader ([`crate::fsread`]). Compiling is [`crate::compile`](mod@crate::compile)'s; [`load_ruleset`] only calls
//! it.

use crate::bundle;
use crate::compile::{self, Ruleset};
use crate::diag::{Code, Diagnostic};
use crate::fsread::{self, Refusal};
use crate::limits::MAX_IOC_FILE_BYTES;
use crate::model::IocDocument;
use crate::parse;
use crate::source::Position;
use rayon::prelude::*;
use std::collections::HashMap;
use std::path::{Path, PathBuf};

/// A loaded and compiled set of IOC files.
#[derive(Debug)]
pub struct LoadedRuleset {
    /// The compiled IOCs of every file that loaded.
    pub ruleset: Ruleset,
    /// Loader errors and warnings, then compiler warnings, in file order.
    pub diagnostics: Vec<Diagnostic>,
    /// IOC files considered.
    pub files_seen: usize,
    /// IOC files rejected (each has an error among `diagnostics`).
    pub files_rejected: Vec<PathBuf>,
}

impl LoadedRuleset {
    /// Files that loaded.
    pub fn files_loaded(&self) -> usize {
        self.files_seen.saturating_sub(self.files_rejected.len())
    }

    /// Number of warnings among the diagnostics.
    pub fn warnings(&self) -> usize {
        self.diagnostics.iter().filter(|d| !d.is_error()).count()
    }
}

/// Loads every IOC file under `paths` (files, or folders searched for `.ioc`/`.xml`) and
/// compiles what loaded. Never fails as a whole: problems are diagnostics.
///
/// A single bundle (the central server's case: one compiled collection) is loaded by
/// [`bundle::load`], which compiles it chunk by chunk without holding its documents whole:
/// the same result, in a fraction of the memory and time.
pub fn load_ruleset<P: AsRef<Path>>(paths: &[P]) -> LoadedRuleset {
    load(paths, bundle::load)
}

/// [`load_ruleset`], where a bundle is also checked whole: every chunk against its digest,
/// those a scan would leave dormant too (`iocscan check`: a bundle is validated before it is
/// handed to a fleet).
pub fn check_ruleset<P: AsRef<Path>>(paths: &[P]) -> LoadedRuleset {
    load(paths, bundle::load_checked)
}

fn load<P: AsRef<Path>>(
    paths: &[P],
    load_bundle: fn(&Path) -> Result<LoadedRuleset, bundle::BundleError>,
) -> LoadedRuleset {
    if let [path] = paths {
        let path = path.as_ref();
        if path.is_file() && bundle::is_bundle(path) {
            return load_bundle(path).unwrap_or_else(|e| {
                let (ruleset, _) = compile::compile(&[]);
                LoadedRuleset {
                    ruleset,
                    diagnostics: vec![bundle_refused(path, &e)],
                    files_seen: 1,
                    files_rejected: vec![path.to_path_buf()],
                }
            });
        }
    }
    let loaded = load_paths(paths);
    let (ruleset, warnings) = compile::compile(&loaded.documents);
    let mut diagnostics = loaded.diagnostics;
    diagnostics.extend(warnings);
    LoadedRuleset {
        ruleset,
        diagnostics,
        files_seen: loaded.files_seen,
        files_rejected: loaded.files_rejected,
    }
}

/// The IOC documents that loaded from some paths, and every diagnostic.
#[derive(Clone, Debug, Default)]
pub struct Loaded {
    /// Loaded documents, in sorted path order.
    pub documents: Vec<IocDocument>,
    /// Errors (one per rejected file) and warnings, in file order.
    pub diagnostics: Vec<Diagnostic>,
    /// Files considered (explicit paths plus `.ioc`/`.xml` files found in folders).
    pub files_seen: usize,
    /// Files rejected.
    pub files_rejected: Vec<PathBuf>,
}

/// A file to load, or a problem found while looking for files, at its place in path order.
struct Candidate {
    path: PathBuf,
    /// Set when the path cannot be loaded at all (missing, unreadable folder entry).
    problem: Option<Diagnostic>,
}

/// Loads every IOC file named by `paths` (files, or folders searched recursively for `.ioc`
/// and `.xml` files). Never fails as a whole: problems become diagnostics.
pub fn load_paths<P: AsRef<Path>>(paths: &[P]) -> Loaded {
    let mut candidates = Vec::new();
    for path in paths {
        expand(path.as_ref(), &mut candidates);
    }
    candidates.sort_by(|a, b| a.path.cmp(&b.path));
    candidates.dedup_by(|a, b| a.path == b.path && a.problem.is_none() && b.problem.is_none());

    // Reading and parsing are independent per file: do them in parallel (rayon keeps the
    // order), then apply the id check across files sequentially in sorted path order.
    let outcomes: Vec<(PathBuf, Result<Outcome, Diagnostic>)> = candidates
        .into_par_iter()
        .map(|candidate| {
            let outcome = match candidate.problem {
                Some(problem) => Err(problem),
                None => load_file(&candidate.path),
            };
            (candidate.path, outcome)
        })
        .collect();

    let mut loaded = Loaded { files_seen: outcomes.len(), ..Loaded::default() };
    let mut loaded_ids: HashMap<String, (PathBuf, Position)> = HashMap::new();
    for (path, outcome) in outcomes {
        let parsed = match outcome {
            Ok(Outcome::File(parsed)) => Ok(parsed),
            Ok(Outcome::Bundle(bundle)) => {
                // The bundle stands for the files it was compiled from, checked again here
                // against the other paths' ids.
                let b = bundle.loaded;
                loaded.files_seen = (loaded.files_seen + b.files_seen).saturating_sub(1);
                loaded.files_rejected.extend(b.files_rejected);
                loaded.diagnostics.extend(b.diagnostics);
                for document in b.documents {
                    let file = document.file.clone();
                    match unique(parse::Parsed { document, warnings: Vec::new() }, &mut loaded_ids)
                    {
                        Ok(parsed) => loaded.documents.push(parsed.document),
                        Err(error) => {
                            loaded.diagnostics.push(error);
                            loaded.files_rejected.push(file);
                        }
                    }
                }
                continue;
            }
            Err(e) => Err(e),
        };
        match parsed.and_then(|p| unique(p, &mut loaded_ids)) {
            Ok(parsed) => {
                loaded.diagnostics.extend(parsed.warnings);
                loaded.documents.push(parsed.document);
            }
            Err(error) => {
                loaded.diagnostics.push(error);
                loaded.files_rejected.push(path);
            }
        }
    }
    loaded
}

/// What one path loaded: an IOC file's document, or a bundle's collection.
// Files are the common case: one value per path, moved once.
#[allow(clippy::large_enum_variant)]
enum Outcome {
    File(parse::Parsed),
    Bundle(Box<bundle::Bundle>),
}

/// Adds `path` (a file, or the IOC files of a folder) to `out`.
fn expand(path: &Path, out: &mut Vec<Candidate>) {
    match std::fs::metadata(path) {
        Ok(meta) if meta.is_dir() => walk(path, out),
        Ok(_) => out.push(Candidate { path: path.to_path_buf(), problem: None }),
        Err(e) => {
            let problem = io_error(path, &e);
            out.push(Candidate { path: path.to_path_buf(), problem: Some(problem) });
        }
    }
}

/// The `.ioc`/`.xml` files under `dir`, symbolic links not followed.
fn walk(dir: &Path, out: &mut Vec<Candidate>) {
    for entry in walkdir::WalkDir::new(dir).follow_links(false).sort_by_file_name() {
        match entry {
            Ok(entry) => {
                if !entry.file_type().is_dir()
                    && !entry.path_is_symlink()
                    && has_ioc_extension(entry.path())
                {
                    out.push(Candidate { path: entry.into_path(), problem: None });
                }
            }
            Err(e) => {
                let path = e.path().unwrap_or(dir).to_path_buf();
                let message = format!("cannot search folder: {}", walk_reason(&e));
                let problem = Diagnostic::new(Code::Io, &path, None, message);
                out.push(Candidate { path, problem: Some(problem) });
            }
        }
    }
}

fn walk_reason(e: &walkdir::Error) -> String {
    match e.io_error() {
        Some(io) => io.to_string(),
        None => e.to_string(),
    }
}

/// True for `.ioc` and `.xml`, in any case.
fn has_ioc_extension(path: &Path) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| e.eq_ignore_ascii_case("ioc") || e.eq_ignore_ascii_case("xml"))
}

fn io_error(path: &Path, e: &std::io::Error) -> Diagnostic {
    Diagnostic::new(Code::Io, path, None, format!("cannot read: {e}"))
}

/// Reads and parses one file, with every check that comes before parsing; a file that starts
/// with the bundle magic is read as a bundle ([`crate::bundle`]).
fn load_file(path: &Path) -> Result<Outcome, Diagnostic> {
    let bundle_error = |e: bundle::BundleError| bundle_refused(path, &e);
    let bytes = match fsread::read_regular_capped(path, MAX_IOC_FILE_BYTES) {
        // Bundles are larger than IOC files: the magic decides, not the size.
        Err(e)
            if matches!(fsread::refusal(&e), Some(Refusal::TooLarge { .. }))
                && bundle::is_bundle(path) =>
        {
            return bundle::read(path).map(|b| Outcome::Bundle(Box::new(b))).map_err(bundle_error);
        }
        other => other,
    };
    let bytes = bytes.map_err(|e| match fsread::refusal(&e) {
        Some(Refusal::NotRegular { what }) => {
            let message = format!("not a regular file ({what})");
            Diagnostic::new(Code::Io, path, None, message).with_note("it was not opened")
        }
        Some(Refusal::TooLarge { size, .. }) => {
            let message = format!(
                "file is {size} bytes or more, larger than the {MAX_IOC_FILE_BYTES}-byte limit"
            );
            Diagnostic::new(Code::Size, path, None, message).with_note("rejected before parsing")
        }
        _ => io_error(path, &e),
    })?;
    if bytes.starts_with(bundle::MAGIC) {
        return bundle::decode(&bytes).map(|b| Outcome::Bundle(Box::new(b))).map_err(bundle_error);
    }
    parse::parse(path, &bytes).map(Outcome::File)
}

/// The error of a bundle refused whole.
fn bundle_refused(path: &Path, e: &bundle::BundleError) -> Diagnostic {
    Diagnostic::new(Code::Io, path, None, e.to_string()).with_note(e.code())
}

/// Rejects a document whose id an earlier file already provided.
fn unique(
    parsed: parse::Parsed,
    loaded: &mut HashMap<String, (PathBuf, Position)>,
) -> Result<parse::Parsed, Diagnostic> {
    let doc = &parsed.document;
    if let Some((first, first_position)) = loaded.get(&doc.id) {
        let message = format!(
            "IOC id `{}` was already loaded from `{}`; `{}` is rejected",
            doc.id,
            first.display(),
            doc.file.display()
        );
        let d = Diagnostic::new(Code::DuplicateIocId, &doc.file, Some(doc.position), message)
            .with_note("the earlier file stays loaded")
            .with_related(first, *first_position);
        return Err(d);
    }
    loaded.insert(doc.id.clone(), (doc.file.clone(), doc.position));
    Ok(parsed)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::fs;

    fn ioc(id: &str) -> String {
        format!(
            "<ioc xmlns=\"http://schemas.mandiant.com/2010/ioc\" id=\"{id}\"><definition>\
             <Indicator operator=\"OR\"><IndicatorItem condition=\"is\"><Context document=\"FileItem\" \
             search=\"FileItem/Md5sum\"/><Content>d41d8cd98f00b204e9800998ecf8427e</Content>\
             </IndicatorItem></Indicator></definition></ioc>"
        )
    }

    fn codes(c: &Loaded) -> Vec<&'static str> {
        c.diagnostics.iter().map(|d| d.code.as_str()).collect()
    }

    #[test]
    fn folders_are_searched_sorted_and_filtered() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        fs::create_dir_all(root.join("sub/deeper")).unwrap();
        fs::write(root.join("b.ioc"), ioc("b")).unwrap();
        fs::write(root.join("a.XML"), ioc("a")).unwrap();
        fs::write(root.join("sub/deeper/c.Ioc"), ioc("c")).unwrap();
        fs::write(root.join("notes.txt"), "not an ioc").unwrap();
        fs::write(root.join("explicit.txt"), ioc("e")).unwrap();
        let c = load_paths(&[root.to_path_buf(), root.join("explicit.txt")]);
        let ids: Vec<&str> = c.documents.iter().map(|d| d.id.as_str()).collect();
        assert_eq!(ids, ["a", "b", "e", "c"]);
        assert_eq!(c.files_seen, 4);
        assert!(c.diagnostics.is_empty(), "{:?}", c.diagnostics);
    }

    #[test]
    fn the_same_file_twice_loads_once() {
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("a.ioc");
        fs::write(&f, ioc("a")).unwrap();
        let c = load_paths(&[&f, &f]);
        assert_eq!((c.documents.len(), c.files_seen), (1, 1));
    }

    #[test]
    fn duplicate_ids_keep_the_first_file() {
        let dir = tempfile::tempdir().unwrap();
        fs::create_dir(dir.path().join("z")).unwrap();
        fs::write(dir.path().join("a.ioc"), ioc("same")).unwrap();
        fs::write(dir.path().join("z/b.ioc"), ioc("same")).unwrap();
        let c = load_paths(&[dir.path()]);
        assert_eq!(c.documents.len(), 1);
        assert!(c.documents[0].file.ends_with("a.ioc"));
        assert_eq!(codes(&c), ["E-duplicate-ioc-id"]);
        let msg = &c.diagnostics[0].message;
        assert!(msg.contains("a.ioc") && msg.contains("b.ioc"), "{msg}");
        let related = c.diagnostics[0].related.as_ref().expect("the first file, as data");
        assert_eq!(related.file, dir.path().join("a.ioc"));
        assert_eq!(related.position, c.documents[0].position);
        assert_eq!(c.files_rejected, [dir.path().join("z/b.ioc")]);
    }

    #[test]
    fn problems_do_not_stop_the_collection() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        fs::write(root.join("a.ioc"), "<ioc").unwrap();
        fs::write(root.join("b.ioc"), ioc("b")).unwrap();
        let big = vec![b' '; MAX_IOC_FILE_BYTES as usize + 1];
        fs::write(root.join("c.ioc"), big).unwrap();
        let c = load_paths(&[root.to_path_buf(), root.join("missing.ioc")]);
        assert_eq!(c.documents.len(), 1);
        assert_eq!(codes(&c), ["E-xml", "E-size", "E-io"]);
        assert!(c.diagnostics[1].message.contains("3145729 bytes"), "{}", c.diagnostics[1]);
        assert_eq!(c.files_rejected.len(), 3);
        assert_eq!(c.files_seen, 4);
    }

    #[test]
    fn exactly_the_limit_is_accepted_for_reading() {
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("a.ioc");
        let mut text = ioc("a").into_bytes();
        text.resize(MAX_IOC_FILE_BYTES as usize, b' ');
        fs::write(&f, text).unwrap();
        let c = load_paths(&[&f]);
        assert_eq!(c.documents.len(), 1, "{:?}", c.diagnostics);
    }

    #[cfg(unix)]
    #[test]
    fn fifo_and_symlinks_are_not_followed() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        let fifo = root.join("pipe.ioc");
        let status = std::process::Command::new("mkfifo").arg(&fifo).status();
        if !status.is_ok_and(|s| s.success()) {
            eprintln!("mkfifo unavailable: skipping the FIFO part");
            return;
        }
        let outside = tempfile::tempdir().unwrap();
        fs::write(outside.path().join("x.ioc"), ioc("x")).unwrap();
        std::os::unix::fs::symlink(outside.path(), root.join("link")).unwrap();
        std::os::unix::fs::symlink(outside.path().join("x.ioc"), root.join("l.ioc")).unwrap();
        let c = load_paths(&[root]);
        assert_eq!(codes(&c), ["E-io"]);
        assert!(c.diagnostics[0].message.contains("not a regular file (a FIFO)"));
        assert!(c.documents.is_empty());
        // An explicit symlink is the user's choice and is followed.
        let c = load_paths(&[root.join("l.ioc")]);
        assert_eq!(c.documents.len(), 1);
    }

    #[cfg(unix)]
    #[test]
    fn unreadable_file_reports_the_os_reason() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("a.ioc");
        fs::write(&f, ioc("a")).unwrap();
        fs::set_permissions(&f, fs::Permissions::from_mode(0o000)).unwrap();
        if fs::File::open(&f).is_ok() {
            eprintln!("running as a user who reads anything: skipping");
            return;
        }
        let c = load_paths(&[&f]);
        assert_eq!(codes(&c), ["E-io"]);
        assert!(c.diagnostics[0].message.contains("ermission denied"));
    }
}
