//! File digests: MD5, SHA-1 and SHA-256 of one file in one read, and the bytes for content
//! terms (PE structure, strings) from the same read.
//!
//! Only the digests a plan asks for are computed, all from the same pass over the content,
//! through a read buffer of [`HASH_BUFFER_BYTES`] reused by each worker thread. The file is
//! opened `O_NOFOLLOW | O_NONBLOCK | O_NOATIME` (the latter dropped when the kernel refuses
//! it for a file we do not own): a symlink, FIFO, socket or device is refused after `fstat`,
//! before any read, so nothing blocks and no device is read; the access time is left alone
//! where the kernel allows it. Files larger than the limit are not read at all.
//!
//! The SHA implementations pick SHA-NI (x86) or the ARMv8 crypto extensions at run time.

use crate::collect::content::{ContentProbes, FilePlan};
use crate::limits::{HASH_BUFFER_BYTES, MAX_CONTENT_BYTES};
use crate::terms::{Field, FieldSet};
use md5::Md5;
use sha1::Sha1;
use sha2::{Digest, Sha256};
use std::cell::RefCell;
use std::fs::{File, OpenOptions};
use std::io::{self, Read};
use std::os::unix::fs::OpenOptionsExt;
use std::path::Path;
use std::sync::Arc;

/// Which digests to compute, whether to keep the bytes, and the largest file hashed.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct HashPlan {
    /// MD5 asked.
    pub(crate) md5: bool,
    /// SHA-1 asked.
    pub(crate) sha1: bool,
    /// SHA-256 asked.
    pub(crate) sha256: bool,
    /// The first [`HEAD_BYTES`] of the content asked (fileWriteEvent's data at the lowest
    /// offset), kept from the same read.
    pub(crate) head: bool,
    /// Files larger than this are not read.
    pub(crate) max_bytes: u64,
    /// Content terms asked (PE, strings): the bytes are kept for them.
    pub(crate) content: Option<Arc<FilePlan>>,
}

impl HashPlan {
    /// The digests among `fields` (and the content terms, answered with `probes`).
    pub(crate) fn new(fields: &FieldSet, max_bytes: u64, probes: &ContentProbes) -> Self {
        let content = FilePlan::new(fields, probes).map(Arc::new);
        HashPlan {
            md5: fields.contains(Field::FileMd5sum),
            sha1: fields.contains(Field::FileSha1sum),
            sha256: fields.contains(Field::FileSha256sum),
            head: fields.contains(Field::FileWriteEvTextAtLowestOffset)
                || fields.contains(Field::FileWriteEvDataAtLowestOffset),
            max_bytes,
            content,
        }
    }

    /// True when the digest `field` (or content field) is asked.
    pub(crate) fn wants(&self, field: Field) -> bool {
        if let Some(content) = &self.content {
            if content.fields.contains(field) {
                return true;
            }
        }
        match field {
            Field::FileMd5sum => self.md5,
            Field::FileSha1sum => self.sha1,
            Field::FileSha256sum => self.sha256,
            Field::FileWriteEvTextAtLowestOffset | Field::FileWriteEvDataAtLowestOffset => {
                self.head
            }
            _ => false,
        }
    }
}

/// The digests of one file, lower-case hex, those of the plan only.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct Digests {
    pub(crate) md5: Option<String>,
    pub(crate) sha1: Option<String>,
    pub(crate) sha256: Option<String>,
    /// The first [`HEAD_BYTES`] of the content (fewer for a shorter file), when asked.
    pub(crate) head: Option<Vec<u8>>,
    /// The whole content, when content terms are asked and the file is at most
    /// [`MAX_CONTENT_BYTES`] (`None` past it: those terms are then not evaluated).
    pub(crate) bytes: Option<Vec<u8>>,
}

/// How many leading bytes [`HashPlan::head`] keeps: HX's `textAtLowestOffset` is 64
/// characters.
pub(crate) const HEAD_BYTES: usize = 64;

/// Why a file was not hashed.
#[derive(Debug)]
pub(crate) enum HashError {
    /// Larger than the plan's limit (size seen by `fstat` or while reading).
    TooLarge,
    /// Not a regular file (symlink, FIFO, socket, device, directory).
    NotRegular,
    /// Opening or reading failed.
    Io(io::Error),
}

thread_local! {
    /// The read buffer of this worker thread, allocated on its first hash.
    static BUFFER: RefCell<Vec<u8>> = const { RefCell::new(Vec::new()) };
    /// This worker's content buffer between two files (see [`recycle`]).
    static SPARE: RefCell<Vec<u8>> = const { RefCell::new(Vec::new()) };
}

