#!/bin/sh
# Installs the real client libraries of tests/real_clients.rs, exactly as pinned:
#   python  Mastodon.py & co. from python/requirements.txt into python/.venv
#   js      masto.js & co. from js/package-lock.json into js/node_modules (npm ci)
# With no argument, both. Does nothing when the installed set matches the pins (a stamp
# file holds a copy of the pins it was installed from), so changing a pin reinstalls.
# Serialised by a lock file: parallel tests wait, then find everything installed.
set -eu
cd "$(dirname "$0")"

python_deps() {
    cmp -s python/requirements.txt python/.venv/.starling-installed 2>/dev/null && return 0
    flock /tmp/starling-clients-python.lock sh -c '
        set -eu
        cd python
        cmp -s requirements.txt .venv/.starling-installed 2>/dev/null && exit 0
        rm -rf .venv
        python3 -m venv .venv
        .venv/bin/python -m pip install --quiet --disable-pip-version-check \
            --no-input -r requirements.txt
        cp requirements.txt .venv/.starling-installed
    '
}

js_deps() {
    cmp -s js/package-lock.json js/node_modules/.starling-installed 2>/dev/null && return 0
    flock /tmp/starling-clients-js.lock sh -c '
        set -eu
        cd js
        cmp -s package-lock.json node_modules/.starling-installed 2>/dev/null && exit 0
        npm ci --no-audit --no-fund --loglevel=error
        cp package-lock.json node_modules/.starling-installed
    '
}

case "${1:-all}" in
    python) python_deps ;;
    js) js_deps ;;
    all) python_deps; js_deps ;;
    *) echo "usage: $0 [python|js|all]" >&2; exit 2 ;;
esac
