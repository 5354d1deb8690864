"""The Spark job end to end (``pytest -m spark`` selects it): ``examples/spark_scan.py`` run
as a command in ``local[2]`` over a generated Parquet fleet (300,000 rows, 100 hosts, a
host-wide AND, detections, a kind not collected) gives the cards and host reports of
``iocscan scan --snapshot DIR --format json`` on the same folder."""

import json
import subprocess
import sys

import pytest

from conftest import ROOT, cli_scan, run_iocscan, without_timing
import fleetgen

pytestmark = pytest.mark.spark


def read_jsonl(folder):
    rows = []
    for part in sorted(folder.glob("part-*.json")):
        rows += [json.loads(line) for line in part.read_text().splitlines() if line.strip()]
    return rows


def test_spark_job_equals_the_embedded_scan(tmp_path):
    iocs = fleetgen.write_iocs(tmp_path / "iocs")
    fleetgen.write_fleet(tmp_path / "jsonl", hosts=100, rows_per_host=3000)
    parquet = tmp_path / "parquet"
    out = run_iocscan("snapshot", "convert", tmp_path / "jsonl", "-o", parquet, "--quiet")
    assert out.returncode == 0, out.stderr
    job = subprocess.run(
        [sys.executable, str(ROOT / "examples" / "spark_scan.py"), "--master", "local[2]",
         "--iocs", str(iocs), "--input", str(parquet), "--format", "jsonl",
         "--output", str(tmp_path / "cards"), "--reports", str(tmp_path / "reports")],
        capture_output=True, text=True, timeout=900,
    )
    assert job.returncode == 0, job.stderr[-4000:]

    expected = cli_scan(iocs, parquet)["hosts"]
    cards = sorted((r["host"], r["ioc"], json.loads(r["card"])) for r in read_jsonl(tmp_path / "cards"))
    want = sorted((h["host"], c["id"], c) for h in expected for c in h["cards"])
    assert len(want) >= 30  # the planted detections are there to compare
    assert cards == want

    reports = {r["host"]: json.loads(r["report"]) for r in read_jsonl(tmp_path / "reports")}
    assert sorted(reports) == [h["host"] for h in expected]

    def comparable(host):
        # A scan in parts names the host where the snapshot scan names the files.
        host = without_timing(host)
        host["errors"] = [(e.get("kind"), e.get("reason")) for e in host["errors"]]
        return host

    assert [comparable(reports[h["host"]]) for h in expected] == [comparable(h) for h in expected]
    undetermined = [h["host"] for h in expected if h["summary"]["verdicts"]["undetermined"]]
    assert len(undetermined) == 8  # every 13th host lacks processEvent
