//! XML events -> [`IocDocument`]: the OpenIOC structure of 1.0 and 1.1 files.
//!
//! Iterative: an explicit stack of frames, one per open element, so no input can exhaust the
//! call stack; depth and node counts are checked on every element start against
//! [`crate::limits`]. Elements are matched by local name (files mix namespaces); the root's
//! namespace only decides whether a warning is due. Both versions' layouts are accepted in
//! either version (metadata directly under the root or inside `metadata`, `definition` or
//! `criteria`), because doing so changes no meaning. Unknown elements are skipped with one
//! `W-structure` warning per kind of oddity and file. Nothing here interprets terms,
//! conditions or values.

use super::xml::{Cursor, Element, XmlError, XmlEvent};
use super::Parsed;
use crate::diag::{Code, Diagnostic};
use crate::limits::{MAX_NESTING, MAX_NODES_PER_DOCUMENT, MAX_STRUCTURE_WARNINGS_PER_DOCUMENT};
use crate::model::{
    Content, Context, Indicator, IndicatorItem, IocDocument, Link, Metadata, Node, Param, Version,
};
use crate::source::{Position, Positions};
use std::collections::{HashMap, HashSet};
use std::path::Path;

/// Namespace of OpenIOC 1.0.
mod small;
use small::{link, meta_field, param, MetaField};

pub(crate) const NS_1_0: &str = "http://schemas.mandiant.com/2010/ioc";
/// Namespace of OpenIOC 1.1.
pub(crate) const NS_1_1: &str = "http://openioc.org/schemas/OpenIOC_1.1";

/// Reads one decoded document.
pub(crate) fn read(file: &Path, text: &str) -> Result<Parsed, Diagnostic> {
    let mut builder = Builder::new(file, text);
    let mut cursor = Cursor::new(text);
    loop {
        let event = cursor.next().map_err(|e| builder.xml_error(&e))?;
        match event {
            XmlEvent::Start(el) => builder.start(el, cursor.depth())?,
            XmlEvent::Text(t) => builder.text(&t),
            XmlEvent::End => builder.end(),
            XmlEvent::Eof => return builder.finish(),
        }
    }
}

/// Where the text of a text-only element goes.
#[derive(Debug)]
enum TextSlot {
    Meta(MetaField),
    Link(Link),
    /// The Content, and its `value` attribute (used when the text is empty).
    Content(Content, Option<String>),
    Comment,
    ParamValue(Option<String>),
}

/// An IndicatorItem being read, with what it has seen so far.
#[derive(Debug)]
struct ItemBuilder {
    item: IndicatorItem,
    /// Byte offset of the element, for warnings raised at its end.
    offset: usize,
    has_context: bool,
    has_content: bool,
}

/// One open element.
#[derive(Debug)]
enum Frame {
    Root,
    Metadata,
    Links,
    Tree,
    Parameters,
    Indicator(Indicator),
    Item(Box<ItemBuilder>),
    Param(Param),
    Text(TextSlot, String),
    /// An ignored element and its subtree.
    Skip,
}

impl Frame {
    /// The element name, for warnings.
    fn name(&self) -> &'static str {
        match self {
            Frame::Root => "root",
            Frame::Metadata => "metadata",
            Frame::Links => "links",
            Frame::Tree => "definition/criteria",
            Frame::Parameters => "parameters",
            Frame::Indicator(_) => "Indicator",
            Frame::Item(_) => "IndicatorItem",
            Frame::Param(_) => "param",
            Frame::Text(..) => "text element",
            Frame::Skip => "ignored element",
        }
    }
}

/// The root's facts, known once the root element was read.
#[derive(Debug)]
struct RootInfo {
    version: Version,
    id: String,
    position: Position,
    last_modified: Option<String>,
    published_date: Option<String>,
}

struct Builder<'a> {
    file: &'a Path,
    positions: Positions<'a>,
    stack: Vec<Frame>,
    root: Option<RootInfo>,
    metadata: Metadata,
    criteria: Vec<Indicator>,
    parameters: Vec<Param>,
    tree_seen: bool,
    nodes: usize,
    node_ids: HashMap<String, Position>,
    warnings: Vec<Diagnostic>,
    /// The `W-structure` messages already given.
    warned: HashSet<String>,
    /// True once the cap on `W-structure` kinds was reached and said so.
    oddities_capped: bool,
}

