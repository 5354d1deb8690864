//! IOC bundles: a loaded IOC collection (its documents, the loader's diagnostics, the names
//! of the files it came from) saved in one binary file, so that a large collection loads in
//! a fraction of the time its XML takes to parse.
//!
//! ```text
//! "IOCSBNDL"  format version (u32 LE)  BLAKE3 of the index (32 bytes)  body length (u64 LE)
//! body:  index: [len u64][postcard head: tool, sources, files_seen, files_rejected,
//!                         diagnostics, rule_names, compiled: (compiler tag, ruleset
//!                         digest, the dormant summaries' sizes in all)]
//!               [chunks u64] ([summary len u64][BLAKE3 of the summary, 32 bytes]
//!                             [chunk len u64][BLAKE3 of the chunk, 32 bytes])...
//!        then per chunk its dormant summary (none: 0 bytes), then the chunk: a postcard
//!        list of up to 4,096 documents
//! ```
//!
//! The chunks hold the document model: a bundle made by one build compiles with the next
//! one's semantics and gets that ruleset's digest. The writer splits the documents into runs
//! (chunks) of IOCs that only exact equality can decide and runs of the others, and stores
//! before each of the first its dormant summary (`compile::dormant`: keys, triggers, group
//! kinds, identities, warnings), and in the head the ruleset's digest, tagged with its
//! compiler (`compile::compiler_tag`). The build that wrote them loads such a run from its
//! summary alone (summaries are read, checked and decoded in parallel, one per worker, and
//! their texts stay where they were read: no copy per key or id) and compiles its chunk
//! only when a scan first needs it (an item holds one of its
//! keys or lacks a field it reads; a card, an explanation or the IOC list needs it): 100,000
//! hash IOCs load in the time of a few. Another build ignores the summaries and compiles
//! every chunk. The other chunks are read when their turn comes, checked against their own
//! digests, decoded and compiled on their own workers, and dropped once compiled ([`load`]),
//! so neither the file nor the documents are ever in memory whole (a collection whose IOCs
//! name each other by `Yara/RuleName`, flagged in the head, compiles whole, without
//! summaries).
//!
//! Loading checks the magic, the version, the length and the index's digest before decoding
//! anything, and every summary's and compiled chunk's digest before decoding it; a result
//! is returned only when all passed, so a truncated or altered file is
//! refused whole, never half-loaded. A dormant chunk is checked when it wakes: until then
//! the scan reads only its verified summary; a chunk that no longer matches then (the file
//! was altered in place after loading) leaves its IOCs undetermined, never clean.
//! [`load_checked`] (`iocscan check`) checks every chunk at load.
//! Decoding is bounded like any hostile input (size cap, lengths paid for by bytes, nesting
//! capped at [`MAX_NESTING`], no recursion: the Indicator trees are stored flat, in
//! pre-order). Paths are stored as their lossless text ([`crate::path_text`]). Loading a
//! bundle among other paths is [`crate::load::load_paths`]'s (a bundle is detected by its
//! magic, whatever its name); this module reads and writes the format.

use crate::diag::{Code, Diagnostic, Related, Severity};
use crate::limits::{MAX_BUNDLE_BYTES, MAX_NESTING};
use crate::load::Loaded;
use crate::model::{Indicator, IndicatorItem, IocDocument, Metadata, Node, Param, Version};
use crate::path_text::{escape_owned, unescape};
use crate::source::Position;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use std::borrow::Cow;
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};

/// The first bytes of a bundle.
pub const MAGIC: &[u8; 8] = b"IOCSBNDL";

/// The bundle format version this build writes and reads.
pub const BUNDLE_VERSION: u32 = 5;

/// Bytes before the body: magic, version, the index's digest, body length.
const HEADER: usize = 8 + 4 + 32 + 8;

/// Bytes of one index entry: a summary's and a chunk's length and digest.
const ENTRY: usize = 2 * (8 + 32);

/// Why a bundle was refused; each variant has a stable [`BundleError::code`].
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum BundleError {
    /// The file could not be read.
    #[error("cannot read IOC bundle: {0}")]
    Io(#[from] io::Error),
    /// The file does not start with the bundle magic.
    #[error("not an iocscan IOC bundle")]
    NotABundle,
    /// The bundle was written in another format version.
    #[error("IOC bundle format version {found} is not supported (this build reads version {BUNDLE_VERSION}); rebuild it with `iocscan compile`")]
    Version {
        /// The version in the file.
        found: u32,
    },
    /// The file is larger than [`MAX_BUNDLE_BYTES`].
    #[error("IOC bundle of {size} bytes is larger than the {MAX_BUNDLE_BYTES}-byte limit")]
    TooLarge {
        /// Its size (or its announced body size).
        size: u64,
    },
    /// The body is shorter or longer than the header says, or does not match its digest.
    #[error("IOC bundle is damaged: {0}; nothing was loaded from it")]
    Integrity(String),
    /// The body matches its digest but is not a well-formed bundle.
    #[error("IOC bundle is malformed: {0}; nothing was loaded from it")]
    Corrupt(String),
}

impl BundleError {
    /// The stable code (`bundle-io`, `bundle-not-a-bundle`, `bundle-version`,
    /// `bundle-too-large`, `bundle-integrity`, `bundle-corrupt`).
    pub fn code(&self) -> &'static str {
        match self {
            BundleError::Io(_) => "bundle-io",
            BundleError::NotABundle => "bundle-not-a-bundle",
            BundleError::Version { .. } => "bundle-version",
            BundleError::TooLarge { .. } => "bundle-too-large",
            BundleError::Integrity(_) => "bundle-integrity",
            BundleError::Corrupt(_) => "bundle-corrupt",
        }
    }
}

/// True when the file at `path` starts with the bundle magic (false when it cannot be read:
/// the loader then reports the file as it would any other).
pub fn is_bundle(path: &Path) -> bool {
    let Ok(mut file) = crate::fsread::open_regular(path) else { return false };
    let mut head = [0u8; 8];
    file.read_exact(&mut head).is_ok() && &head == MAGIC
}

