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

// ---- Content: PE structure, strings, process memory --------------------------------------

/// Largest file whose bytes are kept for PE parsing and string search (32 MiB), from the same
/// read that hashes it; a larger file still gets its digests, and its PE and string terms are
/// not evaluated.
///
/// PE parsing needs the whole image at once (headers point anywhere in the file); a cap keeps
/// one worker's buffer bounded. Real executables above 32 MiB exist (installers, Electron
/// apps), but IOCs describe droppers and implants, which are small.
pub const MAX_CONTENT_BYTES: u64 = 32 * 1024 * 1024;

/// Resources read from one PE's resource directory (`ResourceInfoList`): real files hold
/// hundreds at most; the directory is a tree a crafted file can make wide or cyclic.
pub const MAX_PE_RESOURCES: usize = 4096;

/// Longest resource type or name read, in UTF-16 units: real ones are identifiers of a few
/// dozen; a longer one makes the directory unparsable (its terms not evaluated) rather than
/// compared cut.
pub const MAX_PE_RESOURCE_NAME_CHARS: usize = 1024;

/// Strings kept per item for `StringList/string` when every string is needed (a `matches`
/// condition); past this the term is not evaluated for the item rather than decided on part
/// of its strings. A 32 MiB binary has about 10^5 strings.
pub const MAX_STRINGS_PER_ITEM: usize = 200_000;

/// Longest `Yara/Yara` rule text compiled (feature `yara`). The converter's rules are a few
/// hundred bytes; a whole rule repository pasted into one item would cost seconds of native
/// code generation at every load.
pub const MAX_YARA_SOURCE_BYTES: usize = 1024 * 1024;

/// Time one file's `Yara/Yara` scan may take (feature `yara`); past it the term is not
/// evaluated for the file. A loop over every offset of a 32 MiB file (`for all i in
/// (0..filesize)`) runs for minutes; real rules scan a file in milliseconds.
pub const YARA_SCAN_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(10);

/// Matches kept per YARA pattern in a `Yara/Yara` scan (feature `yara`; yara-x keeps a
/// million by default). Rules test presence, counts and the first few offsets; a pattern
/// such as `{ 00 00 }` on a zero-filled image would otherwise keep a match per byte.
pub const MAX_YARA_MATCHES_PER_PATTERN: usize = 10_000;

/// Bytes kept of one string (4 KiB). A longer printable run (a text file's long line, a
/// base64 blob) is cut: `StringList` IOCs name paths, mutex names and messages.
pub const MAX_STRING_BYTES: usize = 4096;

/// Bytes of memory read per `pread` of `/proc/PID/mem` (1 MiB), reused per process; windows
/// overlap by [`MAX_STRING_BYTES`] so that no string is lost at a window's edge.
pub const MEMORY_WINDOW_BYTES: usize = 1024 * 1024;

/// Largest private memory region read for strings (256 MiB); a process with a larger one has
/// no `ProcessItem/StringList` value (not evaluated) rather than strings of part of it.
pub const MAX_MEMORY_BYTES_PER_REGION: u64 = 256 * 1024 * 1024;

/// Private memory read per process (1 GiB), for the same reason: a JVM or a database can hold
/// tens of GiB, and reading them would slow the scan by minutes for one process.
pub const MAX_MEMORY_BYTES_PER_PROCESS: u64 = 1024 * 1024 * 1024;

/// Private memory read per scan, over all processes (16 GiB); later processes are reported
/// and not evaluated.
pub const MAX_MEMORY_BYTES_PER_SCAN: u64 = 16 * 1024 * 1024 * 1024;

/// Seconds spent reading one process's memory (10 s); past it the process is not evaluated.
/// Memory reads cost the target nothing (no stop, no page faults: file-backed regions are
/// not read), but a scan must not stall on one huge process.
pub const MAX_MEMORY_SECONDS_PER_PROCESS: u64 = 10;

// ---- Partials, fleet scans and IOC bundles ------------------------------------------------

/// Bytes of one encoded partial ([`crate::eval::Partial::decode`]) accepted (256 MiB).
///
/// A partial holds at most [`MAX_OBJECTS_PER_BRANCH`] objects per group plus counters, so
/// a real one is kilobytes to a few megabytes; the cap bounds what a hostile or corrupt one
/// makes the decoder allocate (every length inside is also bounded by the bytes left).
pub const MAX_PARTIAL_BYTES: usize = 256 * 1024 * 1024;

