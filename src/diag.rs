//! Diagnostics: the errors and warnings that loading and compiling IOCs produce.
//!
//! Every diagnostic has a stable [`Code`] (scripts and golden files depend on it), the file it
//! is about, the `line:column` where that is known, a message, an optional note that states
//! the effect ("this AND branch can never match") and an optional [`Related`] location (where
//! a duplicated id was first seen). Rendering is `file:line:column: code: message (note)`, the
//! file as its lossless text ([`crate::path_text`]). This module only describes problems; it
//! decides nothing about them.

use crate::path_text;
use crate::source::Position;
use serde::{Serialize, Serializer};
use std::fmt;
use std::path::PathBuf;

/// How bad a diagnostic is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// The file (or the whole IOC) was still used; something in it never matches.
    Warning,
    /// The file was rejected; nothing from it is scanned.
    Error,
}

macro_rules! codes {
    ($( $(#[$doc:meta])* $variant:ident = $text:literal, $sev:ident; )*) => {
        /// A stable diagnostic code. The text form (e.g. `E-size`) never changes meaning.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
        #[non_exhaustive]
        pub enum Code { $( $(#[$doc])* $variant, )* }

        impl Code {
            /// Every code, in declaration order.
            pub const ALL: &'static [Code] = &[$(Code::$variant),*];

            /// The stable text of the code.
            pub fn as_str(self) -> &'static str {
                match self { $(Code::$variant => $text,)* }
            }

            /// The severity a diagnostic with this code has.
            pub fn severity(self) -> Severity {
                match self { $(Code::$variant => Severity::$sev,)* }
            }
        }
    };
}

codes! {
    /// The file could not be read (permission, vanished, not a regular file).
    Io = "E-io", Error;
    /// The file is larger than [`crate::limits::MAX_IOC_FILE_BYTES`].
    Size = "E-size", Error;
    /// The file's bytes could not be decoded as text in its declared encoding.
    Encoding = "E-encoding", Error;
    /// The XML is not well-formed.
    Xml = "E-xml", Error;
    /// The root element is neither OpenIOC 1.0 `ioc` nor OpenIOC 1.1 `OpenIOC`.
    Root = "E-root", Error;
    /// The root element has no (or an empty) `id`.
    MissingId = "E-missing-id", Error;
    /// The IOC id was already loaded from an earlier file of the collection.
    DuplicateIocId = "E-duplicate-ioc-id", Error;
    /// Elements nest deeper than [`crate::limits::MAX_NESTING`].
    Nesting = "E-nesting", Error;
    /// The document has more nodes than [`crate::limits::MAX_NODES_PER_DOCUMENT`].
    TooManyNodes = "E-too-many-nodes", Error;
    /// The document has no logic tree (`definition` / `criteria`) or it holds no Indicator.
    NoCriteria = "E-no-criteria", Error;

    /// The term (`Context/@document` + `@search`) is not in the catalogue.
    UnsupportedTerm = "W-unsupported-term", Warning;
    /// The condition is not an OpenIOC condition.
    UnsupportedCondition = "W-unsupported-condition", Warning;
    /// The condition makes no sense for the term's type (e.g. `greater-than` on a name).
    ConditionType = "W-condition-type", Warning;
    /// A condition of the other OpenIOC version (e.g. `isnot` in a 1.1 file): accepted.
    OtherVersionCondition = "W-other-version-condition", Warning;
    /// The Content does not parse as the term's type (bad digest, integer, date, IP, bool).
    BadContent = "W-bad-content", Warning;
    /// The Content is empty.
    EmptyContent = "W-empty-content", Warning;
    /// The `matches` pattern is not a valid regex or is too large.
    BadRegex = "W-bad-regex", Warning;
    /// `Content/@type` disagrees with the catalogue's type for the term; the term's type wins.
    ContentType = "W-content-type", Warning;
    /// `Context/@document` disagrees with the document named by the term.
    DocumentMismatch = "W-document-mismatch", Warning;
    /// An Indicator operator other than AND/OR.
    UnknownOperator = "W-unknown-operator", Warning;
    /// Two Indicator/IndicatorItem nodes of one file share an id.
    DuplicateNodeId = "W-duplicate-node-id", Warning;
    /// An Indicator has no children.
    EmptyIndicator = "W-empty-indicator", Warning;
    /// A structural oddity that does not change the meaning (unknown element, missing Context).
    Structure = "W-structure", Warning;
    /// The whole IOC can never match (every path to detection crosses an unsupported item).
    NeverMatches = "W-never-matches", Warning;
    /// Text meant as UTF-8 holds bytes that are not UTF-8; it was read as Windows-1252.
    EncodingFallback = "W-encoding-fallback", Warning;
}

impl fmt::Display for Code {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for Code {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

/// One error or warning about an IOC file.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Diagnostic {
    /// Error or warning (follows from `code`).
    pub severity: Severity,
    /// The stable code.
    pub code: Code,
    /// The file the diagnostic is about, as given to the loader (serialised as its lossless
    /// text).
    #[serde(serialize_with = "path_text::serialize")]
    pub file: PathBuf,
    /// Where in the file, when known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub position: Option<Position>,
    /// What is wrong, in one sentence.
    pub message: String,
    /// The effect, or a hint ("did you mean `FileItem/Md5sum`?").
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    /// A second location the problem involves (the first use of a duplicated id). The message
    /// names it too; this is the same place as data, so that tools need not parse prose.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub related: Option<Related>,
}

/// A second location of a diagnostic: another file, or another place in the same file.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Related {
    /// The file (serialised as its lossless text).
    #[serde(serialize_with = "path_text::serialize")]
    pub file: PathBuf,
    /// Where in that file.
    pub position: Position,
}

impl Diagnostic {
    /// A diagnostic with `code`'s severity, without note.
    pub fn new(
        code: Code,
        file: impl Into<PathBuf>,
        position: Option<Position>,
        message: impl Into<String>,
    ) -> Self {
        Diagnostic {
            severity: code.severity(),
            code,
            file: file.into(),
            position,
            message: message.into(),
            note: None,
            related: None,
        }
    }

    /// Adds a note stating the effect or a hint.
    pub fn with_note(mut self, note: impl Into<String>) -> Self {
        self.note = Some(note.into());
        self
    }

    /// Adds the second location the problem involves.
    pub fn with_related(mut self, file: impl Into<PathBuf>, position: Position) -> Self {
        self.related = Some(Related { file: file.into(), position });
        self
    }

    /// True for errors (the file was rejected).
    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}

impl fmt::Display for Diagnostic {
    /// `file:line:column: code: message (note)`; `file: code: message` without a position.
    /// The related location is not printed: the message already names it.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&path_text::escape(self.file.as_os_str()))?;
        if let Some(pos) = self.position {
            write!(f, ":{pos}")?;
        }
        write!(f, ": {}: {}", self.code, self.message)?;
        if let Some(note) = &self.note {
            write!(f, " ({note})")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_unique_and_prefixed_by_severity() {
        let mut seen = std::collections::HashSet::new();
        for code in Code::ALL {
            assert!(seen.insert(code.as_str()), "duplicate {code}");
            let prefix = if code.severity() == Severity::Error { "E-" } else { "W-" };
            assert!(code.as_str().starts_with(prefix), "{code}");
        }
    }

    #[test]
    fn renders_file_position_code_message_note() {
        let d = Diagnostic::new(Code::BadContent, "a.ioc", Some(Position::new(3, 7)), "bad md5")
            .with_note("this AND branch can never match");
        assert_eq!(
            d.to_string(),
            "a.ioc:3:7: W-bad-content: bad md5 (this AND branch can never match)"
        );
    }

    #[test]
    fn paths_that_are_not_utf8_render_and_serialise_escaped() {
        use std::os::unix::ffi::OsStrExt;
        let file = std::path::Path::new(std::ffi::OsStr::from_bytes(b"dir\\x/\xffa.ioc"));
        let d = Diagnostic::new(Code::Io, file, None, "cannot read")
            .with_related(file, Position::new(2, 1));
        assert_eq!(d.to_string(), "dir\\\\x/\\xffa.ioc: E-io: cannot read");
        let json = serde_json::to_value(&d).unwrap();
        assert_eq!(json["file"], "dir\\\\x/\\xffa.ioc");
        assert_eq!(json["related"]["file"], json["file"]);
        assert_eq!(json["related"]["position"], serde_json::json!({"line": 2, "column": 1}));
        let plain = serde_json::to_value(Diagnostic::new(Code::Io, "a", None, "m")).unwrap();
        assert!(plain.get("related").is_none() && plain.get("note").is_none(), "{plain}");
    }
}