/// Writes `loaded` (from the IOC paths `sources`) as a bundle to `out`.
pub fn write<W: Write>(loaded: &Loaded, sources: &[PathBuf], mut out: W) -> io::Result<()> {
    let rule_names = loaded.documents.iter().any(crate::compile::names_another);
    // The runs and their dormant summaries; a collection that inlines by name compiles
    // whole: runs of the chunk size, none dormant.
    let (lengths, summaries, compiled) = if rule_names || loaded.documents.is_empty() {
        let n = loaded.documents.len();
        let lengths = (0..n).step_by(CHUNK_DOCUMENTS).map(|i| CHUNK_DOCUMENTS.min(n - i)).collect();
        (lengths, Vec::new(), None)
    } else {
        let (runs, digest) = crate::compile::summarise(&loaded.documents, CHUNK_DOCUMENTS);
        let lengths: Vec<usize> = runs.iter().map(|(n, _)| *n).collect();
        let summaries: Vec<Option<WRun>> = runs
            .into_iter()
            .map(|(_, run)| {
                run.map(|(summary, diags)| WRun {
                    summary,
                    diagnostics: diags.iter().map(WDiagnostic::from).collect(),
                })
            })
            .collect();
        let mut sizes = [0u64; 4];
        for s in summaries.iter().flatten().map(|r| &r.summary) {
            let each = [s.keys.len(), s.kinds.len(), s.detection.len(), s.unknown.len()];
            sizes.iter_mut().zip(each).for_each(|(total, n)| *total += n as u64);
        }
        let compiler = crate::compile::compiler_tag();
        (lengths, summaries, Some(Compiled { compiler, digest: digest.0, sizes }))
    };
    let head = Head {
        tool: crate::TOOL.to_owned(),
        sources: sources.iter().map(|p| escape_owned(p.as_os_str())).collect(),
        files_seen: loaded.files_seen as u64,
        files_rejected: loaded.files_rejected.iter().map(|p| escape_owned(p.as_os_str())).collect(),
        diagnostics: loaded.diagnostics.iter().map(WDiagnostic::from).collect(),
        rule_names,
        compiled,
    };
    // The documents in chunks (the runs), each its own postcard value with its own digest,
    // so that loading checks, decodes and compiles them in parallel, or leaves them dormant;
    // the same for the summaries.
    let mut runs = Vec::with_capacity(lengths.len());
    lengths.iter().fold(0, |at, n| {
        runs.push(at..at + n);
        at + n
    });
    // Each part is written with its summary (empty when it has none) before it.
    let parts: Vec<[Vec<u8>; 2]> = runs
        .par_iter()
        .enumerate()
        .map(|(i, r)| {
            let summary = match summaries.get(i) {
                Some(Some(run)) => postcard::to_allocvec(run)?,
                _ => Vec::new(),
            };
            let docs = &loaded.documents[r.clone()];
            let chunk =
                postcard::to_allocvec(&docs.iter().map(WDocument::from).collect::<Vec<_>>())?;
            Ok([summary, chunk])
        })
        .collect::<Result<_, postcard::Error>>()
        .map_err(io::Error::other)?;
    let head = postcard::to_allocvec(&head).map_err(io::Error::other)?;
    frame_bundle(&head, &parts, &mut out)?;
    out.flush()
}

/// Writes the header, the index (`head`, then each part's length and digest) and the parts:
/// per chunk its summary (empty when it has none) and its documents.
fn frame_bundle(head: &[u8], parts: &[[Vec<u8>; 2]], out: &mut impl Write) -> io::Result<()> {
    let mut index = Vec::new();
    frame(&mut index, head);
    index.extend_from_slice(&(parts.len() as u64).to_le_bytes());
    for part in parts.iter().flatten() {
        index.extend_from_slice(&(part.len() as u64).to_le_bytes());
        index.extend_from_slice(blake3::hash(part).as_bytes());
    }
    let body_len = index.len() + parts.iter().flatten().map(Vec::len).sum::<usize>();
    out.write_all(MAGIC)?;
    out.write_all(&BUNDLE_VERSION.to_le_bytes())?;
    out.write_all(blake3::hash(&index).as_bytes())?;
    out.write_all(&(body_len as u64).to_le_bytes())?;
    out.write_all(&index)?;
    parts.iter().flatten().try_for_each(|p| out.write_all(p))
}

/// Reads the bundle at `path` (at most [`MAX_BUNDLE_BYTES`]).
pub fn read(path: &Path) -> Result<Bundle, BundleError> {
    let file = BundleFile::open(path)?;
    let verified = verify(&file)?;
    verified.summaries(&file)?;
    let documents = verified.documents(&file)?;
    verified.head()?.into_bundle(documents)
}

/// What a bundle holds.
#[derive(Clone, Debug, Default)]
pub struct Bundle {
    /// The collection: documents, the loader's diagnostics, files seen and rejected.
    pub loaded: Loaded,
    /// The IOC paths the bundle was compiled from.
    pub sources: Vec<PathBuf>,
    /// The program that wrote it.
    pub tool: String,
}

/// Decodes a bundle from its bytes: hostile input, checked whole before anything is used.
pub fn decode(bytes: &[u8]) -> Result<Bundle, BundleError> {
    let verified = verify(bytes)?;
    verified.summaries(bytes)?;
    let documents = verified.documents(bytes)?;
    verified.head()?.into_bundle(documents)
}

/// Loads and compiles the bundle at `path`: what [`crate::load::load_ruleset`] gives for
/// its IOC files, without holding the collection's documents whole, nor the file's bytes
/// (each chunk is read when its turn comes; see the module doc). Refused whole, like
/// [`decode`], when any part is damaged; also refused when two of its IOCs have one id (a
/// bundle `iocscan compile` wrote never has).
pub fn load(path: &Path) -> Result<crate::load::LoadedRuleset, BundleError> {
    load_with(path, false)
}

