//! Every input-safety limit of iocscan, in one place, each with its reason.
//!
//! IOC files come from third parties and are hostile input until proven otherwise; the scanned
//! host is hostile too (deep trees, huge files, FIFOs). Each limit below bounds memory or time
//! and is checked *before* the expensive work it protects.

/// Largest IOC file accepted, in bytes (3 MiB, as the reference product).
///
/// Checked from file metadata and again while reading, before any XML parsing, because the
/// memory a DOM-like model takes grows with the input.
pub const MAX_IOC_FILE_BYTES: u64 = 3 * 1024 * 1024;

/// Deepest element nesting accepted inside one IOC document.
///
/// Real indicators nest a handful of levels; the limit keeps every recursive walk over the
/// model and the compiled tree far from the stack's end on any input.
pub const MAX_NESTING: usize = 64;

/// Most Indicator plus IndicatorItem nodes in one IOC document.
///
/// A 3 MiB file could hold ~50,000 tiny items; real files hold a few thousand at most. The cap
/// bounds compile time and memory for one document.
pub const MAX_NODES_PER_DOCUMENT: usize = 100_000;

/// Compiled size limit for one `matches` regex, in bytes (see `regex::RegexBuilder::size_limit`).
///
/// The `regex` crate guarantees linear-time search; this bounds the memory of the automaton so
/// that a hostile pattern like `(a{100}){100}` is rejected instead of allocated.
pub const MAX_REGEX_COMPILED_BYTES: usize = 1 << 20;

/// Longest `matches` pattern accepted, in bytes, checked before the regex is parsed.
pub const MAX_REGEX_PATTERN_BYTES: usize = 4096;

/// Regex parser nesting limit (see `regex::RegexBuilder::nest_limit`).
pub const MAX_REGEX_NESTING: u32 = 64;

/// Default largest file whose content is hashed, in bytes (200 MiB, as the reference product).
///
/// Hashing dominates scan time; a hash term over a larger file is reported as *not evaluated*
/// for that file, never as "no match".
pub const DEFAULT_MAX_HASH_BYTES: u64 = 200 * 1024 * 1024;

/// Size of the read buffer reused per worker thread for hashing, in bytes.
pub const HASH_BUFFER_BYTES: usize = 256 * 1024;

/// Matched objects kept per branch of a detected IOC's card; the total count is kept too.
///
/// A term like `FileItem/FileExtension is dll` can match a hundred thousand files; the card
/// stays readable and memory stays bounded.
pub const MAX_OBJECTS_PER_BRANCH: usize = 100;

/// Longest line accepted in a snapshot file, in bytes; a longer line is reported and skipped.
pub const MAX_SNAPSHOT_LINE_BYTES: usize = 16 * 1024 * 1024;

/// Most `W-structure` warnings (unknown elements and other harmless oddities) reported for one
/// IOC document; one more warning says that the rest was not reported.
///
/// Each kind of oddity is reported once, but a hostile file can invent a new element name per
/// element: without a cap, a 3 MiB file would produce hundreds of thousands of diagnostics.
pub const MAX_STRUCTURE_WARNINGS_PER_DOCUMENT: usize = 32;

/// Collection errors kept per non-file item kind; the rest are counted and summarised in one
/// more error.
///
/// A host with thousands of processes of other users can yield one "permission denied" per
/// process; the report stays readable and memory stays bounded.
pub const MAX_KEPT_COLLECT_ERRORS: usize = 1000;

/// Largest host text or record file read by the non-file collectors (`/etc/passwd`,
/// `/etc/group`, `/etc/shadow`, utmp, `/proc` tables), in bytes.
///
/// These files are small on any real host; the cap keeps a hostile or broken file (a huge
/// utmp, a FIFO put in place of `/etc/group`) from exhausting memory. Reading stops at the cap
/// and the truncation is reported.
pub const MAX_HOST_FILE_BYTES: u64 = 64 * 1024 * 1024;

/// Longest time the whole neighbour-table dump (rtnetlink) may take, in milliseconds.
///
/// The kernel answers a dump at once (milliseconds even for large tables); the deadline only
/// guarantees that the collector never hangs on a socket that stays silent or never ends.
pub const NETLINK_TIMEOUT_MS: u64 = 5000;

/// Collection problems kept (with their text) in one scan report; the rest are only counted.
///
/// A scan of `/` as an unprivileged user meets tens of thousands of permission errors; the
/// report stays readable and its memory bounded, and `summary.errors` still counts them all.
pub const MAX_REPORTED_COLLECT_ERRORS: usize = 1000;

/// Bad snapshot lines kept (with line number and reason) in one scan report; the rest are
/// only counted, so a snapshot of garbage cannot grow the report without bound.
pub const MAX_REPORTED_SNAPSHOT_ERRORS: usize = 1000;

