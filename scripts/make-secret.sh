#!/usr/bin/env bash
# Write instance/config.py with a random SECRET_KEY, once. create_app() reads it on every start,
# so sessions and CSRF tokens survive restarts. Never commit this file (instance/ is ignored).
set -euo pipefail
target="${1:-instance/config.py}"
if [ -s "$target" ] && grep -q '^SECRET_KEY' "$target"; then
  exit 0
fi
mkdir -p "$(dirname "$target")"
umask 077
key="$(python3 -c 'import secrets; print(secrets.token_hex(32))')"
{
  echo "# Created by \`make run\` on $(date -u +%Y-%m-%dT%H:%M:%SZ). Keep it secret; do not commit it."
  echo "# The SECRET_KEY environment variable, when set, takes precedence."
  echo "SECRET_KEY = \"$key\""
} >>"$target"
echo "Wrote a new SECRET_KEY to $target."
