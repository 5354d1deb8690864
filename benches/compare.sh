#!/usr/bin/env bash
# Scan-speed comparison, all figures measured in the same run on the same tree.
#
#   benches/compare.sh [ROUNDS]     (default 5 rounds; env TREE_FILES=30000, KEEP=1 keeps the tree)
#
# Builds iocscan and examples/hash_baseline (release), generates a synthetic tree (tens of
# thousands of files, many small, some MB-sized, a few hundred MiB) and IOC collections under
# a temp dir, then runs the commands of each comparison alternately, ROUNDS times after one
# warm-up round (warm page cache: this measures CPU work, not the disk), and prints the median
# wall and CPU times and their RATIOS (on a busy machine the CPU ratio is the steadier one):
#   (1) scan with 1,000 SHA-256 IOCs (none matching)  vs  hash_baseline      (target <= 1.15x)
#                                                     vs  find | xargs -P2 sha256sum
#   (2) scan with 100,000 SHA-256 IOCs  vs  scan with 10 (load time apart: `iocscan check`, and
#       the scan phase from the scan's own JSON summary, after loading and compiling)
#   (3) scan with 1,000 name/path/size IOCs  vs  hash_baseline --walk-only   (target <= 1.2x)
#   and the file collector alone (hash_baseline --collector) against the same baselines.
#   (4) bundles: scan with 100,000 SHA-256 IOCs vs with 10, both from `iocscan compile`
#       bundles, load included (target <= 1.10x, default text output; `--format json`, which
#       lists every IOC's verdict, beside it); load of 100,000 IOCs from XML vs bundle
#   (5) fleet: 200 hosts x 10,000 file items (JSON Lines snapshots, 20 fields each) scanned
#       in one `scan --snapshot DIR` with the 100,000-IOC bundle: items/s, wall and scan
#       phase (target >= 500,000 items/s on 2 cores); FLEET_HOSTS / FLEET_ITEMS change it
# Each comparison also times `iocscan check` on its IOC collection: the load part of the scan.
# SECTIONS=hash,count,meta,collector,bundle,fleet (default all) runs some of them only.
# BASE=/path/to/an/older/iocscan also runs the bundle and fleet sections with that binary,
# alternating with this build's, so that a change is measured against its baseline in one run.
# A command that fails is reported with its exit code and stderr; the others still run.
set -euo pipefail

ROUNDS="${1:-5}"
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$HERE"

echo "== build (release)"
cargo build --release --quiet --bin iocscan --example hash_baseline
TARGET_DIR="$(cargo metadata --format-version 1 --no-deps 2>/dev/null \
  | python3 -c 'import json,sys; print(json.load(sys.stdin)["target_directory"])')"
IOCSCAN="$TARGET_DIR/release/iocscan"
BASELINE="$TARGET_DIR/release/examples/hash_baseline"

WORK="$(mktemp -d "${TMPDIR:-/tmp}/iocscan-compare.XXXXXX")"
if [[ "${KEEP:-0}" != 1 ]]; then trap 'rm -rf "$WORK"' EXIT; fi
echo "== work dir $WORK"
echo "== load average: $(cut -d" " -f1-3 /proc/loadavg)"
echo "== cpu: $(nproc) cores, sha_ni: $(grep -q sha_ni /proc/cpuinfo && echo yes || echo no)"

python3 - "$WORK" "$ROUNDS" "$IOCSCAN" "$BASELINE" "${TREE_FILES:-30000}" "${SECTIONS:-all}" \
  "${FLEET_HOSTS:-200}" "${FLEET_ITEMS:-10000}" "${BASE:-}" <<'PY'
import json, os, random, resource, shlex, statistics, subprocess, sys, time, uuid

work, rounds, iocscan, baseline, n_files = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4], int(sys.argv[5])
sections, fleet_hosts, fleet_items = sys.argv[6].split(","), int(sys.argv[7]), int(sys.argv[8])
base = sys.argv[9] or None
want = lambda name: "all" in sections or name in sections
tree = os.path.join(work, "tree")
rng = random.Random(20261130)

