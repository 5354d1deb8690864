"""Fixtures: the real ``iocscan`` binary (``IOCSCAN_BIN``, else the repository's
``target/release/iocscan``), the generated IOCs and fleet, in JSON Lines and in Parquet
(converted by the binary), and the binary's own JSON report of the same fleet."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))
import fleetgen  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]


def iocscan_bin() -> Path:
    path = Path(os.environ.get("IOCSCAN_BIN", ROOT / "target" / "release" / "iocscan"))
    if not path.is_file():
        raise RuntimeError(f"{path}: no iocscan binary (build it: cargo build --release, or set IOCSCAN_BIN)")
    return path


def run_iocscan(*args) -> subprocess.CompletedProcess:
    return subprocess.run([str(iocscan_bin()), *map(str, args)], capture_output=True, text=True)


def cli_scan(iocs, *snapshots) -> dict:
    """``iocscan scan --format json`` of the snapshots: the whole document."""
    args = ["scan", "--quiet", "--format", "json"]
    for s in snapshots:
        args += ["--snapshot", s]
    out = run_iocscan(*args, iocs)
    assert out.returncode in (0, 1), out.stderr
    return json.loads(out.stdout)


def without_timing(host: dict) -> dict:
    """A host's dict without what differs between two runs (the elapsed time)."""
    host = json.loads(json.dumps(host))
    del host["summary"]["elapsed_seconds"]
    return host


@pytest.fixture(scope="session")
def fleet(tmp_path_factory):
    """40 hosts of 60 items: the IOC folder, the JSON Lines folder, the Parquet folder."""
    base = tmp_path_factory.mktemp("fleet")
    iocs = fleetgen.write_iocs(base / "iocs")
    jsonl = base / "jsonl"
    fleetgen.write_fleet(jsonl, hosts=40, rows_per_host=60)
    parquet = base / "parquet"
    out = run_iocscan("snapshot", "convert", jsonl, "-o", parquet, "--quiet")
    assert out.returncode == 0, out.stderr
    return {"iocs": iocs, "jsonl": jsonl, "parquet": parquet, "base": base}


@pytest.fixture(scope="session")
def cli_hosts(fleet):
    """The binary's per-host reports of the Parquet fleet."""
    return cli_scan(fleet["iocs"], fleet["parquet"])["hosts"]
