"""Redemptions per second through the real API, gunicorn with 1 and 4 workers, SQLite file and PostgreSQL.

For each database: a fresh database is migrated (flask init-db) and seeded through the services
(a store with one well-stocked item, a keeper, N residents with plenty of points). For each worker
count, gunicorn serves app:create_app() on a free loopback port and C client threads post
redemptions (POST /api/v1/redemptions, a new Idempotency-Key each) for a bounded time. Then
`flask verify` must still pass: the numbers only count if the ledger is exact.

    .venv/bin/python bench/redeem_throughput.py [--seconds 10] [--concurrency 16] [--workers 1,4]
        [--databases sqlite,postgresql] [--port 5200] [--db-prefix redeem_] [--no-write]

Results are printed and written to bench/results/redeem_throughput.md (unless --no-write);
the full benchmark is bench/run.py (`make bench`, docs/benchmarks.md).
"""

import argparse
import http.client
import json
import os
import platform
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
PG_ADMIN_URL = os.environ.get("JIFEN_TEST_PG", "postgresql://postgres@127.0.0.1:5432/test")
SECRET_KEY = "bench-secret-key-at-least-32-bytes-long"
KEEPER_PASSWORD = "bench-keeper-1"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def flask(env: dict, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "flask", "--app", "app", *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=600)


def seed(database_url: str, residents: int) -> dict:
    """Admin, keeper, store, one item with deep stock, residents with 100000 points each."""
    from accounts.models import User
    from accounts.passwords import hash_password
    from accounts.services import NewUser, create_user
    from app import create_app
    from extensions import db
    from points.awards import adjust_points
    from redemption.services import NewItem, create_item, create_store

    app = create_app({"TESTING": True, "SECRET_KEY": SECRET_KEY, "SQLALCHEMY_DATABASE_URI": database_url})
    with app.app_context(), app.test_request_context():
        hashed = hash_password(KEEPER_PASSWORD)  # argon2 once for every seeded person

        def person(username: str, name: str, roles: tuple[str, ...] = ("resident",)) -> int:
            return create_user(NewUser(username, name, KEEPER_PASSWORD, roles, password_hash=hashed), None).id

        admin = person("admin", "管理员", ("admin",))
        keeper = person("keeper", "超市管理员", ("store_keeper",))
        people = [person(f"r{n}", f"居民{n}") for n in range(residents)]
        admin_user = db.session.get(User, admin)
        store = create_store("压测积分超市", None, [keeper], admin_user)
        store_id = store.id
        item = create_item(NewItem(store_id=store_id, name="挂面", price=1, stock=1_000_000),
                           db.session.get(User, admin), key="bench:item")
        item_id = item.id
        for person in people:
            adjust_points(person, 100_000, "压测初始积分", db.session.get(User, admin), key=f"bench:seed:{person}")
        db.session.remove()
        db.engine.dispose()
    return {"store_id": store_id, "item_id": item_id, "residents": people}