/// [`load`]; `check_dormant` also checks the dormant chunks' digests now ([`load_checked`]).
fn load_with(path: &Path, check_dormant: bool) -> Result<crate::load::LoadedRuleset, BundleError> {
    let file = std::sync::Arc::new(BundleFile::open(path)?);
    let verified = verify(&*file)?;
    let mut head = verified.head()?;
    let compiled = head.compiled.take().filter(|c| c.compiler == crate::compile::compiler_tag());
    let chunks = &verified.chunks;
    if check_dormant && compiled.is_none() {
        // Summaries this load does not read: checked all the same.
        verified.summaries(&*file)?;
    }
    let (ruleset, warnings) = if head.rule_names {
        crate::compile::compile(&verified.documents(&*file)?)
    } else if let Some(compiled) = compiled {
        // The sizes are a hint for reservations: no larger than the summaries' bytes.
        let bytes = chunks.iter().map(|c| c.summary.len as u64).sum::<u64>();
        let [leaves, groups, detection, unknown] = compiled.sizes.map(|n| n.min(bytes) as usize);
        let sizes = crate::compile::DormantSizes { leaves, groups, detection, unknown };
        let (ruleset, warnings) = crate::compile::assemble_runs(chunks.len(), sizes, |i| {
            let chunk = &chunks[i];
            if chunk.summary.len == 0 {
                return chunk.documents(&*file).map(crate::compile::Run::Documents);
            }
            if check_dormant {
                chunk.bytes(&*file)?;
            }
            let text = chunk.summary_text(&*file)?;
            dormant_run(read_run(&text)?, &text, &file, chunk)
        })?;
        ruleset.set_digest(crate::compile::RulesetDigest(compiled.digest));
        (ruleset, warnings)
    } else {
        crate::compile::compile_runs(chunks.len(), |i| chunks[i].documents(&*file))?
    };
    if let Some(twice) = twice(&ruleset.segment_ids()) {
        let twice = String::from_utf8_lossy(twice);
        return corrupt(format!("IOC id `{twice}` is in the bundle twice"));
    }
    let Bundle { loaded, .. } = head.into_bundle(Vec::new())?;
    let mut diagnostics = loaded.diagnostics;
    diagnostics.extend(warnings);
    Ok(crate::load::LoadedRuleset {
        ruleset,
        diagnostics,
        files_seen: loaded.files_seen,
        files_rejected: loaded.files_rejected,
    })
}

/// A list of ids, as [`twice`] reads them (a segment's: [`crate::compile::SegmentIds`]).
trait Ids: Sync {
    fn count(&self) -> usize;
    fn id(&self, i: usize) -> &[u8];
}

impl Ids for crate::compile::SegmentIds<'_> {
    fn count(&self) -> usize {
        self.len()
    }
    fn id(&self, i: usize) -> &[u8] {
        self.get(i)
    }
}

/// The first id (in list order) that an earlier one equals, if any. Serial, this was a
/// tenth of a 100,000-IOC load, all of it after the parallel part: each id is hashed once
/// on the pool, then each of a few partitions of the hashes is checked on its own (a
/// partition's first repeat is the first of its ids; the earliest of those is the answer
/// a serial pass gives). Nothing is sorted or copied.
fn twice<L: Ids>(lists: &[L]) -> Option<&[u8]> {
    use rayon::prelude::*;
    let hasher = ahash::RandomState::new();
    let hashes: Vec<Vec<u64>> = lists
        .par_iter()
        .map(|ids| (0..ids.count()).map(|i| hasher.hash_one(ids.id(i))).collect())
        .collect();
    let total: usize = hashes.iter().map(Vec::len).sum();
    let parts = (rayon::current_num_threads() * 2).next_power_of_two() as u64;
    // Partitioned by bits a table of fewer than 2^48 entries never indexes by.
    let part = |h: u64| (h >> 48) & (parts - 1);
    let first = (0..parts).into_par_iter().filter_map(|p| {
        let mut seen = hashbrown::HashTable::<(u32, u32)>::with_capacity(total / parts as usize);
        let rehash = |&(l, i): &(u32, u32)| hashes[l as usize][i as usize];
        for (l, list) in hashes.iter().enumerate() {
            for (i, &h) in list.iter().enumerate().filter(|(_, &h)| part(h) == p) {
                // The ids are read only when their hashes meet.
                let same =
                    |&(k, j): &(u32, u32)| lists[k as usize].id(j as usize) == lists[l].id(i);
                if seen.find(h, same).is_some() {
                    return Some((l, i));
                }
                seen.insert_unique(h, (l as u32, i as u32), rehash);
            }
        }
        None
    });
    first.min().map(|(l, i)| lists[l].id(i))
}

/// [`load`], after checking every chunk against its digest, those a scan leaves dormant
/// too: a bundle damaged anywhere is refused whole (`iocscan check`). [`load`] itself checks
/// a dormant chunk only when a scan first needs it: until then the verified index (its
/// summary) is all the scan reads of it.
/// Every chunk is read and hashed once: the compiled ones when compiled, the dormant ones
/// beside their summaries.
pub fn load_checked(path: &Path) -> Result<crate::load::LoadedRuleset, BundleError> {
    load_with(path, true)
}

