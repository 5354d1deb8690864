//! The `iocscan` Python module: the library's fleet scan and partial scans, for Python and
//! Spark.
//!
//! ```text
//! Ruleset.load(paths)              load::load_ruleset (IOC files, folders, bundles)
//! rules.iocs / .diagnostics        the LoadedRuleset, diagnostics as the JSON output has them
//! rules.columns(kind)              Ruleset::projection(kind): the term columns a scan reads
//! rules.scan_snapshot(path)        driver::open_snapshots + scan_fleet -> [HostDocument]
//! rules.partial(host, kind, table) driver::partials::part_scan + parquet::batch::add_batch
//!                                  -> Partial::encode (bytes)
//! rules.finish(host, partials)     Partial::decode + driver::partials::finish_partials
//!                                  -> HostDocument
//! rules.partials_ocsf(table)       driver::partials::ocsf_partials (OCSF lake rows, any
//!                                  hosts and classes) -> per host Partial::encode, the
//!                                  kinds the rows provide, the import report
//! ocsf_columns()                   import::ocsf_parquet::columns: the top-level columns
//!                                  the OCSF mapping reads
//! ocsf_paths()                     import::ocsf_parquet::paths: every path it reads
//! ```
//!
//! Only arguments are parsed and results converted here; every decision is the library's.
//! Reports cross as the JSON the CLI prints (serde_json, then `json.loads`): one serialiser
//! for both, so a dict is exactly the CLI's `hosts[]` entry, numbers and escaped paths
//! included. The GIL is released while the library works. Library errors become
//! `IocscanError` with the library's message and stable `code`; problems a scan goes on
//! after (an unreadable snapshot among others, a skipped row) are `IocscanWarning`s.

use arrow_array::RecordBatch;
use arrow_pyarrow::{FromPyArrow, Table};
use iocscan::driver::{self, partials, HostDocument, ScanOptions, ScanReport};
use iocscan::eval::{Partial, PartialError};
use iocscan::item::ItemKind;
use iocscan::load::{self, LoadedRuleset};
use iocscan::snapshot::parquet::{batch, kind_name};
use pyo3::exceptions::{PyException, PyTypeError, PyUserWarning, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyList};
use std::borrow::Cow;
use std::path::PathBuf;

pyo3::create_exception!(
    iocscan,
    IocscanError,
    PyException,
    "An iocscan error: `message` is the library's message, `code` its stable code."
);

pyo3::create_exception!(
    iocscan,
    IocscanWarning,
    PyUserWarning,
    "A problem a scan went on after: a snapshot that cannot be read among others, a skipped \
     line or row."
);

/// The exception for a library error (`code` is the library's stable code).
fn error(py: Python<'_>, code: &str, message: String) -> PyErr {
    let err = IocscanError::new_err(message.clone());
    let value = err.value(py);
    // Setting attributes on a fresh exception instance cannot fail.
    let _ = value.setattr("code", code);
    let _ = value.setattr("message", message);
    err
}

fn partial_error(py: Python<'_>, e: &PartialError) -> PyErr {
    error(py, e.code(), e.to_string())
}

fn warn(py: Python<'_>, message: &str) -> PyResult<()> {
    let category = py.get_type::<IocscanWarning>();
    PyErr::warn(py, &category, &std::ffi::CString::new(message.replace('\0', "\\0"))?, 1)
}

/// Serialised JSON as Python objects (`json.loads`).
fn from_json<'py>(py: Python<'py>, text: &str) -> PyResult<Bound<'py, PyAny>> {
    py.import("json")?.call_method1("loads", (text,))
}

/// One path (`str`, `os.PathLike`) or a list of them.
fn paths(arg: &Bound<'_, PyAny>) -> PyResult<Vec<PathBuf>> {
    if let Ok(one) = arg.extract::<PathBuf>() {
        return Ok(vec![one]);
    }
    arg.extract::<Vec<PathBuf>>()
        .map_err(|_| PyTypeError::new_err("expected a path (str, os.PathLike) or a list of paths"))
}

