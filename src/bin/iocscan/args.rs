//! Command-line arguments (clap derive) and their conversion into library options.
//!
//! The library never sees clap types: [`WalkArgs::scan_options`] and
//! [`CollectArgs::collect_options`] build the `iocscan::driver` options once, after parsing.

use clap::{Args, Parser, Subcommand, ValueEnum};
use iocscan::collect::file::FileOptions;
use iocscan::driver::{CollectOptions, ScanOptions};
use iocscan::item::ItemKind;
use iocscan::limits::DEFAULT_MAX_HASH_BYTES;
use std::path::PathBuf;

const EXIT_CODES: &str = "\
Exit codes:
  check:   0 every file loaded; 1 a file was rejected (or, with --deny-warnings, a warning);
           2 usage error
  scan:    0 nothing detected; 1 at least one IOC detected; 2 usage error, no IOC loadable,
           unreadable snapshot, output failure, or interrupted (Ctrl-C) before anything was
           detected (a second Ctrl-C exits at once with 130); 3 (with
           --fail-on-undetermined) nothing detected but some IOC undetermined
  collect: 0 snapshot written; 2 usage error or output failure
  compile: 0 bundle written; 2 usage error, no IOC loadable, or output failure
  import:  0 every input read whole; 1 written, some input had problems; 2 usage error or
           output failure
  snapshot convert: 0 converted; 1 converted, some input or line skipped; 2 usage error,
           unreadable input or output failure
  terms:   0";

/// OpenIOC 1.0/1.1 scanner: checks IOC files and scans this host (or a snapshot) for them.
#[derive(Debug, Parser)]
#[command(name = "iocscan", version, after_help = EXIT_CODES)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Load and compile IOC files and report every problem, without scanning.
    #[command(after_help = EXIT_CODES)]
    Check(CheckArgs),
    /// Scan this host (or a snapshot) with IOC files and print detected IOCs.
    #[command(after_help = EXIT_CODES)]
    Scan(ScanArgs),
    /// Save this host's items to a snapshot file, to be scanned later with `scan --snapshot`.
    #[command(after_help = EXIT_CODES)]
    Collect(CollectArgs),
    /// Load IOC files once and save them as one binary bundle, which `scan` (and `check`)
    /// take in place of the IOC files and load much faster.
    #[command(after_help = EXIT_CODES)]
    Compile(CompileArgs),
    /// Turn recorded telemetry (Sysmon EVTX/XML, Linux audit logs, OCSF JSON or Parquet) into snapshots
    /// for `scan --snapshot`.
    #[command(after_help = IMPORT_HELP)]
    Import(ImportArgs),
    /// Convert snapshots between JSON Lines and Parquet.
    #[command(after_help = EXIT_CODES)]
    Snapshot(SnapshotArgs),
    /// Print the catalogue of supported terms.
    Terms(TermsArgs),
    /// Print what the reader or the compiler makes of IOC files (for developers and bug
    /// reports; the format is not a contract).
    Debug(DebugArgs),
}

/// `iocscan debug`.
#[derive(Debug, Args)]
pub struct DebugArgs {
    /// What to print.
    #[arg(value_enum)]
    pub stage: DebugStage,
    /// IOC files, or folders searched recursively for .ioc and .xml files.
    #[arg(required = true, value_name = "IOC_PATH")]
    pub iocs: Vec<PathBuf>,
}

/// The stages `iocscan debug` prints.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum DebugStage {
    /// The document model the reader builds, as JSON (positions included).
    Model,
    /// The compiled tree: host-wide branches, item-scoped groups with their triggers, leaves.
    Tree,
}

/// Output formats of `check` and `terms`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum PlainFormat {
    /// Human-readable text.
    Text,
    /// One JSON document.
    Json,
}

/// Output formats of `scan`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum ScanFormat {
    /// A readable card per detected IOC, then a summary (diagnostics on stderr).
    Text,
    /// One JSON document (schema/output.schema.json).
    Json,
    /// One JSON event per line: diagnostic, card, error, summary.
    Jsonl,
}

/// `iocscan check`.
#[derive(Debug, Args)]
pub struct CheckArgs {
    /// Output format.
    #[arg(long, value_enum, default_value_t = PlainFormat::Text)]
    pub format: PlainFormat,
    /// Exit 1 when there is any warning, not only when a file is rejected.
    #[arg(long)]
    pub deny_warnings: bool,
    /// IOC files, or folders searched recursively for .ioc and .xml files.
    #[arg(required = true, value_name = "IOC_PATH")]
    pub iocs: Vec<PathBuf>,
}