impl<'a> Builder<'a> {
    fn new(file: &'a Path, text: &'a str) -> Self {
        Builder {
            file,
            positions: Positions::new(text),
            stack: Vec::new(),
            root: None,
            metadata: Metadata::default(),
            criteria: Vec::new(),
            parameters: Vec::new(),
            tree_seen: false,
            nodes: 0,
            node_ids: HashMap::new(),
            warnings: Vec::new(),
            warned: HashSet::new(),
            oddities_capped: false,
        }
    }

    fn position(&mut self, offset: usize) -> Position {
        self.positions.at(offset)
    }

    fn error(&mut self, code: Code, offset: usize, message: impl Into<String>) -> Diagnostic {
        Diagnostic::new(code, self.file, Some(self.position(offset)), message)
    }

    fn xml_error(&mut self, e: &XmlError) -> Diagnostic {
        self.error(Code::Xml, e.offset, format!("not well-formed XML: {}", e.message))
    }

    /// A `W-structure` warning, at most once per distinct message in a file.
    fn oddity(&mut self, offset: usize, message: String, note: Option<&str>) {
        if self.oddities_capped {
            return;
        }
        if self.warned.len() == MAX_STRUCTURE_WARNINGS_PER_DOCUMENT {
            let position = Some(self.position(offset));
            let message = format!(
                "more than {MAX_STRUCTURE_WARNINGS_PER_DOCUMENT} kinds of structural oddities; \
                 the others are not reported"
            );
            self.warnings.push(Diagnostic::new(Code::Structure, self.file, position, message));
            self.oddities_capped = true;
            return;
        }
        if self.warned.insert(message.clone()) {
            let position = Some(self.position(offset));
            let mut d = Diagnostic::new(Code::Structure, self.file, position, message);
            if let Some(note) = note {
                d = d.with_note(note);
            }
            self.warnings.push(d);
        }
    }

    fn start(&mut self, el: Element, depth: usize) -> Result<(), Diagnostic> {
        if depth > MAX_NESTING {
            let msg = format!("elements nest deeper than {MAX_NESTING} levels");
            return Err(self.error(Code::Nesting, el.offset, msg));
        }
        let Some(parent) = self.stack.last() else {
            self.root(&el)?;
            self.stack.push(Frame::Root);
            return Ok(());
        };
        if let (Frame::Root | Frame::Metadata, Some(field)) = (parent, meta_field(&el.local)) {
            self.stack.push(Frame::Text(TextSlot::Meta(field), String::new()));
            return Ok(());
        }
        let frame = match (parent, el.local.as_str()) {
            (Frame::Skip, _) => Frame::Skip,
            (Frame::Root | Frame::Metadata, "links") => Frame::Links,
            (Frame::Root, "metadata") => Frame::Metadata,
            (Frame::Root, "definition" | "criteria") => {
                self.tree_seen = true;
                Frame::Tree
            }
            (Frame::Root, "parameters") => Frame::Parameters,
            (Frame::Links, "link") => Frame::Text(TextSlot::Link(link(&el)), String::new()),
            (Frame::Tree | Frame::Indicator(_), "Indicator") => self.indicator(&el)?,
            (Frame::Indicator(_), "IndicatorItem") => self.item(&el)?,
            (Frame::Item(_), "Context") => self.context(&el),
            (Frame::Item(_), "Content") => self.content(&el),
            (Frame::Item(_), "Comment") => Frame::Text(TextSlot::Comment, String::new()),
            (Frame::Parameters, "param") => Frame::Param(param(&el)),
            (Frame::Param(_), "value") => Frame::Text(
                TextSlot::ParamValue(el.attr("type").map(str::to_string)),
                String::new(),
            ),
            (parent, name) => {
                let msg = format!("unknown element `{name}` in {}", parent.name());
                self.oddity(el.offset, msg, Some("ignored with everything inside it"));
                Frame::Skip
            }
        };
        self.stack.push(frame);
        Ok(())
    }