/// An empty buffer for a file's content, reusing this thread's last one: a fresh allocation
/// per file made the kernel zero new pages for every file, which cost more than the search.
fn spare_buffer(capacity: usize) -> Vec<u8> {
    let mut buffer = SPARE.with(|spare| spare.take());
    buffer.clear();
    buffer.reserve(capacity);
    buffer
}

/// Gives a content buffer back for the next file of this thread (at most
/// [`MAX_CONTENT_BYTES`] are kept per thread).
pub(crate) fn recycle(buffer: Vec<u8>) {
    SPARE.with(|spare| spare.replace(buffer));
}

/// Hashes the file at `path` per `plan`; returns the digests and the bytes read (also on error).
/// A symlink is refused unless `follow` (then its target is hashed).
pub(crate) fn hash_file(
    path: &Path,
    plan: &HashPlan,
    follow: bool,
) -> (Result<Digests, HashError>, u64) {
    let file = match open_no_side_effects(path, follow) {
        Ok(file) => file,
        Err(e) if e.raw_os_error() == Some(libc::ELOOP) => return (Err(HashError::NotRegular), 0),
        Err(e) => return (Err(HashError::Io(e)), 0),
    };
    let meta = match file.metadata() {
        Ok(meta) => meta,
        Err(e) => return (Err(HashError::Io(e)), 0),
    };
    if !meta.is_file() {
        return (Err(HashError::NotRegular), 0);
    }
    if meta.len() > plan.max_bytes {
        return (Err(HashError::TooLarge), 0);
    }
    BUFFER.with(|buffer| match buffer.try_borrow_mut() {
        Ok(mut buffer) => {
            if buffer.len() != HASH_BUFFER_BYTES {
                buffer.resize(HASH_BUFFER_BYTES, 0);
            }
            read_and_hash(file, plan, &mut buffer)
        }
        // Only reachable if a sink hashed from inside a hash; use a private buffer then.
        Err(_) => read_and_hash(file, plan, &mut vec![0; HASH_BUFFER_BYTES]),
    })
}

fn open_no_side_effects(path: &Path, follow: bool) -> io::Result<File> {
    let nofollow = if follow { 0 } else { libc::O_NOFOLLOW };
    let base = libc::O_NONBLOCK | nofollow | libc::O_CLOEXEC;
    match OpenOptions::new().read(true).custom_flags(base | libc::O_NOATIME).open(path) {
        // O_NOATIME is only allowed to the file's owner (or CAP_FOWNER).
        Err(e) if e.raw_os_error() == Some(libc::EPERM) => {
            OpenOptions::new().read(true).custom_flags(base).open(path)
        }
        other => other,
    }
}

/// True when a digest is asked (the whole file is read).
fn md5_or_sha(plan: &HashPlan) -> bool {
    plan.md5 || plan.sha1 || plan.sha256
}

