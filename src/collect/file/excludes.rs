//! Exclude patterns, validated and compiled once into one matcher before a walk starts.
//! Matching only: pruning is the walker's.

use super::FileOptionsError;
use globset::{GlobBuilder, GlobSet, GlobSetBuilder};
use std::path::Path;

/// The compiled exclude patterns of [`super::FileOptions::excludes`].
///
/// `*` and `?` stay inside one path component, `**` crosses them; a pattern matches the whole
/// path as walked.
#[derive(Clone, Debug, Default)]
pub struct Excludes(Option<GlobSet>);

impl Excludes {
    /// Compiles `patterns`; the first one that does not parse is the error.
    pub fn new(patterns: &[String]) -> Result<Self, FileOptionsError> {
        if patterns.is_empty() {
            return Ok(Excludes(None));
        }
        let mut builder = GlobSetBuilder::new();
        for pattern in patterns {
            let glob = GlobBuilder::new(pattern).literal_separator(true).build().map_err(|e| {
                FileOptionsError::BadExclude {
                    pattern: pattern.clone(),
                    message: e.kind().to_string(),
                }
            })?;
            builder.add(glob);
        }
        builder.build().map(|set| Excludes(Some(set))).map_err(|e| FileOptionsError::BadExclude {
            pattern: patterns.join(" "),
            message: e.to_string(),
        })
    }

    /// True when `path` is excluded.
    pub fn is_match(&self, path: &Path) -> bool {
        self.0.as_ref().is_some_and(|set| set.is_match(path))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bad_pattern_is_refused_with_its_text() {
        let err = Excludes::new(&["**/ok".to_owned(), "[bad".to_owned()]).unwrap_err();
        assert!(err.to_string().starts_with("invalid exclude pattern `[bad`: "), "{err}");
    }

    #[test]
    fn stars_stay_in_one_component() {
        let ex = Excludes::new(&["/a/*".to_owned(), "**/cache".to_owned()]).unwrap();
        assert!(ex.is_match(Path::new("/a/b")));
        assert!(!ex.is_match(Path::new("/a/b/c")));
        assert!(ex.is_match(Path::new("/x/y/cache")));
        assert!(!Excludes::new(&[]).unwrap().is_match(Path::new("/a")));
    }
}
