"""What the benchmark measures on one database: pages and API calls, writes, bulk approval, verify."""

import json
import re
import subprocess
import sys
import time
import urllib.parse

from bench import fixture
from bench.servers import ROOT, environment, get, post
from bench.wrk import Load, Running, measure, median_of, run

# name, who, path: GET pages and calls measured at light load and at saturation
READS = [
    ("resident home", "resident_cookie", "/"),
    ("entries", "resident_cookie", "/history"),
    ("card lookup", "keeper_token", None),
    ("catalogue", "resident_cookie", "/store/catalogue"),
    ("admin dashboard", "admin_cookie", "/reports/"),
    ("approvals queue", "admin_cookie", "/approvals"),
    ("audit viewer", "admin_cookie", "/audit/?actor=bench-admin"),
    ("honour roll", "admin_cookie", "/reports/honour"),
]


def headers_for(who: str, auth: dict) -> dict:
    if who.endswith("_cookie"):
        return {"Cookie": auth[who], "Accept-Language": "zh-CN"}
    return {"Authorization": f"Bearer {auth[who]}"}


def _checked(port: int, path: str, headers: dict) -> str | None:
    """Why the endpoint cannot be measured (not a 200 once, alone), or None."""
    try:
        status, _body, _h = get(port, path, headers, timeout=60)
    except OSError as error:
        return f"no answer: {error}"
    return None if status == 200 else f"answered {status}"


def _report(log, name: str, level: str, result: dict) -> None:
    log(f"  {name:<22} {level:<10} {result['per_second']:8.1f}/s  p50 {result['p50_ms']:7.1f} ms  "
        f"p95 {result['p95_ms']:7.1f}  p99 {result['p99_ms']:7.1f}  {result['statuses']}")


def floor(cfg, port: int, bare_port: int, auth: dict, log) -> dict:
    """Jifen and the bare Flask app, runs interleaved (A B A B A B) so a busy moment hits both alike."""
    out = {}
    me = headers_for("resident_token", auth)
    pairs = [("healthz", "healthz (bare Flask)", Load(path="/healthz")),
             ("me (bearer)", "me (bare Flask)", Load(path="/api/v1/me", headers=me))]
    for mine, bare, load in pairs:
        out[mine], out[bare] = {}, {}
        for level, connections in (("light", cfg.light), ("saturation", cfg.saturation)):
            runs: dict = {mine: [], bare: []}
            for target in (port, bare_port):
                run(target, load, connections=connections, seconds=cfg.warmup)
            for _ in range(cfg.repeats):
                runs[mine].append(run(port, load, connections=connections, seconds=cfg.seconds))
                runs[bare].append(run(bare_port, load, connections=connections, seconds=cfg.seconds))
            for name in (mine, bare):
                out[name][level] = median_of(runs[name])
                _report(log, name, level, out[name][level])
    return out


def reads(cfg, port: int, bare_port: int, auth: dict, actors: dict, log) -> dict:
    out = floor(cfg, port, bare_port, auth, log)
    pages = []
    for name, who, path in READS:
        headers = headers_for(who, auth)
        if path is None:  # card lookups rotate over the city's cards
            load = Load(path="/api/v1/residents/by-card/" + actors["cards"][0], headers=headers,
                        entries=[f"/api/v1/residents/by-card/{c}" for c in actors["cards"]])
        else:
            load = Load(path=path, headers=headers)
        pages.append((name, port, load))
    for name, target, load in pages:
        problem = _checked(target, load.path, load.headers)
        if problem:
            log(f"  {name}: skipped, {problem}")
            out[name] = {"error": problem}
            continue
        out[name] = {}
        for level, connections in (("light", cfg.light), ("saturation", cfg.saturation)):
            result = measure(target, load, connections=connections, seconds=cfg.seconds, repeats=cfg.repeats,
                             warmup=cfg.warmup)
            out[name][level] = result
            _report(log, name, level, result)
    return out


