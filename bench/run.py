"""`make bench`: issue 6's benchmark, end to end, unattended.

For each database (file SQLite with synchronous=FULL, PostgreSQL): build or reuse the city
(bench/city.py), start Jifen and the bare Flask floor (bench/bare_app.py) under gunicorn on
loopback, sign in (bearer tokens; resident and admin pages through the sign-in form once, the
cookie reused), then measure with wrk (bench/lua/jifen.lua) at light load and at saturation,
medians of three bounded runs after a warm-up; then writes, a bulk approval with a counter
redeeming meanwhile, 64 clients on one account (PostgreSQL), `flask verify`, the workers' RSS.
Results go to bench/results/<time>.json (and latest.json); docs/benchmarks.md and the charts
in docs/bench/ are regenerated from them by bench/report.py.

Settings (environment): BENCH_SCALE=full|small, BENCH_DATABASES=sqlite,postgresql,
BENCH_WORKERS=4, BENCH_SECONDS (10; small 3), BENCH_REPEATS=3, BENCH_LIGHT=4, BENCH_SATURATION=32,
BENCH_BULK (10000; small 1000), BENCH_SERVERS=1|2 (2: a second app server on PostgreSQL).
"""

import json
import os
import platform
import subprocess
import sys
import time
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench import city, scenarios  # noqa: E402
from bench.servers import ROOT, Server, environment, free_port, sign_in_cookie, token  # noqa: E402
from bench.wrk import Load, Running, ensure_wrk, run  # noqa: E402


@dataclass
class Config:
    scale: str
    databases: list
    workers: int
    seconds: float
    repeats: int
    light: int
    saturation: int
    bulk: int
    servers: int
    warmup: float = 2.0
    bulk_timeout: float = 120.0
    max_write_rate: float = 1500.0  # enough fresh hour pairs for this many logs per second

    @classmethod
    def from_env(cls) -> "Config":
        scale = os.environ.get("BENCH_SCALE", "full")
        small = scale == "small"
        env = os.environ.get
        return cls(scale=scale, databases=env("BENCH_DATABASES", "sqlite,postgresql").split(","),
                   workers=int(env("BENCH_WORKERS", "4")), seconds=float(env("BENCH_SECONDS", "3" if small else "10")),
                   repeats=int(env("BENCH_REPEATS", "3")), light=int(env("BENCH_LIGHT", "4")),
                   saturation=int(env("BENCH_SATURATION", "32")), bulk=int(env("BENCH_BULK", "1000" if small else "10000")),
                   servers=int(env("BENCH_SERVERS", "1")), warmup=1.0 if small else 2.0)


def log(message: str) -> None:
    print(message, flush=True)


def machine() -> dict:
    def version(*args):
        try:
            return subprocess.run(args, capture_output=True, text=True, timeout=20).stdout.strip().splitlines()[0]
        except (OSError, IndexError, subprocess.TimeoutExpired):
            return "unknown"

    mem = next((ln for ln in Path("/proc/meminfo").read_text().splitlines() if ln.startswith("MemTotal")), "")
    from importlib.metadata import version as package

    return {
        "nproc": os.cpu_count(), "memory_gb": round(int(mem.split()[1]) / 1024 / 1024, 1) if mem else None,
        "load_before": os.getloadavg(), "python": platform.python_version(), "os": platform.platform(),
        "flask": package("flask"), "sqlalchemy": package("sqlalchemy"), "gunicorn": package("gunicorn"),
        "psycopg": package("psycopg"), "wrk": version(ensure_wrk(), "-v"),
        "sqlite": __import__("sqlite3").sqlite_version,
        "postgresql": version("psql", "--version"),
    }


def authenticate(port: int, password: str) -> dict:
    return {
        "keeper_token": token(port, "bench-keeper", password), "admin_token": token(port, "bench-admin", password),
        "lead_token": token(port, "bench-lead", password), "resident_token": token(port, "bench-r0", password),
        "resident_cookie": sign_in_cookie(port, "bench-r0", password),
        "admin_cookie": sign_in_cookie(port, "bench-admin", password),
    }


