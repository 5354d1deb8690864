"""A generated OCSF lake for the tests: Parquet files of OCSF 1.x events (one event per row,
objects as struct columns, arrays as list columns), one folder per event class as a lake
keeps one source per class, and the HX-style IOCs that detect what it plants. The tables
are built from the pyarrow schema below (written from the OCSF schema's classes 1001, 1007,
4001, 4003 and 5001; hosts, addresses and digests are made up), deterministic for a seed.

What it plants, so that every outcome is exercised:

* ``miner``: one Process Activity launch row (``xmrig``, its pool on the command line, its
  MD5) on every 4th host; an identical row naming no host at all (it must reach none);
* ``beacon``: a host-wide AND over two event kinds: a DNS query for ``c2.example`` on every
  3rd host, a connection to 203.0.113.50 on every 2nd (network rows only on even hosts: the
  kind is collected for the whole dataset, so odd hosts are clean, not undetermined);
* ``inventory``: a Device Inventory Info row per host, ``build-07`` named ``beta``;
* ``url``: an HTTP request IOC, undetermined everywhere (no HTTP Activity class);
* every 5th host is named by ``device.hostname`` only (no ``device.uid``);
* a lake column the mapping never reads (``unmapped``, a map) on every class;
* with ``write_conflicting``, a Process Activity file of other types (``time`` as int64
  milliseconds, the pids as int64: schemas Spark refuses to merge) in a sub-folder, holding
  the miner on host 1 (no other row plants it there).
"""

import random
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

MINER_MD5 = "5d41402abc4b2a76b9719d911017c592"

IOCS = {
    "miner.ioc": f"""<OpenIOC xmlns="http://openioc.org/schemas/OpenIOC_1.1" id="miner">
  <criteria><Indicator operator="AND" id="miner-start">
    <IndicatorItem id="name" condition="is">
      <Context document="processEvent" search="processEvent/process" type="event"/>
      <Content type="string">xmrig</Content></IndicatorItem>
    <IndicatorItem id="cmd" condition="contains">
      <Context document="processEvent" search="processEvent/processCmdLine" type="event"/>
      <Content type="string">pool.example</Content></IndicatorItem>
    <IndicatorItem id="md5" condition="is">
      <Context document="processEvent" search="processEvent/md5" type="event"/>
      <Content type="md5">{MINER_MD5}</Content></IndicatorItem>
  </Indicator></criteria></OpenIOC>
""",
    "beacon.ioc": """<OpenIOC xmlns="http://openioc.org/schemas/OpenIOC_1.1" id="beacon">
  <criteria><Indicator operator="AND" id="dns-and-connection">
    <IndicatorItem id="dns" condition="is">
      <Context document="dnsLookupEvent" search="dnsLookupEvent/hostname" type="event"/>
      <Content type="string">c2.example</Content></IndicatorItem>
    <IndicatorItem id="ip" condition="is">
      <Context document="ipv4NetworkEvent" search="ipv4NetworkEvent/remoteIP" type="event"/>
      <Content type="IP">203.0.113.50</Content></IndicatorItem>
  </Indicator></criteria></OpenIOC>
""",
    "inventory.ioc": """<OpenIOC xmlns="http://openioc.org/schemas/OpenIOC_1.1" id="inventory">
  <criteria><Indicator operator="OR" id="os">
    <IndicatorItem id="os" condition="is">
      <Context document="SystemInfoItem" search="SystemInfoItem/OS" type="mir"/>
      <Content type="string">beta</Content></IndicatorItem>
  </Indicator></criteria></OpenIOC>
""",
    "url.ioc": """<OpenIOC xmlns="http://openioc.org/schemas/OpenIOC_1.1" id="url">
  <criteria><Indicator operator="OR" id="host">
    <IndicatorItem id="host" condition="is">
      <Context document="urlMonitorEvent" search="urlMonitorEvent/hostname" type="event"/>
      <Content type="string">c2.example</Content></IndicatorItem>
  </Indicator></criteria></OpenIOC>
""",
}

# ---- the schema (OCSF objects as structs) ----------------------------------------------------

FINGERPRINT = pa.struct([("algorithm_id", pa.int32()), ("algorithm", pa.string()), ("value", pa.string())])
FILE = pa.struct([("path", pa.string()), ("name", pa.string()), ("size", pa.int64()),
                  ("hashes", pa.list_(FINGERPRINT))])