/// Largest counter a decoded partial may hold (items, objects, records: 2^40, about 10^12).
///
/// Far beyond any one host's items, and small enough that summing the counters of every
/// group of a partial cannot overflow a `u64`.
pub const MAX_PARTIAL_COUNT: u64 = 1 << 40;

/// Snapshot lines read ahead and parsed in parallel as one batch in a fleet scan.
///
/// Large enough that the threads share each chunk well, small enough that a host's items in
/// flight stay a few tens of megabytes (a line is capped by [`MAX_SNAPSHOT_LINE_BYTES`]).
pub const FLEET_CHUNK_LINES: usize = 16_384;

/// Hosts in flight per worker thread in a fleet scan: each host's report is handed on when
/// its window of hosts ends, so memory is bounded by these hosts, not by the fleet.
pub const FLEET_HOSTS_PER_WORKER: usize = 2;

/// Bytes of one IOC bundle read ([`crate::bundle`], 1 GiB).
///
/// A bundle of 100,000 one-hash IOCs is about 40 MB; the cap is far above any real
/// collection and bounds what a hostile file makes the loader read, hash and decode (every
/// part is checked against its digest before anything in it is used).
pub const MAX_BUNDLE_BYTES: u64 = 1 << 30;

// ---- Importers (`iocscan import`: Sysmon EVTX/XML, Linux audit logs, OCSF JSON) ----------

/// Largest telemetry file an importer reads, in bytes (16 GiB); a larger one is reported and
/// not read.
///
/// Every reader streams (EVTX chunk by chunk, XML event by event, audit and JSON line by line),
/// so memory does not grow with the file; the cap bounds the time one input can take and
/// stops a device file or a runaway log from being read forever.
pub const MAX_IMPORT_FILE_BYTES: u64 = 16 * 1024 * 1024 * 1024;

/// Largest single record an importer keeps, in bytes: one EVTX record rendered as XML, one
/// `<Event>` of an XML export, one OCSF event (a JSON line or an array element). A larger one is
/// reported and skipped.
///
/// Real events are a few KiB (a Sysmon ProcessCreate with a long command line stays under
/// 64 KiB); the cap keeps one hostile record from holding memory in proportion to the file.
pub const MAX_IMPORT_RECORD_BYTES: usize = 1024 * 1024;

/// Most records read from one input; the rest of the file is reported as skipped.
///
/// A large Sysmon log holds a few million events; the cap bounds the time and the output one
/// input can produce when a file is corrupt in a way that repeats records.
pub const MAX_IMPORT_RECORDS_PER_FILE: u64 = 100_000_000;

/// Longest line of an audit log, in bytes; a longer line is reported and skipped.
///
/// The kernel caps one audit record near 8.9 KiB (long argument lists are split across records
/// and `aN[i]` parts); with the enriched interpretations a line stays well under this.
pub const MAX_AUDIT_LINE_BYTES: usize = 64 * 1024;

/// Audit events whose records are gathered at once. Records of one event carry one serial and
/// follow each other, but records of events on other CPUs can come between them; an event
/// still open when this many newer ones have started is handed on as it is.
pub const MAX_AUDIT_OPEN_GROUPS: usize = 64;

/// Records gathered into one audit event; later records with the same serial are reported
/// and ignored.
///
/// An execve with a huge argument list is a few hundred records at most; the cap keeps a log
/// that repeats one serial forever from growing one event (and the per-field lookups in it)
/// without bound.
pub const MAX_AUDIT_RECORDS_PER_EVENT: usize = 1024;

/// Deepest nesting accepted in one OCSF event (objects and arrays).
///
/// OCSF objects nest a handful of levels (`actor.process.parent_process.file.hashes[]` is six);
/// serde_json's own recursion limit (128) keeps parsing safe, this cap rejects an event built
/// to be walked deeply.
pub const MAX_OCSF_JSON_DEPTH: usize = 32;

/// Values kept for one list term of one imported record (interface addresses, user groups,
/// audit arguments); the rest are left out.
pub const MAX_IMPORT_LIST_VALUES: usize = 1024;

/// Problems kept with their text per input; the rest are only counted, so a file of garbage
/// cannot grow the report without bound.
pub const MAX_IMPORT_PROBLEMS_PER_FILE: usize = 100;

/// Snapshot files an import keeps open at once; past this, open ones are flushed and closed,
/// and reopened in append mode when their host comes back (a lake of many hosts must not run
/// out of file descriptors).
pub const MAX_IMPORT_OPEN_SNAPSHOTS: usize = 128;

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
