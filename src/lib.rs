//! iocscan: an OpenIOC 1.0/1.1 scan engine.
//!
//! ```text
//! IOC XML -> model::IocDocument -> compile::Ruleset -> eval over item::ItemView
//!         -> card::Card (detected IOCs) + verdict::IocResult (every IOC)
//! ```
//!
//! Read IOC files, compile them once, evaluate them over items (from the live host, a
//! snapshot, or your own [`ItemView`]), and get a card for each detected IOC and a verdict for
//! every one:
//!
//! ```
//! use iocscan::{compile, eval, Field, Item, ItemKind, Verdict};
//! use std::path::Path;
//!
//! let xml = br#"<OpenIOC xmlns="http://openioc.org/schemas/OpenIOC_1.1" id="evil">
//!   <criteria><Indicator operator="AND" id="one-file">
//!     <IndicatorItem id="name" condition="is">
//!       <Context document="FileItem" search="FileItem/FileName"/><Content>evil.exe</Content>
//!     </IndicatorItem>
//!     <IndicatorItem id="size" condition="greater-than">
//!       <Context document="FileItem" search="FileItem/SizeInBytes"/><Content>1000</Content>
//!     </IndicatorItem>
//!   </Indicator></criteria></OpenIOC>"#;
//! let document = iocscan::parse::parse(Path::new("evil.ioc"), xml)?.document;
//! let (ruleset, warnings) = compile(&[document]);
//! assert!(warnings.is_empty());
//!
//! let file = |name: &str, size: i64| {
//!     Item::new(ItemKind::File).with(Field::FileFileName, name).with(Field::FileSizeInBytes, size)
//! };
//! let detection = eval::scan(&ruleset, &[file("evil.exe", 4096), file("notes.txt", 12)]);
//! assert_eq!(detection.cards[0].id, "evil");
//! assert_eq!(detection.results[0].verdict, Verdict::Detected);
//! # Ok::<(), iocscan::diag::Diagnostic>(())
//! ```
//!
//! An agent scans its own host through the driver, which collects only what the IOCs need:
//!
//! ```no_run
//! let loaded = iocscan::load_ruleset(&["/etc/iocs"]);
//! let report = iocscan::scan_host(&loaded.ruleset, &iocscan::ScanOptions::default())?;
//! for result in &report.results {
//!     println!("{} {}", result.verdict, result.id);
//! }
//! # Ok::<(), iocscan::driver::DriverError>(())
//! ```
//!
//! # Input safety
//!
//! IOC files, snapshots and host data are hostile input: every limit (file sizes, nesting,
//! regex sizes, per-item reads) is in [`limits`] with its reason; nothing panics on bad input,
//! which becomes a [`diag::Diagnostic`] (IOC files) or a typed [`collect::CollectError`]
//! (host data) naming what it is about. Nothing is ever written to the scanned host.
//!
//! # Semantics
//!
//! The truth table is the `logic` module's: detection is two-valued (a condition that
//! cannot be evaluated is false), the verdict three-valued ([`verdict`]). The README states
//! every decision where the OpenIOC format is silent.
#![forbid(unsafe_code)]
#![deny(missing_docs)]

/// The program's name and version (`iocscan 0.1.0`), as outputs and snapshot headers name it.
pub const TOOL: &str = concat!("iocscan ", env!("CARGO_PKG_VERSION"));

pub mod bundle;
pub mod card;
pub mod collect;
pub mod compile;
pub mod diag;
pub mod driver;
pub mod eval;
pub mod fsread;
pub mod import;
pub mod item;
pub mod limits;
pub mod load;
pub mod logic;
pub mod model;
pub mod parse;
pub mod path_text;
pub mod snapshot;
pub mod source;
pub mod terms;
pub mod verdict;

pub use card::Card;
pub use compile::{compile, Ruleset};
pub use diag::Diagnostic;
pub use driver::{scan_host, scan_snapshot, ScanOptions, ScanReport};
pub use eval::{Detection, Scanner};
pub use item::{Item, ItemKind, ItemView};
pub use load::{load_ruleset, LoadedRuleset};
pub use terms::Field;
pub use verdict::{IocResult, Verdict};