def start_gunicorn(env: dict, workers: int, port: int, log) -> subprocess.Popen:
    args = [sys.executable, "-m", "gunicorn", "--bind", f"127.0.0.1:{port}", "--workers", str(workers),
            "--no-control-socket", "--timeout", "60", "app:create_app()"]
    process = subprocess.Popen(args, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", "/healthz")
            if conn.getresponse().status == 200:
                return process
        except OSError:
            time.sleep(0.2)
    process.kill()
    raise SystemExit("gunicorn did not start; see its log")


def token(port: int) -> str:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    conn.request("POST", "/api/v1/tokens", json.dumps({"username": "keeper", "password": KEEPER_PASSWORD}),
                 {"Content-Type": "application/json"})
    response = conn.getresponse()
    body = json.loads(response.read())
    if response.status != 201:
        raise SystemExit(f"could not sign the keeper in: {response.status} {body}")
    return body["token"]


def fire(port: int, bearer: str, seeded: dict, seconds: float, concurrency: int) -> dict:
    """C threads post redemptions until the time is up; counts statuses and latencies."""
    statuses: Counter = Counter()
    latencies: list[float] = []
    lock = threading.Lock()
    stop_at = time.monotonic() + seconds
    residents = seeded["residents"]

    def client(index: int) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        n, local, mine = index, Counter(), []
        while time.monotonic() < stop_at:
            body = json.dumps({"store_id": seeded["store_id"], "resident_id": residents[n % len(residents)],
                               "lines": [{"item_id": seeded["item_id"], "quantity": 1}]})
            headers = {"Content-Type": "application/json", "Authorization": f"Bearer {bearer}",
                       "Idempotency-Key": uuid.uuid4().hex}
            started = time.perf_counter()
            try:
                conn.request("POST", "/api/v1/redemptions", body, headers)
                response = conn.getresponse()
                response.read()
                local[response.status] += 1
            except (OSError, http.client.HTTPException):
                local["connection error"] += 1
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
            mine.append(time.perf_counter() - started)
            n += concurrency
        with lock:
            statuses.update(local)
            latencies.extend(mine)

    threads = [threading.Thread(target=client, args=(i,)) for i in range(concurrency)]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.monotonic() - started
    latencies.sort()
    ok = statuses.get(201, 0)
    return {
        "ok": ok, "per_second": ok / elapsed, "elapsed": elapsed, "statuses": dict(statuses),
        "p50_ms": 1000 * latencies[len(latencies) // 2] if latencies else 0,
        "p99_ms": 1000 * latencies[int(len(latencies) * 0.99)] if latencies else 0,
    }


def database(kind: str, folder: Path, prefix: str = "jifen_bench_") -> tuple[str, callable]:
    if kind == "sqlite":
        return f"sqlite:///{folder / 'bench.sqlite3'}", lambda: None
    import psycopg

    name = f"{prefix}{uuid.uuid4().hex[:10]}"
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {name}")
    base = PG_ADMIN_URL.rsplit("/", 1)[0].replace("postgresql://", "postgresql+psycopg://", 1)

    def drop() -> None:
        with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")

    return f"{base}/{name}", drop


def run(args) -> list[dict]:
    results = []
    for kind in args.databases.split(","):
        for workers in [int(w) for w in args.workers.split(",")]:
            with tempfile.TemporaryDirectory(prefix="jifen-bench-") as tmp:
                folder = Path(tmp)
                url, drop = database(kind, folder, args.db_prefix)
                try:
                    env = {**os.environ, "DATABASE_URL": url, "SECRET_KEY": SECRET_KEY,
                           "RATELIMIT_STORAGE_URI": "memory://"}
                    migrated = flask(env, "init-db")
                    if migrated.returncode:
                        raise SystemExit(f"init-db failed:\n{migrated.stderr}")
                    seeded = seed(url, args.residents)
                    port = args.port or free_port()
                    with open(folder / "gunicorn.log", "wb") as log:
                        server = start_gunicorn(env, workers, port, log)
                        try:
                            result = fire(port, token(port), seeded, args.seconds, args.concurrency)
                        finally:
                            server.terminate()
                            server.wait(timeout=30)
                    check = flask(env, "verify")
                    result.update(database=kind, workers=workers, verified=check.returncode == 0,
                                  verify_output=(check.stdout + check.stderr).strip().splitlines()[-1:])
                finally:
                    drop()
            print(f"{kind:<10} workers={workers}  {result['per_second']:7.1f} redemptions/s  "
                  f"p50 {result['p50_ms']:.0f} ms  p99 {result['p99_ms']:.0f} ms  statuses {result['statuses']}  "
                  f"verify {'ok' if result['verified'] else 'FAILED: ' + ' '.join(result['verify_output'])}",
                  flush=True)
            results.append(result)
    return results


def write_markdown(results: list[dict], args) -> None:
    load = os.getloadavg()
    lines = [
        "# Benchmarks",
        "",
        "## Redemption throughput (`make bench`, bench/redeem_throughput.py)",
        "",
        f"Measured {datetime.now(UTC):%Y-%m-%d %H:%M} UTC on {os.cpu_count()} CPU(s), {platform.python_implementation()} "
        f"{platform.python_version()}, load average before the run {load[0]:.1f}. "
        f"{args.concurrency} client threads on the same machine (loopback) post one-line redemptions "
        f"(`POST /api/v1/redemptions`, a new Idempotency-Key each) for {args.seconds:.0f} s, "
        f"spread over {args.residents} residents; gunicorn sync workers. Afterwards `flask verify` must pass.",
        "",
        "| database | gunicorn workers | redemptions/s | p50 ms | p99 ms | answers | verify |",
        "|---|---|---|---|---|---|---|",
    ]
    for r in results:
        answers = ", ".join(f"{k}: {v}" for k, v in sorted(r["statuses"].items(), key=str))
        lines.append(f"| {r['database']} | {r['workers']} | {r['per_second']:.1f} | {r['p50_ms']:.0f} | "
                     f"{r['p99_ms']:.0f} | {answers} | {'ok' if r['verified'] else 'FAILED'} |")
    lines += [
        "",
        "Every redemption is one write transaction (stock, points, lines, audit event) that takes the audit",
        "chain's head lock, so redemptions are serialised by design; more workers help with the HTTP and",
        "JSON work around it. SQLite commits with synchronous=FULL (an fsync per redemption);",
        "PostgreSQL with synchronous_commit on. The client threads share the machine's CPUs with the server,",
        "so on a 2-CPU machine these numbers are a floor, not a ceiling.",
        "",
    ]
    out = ROOT / "bench" / "results" / "redeem_throughput.md"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text("\n".join(lines), encoding="utf-8")
    print(f"Wrote {out.relative_to(ROOT)}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--residents", type=int, default=200)
    parser.add_argument("--workers", default="1,4")
    parser.add_argument("--databases", default="sqlite,postgresql")
    parser.add_argument("--port", type=int, default=0, help="serve on this loopback port (default: any free one)")
    parser.add_argument("--db-prefix", default="jifen_bench_", help="name prefix of the PostgreSQL databases made")
    parser.add_argument("--no-write", action="store_true", help="print only; write no results file")
    args = parser.parse_args()
    results = run(args)
    if not args.no_write:
        write_markdown(results, args)
    if not all(r["verified"] for r in results):
        raise SystemExit("verify failed after a run: the numbers above do not count")


if __name__ == "__main__":
    main()