def _split(entries: list, parts: int) -> list[list]:
    size = -(-len(entries) // parts) if entries else 0
    return [entries[i * size:(i + 1) * size] for i in range(parts)]


def _write_runs(cfg, port: int, make_load, slices: list[list] | None, count_table: str, url: str) -> dict:
    """Light and saturation, each the median of cfg.repeats runs; 2xx set against rows the database gained."""
    out, index = {}, 0
    for level, connections in (("light", cfg.light), ("saturation", cfg.saturation)):
        before = fixture.count_rows(url, count_table)
        runs = []
        for _ in range(cfg.repeats):
            load = make_load(slices[index] if slices is not None else None)
            index += 1
            runs.append(run(port, load, connections=connections, seconds=cfg.seconds))
        result = median_of(runs)
        result["new_rows"] = fixture.count_rows(url, count_table) - before
        out[level] = result
    return out


def writes(cfg, port: int, auth: dict, actors: dict, url: str, log) -> dict:
    out = {}
    keeper = headers_for("keeper_token", auth)
    store_env = {"WRK_STORE": str(actors["store_id"]), "WRK_ITEM": str(actors["item_id"])}
    out["redemption POST"] = _write_runs(
        cfg, port, lambda _s: Load(mode="redeem", headers=keeper, entries=actors["residents"], env=store_env),
        None, "transfers", url)
    # logging hours: every (activity, volunteer) pair once; enough fresh activities for the fastest rate we expect
    per_run = int(cfg.max_write_rate * cfg.seconds)
    activities = fixture.fresh_activities(url, actors, -(-per_run * 2 * cfg.repeats // len(actors["residents"])))
    pairs = [f"{a} {r}" for a in activities for r in actors["residents"]]
    lead = headers_for("lead_token", auth)
    out["log hours"] = _write_runs(cfg, port, lambda s: Load(mode="log", headers=lead, entries=s),
                                   _split(pairs, 2 * cfg.repeats), "hour_records", url)
    pending = fixture.pending_ids_of(url, activities)
    admin = headers_for("admin_token", auth)
    out["approve hours"] = _write_runs(cfg, port, lambda s: Load(mode="approve", headers=admin, entries=s),
                                       _split(pending, 2 * cfg.repeats), "transfers", url)
    for name in ("redemption POST", "log hours", "approve hours"):
        for level, r in out[name].items():
            log(f"  {name:<22} {level:<10} {r['per_second']:8.1f}/s  p50 {r['p50_ms']:7.1f} ms  "
                f"p95 {r['p95_ms']:7.1f}  p99 {r['p99_ms']:7.1f}  2xx {r['ok']} / new rows {r['new_rows']}  "
                f"{r['statuses']}")
    return out


def bulk_approval(cfg, port: int, auth: dict, actors: dict, url: str, log) -> dict:
    """Approve cfg.bulk records in one form POST while a counter keeps redeeming (4 connections)."""
    ids = fixture.pending_records(url, actors, cfg.bulk)
    status, html, headers = get(port, "/approvals", {"Cookie": auth["admin_cookie"], "Accept-Language": "en"})
    cookie = re.search(r"(session=[^;]+)", headers.get("Set-Cookie", "")) if headers.get("Set-Cookie") else None
    cookie = cookie.group(1) if cookie else auth["admin_cookie"]
    from bench.servers import csrf_token

    form = urllib.parse.urlencode([("csrf_token", csrf_token(html))] + [("ids", str(i)) for i in ids]).encode()
    counter = Running(port, Load(mode="redeem", headers=headers_for("keeper_token", auth), entries=actors["residents"],
                                 env={"WRK_STORE": str(actors["store_id"]), "WRK_ITEM": str(actors["item_id"])}),
                      connections=cfg.light, seconds=cfg.bulk_timeout + 5)
    time.sleep(1.0)  # the counter is running before the bulk approval starts
    started = time.monotonic()
    try:
        status, _body, _h = post(port, "/approvals/approve", form, {
            "Content-Type": "application/x-www-form-urlencoded", "Cookie": cookie}, timeout=cfg.bulk_timeout)
        answer = str(status)
    except OSError as error:
        answer = f"no answer: {error}"
    elapsed = time.monotonic() - started
    counter_result = counter.result(stop=True)
    approved = _approved_among(url, ids)
    log(f"  bulk approval of {len(ids)}: {answer} in {elapsed:.1f} s, {approved} approved; counter meanwhile "
        f"{counter_result['per_second']:.0f}/s p99 {counter_result['p99_ms']:.0f} ms {counter_result['statuses']}")
    return {"records": len(ids), "answer": answer, "seconds": round(elapsed, 2), "approved": approved,
            "counter": counter_result}


def _approved_among(url: str, ids: list[int]) -> int:
    import sqlalchemy as sa

    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            approved = 0
            for start in range(0, len(ids), 1000):
                chunk = ",".join(str(int(i)) for i in ids[start:start + 1000])
                approved += conn.execute(sa.text(
                    f"SELECT count(*) FROM hour_records WHERE status = 'approved' AND id IN ({chunk})")).scalar_one()
            return approved
    finally:
        engine.dispose()


def one_account(cfg, port: int, auth: dict, actors: dict, url: str) -> dict:
    """64 clients redeeming against ONE resident's account."""
    load = Load(mode="redeem", headers=headers_for("keeper_token", auth), entries=[actors["residents"][-1]],
                env={"WRK_STORE": str(actors["store_id"]), "WRK_ITEM": str(actors["item_id"])})
    before = fixture.count_rows(url, "transfers")
    result = measure(port, load, connections=64, seconds=cfg.seconds, repeats=cfg.repeats, warmup=0)
    result["new_rows"] = fixture.count_rows(url, "transfers") - before
    return result


def verify(url: str, timeout: float) -> dict:
    """`flask verify`: its verdict, seconds and rows checked per second (the counts it reports).

    The seconds exclude starting Python and the app, timed with `flask routes` just before, so a
    small city is not dominated by start-up.
    """
    def timed(*args):
        started = time.monotonic()
        done = subprocess.run([sys.executable, "-m", "flask", "--app", "app", *args], cwd=ROOT,
                              env=environment(url), capture_output=True, text=True, timeout=timeout)
        return done, time.monotonic() - started

    _routes, start_up = timed("routes")
    done, total = timed("verify")
    # start-up is timed separately and is noisy on a busy machine: subtract it only when it is clearly smaller
    elapsed = total - start_up if total - start_up > total / 4 else total
    ok_lines = [ln for ln in done.stdout.splitlines() if ln.startswith("OK ")]
    rows = sum(int(n) for ln in ok_lines for n in re.findall(r"(\d+) [a-z]", ln.split(":", 1)[-1]))
    return {"ok": done.returncode == 0, "seconds": round(elapsed, 2), "start_up_seconds": round(start_up, 2), "rows": rows,
            "rows_per_second": round(rows / elapsed) if elapsed else 0,
            "output": (done.stdout + done.stderr).strip().splitlines()[-6:]}


def serial_holds(path) -> dict:
    """Hold times of the serialised write section the workers wrote at exit (JIFEN_MEASURE_SERIAL=1)."""
    import statistics

    times: list[float] = []
    if path.exists():
        for line in path.read_text(encoding="utf-8").splitlines():
            times.extend(json.loads(line).get("hold_ms", []))
    if not times:
        return {"samples": 0}
    times.sort()
    return {"samples": len(times), "median_ms": round(statistics.median(times), 3),
            "p99_ms": round(times[int(len(times) * 0.99)], 3), "max_ms": round(times[-1], 3)}