    /// Checks the root element: name, namespace, id.
    fn root(&mut self, el: &Element) -> Result<(), Diagnostic> {
        let (version, expected) = match el.local.as_str() {
            "ioc" => (Version::V1_0, NS_1_0),
            "OpenIOC" => (Version::V1_1, NS_1_1),
            other => {
                let msg = format!(
                    "root element `{other}` is neither OpenIOC 1.0 `ioc` nor OpenIOC 1.1 `OpenIOC`"
                );
                return Err(self.error(Code::Root, el.offset, msg));
            }
        };
        if el.namespace.as_deref() != Some(expected) {
            let found = el
                .namespace
                .as_deref()
                .map_or("no namespace".to_string(), |n| format!("namespace `{n}`"));
            let msg = format!(
                "root `{}` has {found}, expected `{expected}`; read as OpenIOC {}",
                el.local,
                version.as_str()
            );
            self.oddity(el.offset, msg, None);
        }
        let id = el.attr("id").unwrap_or_default();
        if id.trim().is_empty() {
            let msg = format!("root `{}` has no `id`", el.local);
            return Err(self.error(Code::MissingId, el.offset, msg));
        }
        self.root = Some(RootInfo {
            version,
            id: id.to_string(),
            position: self.position(el.offset),
            last_modified: el.attr("last-modified").map(str::to_string),
            published_date: el.attr("published-date").map(str::to_string),
        });
        Ok(())
    }

    /// Counts a logic node and checks its id; returns its position and id.
    fn node(&mut self, el: &Element) -> Result<(Position, Option<String>), Diagnostic> {
        self.nodes += 1;
        if self.nodes > MAX_NODES_PER_DOCUMENT {
            let msg =
                format!("more than {MAX_NODES_PER_DOCUMENT} Indicator and IndicatorItem elements");
            return Err(self.error(Code::TooManyNodes, el.offset, msg));
        }
        let position = self.position(el.offset);
        // An empty id is no id: it identifies nothing and must not count as a duplicate.
        let id = el.attr("id").filter(|id| !id.trim().is_empty()).map(str::to_string);
        if let Some(id) = &id {
            if let Some(first) = self.node_ids.get(id) {
                let d = Diagnostic::new(
                    Code::DuplicateNodeId,
                    self.file,
                    Some(position),
                    format!("{} id `{id}` is used twice in this file", el.local),
                )
                .with_note(format!("first used at {first}; cards cite positions"))
                .with_related(self.file, *first);
                self.warnings.push(d);
            } else {
                self.node_ids.insert(id.clone(), position);
            }
        }
        Ok((position, id))
    }

    fn indicator(&mut self, el: &Element) -> Result<Frame, Diagnostic> {
        let (position, id) = self.node(el)?;
        let operator = el.attr("operator").unwrap_or_default().to_string();
        Ok(Frame::Indicator(Indicator { id, operator, position, children: Vec::new() }))
    }

    fn item(&mut self, el: &Element) -> Result<Frame, Diagnostic> {
        let (position, id) = self.node(el)?;
        let item = IndicatorItem {
            id,
            condition: el.attr("condition").unwrap_or_default().to_string(),
            negate: el.attr("negate").map(str::to_string),
            preserve_case: el.attr("preserve-case").map(str::to_string),
            position,
            context: Context::default(),
            content: Content::default(),
            comment: None,
        };
        Ok(Frame::Item(Box::new(ItemBuilder {
            item,
            offset: el.offset,
            has_context: false,
            has_content: false,
        })))
    }

    fn context(&mut self, el: &Element) -> Frame {
        let position = self.position(el.offset);
        let Some(Frame::Item(b)) = self.stack.last_mut() else { return Frame::Skip };
        if b.has_context {
            self.oddity(
                el.offset,
                "IndicatorItem with a second `Context`; the first is used".into(),
                None,
            );
            return Frame::Skip;
        }
        b.has_context = true;
        b.item.context = Context {
            document: el.attr("document").unwrap_or_default().to_string(),
            search: el.attr("search").unwrap_or_default().to_string(),
            context_type: el.attr("type").map(str::to_string),
            position: Some(position),
        };
        // Context has no content of its own; anything inside is ignored without fuss.
        Frame::Skip
    }

