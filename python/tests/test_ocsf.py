"""``Ruleset.partials_ocsf`` against the real binary: OCSF lake rows (a generated lake of
several classes and hosts, nested Parquet) scanned in parts and finished give the host
reports of ``iocscan import ocsf`` + ``iocscan scan --snapshot``; rows without a host
reach no host; tables of unexpected types are problems, not exceptions."""

import warnings

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

import iocscan
from conftest import cli_scan, run_iocscan, without_timing
import ocsfgen

HOSTS = 12
EMPTY = pa.table({"host": pa.array([], pa.string())})


@pytest.fixture(scope="module")
def lake(tmp_path_factory):
    """The lake's files, its IOCs, and the binary's reports of its import, by host."""
    base = tmp_path_factory.mktemp("ocsf")
    files = ocsfgen.write_lake(base / "lake", hosts=HOSTS, rows_per_host=40)
    iocs = ocsfgen.write_iocs(base / "iocs")
    snaps = base / "snaps"
    out = run_iocscan("import", "ocsf", *files, "-o", snaps)
    assert out.returncode == 0, out.stderr  # the import keeps host-less rows apart (_unknown)
    hosts = cli_scan(iocs, snaps)["hosts"]
    named = {h["host"]: h for h in hosts if not h["host"].endswith("_unknown.jsonl")}
    return {"files": files, "iocs": iocs, "cli": named}


def comparable(host: dict) -> dict:
    """A host's dict without timing, its errors by kind and reason only (a scan in parts
    names the host where a snapshot scan names the file)."""
    host = without_timing(host)
    host["errors"] = [(e.get("kind"), e.get("reason")) for e in host["errors"]]
    return host


def projected(path) -> pa.Table:
    names = pq.read_schema(path).names
    return pq.read_table(path, columns=[c for c in iocscan.ocsf_columns() if c in names])


def scan_in_parts(rules, tables):
    """Every table through ``partials_ocsf``; per host its partials and one empty partial per
    kind some table provides (what one import of every table counts as collected)."""
    parts, kinds, reports = {}, set(), []
    for t in tables:
        found = rules.partials_ocsf(t)
        kinds.update(found["kinds"])
        reports.append(found["report"])
        for host, part in found["partials"]:
            parts.setdefault(host, []).append(part)
    finished = {}
    for host, ps in parts.items():
        ps += [rules.partial(host, k, EMPTY) for k in sorted(kinds)]
        finished[host] = rules.finish(host, ps)
    return finished, reports


def test_ocsf_columns_are_the_mappings_top_level_columns():
    columns = iocscan.ocsf_columns()
    assert columns == sorted(columns)
    for c in ["class_uid", "activity_id", "time", "device", "process", "actor", "file", "query",
              "src_endpoint", "dst_endpoint", "connection_info"]:
        assert c in columns, c
    assert "unmapped" not in columns and "metadata" not in columns and "severity_id" not in columns


def test_partials_ocsf_equal_the_import_and_snapshot_scan(lake):
    rules = iocscan.Ruleset.load(lake["iocs"])
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        finished, reports = scan_in_parts(rules, [projected(f) for f in lake["files"]])
    hostless = [w for w in caught if issubclass(w.category, iocscan.IocscanWarning)]
    assert len(hostless) == 1 and "names no host" in str(hostless[0].message), [str(w.message) for w in caught]
    assert sum(r["problem_count"] for r in reports) == 1
    assert sorted(finished) == sorted(ocsfgen.hosts_of(HOSTS)) == sorted(lake["cli"])
    for host, report in finished.items():
        assert comparable(report) == comparable(lake["cli"][host]), host

    names = ocsfgen.hosts_of(HOSTS)
    for i, host in enumerate(names):
        cards = sorted(c["id"] for c in finished[host]["cards"])
        want = sorted(["miner"] * (i % 4 == 0) + ["beacon"] * (i % 6 == 0) + ["inventory"] * (i == 7))
        assert cards == want, host
        verdicts = {r["id"]: r["verdict"] for r in finished[host]["results"]}
        assert verdicts["url"] == "undetermined", host
        assert finished[host]["summary"]["not_collected"] == ["urlMonitorEvent"], host


def test_one_table_alone_counts_only_its_own_kinds(lake):
    rules = iocscan.Ruleset.load(lake["iocs"])
    process_file = next(f for f in lake["files"] if f.parent.name == "process_activity")
    found = rules.partials_ocsf(pq.read_table(process_file))  # every column: the rest ignored
    assert found["kinds"] == ["processEvent"]
    assert [h for h, _ in found["partials"]] == sorted(h for h, _ in found["partials"])
    assert all(isinstance(h, str) and isinstance(p, bytes) for h, p in found["partials"])
    report = found["report"]
    assert report["complete"] and report["events"] == ["1007"]
    assert report["items"]["processEvent"] == report["records"]
    host, part = found["partials"][0]
    alone = rules.finish(host, [part])
    assert alone["summary"]["not_collected"] == ["SystemInfo", "ipv4NetworkEvent", "dnsLookupEvent",
                                                 "urlMonitorEvent"]
    assert {r["id"]: r["verdict"] for r in alone["results"]}["beacon"] == "undetermined"


def test_tables_of_unexpected_types_are_problems_not_exceptions(lake):
    rules = iocscan.Ruleset.load(lake["iocs"])
    wrong = pa.table({"class_uid": ["1007", "x"], "activity_id": [1, 1], "device": [3, None],
                      "process": [[1, 2], None]})
    with pytest.warns(iocscan.IocscanWarning) as caught:
        found = rules.partials_ocsf(wrong.to_batches()[0])
    assert found["partials"] == []
    codes = sorted(p["code"] for p in found["report"]["problems"])
    assert codes == ["bad-record", "bad-record"], found["report"]
    assert any("not a number" in str(w.message) for w in caught)
    hostile = pa.table({
        "class_uid": pa.array([1007], pa.uint64()), "activity_id": pa.array([1], pa.int8()),
        "device": pa.array([{"uid": "\x00/../" + "h" * 5000}]),
        "process": pa.array([{"name": "\u202excod", "pid": 2**63}], pa.struct([("name", pa.string()), ("pid", pa.uint64())])),
    })
    found = rules.partials_ocsf(hostile)
    (host, part), = found["partials"]
    assert host.startswith("\x00/../")
    assert found["report"]["unconverted"] == {"eventItem/processEvent/pid": 1}
    assert rules.finish(host, [part])["host"] == host
    assert rules.partials_ocsf(pa.table({"x": [1]}))["report"]["skipped"] == {"no class_uid: not an OCSF event": 1}
    with pytest.raises(TypeError):
        rules.partials_ocsf({"class_uid": [1007]})
