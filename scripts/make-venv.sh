#!/usr/bin/env bash
# Create the project's virtualenv (default .venv) with the given Python (default python3).
# On Debian, `python3 -m venv` needs the python3-venv package; install it if we may.
set -euo pipefail
python="${1:-python3}"
venv="${2:-.venv}"

if ! command -v "$python" >/dev/null 2>&1; then
  echo "error: $python not found; install Python 3.11 or newer (Debian: apt-get install -y python3 python3-venv)" >&2
  exit 1
fi
if ! "$python" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else 1)'; then
  echo "error: Jifen needs Python 3.11 or newer; $python is $("$python" -V 2>&1). Run: make PYTHON=python3.11 ..." >&2
  exit 1
fi
if ! "$python" -m venv "$venv" 2>/tmp/jifen-venv.err; then
  if grep -qi "ensurepip" /tmp/jifen-venv.err && command -v apt-get >/dev/null && [ "$(id -u)" = 0 ]; then
    echo "Installing Debian's python3-venv (needed for virtualenvs)…"
    apt-get update -qq && apt-get install -y -qq python3-venv
    rm -rf "$venv"
    "$python" -m venv "$venv"
  else
    cat /tmp/jifen-venv.err >&2
    echo "error: could not create $venv (Debian/Ubuntu: sudo apt-get install python3-venv)" >&2
    exit 1
  fi
fi
"$venv/bin/python" -m pip install --quiet --upgrade pip
echo "Created $venv with $("$venv/bin/python" -V)."