/// A kind as snapshots name it (`File`, `processEvent`: the Parquet file names).
fn kind(name: &str) -> PyResult<ItemKind> {
    ItemKind::ALL.into_iter().find(|k| kind_name(*k) == name).ok_or_else(|| {
        let known: Vec<&str> = ItemKind::ALL.into_iter().map(kind_name).collect();
        PyValueError::new_err(format!("unknown item kind `{name}` (one of {})", known.join(", ")))
    })
}

/// The record batches of a `pyarrow.Table`, a `RecordBatch`, or anything exporting an Arrow
/// stream or array through the PyCapsule interface.
fn batches(table: &Bound<'_, PyAny>) -> PyResult<Vec<RecordBatch>> {
    if table.hasattr("__arrow_c_stream__")? {
        return Ok(Table::from_pyarrow_bound(table)?.into_inner().0);
    }
    if let Ok(one) = RecordBatch::from_pyarrow_bound(table) {
        return Ok(vec![one]);
    }
    Err(PyTypeError::new_err("expected a pyarrow.Table or pyarrow.RecordBatch"))
}

/// A host's document as Python data.
fn document<'py>(py: Python<'py>, report: &ScanReport) -> PyResult<Bound<'py, PyAny>> {
    from_json(py, &HostDocument::of(report).to_json())
}

/// A compiled IOC collection.
#[pyclass(module = "iocscan", frozen)]
struct Ruleset {
    loaded: LoadedRuleset,
}

#[pymethods]
impl Ruleset {
    /// Loads IOC files, folders of them (searched for `.ioc`/`.xml`) and bundles. Raises
    /// `IocscanError` when no IOC could be loaded (the first error's code and message); the
    /// problems of files that did not load are in `diagnostics`.
    #[staticmethod]
    fn load(py: Python<'_>, paths: &Bound<'_, PyAny>) -> PyResult<Ruleset> {
        let paths = self::paths(paths)?;
        let loaded = py.detach(|| load::load_ruleset(&paths));
        if loaded.ruleset.is_empty() {
            let (code, message) = match loaded.diagnostics.iter().find(|d| d.is_error()) {
                Some(d) => (d.code.as_str(), format!("no IOC could be loaded: {d}")),
                None => ("no-ioc", "no IOC could be loaded: no IOC file found".to_owned()),
            };
            return Err(error(py, code, message));
        }
        Ok(Ruleset { loaded })
    }

    /// The number of IOCs compiled.
    #[getter]
    fn iocs(&self) -> usize {
        self.loaded.ruleset.len()
    }

