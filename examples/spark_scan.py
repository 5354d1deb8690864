"""Scan a fleet's stored items with OpenIOC rules on Spark, each host on its own.

    python examples/spark_scan.py --iocs rules/ --input SNAPSHOT/ --output cards/ [--master local[*]]
    spark-submit --files rules.iocb examples/spark_scan.py --iocs rules.iocb --input s3://lake/snap/ --output cards/

Two phases, so that no raw row crosses the network (the plan of the fleet design note):

1. per item kind, ``mapInArrow`` over the input's rows projected to the columns the ruleset
   reads (``Ruleset.columns``): each partition's Arrow batches are read as a stream, in
   chunks of at most ``--chunk-rows`` rows (65,536), and each chunk gives one partial scan
   per host it holds, emitted as ``(host, kind, partial bytes)`` before the next chunk is
   read: a task's Python worker holds one chunk, whatever the partition's size;
2. ``groupBy("host").applyInArrow``: a host's partials (a few small rows; partials merge in
   any number and order) merged and finished into its report, as ``iocscan scan
   --snapshot`` gives it.

The output holds one row per detected IOC and host, ``(host, ioc, card)``, the card as JSON
(Parquet, or JSON Lines with ``--format jsonl``); ``--reports PATH`` also writes every host's
whole report ``(host, report)`` (verdicts, kinds not collected, counters).

Inputs come through an adapter (``ADAPTERS``, ``--input-format``) with two methods:
``partials(spark, iocs, rules)``, phase 1 (a DataFrame of ``(host, kind, partial)`` rows; a
row without bytes says the host collected the kind, one without a host that every host
did), and ``every_host(partials)``, the kinds that count as collected on every host (a kind
not collected leaves its conditions unknown, so an IOC needing it is undetermined, never
clean). ``IocscanSnapshot`` (``iocscan``) reads iocscan Parquet snapshot folders
(``schema/parquet-snapshot.md``), one ``mapInArrow`` per item kind over columns named as
catalogue terms. ``OcsfLake`` (``ocsf``) reads a folder of OCSF Parquet files (a lake's
tables, any mix of event classes, any layout below the folder), projected to the columns
the OCSF mapping reads, down to the struct members it reads (``iocscan.ocsf_paths()``:
Spark decodes no other leaf); each chunk's rows go through the
mapping of ``iocscan import ocsf`` (``Ruleset.partials_ocsf``), host by host, and the kinds
the whole dataset provides count on every host, as one import of it would. Files whose
schemas Spark cannot merge (a column that is int64 in one file and a timestamp in another, a
struct field of two types) are read in groups that merge, each group with its own types
(the mapping reads each file's types as ``iocscan import ocsf`` does), nothing cast; the
merge of the whole folder is tried first, and only a refusal splits it.

Executors need the ``iocscan`` wheel installed and the IOC paths readable: ship a bundle
(``iocscan compile -o rules.iocb rules/``) with ``--files``; a path that does not exist on an
executor is looked up among the files Spark shipped. Each Python worker process loads a
ruleset once and keeps it for the tasks it runs, while its files keep their sizes and times.
"""

import argparse
import json
import os
import sys
import time
import types
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc

import iocscan

PARTIALS = "host string, kind string, partial binary"
FINISHED = "host string, ioc string, card string, report string"
# The columns a recorded event has besides its terms (schema/parquet-snapshot.md).
RECORD_COLUMNS = ("time", "source")
# Phase 1 holds at most this many rows of a partition at once (and the batch being cut).
CHUNK_ROWS = 65_536
# How long a process trusts its ruleset's files unchanged before it looks again.
RECHECK_SECONDS = 5.0


# ---- the ruleset, once per Python worker process ------------------------------------------


def process_cache():
    """A dict that lives as long as this Python process. Spark pickles this script's
    functions by value (executors cannot import it), the globals they use included, so a
    module-level dict would be a new one in every task; a module in ``sys.modules`` is the
    process's own, and Spark reuses a worker process for many tasks."""
    name = "_iocscan_spark_scan_cache"
    module = sys.modules.get(name)
    if module is None:
        module = types.ModuleType(name)
        module.rules = {}
        sys.modules[name] = module
    return module.rules


