"""The Python package's contract, end to end against the real binary: loading (files,
folders, bundles), diagnostics, projection columns, snapshot scans (JSON Lines and Parquet)
equal to ``iocscan scan``'s per-host reports, partials in any order equal to one scan, and
errors as exceptions."""

import json
import random
import shutil
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

import iocscan
from conftest import ROOT, cli_scan, run_iocscan, without_timing
import fleetgen

DATA = ROOT / "tests" / "data"


def detected(host: dict) -> list:
    return [c["id"] for c in host["cards"]]


# ---- loading --------------------------------------------------------------------------------


def test_loads_a_file_a_folder_a_list_and_a_bundle(fleet, tmp_path):
    iocs = fleet["iocs"]
    assert iocscan.Ruleset.load(str(iocs / "hash.ioc")).iocs == 1
    assert iocscan.Ruleset.load(iocs).iocs == 3
    assert iocscan.Ruleset.load([iocs / "hash.ioc", str(iocs / "both.ioc")]).iocs == 2
    bundle = tmp_path / "rules.iocb"
    out = run_iocscan("compile", "--quiet", "-o", bundle, iocs)
    assert out.returncode == 0, out.stderr
    from_bundle = iocscan.Ruleset.load(bundle)
    assert from_bundle.iocs == 3
    one = fleet["jsonl"] / "host-0000.jsonl"
    strip = lambda hosts: [without_timing(h) for h in hosts]  # noqa: E731
    assert strip(from_bundle.scan_snapshot(one)) == strip(iocscan.Ruleset.load(iocs).scan_snapshot(one))


def test_diagnostics_are_the_json_outputs(fleet, tmp_path):
    folder = tmp_path / "mixed"
    folder.mkdir()
    shutil.copy(fleet["iocs"] / "hash.ioc", folder)
    shutil.copy(DATA / "warnings" / "bad-content.ioc", folder)
    shutil.copy(DATA / "errors" / "xml-unclosed.ioc", folder)
    rules = iocscan.Ruleset.load(folder)
    diagnostics = rules.diagnostics
    assert {d["severity"] for d in diagnostics} == {"error", "warning"}
    assert any(d["file"].endswith("xml-unclosed.ioc") for d in diagnostics)
    snapshot = fleet["jsonl"] / "host-0000.jsonl"
    assert diagnostics == cli_scan(folder, snapshot)["diagnostics"]


def test_columns_are_the_scans_projection(fleet):
    rules = iocscan.Ruleset.load(fleet["iocs"])
    file_columns = rules.columns("File")
    for term in ["FileItem/Sha256sum", "FileItem/Md5sum", "FileItem/FileName", "FileItem/FullPath"]:
        assert term in file_columns
    assert "FileItem/Username" not in file_columns  # no IOC tests it, no card shows it
    assert "eventItem/processEvent/processCmdLine" in rules.columns("processEvent")
    assert rules.columns("Port") == []  # no IOC reads sockets
    with pytest.raises(ValueError, match="unknown item kind"):
        rules.columns("FileItem")


# ---- whole snapshots ------------------------------------------------------------------------


def test_parquet_scan_equals_the_binarys(fleet, cli_hosts):
    rules = iocscan.Ruleset.load(fleet["iocs"])
    hosts = rules.scan_snapshot(fleet["parquet"])
    assert [without_timing(h) for h in hosts] == [without_timing(h) for h in cli_hosts]
    assert len(hosts) == 40


def test_json_lines_scans_equal_the_binarys(fleet):
    rules = iocscan.Ruleset.load(fleet["iocs"])
    expected = [without_timing(h) for h in cli_scan(fleet["iocs"], fleet["jsonl"])["hosts"]]
    assert [without_timing(h) for h in rules.scan_snapshot(fleet["jsonl"])] == expected
    one = rules.scan_snapshot(str(fleet["jsonl"] / "host-0005.jsonl"))
    assert [without_timing(h) for h in one] == [h for h in expected if h["host"] == "host-0005"]