    /// The loader's and compiler's errors and warnings, as the JSON output's `diagnostics`.
    #[getter]
    fn diagnostics<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let text = serde_json::to_string(&self.loaded.diagnostics)
            .map_err(|e| PyValueError::new_err(e.to_string()))?;
        from_json(py, &text)
    }

    /// The term columns a scan reads of `kind`'s items (`File`, `processEvent`, ...), in
    /// catalogue order: project a table to these (and `host`, `time`, `source`). Empty when
    /// no IOC can decide anything on the kind.
    fn columns(&self, kind: &str) -> PyResult<Vec<&'static str>> {
        let fields = self.loaded.ruleset.projection(self::kind(kind)?);
        Ok(fields.iter().map(|f| f.name()).collect())
    }

    /// Scans snapshots (a JSON Lines file, a Parquet snapshot folder, a folder of them, or a
    /// list of paths), each host on its own, as `iocscan scan --snapshot` does: one dict per
    /// host, as the JSON output's `hosts[]` entries, in host order. Sources that cannot be
    /// read and skipped lines are `IocscanWarning`s; `IocscanError` when none can be read.
    fn scan_snapshot<'py>(
        &self,
        py: Python<'py>,
        path: &Bound<'_, PyAny>,
    ) -> PyResult<Bound<'py, PyList>> {
        let paths = self::paths(path)?;
        let ruleset = &self.loaded.ruleset;
        let (reports, fleet) = py.detach(|| {
            let options = ScanOptions::default();
            let (sources, problems) = driver::open_snapshots(ruleset, &paths, &options);
            let mut reports = Vec::new();
            if sources.is_empty() {
                return (reports, Err(problems));
            }
            let fleet =
                driver::scan_fleet(ruleset, sources, problems, &options, &mut |r| reports.push(r));
            (reports, Ok(fleet))
        });
        let fleet = match fleet {
            Ok(fleet) => fleet,
            Err(problems) => {
                let text: Vec<String> = problems.iter().map(ToString::to_string).collect();
                let message = format!("no snapshot could be read: {}", text.join("; "));
                return Err(error(py, "snapshot-unreadable", message));
            }
        };
        for p in &fleet.problems {
            warn(py, &p.to_string())?;
        }
        let more = fleet.summary.problems.saturating_sub(fleet.problems.len() as u64);
        if more > 0 {
            warn(py, &format!("{more} more problems (not kept)"))?;
        }
        let hosts = PyList::empty(py);
        for r in &reports {
            hosts.append(document(py, r)?)?;
        }
        Ok(hosts)
    }

    /// Evaluates one host's items of one kind (a `pyarrow.Table` or `RecordBatch`, columns
    /// named as terms: `FileItem/Sha256sum`; `host`, `time`, `source` as in a Parquet
    /// snapshot; other columns ignored, missing terms unknown) into a partial: `bytes` to merge
    /// with the host's other partials in `finish`. A kind no IOC reads is not evaluated.
    /// Raises `IocscanError` for a column of an unusable type or a `host` value other than
    /// `host`; skipped rows are `IocscanWarning`s.
    fn partial<'py>(
        &self,
        py: Python<'py>,
        host: &str,
        kind: &str,
        table: &Bound<'_, PyAny>,
    ) -> PyResult<Bound<'py, PyBytes>> {
        let kind = self::kind(kind)?;
        let batches = self::batches(table)?;
        let ruleset = &self.loaded.ruleset;
        let outcome = py.detach(|| {
            let scan = partials::part_scan(ruleset, host, kind);
            let mut skipped = Vec::new();
            if partials::reads_kind(ruleset, kind) {
                for b in &batches {
                    let report = batch::add_batch(&scan, kind, b)?;
                    skipped.extend(report.problems.into_iter().map(|p| (p.row, p.message)));
                }
            }
            Ok::<_, batch::BatchError>((scan.partial().encode(), skipped))
        });
        let (bytes, skipped) = outcome.map_err(|e| error(py, e.code(), e.to_string()))?;
        for (row, message) in skipped {
            warn(py, &format!("{} row {row} skipped: {message}", kind_name(kind)))?;
        }
        Ok(PyBytes::new(py, &bytes))
    }

    /// Merges the partials of `host` (any iterable of `bytes`, any order) and decides every
    /// IOC: the host's dict, as `scan_snapshot` gives it. Raises `IocscanError` for a partial
    /// of another host or ruleset, or bytes that are not a partial.
    fn finish<'py>(
        &self,
        py: Python<'py>,
        host: &str,
        partials: &Bound<'_, PyAny>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let mut parts: Vec<Vec<u8>> = Vec::new();
        for p in partials.try_iter()? {
            let p = p?;
            let bytes = p.extract::<Cow<'_, [u8]>>().map(Cow::into_owned).map_err(|_| {
                PyTypeError::new_err(format!(
                    "a partial is bytes, not {}",
                    p.get_type().name().map(|n| n.to_string()).unwrap_or_default()
                ))
            })?;
            parts.push(bytes);
        }
        let ruleset = &self.loaded.ruleset;
        let report = py.detach(|| {
            let decoded =
                parts.iter().map(|b| Partial::decode(b)).collect::<Result<Vec<_>, _>>()?;
            partials::finish_partials(ruleset, host, decoded)
        });
        let report = report.map_err(|e| partial_error(py, &e))?;
        document(py, &report)
    }

    /// Evaluates OCSF events (a `pyarrow.Table` or `RecordBatch` of an OCSF lake table:
    /// one event per row, objects as struct columns, arrays as list columns; any classes
    /// and hosts mixed; columns other than `ocsf_columns()` ignored) host by host, through
    /// the mapping of `iocscan import ocsf`. Returns a dict: `partials`, a list of
    /// `(host, bytes)` in host order (one per host some row gave an item to: the host is
    /// `device.uid`, else `device.hostname`), each to merge in `finish` with the host's
    /// other partials; `kinds`, the kinds the rows provide (each partial counts them as
    /// collected; a job that splits a dataset counts every part's kinds on every host,
    /// e.g. with `partial(host, kind, empty_table)`); `report`, the import report of the
    /// rows (`records`, `items`, `skipped`, `unconverted`, `problems`, `problem_count`,
    /// `complete`, `events`). Rows without a host are problems, never another host's
    /// items; every problem is also an `IocscanWarning`.
    fn partials_ocsf<'py>(
        &self,
        py: Python<'py>,
        table: &Bound<'_, PyAny>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let batches = self::batches(table)?;
        let ruleset = &self.loaded.ruleset;
        let (parts, summary, warnings) = py.detach(|| {
            let found = partials::ocsf_partials(ruleset, &batches);
            let parts: Vec<(String, Vec<u8>)> =
                found.partials.iter().map(|p| (p.host().to_owned(), p.encode())).collect();
            let r = &found.report;
            let mut warnings: Vec<String> = r
                .problems
                .iter()
                .map(|p| match &p.location {
                    Some(at) => format!("OCSF {at}: {}: {}", p.code.as_str(), p.message),
                    None => format!("OCSF rows: {}: {}", p.code.as_str(), p.message),
                })
                .collect();
            let more = r.problem_count.saturating_sub(r.problems.len() as u64);
            if more > 0 {
                warnings.push(format!("OCSF rows: {more} more problems (not kept)"));
            }
            let summary = serde_json::json!({ "kinds": found.kinds, "report": r });
            (parts, summary.to_string(), warnings)
        });
        for w in &warnings {
            warn(py, w)?;
        }
        let out = from_json(py, &summary)?;
        let list = PyList::empty(py);
        for (host, bytes) in &parts {
            let pair = (host.as_str(), PyBytes::new(py, bytes));
            list.append(pair.into_pyobject(py)?)?;
        }
        out.set_item("partials", list)?;
        Ok(out)
    }

    fn __repr__(&self) -> String {
        format!("<iocscan.Ruleset: {} IOCs>", self.loaded.ruleset.len())
    }
}

