//! An XML event cursor over decoded text: elements with resolved namespace, unescaped
//! attributes and text, each with its byte offset.
//!
//! Wraps quick-xml's `Reader` and adds the well-formedness checks it leaves to callers:
//! unclosed elements at end of file, text or a second element outside the root, a missing
//! root. Empty elements (`<a/>`) come out as a start followed by an end, so callers see one
//! shape. Comments, processing instructions, declarations and DOCTYPEs are skipped (a DOCTYPE's
//! entities are never expanded: an undeclared entity in text is an error). This module knows
//! nothing about OpenIOC.
//!
//! Everything here is linear in the input: the namespace is resolved for the root only (the
//! only element whose namespace matters, and the only one whose bindings are all on itself),
//! so thousands of `xmlns:` declarations cannot make every element lookup slow; duplicate
//! attributes are found with a hash set rather than quick-xml's pairwise check.

use quick_xml::escape::EscapeError;
use quick_xml::events::attributes::AttrError;
use quick_xml::events::{BytesStart, Event};
use quick_xml::Reader;
use std::collections::HashSet;

/// An element start.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Element {
    /// Local name (prefix removed).
    pub local: String,
    /// The namespace, resolved for the root element only (`None` elsewhere, or unbound).
    pub namespace: Option<String>,
    /// Attributes except namespace declarations, as written (qualified name, unescaped value).
    pub attrs: Vec<(String, String)>,
    /// Byte offset of the `<`.
    pub offset: usize,
}

impl Element {
    /// The value of attribute `name` (exact qualified name).
    pub fn attr(&self, name: &str) -> Option<&str> {
        self.attrs.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
    }
}

/// One event of the cursor.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum XmlEvent {
    /// An element starts.
    Start(Element),
    /// The innermost open element ends.
    End,
    /// Character data (entities resolved, CDATA included), as written.
    Text(String),
    /// End of the document; the root was closed.
    Eof,
}

/// A well-formedness error at a byte offset.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct XmlError {
    /// What is wrong.
    pub message: String,
    /// Byte offset in the text.
    pub offset: usize,
}

/// The cursor.
pub(crate) struct Cursor<'t> {
    reader: Reader<&'t [u8]>,
    text: &'t str,
    /// Qualified names of the open elements, innermost last.
    open: Vec<String>,
    /// An empty element was reported as a start; its end comes next.
    pending_end: bool,
    root_closed: bool,
}

impl<'t> Cursor<'t> {
    /// A cursor at the beginning of `text`.
    pub fn new(text: &'t str) -> Self {
        let mut reader = Reader::from_str(text);
        let config = reader.config_mut();
        config.expand_empty_elements = false;
        config.check_end_names = true;
        config.trim_text_start = false;
        config.trim_text_end = false;
        Cursor { reader, text, open: Vec::new(), pending_end: false, root_closed: false }
    }

    /// Number of open elements (the root counts 1).
    pub fn depth(&self) -> usize {
        self.open.len()
    }

    /// The next event.
    pub fn next(&mut self) -> Result<XmlEvent, XmlError> {
        if self.pending_end {
            self.pending_end = false;
            self.close();
            return Ok(XmlEvent::End);
        }
        loop {
            let start = self.position();
            let event = self.reader.read_event().map_err(|e| XmlError {
                message: e.to_string(),
                offset: usize::try_from(self.reader.error_position()).unwrap_or(start),
            })?;
            match event {
                Event::Start(e) => return self.start(&e, start, false),
                Event::Empty(e) => return self.start(&e, start, true),
                Event::End(_) => {
                    self.close();
                    return Ok(XmlEvent::End);
                }
                Event::Text(t) => {
                    let text = t.unescape().map_err(|e| escape_error(&e, start))?;
                    if let Some(ev) = self.text_event(text.into_owned(), start)? {
                        return Ok(ev);
                    }
                }
                Event::CData(c) => {
                    let text = String::from_utf8_lossy(&c).into_owned();
                    if let Some(ev) = self.text_event(text, start)? {
                        return Ok(ev);
                    }
                }
                Event::Eof => return self.eof(),
                Event::Comment(_) | Event::Decl(_) | Event::PI(_) | Event::DocType(_) => {}
            }
        }
    }

