//! The document model: an OpenIOC file as written, 1.0 and 1.1 alike.
//!
//! Plain data, faithful to the XML: every id, attribute and metadata field is kept as the
//! original text, with the source [`Position`] of every Indicator and IndicatorItem. Nothing
//! here is interpreted (terms are not resolved, Content is not parsed): that is the compiler's
//! job ([`crate::compile`](mod@crate::compile)). The reader ([`crate::parse`]) is the only producer.

use crate::source::Position;
use serde::{Deserialize, Serialize};
use std::path::PathBuf;

/// The OpenIOC version of a document, decided by root element and namespace.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
pub enum Version {
    /// Root `ioc`, namespace `http://schemas.mandiant.com/2010/ioc`.
    #[serde(rename = "1.0")]
    V1_0,
    /// Root `OpenIOC`, namespace `http://openioc.org/schemas/OpenIOC_1.1`.
    #[serde(rename = "1.1")]
    V1_1,
}

impl Version {
    /// `"1.0"` or `"1.1"`.
    pub fn as_str(self) -> &'static str {
        match self {
            Version::V1_0 => "1.0",
            Version::V1_1 => "1.1",
        }
    }
}

/// One OpenIOC document (one IOC).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct IocDocument {
    /// The file it was read from (serialised as its lossless text, see [`crate::path_text`]).
    #[serde(serialize_with = "crate::path_text::serialize")]
    pub file: PathBuf,
    /// 1.0 or 1.1.
    pub version: Version,
    /// The root `id` (never empty: the reader rejects documents without one).
    pub id: String,
    /// Position of the root element.
    pub position: Position,
    /// Root `last-modified`, as written.
    pub last_modified: Option<String>,
    /// Root `published-date` (1.1), as written.
    pub published_date: Option<String>,
    /// Descriptive metadata.
    pub metadata: Metadata,
    /// The top-level Indicators (1.0: the one under `definition`; 1.1: those under `criteria`,
    /// which combine with OR).
    pub criteria: Vec<Indicator>,
    /// 1.1 `parameters/param` entries.
    pub parameters: Vec<Param>,
}

/// Descriptive metadata of an IOC (1.0: under the root; 1.1: under `metadata`).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Metadata {
    /// `short_description`.
    pub short_description: Option<String>,
    /// `description`.
    pub description: Option<String>,
    /// `keywords`.
    pub keywords: Option<String>,
    /// `authored_by`.
    pub authored_by: Option<String>,
    /// `authored_date`, as written.
    pub authored_date: Option<String>,
    /// `links/link` entries.
    pub links: Vec<Link>,
}

/// A `links/link` entry.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Link {
    /// `@rel`.
    pub rel: Option<String>,
    /// `@href`.
    pub href: Option<String>,
    /// The element text.
    pub value: String,
}

/// An `Indicator`: an AND or OR over its children.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Indicator {
    /// `@id` (optional in 1.0).
    pub id: Option<String>,
    /// `@operator` as written (`AND`/`OR`; other values are kept and warned about).
    pub operator: String,
    /// Where the element starts.
    pub position: Position,
    /// Children in document order.
    pub children: Vec<Node>,
}

/// A child of an Indicator.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(tag = "node", rename_all = "snake_case")]
pub enum Node {
    /// A nested Indicator.
    Indicator(Indicator),
    /// A leaf condition.
    Item(IndicatorItem),
}

/// An `IndicatorItem`: one condition on one term.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct IndicatorItem {
    /// `@id` (optional in 1.0).
    pub id: Option<String>,
    /// `@condition` as written (`is`, `contains`, `isnot`, `matches`, ...).
    pub condition: String,
    /// `@negate` as written (1.1).
    pub negate: Option<String>,
    /// `@preserve-case` as written (1.1).
    pub preserve_case: Option<String>,
    /// Where the element starts.
    pub position: Position,
    /// The `Context` element.
    pub context: Context,
    /// The `Content` element.
    pub content: Content,
    /// 1.0 `Comment` text.
    pub comment: Option<String>,
}

/// `Context`: which document and term the item tests.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Context {
    /// `@document` (e.g. `FileItem`).
    pub document: String,
    /// `@search`, the term (e.g. `FileItem/Md5sum`).
    pub search: String,
    /// `@type` (`mir`, `event`, ...).
    pub context_type: Option<String>,
    /// Where the Context element starts, when present.
    pub position: Option<Position>,
}

/// `Content`: the value to compare with.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Content {
    /// `@type` (`string`, `md5`, `int`, ...).
    pub content_type: Option<String>,
    /// The text with entity references resolved, not trimmed.
    pub text: String,
    /// Where the Content element starts, when present.
    pub position: Option<Position>,
}

/// A 1.1 `parameters/param`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Param {
    /// `@id`.
    pub id: Option<String>,
    /// `@ref-id`: the Indicator or IndicatorItem it annotates.
    pub ref_id: Option<String>,
    /// `@name` (e.g. `comment`).
    pub name: String,
    /// The `value` text.
    pub value: String,
    /// `value/@type`.
    pub value_type: Option<String>,
}
