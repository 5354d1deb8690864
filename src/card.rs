//! Detected-IOC cards: what the evaluator reports for each IOC whose tree is true.
//!
//! A card carries the IOC's identity and metadata, the matched branches of its tree (each with
//! the text of its matched conditions), and for every item-scoped branch the objects that made
//! it true with the observed values. Cards are plain serde data; `schema/` describes their JSON.
//! This module builds nothing itself: the evaluator fills cards, printers render them.

use crate::compile::IocInfo;
use crate::item::{Item, ItemKind};
use crate::model::{Link, Version};
use crate::source::Position;
use serde::Serialize;
use std::path::PathBuf;

/// One detected IOC.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Card {
    /// The IOC id (root `id`).
    pub id: String,
    /// The file the IOC came from (serialised as its lossless text, see [`crate::path_text`]).
    #[serde(serialize_with = "crate::path_text::serialize")]
    pub file: PathBuf,
    /// OpenIOC version of the file.
    pub version: Version,
    /// Descriptive metadata.
    pub metadata: CardMetadata,
    /// The matched branches, in tree order (pre-order), top-level Indicators first.
    pub branches: Vec<MatchedBranch>,
}

/// Metadata shown on a card (absent fields and the MIR "unset" date are omitted).
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct CardMetadata {
    /// `short_description`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub short_description: Option<String>,
    /// `description`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// `authored_by`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub authored_by: Option<String>,
    /// `authored_date`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub authored_date: Option<String>,
    /// Root `last-modified`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_modified: Option<String>,
    /// `keywords`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub keywords: Option<String>,
    /// `links/link`.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub links: Vec<Link>,
}

/// The MIR "unset" date, omitted from cards.
const UNSET_DATE: &str = "0001-01-01T00:00:00";

impl CardMetadata {
    /// What a card shows of a compiled IOC's metadata: exports write empty elements
    /// (`<keywords />`) and the MIR "unset" date for fields never set, and those say nothing.
    pub fn of(info: &IocInfo) -> Self {
        let m = &info.metadata;
        let text = |t: &Option<String>| t.clone().filter(|t| !t.trim().is_empty());
        let date = |d: &Option<String>| text(d).filter(|d| !d.trim().starts_with(UNSET_DATE));
        CardMetadata {
            short_description: text(&m.short_description),
            description: text(&m.description),
            authored_by: text(&m.authored_by),
            authored_date: date(&m.authored_date),
            last_modified: date(&info.last_modified),
            keywords: text(&m.keywords),
            links: m.links.clone(),
        }
    }
}

/// A true branch: an Indicator whose value was true, or an item-scoped group of conditions
/// that some objects satisfied.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct MatchedBranch {
    /// The Indicator's id (absent for 1.0 Indicators without id).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub indicator_id: Option<String>,
    /// `AND` or `OR`.
    pub operator: String,
    /// Where the Indicator starts.
    pub position: Position,
    /// Nesting depth (0 for a top-level Indicator).
    pub depth: u32,
    /// For item-scoped groups: the item kind the group binds to one object.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub kind: Option<ItemKind>,
    /// The conditions of this branch that were true (for groups: true on some matched object).
    pub conditions: Vec<MatchedCondition>,
    /// Matched objects (at most [`crate::limits::MAX_OBJECTS_PER_BRANCH`], in a deterministic
    /// order).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub objects: Vec<MatchedObject>,
    /// How many objects matched in all (may exceed `objects.len()`).
    pub total_objects: u64,
}

/// A true IndicatorItem.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct MatchedCondition {
    /// The IndicatorItem id.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub item_id: Option<String>,
    /// Where the IndicatorItem starts.
    pub position: Position,
    /// The condition as text: `FileItem/Md5sum is 0123...` (`is not`, `contains not` when
    /// negated).
    pub text: String,
    /// A 1.0 `Comment` or 1.1 `comment` param on the item.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
}

/// One object (file, process, connection, ...) that satisfied an item-scoped branch.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct MatchedObject {
    /// The object's identifying fields (the catalogue's card fields) and the matched fields.
    pub item: Item,
    /// Per matched condition, the observed value that satisfied it.
    pub evidence: Vec<Evidence>,
}

/// The observed value that satisfied one condition on one object.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Evidence {
    /// The IndicatorItem id.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub item_id: Option<String>,
    /// The term.
    pub term: &'static str,
    /// The observed value (for list terms: the element that satisfied the condition; for
    /// negated conditions: the whole value).
    pub observed: crate::item::Value,
    /// How faithful the value is: `exact` for recorded events and for what a host holds now;
    /// `inferred` or `approximate` where a state scan stands in for an event
    /// ([`crate::terms::Grade`]).
    pub grade: crate::terms::Grade,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn metadata_omits_unset_dates_and_empty_elements() {
        use crate::compile::compile;
        use crate::compile::tests::{doc10, ind, item, one};
        let doc = doc10(
            "y",
            r#"<Indicator operator="OR" id="t"><IndicatorItem id="a" condition="is"><Context document="FileItem" search="FileItem/FileName" type="mir"/><Content type="string">a</Content></IndicatorItem></Indicator>"#,
        );
        let (rs, _) = compile(&[doc]);
        assert_eq!(
            CardMetadata::of(rs.iocs().next().unwrap()).last_modified.as_deref(),
            Some("2013-01-01T00:00:00")
        );
        let (rs, _) =
            one(&[ind("t", "OR", &[item("a", "is", "FileItem/FileName", "string", "a", "")])]);
        assert_eq!(CardMetadata::of(rs.iocs().next().unwrap()).authored_date, None);
        let doc = crate::compile::tests::parse_doc(
            r#"<ioc xmlns="http://schemas.mandiant.com/2010/ioc" id="e"><short_description>s</short_description><description> </description><keywords /><authored_by></authored_by><definition><Indicator operator="OR"><IndicatorItem condition="is"><Context document="FileItem" search="FileItem/FileName"/><Content>a</Content></IndicatorItem></Indicator></definition></ioc>"#,
        );
        let (rs, _) = compile(&[doc]);
        let m = CardMetadata::of(rs.iocs().next().unwrap());
        assert_eq!(m.short_description.as_deref(), Some("s"));
        assert_eq!((&m.description, &m.keywords, &m.authored_by), (&None, &None, &None));
    }
    use std::os::unix::ffi::OsStrExt;

    #[test]
    fn a_card_from_a_file_that_is_not_utf8_serialises_escaped() {
        let file = std::ffi::OsStr::from_bytes(b"iocs\\old/\xe9t\xe9.ioc");
        let card = Card {
            id: "c".into(),
            file: PathBuf::from(file),
            version: Version::V1_1,
            metadata: CardMetadata::default(),
            branches: Vec::new(),
        };
        let json = serde_json::to_string(&card).unwrap();
        assert!(json.starts_with(r#"{"id":"c","file":"iocs\\\\old/\\xe9t\\xe9.ioc","#), "{json}");
    }
}