/// Where and how to walk files, and how many threads to use.
#[derive(Debug, Args)]
pub struct WalkArgs {
    /// Folder to walk for files (repeatable; default `/`).
    #[arg(long = "path", value_name = "DIR")]
    pub paths: Vec<PathBuf>,
    /// Glob matched against full paths; a matching folder is not entered (repeatable).
    #[arg(long = "exclude", value_name = "GLOB")]
    pub excludes: Vec<String>,
    /// Item kinds to collect, comma-separated: file, process, port, arp, system, user,
    /// process-event, image-load-event, file-write-event, ipv4-network-event, ... (or their
    /// document names, `processEvent`; default: all).
    #[arg(long, value_name = "KINDS", value_delimiter = ',', value_parser = parse_kind)]
    pub items: Vec<ItemKind>,
    /// Stay on the file system of each --path.
    #[arg(long)]
    pub one_file_system: bool,
    /// Follow symbolic links while walking (loops are detected and reported).
    #[arg(long)]
    pub follow_symlinks: bool,
    /// Walk into network file systems (nfs, cifs, sshfs, ...).
    #[arg(long)]
    pub network_mounts: bool,
    /// Largest file hashed: bytes, or with a K, M, G or T suffix (powers of 1024).
    #[arg(long, value_name = "SIZE", value_parser = parse_size, default_value_t = DEFAULT_MAX_HASH_BYTES)]
    pub max_hash_size: u64,
    /// Worker threads (0 = one per core).
    #[arg(long, value_name = "N", default_value_t = 0)]
    pub threads: usize,
    /// Nothing on stderr but fatal errors: no progress line, no diagnostics, no problem lines
    /// (they stay in json/jsonl output).
    #[arg(long, short)]
    pub quiet: bool,
}

impl WalkArgs {
    /// The library options these arguments ask for (no progress callback yet).
    pub fn scan_options(&self) -> ScanOptions {
        ScanOptions {
            kinds: self.items.clone(),
            files: self.file_options(),
            threads: self.threads,
            ..ScanOptions::default()
        }
    }

    fn file_options(&self) -> FileOptions {
        let defaults = FileOptions::default();
        let roots = if self.paths.is_empty() { defaults.roots } else { self.paths.clone() };
        FileOptions {
            roots,
            excludes: self.excludes.clone(),
            one_file_system: self.one_file_system,
            follow_symlinks: self.follow_symlinks,
            network_mounts: self.network_mounts,
            max_hash_bytes: self.max_hash_size,
        }
    }
}

/// `iocscan scan`.
#[derive(Debug, Args)]
pub struct ScanArgs {
    /// Walk and collection options.
    #[command(flatten)]
    pub walk: WalkArgs,
    /// Output format.
    #[arg(long, value_enum, default_value_t = ScanFormat::Text)]
    pub format: ScanFormat,
    /// Write the output to FILE instead of stdout.
    #[arg(long, short, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Text: list every IOC with its verdict (detected, undetermined and why, clean).
    #[arg(long)]
    pub results: bool,
    /// Show how the IOC with this id was evaluated: each condition's outcome and each
    /// Indicator's value (repeatable; also in json/jsonl).
    #[arg(long, value_name = "ID")]
    pub explain: Vec<String>,
    /// Text: print every IOC diagnostic on stderr, not a summary by code.
    #[arg(long, short)]
    pub verbose: bool,
    /// Exit 3 when nothing was detected but some IOC is undetermined.
    #[arg(long)]
    pub fail_on_undetermined: bool,
    /// Scan the items of this snapshot (from `iocscan collect`) instead of the live host.
    /// A JSON Lines file or a Parquet snapshot folder; repeatable, and a folder is searched for
    /// `.jsonl` snapshots and Parquet snapshot folders: several hosts are then
    /// scanned each on its own (files naming the same host are one host), and the output
    /// groups by host.
    #[arg(long, value_name = "PATH", conflicts_with_all = ["paths", "excludes", "one_file_system", "follow_symlinks", "network_mounts"])]
    pub snapshot: Vec<PathBuf>,
    /// IOC files, or folders searched recursively for .ioc and .xml files.
    #[arg(required = true, value_name = "IOC_PATH")]
    pub iocs: Vec<PathBuf>,
}

/// `iocscan compile`.
#[derive(Debug, Args)]
pub struct CompileArgs {
    /// The bundle file to write (replaced whole, never left half-written).
    #[arg(long, short, value_name = "FILE")]
    pub output: PathBuf,
    /// Print nothing on stderr but errors.
    #[arg(long, short)]
    pub quiet: bool,
    /// IOC files (or bundles), or folders searched recursively for .ioc and .xml files.
    #[arg(required = true, value_name = "IOC_PATH")]
    pub iocs: Vec<PathBuf>,
}

