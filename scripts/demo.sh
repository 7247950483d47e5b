#!/usr/bin/env bash
# Install Canvas Logins into .venv and open it on the built-in sandbox with the demo
# workbook. Nothing leaves this computer: the sandbox is a practice Canvas on 127.0.0.1.
# On Linux it first makes sure the system has the libraries Qt needs to open a window
# (scripts/desktop_libs.sh installs them, or names them).
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON="${PYTHON:-python3}"
[ -x .venv/bin/python ] || "$PYTHON" -m venv .venv
.venv/bin/python -m pip install --quiet --upgrade pip
.venv/bin/python -m pip install --quiet .
bash scripts/desktop_libs.sh .venv/bin/python
exec .venv/bin/canvas-logins --demo "$@"
