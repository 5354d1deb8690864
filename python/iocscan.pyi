"""Type stubs of the ``iocscan`` extension module (PyO3): OpenIOC scans of host snapshots,
whole or in parts (Spark).

Reports are the JSON the ``iocscan`` command prints, as Python data: a host's dict is exactly
an entry of ``iocscan scan --format json``'s ``hosts[]`` (``schema/output.schema.json``,
``hostReport``), diagnostics exactly its ``diagnostics[]``. Their inner objects (cards,
results, summary counters) are described there and typed loosely here (``dict[str, Any]``).

Item kinds are named as Parquet snapshots name them: ``File``, ``Process``, ``Port``,
``ArpEntry``, ``SystemInfo``, ``User``, ``processEvent``, ``imageLoadEvent``,
``fileWriteEvent``, ``ipv4NetworkEvent``, ``dnsLookupEvent``, ``urlMonitorEvent``,
``regKeyEvent``, ``addressNotificationEvent``, ``eventItem``.
"""

import os
from typing import Any, Dict, Iterable, List, Tuple, TypedDict, Union

__version__: str
"""The package version (the library's)."""

TOOL: str
"""The tool name and version the reports carry (``iocscan 0.1.0``)."""

StrPath = Union[str, "os.PathLike[str]"]

# Anything exporting Arrow data: a ``pyarrow.Table`` or ``pyarrow.RecordBatch``, or any
# object with ``__arrow_c_stream__`` (the Arrow PyCapsule interface).
ArrowTable = Any


class IocscanError(Exception):
    """An iocscan error: ``message`` is the library's message, ``code`` its stable code
    (``E-...`` for loading diagnostics, ``snapshot-unreadable``, ``partial-wrong-host``,
    ``partial-wrong-ruleset``, ``partial-not-a-partial``, ``batch-column``, ...)."""

    code: str
    message: str


class IocscanWarning(UserWarning):
    """A problem a scan went on after: a snapshot that cannot be read among others, a
    skipped line or row, an OCSF row without a host."""


class Position(TypedDict):
    line: int
    column: int


class _DiagnosticRequired(TypedDict):
    severity: str  # "error" | "warning"
    code: str
    file: str
    message: str


class Diagnostic(_DiagnosticRequired, total=False):
    """One loader or compiler diagnostic, as the JSON output's ``diagnostics[]``."""

    position: Position
    note: str
    related: Dict[str, Any]  # {"file": str, "position": Position}


class _ErrorRecordRequired(TypedDict):
    subject: str
    message: str


class ErrorRecord(_ErrorRecordRequired, total=False):
    """One kept problem of a host (a kind not collected, an unreadable column...)."""

    kind: str
    reason: str  # "not-collected", ...


class _HostDocumentRequired(TypedDict):
    host: str
    cards: List[Dict[str, Any]]
    results: List[Dict[str, Any]]
    summary: Dict[str, Any]
    errors: List[ErrorRecord]


class HostDocument(_HostDocumentRequired, total=False):
    """A host's report, as an entry of the JSON output's ``hosts[]``: ``cards`` (one per
    detected IOC), ``results`` (the IOCs that are not clean: ``id``, ``file``, ``verdict``,
    ``objects``, ``reasons``), ``summary`` (``iocs_loaded``, ``detected``, ``verdicts``,
    ``not_collected``, ``items``, ``recorded``, ``not_evaluated``, ``errors``,
    ``elapsed_seconds``, ...), ``errors``."""

    explanations: List[Dict[str, Any]]


class _ImportProblemRequired(TypedDict):
    code: str  # "bad-record", "record-too-large", "truncated", ...
    message: str


class ImportProblem(_ImportProblemRequired, total=False):
    location: str  # "row 12": rows counted from 1 over the table's batches


class OcsfReport(TypedDict):
    """What the import's reader made of OCSF rows (the ``iocscan import`` report of a file,
    without its path)."""

    records: int
    items: Dict[str, int]  # items mapped, by kind (rows without a host included)
    skipped: Dict[str, int]  # rows that gave no item, by reason
    unconverted: Dict[str, int]  # values present that did not convert, by term
    problems: List[ImportProblem]  # the first 100
    problem_count: int
    complete: bool  # False: the record cap was reached and the rest skipped
    events: List[str]  # the class_uid values read