/// `iocscan collect`.
#[derive(Debug, Args)]
pub struct CollectArgs {
    /// Walk and collection options.
    #[command(flatten)]
    pub walk: WalkArgs,
    /// Also hash files (MD5, SHA-1, SHA-256): reads every file's content.
    #[arg(long)]
    pub hash: bool,
    /// Snapshot format: a JSON Lines file (schema/snapshot.schema.json) or a Parquet folder
    /// (schema/parquet-snapshot.md).
    #[arg(long, value_enum, default_value_t = SnapshotFormat::Jsonl)]
    pub format: SnapshotFormat,
    /// The snapshot to write: a file (jsonl), or a new or empty folder (parquet).
    #[arg(long, short, value_name = "PATH")]
    pub output: PathBuf,
}

/// Snapshot formats.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum SnapshotFormat {
    /// One JSON Lines file: a header line, then one item per line.
    Jsonl,
    /// A folder of Parquet files, one per item kind, and snapshot.json.
    Parquet,
}

/// `iocscan snapshot`.
#[derive(Debug, Args)]
pub struct SnapshotArgs {
    /// What to do.
    #[command(subcommand)]
    pub command: SnapshotCommand,
}

/// The `iocscan snapshot` subcommands.
#[derive(Debug, Subcommand)]
pub enum SnapshotCommand {
    /// Convert JSON Lines snapshots (one host each) into one Parquet folder, or a Parquet
    /// folder into JSON Lines (one file, or a folder of one file per host).
    Convert(ConvertArgs),
}

/// `iocscan snapshot convert`.
#[derive(Debug, Args)]
pub struct ConvertArgs {
    /// JSON Lines snapshot files (and folders of `*.jsonl` files), or one Parquet folder.
    #[arg(required = true, value_name = "IN")]
    pub inputs: Vec<PathBuf>,
    /// The output: a new Parquet folder from JSON Lines; from Parquet, the JSON Lines file
    /// (one host) or a new folder (several hosts).
    #[arg(long, short, value_name = "OUT")]
    pub output: PathBuf,
    /// Print nothing but fatal errors.
    #[arg(long, short)]
    pub quiet: bool,
}

impl CollectArgs {
    /// The library options these arguments ask for (no progress callback yet).
    pub fn collect_options(&self) -> CollectOptions {
        CollectOptions {
            kinds: self.walk.items.clone(),
            files: self.walk.file_options(),
            hash: self.hash,
            threads: self.walk.threads,
            ..CollectOptions::default()
        }
    }
}

const IMPORT_HELP: &str = "\
Output: -o OUT ending in .jsonl is one snapshot (every record must name one host); any other
OUT is a folder with one <host>.jsonl per host (_unknown.jsonl for records naming none).
Exit codes: 0 every input read whole; 1 snapshots written, but some input had problems
(reported on stderr); 2 usage error or the output could not be written.";

/// The formats `iocscan import` reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum ImportFormat {
    /// Sysmon events: .evtx files, or XML exported by wevtutil or Event Viewer.
    Sysmon,
    /// Linux audit logs (audit.log text, raw or enriched).
    Auditd,
    /// OCSF events: JSON Lines, JSON arrays, or Parquet (nested columns).
    Ocsf,
}

impl ImportFormat {
    /// The library's format.
    pub fn library(self) -> iocscan::import::Format {
        match self {
            ImportFormat::Sysmon => iocscan::import::Format::Sysmon,
            ImportFormat::Auditd => iocscan::import::Format::Auditd,
            ImportFormat::Ocsf => iocscan::import::Format::Ocsf,
        }
    }
}

/// `iocscan import`.
#[derive(Debug, Args)]
pub struct ImportArgs {
    /// The inputs' format.
    #[arg(value_enum)]
    pub format: ImportFormat,
    /// Telemetry files to read.
    #[arg(value_name = "INPUT", required_unless_present = "mappings")]
    pub inputs: Vec<PathBuf>,
    /// Where to write: a .jsonl snapshot file, or a folder of one snapshot per host.
    #[arg(long, short, value_name = "OUT", required_unless_present = "mappings")]
    pub output: Option<PathBuf>,
    /// The host of records whose source names none (an audit log without node=).
    #[arg(long, value_name = "NAME")]
    pub host: Option<String>,
    /// Print which source field fills which term for this format (and what it never
    /// provides), and exit.
    #[arg(long, conflicts_with_all = ["inputs", "output", "host"])]
    pub mappings: bool,
    /// Print nothing on stderr but fatal errors.
    #[arg(long, short)]
    pub quiet: bool,
}

