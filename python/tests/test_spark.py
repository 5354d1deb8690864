"""The Spark job end to end (``pytest -m spark`` selects it): ``examples/spark_scan.py`` run
as a command in ``local[2]`` over a generated Parquet fleet (300,000 rows, 100 hosts, a
host-wide AND, detections, a kind not collected) gives the cards and host reports of
``iocscan scan --snapshot DIR --format json`` on the same folder; and with
``--input-format ocsf`` over a generated OCSF lake (nested Parquet, five event classes in
their own folders, 40 hosts, one file whose column types conflict with the others' so that
Spark cannot merge the schemas), those of ``iocscan import ocsf`` + ``iocscan scan`` of it."""

import json
import subprocess
import sys
import time

import pytest

from conftest import ROOT, cli_scan, run_iocscan, without_timing
import fleetgen
import ocsfgen

pytestmark = pytest.mark.spark


def read_jsonl(folder):
    rows = []
    for part in sorted(folder.glob("part-*.json")):
        rows += [json.loads(line) for line in part.read_text().splitlines() if line.strip()]
    return rows


def comparable(host):
    # A scan in parts names the host where the snapshot scan names the files.
    host = without_timing(host)
    host["errors"] = [(e.get("kind"), e.get("reason")) for e in host["errors"]]
    return host


def run_job(tmp_path, iocs, data, *extra):
    job = subprocess.run(
        [sys.executable, str(ROOT / "examples" / "spark_scan.py"), "--master", "local[2]",
         "--iocs", str(iocs), "--input", str(data), "--format", "jsonl",
         "--output", str(tmp_path / "cards"), "--reports", str(tmp_path / "reports"), *extra],
        capture_output=True, text=True, timeout=900,
    )
    assert job.returncode == 0, job.stderr[-4000:]
    cards = sorted((r["host"], r["ioc"], json.loads(r["card"])) for r in read_jsonl(tmp_path / "cards"))
    reports = {r["host"]: json.loads(r["report"]) for r in read_jsonl(tmp_path / "reports")}
    return cards, reports


def test_spark_job_equals_the_embedded_scan(tmp_path):
    iocs = fleetgen.write_iocs(tmp_path / "iocs")
    fleetgen.write_fleet(tmp_path / "jsonl", hosts=100, rows_per_host=3000)
    parquet = tmp_path / "parquet"
    out = run_iocscan("snapshot", "convert", tmp_path / "jsonl", "-o", parquet, "--quiet")
    assert out.returncode == 0, out.stderr
    # Chunks of 5,000 rows: hosts (3,000 rows each) span chunks, so they get several partials.
    cards, reports = run_job(tmp_path, iocs, parquet, "--chunk-rows", "5000")
    expected = cli_scan(iocs, parquet)["hosts"]
    want = sorted((h["host"], c["id"], c) for h in expected for c in h["cards"])
    assert len(want) >= 30  # the planted detections are there to compare
    assert cards == want

    assert sorted(reports) == [h["host"] for h in expected]
    assert [comparable(reports[h["host"]]) for h in expected] == [comparable(h) for h in expected]
    undetermined = [h["host"] for h in expected if h["summary"]["verdicts"]["undetermined"]]
    assert len(undetermined) == 8  # every 13th host lacks processEvent


def test_spark_ocsf_job_equals_the_import_and_snapshot_scan(tmp_path):
    iocs = ocsfgen.write_iocs(tmp_path / "iocs")
    lake = tmp_path / "lake"
    files = ocsfgen.write_lake(lake, hosts=40, rows_per_host=400)
    # Types Spark refuses to merge (int64 `time` and pids), under process_activity/v2/.
    files.append(ocsfgen.write_conflicting(lake, hosts=40))
    snaps = tmp_path / "snaps"
    out = run_iocscan("import", "ocsf", *files, "-o", snaps, "--quiet")
    assert out.returncode == 0, out.stderr
    # The host-less row's snapshot is reported under its path: no host of the lake.
    expected = [h for h in cli_scan(iocs, snaps)["hosts"] if not h["host"].endswith("_unknown.jsonl")]
    assert sorted(h["host"] for h in expected) == sorted(ocsfgen.hosts_of(40))

    start = time.perf_counter()
    # Chunks of 1,000 rows: a host's rows span chunks, so it gets several partials.
    cards, reports = run_job(tmp_path, iocs, lake, "--input-format", "ocsf", "--chunk-rows", "1000")
    print(f"Spark OCSF job (local[2], {len(files)} files): {time.perf_counter() - start:.1f} s")

    want = sorted((h["host"], c["id"], c) for h in expected for c in h["cards"])
    # miner every 4th host and on host 1 (the conflicting file), beacon every 6th, one inventory
    assert len(want) == 10 + 1 + 7 + 1
    assert ("i-00000001", "miner") in [(h, i) for h, i, _ in want]
    assert cards == want
    assert sorted(reports) == sorted(h["host"] for h in expected)
    assert {h: comparable(reports[h]) for h in reports} == {h["host"]: comparable(h) for h in expected}
