"""A generated fleet for the tests and the Spark bench: IOC files, and one JSON Lines
snapshot per host (the format of ``schema/snapshot.schema.json``), deterministic for a seed.

What it plants, so that every outcome is exercised:

* ``hash``: an OR of two file digests, on every 7th host;
* ``both``: a host-wide AND (a file named ``evil.exe`` and a process named ``evil``, two
  kinds): both on every 5th host, only the file on the hosts 2 past a multiple of 5, only
  the process on the hosts 3 past one (those two must not detect);
* ``event``: a process start event whose command line holds ``mimikatz``, on every 11th
  host; every 13th host's header lacks ``processEvent`` (not collected: undetermined).
"""

import hashlib
import json
import random
from pathlib import Path

EVIL_SHA256 = hashlib.sha256(b"evil payload").hexdigest()
EVIL_MD5 = hashlib.md5(b"other payload").hexdigest()

IOCS = {
    "hash.ioc": f"""<OpenIOC xmlns="http://openioc.org/schemas/OpenIOC_1.1" id="hash">
  <criteria><Indicator operator="OR" id="hash-or">
    <IndicatorItem id="sha" condition="is">
      <Context document="FileItem" search="FileItem/Sha256sum" type="mir"/>
      <Content type="sha256">{EVIL_SHA256}</Content></IndicatorItem>
    <IndicatorItem id="md5" condition="is">
      <Context document="FileItem" search="FileItem/Md5sum" type="mir"/>
      <Content type="md5">{EVIL_MD5}</Content></IndicatorItem>
  </Indicator></criteria></OpenIOC>
""",
    "both.ioc": """<OpenIOC xmlns="http://openioc.org/schemas/OpenIOC_1.1" id="both">
  <criteria><Indicator operator="AND" id="host-wide">
    <IndicatorItem id="file" condition="is">
      <Context document="FileItem" search="FileItem/FileName" type="mir"/>
      <Content type="string">evil.exe</Content></IndicatorItem>
    <IndicatorItem id="proc" condition="is">
      <Context document="ProcessItem" search="ProcessItem/name" type="mir"/>
      <Content type="string">evil</Content></IndicatorItem>
  </Indicator></criteria></OpenIOC>
""",
    "event.ioc": """<OpenIOC xmlns="http://openioc.org/schemas/OpenIOC_1.1" id="event">
  <criteria><Indicator operator="AND" id="one-start">
    <IndicatorItem id="cmd" condition="contains">
      <Context document="processEvent" search="processEvent/processCmdLine" type="event"/>
      <Content type="string">mimikatz</Content></IndicatorItem>
  </Indicator></criteria></OpenIOC>
""",
}

STATE_KINDS = ["File", "Process", "Port", "ArpEntry", "SystemInfo", "User"]


def write_iocs(folder: Path) -> Path:
    """Writes the IOC files into ``folder`` (created) and returns it."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in IOCS.items():
        (folder / name).write_text(text)
    return folder


def host_name(i: int) -> str:
    return f"host-{i:04d}"


def _file(rng: random.Random, i: int, name: str, payload: bytes) -> dict:
    folder = f"/srv/app{i % 17}/lib{rng.randrange(40)}"
    return {
        "kind": "File",
        "fields": {
            "FileItem/FullPath": f"{folder}/{name}",
            "FileItem/FilePath": folder,
            "FileItem/FileName": name,
            "FileItem/SizeInBytes": len(payload) * 97,
            "FileItem/Md5sum": hashlib.md5(payload).hexdigest(),
            "FileItem/Sha256sum": hashlib.sha256(payload).hexdigest(),
            "FileItem/Username": "root",
        },
    }


def host_items(i: int, rows: int, seed: int = 1) -> list:
    """About ``rows`` items of host ``i``: files, processes, process start events."""
    rng = random.Random(seed * 1_000_003 + i)
    items = []
    for n in range(rows):
        if n % 10 == 9:
            items.append({
                "kind": "Process",
                "fields": {
                    "ProcessItem/pid": 100 + n,
                    "ProcessItem/name": f"worker{n % 23}",
                    "ProcessItem/path": f"/usr/bin/worker{n % 23}",
                },
            })
        elif n % 10 == 8:
            second = n % 60
            items.append({
                "kind": "processEvent",
                "time": f"2026-11-30T10:{(n // 60) % 60:02d}:{second:02d}Z",
                "source": "sysmon",
                "fields": {
                    "eventItem/processEvent/pid": 5000 + n,
                    "eventItem/processEvent/process": "bash",
                    "eventItem/processEvent/processCmdLine": f"bash -c job{rng.randrange(10**6)}",
                },
            })
        else:
            items.append(_file(rng, i, f"f{n}.so", f"{i}/{n}/{rng.random()}".encode()))
    if i % 7 == 0:
        items.append(_file(rng, i, "payload.bin", b"evil payload"))
    if i % 5 in (0, 2):
        items.append(_file(rng, i, "evil.exe", f"evil {i}".encode()))
    if i % 5 in (0, 3):
        items.append({"kind": "Process", "fields": {"ProcessItem/pid": 66, "ProcessItem/name": "evil"}})
    if i % 11 == 0:
        items.append({
            "kind": "processEvent",
            "time": "2026-11-30T11:00:00Z",
            "source": "sysmon",
            "fields": {
                "eventItem/processEvent/pid": 4242,
                "eventItem/processEvent/process": "m.exe",
                "eventItem/processEvent/processCmdLine": "m.exe privilege::debug mimikatz",
            },
        })
    rng.shuffle(items)
    return items


def host_kinds(i: int) -> list:
    """The kinds host ``i``'s header says were collected."""
    return STATE_KINDS if i % 13 == 0 else STATE_KINDS + ["processEvent"]


def write_fleet(folder: Path, hosts: int, rows_per_host: int, seed: int = 1) -> list:
    """One JSON Lines snapshot per host in ``folder`` (created); returns their paths."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for i in range(hosts):
        kinds = host_kinds(i)
        header = {
            "format": "iocscan-snapshot", "version": 1, "host": host_name(i),
            "time": "2026-12-01T00:00:00Z", "tool": "iocscan fleetgen", "kinds": kinds,
        }
        lines = [json.dumps(header)]
        lines += [json.dumps(item) for item in host_items(i, rows_per_host, seed) if item["kind"] in kinds]
        path = folder / f"{host_name(i)}.jsonl"
        path.write_text("\n".join(lines) + "\n")
        paths.append(path)
    return paths