USER = pa.struct([("name", pa.string()), ("uid", pa.string())])
PARENT = pa.struct([("pid", pa.int32()), ("name", pa.string()), ("file", FILE)])
PROCESS = pa.struct([("pid", pa.int32()), ("name", pa.string()), ("cmd_line", pa.string()),
                     ("created_time", pa.timestamp("ms", tz="UTC")), ("file", FILE),
                     ("parent_process", PARENT), ("user", USER)])
OS = pa.struct([("name", pa.string()), ("version", pa.string())])
DEVICE = pa.struct([("uid", pa.string()), ("hostname", pa.string()), ("os", OS), ("ip", pa.string())])
ACTOR = pa.struct([("process", PROCESS), ("user", USER)])
ENDPOINT = pa.struct([("ip", pa.string()), ("port", pa.int32())])
CONNECTION = pa.struct([("protocol_name", pa.string()), ("direction_id", pa.int32())])
QUERY = pa.struct([("hostname", pa.string()), ("type", pa.string())])
METADATA = pa.struct([("version", pa.string()), ("product", pa.struct([("name", pa.string())]))])

BASE = [("class_uid", pa.int32()), ("activity_id", pa.int32()), ("time", pa.timestamp("ms", tz="UTC")),
        ("severity_id", pa.int32()), ("metadata", METADATA), ("device", DEVICE),
        ("unmapped", pa.map_(pa.string(), pa.string()))]

CLASSES = {
    1007: ("process_activity", pa.schema(BASE + [("process", PROCESS), ("actor", ACTOR)])),
    1001: ("file_activity", pa.schema(BASE + [("file", FILE), ("actor", ACTOR)])),
    4003: ("dns_activity", pa.schema(BASE + [("query", QUERY), ("actor", ACTOR)])),
    4001: ("network_activity", pa.schema(BASE + [("src_endpoint", ENDPOINT), ("dst_endpoint", ENDPOINT),
                                                 ("connection_info", CONNECTION), ("actor", ACTOR)])),
    5001: ("device_inventory", pa.schema(BASE)),
}

T0 = 1733097600000  # 2024-12-02T00:00:00Z, in OCSF milliseconds


def host_name(i: int) -> str:
    return f"build-{i:02d}"


def device(i: int) -> dict:
    """Every 5th host is named by its hostname only."""
    return {"uid": None if i % 5 == 0 else f"i-{i:08x}", "hostname": host_name(i),
            "os": {"name": "beta" if i == 7 else "Ubuntu", "version": "22.04"}, "ip": f"10.0.{i // 250}.{i % 250}"}


def hosts_of(n: int) -> list:
    """The host names an import gives the ``n`` hosts (``device.uid``, else the hostname)."""
    return [device(i)["uid"] or host_name(i) for i in range(n)]


def process(rng, pid: int, name: str, cmd: str, md5=None) -> dict:
    hashes = [{"algorithm_id": 1, "algorithm": "MD5", "value": md5 or "%032x" % rng.getrandbits(128)}]
    return {"pid": pid, "name": name, "cmd_line": cmd, "created_time": T0 - 10,
            "file": {"path": f"/usr/bin/{name}", "name": name, "size": 1000 + pid, "hashes": hashes},
            "parent_process": {"pid": 1, "name": "systemd", "file": {"path": "/usr/lib/systemd/systemd"}},
            "user": {"name": "deploy", "uid": "1001"}}


def base(cls: int, activity: int, t: int, dev) -> dict:
    return {"class_uid": cls, "activity_id": activity, "time": T0 + t, "severity_id": 1,
            "metadata": {"version": "1.1.0", "product": {"name": "example-edr"}}, "device": dev,
            "unmapped": [("source.tag", "gen")]}