# ---- synthetic tree ------------------------------------------------------------------------
def size_of():
    r = rng.random()
    if r < 0.001:  return rng.randint(1 << 20, 8 << 20)      # a few MB-sized files
    if r < 0.026:  return rng.randint(32 << 10, 512 << 10)   # some medium
    if r < 0.25:   return rng.randint(4 << 10, 32 << 10)
    return rng.randint(0, 4 << 10)                            # many small

dirs = [tree]
os.makedirs(tree)
while len(dirs) < max(1, n_files // 15):
    parent = rng.choice(dirs) if len(dirs) > 1 else tree
    d = os.path.join(parent, "d%d" % len(dirs))
    os.makedirs(d)
    dirs.append(d)
total = 0
exts = ["txt", "so", "py", "log", "dat", "json", "conf", "bin", ""]
for i in range(n_files):
    size = size_of()
    ext = rng.choice(exts)
    name = "f%d%s" % (i, "." + ext if ext else "")
    with open(os.path.join(rng.choice(dirs), name), "wb") as f:
        f.write(rng.randbytes(size))
    total += size
print("== tree: %d files in %d directories, %.0f MiB" % (n_files, len(dirs), total / 2**20), flush=True)

# ---- IOC collections -----------------------------------------------------------------------
def ioc(items):
    body = "\n".join(
        '      <IndicatorItem id="%s" condition="%s" preserve-case="false" negate="false">\n'
        '        <Context document="FileItem" search="FileItem/%s" type="mir"/>\n'
        '        <Content type="%s">%s</Content>\n'
        '      </IndicatorItem>' % (uuid.UUID(int=rng.getrandbits(128)), cond, term, typ, content)
        for term, cond, typ, content in items)
    return ('<?xml version="1.0" encoding="utf-8"?>\n'
            '<OpenIOC xmlns="http://openioc.org/schemas/OpenIOC_1.1" id="%s" last-modified="2026-01-01T00:00:00">\n'
            '  <metadata><short_description>bench</short_description><authored_date>2026-01-01T00:00:00</authored_date><links/></metadata>\n'
            '  <criteria>\n    <Indicator operator="OR" id="%s">\n%s\n    </Indicator>\n  </criteria>\n</OpenIOC>\n'
            % (uuid.UUID(int=rng.getrandbits(128)), uuid.UUID(int=rng.getrandbits(128)), body))

def collection(name, count, make):
    d = os.path.join(work, name)
    os.makedirs(d)
    for i in range(count):
        with open(os.path.join(d, "%06d.ioc" % i), "w") as f:
            f.write(ioc(make()))
    return d

sha = lambda: [("Sha256sum", "is", "sha256", "%064x" % rng.getrandbits(256))]
def meta():
    k = rng.randrange(3)
    if k == 0: return [("FileName", "is", "string", "nomatch-%x.exe" % rng.getrandbits(48))]
    if k == 1: return [("FullPath", "contains", "string", "/nomatch-%x/" % rng.getrandbits(48))]
    return [("SizeInBytes", "is", "int", str(rng.randint(1 << 40, 1 << 41)))]

t0 = time.time()
sha10, sha1k, sha100k = (collection("sha256-%d" % n, n, sha) for n in (10, 1000, 100000))
meta1k = collection("meta-1000", 1000, meta)
print("== IOC collections written in %.1fs" % (time.time() - t0), flush=True)

# ---- measurements --------------------------------------------------------------------------
def cpu_of_children():
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime

def run(cmd, shell=False):
    """Wall time and CPU time (user + system of the command and what it waited for)."""
    t, c = time.perf_counter(), cpu_of_children()
    p = subprocess.run(cmd, shell=shell, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    elapsed, cpu = time.perf_counter() - t, cpu_of_children() - c
    return elapsed, cpu, p.returncode, p.stderr.decode(errors="replace")[-400:], p.stdout

def scan_phase(stdout):
    """The scan's own elapsed time (collection + evaluation, after loading and compiling)."""
    try:
        doc = json.loads(stdout)
        return float(doc["summary"]["elapsed_seconds"])
    except (ValueError, KeyError, TypeError):
        return None

def scan(iocs, binary=None):
    return [binary or iocscan, "scan", "--path", tree, "--format", "json", iocs]

def scan_text(iocs, binary=None):
    """The responder's default: text output (cards and verdict counts, no line per IOC)."""
    return [binary or iocscan, "scan", "--path", tree, iocs]

def compare(title, commands, ratios):
    """commands: name -> (argv, shell); ratios: (numerator, denominator, target or None)."""
    print("\n== " + title, flush=True)
    times = {name: [] for name in commands}
    cpus = {name: [] for name in commands}
    phases = {name + " [scan phase]": [] for name in commands if name.startswith("scan")}
    failed = {}
    for r in range(rounds + 1):  # round 0 warms the page cache
        for name, (cmd, shell) in commands.items():
            if name in failed:
                continue
            elapsed, cpu, rc, err, out = run(cmd, shell)
            # iocscan scan: 0 clean, 1 detection; anything else is a failure. A scan that
            # prints no report did not scan (e.g. a binary without the scan command yet).
            if rc not in (0, 1) or (rc == 1 and name.startswith("baseline")):
                failed[name] = (rc, err)
            elif name.startswith("scan") and not out:
                failed[name] = (rc, "no report on stdout")
            elif r > 0:
                times[name].append(elapsed)
                cpus[name].append(cpu)
                phase = scan_phase(out) if name.startswith("scan") else None
                if phase is not None:
                    phases[name + " [scan phase]"].append(phase)
    for name, (rc, err) in failed.items():
        print("  %-28s FAILED (exit %d): %s" % (name, rc, err.strip().replace("\n", " | ")))
    med = {n: statistics.median(t) for n, t in times.items() if t}
    cpu = {n: statistics.median(t) for n, t in cpus.items() if t}
    for n, m in med.items():
        print("  %-28s wall median %7.3fs (min %.3f, max %.3f, %d runs)  cpu median %7.3fs"
              % (n, m, min(times[n]), max(times[n]), len(times[n]), cpu[n]))
    # The scan's own timer (its JSON summary) excludes process start, loading and compiling:
    # the load is reported apart, as `check` lines and as the difference.
    for n, t in phases.items():
        if t:
            med[n] = statistics.median(t)
            cpu[n] = float("nan")
            print("  %-28s wall median %7.3fs (min %.3f, max %.3f, %d runs)  (from its JSON summary)"
                  % (n, med[n], min(t), max(t), len(t)))
    for num, den, target in ratios:
        if num in med and den in med:
            ratio = med[num] / med[den]
            verdict = "" if target is None else ("  target <= %.2fx: %s" % (target, "MET" if ratio <= target else "MISSED"))
            cpu_ratio = cpu[num] / cpu[den] if cpu[den] > 0 else float("nan")
            if cpu_ratio != cpu_ratio:
                print("  RATIO %s / %s = %.3fx wall%s" % (num, den, ratio, verdict))
                continue
            print("  RATIO %s / %s = %.3fx wall%s  (%.3fx cpu)" % (num, den, ratio, verdict, cpu_ratio))
        else:
            print("  RATIO %s / %s: not measured" % (num, den))

q = shlex.quote
if want("hash"): compare("(1) SHA-256 scan, 1,000 IOCs, none matching", {
    "scan-1000-sha256": (scan(sha1k), False),
    "baseline": ([baseline, tree], False),
    "find|xargs -P2 sha256sum": ("find %s -type f -print0 | xargs -0 -P2 sha256sum > /dev/null" % q(tree), True),
    "check-1000-sha256 (load only)": ([iocscan, "check", sha1k], False),
}, [("scan-1000-sha256", "baseline", 1.15), ("scan-1000-sha256 [scan phase]", "baseline", 1.15),
    ("scan-1000-sha256", "find|xargs -P2 sha256sum", None)])

if want("count"): compare("(2) IOC count: 100,000 vs 10 SHA-256 IOCs", {
    "scan-100000-sha256": (scan(sha100k), False),
    "scan-10-sha256": (scan(sha10), False),
    "check-100000 (load only)": ([iocscan, "check", sha100k], False),
    "check-10 (load only)": ([iocscan, "check", sha10], False),
}, [("scan-100000-sha256", "scan-10-sha256", None),
    ("scan-100000-sha256 [scan phase]", "scan-10-sha256 [scan phase]", 1.05),
    ("check-100000 (load only)", "check-10 (load only)", None)])

if want("meta"): compare("(3) name/path/size scan, 1,000 IOCs", {
    "scan-1000-meta": (scan(meta1k), False),
    "baseline --walk-only": ([baseline, "--walk-only", tree], False),
    "check-1000-meta (load only)": ([iocscan, "check", meta1k], False),
}, [("scan-1000-meta", "baseline --walk-only", 1.2),
    ("scan-1000-meta [scan phase]", "baseline --walk-only", 1.2)])

if want("collector"): compare("collector alone (hash_baseline --collector)", {
    "collector sha256": ([baseline, "--collector", tree], False),
    "baseline": ([baseline, tree], False),
    "collector walk": ([baseline, "--collector", "--walk-only", tree], False),
    "baseline --walk-only": ([baseline, "--walk-only", tree], False),
}, [("collector sha256", "baseline", None), ("collector walk", "baseline --walk-only", None)])

# ---- (4) bundles ---------------------------------------------------------------------------
def bundle(src, name, binary=None):
    out = os.path.join(work, name)
    subprocess.run([binary or iocscan, "compile", "--quiet", "-o", out, src], check=True)
    return out

if want("bundle") or want("fleet"):
    t0 = time.time()
    b10, b100k = bundle(sha10, "sha256-10.bundle"), bundle(sha100k, "sha256-100000.bundle")
    # The baseline's own bundles: another build may write another bundle format version.
    if base:
        b10_base = bundle(sha10, "sha256-10.base.bundle", base)
        b100k_base = bundle(sha100k, "sha256-100000.base.bundle", base)
    print("\n== bundles written in %.1fs (%d and %d bytes)"
          % (time.time() - t0, os.path.getsize(b10), os.path.getsize(b100k)), flush=True)

if want("bundle"):
    # The target is measured on the default text output; `--format json` also writes one
    # result per IOC (18 MB for 100,000, which this harness reads through a pipe and parses
    # for the scan phase), shown beside it.
    commands = {
        "scan-100000-bundle": (scan_text(b100k), False),
        "scan-10-bundle": (scan_text(b10), False),
        "scan-100000-bundle json": (scan(b100k), False),
        "scan-10-bundle json": (scan(b10), False),
        "check-100000 bundle (load only)": ([iocscan, "check", b100k], False),
        "check-100000 XML (load only)": ([iocscan, "check", sha100k], False),
    }
    ratios = [("scan-100000-bundle", "scan-10-bundle", 1.10),
              ("scan-100000-bundle json", "scan-10-bundle json", None),
              ("scan-100000-bundle json [scan phase]", "scan-10-bundle json [scan phase]", None),
              ("check-100000 XML (load only)", "check-100000 bundle (load only)", None)]
    if base:
        commands.update({
            "scan-100000-bundle BASE": (scan_text(b100k_base, base), False),
            "scan-10-bundle BASE": (scan_text(b10_base, base), False),
            "check-100000 bundle (load only) BASE": ([base, "check", b100k_base], False),
        })
        ratios += [("scan-100000-bundle BASE", "scan-10-bundle BASE", 1.10),
                   ("scan-100000-bundle", "scan-100000-bundle BASE", None),
                   ("check-100000 bundle (load only)", "check-100000 bundle (load only) BASE", None)]
    compare("(4) bundles: 100,000 vs 10 SHA-256 IOCs, load included", commands, ratios)

# ---- (5) fleet -----------------------------------------------------------------------------
if want("fleet"):
    fleet = os.path.join(work, "fleet")
    os.makedirs(fleet)
    # 10 hashes of the 100,000 IOCs, planted on 10 hosts: 10 detections expected.
    planted = {}
    for line in sorted(os.listdir(sha100k))[:10]:
        text = open(os.path.join(sha100k, line)).read()
        planted[len(planted) * (fleet_hosts // 10 or 1)] = text.split('<Content type="sha256">')[1].split("<")[0]
    t0 = time.time()
    for h in range(fleet_hosts):
        with open(os.path.join(fleet, "host%04d.jsonl" % h), "w") as f:
            f.write(json.dumps({"format": "iocscan-snapshot", "version": 1, "host": "host%04d" % h,
                                "time": "2026-12-01T00:00:00Z", "tool": "bench", "kinds": ["File"]}) + "\n")
            for i in range(fleet_items):
                name = "f%d.%s" % (i, exts[i % len(exts)] or "bin")
                path = "/srv/d%d/%s" % (i % 97, name)
                sha = planted[h] if (h in planted and i == 0) else "%064x" % rng.getrandbits(256)
                f.write(json.dumps({"kind": "File", "fields": {
                    "FileItem/FullPath": path, "FileItem/FilePath": "/srv/d%d" % (i % 97),
                    "FileItem/FileName": name, "FileItem/FileExtension": exts[i % len(exts)],
                    "FileItem/SizeInBytes": rng.randint(0, 1 << 20),
                    "FileItem/Created": "2026-01-01T00:00:00Z", "FileItem/Modified": "2026-02-01T10:00:00Z",
                    "FileItem/Accessed": "2026-03-01T10:00:00Z", "FileItem/Changed": "2026-02-01T10:00:00Z",
                    "FileItem/Username": "root", "FileItem/Group": "root", "FileItem/GroupID": "0",
                    "FileItem/SecurityID": "0", "FileItem/Permissions": 420, "FileItem/FileAttributes": "-rw-r--r--",
                    "FileItem/INode": 100000 + i, "FileItem/Md5sum": "%032x" % rng.getrandbits(128),
                    "FileItem/Sha1sum": "%040x" % rng.getrandbits(160), "FileItem/Sha256sum": sha}}) + "\n")
    size = sum(os.path.getsize(os.path.join(fleet, n)) for n in os.listdir(fleet))
    total = fleet_hosts * fleet_items
    print("\n== fleet: %d hosts x %d file items (%d items, %.0f MiB of JSON Lines) written in %.1fs"
          % (fleet_hosts, fleet_items, total, size / 2**20, time.time() - t0), flush=True)
    binaries = [("", iocscan, b100k)] + ([(" BASE", base, b100k_base)] if base else [])
    walls = {tag: [] for tag, _, _ in binaries}
    cpus = {tag: [] for tag, _, _ in binaries}
    phases = {tag: [] for tag, _, _ in binaries}
    for r in range(rounds + 1):
        for tag, binary, rules in binaries:  # alternately: both see the same machine load
            elapsed, cpu, rc, err, out = run([binary, "scan", "--quiet", "--format", "json", "--snapshot", fleet, rules])
            if rc not in (0, 1):
                print("  fleet scan%s FAILED (exit %d): %s" % (tag, rc, err.strip()))
                continue
            doc = json.loads(out)
            if r == 0:
                print("  %s hosts %d, detections %d, items %d, problems %d" % (tag or "this build", doc["summary"]["hosts"],
                      doc["summary"]["detections"], doc["summary"]["items"], doc["summary"]["problems"]), flush=True)
                continue
            walls[tag].append(elapsed); cpus[tag].append(cpu); phases[tag].append(doc["summary"]["elapsed_seconds"])
    for tag, _, _ in binaries:
        if not walls[tag]:
            continue
        w, c, ph = statistics.median(walls[tag]), statistics.median(cpus[tag]), statistics.median(phases[tag])
        print("  fleet scan%s (bundle load included)  wall median %7.3fs (min %.3f, max %.3f, %d runs)  cpu median %7.3fs"
              % (tag, w, min(walls[tag]), max(walls[tag]), len(walls[tag]), c))
        print("  fleet scan phase%s (its summary)      wall median %7.3fs" % (tag, ph))
        verdict = "MET" if total / ph >= 500000 else "MISSED"
        print("  RATE%s %.0f items/s end to end, %.0f items/s scan phase, %.0f items per CPU-s  target >= 500,000 items/s: %s"
              % (tag, total / w, total / ph, total / c, verdict))
PY