fn read_and_hash(
    mut file: File,
    plan: &HashPlan,
    buffer: &mut [u8],
) -> (Result<Digests, HashError>, u64) {
    let mut md5 = plan.md5.then(Md5::new);
    let mut sha1 = plan.sha1.then(Sha1::new);
    let mut sha256 = plan.sha256.then(Sha256::new);
    let mut head = plan.head.then(Vec::new);
    let size = file.metadata().map(|m| m.len()).unwrap_or(u64::MAX);
    let mut total: u64 = 0;
    let mut feed = |chunk: &[u8]| {
        if let Some(head) = head.as_mut() {
            let room = HEAD_BYTES.saturating_sub(head.len());
            head.extend_from_slice(&chunk[..room.min(chunk.len())]);
        }
        if let Some(h) = md5.as_mut() {
            h.update(chunk);
        }
        if let Some(h) = sha1.as_mut() {
            h.update(chunk);
        }
        if let Some(h) = sha256.as_mut() {
            h.update(chunk);
        }
    };
    let mut kept = None;
    let mut at_end = false;
    if plan.content.is_some() && size <= MAX_CONTENT_BYTES {
        // Content terms: the bytes go straight into the kept buffer (std's `read_to_end`
        // reads into its spare capacity), and the digests are computed from it.
        let mut bytes = spare_buffer(usize::try_from(size).unwrap_or(0));
        let limit = MAX_CONTENT_BYTES.min(plan.max_bytes) + 1;
        if let Err(e) = (&mut file).take(limit).read_to_end(&mut bytes) {
            recycle(bytes);
            return (Err(HashError::Io(e)), 0);
        }
        total = bytes.len() as u64;
        if total > plan.max_bytes {
            recycle(bytes);
            return (Err(HashError::TooLarge), total);
        }
        feed(&bytes);
        if total < limit {
            at_end = true;
            kept = Some(bytes);
        } else {
            // The file grew past the content limit while being read: digests only.
            recycle(bytes);
        }
    }
    let digesting = md5_or_sha(plan);
    // Unless the content read above reached the end, the rest streams through `buffer`.
    if !at_end {
        loop {
            // No digest asked: stop once the head (if asked) is full.
            if !digesting && (!plan.head || total >= HEAD_BYTES as u64) {
                break;
            }
            let n = match file.read(buffer) {
                Ok(0) => break,
                Ok(n) => n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return (Err(HashError::Io(e)), total),
            };
            total += n as u64;
            // The file grew past the limit while being read.
            if total > plan.max_bytes {
                return (Err(HashError::TooLarge), total);
            }
            feed(&buffer[..n]);
        }
    }
    let digests = Digests {
        md5: md5.map(|h| hex::encode(h.finalize())),
        sha1: sha1.map(|h| hex::encode(h.finalize())),
        sha256: sha256.map(|h| hex::encode(h.finalize())),
        head,
        bytes: kept,
    };
    (Ok(digests), total)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plan(md5: bool, sha1: bool, sha256: bool) -> HashPlan {
        HashPlan { md5, sha1, sha256, head: false, max_bytes: 1 << 30, content: None }
    }

    #[test]
    fn computes_only_the_planned_digests_across_buffers() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("tempdir: {e}"));
        let path = dir.path().join("f");
        let content = vec![b'a'; HASH_BUFFER_BYTES * 2 + 7];
        std::fs::write(&path, &content).unwrap_or_else(|e| panic!("write: {e}"));
        let (digests, read) = hash_file(&path, &plan(false, false, true), false);
        let digests = digests.unwrap_or_else(|e| panic!("{e:?}"));
        assert_eq!(read, content.len() as u64);
        assert_eq!(digests.md5, None);
        assert_eq!(digests.sha1, None);
        assert_eq!(digests.sha256, Some(hex::encode(Sha256::digest(&content))));
    }

    #[test]
    fn the_head_comes_from_the_same_read() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("tempdir: {e}"));
        let path = dir.path().join("f");
        let content: Vec<u8> = (0..=255u8).cycle().take(HASH_BUFFER_BYTES + 3).collect();
        std::fs::write(&path, &content).unwrap_or_else(|e| panic!("write: {e}"));
        let with_md5 = HashPlan { head: true, ..plan(true, false, false) };
        let (digests, read) = hash_file(&path, &with_md5, false);
        let digests = digests.unwrap_or_else(|e| panic!("{e:?}"));
        assert_eq!(read, content.len() as u64);
        assert_eq!(digests.head.as_deref(), Some(&content[..HEAD_BYTES]));
        assert_eq!(digests.md5, Some(hex::encode(Md5::digest(&content))));
        let alone = HashPlan { head: true, ..plan(false, false, false) };
        let (digests, read) = hash_file(&path, &alone, false);
        assert_eq!(digests.unwrap_or_else(|e| panic!("{e:?}")).head.map(|h| h.len()), Some(64));
        assert!(read < content.len() as u64, "only the head is read");
    }

    #[test]
    fn too_large_is_not_read() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("tempdir: {e}"));
        let path = dir.path().join("f");
        std::fs::write(&path, b"12345").unwrap_or_else(|e| panic!("write: {e}"));
        let small = HashPlan { max_bytes: 4, ..plan(true, true, true) };
        let (result, read) = hash_file(&path, &small, false);
        assert!(matches!(result, Err(HashError::TooLarge)), "{result:?}");
        assert_eq!(read, 0);
    }

    #[test]
    fn directory_and_symlink_are_refused() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("tempdir: {e}"));
        let (result, _) = hash_file(dir.path(), &plan(true, false, false), false);
        assert!(matches!(result, Err(HashError::NotRegular)), "{result:?}");
        let link = dir.path().join("l");
        std::os::unix::fs::symlink("/etc/hostname", &link)
            .unwrap_or_else(|e| panic!("symlink: {e}"));
        let (result, _) = hash_file(&link, &plan(true, false, false), false);
        assert!(matches!(result, Err(HashError::NotRegular)), "{result:?}");
    }
}
