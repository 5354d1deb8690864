"""The Spark job's functions (``examples/spark_scan.py``) called directly, without Spark: phase 1
reads a partition's Arrow batches as a stream (it yields partials before the batches are all
read, holding at most a chunk of rows), and the partials it emits for a host, merged, finish
into the report of one partial over all the host's rows; the ruleset is loaded once per
process, even from functions pickled by value as Spark ships them; files whose schemas
conflict are split into runs that merge."""

import importlib.util
import pickle
import random
import warnings

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest

import iocscan
from conftest import ROOT, without_timing
import ocsfgen

EMPTY = pa.table({"host": pa.array([], pa.string())})


def load_job(name="spark_scan_under_test"):
    """The job as a module that is not in ``sys.modules``: pickled by value, as on Spark."""
    spec = importlib.util.spec_from_file_location(name, ROOT / "examples" / "spark_scan.py")
    job = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(job)
    return job


job = load_job()


class Recorded:
    """An iterator over batches that records how many were taken."""

    def __init__(self, batches):
        self.batches, self.taken = list(batches), 0

    def __iter__(self):
        for b in self.batches:
            self.taken += 1
            yield b


def comparable(host: dict) -> dict:
    host = without_timing(host)
    host["errors"] = [(e.get("kind"), e.get("reason")) for e in host["errors"]]
    return host


def shuffled_batches(table, size, seed=3):
    """The table's rows in a random order (hosts interleaved), as batches of ``size`` rows."""
    order = list(range(table.num_rows))
    random.Random(seed).shuffle(order)
    return table.take(pa.array(order)).combine_chunks().to_batches(max_chunksize=size)


def test_chunks_cut_a_stream_without_reading_ahead():
    batches = [pa.record_batch({"x": list(range(n, n + 7))}) for n in range(0, 70, 7)]
    source = Recorded(batches + [pa.record_batch({"x": pa.array([], pa.int64())})])
    out = job.chunks(iter(source), rows=10)
    first = next(out)
    assert first.num_rows == 10 and source.taken == 2
    rest = list(out)
    assert [t.num_rows for t in [first, *rest]] == [10] * 7
    assert pa.concat_tables([first, *rest])["x"].to_pylist() == list(range(70))
    with pytest.raises(ValueError):
        next(job.chunks(iter(batches), rows=0))


def test_phase1_streams_and_its_partials_finish_as_one_partial(fleet):
    paths = [str(fleet["iocs"])]
    rules = job.load_rules(paths)
    streamed, whole, kinds = {}, {}, []
    for f in sorted(fleet["parquet"].glob("*.parquet")):
        kind = f.stem
        columns = rules.columns(kind)
        if not columns:
            continue
        kinds.append(kind)
        table = pq.read_table(f)
        table = table.select(["host", *[c for c in job.RECORD_COLUMNS + tuple(columns) if c in table.column_names]])
        source = Recorded(shuffled_batches(table, size=11))
        assert len(source.batches) > 8
        out = job.partials_of(paths, kind, rows=30)(iter(source))
        first = next(out)
        # Output before the partition is read: the first chunk's (30 rows: 3 batches) only.
        assert source.taken == 3 and first.num_rows > 1
        for batch in [first, *out]:
            assert batch.schema.names == ["host", "kind", "partial"]
            assert set(batch["kind"].to_pylist()) == {kind}
            for host, part in zip(batch["host"].to_pylist(), batch["partial"].to_pylist()):
                streamed.setdefault(host, []).append(part)
        assert source.taken == len(source.batches)
        for host in pc.unique(table["host"]).to_pylist():
            rows = table.filter(pc.equal(table["host"], host))
            whole.setdefault(host, []).append(rules.partial(host, kind, rows))
    assert len(streamed) == 40 and len(kinds) >= 3
    # Hosts span chunks: several partials of one host and kind.
    assert max(len(parts) for parts in streamed.values()) > 3 * len(kinds)
    for host, parts in streamed.items():
        assert comparable(rules.finish(host, parts)) == comparable(rules.finish(host, whole[host])), host


def test_ocsf_phase1_streams_and_its_partials_finish_as_one_table(tmp_path):
    files = ocsfgen.write_lake(tmp_path / "lake", hosts=12, rows_per_host=40)
    iocs = ocsfgen.write_iocs(tmp_path / "iocs")
    paths = [str(iocs)]
    rules = job.load_rules(paths)
    wanted = set(iocscan.ocsf_columns())
    # The lake as one merged table, as Spark's merged read gives it.
    tables = [pq.read_table(f, columns=[c for c in pq.read_schema(f).names if c in wanted]) for f in files]
    lake = pa.concat_tables(tables, promote_options="default")
    source = Recorded(shuffled_batches(lake, size=25))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", iocscan.IocscanWarning)  # the host-less miner row
        out = job.ocsf_partials_of(paths, rows=60)(iter(source))
        first = next(out)
        assert source.taken == 3 and first.num_rows > 1
        batches = [first, *out]
        one = rules.partials_ocsf(lake)
    assert source.taken == len(source.batches)
    streamed, kinds = {}, []
    for batch in batches:
        for host, kind, part in zip(*(batch[c].to_pylist() for c in ["host", "kind", "partial"])):
            if host is None:
                kinds.append(kind)
            else:
                assert kind is None
                streamed.setdefault(host, []).append(part)
    assert sorted(kinds) == sorted(one["kinds"])  # each kind told once per partition
    assert sorted(streamed) == sorted(ocsfgen.hosts_of(12)) == sorted(h for h, _ in one["partials"])
    assert max(len(parts) for parts in streamed.values()) > 3
    for host, part in one["partials"]:
        every = [rules.partial(host, k, EMPTY) for k in one["kinds"]]
        assert comparable(rules.finish(host, streamed[host] + every)) == comparable(rules.finish(host, [part] + every)), host