/// Snapshot items evaluated per parallel batch when scanning a snapshot.
///
/// Lines are read one at a time; a batch bounds the items held in memory at once while still
/// giving the thread pool enough work to share.
pub const SNAPSHOT_BATCH_ITEMS: usize = 4096;

/// Open file descriptors read per process for its HandleList (in fd order; the rest are left
/// out and the cut is reported).
///
/// A busy server holds 10^5 descriptors, each costing a `readlink` (and a `stat` when a column
/// needs it); the cap bounds the time and the memory of one process's list.
pub const MAX_HANDLES_PER_PROCESS: usize = 4096;

/// Bytes of open files hashed per process for the HandleList digest columns (1 GiB); later
/// files of that process get no digest (not evaluated) and the cut is reported.
///
/// Each file is already capped by the hash size limit, but a process can hold thousands of
/// large files open (a database): without a per-process budget one process could make the
/// scan read terabytes.
pub const MAX_HANDLE_HASH_BYTES_PER_PROCESS: u64 = 1024 * 1024 * 1024;

/// Bytes of `/proc/PID/maps` read per process (SectionList, DllPath, imageLoadEvent).
///
/// A maps line is about 100 bytes and the kernel's default map count limit is 65,530, so a
/// normal process fits well below; a process with a pathological map count cannot grow the
/// scan's memory past this. A cut is reported.
pub const MAX_MAPS_BYTES: u64 = 8 * 1024 * 1024;

/// Memory regions (maps lines) kept per process, for the same reason as [`MAX_MAPS_BYTES`]:
/// each region becomes one SectionList element in several columns.
pub const MAX_SECTIONS_PER_PROCESS: usize = 65_536;

// ---------------------------------------------------------------------------------------------
// Parquet snapshots (`snapshot::parquet`): files other tools wrote are hostile input too.
// ---------------------------------------------------------------------------------------------

/// Rows handed to the Parquet encoder at once, and rows decoded at once when reading.
///
/// Large enough that per-batch costs vanish, small enough that a batch of the widest kind
/// (ProcessItem, 150 columns) stays a few megabytes and that a decoded column stays below
/// the allocator's large-object size, so its pages are reused from batch to batch (2,048
/// rows read the fleet bench's file items with 20% less CPU than 8,192).
pub const PARQUET_BATCH_ROWS: usize = 2048;

/// Rows per row group written: the unit of statistics, of skipping and of parallel reads;
/// 65,536 is what other writers (pyarrow, Spark) use by default or less.
pub const PARQUET_ROW_GROUP_ROWS: usize = 65_536;

/// Encoded bytes buffered per file before a row group is closed early (64 MiB): wide rows
/// (process handle lists) must not hold the collection's memory at 65,536 rows of them.
pub const PARQUET_ROW_GROUP_BYTES: usize = 64 * 1024 * 1024;

/// Longest Parquet footer (file metadata) read, in bytes (64 MiB).
///
/// The footer is read whole before any row; its length is the file's last 8 bytes, which a
/// hostile file can set to anything. A real footer is kilobytes per row group.
pub const MAX_PARQUET_FOOTER_BYTES: u64 = 64 * 1024 * 1024;

/// Largest uncompressed column chunk (one column of one row group) read, in bytes (1 GiB).
///
/// A chunk's pages are decompressed as they are read, each to the size its header claims:
/// a chunk over this is refused with its file rather than decoded.
pub const MAX_PARQUET_CHUNK_BYTES: i64 = 1024 * 1024 * 1024;

/// Columns accepted in one Parquet file: the widest kind has about 150 terms, and a file of
/// a million columns would cost memory in its schema alone.
pub const MAX_PARQUET_COLUMNS: usize = 4096;

/// Files read from one snapshot folder (every `<Kind>.parquet` and `<Kind>/*.parquet`): each
/// open file holds a decoded batch, so their number bounds the reader's memory.
pub const MAX_PARQUET_FILES: usize = 4096;

/// Longest `snapshot.json` read (64 MiB: about 300,000 host headers).
pub const MAX_PARQUET_MANIFEST_BYTES: u64 = 64 * 1024 * 1024;

/// Rows of one kind read for one host (10 million). A host is held in memory while it is
/// scanned; past this, its further rows of the kind are skipped and reported, and the kind
/// no longer counts as collected on that host (its conditions are not evaluated).
pub const MAX_PARQUET_HOST_ROWS: usize = 10_000_000;

/// Entries accepted in one list value (a process's handles or memory sections): the
/// collectors keep at most [`MAX_SECTIONS_PER_PROCESS`]; a longer list skips its row.
pub const MAX_PARQUET_LIST_ENTRIES: usize = 1 << 20;