/// A chunk that stays dormant: its checked summary and warnings now, its documents read,
/// checked and compiled when a scan first needs them. The file stays open for that (a file
/// replaced by a rename since is not seen); a chunk that no longer matches its digest then,
/// or does not compile to what its summary says, gives a body whose IOCs are undetermined
/// with the reason (see `compile::segment::Body::unreadable`).
fn dormant_run(
    run: ReadRun<'_>,
    text: &crate::compile::dormant::Text,
    file: &std::sync::Arc<BundleFile>,
    chunk: &ChunkRef,
) -> Result<crate::compile::Run, BundleError> {
    let checked = run.summary.check(text).map_err(BundleError::Corrupt)?;
    let diagnostics =
        run.diagnostics.into_iter().map(WDiagnostic::into_diagnostic).collect::<Result<_, _>>()?;
    let (file, chunk) = (file.clone(), ChunkRef { ..*chunk });
    let (leaves, kinds) = (checked.keys.len(), checked.kinds.clone());
    let wake: crate::compile::segment::Wake = Box::new(move |identity, leaf0, group0| {
        let why = match chunk.documents(&*file) {
            Ok(documents) => {
                let (body, _) = crate::compile::compile_segment(documents, leaf0, group0);
                let same = body.leaves.len() == leaves
                    && body.groups.len() == kinds.len()
                    && body.groups.iter().zip(&kinds).all(|(g, k)| g.kind == *k)
                    && body.iocs.iter().map(|i| i.info.id.as_str()).eq(identity.ids());
                if same {
                    return body;
                }
                "the bundle's chunk does not compile to its summary".to_owned()
            }
            Err(e) => format!("the bundle changed since it was loaded: {e}"),
        };
        crate::compile::segment::Body::unreadable(leaves, &kinds, identity, &why)
    });
    Ok(crate::compile::Run::Dormant(checked, diagnostics, wake))
}

/// Where a bundle's bytes come from: all in memory ([`decode`]), or read from its file a
/// part at a time ([`BundleFile`]).
trait Source: Sync {
    /// The bundle's size in bytes.
    fn size(&self) -> u64;
    /// Bytes `at..at + len`, which the caller checked lie within [`Source::size`].
    fn bytes(&self, at: u64, len: usize) -> Result<Cow<'_, [u8]>, BundleError>;
}

impl Source for [u8] {
    fn size(&self) -> u64 {
        self.len() as u64
    }

    fn bytes(&self, at: u64, len: usize) -> Result<Cow<'_, [u8]>, BundleError> {
        let truncated = || BundleError::Integrity("the file is truncated".into());
        let at = usize::try_from(at).map_err(|_| truncated())?;
        at.checked_add(len)
            .and_then(|end| self.get(at..end))
            .map(Cow::Borrowed)
            .ok_or_else(truncated)
    }
}

/// A bundle file, read part by part with positioned reads (from any thread): loading
/// holds one chunk per worker, never the whole file.
struct BundleFile {
    file: std::fs::File,
    size: u64,
}

impl BundleFile {
    /// Opens the regular file at `path` (see [`crate::fsread`]), refusing one larger than
    /// [`MAX_BUNDLE_BYTES`] before reading anything.
    fn open(path: &Path) -> Result<BundleFile, BundleError> {
        let file = crate::fsread::open_regular(path)?;
        let size = file.metadata()?.len();
        if size > MAX_BUNDLE_BYTES {
            return Err(BundleError::TooLarge { size });
        }
        Ok(BundleFile { file, size })
    }
}

impl Source for BundleFile {
    fn size(&self) -> u64 {
        self.size
    }

    fn bytes(&self, at: u64, len: usize) -> Result<Cow<'_, [u8]>, BundleError> {
        let mut buf = vec![0; len];
        // A file that shrank since it was opened ends early: damage, like a truncated one.
        crate::fsread::read_exact_at(&self.file, &mut buf, at).map_err(|e| match e.kind() {
            io::ErrorKind::UnexpectedEof => BundleError::Integrity("the file is truncated".into()),
            _ => BundleError::Io(e),
        })?;
        Ok(Cow::Owned(buf))
    }
}

/// A bundle whose header and index passed their checks; its chunks are checked as they are
/// read.
struct Verified {
    /// The head's bytes.
    head: Vec<u8>,
    chunks: Vec<ChunkRef>,
}

impl Verified {
    /// The head.
    fn head(&self) -> Result<Head, BundleError> {
        postcard::from_bytes(&self.head).map_err(corrupt_error)
    }

    /// Checks every dormant summary's digest and, when this build wrote them, its decoding
    /// and contents (another build's summaries are never used: they may name terms this
    /// build's catalogue lacks).
    fn summaries(&self, source: &(impl Source + ?Sized)) -> Result<(), BundleError> {
        let ours =
            self.head()?.compiled.is_some_and(|c| c.compiler == crate::compile::compiler_tag());
        self.chunks.par_iter().filter(|c| c.summary.len > 0).try_for_each(|c| {
            let text = c.summary_text(source)?;
            if !ours {
                return Ok(());
            }
            read_run(&text)?.summary.check(&text).map(drop).map_err(BundleError::Corrupt)
        })
    }

    /// Every chunk's documents, in order (chunks read, checked and decoded in parallel).
    fn documents(&self, source: &(impl Source + ?Sized)) -> Result<Vec<IocDocument>, BundleError> {
        let runs: Vec<Vec<IocDocument>> =
            self.chunks.par_iter().map(|c| c.documents(source)).collect::<Result<_, _>>()?;
        let mut documents = Vec::with_capacity(runs.iter().map(Vec::len).sum());
        runs.into_iter().for_each(|mut run| documents.append(&mut run));
        Ok(documents)
    }
}

/// Where one part of the bundle lies, and the digest the (verified) index gives it.
#[derive(Clone, Copy)]
struct Part {
    at: u64,
    len: usize,
    digest: [u8; 32],
}

impl Part {
    /// The part's bytes, once they match their digest.
    fn bytes<'s>(&self, source: &'s (impl Source + ?Sized)) -> Result<Cow<'s, [u8]>, BundleError> {
        let bytes = source.bytes(self.at, self.len)?;
        if blake3::hash(&bytes) != self.digest {
            return Err(BundleError::Integrity("a chunk's digest does not match".into()));
        }
        Ok(bytes)
    }
}

/// One chunk of documents and the dormant summary before it (none: 0 bytes).
#[derive(Clone, Copy)]
struct ChunkRef {
    summary: Part,
    documents: Part,
}

