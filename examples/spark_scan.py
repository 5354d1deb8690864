"""Scan a fleet's stored items with OpenIOC rules on Spark, each host on its own.

    python examples/spark_scan.py --iocs rules/ --input SNAPSHOT/ --output cards/ [--master local[*]]
    spark-submit --files rules.iocb examples/spark_scan.py --iocs rules.iocb --input s3://lake/snap/ --output cards/

Two phases, so that no raw row crosses the network (the plan of the fleet design note):

1. per item kind, ``mapInArrow`` over the input's rows projected to the columns the ruleset
   reads (``Ruleset.columns``): in each partition, one partial scan per host seen, emitted
   as ``(host, kind, partial bytes)``;
2. ``groupBy("host").applyInArrow``: a host's partials (a few small rows) merged and
   finished into its report, as ``iocscan scan --snapshot`` gives it.

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
the OCSF mapping reads (``iocscan.ocsf_columns()``); each partition's rows go through the
mapping of ``iocscan import ocsf`` (``Ruleset.partials_ocsf``), host by host, and the kinds
the whole dataset provides count on every host, as one import of it would.

Executors need the ``iocscan`` wheel installed and the IOC paths readable: ship a bundle
(``iocscan compile -o rules.iocb rules/``) with ``--files``; a path that does not exist on an
executor is looked up among the files Spark shipped.
"""

import argparse
import json
import os
import sys
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc

import iocscan

PARTIALS = "host string, kind string, partial binary"
FINISHED = "host string, ioc string, card string, report string"
# The columns a recorded event has besides its terms (schema/parquet-snapshot.md).
RECORD_COLUMNS = ("time", "source")


# ---- the ruleset, once per Python worker and task -----------------------------------------


def load_rules(paths):
    """The ruleset, from paths that exist here or that Spark shipped (``--files``)."""
    from pyspark import SparkFiles

    def local(path):
        if os.path.exists(path):
            return path
        return SparkFiles.get(os.path.basename(path))

    return iocscan.Ruleset.load([local(p) for p in paths])


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

    def __init__(self, path):
        self.path = str(path).rstrip("/")
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
        """Phase 1: per kind, a partial per partition and host; and a row per kind each host
        lists in the header (``snapshot.json``), so that a host with no rows still gets its
        report and a kind collected with no rows still counts as collected."""
        phase1 = [df.mapInArrow(partials_of(iocs, kind), PARTIALS)
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


class OcsfLake:
    """A folder of OCSF Parquet files (Amazon Security Lake and other lakes: one event per
    row, OCSF objects as struct columns; any classes mixed, any sub-folders, schemas merged)."""

    def __init__(self, path):
        self.path = str(path).rstrip("/")

    def partials(self, spark, iocs, rules):
        """Phase 1: the rows projected to the top-level columns the OCSF mapping reads, a
        partial per partition and host, and a host-less row per kind a partition provides.
        Cached: ``every_host`` and phase 2 both read it."""
        df = (spark.read.option("mergeSchema", "true").option("recursiveFileLookup", "true")
              .parquet(self.path))
        keep = [c for c in iocscan.ocsf_columns() if c in df.columns]
        if not keep:
            return None
        return df.select([df[f"`{c}`"] for c in keep]).mapInArrow(ocsf_partials_of(iocs), PARTIALS).cache()

    def every_host(self, partials):
        """The kinds the whole dataset provides: what the partitions' host-less rows name."""
        rows = partials.where(partials["host"].isNull()).select("kind").distinct().collect()
        return sorted(r["kind"] for r in rows)


ADAPTERS = {"iocscan": IocscanSnapshot, "ocsf": OcsfLake}


# ---- the two phases ---------------------------------------------------------------------------


def partials_of(paths, kind):
    """Phase 1 for one kind: the function ``mapInArrow`` runs over a partition's batches."""

    def scan_partition(batches):
        rules = load_rules(paths)
        table = pa.Table.from_batches(list(batches))
        if table.num_rows == 0:
            return
        # One partial per host seen in the partition: its rows together, in host order.
        table = table.take(pc.sort_indices(table["host"]))
        counts = pc.value_counts(table["host"])
        hosts, offsets, start = [], [], 0
        for entry in counts.to_pylist():
            hosts.append(entry["values"])
            offsets.append((start, entry["counts"]))
            start += entry["counts"]
        parts = [rules.partial(h, kind, table.slice(a, n)) for h, (a, n) in zip(hosts, offsets)]
        yield pa.record_batch({
            "host": pa.array(hosts, pa.string()),
            "kind": pa.array([kind] * len(hosts), pa.string()),
            "partial": pa.array(parts, pa.binary()),
        })

    return scan_partition


def ocsf_partials_of(paths):
    """Phase 1 for OCSF rows: the function ``mapInArrow`` runs over a partition's batches.
    Emits ``(host, None, partial)`` per host seen and ``(None, kind, None)`` per kind the
    partition's rows provide."""

    def scan_partition(batches):
        rules = load_rules(paths)
        batches = [b for b in batches if b.num_rows]
        if not batches:
            return
        found = rules.partials_ocsf(pa.Table.from_batches(batches))
        parts, kinds = found["partials"], found["kinds"]
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
    out = scan(spark, iocs, ADAPTERS[args.input_format](args.input)).cache()
    write(out.where(out["ioc"].isNotNull()).select("host", "ioc", "card"), args.output, args.format)
    if args.reports:
        write(out.where(out["report"].isNotNull()).select("host", "report"), args.reports, args.format)
    spark.stop()


if __name__ == "__main__":
    main()
