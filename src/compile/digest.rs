//! The identity of a compiled ruleset: a SHA-256 over everything the evaluator reads and
//! every card shows, so that evaluation results (partials, `crate::eval::Partial`) made with
//! one ruleset are never mixed with another's.
//!
//! The digest covers, in ruleset order, each IOC's identity and metadata, its compiled
//! branches, and every compiled leaf and group, through their `Debug` form: the compiled form
//! is plain data, and its `Debug` text spells every value that decides a match (terms,
//! conditions, typed contents, negation, case folding, grouping). So two loads of the same
//! files agree, and a change of IOC content or of what the compiler makes of it changes the
//! digest. Indexes and triggers are not hashed: they are built from the leaves and groups.
//! Nothing here evaluates anything.

use super::Ruleset;
use sha2::{Digest, Sha256};
use std::fmt::{self, Write};

/// A ruleset's SHA-256 digest ([`Ruleset::digest`]).
#[derive(
    Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
pub struct RulesetDigest(pub [u8; 32]);

impl fmt::Display for RulesetDigest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&hex::encode(self.0))
    }
}

impl fmt::Debug for RulesetDigest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "RulesetDigest({self})")
    }
}

/// Entries (IOCs, leaves or groups) formatted and hashed together: the unit of parallel work.
/// Fixed, so the digest does not depend on the thread count.
const RUN: usize = 4096;

/// Computes the digest (see the module documentation).
///
/// Each run of [`RUN`] entries is formatted into one buffer and hashed on its own worker (a
/// hash update per formatted piece costs more than the formatting); the digest is the
/// SHA-256 of the sections' sizes and the runs' digests, in order.
pub(super) fn of(rs: &Ruleset) -> RulesetDigest {
    let mut h = Sha256::new();
    // A version tag: changing what is hashed changes every digest.
    h.update(b"iocscan ruleset digest 2\n");
    let segments = rs.segments();
    section(&mut h, "iocs", &segments.iocs().collect::<Vec<_>>());
    section(&mut h, "leaves", &segments.leaves().collect::<Vec<_>>());
    section(&mut h, "groups", &segments.groups().collect::<Vec<_>>());
    RulesetDigest(h.finalize().into())
}

/// Hashes one section: its name and length, then its runs' digests.
fn section<T: fmt::Debug + Sync>(h: &mut Sha256, name: &str, entries: &[T]) {
    use rayon::prelude::*;
    h.update(format!("{name} {}\n", entries.len()).as_bytes());
    let runs: Vec<[u8; 32]> = entries
        .par_chunks(RUN)
        .map(|run| {
            let mut text = String::new();
            for entry in run {
                // Writing to a String cannot fail.
                let _ = writeln!(text, "{entry:?}");
            }
            Sha256::digest(text.as_bytes()).into()
        })
        .collect();
    runs.iter().for_each(|d| h.update(d));
}
