//! The reader: OpenIOC 1.0 and 1.1 XML bytes -> [`IocDocument`].
//!
//! ```text
//! bytes --decode--> text --xml--> events with offsets --ioc--> IocDocument (+ warnings)
//! ```
//!
//! `decode` picks the encoding (BOM, UTF-16 shape, XML declaration), reads text meant as
//! UTF-8 that is not as Windows-1252 (with a warning) and refuses other undecodable bytes; `xml` is a quick-xml event cursor with the well-formedness checks quick-xml leaves
//! out; `ioc` maps elements to the model, keeping ids, attributes, metadata and positions
//! exactly as written. The reader never interprets terms or values (see [`crate::compile`](mod@crate::compile)),
//! never recurses on input depth and never panics; the size limit is the loader's job
//! ([`crate::load`]).

mod decode;
mod ioc;
mod xml;

use crate::diag::{Code, Diagnostic};
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
    let decoded = decode::decode_lenient(bytes).map_err(|e| {
        Diagnostic::new(Code::Encoding, file, decode::error_position(&e), e.message)
    })?;
    let mut parsed = ioc::read(file, &decoded.text)?;
    if let Some(why) = decoded.fallback {
        let message = format!("{}; read as Windows-1252", why.message);
        let warning =
            Diagnostic::new(Code::EncodingFallback, file, decode::error_position(&why), message)
                .with_note("text values may differ from what the author meant");
        parsed.warnings.insert(0, warning);
    }
    Ok(parsed)
}

#[cfg(test)]
mod tests;