def test_the_ruleset_loads_once_per_process_and_again_when_changed(tmp_path, monkeypatch):
    iocs = ocsfgen.write_iocs(tmp_path / "iocs")
    paths = [str(iocs)]
    rules = job.load_rules(paths)
    assert job.load_rules(paths) is rules
    # Spark ships the job's functions pickled by value (a fresh copy of their globals per
    # task): the copy still finds this process's ruleset.
    from pyspark import cloudpickle

    shipped = pickle.loads(cloudpickle.dumps(job.load_rules))
    assert shipped is not job.load_rules and shipped(paths) is rules
    assert load_job("another_copy").load_rules(paths) is rules
    # A changed IOC file is a new ruleset, once the files are looked at again.
    (iocs / "url.ioc").write_text(ocsfgen.IOCS["url.ioc"].replace("c2.example", "c2.example.org"))
    assert job.load_rules(paths) is rules  # within RECHECK_SECONDS of the last look
    monkeypatch.setattr(job, "RECHECK_SECONDS", 0.0)
    changed = job.load_rules(paths)
    assert changed is not rules and changed.iocs == rules.iocs
    assert job.load_rules(paths) is changed


def test_schemas_that_do_not_merge_are_split_in_runs_that_merge():
    files = [f"file:///lake/{d}/part-{n:02d}.parquet" for d in ("a", "b") for n in range(32)]
    types = {f: "timestamp" for f in files}
    types[files[40]] = "int64"  # one file of another writer among 64
    tried = []

    def merge(paths):
        tried.append(paths)
        found = {types[p] for p in paths}
        return found.pop() if len(found) == 1 else None

    groups = job.mergeable_groups(files, merge)
    assert [g for g, _ in groups] == ["timestamp"] * 2 + ["int64"] + ["timestamp"] * 4
    assert [f for _, run in groups for f in run] == files
    assert groups[2] == ("int64", [files[40]])
    assert len(tried) == 13  # 2 log2(64) + 1, not one per file
    assert job.mergeable_groups(files[:2], merge) == [("timestamp", files[:2])]
    with pytest.raises(ValueError):
        job.mergeable_groups(["file:///lake/bad.parquet"], lambda paths: None)


def test_only_a_refused_merge_falls_back():
    class JavaError(Exception):
        def __init__(self, condition, message):
            super().__init__(message)
            self.java_exception = type("J", (), {"getCondition": lambda self: condition})()

    assert job.merge_refused(JavaError("CANNOT_MERGE_SCHEMAS", "Failed merging schemas"))
    assert job.merge_refused(Exception("SparkException: [CANNOT_MERGE_SCHEMAS] Failed merging schemas"))
    assert not job.merge_refused(JavaError("PATH_NOT_FOUND", "Path does not exist"))
    assert not job.merge_refused(Exception("Illegal Parquet type: INT64 (TIMESTAMP(NANOS,true))"))


def test_the_read_schema_is_pruned_to_the_members_the_mapping_reads():
    from pyspark.sql.types import ArrayType, IntegerType, StringType, StructField, StructType

    job = load_job()
    string = lambda name: StructField(name, StringType())
    hashes = ArrayType(StructType([StructField("algorithm_id", IntegerType()), string("algorithm"),
                                   string("value")]))
    file = StructType([string("path"), string("name"), string("mime_type"),
                       StructField("hashes", hashes)])
    schema = StructType([
        StructField("class_uid", IntegerType()),
        StructField("process", StructType([StructField("file", file), string("uid"), string("name")])),
        StructField("unmapped", StructType([string("x")])),
        string("message"),
    ])
    tree = job.path_tree(["class_uid", "process.name", "process.file.path",
                          "process.file.hashes[algorithm_id=1].value"])
    kept = job.pruned(schema, tree)
    assert kept.simpleString() == (
        "struct<class_uid:int,process:struct<file:struct<path:string,"
        "hashes:array<struct<algorithm_id:int,value:string>>>,name:string>>")
    # The real paths: every top-level column they keep is one of ``ocsf_columns()``.
    real = job.pruned(schema, job.path_tree(iocscan.ocsf_paths()))
    assert {f.name for f in real.fields} <= set(iocscan.ocsf_columns())
    assert "mime_type" not in real.simpleString() and "unmapped" not in real.simpleString()
