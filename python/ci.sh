#!/usr/bin/env bash
# The Python package's CI: builds the abi3 wheel with maturin, checks that it installs and
# imports in a fresh venv, then runs python/tests (the contract, and the Spark smoke test in
# local[2]) against the wheel and the release binary.
#
#   python/ci.sh            from anywhere; env: PYTHON (python3), CARGO_TARGET_DIR (the
#                           root's target/, so the library's artifacts are shared),
#                           XDG_CACHE_HOME (where the venv is kept between runs)
#
# The test venv (pinned python/requirements-ci.txt) is cached under
# ${XDG_CACHE_HOME:-$HOME/.cache}/iocscan-ci/, keyed by the Python version and a hash of the
# pins; a half-made venv (interrupted install) is rebuilt. Java 17 comes from Debian's
# packages when `java` is missing. Network: PyPI, crates.io and Debian only.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(dirname "$here")
py=${PYTHON:-python3}
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$root/target}
cache=${XDG_CACHE_HOME:-$HOME/.cache}/iocscan-ci
pyver=$("$py" -c 'import sys; print("%d.%d" % sys.version_info[:2])')
pins=$(sha256sum "$here/requirements-ci.txt" | cut -c1-16)
venv=$cache/venv-py$pyver-$pins
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
started=$SECONDS
step() { echo "python/ci.sh: [$((SECONDS - started))s] $*"; }

if [ ! -f "$venv/.complete" ]; then
    step "creating the test venv $venv"
    rm -rf "$venv"
    mkdir -p "$cache"
    "$py" -m venv "$venv"
    "$venv/bin/python" -m pip install --quiet --disable-pip-version-check \
        -r "$here/requirements-ci.txt"
    touch "$venv/.complete"
else
    step "test venv cached: $venv"
fi

if ! command -v java >/dev/null 2>&1; then
    step "installing Java 17 (Spark) from Debian"
    apt-get install -y --no-install-recommends openjdk-17-jre-headless >/dev/null ||
        { apt-get update >/dev/null && apt-get install -y --no-install-recommends openjdk-17-jre-headless >/dev/null; }
fi

step "building the binary (tests compare with it) and the wheel"
cargo build --release --locked --quiet --manifest-path "$root/Cargo.toml" --bin iocscan
"$venv/bin/maturin" build --release --locked --quiet --manifest-path "$here/Cargo.toml" \
    --interpreter "$venv/bin/python" --out "$work/wheels"
wheel=$(ls "$work"/wheels/iocscan-*.whl)
step "built $(basename "$wheel") ($(du -k "$wheel" | cut -f1) KiB)"

step "fresh venv: pip install of the wheel alone, import iocscan"
"$py" -m venv "$work/fresh"
"$work/fresh/bin/python" -m pip install --quiet --disable-pip-version-check --no-index "$wheel"
(cd "$work" && "$work/fresh/bin/python" -c 'import iocscan; print("python/ci.sh: imported", iocscan.TOOL)')

step "pytest (the contract and the Spark smoke test)"
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check --no-deps \
    --force-reinstall "$wheel"
(cd "$here" && IOCSCAN_BIN="$CARGO_TARGET_DIR/release/iocscan" \
    "$venv/bin/python" -m pytest -q -p no:cacheprovider tests)
step "done"