/// A summary's run, borrowing `text`, the summary's bytes.
fn read_run(text: &[u8]) -> Result<ReadRun<'_>, BundleError> {
    postcard::from_bytes(text).map_err(corrupt_error)
}

impl ChunkRef {
    /// The chunk's bytes, once they match their digest.
    fn bytes<'s>(&self, source: &'s (impl Source + ?Sized)) -> Result<Cow<'s, [u8]>, BundleError> {
        self.documents.bytes(source)
    }

    /// The summary's bytes, once they match their digest, kept for the spans into them.
    fn summary_text(
        &self,
        source: &(impl Source + ?Sized),
    ) -> Result<crate::compile::dormant::Text, BundleError> {
        Ok(std::sync::Arc::new(self.summary.bytes(source)?.into_owned()))
    }

    /// The chunk's documents, once its bytes match their digest.
    fn documents(&self, source: &(impl Source + ?Sized)) -> Result<Vec<IocDocument>, BundleError> {
        let bytes = self.bytes(source)?;
        let docs: Vec<WDocument> = postcard::from_bytes(&bytes).map_err(corrupt_error)?;
        docs.into_iter().map(WDocument::into_document).collect()
    }
}

/// Checks the header, the length and the index's digest, and finds the chunks: the bytes
/// read are the header and the index only.
fn verify(source: &(impl Source + ?Sized)) -> Result<Verified, BundleError> {
    let size = source.size();
    if size > MAX_BUNDLE_BYTES {
        return Err(BundleError::TooLarge { size });
    }
    let header = source.bytes(0, (HEADER as u64).min(size) as usize)?;
    if header.len() < MAGIC.len() || &header[..MAGIC.len()] != MAGIC {
        return Err(BundleError::NotABundle);
    }
    if header.len() < HEADER {
        return Err(BundleError::Integrity("the header is truncated".into()));
    }
    let version = u32::from_le_bytes(header[8..12].try_into().unwrap_or_default());
    if version != BUNDLE_VERSION {
        return Err(BundleError::Version { found: version });
    }
    let digest = &header[12..44];
    let length = u64::from_le_bytes(header[44..52].try_into().unwrap_or_default());
    let body = size - HEADER as u64;
    if length != body {
        return Err(BundleError::Integrity(format!(
            "the body is {body} bytes, the header says {length}"
        )));
    }
    // The index is read before its digest is checked only to find where it ends: nothing
    // of it is used until the digest matched. Every length is checked against the bytes
    // left before anything is read or allocated for it.
    let mut index = Reader { source, at: HEADER as u64, end: size, digest: blake3::Hasher::new() };
    let head_len = index.u64()?;
    let head = index.take(head_len)?;
    let count = index.u64()?;
    // Each entry is ENTRY bytes of the body: `count` cannot make this outrun them.
    let table = index.take(count.saturating_mul(ENTRY as u64))?;
    if index.digest.finalize() != *digest {
        return Err(BundleError::Integrity("the index's digest does not match".into()));
    }
    let (mut at, mut chunks) = (index.at, Vec::with_capacity(table.len() / ENTRY));
    let mut part = |entry: &[u8]| {
        let len = u64::from_le_bytes(entry[..8].try_into().unwrap_or_default());
        let left = size - at;
        match usize::try_from(len).ok().filter(|_| len <= left) {
            Some(n) => {
                let digest = entry[8..40].try_into().unwrap_or_default();
                let part = Part { at, len: n, digest };
                at += len;
                Ok(part)
            }
            None => corrupt(format!("a chunk of {len} bytes in {left} bytes")),
        }
    };
    for entry in table.chunks_exact(ENTRY) {
        let summary = part(&entry[..40])?;
        let documents = part(&entry[40..])?;
        chunks.push(ChunkRef { summary, documents });
    }
    if at != size {
        return corrupt(format!("{} bytes after the last chunk", size - at));
    }
    Ok(Verified { head, chunks })
}

/// Reads the index off the front of the body, hashing what it reads.
struct Reader<'s, S: Source + ?Sized> {
    source: &'s S,
    at: u64,
    end: u64,
    digest: blake3::Hasher,
}

impl<S: Source + ?Sized> Reader<'_, S> {
    /// The next `len` bytes; damage when fewer are left.
    fn take(&mut self, len: u64) -> Result<Vec<u8>, BundleError> {
        if len > self.end - self.at {
            return Err(damaged(BundleError::NotABundle));
        }
        let bytes = self.source.bytes(self.at, len as usize)?.into_owned();
        self.digest.update(&bytes);
        self.at += len;
        Ok(bytes)
    }

    fn u64(&mut self) -> Result<u64, BundleError> {
        let bytes = self.take(8)?;
        Ok(u64::from_le_bytes(bytes[..].try_into().unwrap_or_default()))
    }
}

/// Before the index's digest is checked, a malformed index is damage, not a malformed
/// bundle: the file is not what was written.
fn damaged(_: BundleError) -> BundleError {
    BundleError::Integrity("the index is truncated".into())
}

/// Documents per chunk of a bundle (decoded in parallel).
const CHUNK_DOCUMENTS: usize = 4096;

/// Appends `bytes` with its length before it.
fn frame(out: &mut Vec<u8>, bytes: &[u8]) {
    out.extend_from_slice(&(bytes.len() as u64).to_le_bytes());
    out.extend_from_slice(bytes);
}

// ---- wire form ------------------------------------------------------------------------------

/// Everything but the documents and the summaries.
#[derive(Serialize, Deserialize)]
struct Head {
    tool: String,
    sources: Vec<String>,
    files_seen: u64,
    files_rejected: Vec<String>,
    diagnostics: Vec<WDiagnostic>,
    /// Some document names another by `Yara/RuleName`: the collection compiles whole.
    rule_names: bool,
    /// The dormant summaries, for the build that wrote them.
    compiled: Option<Compiled>,
}