/// The top-level columns of an OCSF table that `Ruleset.partials_ocsf` reads (`class_uid`,
/// `device`, `process`, ...), sorted: project a lake table to those present before handing
/// its rows over.
#[pyfunction]
fn ocsf_columns() -> Vec<&'static str> {
    iocscan::import::ocsf_parquet::columns().to_vec()
}

/// Every source path `Ruleset.partials_ocsf` reads (`class_uid`, `process.file.path`,
/// `process.file.hashes[algorithm_id=1].value`, ...), sorted: the roots are `ocsf_columns()`;
/// an engine may prune nested columns to the members they name before handing rows over.
#[pyfunction]
fn ocsf_paths() -> Vec<&'static str> {
    iocscan::import::ocsf_parquet::paths().to_vec()
}

/// OpenIOC scans of host snapshots, whole or in parts (see the README's "Python and Spark").
#[pymodule]
#[pyo3(name = "iocscan")]
fn iocscan_module(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<Ruleset>()?;
    m.add_function(wrap_pyfunction!(ocsf_columns, m)?)?;
    m.add_function(wrap_pyfunction!(ocsf_paths, m)?)?;
    m.add("IocscanError", m.py().get_type::<IocscanError>())?;
    m.add("IocscanWarning", m.py().get_type::<IocscanWarning>())?;
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    m.add("TOOL", iocscan::TOOL)?;
    Ok(())
}
