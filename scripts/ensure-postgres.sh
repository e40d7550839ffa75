#!/usr/bin/env bash
# The test suite runs every database test on SQLite AND PostgreSQL. Make sure a PostgreSQL server
# answers at JIFEN_TEST_PG (default postgresql://postgres@127.0.0.1:5432/test): start the local
# Debian cluster if it is stopped, and create the `test` database if it is missing.
# Skipped when JIFEN_TEST_DBS leaves postgresql out (e.g. JIFEN_TEST_DBS=sqlite for a quick loop).
set -euo pipefail
python="${1:-.venv/bin/python}"
url="${JIFEN_TEST_PG:-postgresql://postgres@127.0.0.1:5432/test}"
if [[ ",${JIFEN_TEST_DBS:-sqlite,postgresql}," != *",postgresql,"* ]]; then
  echo "JIFEN_TEST_DBS=${JIFEN_TEST_DBS} leaves PostgreSQL out; not checking it."
  exit 0
fi

probe() {  # 0: the server answers (whatever the database); prints psycopg's error otherwise
  "$python" - "$url" <<'PY'
import sys
import psycopg
from psycopg.conninfo import conninfo_to_dict, make_conninfo
url = sys.argv[1]
params = conninfo_to_dict(url)
params["dbname"] = "postgres"
try:
    with psycopg.connect(make_conninfo(**params), connect_timeout=3, autocommit=True) as conn:
        wanted = conninfo_to_dict(url).get("dbname", "test")
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (wanted,)).fetchone():
            conn.execute(f'CREATE DATABASE "{wanted}"')
            print(f"Created the PostgreSQL database {wanted}.")
except psycopg.OperationalError as error:
    print(str(error).strip(), file=sys.stderr)
    sys.exit(1)
PY
}

if probe 2>/dev/null; then
  exit 0
fi
echo "PostgreSQL is not answering at ${url}; trying to start it…"
if [ ! -d /etc/postgresql ] || [ -z "$(ls /etc/postgresql 2>/dev/null)" ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "Installing PostgreSQL from Debian's packages…"
    DEBIAN_FRONTEND=noninteractive apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
    version="$(ls /etc/postgresql | sort -V | tail -1)"
    hba="/etc/postgresql/$version/main/pg_hba.conf"
    # Test-only server: trust local connections, as the test fixtures expect.
    sed -i -E 's/^(local|host)(\s+all\s+all\s+.*)\s(peer|scram-sha-256|md5)$/\1\2 trust/' "$hba"
    sed -i -E 's/^(local\s+all\s+postgres\s+)peer$/\1trust/' "$hba"
  else
    echo "error: PostgreSQL is not installed. Install it (apt-get install -y postgresql), or set" >&2
    echo "       JIFEN_TEST_PG to a server you can reach, or JIFEN_TEST_DBS=sqlite to test SQLite only." >&2
    exit 1
  fi
fi
for version in $(ls /etc/postgresql); do
  pg_ctlcluster --skip-systemctl-redirect "$version" main start 2>/dev/null || true
done
for _ in $(seq 1 30); do
  if probe 2>/dev/null; then
    echo "PostgreSQL is up."
    exit 0
  fi
  sleep 1
done
echo "error: PostgreSQL still does not answer at ${url}:" >&2
probe || true
exit 1