/// What the writer's compiler made of the chunks (see `compile::dormant`); the summaries
/// themselves lie before their chunks.
#[derive(Serialize, Deserialize)]
struct Compiled {
    /// [`crate::compile::compiler_tag`] of the writer: another build ignores the rest.
    compiler: String,
    /// The ruleset's digest.
    digest: [u8; 32],
    /// The summaries' leaves, groups, trigger and unknown-field pairs in all (reserved
    /// before they are appended).
    sizes: [u64; 4],
}

/// A dormant chunk's summary and the warnings compiling it gave; texts are `S` and bytes
/// `B`: owned when written, borrowed from the bytes read when read ([`ReadRun`]).
/// A [`WRun`] as read, borrowing the bytes it was read from.
type ReadRun<'a> = WRun<&'a str, &'a [u8]>;

#[derive(Serialize, Deserialize)]
struct WRun<S = String, B = Vec<u8>> {
    summary: crate::compile::dormant::Summary<S, B>,
    diagnostics: Vec<WDiagnostic>,
}

#[derive(Serialize, Deserialize)]
struct WDiagnostic {
    code: String,
    file: String,
    position: Option<Position>,
    message: String,
    note: Option<String>,
    related: Option<(String, Position)>,
}

#[derive(Serialize, Deserialize)]
struct WDocument {
    file: String,
    version: u8,
    id: String,
    position: Position,
    last_modified: Option<String>,
    published_date: Option<String>,
    metadata: Metadata,
    /// Top-level Indicators.
    tops: u32,
    /// Every Indicator and IndicatorItem, in pre-order.
    nodes: Vec<WNode>,
    parameters: Vec<Param>,
}

// Items are the common node: boxing them would cost an allocation each, for nothing.
#[allow(clippy::large_enum_variant)]
#[derive(Serialize, Deserialize)]
enum WNode {
    /// An Indicator followed (in `nodes`) by its `children` subtrees.
    Indicator {
        id: Option<String>,
        operator: String,
        position: Position,
        children: u32,
    },
    Item(IndicatorItem),
}

impl From<&Diagnostic> for WDiagnostic {
    fn from(d: &Diagnostic) -> Self {
        WDiagnostic {
            code: d.code.as_str().to_owned(),
            file: escape_owned(d.file.as_os_str()),
            position: d.position,
            message: d.message.clone(),
            note: d.note.clone(),
            related: d.related.as_ref().map(|r| (escape_owned(r.file.as_os_str()), r.position)),
        }
    }
}

fn flatten(ind: &Indicator, out: &mut Vec<WNode>) {
    out.push(WNode::Indicator {
        id: ind.id.clone(),
        operator: ind.operator.clone(),
        position: ind.position,
        children: ind.children.len() as u32,
    });
    for child in &ind.children {
        match child {
            // The parser caps nesting at MAX_NESTING: this recursion is that deep at most.
            Node::Indicator(sub) => flatten(sub, out),
            Node::Item(item) => out.push(WNode::Item(item.clone())),
        }
    }
}

impl From<&IocDocument> for WDocument {
    fn from(d: &IocDocument) -> Self {
        let mut nodes = Vec::new();
        d.criteria.iter().for_each(|ind| flatten(ind, &mut nodes));
        WDocument {
            file: escape_owned(d.file.as_os_str()),
            version: match d.version {
                Version::V1_0 => 0,
                Version::V1_1 => 1,
            },
            id: d.id.clone(),
            position: d.position,
            last_modified: d.last_modified.clone(),
            published_date: d.published_date.clone(),
            metadata: d.metadata.clone(),
            tops: d.criteria.len() as u32,
            nodes,
            parameters: d.parameters.clone(),
        }
    }
}

fn corrupt_error(e: postcard::Error) -> BundleError {
    BundleError::Corrupt(e.to_string())
}

fn corrupt<T>(what: impl Into<String>) -> Result<T, BundleError> {
    Err(BundleError::Corrupt(what.into()))
}

fn path(text: &str) -> Result<PathBuf, BundleError> {
    unescape(text)
        .map(PathBuf::from)
        .ok_or_else(|| BundleError::Corrupt(format!("bad path `{text}`")))
}

impl WDiagnostic {
    fn into_diagnostic(self) -> Result<Diagnostic, BundleError> {
        let Some(code) = Code::ALL.iter().copied().find(|c| c.as_str() == self.code) else {
            return corrupt(format!("unknown diagnostic code `{}`", self.code));
        };
        let related = match self.related {
            Some((file, position)) => Some(Related { file: path(&file)?, position }),
            None => None,
        };
        let severity: Severity = code.severity();
        Ok(Diagnostic {
            severity,
            code,
            file: path(&self.file)?,
            position: self.position,
            message: self.message,
            note: self.note,
            related,
        })
    }
}

/// An Indicator being rebuilt: it still expects `left` children.
struct Open {
    indicator: Indicator,
    left: u32,
}