def stamp(path):
    """What says a ruleset path changed: the size and time of the file, or of every file
    below the folder."""
    if not os.path.isdir(path):
        st = os.stat(path)
        return (path, st.st_size, st.st_mtime_ns)
    found = []
    for folder, dirs, files in os.walk(path):
        dirs.sort()
        for f in sorted(files):
            st = os.stat(os.path.join(folder, f))
            found.append((os.path.join(folder, f), st.st_size, st.st_mtime_ns))
    return (path, tuple(found))


def load_rules(paths):
    """The ruleset, from paths that exist here or that Spark shipped (``--files``): loaded
    once per process and kept (the last few rulesets) while its files are unchanged, which
    is checked again at most every ``RECHECK_SECONDS`` (a folder of many IOC files costs a
    walk, and phase 2 asks once per host)."""

    def local(path):
        if os.path.exists(path):
            return path
        from pyspark import SparkFiles

        return SparkFiles.get(os.path.basename(path))

    local_paths = [local(p) for p in paths]
    cache = process_cache()
    key = tuple(local_paths)
    entry = cache.get(key)
    now = time.monotonic()
    if entry is not None and now - entry["checked"] < RECHECK_SECONDS:
        return entry["rules"]
    stamps = tuple(stamp(p) if os.path.exists(p) else (p,) for p in local_paths)
    if entry is None or entry["stamps"] != stamps:
        entry = {"rules": iocscan.Ruleset.load(local_paths), "stamps": stamps}
        cache.pop(key, None)
        while len(cache) >= 4:
            cache.pop(next(iter(cache)))
        cache[key] = entry
    entry["checked"] = now
    return entry["rules"]


# ---- input adapters ---------------------------------------------------------------------------


def union(frames):
    """The rows of every DataFrame (same schema), or None when there is none."""
    if not frames:
        return None
    out = frames[0]
    for f in frames[1:]:
        out = out.unionByName(f)
    return out


class IocscanSnapshot:
    """A folder of iocscan Parquet snapshots: ``<Kind>.parquet`` files or ``<Kind>/`` folders of
    them, with ``snapshot.json`` (which kinds each host collected) when iocscan wrote it."""

    KINDS = ("File", "Process", "Port", "ArpEntry", "SystemInfo", "User", "processEvent",
             "imageLoadEvent", "fileWriteEvent", "ipv4NetworkEvent", "dnsLookupEvent",
             "urlMonitorEvent", "regKeyEvent", "addressNotificationEvent", "eventItem")

    def __init__(self, path, rows=CHUNK_ROWS):
        self.path = str(path).rstrip("/")
        self.rows = rows
        local = Path(self.path)
        self.files = {k: p for k in self.KINDS
                      for p in [local / f"{k}.parquet", local / k] if p.exists()}
        manifest = local / "snapshot.json"
        self.manifest = json.loads(manifest.read_text()) if manifest.is_file() else None

    def frames(self, spark, rules):
        """Per kind the ruleset reads: the rows projected to its columns, with ``host``."""
        for kind, path in sorted(self.files.items()):
            wanted = rules.columns(kind)
            if not wanted:
                continue
            df = spark.read.parquet(str(path))
            keep = ["host", *[c for c in RECORD_COLUMNS if c in df.columns],
                    *[c for c in wanted if c in df.columns]]
            yield kind, df.select([df[f"`{c}`"] for c in keep]).where(df["host"].isNotNull())

    def partials(self, spark, iocs, rules):
        """Phase 1: per kind, a partial per chunk and host; and a row per kind each host
        lists in the header (``snapshot.json``), so that a host with no rows still gets its
        report and a kind collected with no rows still counts as collected."""
        phase1 = [df.mapInArrow(partials_of(iocs, kind, self.rows), PARTIALS)
                  for kind, df in self.frames(spark, rules)]
        per_host = {} if self.manifest is None else {
            h["host"]: [k for k in h["kinds"] if k in self.files] for h in self.manifest["hosts"]}
        seeds = [(h, k, None) for h, kinds in per_host.items() for k in kinds]
        seeds += [(h, None, None) for h, kinds in per_host.items() if not kinds]
        return union(phase1 + ([spark.createDataFrame(seeds, PARTIALS)] if seeds else []))

    def every_host(self, partials):
        """A folder without a header: every kind with a file counts as collected on every host
        found; with one, the header's rows said which host collected what."""
        return sorted(self.files) if self.manifest is None else []