def test_the_planted_outcomes(fleet):
    hosts = {h["host"]: h for h in iocscan.Ruleset.load(fleet["iocs"]).scan_snapshot(fleet["parquet"])}
    for i in range(40):
        h = hosts[fleetgen.host_name(i)]
        want = []
        if i % 5 == 0:
            want.append("both")
        if i % 11 == 0 and i % 13 != 0:
            want.append("event")
        if i % 7 == 0:
            want.append("hash")
        assert sorted(detected(h)) == want, h["host"]
        undetermined = [r["id"] for r in h["results"] if r["verdict"] == "undetermined"]
        assert undetermined == (["event"] if i % 13 == 0 else []), h["host"]
        assert h["summary"]["not_collected"] == (["processEvent"] if i % 13 == 0 else [])


# ---- partials -------------------------------------------------------------------------------


def host_tables(parquet: Path) -> dict:
    """Per host, per kind: the host's rows of the Parquet snapshot as a pyarrow Table."""
    manifest = json.loads((parquet / "snapshot.json").read_text())
    out = {h["host"]: {k: None for k in h["kinds"]} for h in manifest["hosts"]}
    for f in sorted(parquet.glob("*.parquet")):
        kind = f.stem
        table = pq.read_table(f)
        for host in out:
            if kind in out[host]:
                mask = pa.compute.equal(table["host"], host)
                out[host][kind] = table.filter(mask)
    return out


def split(table, rng: random.Random) -> list:
    """The table in random pieces, as Tables and RecordBatches, the empty ones included."""
    if table is None or table.num_rows == 0:
        return [pa.table({"host": pa.array([], pa.string())})]
    cuts = sorted(rng.sample(range(table.num_rows + 1), k=min(3, table.num_rows + 1)))
    bounds = [0, *cuts, table.num_rows]
    pieces = [table.slice(a, b - a) for a, b in zip(bounds, bounds[1:])]
    return [p.combine_chunks().to_batches()[0] if n % 2 and p.num_rows else p for n, p in enumerate(pieces)]


def comparable(host: dict) -> dict:
    """A host's dict without timing, and its errors by kind and reason only (a scan in parts
    names the host where a snapshot scan names the files)."""
    host = without_timing(host)
    host["errors"] = [(e.get("kind"), e.get("reason")) for e in host["errors"]]
    return host


def test_partials_in_any_order_equal_the_snapshot_scan(fleet):
    rules = iocscan.Ruleset.load(fleet["iocs"])
    expected = {h["host"]: comparable(h) for h in rules.scan_snapshot(fleet["parquet"])}
    rng = random.Random(7)
    tables = host_tables(fleet["parquet"])
    assert len(tables) == 40
    for host, kinds in tables.items():
        parts = [rules.partial(host, kind, piece) for kind, t in kinds.items() for piece in split(t, rng)]
        assert all(isinstance(p, bytes) for p in parts)
        for _ in range(3):
            rng.shuffle(parts)
            assert comparable(rules.finish(host, parts)) == expected[host], host


def test_partial_columns_extra_ignored_missing_unknown(fleet):
    rules = iocscan.Ruleset.load(fleet["iocs"])
    evil = pa.table({"FileItem/FileName": ["evil.exe"], "not a term": [1], "host": ["h"]})
    process = pa.table({"ProcessItem/name": ["evil"]})
    report = rules.finish("h", [rules.partial("h", "File", evil), rules.partial("h", "Process", process)])
    assert detected(report) == ["both"]
    # No hash columns: the hash IOC cannot be decided on the file (undetermined, not clean).
    verdicts = {r["id"]: r["verdict"] for r in report["results"]}
    assert verdicts["hash"] == "undetermined"
    # Without any Process part the kind was never collected.
    alone = rules.finish("h", [rules.partial("h", "File", evil)])
    assert detected(alone) == []
    assert alone["summary"]["not_collected"] == ["Process", "processEvent"]
    assert [e["reason"] for e in alone["errors"]] == ["not-collected", "not-collected"]


