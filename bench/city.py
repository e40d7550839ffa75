"""Build or reuse the city the benchmark measures, on file SQLite and on PostgreSQL.

Full scale (the default) is issue 6's city: `flask bench-data --residents 330000 --activities 100000
--hours 1000000 --redemptions 200000`. BENCH_SCALE=small is a hundredth of it (or, where bench-data
does not exist yet, the demo street of `flask demo-data`). A built city is kept and reused:
SQLite under bench/results/city/, PostgreSQL as database bench_city_<scale>; BENCH_REBUILD=1 starts
over. BENCH_CITY_SQLITE=<file> copies an existing city file in, and BENCH_CITY_PG_TEMPLATE=<database>
clones one (CREATE DATABASE ... TEMPLATE, which needs nobody connected to it); the SQLite copy goes
through the online backup API, so a city still being written is copied consistently.
"""

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import psycopg

from bench.fixture import ensure_actors
from bench.servers import ROOT, environment

RESULTS = ROOT / "bench" / "results"
PG_ADMIN_URL = os.environ.get("BENCH_PG_ADMIN", "postgresql://postgres@127.0.0.1:5432/postgres")
SIZES = {
    "full": {"residents": 330_000, "activities": 100_000, "hours": 1_000_000, "redemptions": 200_000},
    "small": {"residents": 3_300, "activities": 1_000, "hours": 10_000, "redemptions": 2_000},
}


def flask(env: dict, *args: str, timeout: float = 3600) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "flask", "--app", "app", *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=timeout)


def has_bench_data(env: dict) -> bool:
    return flask(env, "bench-data", "--help", timeout=120).returncode == 0


def _pg_url(name: str) -> str:
    return PG_ADMIN_URL.rsplit("/", 1)[0].replace("postgresql://", "postgresql+psycopg://", 1) + "/" + name


def _pg_exists(name: str) -> bool:
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        return conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone() is not None


def _pg(sql: str) -> None:
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        conn.execute(sql)


def _populate(env: dict, scale: str, log) -> str:
    """Migrate, then fill: bench-data at the chosen size, else (small only) the demo street."""
    done = flask(env, "init-db")
    if done.returncode:
        raise SystemExit(f"init-db failed:\n{done.stderr[-2000:]}")
    if has_bench_data(env):
        size = SIZES[scale]
        args = ["bench-data", *[f"--{k}={v}" for k, v in size.items()], "--seed", os.environ.get("BENCH_SEED", "1")]
        how = "flask " + " ".join(args)
    elif scale == "small":
        args, how = ["demo-data"], "flask demo-data (bench-data not available yet)"
    else:
        raise SystemExit("the full city needs `flask bench-data` (not in this checkout yet): "
                         "run BENCH_SCALE=small, or give BENCH_CITY_SQLITE / BENCH_CITY_PG_TEMPLATE")
    log(f"  building the city: {how}")
    started = time.monotonic()
    done = flask(env, *args, timeout=7200)
    if done.returncode:
        raise SystemExit(f"{how} failed:\n{done.stdout[-1000:]}\n{done.stderr[-2000:]}")
    return f"{how} in {time.monotonic() - started:.0f} s"


def _copy_sqlite(source: Path, target: Path) -> None:
    """A consistent copy through SQLite's online backup (the source may be in WAL mode and still written)."""
    import sqlite3

    with sqlite3.connect(f"file:{source}?mode=ro", uri=True, timeout=60) as src, sqlite3.connect(target) as dst:
        src.backup(dst, pages=4096)


def prepare(kind: str, scale: str, log) -> dict:
    """The database URL of the city, its bench actors, and how it came to be."""
    folder = RESULTS / "city"
    folder.mkdir(parents=True, exist_ok=True)
    marker = folder / f"{scale}-{kind}.json"
    rebuild = os.environ.get("BENCH_REBUILD") == "1"
    if kind == "sqlite":
        path = folder / f"{scale}.sqlite3"
        url = f"sqlite:///{path}"
        if rebuild or not marker.exists():
            for leftover in folder.glob(f"{scale}.sqlite3*"):
                leftover.unlink()
            marker.unlink(missing_ok=True)
        if not path.exists():
            source = os.environ.get("BENCH_CITY_SQLITE")
            if source:
                log(f"  copying the city from {source}")
                _copy_sqlite(Path(source), path)
                origin = f"copied from {source}"
            else:
                origin = _populate(environment(url), scale, log)
        else:
            origin = json.loads(marker.read_text())["origin"] if marker.exists() else "reused"
    else:
        name = f"bench_city_{scale}"
        url = _pg_url(name)
        if rebuild or not marker.exists():
            _pg(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
            marker.unlink(missing_ok=True)
        if not _pg_exists(name):
            template = os.environ.get("BENCH_CITY_PG_TEMPLATE")
            if template:
                log(f"  cloning the city from PostgreSQL database {template}")
                _pg(f'CREATE DATABASE {name} TEMPLATE "{template}"')
                origin = f"cloned from {template}"
            else:
                _pg(f"CREATE DATABASE {name}")
                origin = _populate(environment(url), scale, log)
        else:
            origin = json.loads(marker.read_text())["origin"] if marker.exists() else "reused"
    done = flask(environment(url), "init-db")  # a copied or reused city gets any newer migrations
    if done.returncode:
        raise SystemExit(f"init-db on the city failed:\n{done.stderr[-2000:]}")
    actors = ensure_actors(url)
    if kind != "sqlite":  # a city from before bench-data gathered the planner's statistics, or a clone
        with psycopg.connect(url.replace("+psycopg", ""), autocommit=True) as conn:
            conn.execute("VACUUM (ANALYZE)")
    marker.write_text(json.dumps({"origin": origin}), encoding="utf-8")
    return {"url": url, "actors": actors, "origin": origin, "size": _size(url)}


def _size(url: str) -> dict:
    from bench.fixture import count_rows

    tables = ("users", "hour_records", "redemptions", "transfers", "audit_events", "items", "stores")
    out = {}
    for table in tables:
        try:
            out[table] = count_rows(url, table)
        except Exception:  # a table another branch renamed: the size table just leaves it out
            continue
    return out