def merge_refused(error):
    """True when ``error`` is Spark refusing to merge Parquet schemas (``CANNOT_MERGE_SCHEMAS``:
    a column or struct field of two types), not any other failure to read."""
    from py4j.protocol import Py4JError

    for source in (error, getattr(error, "java_exception", None)):
        condition = getattr(source, "getCondition", None)
        if condition is None:
            continue
        try:
            if condition() == "CANNOT_MERGE_SCHEMAS":
                return True
        except Py4JError:  # a JVM exception that has no condition
            continue
    return "[CANNOT_MERGE_SCHEMAS]" in str(error)


def merged_schema(spark, paths):
    """The schema Spark merges of Parquet files and folders (every file below them), or None
    when it refuses to merge them."""
    reader = spark.read.option("mergeSchema", "true").option("recursiveFileLookup", "true")
    try:
        return reader.parquet(*paths).schema
    except Exception as e:
        if merge_refused(e):
            return None
        raise


def mergeable_groups(files, merge):
    """``files`` (paths, sorted) in runs whose schemas merge, with the merged schema:
    ``[(schema, files)]``. ``merge(paths)`` is the merged schema or None. All the files when
    they merge; else each half tried again, down to single files: about 2 log2(n) merges per
    place where the types change in path order (a writer's files sort together)."""
    schema = merge(files)
    if schema is not None:
        return [(schema, files)]
    if len(files) == 1:
        raise ValueError(f"{files[0]}: Spark cannot read its schema")
    half = len(files) // 2
    return mergeable_groups(files[:half], merge) + mergeable_groups(files[half:], merge)


def path_tree(paths):
    """The OCSF mapping's source paths (``iocscan.ocsf_paths()``) as a tree of struct members:
    ``{"process": {"file": {"path": None, "hashes": {"algorithm_id": None, "value": None}}}}``
    for ``process.file.path`` and ``process.file.hashes[algorithm_id=1].value``. ``None`` keeps
    a member whole; a list segment (``name[]``, ``name[key=value]``) names the members of its
    elements, the key among them."""
    tree = {}
    for path in paths:
        node, segments = tree, path.split(".")
        for i, segment in enumerate(segments):
            name, _, select = segment.partition("[")
            if i == len(segments) - 1:
                node[name] = None
                break
            child = node.get(name, {})
            if child is None:  # already read whole
                break
            node[name] = child
            key = select.rstrip("]").partition("=")[0]
            if key:
                child[key] = None
            node = child
    return tree


def pruned(dtype, tree):
    """``dtype`` (a Spark type) with only the struct members ``tree`` names, so that Spark
    decodes only the leaves the mapping reads (decoding nested Parquet into Arrow is most of
    the job's time); None when nothing of it is read. Lists keep their elements' members."""
    from pyspark.sql.types import ArrayType, StructField, StructType

    if tree is None:
        return dtype
    if isinstance(dtype, ArrayType):
        inner = pruned(dtype.elementType, tree)
        return None if inner is None else ArrayType(inner, dtype.containsNull)
    if isinstance(dtype, StructType):
        fields = [StructField(f.name, kept, f.nullable, f.metadata)
                  for f in dtype.fields if f.name in tree
                  for kept in [pruned(f.dataType, tree[f.name])] if kept is not None]
        return StructType(fields) if fields else None
    # A scalar where a path goes deeper: the mapping reads it as absent; nothing to prune.
    return dtype