impl WDocument {
    fn into_document(self) -> Result<IocDocument, BundleError> {
        let version = match self.version {
            0 => Version::V1_0,
            1 => Version::V1_1,
            v => return corrupt(format!("document `{}`: version {v}", self.id)),
        };
        let mut criteria = Vec::new();
        let mut stack: Vec<Open> = Vec::new();
        let mut nodes = self.nodes.into_iter();
        let id = &self.id;
        for _ in 0..self.tops {
            match nodes.next() {
                Some(WNode::Indicator { id, operator, position, children }) => {
                    let indicator = Indicator { id, operator, position, children: Vec::new() };
                    stack.push(Open { indicator, left: children });
                }
                _ => {
                    return corrupt(format!(
                        "document `{id}`: a top-level node is not an Indicator"
                    ))
                }
            }
            // Depth-first, without recursion: each node fills the innermost open Indicator.
            while let Some(open) = stack.last_mut() {
                if open.left == 0 {
                    let Some(done) = stack.pop() else { break };
                    match stack.last_mut() {
                        Some(parent) => {
                            parent.indicator.children.push(Node::Indicator(done.indicator))
                        }
                        None => criteria.push(done.indicator),
                    }
                    continue;
                }
                open.left -= 1;
                match nodes.next() {
                    Some(WNode::Item(item)) => open.indicator.children.push(Node::Item(item)),
                    Some(WNode::Indicator { id: ind_id, operator, position, children }) => {
                        if stack.len() >= MAX_NESTING {
                            return corrupt(format!(
                                "document `{id}`: Indicators nested deeper than {MAX_NESTING}"
                            ));
                        }
                        let indicator =
                            Indicator { id: ind_id, operator, position, children: Vec::new() };
                        stack.push(Open { indicator, left: children });
                    }
                    None => return corrupt(format!("document `{id}`: the tree is truncated")),
                }
            }
        }
        if nodes.next().is_some() {
            return corrupt(format!("document `{}`: nodes after the tree", self.id));
        }
        Ok(IocDocument {
            file: path(&self.file)?,
            version,
            id: self.id,
            position: self.position,
            last_modified: self.last_modified,
            published_date: self.published_date,
            metadata: self.metadata,
            criteria,
            parameters: self.parameters,
        })
    }
}

