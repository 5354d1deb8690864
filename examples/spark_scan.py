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

Inputs come through an adapter (``ADAPTERS``): it gives, per item kind, a DataFrame with a
``host`` column and columns named as catalogue terms (``FileItem/Sha256sum``; ``time`` and
``source`` for recorded events), and says which kinds were collected on which host (a kind
not collected leaves its conditions unknown, so an IOC needing it is undetermined, never
clean). ``IocscanSnapshot`` reads iocscan Parquet snapshot folders
(``schema/parquet-snapshot.md``); another format adds a class with the same two methods.

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

    def collected(self):
        """``(per_host, every_host)``: the kinds each host listed in the header collected (and
        whose file exists), and the kinds that count as collected on every host found (a folder
        without a header: every kind with a file)."""
        if self.manifest is None:
            return {}, sorted(self.files)
        per_host = {h["host"]: [k for k in h["kinds"] if k in self.files]
                    for h in self.manifest["hosts"]}
        return per_host, []


ADAPTERS = {"iocscan": IocscanSnapshot}


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
    per_host, every_host = source.collected()
    phase1 = [df.mapInArrow(partials_of(iocs, kind), PARTIALS)
              for kind, df in source.frames(spark, rules)]
    # Hosts and kinds known collected (the header) are rows too: a host with no rows at all
    # still gets its report, and a kind collected with no rows still counts as collected.
    seeds = [(h, k, None) for h, kinds in per_host.items() for k in kinds]
    seeds += [(h, None, None) for h, kinds in per_host.items() if not kinds]
    frames = phase1 + ([spark.createDataFrame(seeds, PARTIALS)] if seeds else [])
    if not frames:
        return spark.createDataFrame([], FINISHED)
    partials = frames[0]
    for f in frames[1:]:
        partials = partials.unionByName(f)
    return partials.groupBy("host").applyInArrow(finish_with(iocs, every_host), FINISHED)


def write(df, path, fmt):
    writer = df.write.mode("overwrite")
    (writer.parquet if fmt == "parquet" else writer.json)(str(path))


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--iocs", nargs="+", required=True, help="IOC files, folders or bundles")
    ap.add_argument("--input", required=True, help="the dataset (a folder of snapshots)")
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