class OcsfLake:
    """A folder of OCSF Parquet files (Amazon Security Lake and other lakes: one event per
    row, OCSF objects as struct columns; any classes mixed, any sub-folders). Schemas are
    merged when Spark can merge them; files whose types conflict are read in groups."""

    def __init__(self, path, rows=CHUNK_ROWS):
        self.path = str(path).rstrip("/")
        self.rows = rows

    def reads(self, spark):
        """The reads of the lake: ``[(schema, paths)]``, the schema pruned to the columns and
        struct members the OCSF mapping reads (``pruned``). One read of the folder when Spark merges every file's schema
        (the usual lake: one plan, Spark's own file splitting); when it refuses (a column
        whose type differs between files), the files are listed, in path order, and split
        into runs that merge (``mergeable_groups``), and the runs whose projected schemas are
        equal are read together: a conflict in a column the mapping does not read costs a
        few merges, and each read keeps its own types (the mapping reads each type as
        ``iocscan import ocsf`` does: no cast, no guess)."""
        schema = merged_schema(spark, [self.path])
        if schema is not None:
            groups = [(schema, [self.path])]
        else:
            listed = (spark.read.option("mergeSchema", "false").option("recursiveFileLookup", "true")
                      .parquet(self.path).inputFiles())
            groups = mergeable_groups(sorted(listed), lambda paths: merged_schema(spark, paths))
        tree = path_tree(iocscan.ocsf_paths())
        reads = {}
        for schema, paths in groups:
            projected = pruned(schema, tree)
            if projected is not None:
                reads.setdefault(projected.json(), (projected, []))[1].extend(paths)
        return list(reads.values())

    def partials(self, spark, iocs, rules):
        """Phase 1: per read, the rows projected to the top-level columns the OCSF mapping
        reads, a partial per chunk and host, and a host-less row per kind a partition
        provides. Cached: ``every_host`` and phase 2 both read it."""
        frames = [spark.read.schema(schema).option("recursiveFileLookup", "true").parquet(*paths)
                  .mapInArrow(ocsf_partials_of(iocs, self.rows), PARTIALS)
                  for schema, paths in self.reads(spark)]
        phase1 = union(frames)
        return None if phase1 is None else phase1.cache()

    def every_host(self, partials):
        """The kinds the whole dataset provides: what the partitions' host-less rows name."""
        rows = partials.where(partials["host"].isNull()).select("kind").distinct().collect()
        return sorted(r["kind"] for r in rows)


ADAPTERS = {"iocscan": IocscanSnapshot, "ocsf": OcsfLake}


# ---- the two phases ---------------------------------------------------------------------------


def chunks(batches, rows=CHUNK_ROWS):
    """The batches (an iterator) as tables of at most ``rows`` rows, in order; each is handed
    on as soon as its rows have arrived, so at most ``rows`` rows and the batch being cut are
    held, never the whole stream. Empty batches are skipped."""
    if rows < 1:
        raise ValueError(f"chunks of {rows} rows")
    pending, count = [], 0
    for batch in batches:
        while batch.num_rows:
            take = min(batch.num_rows, rows - count)
            pending.append(batch.slice(0, take))
            batch, count = batch.slice(take), count + take
            if count == rows:
                yield pa.Table.from_batches(pending)
                pending, count = [], 0
    if pending:
        yield pa.Table.from_batches(pending)


def host_partials(rules, kind, table):
    """One partial per host of the table's rows (each host's rows together, in host order),
    as a batch of ``(host, kind, partial)``."""
    table = table.take(pc.sort_indices(table["host"]))
    hosts, parts, start = [], [], 0
    # The sorted column's values in order of appearance: host order.
    for entry in pc.value_counts(table["host"]).to_pylist():
        hosts.append(entry["values"])
        parts.append(rules.partial(entry["values"], kind, table.slice(start, entry["counts"])))
        start += entry["counts"]
    return pa.record_batch({
        "host": pa.array(hosts, pa.string()),
        "kind": pa.array([kind] * len(hosts), pa.string()),
        "partial": pa.array(parts, pa.binary()),
    })


def partials_of(paths, kind, rows=CHUNK_ROWS):
    """Phase 1 for one kind: the function ``mapInArrow`` runs over a partition's batches (an
    iterator). Reads them in chunks of at most ``rows`` rows and yields, per chunk, one
    partial per host it holds, before reading on: a host whose rows span chunks gets several
    partials, which ``finish`` merges."""

    def scan_partition(batches):
        rules = load_rules(paths)
        for table in chunks(batches, rows):
            yield host_partials(rules, kind, table)

    return scan_partition


