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

/// Feeds formatted text to the hash without building it in memory.
struct Hasher(Sha256);

impl Write for Hasher {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        self.0.update(s.as_bytes());
        Ok(())
    }
}

/// Computes the digest (see the module documentation).
pub(super) fn of(rs: &Ruleset) -> RulesetDigest {
    let mut h = Hasher(Sha256::new());
    // A version tag: changing what is hashed changes every digest.
    let _ = writeln!(h, "iocscan ruleset digest 1");
    let _ = writeln!(h, "iocs {}", rs.iocs.len());
    for ioc in &rs.iocs {
        let _ = writeln!(h, "{:?}", ioc);
    }
    let _ = writeln!(h, "leaves {}", rs.leaves.len());
    for leaf in &rs.leaves {
        let _ = writeln!(h, "{:?}", leaf);
    }
    let _ = writeln!(h, "groups {}", rs.groups.len());
    for group in &rs.groups {
        let _ = writeln!(h, "{:?}", group);
    }
    RulesetDigest(h.0.finalize().into())
}