impl Head {
    fn into_bundle(self, documents: Vec<IocDocument>) -> Result<Bundle, BundleError> {
        let diagnostics = self
            .diagnostics
            .into_iter()
            .map(WDiagnostic::into_diagnostic)
            .collect::<Result<_, _>>()?;
        let files_rejected =
            self.files_rejected.iter().map(|p| path(p)).collect::<Result<_, _>>()?;
        let files_seen = usize::try_from(self.files_seen)
            .map_err(|_| BundleError::Corrupt(format!("{} files seen", self.files_seen)))?;
        Ok(Bundle {
            loaded: Loaded { documents, diagnostics, files_seen, files_rejected },
            sources: self.sources.iter().map(|p| path(p)).collect::<Result<_, _>>()?,
            tool: self.tool,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Loaded {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("ioc-samples");
        crate::load::load_paths(&[dir])
    }

    #[test]
    fn round_trips_documents_and_diagnostics() {
        let loaded = sample();
        assert!(!loaded.documents.is_empty());
        let mut bytes = Vec::new();
        write(&loaded, &[PathBuf::from("ioc-samples")], &mut bytes).unwrap();
        let back = decode(&bytes).unwrap();
        assert_eq!(back.loaded.documents, loaded.documents);
        assert_eq!(back.loaded.diagnostics, loaded.diagnostics);
        assert_eq!(back.loaded.files_seen, loaded.files_seen);
        assert_eq!(back.loaded.files_rejected, loaded.files_rejected);
        assert_eq!(back.sources, [PathBuf::from("ioc-samples")]);
    }

    #[test]
    fn load_compiles_chunk_by_chunk_to_the_ruleset_of_the_documents() {
        let loaded = sample();
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("s.bundle");
        write(&loaded, &[], std::fs::File::create(&path).unwrap()).unwrap();
        let fast = load(&path).unwrap();
        let (ruleset, warnings) = crate::compile::compile(&loaded.documents);
        assert_eq!(fast.ruleset.digest(), ruleset.digest());
        let mut expected = loaded.diagnostics.clone();
        expected.extend(warnings);
        assert_eq!(fast.diagnostics, expected);
        assert_eq!(fast.files_seen, loaded.files_seen);
    }

    #[test]
    fn a_collection_naming_rules_compiles_whole() {
        let xml = |id: &str, item: &str| {
            format!(
                "<OpenIOC xmlns=\"http://openioc.org/schemas/OpenIOC_1.1\" id=\"{id}\">\
                 <metadata><short_description>{id}</short_description></metadata><criteria>\
                 <Indicator operator=\"OR\" id=\"t-{id}\">{item}</Indicator></criteria></OpenIOC>"
            )
        };
        let item = |search: &str, text: &str| {
            format!(
                "<IndicatorItem id=\"i\" condition=\"is\"><Context document=\"x\" \
                 search=\"{search}\" type=\"mir\"/><Content type=\"string\">{text}</Content>\
                 </IndicatorItem>"
            )
        };
        let doc = |id: &str, item: String| {
            let file = PathBuf::from(format!("{id}.ioc"));
            crate::parse::parse(&file, xml(id, &item).as_bytes()).unwrap().document
        };
        // `b` names `a`, which comes a whole chunk later: compiling chunk by chunk could not
        // resolve it.
        let mut documents = vec![doc("b", item("Yara/RuleName", "a"))];
        for i in 0..CHUNK_DOCUMENTS {
            documents.push(doc(&format!("f{i}"), item("FileItem/FileName", "f.exe")));
        }
        documents.push(doc("a", item("FileItem/FileName", "x.exe")));
        let loaded = Loaded { files_seen: documents.len(), documents, ..Loaded::default() };
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("ab.bundle");
        write(&loaded, &[], std::fs::File::create(&path).unwrap()).unwrap();
        let bytes = std::fs::read(&path).unwrap();
        let verified = verify(bytes.as_slice()).unwrap();
        assert!(verified.head().unwrap().rule_names);
        assert_eq!(verified.chunks.len(), 2);
        let fast = load(&path).unwrap();
        let bad: Vec<_> = fast.diagnostics.iter().filter(|d| d.code == Code::BadContent).collect();
        assert!(bad.is_empty(), "{bad:?}");
        let (ruleset, _) = crate::compile::compile(&loaded.documents);
        assert_eq!(fast.ruleset.digest(), ruleset.digest());
    }

    #[test]
    fn a_bundle_holding_one_id_twice_is_refused() {
        let mut loaded = sample();
        let twice = loaded.documents[0].clone();
        loaded.documents.push(twice);
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("twice.bundle");
        write(&loaded, &[], std::fs::File::create(&path).unwrap()).unwrap();
        let Err(err) = load(&path) else { panic!("a bundle with a duplicate id loaded") };
        assert_eq!(err.code(), "bundle-corrupt");
        assert!(err.to_string().contains("twice"), "{err}");
    }

    /// `bytes` with the head's compiler tag set to `compiler` and every summary replaced by
    /// `summary`, every digest right.
    fn reframe(bytes: &[u8], compiler: &str, summary: &[u8]) -> Vec<u8> {
        let verified = verify(bytes).unwrap();
        let mut head = verified.head().unwrap();
        head.compiled.as_mut().unwrap().compiler = compiler.to_owned();
        let part = |p: Part| bytes[p.at as usize..p.at as usize + p.len].to_vec();
        let parts: Vec<[Vec<u8>; 2]> = (verified.chunks.iter())
            .map(|c| {
                let s = if c.summary.len > 0 { summary.to_vec() } else { Vec::new() };
                [s, part(c.documents)]
            })
            .collect();
        let mut out = Vec::new();
        frame_bundle(&postcard::to_allocvec(&head).unwrap(), &parts, &mut out).unwrap();
        out
    }

    #[test]
    fn another_builds_summaries_are_checked_but_not_read() {
        let loaded = sample();
        let mut bytes = Vec::new();
        write(&loaded, &[], &mut bytes).unwrap();
        let verified = verify(bytes.as_slice()).unwrap();
        assert!(verified.chunks.iter().any(|c| c.summary.len > 0), "no dormant run");
        // Summaries this build cannot read, digests right: refused as ours, unused as another
        // build's (whose documents load as they are).
        let ours = reframe(&bytes, &crate::compile::compiler_tag(), b"\xff\xff\xff");
        assert_eq!(decode(&ours).err().map(|e| e.code()), Some("bundle-corrupt"));
        let theirs = reframe(&bytes, "another build", b"\xff\xff\xff");
        assert_eq!(decode(&theirs).unwrap().loaded.documents, loaded.documents);
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("theirs.bundle");
        std::fs::write(&path, &theirs).unwrap();
        let (ruleset, _) = crate::compile::compile(&loaded.documents);
        assert_eq!(load_checked(&path).unwrap().ruleset.digest(), ruleset.digest());
        assert_eq!(load(&path).unwrap().ruleset.dormant(), 0);
        // A damaged summary of another build is still damage for `check`.
        let mut damaged = theirs.clone();
        let at = verify(theirs.as_slice())
            .unwrap()
            .chunks
            .iter()
            .find(|c| c.summary.len > 0)
            .unwrap()
            .summary
            .at;
        damaged[at as usize] ^= 1;
        std::fs::write(&path, &damaged).unwrap();
        assert_eq!(load_checked(&path).err().map(|e| e.code()), Some("bundle-integrity"));
    }

    impl Ids for &[&str] {
        fn count(&self) -> usize {
            self.len()
        }
        fn id(&self, i: usize) -> &[u8] {
            self[i].as_bytes()
        }
    }

    #[test]
    fn twice_finds_the_first_repeated_id() {
        let twice = |lists: &[&[&str]]| twice(lists).map(|id| String::from_utf8_lossy(id).into());
        assert_eq!(twice(&[]), None::<String>);
        assert_eq!(twice(&[&[], &["a", "b"], &["c"]]), None);
        assert_eq!(twice(&[&["a", "b"], &["c", "b", "a"]]).as_deref(), Some("b"));
        assert_eq!(twice(&[&["a", "A"]]), None);
        // Many ids in every partition: the earliest repeat, wherever its partition.
        let ids: Vec<String> = (0..10_000).map(|i| format!("id-{i}")).collect();
        let mut all: Vec<&str> = ids.iter().map(String::as_str).collect();
        assert_eq!(twice(&[&all[..5000], &all[5000..]]), None);
        all.extend(["id-7", "id-3", "id-9999"]);
        assert_eq!(twice(&[&all[..9000], &all[9000..]]).as_deref(), Some("id-7"));
    }

    #[test]
    fn a_damaged_file_is_refused_whole_by_the_chunked_load() {
        let mut bytes = Vec::new();
        write(&sample(), &[], &mut bytes).unwrap();
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("d.bundle");
        let code = |b: &[u8]| {
            std::fs::write(&path, b).unwrap();
            let read = read(&path).err().map(|e| e.code());
            assert_eq!(load(&path).err().map(|e| e.code()), read);
            read
        };
        assert_eq!(code(&bytes), None);
        assert_eq!(code(&bytes[..bytes.len() - 1]), Some("bundle-integrity"));
        assert_eq!(code(&[&bytes[..], b"x"].concat()), Some("bundle-integrity"));
        assert_eq!(code(&bytes[..HEADER + 3]), Some("bundle-integrity"));
        let mut flipped = bytes.clone();
        let last = flipped.len() - 1;
        flipped[last] ^= 1;
        assert_eq!(code(&flipped), Some("bundle-integrity"));
    }

    #[test]
    fn damage_of_any_byte_is_refused_whole() {
        let mut bytes = Vec::new();
        write(&sample(), &[], &mut bytes).unwrap();
        let codes = |b: &[u8]| decode(b).err().map(|e| e.code());
        assert_eq!(codes(b"IOCS"), Some("bundle-not-a-bundle"));
        assert_eq!(codes(&bytes[..20]), Some("bundle-integrity"));
        assert_eq!(codes(&bytes[..bytes.len() - 1]), Some("bundle-integrity"));
        let mut version = bytes.clone();
        version[8] = 9;
        assert_eq!(codes(&version), Some("bundle-version"));
        for at in [HEADER, HEADER + 100, bytes.len() - 1] {
            let mut flipped = bytes.clone();
            flipped[at] ^= 0x40;
            assert_eq!(codes(&flipped), Some("bundle-integrity"), "byte {at}");
        }
    }
}