/// `iocscan terms`.
#[derive(Debug, Args)]
pub struct TermsArgs {
    /// Output format (json is schema/terms.json).
    #[arg(long, value_enum, default_value_t = PlainFormat::Text)]
    pub format: PlainFormat,
}

/// An item kind by its command-line name (`file`) or its document name (`FileItem`).
fn parse_kind(text: &str) -> Result<ItemKind, String> {
    let text = text.trim();
    ItemKind::from_cli_name(&text.to_ascii_lowercase())
        .or_else(|| ItemKind::from_document(text))
        .ok_or_else(|| {
            let names: Vec<&str> = ItemKind::ALL.iter().map(|k| k.cli_name()).collect();
            format!("unknown item kind `{text}` (expected one of: {})", names.join(", "))
        })
}

/// A size in bytes: `1048576`, `512K`, `200M`, `1G`, `1T` (powers of 1024; `MiB`, `MB` and
/// `m` are read as `M`).
pub fn parse_size(text: &str) -> Result<u64, String> {
    let text = text.trim();
    let split = text.find(|c: char| !c.is_ascii_digit()).unwrap_or(text.len());
    let (digits, unit) = text.split_at(split);
    let number: u64 = digits.parse().map_err(|_| format!("`{text}` is not a size"))?;
    let unit = unit.trim().to_ascii_uppercase();
    let unit = unit.trim_end_matches("IB").trim_end_matches('B');
    let shift = match unit {
        "" => 0,
        "K" => 10,
        "M" => 20,
        "G" => 30,
        "T" => 40,
        _ => return Err(format!("`{text}`: unknown size unit (use K, M, G or T)")),
    };
    number.checked_mul(1 << shift).ok_or_else(|| format!("`{text}` is too large"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn sizes() {
        assert_eq!(parse_size("1024"), Ok(1024));
        assert_eq!(parse_size("200M"), Ok(200 << 20));
        assert_eq!(parse_size("1G"), Ok(1 << 30));
        assert_eq!(parse_size("2gib"), Ok(2 << 30));
        assert_eq!(parse_size("5KB"), Ok(5 << 10));
        assert!(parse_size("").is_err());
        assert!(parse_size("M").is_err());
        assert!(parse_size("1X").is_err());
        assert!(parse_size("-1").is_err());
        assert!(parse_size("99999999999T").is_err());
    }

    #[test]
    fn kinds() {
        assert_eq!(parse_kind("file"), Ok(ItemKind::File));
        assert_eq!(parse_kind("ArpEntryItem"), Ok(ItemKind::ArpEntry));
        assert!(parse_kind("registry").unwrap_err().contains("process"));
    }

    #[test]
    fn clap_definition_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn scan_arguments_become_options() {
        let cli = Cli::try_parse_from([
            "iocscan",
            "scan",
            "--path",
            "/tmp",
            "--items",
            "file,user",
            "--max-hash-size",
            "1M",
            "--threads",
            "3",
            "--exclude",
            "/proc/**",
            "x.ioc",
        ])
        .unwrap();
        let Command::Scan(args) = cli.command else { panic!("not a scan") };
        let o = args.walk.scan_options();
        assert_eq!(o.kinds, [ItemKind::File, ItemKind::User]);
        assert_eq!(o.files.roots, [PathBuf::from("/tmp")]);
        assert_eq!(o.files.max_hash_bytes, 1 << 20);
        assert_eq!((o.threads, o.files.excludes.len()), (3, 1));
        assert!(!o.files.one_file_system && !o.files.follow_symlinks && !o.files.network_mounts);
        let cli = Cli::try_parse_from([
            "iocscan",
            "collect",
            "--one-file-system",
            "--follow-symlinks",
            "--network-mounts",
            "--hash",
            "-o",
            "s.jsonl",
        ])
        .unwrap();
        let Command::Collect(args) = cli.command else { panic!("not a collect") };
        let o = args.walk.scan_options();
        assert!(o.files.one_file_system && o.files.follow_symlinks && o.files.network_mounts);
        assert!(args.hash && o.kinds.is_empty());
        let c = args.collect_options();
        assert!(c.hash && c.kinds.is_empty() && c.files == o.files);
        let cli = Cli::try_parse_from(["iocscan", "scan", "x.ioc"]).unwrap();
        let Command::Scan(args) = cli.command else { panic!("not a scan") };
        assert_eq!(args.walk.scan_options().files, FileOptions::default());
    }
}
