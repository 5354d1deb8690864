//! Collectors: the host -> items.
//!
//! SKELETON: the collector helpers replace this body.