class OcsfPartials(TypedDict):
    """What ``Ruleset.partials_ocsf`` returns."""

    partials: List[Tuple[str, bytes]]  # (host, partial), in host order
    kinds: List[str]  # the kinds the rows provide (collected), sorted
    report: OcsfReport


class Ruleset:
    """A compiled IOC collection. Immutable and thread-safe; the GIL is released while it
    loads, scans and merges."""

    @staticmethod
    def load(paths: Union[StrPath, List[StrPath]]) -> "Ruleset":
        """Loads IOC files, folders of them (searched for ``.ioc``/``.xml``) and bundles
        (``iocscan compile``). Raises ``IocscanError`` when no IOC could be loaded (the
        first error's code and message), ``TypeError`` for an argument that is not a path or
        a list of paths; the problems of files that did not load are in ``diagnostics``."""
        ...

    @property
    def iocs(self) -> int:
        """The number of IOCs compiled."""
        ...

    @property
    def diagnostics(self) -> List[Diagnostic]:
        """The loader's and compiler's errors and warnings, as the JSON output's
        ``diagnostics``."""
        ...

    def columns(self, kind: str) -> List[str]:
        """The term columns a scan reads of ``kind``'s items (``FileItem/Sha256sum``, ...), in
        catalogue order: project a table to these (and ``host``, ``time``, ``source``). Empty
        when no IOC can decide anything on the kind. ``ValueError`` for an unknown kind."""
        ...

    def scan_snapshot(self, path: Union[StrPath, List[StrPath]]) -> List[HostDocument]:
        """Scans snapshots (a JSON Lines file, a Parquet snapshot folder, a folder of them,
        or a list of paths), each host on its own, as ``iocscan scan --snapshot`` does: one
        dict per host, in host order. Unreadable sources and skipped lines are
        ``IocscanWarning``s; ``IocscanError`` (``snapshot-unreadable``) when none can be
        read."""
        ...

    def partial(self, host: str, kind: str, table: ArrowTable) -> bytes:
        """Evaluates one host's items of one kind (columns named as terms; ``host``,
        ``time``, ``source`` as in a Parquet snapshot; other columns ignored, missing terms
        unknown) into a partial, to merge in ``finish``. The kind counts as collected on the
        host, even for an empty table. ``IocscanError`` (``batch-column``,
        ``partial-wrong-host``) for a column of an unusable type or another ``host``;
        skipped rows are ``IocscanWarning``s; ``TypeError`` for a table that is not Arrow
        data; ``ValueError`` for an unknown kind."""
        ...

    def partials_ocsf(self, table: ArrowTable) -> OcsfPartials:
        """Evaluates OCSF lake rows (one event per row, objects as struct columns, arrays as
        list columns; any classes and hosts mixed; columns other than ``ocsf_columns()``
        ignored) host by host, through the mapping of ``iocscan import ocsf``. Each partial
        counts ``kinds`` as collected; a job that splits a dataset counts every part's kinds
        on every host (``partial(host, kind, empty_table)``), as one import of the whole
        dataset would. Rows without a host (``device.uid``, ``device.hostname``) are
        problems, never another host's items; every problem is also an ``IocscanWarning``.
        Columns of unexpected types are read as absent values, never an error."""
        ...

    def finish(self, host: str, partials: Iterable[bytes]) -> HostDocument:
        """Merges the partials of ``host`` (any order) and decides every IOC: the host's
        dict, as ``scan_snapshot`` gives it. A kind the ruleset needs that no partial
        collected is not collected (its IOCs undetermined, never clean). ``IocscanError``
        (``partial-wrong-host``, ``partial-wrong-ruleset``, ``partial-not-a-partial``, ...)
        for a partial of another host or ruleset or bytes that are not a partial;
        ``TypeError`` for an element that is not bytes."""
        ...

    def __repr__(self) -> str: ...


def ocsf_paths() -> List[str]:
    """Every source path ``Ruleset.partials_ocsf`` reads (``class_uid``, ``process.file.path``,
    ``process.file.hashes[algorithm_id=1].value``, ...), sorted; their roots are
    ``ocsf_columns()``. An engine may prune nested columns to the members these paths name
    (and the key of a ``[key=value]`` segment) before handing rows over."""
    ...


def ocsf_columns() -> List[str]:
    """The top-level columns of an OCSF table that ``Ruleset.partials_ocsf`` reads
    (``class_uid``, ``device``, ``process``, ...), sorted: project a lake table to those it
    has before handing its rows over."""
    ...