# ---- errors ---------------------------------------------------------------------------------


def test_a_bad_path_and_a_broken_ioc_raise(tmp_path):
    with pytest.raises(iocscan.IocscanError) as missing:
        iocscan.Ruleset.load(tmp_path / "missing.ioc")
    assert missing.value.code.startswith("E-")
    assert "missing.ioc" in missing.value.message
    broken = DATA / "errors" / "xml-unclosed.ioc"
    with pytest.raises(iocscan.IocscanError) as bad:
        iocscan.Ruleset.load(broken)
    assert bad.value.code.startswith("E-xml")
    assert "xml-unclosed.ioc" in str(bad.value)
    with pytest.raises(TypeError):
        iocscan.Ruleset.load(42)


def test_partials_of_another_ruleset_or_host_or_not_partials_raise(fleet):
    rules = iocscan.Ruleset.load(fleet["iocs"])
    other = iocscan.Ruleset.load(fleet["iocs"] / "hash.ioc")
    files = pa.table({"FileItem/FileName": ["a"]})
    part = other.partial("h", "File", files)
    with pytest.raises(iocscan.IocscanError) as wrong_rules:
        rules.finish("h", [part])
    assert wrong_rules.value.code == "partial-wrong-ruleset"
    with pytest.raises(iocscan.IocscanError) as wrong_host:
        rules.finish("db1", [rules.partial("h", "File", files)])
    assert wrong_host.value.code == "partial-wrong-host"
    with pytest.raises(iocscan.IocscanError) as host_column:
        rules.partial("h", "File", pa.table({"host": ["h", "db1"], "FileItem/FileName": ["a", "b"]}))
    assert host_column.value.code == "partial-wrong-host"
    with pytest.raises(iocscan.IocscanError) as junk:
        rules.finish("h", [b"not a partial"])
    assert junk.value.code == "partial-not-a-partial"
    with pytest.raises(iocscan.IocscanError) as column:
        rules.partial("h", "File", pa.table({"FileItem/SizeInBytes": [[1, 2]]}))
    assert column.value.code == "batch-column"
    assert "FileItem/SizeInBytes" in column.value.message
    with pytest.raises(TypeError):
        rules.finish("h", ["text"])
    with pytest.raises(TypeError):
        rules.partial("h", "File", {"FileItem/FileName": ["a"]})


def test_unreadable_snapshots_raise_or_warn(fleet, tmp_path):
    rules = iocscan.Ruleset.load(fleet["iocs"])
    with pytest.raises(iocscan.IocscanError) as none:
        rules.scan_snapshot(tmp_path / "nothing.jsonl")
    assert none.value.code == "snapshot-unreadable"
    assert "nothing.jsonl" in none.value.message
    with pytest.warns(iocscan.IocscanWarning, match="nothing.jsonl"):
        hosts = rules.scan_snapshot([fleet["jsonl"] / "host-0001.jsonl", tmp_path / "nothing.jsonl"])
    assert [h["host"] for h in hosts] == ["host-0001"]


def test_skipped_rows_warn(tmp_path):
    ioc = tmp_path / "ip.ioc"
    ioc.write_text("""<OpenIOC xmlns="http://openioc.org/schemas/OpenIOC_1.1" id="ip"><criteria>
      <Indicator operator="OR"><IndicatorItem condition="is">
        <Context document="PortItem" search="PortItem/remoteIP"/><Content type="IP">10.0.0.1</Content>
      </IndicatorItem></Indicator></criteria></OpenIOC>""")
    rules = iocscan.Ruleset.load(ioc)
    ports = pa.table({"PortItem/remoteIP": ["not an address", "10.0.0.1"]})
    with pytest.warns(iocscan.IocscanWarning, match="row 0"):
        part = rules.partial("h", "Port", ports)
    report = rules.finish("h", [part])
    assert detected(report) == ["ip"]
    assert report["summary"]["items"] == {"Port": 1}
