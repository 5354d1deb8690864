//! iocscan: an OpenIOC 1.0/1.1 scan engine.
//!
//! ```text
//! IOC XML -> model::IocDocument -> compile::Ruleset -> eval over item::ItemView -> card::Card
//! ```
#![forbid(unsafe_code)]
#![deny(missing_docs)]

/// The program's name and version (`iocscan 0.1.0`), as outputs and snapshot headers name it.
pub const TOOL: &str = concat!("iocscan ", env!("CARGO_PKG_VERSION"));

pub mod card;
pub mod collect;
pub mod compile;
pub mod diag;
pub mod driver;
pub mod eval;
pub mod fsread;
pub mod item;
pub mod limits;
pub mod load;
mod logic;
pub mod model;
pub mod parse;
pub mod path_text;
pub mod snapshot;
pub mod source;
pub mod terms;
pub mod verdict;
