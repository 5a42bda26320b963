#!/usr/bin/env bash
# Installs what the tests need on a fresh Debian machine with Python 3.11, then runs ruff, mypy and pytest.
# Extra arguments go to pytest (e.g. `bash tests/run.sh -k store -x`).
set -euo pipefail
cd "$(dirname "$0")/.."

# Debian packages the tests use: redis-server (the tests start their own on a free port), Chromium and a CJK
# font for the pages, espeak-ng and sox for the voice announcer, tmux for the terminal caller pad.
PACKAGES="redis-server chromium fonts-wqy-microhei espeak-ng libespeak-ng1 sox tmux"
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

[ -x .venv/bin/python ] || python3 -m venv .venv
.venv/bin/python -m pip install -q --disable-pip-version-check --upgrade pip
.venv/bin/python -m pip install -q --disable-pip-version-check -e '.[test]'

.venv/bin/ruff check .
.venv/bin/ruff format --check .
.venv/bin/mypy
.venv/bin/python -m pytest "$@"