    fn content(&mut self, el: &Element) -> Frame {
        let duplicate = matches!(self.stack.last(), Some(Frame::Item(b)) if b.has_content);
        if duplicate {
            self.oddity(
                el.offset,
                "IndicatorItem with a second `Content`; the first is used".into(),
                None,
            );
            return Frame::Skip;
        }
        let content = Content {
            content_type: el.attr("type").map(str::to_string),
            text: String::new(),
            position: Some(self.position(el.offset)),
        };
        let value = el.attr("value").map(str::to_string);
        Frame::Text(TextSlot::Content(content, value), String::new())
    }

    fn text(&mut self, text: &str) {
        if let Some(Frame::Text(_, buf)) = self.stack.last_mut() {
            buf.push_str(text);
        }
    }

    fn end(&mut self) {
        let Some(frame) = self.stack.pop() else { return };
        match frame {
            Frame::Text(slot, text) => self.end_text(slot, text),
            Frame::Indicator(ind) => match self.stack.last_mut() {
                Some(Frame::Indicator(parent)) => parent.children.push(Node::Indicator(ind)),
                _ => self.criteria.push(ind),
            },
            Frame::Item(b) => self.end_item(*b),
            Frame::Param(p) => self.parameters.push(p),
            Frame::Root
            | Frame::Metadata
            | Frame::Links
            | Frame::Tree
            | Frame::Parameters
            | Frame::Skip => {}
        }
    }

    fn end_item(&mut self, b: ItemBuilder) {
        if !b.has_context {
            let note = Some("it names no term, so it can never match");
            self.oddity(b.offset, "IndicatorItem without `Context`".into(), note);
        }
        if let Some(Frame::Indicator(parent)) = self.stack.last_mut() {
            parent.children.push(Node::Item(b.item));
        }
    }

    fn end_text(&mut self, slot: TextSlot, text: String) {
        match slot {
            TextSlot::Meta(field) => {
                let m = &mut self.metadata;
                let target = match field {
                    MetaField::ShortDescription => &mut m.short_description,
                    MetaField::Description => &mut m.description,
                    MetaField::Keywords => &mut m.keywords,
                    MetaField::AuthoredBy => &mut m.authored_by,
                    MetaField::AuthoredDate => &mut m.authored_date,
                };
                *target = Some(text);
            }
            TextSlot::Link(mut link) => {
                link.value = text;
                self.metadata.links.push(link);
            }
            TextSlot::Content(mut content, value) => {
                // Some producers leave Content empty and put the value in `@value`.
                content.text = match value {
                    Some(v) if text.trim().is_empty() => v,
                    _ => text,
                };
                if let Some(Frame::Item(b)) = self.stack.last_mut() {
                    b.has_content = true;
                    b.item.content = content;
                }
            }
            TextSlot::Comment => {
                if let Some(Frame::Item(b)) = self.stack.last_mut() {
                    b.item.comment = Some(text);
                }
            }
            TextSlot::ParamValue(value_type) => {
                if let Some(Frame::Param(p)) = self.stack.last_mut() {
                    p.value = text;
                    p.value_type = value_type;
                }
            }
        }
    }

    fn finish(self) -> Result<Parsed, Diagnostic> {
        let Some(root) = self.root else {
            return Err(Diagnostic::new(Code::Xml, self.file, None, "no root element"));
        };
        if self.criteria.is_empty() {
            let what = if self.tree_seen {
                "the logic tree holds no Indicator"
            } else {
                "no `definition` (1.0) or `criteria` (1.1) element"
            };
            let d = Diagnostic::new(Code::NoCriteria, self.file, Some(root.position), what)
                .with_note("an IOC without indicators can never match");
            return Err(d);
        }
        let document = IocDocument {
            file: self.file.to_path_buf(),
            version: root.version,
            id: root.id,
            position: root.position,
            last_modified: root.last_modified,
            published_date: root.published_date,
            metadata: self.metadata,
            criteria: self.criteria,
            parameters: self.parameters,
        };
        Ok(Parsed { document, warnings: self.warnings })
    }
}

#[cfg(test)]
mod tests;
