//! The small element constructors of the document builder: metadata field names, `link`
//! and `param` elements from their attributes.

use super::super::xml::Element;
use crate::model::{Link, Param};

/// Which metadata field a text element fills.
#[derive(Debug, Clone, Copy)]
pub(super) enum MetaField {
    ShortDescription,
    Description,
    Keywords,
    AuthoredBy,
    AuthoredDate,
}

pub(super) fn meta_field(name: &str) -> Option<MetaField> {
    Some(match name {
        "short_description" => MetaField::ShortDescription,
        "description" => MetaField::Description,
        "keywords" => MetaField::Keywords,
        "authored_by" => MetaField::AuthoredBy,
        "authored_date" => MetaField::AuthoredDate,
        _ => return None,
    })
}

pub(super) fn link(el: &Element) -> Link {
    Link {
        rel: el.attr("rel").map(str::to_string),
        href: el.attr("href").map(str::to_string),
        value: String::new(),
    }
}

pub(super) fn param(el: &Element) -> Param {
    Param {
        id: el.attr("id").map(str::to_string),
        ref_id: el.attr("ref-id").map(str::to_string),
        name: el.attr("name").unwrap_or_default().to_string(),
        value: String::new(),
        value_type: None,
    }
}
