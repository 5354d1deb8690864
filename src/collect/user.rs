//! SKELETON: the host-collector helper replaces this file.
use super::Collected;
use crate::terms::FieldSet;

/// Collects items of this kind.
pub fn collect(fields: &FieldSet) -> Collected {
    let _ = fields;
    todo!()
}
