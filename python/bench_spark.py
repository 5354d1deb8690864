"""Rows per second of the Spark job (examples/spark_scan.py, local[2] by default) next to the
embedded scan on the same Parquet fleet: the ``iocscan`` binary (``scan --snapshot``) and the
Python package's ``scan_snapshot`` (the same library, in process).

    python python/bench_spark.py [--hosts 200] [--rows 10000] [--master local[2]] [--runs 3]
    python python/bench_spark.py --input-format ocsf [--hosts 40] [--rows 5000] ...

With ``--input-format ocsf`` the data is the OCSF lake of python/tests/ocsfgen.py (nested
Parquet, five event classes) and the embedded figure is the package's ``partials_ocsf`` +
``finish`` over each file in process (the batch path; the binary needs an import first); the
rows are the OCSF events read.

Generates the fleet of python/tests/fleetgen.py (JSON Lines, converted to Parquet by the
binary) in a temporary folder, then times each engine ``--runs`` times, best run kept; the
Spark job runs once first to warm the JVM (its session start is reported apart). The rows
are the items every host's report counts. Needs the wheel installed, pyspark, Java 17, and the
binary (``IOCSCAN_BIN`` or target/release/iocscan).
"""

import argparse
import importlib.util
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE / "tests"))
import fleetgen  # noqa: E402
import ocsfgen  # noqa: E402
from conftest import iocscan_bin, run_iocscan  # noqa: E402

import iocscan  # noqa: E402


def best(runs, work):
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        work()
        times.append(time.perf_counter() - start)
    return min(times)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--hosts", type=int, default=200)
    ap.add_argument("--rows", type=int, default=10000, help="items per host")
    ap.add_argument("--master", default="local[2]")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--input-format", choices=["iocscan", "ocsf"], default="iocscan")
    args = ap.parse_args()
    if args.input_format == "ocsf":
        return bench_ocsf(args)

    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        iocs = fleetgen.write_iocs(tmp / "iocs")
        fleetgen.write_fleet(tmp / "jsonl", hosts=args.hosts, rows_per_host=args.rows)
        parquet = tmp / "parquet"
        out = run_iocscan("snapshot", "convert", tmp / "jsonl", "-o", parquet, "--quiet")
        assert out.returncode == 0, out.stderr

        rules = iocscan.Ruleset.load(iocs)
        hosts = rules.scan_snapshot(parquet)
        rows = sum(sum(h["summary"]["items"].values()) for h in hosts)
        cards = sum(len(h["cards"]) for h in hosts)

        def binary():
            cmd = [str(iocscan_bin()), "scan", "--quiet", "--format", "json", "--output",
                   os.devnull, "--snapshot", str(parquet), str(iocs)]
            assert subprocess.run(cmd).returncode in (0, 1)

        embedded = best(args.runs, binary)
        package = best(args.runs, lambda: rules.scan_snapshot(parquet))

        spec = importlib.util.spec_from_file_location("spark_scan", HERE.parent / "examples" / "spark_scan.py")
        job = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(job)
        os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
        from pyspark.sql import SparkSession

        start = time.perf_counter()
        spark = SparkSession.builder.master(args.master).appName("iocscan-bench").getOrCreate()
        session = time.perf_counter() - start

        def spark_run():
            df = job.scan(spark, [str(iocs)], job.IocscanSnapshot(parquet))
            found = df.where(df["ioc"].isNotNull()).count()
            assert found == cards, (found, cards)

        spark_run()  # warm-up: JVM, Python workers
        spark_s = best(args.runs, spark_run)
        spark.stop()

    print(f"fleet: {args.hosts} hosts, {rows:,} rows, {cards} cards; best of {args.runs}")
    print(f"{'engine':<40} {'s':>8} {'rows/s':>12} {'x embedded':>11}")
    for name, s in [("iocscan scan --snapshot (binary)", embedded),
                    ("Ruleset.scan_snapshot (in process)", package),
                    (f"Spark {args.master} (spark_scan.scan)", spark_s)]:
        print(f"{name:<40} {s:>8.3f} {rows / s:>12,.0f} {s / embedded:>10.1f}x")
    print(f"Spark session start (not in the job's time): {session:.1f} s")


def bench_ocsf(args):
    import pyarrow as pa
    import pyarrow.parquet as pq

    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        iocs = ocsfgen.write_iocs(tmp / "iocs")
        files = ocsfgen.write_lake(tmp / "lake", hosts=args.hosts, rows_per_host=args.rows)
        rules = iocscan.Ruleset.load(iocs)
        empty = pa.table({"host": pa.array([], pa.string())})

        def embedded():
            parts, kinds, rows = {}, set(), 0
            for f in files:
                names = pq.read_schema(f).names
                table = pq.read_table(f, columns=[c for c in iocscan.ocsf_columns() if c in names])
                found = rules.partials_ocsf(table)
                rows += found["report"]["records"]
                kinds.update(found["kinds"])
                for host, p in found["partials"]:
                    parts.setdefault(host, []).append(p)
            cards = 0
            for host, ps in parts.items():
                ps += [rules.partial(host, k, empty) for k in sorted(kinds)]
                cards += len(rules.finish(host, ps)["cards"])
            return rows, cards

        import warnings
        warnings.simplefilter("ignore", iocscan.IocscanWarning)
        rows, cards = embedded()
        package = best(args.runs, embedded)

        spec = importlib.util.spec_from_file_location("spark_scan", HERE.parent / "examples" / "spark_scan.py")
        job = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(job)
        os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
        from pyspark.sql import SparkSession

        spark = SparkSession.builder.master(args.master).appName("iocscan-bench").getOrCreate()

        def spark_run():
            df = job.scan(spark, [str(iocs)], job.OcsfLake(tmp / "lake"))
            found = df.where(df["ioc"].isNotNull()).count()
            assert found == cards, (found, cards)
            # The adapter caches phase 1; a later run of the same plan would reuse it.
            spark.catalog.clearCache()

        spark_run()  # warm-up
        spark_s = best(args.runs, spark_run)
        spark.stop()

    print(f"OCSF lake: {args.hosts} hosts, {rows:,} events in {len(files)} files, {cards} cards; best of {args.runs}")
    print(f"{'engine':<44} {'s':>8} {'rows/s':>12} {'x embedded':>11}")
    for name, s in [("partials_ocsf + finish (in process, 1 core)", package),
                    (f"Spark {args.master} (spark_scan.scan, ocsf)", spark_s)]:
        print(f"{name:<44} {s:>8.3f} {rows / s:>12,.0f} {s / package:>10.1f}x")


if __name__ == "__main__":
    main()
