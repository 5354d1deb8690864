#!/usr/bin/env bash
# Content-term speed: one read per file serves hashes, PE parsing and strings.
#
#   benches/content.sh [ROUNDS]    (default 5; env TREE_FILES=30000, BASE_REV=<git rev> also
#                                   times the SHA-256 scan of that revision's binary; YARA=1
#                                   builds with --features yara and adds the yara pair below)
#
# Builds iocscan (release), generates a synthetic tree of random-content files (many small,
# some MB-sized) and three IOC collections of 1,000 IOCs each, none matching:
#   sha256   FileItem/Sha256sum is <random>                 (the baseline: reads every file)
#   strings  FileItem/StringList/string contains <random word>   (target <= 1.30x sha256)
#   pe       FileItem/PEInfo/Exports/DllName is <random>.dll     (reads every file, parses PEs)
# and, with YARA=1, one IOC each (the same string, never found):
#   yara-text  Yara/TextString contains <word>                    (native: a byte regex)
#   yara-rule  Yara/Yara rule { strings: $a = "<word>" condition: $a }   (through yara-x)
# and runs them alternately ROUNDS times after a warm-up round (warm page cache), printing
# median wall and CPU times and their ratios. With BASE_REV, the same SHA-256 scan by the
# binary of that revision shows that a ruleset without content terms scans as fast as before.
set -euo pipefail

ROUNDS="${1:-5}"
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$HERE"
echo "== build (release)"
cargo build --release --quiet --bin iocscan ${YARA:+--features yara}
TARGET_DIR="$(cargo metadata --format-version 1 --no-deps 2>/dev/null \
  | python3 -c 'import json,sys; print(json.load(sys.stdin)["target_directory"])')"
IOCSCAN="$TARGET_DIR/release/iocscan"
WORK="$(mktemp -d "${TMPDIR:-/tmp}/iocscan-content.XXXXXX")"
trap 'git -C "$HERE" worktree remove --force "$WORK/base" >/dev/null 2>&1 || true; rm -rf "$WORK"' EXIT
BASE_BIN=""
if [[ -n "${BASE_REV:-}" ]]; then
  echo "== build $BASE_REV (release)"
  git worktree add --quiet --detach "$WORK/base" "$BASE_REV"
  CARGO_TARGET_DIR="$TARGET_DIR/bench-base" cargo build --release --quiet \
    --manifest-path "$WORK/base/Cargo.toml" --bin iocscan
  BASE_BIN="$TARGET_DIR/bench-base/release/iocscan"
fi
echo "== load average: $(cut -d" " -f1-3 /proc/loadavg)"

python3 - "$WORK" "$ROUNDS" "$IOCSCAN" "${TREE_FILES:-30000}" "$BASE_BIN" <<'PY'
import os, random, resource, statistics, subprocess, sys, time, uuid

work, rounds, iocscan, n_files, base = sys.argv[1], int(sys.argv[2]), sys.argv[3], int(sys.argv[4]), sys.argv[5]
rng = random.Random(20261202)
tree = os.path.join(work, "tree")
os.makedirs(tree)
dirs = [tree]
while len(dirs) < max(1, n_files // 15):
    d = os.path.join(rng.choice(dirs), "d%d" % len(dirs))
    os.makedirs(d)
    dirs.append(d)
total = 0
for i in range(n_files):
    r = rng.random()
    size = (rng.randint(1 << 20, 8 << 20) if r < 0.001 else rng.randint(32 << 10, 512 << 10)
            if r < 0.026 else rng.randint(4 << 10, 32 << 10) if r < 0.25 else rng.randint(0, 4 << 10))
    with open(os.path.join(rng.choice(dirs), "f%d.bin" % i), "wb") as f:
        f.write(rng.randbytes(size))
    total += size
print("== tree: %d files, %.0f MiB" % (n_files, total / 2**20), flush=True)

def collection(name, term, cond, typ, content, count=1000):
    d = os.path.join(work, name)
    os.makedirs(d)
    for i in range(count):
        item = ('<IndicatorItem id="%s" condition="%s"><Context document="FileItem" search="%s" type="mir"/>'
                '<Content type="%s">%s</Content></IndicatorItem>'
                % (uuid.UUID(int=rng.getrandbits(128)), cond, term, typ, content()))
        with open(os.path.join(d, "%04d.ioc" % i), "w") as f:
            f.write('<ioc xmlns="http://schemas.mandiant.com/2010/ioc" id="%s"><definition>'
                    '<Indicator operator="OR" id="%s">%s</Indicator></definition></ioc>\n'
                    % (uuid.UUID(int=rng.getrandbits(128)), uuid.UUID(int=rng.getrandbits(128)), item))
    return d

word = lambda: "".join(rng.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(rng.randint(8, 16)))
sets = {
    "sha256": collection("sha256", "FileItem/Sha256sum", "is", "sha256", lambda: "%064x" % rng.getrandbits(256)),
    "strings": collection("strings", "FileItem/StringList/string", "contains", "string", word),
    "pe": collection("pe", "FileItem/PEInfo/Exports/DllName", "is", "string", lambda: word() + ".dll"),
}
if os.environ.get("YARA"):
    needle = word()
    sets["yara-text"] = collection("yara-text", "Yara/TextString", "contains", "string", lambda: needle, 1)
    rule = 'rule r { strings: $a = "%s" condition: $a }' % needle
    sets["yara-rule"] = collection("yara-rule", "Yara/Yara", "contains", "string", lambda: rule, 1)
commands = {name: [iocscan, "scan", "--quiet", "--path", tree, d] for name, d in sets.items()}
if base:
    commands["sha256 (base)"] = [base, "scan", "--quiet", "--path", tree, sets["sha256"]]

def cpu():
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime

walls = {n: [] for n in commands}
cpus = {n: [] for n in commands}
for r in range(rounds + 1):
    for name, cmd in commands.items():
        t, c = time.perf_counter(), cpu()
        p = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        if p.returncode not in (0, 1):
            sys.exit("%s failed (%d): %s" % (name, p.returncode, p.stderr.decode()[-300:]))
        if r > 0:
            walls[name].append(time.perf_counter() - t)
            cpus[name].append(cpu() - c)
med = {n: statistics.median(v) for n, v in walls.items()}
cmed = {n: statistics.median(v) for n, v in cpus.items()}
for n in commands:
    print("  %-16s wall median %7.3fs (min %.3f, max %.3f)  cpu median %7.3fs" % (n, med[n], min(walls[n]), max(walls[n]), cmed[n]))
for num, den, target in [("strings", "sha256", 1.30), ("yara-rule", "yara-text", None), ("pe", "sha256", None), ("sha256", "sha256 (base)", None)]:
    if num in med and den in med:
        ratio = med[num] / med[den]
        mark = "" if target is None else "  target <= %.2fx: %s" % (target, "MET" if ratio <= target else "MISSED")
        print("  RATIO %s / %s = %.3fx wall (%.3fx cpu)%s" % (num, den, ratio, cmed[num] / cmed[den], mark))
PY