def bench_database(cfg: Config, kind: str, folder: Path) -> dict:
    log(f"== {kind}")
    built = city.prepare(kind, cfg.scale, log)
    url, actors = built["url"], built["actors"]
    log(f"  city: {built['origin']}; {built['size']}")
    taken: set[int] = set()
    serial_log = folder / f"serial-{kind}.jsonl"
    serial_log.unlink(missing_ok=True)
    app_env = environment(url, JIFEN_MEASURE_SERIAL="1", BENCH_SERIAL_LOG=str(serial_log))
    app_port, bare_port = free_port(taken), free_port(taken)
    app = Server("app:create_app()", app_port, cfg.workers, app_env, folder / f"gunicorn-{kind}.log")
    bare = Server("bench.bare_app:create_app()", bare_port, cfg.workers, environment(url), folder / f"bare-{kind}.log")
    out = {"city": {k: built[k] for k in ("origin", "size")}, "ports": [app_port, bare_port]}
    try:
        auth = authenticate(app_port, actors["password"])
        out["endpoints"] = scenarios.reads(cfg, app_port, bare_port, auth, actors, log)
        out["endpoints"].update(scenarios.writes(cfg, app_port, auth, actors, url, log))
        out["bulk_approval"] = scenarios.bulk_approval(cfg, app_port, auth, actors, url, log)
        if kind == "postgresql":
            out["one_account_64"] = scenarios.one_account(cfg, app_port, auth, actors, url)
            r = out["one_account_64"]
            log(f"  64 clients, one account: {r['per_second']:.0f}/s p99 {r['p99_ms']:.0f} ms {r['statuses']}")
        out["memory"] = app.memory_mb()
        log(f"  workers' RSS now / peak (MB): {[(round(m['rss_mb']), round(m['peak_mb'])) for m in out['memory']]}")
    finally:
        app.stop()
        bare.stop()
    out["serial_section"] = scenarios.serial_holds(serial_log)
    if kind == "postgresql" and cfg.servers >= 2:
        try:
            out["two_servers"] = two_servers(cfg, url, actors, folder, taken)
        except (RuntimeError, OSError, SystemExit) as error:  # the rest of the results still count
            out["two_servers"] = {"error": str(error)}
            log(f"  two app servers: failed: {error}")
    out["verify"] = scenarios.verify(url, timeout=3600)
    v = out["verify"]
    log(f"  verify: {'ok' if v['ok'] else 'FAILED'} {v['rows']} rows in {v['seconds']} s = {v['rows_per_second']}/s")
    return out


def two_servers(cfg: Config, url: str, actors: dict, folder: Path, taken: set[int]) -> dict:
    """Two app servers on two ports against one PostgreSQL, redeeming at once; the serial section's hold times."""
    serial_log = folder / "serial-two-servers.jsonl"
    serial_log.unlink(missing_ok=True)
    env = environment(url, JIFEN_MEASURE_SERIAL="1", BENCH_SERIAL_LOG=str(serial_log))
    servers = [Server("app:create_app()", free_port(taken), cfg.workers, env, folder / f"gunicorn-two-{n}.log")
               for n in range(2)]
    try:
        results = []
        keeper = token(servers[0].port, "bench-keeper", actors["password"])
        half = max(1, cfg.saturation // 2)
        for server in servers:  # warm both up, as every other measurement is
            run(server.port, Load(path="/healthz"), connections=4, seconds=cfg.warmup)
        runs = [Running(s.port, Load(mode="redeem", headers={"Authorization": f"Bearer {keeper}"},
                                     entries=actors["residents"],
                                     env={"WRK_STORE": str(actors["store_id"]), "WRK_ITEM": str(actors["item_id"])}),
                        connections=half, seconds=cfg.seconds) for s in servers]
        results = [r.result() for r in runs]
    finally:
        for server in servers:
            server.stop()
    out = {"per_server": results, "per_second": round(sum(r["per_second"] for r in results), 1),
           "p99_ms": max(r["p99_ms"] for r in results), "serial_section": scenarios.serial_holds(serial_log)}
    log(f"  two app servers: {out['per_second']:.0f} redemptions/s together, p99 {out['p99_ms']:.0f} ms; "
        f"serial section {out['serial_section']}")
    return out


def main() -> None:
    cfg = Config.from_env()
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    folder = city.RESULTS / stamp
    folder.mkdir(parents=True, exist_ok=True)
    result = {"started": datetime.now(UTC).isoformat(timespec="seconds"), "config": asdict(cfg), "machine": machine(),
              "databases": {}}
    started = time.monotonic()
    for kind in cfg.databases:
        result["databases"][kind] = bench_database(cfg, kind, folder)
        (city.RESULTS / f"{stamp}.json").write_text(json.dumps(result, indent=1), encoding="utf-8")
    result["minutes"] = round((time.monotonic() - started) / 60, 1)
    result["machine"]["load_after"] = os.getloadavg()
    text = json.dumps(result, indent=1)
    (city.RESULTS / f"{stamp}.json").write_text(text, encoding="utf-8")
    (city.RESULTS / "latest.json").write_text(text, encoding="utf-8")
    log(f"results: bench/results/{stamp}.json")
    from bench.report import write_report

    write_report(result, ROOT)


if __name__ == "__main__":
    main()