def ocsf_partials_of(paths, rows=CHUNK_ROWS):
    """Phase 1 for OCSF rows: the function ``mapInArrow`` runs over a partition's batches (an
    iterator), read in chunks of at most ``rows`` rows. Yields per chunk ``(host, None,
    partial)`` per host the chunk's rows name and ``(None, kind, None)`` per kind its rows
    provide that no earlier chunk of the partition did."""

    def scan_partition(batches):
        rules = load_rules(paths)
        told = set()
        for table in chunks(batches, rows):
            found = rules.partials_ocsf(table)
            parts = found["partials"]
            kinds = [k for k in found["kinds"] if k not in told]
            told.update(kinds)
            if not parts and not kinds:
                continue
            yield pa.record_batch({
                "host": pa.array([h for h, _ in parts] + [None] * len(kinds), pa.string()),
                "kind": pa.array([None] * len(parts) + kinds, pa.string()),
                "partial": pa.array([p for _, p in parts] + [None] * len(kinds), pa.binary()),
            })

    return scan_partition


def finish_with(paths, every_host):
    """Phase 2: the function ``applyInArrow`` runs over one host's partials. A row without
    bytes stands for a kind the host collected with no rows; ``every_host`` kinds count as
    collected on every host."""
    empty = pa.table({"host": pa.array([], pa.string())})

    def finish(table):
        rules = load_rules(paths)
        host = table["host"][0].as_py()
        rows = table.to_pylist()
        parts = [r["partial"] for r in rows if r["partial"] is not None]
        seeded = {r["kind"] for r in rows if r["partial"] is None and r["kind"] is not None}
        collected = seeded | set(every_host)
        parts += [rules.partial(host, kind, empty) for kind in sorted(collected)]
        report = rules.finish(host, parts)
        cards = report["cards"]
        return pa.table({
            "host": [host] * (len(cards) + 1),
            "ioc": [c["id"] for c in cards] + [None],
            "card": [json.dumps(c) for c in cards] + [None],
            "report": [None] * len(cards) + [json.dumps(report)],
        }, schema=pa.schema([("host", pa.string()), ("ioc", pa.string()),
                             ("card", pa.string()), ("report", pa.string())]))

    return finish


def scan(spark, iocs, source):
    """The plan: a DataFrame ``(host, ioc, card, report)`` (one row per card, and one per
    host with its report), over the input ``source`` (an adapter)."""
    rules = load_rules(iocs)
    partials = source.partials(spark, iocs, rules)
    if partials is None:
        return spark.createDataFrame([], FINISHED)
    every_host = source.every_host(partials)
    hosts = partials.where(partials["host"].isNotNull())
    return hosts.groupBy("host").applyInArrow(finish_with(iocs, every_host), FINISHED)


def write(df, path, fmt):
    writer = df.write.mode("overwrite")
    (writer.parquet if fmt == "parquet" else writer.json)(str(path))


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--iocs", nargs="+", required=True, help="IOC files, folders or bundles")
    ap.add_argument("--input", required=True,
                    help="the dataset: a folder of iocscan snapshots, or of OCSF Parquet files")
    ap.add_argument("--input-format", choices=sorted(ADAPTERS), default="iocscan")
    ap.add_argument("--output", required=True, help="where the (host, ioc, card) rows go")
    ap.add_argument("--format", choices=["parquet", "jsonl"], default="parquet")
    ap.add_argument("--reports", help="also write every host's report (host, report) here")
    ap.add_argument("--master", help="Spark master when run with plain python (local[*])")
    ap.add_argument("--chunk-rows", type=int, default=CHUNK_ROWS,
                    help="rows a task scans at once in phase 1 (memory per task; a host's rows "
                         "span fewer chunks, fewer partials, when larger)")
    args = ap.parse_args(argv)

    from pyspark.sql import SparkSession

    builder = SparkSession.builder.appName("iocscan")
    if args.master:  # otherwise spark-submit's (whose default is local[*])
        builder = builder.master(args.master)
        if args.master.startswith("local"):
            # Local workers run this interpreter (its venv has the wheel), not the PATH's.
            os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    spark = builder.getOrCreate()
    iocs = [os.path.abspath(p) if os.path.exists(p) else p for p in args.iocs]
    if args.chunk_rows < 1:
        ap.error("--chunk-rows must be at least 1")
    out = scan(spark, iocs, ADAPTERS[args.input_format](args.input, rows=args.chunk_rows)).cache()
    write(out.where(out["ioc"].isNotNull()).select("host", "ioc", "card"), args.output, args.format)
    if args.reports:
        write(out.where(out["report"].isNotNull()).select("host", "report"), args.reports, args.format)
    spark.stop()


if __name__ == "__main__":
    main()