    fn position(&self) -> usize {
        usize::try_from(self.reader.buffer_position()).unwrap_or(self.text.len())
    }

    fn close(&mut self) {
        self.open.pop();
        if self.open.is_empty() {
            self.root_closed = true;
        }
    }

    fn start(
        &mut self,
        e: &BytesStart<'_>,
        offset: usize,
        empty: bool,
    ) -> Result<XmlEvent, XmlError> {
        let qname = String::from_utf8_lossy(e.name().as_ref()).into_owned();
        if self.root_closed {
            return Err(XmlError {
                message: format!("element `{qname}` after the end of the root element"),
                offset,
            });
        }
        let local = String::from_utf8_lossy(e.local_name().as_ref()).into_owned();
        let (attrs, namespaces) = attributes(e, offset)?;
        let namespace = if self.open.is_empty() {
            // The root's namespace can only be declared on the root itself.
            let prefix =
                e.name().prefix().map(|p| String::from_utf8_lossy(p.as_ref()).into_owned());
            let key = prefix.map_or_else(|| "xmlns".to_string(), |p| format!("xmlns:{p}"));
            namespaces.into_iter().find(|(k, _)| *k == key).map(|(_, v)| v)
        } else {
            None
        };
        self.open.push(qname);
        self.pending_end = empty;
        Ok(XmlEvent::Start(Element { local, namespace, attrs, offset }))
    }

    /// Text inside the root is reported; whitespace outside it is skipped; anything else
    /// outside it is an error.
    fn text_event(&self, text: String, offset: usize) -> Result<Option<XmlEvent>, XmlError> {
        if !self.open.is_empty() {
            return Ok(Some(XmlEvent::Text(text)));
        }
        if text.chars().all(|c| matches!(c, ' ' | '\t' | '\r' | '\n')) {
            return Ok(None);
        }
        let lead = text.len() - text.trim_start().len();
        Err(XmlError { message: "text outside the root element".into(), offset: offset + lead })
    }

    fn eof(&self) -> Result<XmlEvent, XmlError> {
        let offset = self.text.len();
        if let Some(name) = self.open.last() {
            return Err(XmlError {
                message: format!("unexpected end of file: element `{name}` is not closed"),
                offset,
            });
        }
        if !self.root_closed {
            return Err(XmlError { message: "no root element".into(), offset });
        }
        Ok(XmlEvent::Eof)
    }
}

/// Attributes and namespace declarations, in `(name, value)` pairs.
type Attrs = Vec<(String, String)>;

/// Every attribute of `e` (checked: duplicates and malformed attributes are errors), and apart
/// the namespace declarations.
fn attributes(e: &BytesStart<'_>, offset: usize) -> Result<(Attrs, Attrs), XmlError> {
    let mut out = Vec::new();
    let mut namespaces = Vec::new();
    let mut seen = HashSet::new();
    for attr in e.attributes().with_checks(false) {
        let attr = attr.map_err(|err| attr_error(&err, offset))?;
        let key = String::from_utf8_lossy(attr.key.as_ref()).into_owned();
        if !seen.insert(key.clone()) {
            return Err(XmlError { message: format!("attribute `{key}` given twice"), offset });
        }
        let value = attr
            .unescape_value()
            .map_err(|err| XmlError { message: format!("attribute `{key}`: {err}"), offset })?;
        if key == "xmlns" || key.starts_with("xmlns:") {
            namespaces.push((key, value.into_owned()));
        } else {
            out.push((key, value.into_owned()));
        }
    }
    Ok((out, namespaces))
}