def events(hosts: int, rows_per_host: int, seed: int = 5) -> dict:
    """Per class: the rows (dicts) of ``hosts`` hosts, about ``rows_per_host`` each."""
    rng = random.Random(seed)
    out = {cls: [] for cls in CLASSES}
    names = ["bash", "sshd", "cron", "python3", "nginx", "curl"]
    for i in range(hosts):
        dev = device(i)
        actor = {"process": process(rng, 700 + i, "bash", "bash -l"), "user": {"name": "deploy", "uid": "1001"}}
        out[5001].append(base(5001, 2, 0, dev))
        for n in range(rows_per_host):
            t = n * 1000 + i
            kind = n % 8
            if kind < 4:
                name = names[rng.randrange(len(names))]
                row = base(1007, 1 if n % 5 else 2, t, dev)
                row["process"] = process(rng, 1000 + n, name, f"{name} --run {n}")
                row["actor"] = actor
                out[1007].append(row)
            elif kind < 6:
                row = base(1001, 1, t, dev)
                row["file"] = {"path": f"/var/tmp/f{n}.log", "name": f"f{n}.log", "size": n,
                               "hashes": [{"algorithm_id": 1, "algorithm": "MD5", "value": "%032x" % n}]}
                row["actor"] = actor
                out[1001].append(row)
            elif kind == 6:
                row = base(4003, 1, t, dev)
                row["query"] = {"hostname": f"svc{n % 17}.example", "type": "A"}
                row["actor"] = actor
                out[4003].append(row)
            elif i % 2 == 0:
                row = base(4001, 1, t, dev)
                row["src_endpoint"] = {"ip": f"10.0.0.{i % 250}", "port": 40000 + n % 1000}
                row["dst_endpoint"] = {"ip": f"198.51.100.{n % 200}", "port": 443}
                row["connection_info"] = {"protocol_name": "tcp", "direction_id": 2}
                row["actor"] = actor
                out[4001].append(row)
        if i % 4 == 0:
            row = base(1007, 1, 5, dev)
            row["process"] = process(rng, 881, "xmrig", "./xmrig -o pool.example:3333", MINER_MD5)
            out[1007].append(row)
        if i % 3 == 0:
            row = base(4003, 1, 6, dev)
            row["query"] = {"hostname": "c2.example", "type": "A"}
            out[4003].append(row)
        if i % 2 == 0:
            row = base(4001, 1, 7, dev)
            row["src_endpoint"] = {"ip": "10.0.0.9", "port": 41000}
            row["dst_endpoint"] = {"ip": "203.0.113.50", "port": 3333}
            row["connection_info"] = {"protocol_name": "tcp", "direction_id": 2}
            out[4001].append(row)
    # The miner again, on no host: it must not reach any.
    row = base(1007, 1, 9, None)
    row["process"] = process(rng, 882, "xmrig", "./xmrig -o pool.example:3333", MINER_MD5)
    out[1007].append(row)
    return out


def write_iocs(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in IOCS.items():
        (folder / name).write_text(text)
    return folder


def write_lake(folder: Path, hosts: int, rows_per_host: int, files_per_class: int = 2) -> list:
    """Writes the lake under ``folder`` (``<class>/part-N.parquet``); returns the files."""
    files = []
    for cls, rows in events(hosts, rows_per_host).items():
        name, schema = CLASSES[cls]
        (folder / name).mkdir(parents=True, exist_ok=True)
        step = max(1, -(-len(rows) // files_per_class))
        for n, start in enumerate(range(0, len(rows), step)):
            table = pa.Table.from_pylist(rows[start:start + step], schema=schema)
            path = folder / name / f"part-{n}.parquet"
            pq.write_table(table, path, row_group_size=2000)
            files.append(path)
    return files


# The types a second writer of Process Activity chose: ``time`` as int64 milliseconds (OCSF's
# own ``timestamp_t``), the pids as int64.
PARENT_64 = pa.struct([("pid", pa.int64()), ("name", pa.string()), ("file", FILE)])
PROCESS_64 = pa.struct([("pid", pa.int64()), ("name", pa.string()), ("cmd_line", pa.string()),
                        ("created_time", pa.timestamp("ms", tz="UTC")), ("file", FILE),
                        ("parent_process", PARENT_64), ("user", USER)])
CONFLICTING = pa.schema([(n, pa.int64() if n == "time" else t) for n, t in BASE]
                        + [("process", PROCESS_64), ("actor", pa.struct([("process", PROCESS_64), ("user", USER)]))])


def write_conflicting(folder: Path, hosts: int) -> Path:
    """Writes ``folder/process_activity/v2/part-0.parquet`` (types above): a plain launch on
    each of the ``hosts`` hosts and the miner on host 1; returns the file."""
    rng = random.Random(11)
    rows = []
    for i in range(hosts):
        row = base(1007, 1, 3, device(i))
        row["process"] = process(rng, 5000 + i, "logrotate", "logrotate /etc/logrotate.conf")
        rows.append(row)
    row = base(1007, 1, 4, device(1))
    row["process"] = process(rng, 883, "xmrig", "./xmrig -o pool.example:3333", MINER_MD5)
    rows.append(row)
    path = folder / "process_activity" / "v2" / "part-0.parquet"
    path.parent.mkdir(parents=True, exist_ok=True)
    pq.write_table(pa.Table.from_pylist(rows, schema=CONFLICTING), path)
    return path
