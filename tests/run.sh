#!/usr/bin/env bash
# Installs what the tests need on a fresh Debian machine with Python 3.11, then runs ruff, mypy, the import
# contracts (lint-imports) and pytest.
# Extra arguments go to pytest (e.g. `bash tests/run.sh -k store -x`).
set -euo pipefail
cd "$(dirname "$0")/.."

# Debian packages the tests use: redis-server (the tests start their own on a free port), Chromium and a CJK
# font for the pages, espeak-ng and sox for the voice announcer, tmux for the terminal caller pad, nginx for the
# reverse proxy of docs/nginx.conf.
PACKAGES="redis-server chromium fonts-wqy-microhei espeak-ng libespeak-ng1 sox tmux nginx"
missing=$(for p in $PACKAGES; do dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || echo "$p"; done)
if [ -n "$missing" ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "installing: $missing"
    apt-get update -qq
    # shellcheck disable=SC2086
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $missing >/dev/null
  else
    echo "missing Debian packages (install them as root): $missing" >&2
  fi
fi

# The installers' own chatter goes to a log, shown only if they fail.
log=$(mktemp)
quietly() {
  if ! "$@" >"$log" 2>&1; then cat "$log" >&2; echo "failed: $*" >&2; exit 1; fi
}
echo "== virtual environment with the test tools (.venv)"
[ -x .venv/bin/python ] || quietly python3 -m venv .venv
quietly .venv/bin/python -m pip install --disable-pip-version-check --upgrade pip
quietly .venv/bin/python -m pip install --disable-pip-version-check -e '.[test]'
rm -f "$log"

echo "== ruff"
.venv/bin/ruff check .
.venv/bin/ruff format --check .
echo "== mypy"
.venv/bin/mypy
echo "== import contracts"
.venv/bin/lint-imports --no-cache | sed -n '/^Contracts/,$p' | grep -v '^-*$'
echo "== pytest"
.venv/bin/python -m pytest "$@"