/// An attribute syntax error, located in the text (quick-xml counts from the tag's name).
fn attr_error(err: &AttrError, tag: usize) -> XmlError {
    let at = |pos: usize| tag + 1 + pos;
    let (message, offset) = match *err {
        AttrError::ExpectedEq(p) => ("attribute name not followed by `=`".to_string(), at(p)),
        AttrError::ExpectedValue(p) => ("attribute without a value".to_string(), at(p)),
        AttrError::UnquotedValue(p) => ("attribute value not in quotes".to_string(), at(p)),
        AttrError::ExpectedQuote(p, _) => ("attribute value not closed".to_string(), at(p)),
        AttrError::Duplicated(p, _) => ("attribute given twice".to_string(), at(p)),
    };
    XmlError { message, offset }
}

/// A bad entity or character reference, located in the text when quick-xml says where.
fn escape_error(err: &quick_xml::Error, start: usize) -> XmlError {
    let (message, offset) = match err {
        quick_xml::Error::Escape(EscapeError::UnrecognizedEntity(range, name)) => {
            (format!("undefined entity `&{name};`"), start + range.start.saturating_sub(1))
        }
        quick_xml::Error::Escape(EscapeError::UnterminatedEntity(range)) => {
            ("`&` without a closing `;`".to_string(), start + range.start)
        }
        other => (other.to_string(), start),
    };
    XmlError { message, offset }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn events(text: &str) -> Result<Vec<XmlEvent>, XmlError> {
        let mut cursor = Cursor::new(text);
        let mut out = Vec::new();
        loop {
            let ev = cursor.next()?;
            if ev == XmlEvent::Eof {
                return Ok(out);
            }
            out.push(ev);
        }
    }

    #[test]
    fn elements_text_and_offsets() {
        let evs = events("<?xml version='1.0'?>\n<!-- c -->\n<r xmlns='urn:x' a='1&amp;2'><b/>t&lt;&#65;<![CDATA[<x>]]></r>\n").unwrap();
        let XmlEvent::Start(root) = &evs[0] else { panic!("{evs:?}") };
        assert_eq!(root.local, "r");
        assert_eq!(root.namespace.as_deref(), Some("urn:x"));
        assert_eq!(root.attr("a"), Some("1&2"));
        assert_eq!(root.offset, 33);
        let XmlEvent::Start(b) = &evs[1] else { panic!() };
        assert_eq!((b.local.as_str(), b.namespace.as_deref()), ("b", None));
        assert_eq!(evs[2], XmlEvent::End);
        assert_eq!(evs[3], XmlEvent::Text("t<A".into()));
        assert_eq!(evs[4], XmlEvent::Text("<x>".into()));
        assert_eq!(evs[5], XmlEvent::End);
        assert_eq!(evs.len(), 6);
    }

    #[test]
    fn prefixed_root_resolves() {
        let evs = events("<p:r xmlns:p='urn:y'/>").unwrap();
        let XmlEvent::Start(root) = &evs[0] else { panic!() };
        assert_eq!((root.local.as_str(), root.namespace.as_deref()), ("r", Some("urn:y")));
        assert!(root.attrs.is_empty());
    }

    #[test]
    fn unclosed_element_at_eof() {
        let err = events("<r><a>").unwrap_err();
        assert!(err.message.contains("`a` is not closed"), "{}", err.message);
        assert_eq!(err.offset, 6);
    }

    #[test]
    fn mismatched_end_tag() {
        let err = events("<r>\n<a></b></r>").unwrap_err();
        assert!(err.message.contains('a') && err.message.contains('b'), "{}", err.message);
    }

    #[test]
    fn content_outside_root() {
        assert!(events("<r/><s/>").unwrap_err().message.contains("after the end"));
        let err = events("<r/>\n  junk").unwrap_err();
        assert_eq!(err.offset, 7);
        assert!(events("junk<r/>").is_err());
        assert!(events("").unwrap_err().message.contains("no root"));
        assert!(events("<!-- only -->").is_err());
    }

    #[test]
    fn bad_attributes_and_entities() {
        assert!(events("<r a='1' a='2'/>").is_err());
        assert!(events("<r a/>").is_err());
        assert!(events("<r>&nbsp;</r>").is_err());
        assert!(events("<r a='&bogus;'/>").is_err());
    }
}
