"""Page times of the hot read pages on a medium city, in-process (Flask test client, one worker).

    cd <a checkout> && /work/wt/reads/.venv/bin/python /work/wt/reads/bench/reads_city.py \
        --database sqlite:////tmp/reads_city.sqlite3 [--residents 20000 --hours 100000 ...]

Fills an EMPTY database (migrated here with the checkout's own migrations) by bulk inserts:
communities, grids, teams, activities over the last year, hour records (90% approved, each
credited by a transfer), redemptions, audit events; then, where the checkout has it,
points.stats.rebuild(). The ledger rows carry placeholder checksums and the audit rows a
placeholder chain: `verify` is not the point here, page times are. Then each page is asked
for `--requests` times after a warm-up and p50/p95 printed. It runs the checkout in the
current directory, so the same script measures the code before and after a change.
"""

import argparse
import os
import random
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta

sys.path.insert(0, os.getcwd())
os.environ.setdefault("JIFEN_FAST_PASSWORD_HASHES", "1")

import sqlalchemy as sa  # noqa: E402

CHUNK = 5000


def insert(conn, table: str, rows: list[dict]) -> None:
    meta = sa.MetaData()
    target = sa.Table(table, meta, autoload_with=conn)
    for start in range(0, len(rows), CHUNK):
        conn.execute(target.insert(), rows[start:start + CHUNK])


def fill(app, args) -> dict:
    """Bulk rows; returns the people to sign in as and a card code."""
    from accounts.cards import new_card_code
    from accounts.services import NewUser, create_user
    from extensions import db

    rng = random.Random(args.seed)
    with app.app_context():
        admin = create_user(NewUser(username="bench-admin", name="管理员", password="bench-pass-1",
                                    roles=("admin",)), None)
        lead = create_user(NewUser(username="bench-lead", name="队长", password="bench-pass-1",
                                   roles=("team_lead",)), None)
        keeper = create_user(NewUser(username="bench-keeper", name="店员", password="bench-pass-1",
                                     roles=("store_keeper",)), None)
        resident = create_user(NewUser(username="bench-resident", name="张伟", password="bench-pass-1",
                                       roles=("resident",)), None)
        people = {"admin": admin.id, "lead": lead.id, "keeper": keeper.id, "resident": resident.id,
                  "card": resident.card_code}
        now = datetime.now(UTC)
        today = now.date()
        started = time.perf_counter()
        with db.engine.begin() as conn:
            first_user = conn.execute(sa.text("SELECT max(id) FROM users")).scalar() + 1
            insert(conn, "communities", [{"id": 1000 + c, "name": f"社区{c}", "created_at": now} for c in range(20)])
            insert(conn, "grids", [{"id": 1000 + g, "community_id": 1000 + g // 5, "name": f"网格{g}"}
                                   for g in range(100)])
            users = []
            for n in range(args.residents):
                grid = rng.randrange(100)
                users.append({"id": first_user + n, "username": f"r{n}", "name": f"居民{n}", "password_hash": "x",
                              "community_id": 1000 + grid // 5, "grid_id": 1000 + grid, "active": n % 97 != 0,
                              "card_code": new_card_code(), "honour_roll_opt_out": n % 31 == 0,
                              "name_initials": "jm", "created_at": now})
            insert(conn, "users", users)
            insert(conn, "user_roles", [{"user_id": u["id"], "role": "resident"} for u in users])
            volunteers = [u["id"] for u in users] + [resident.id]
            rule = conn.execute(sa.text("SELECT max(id) FROM points_rules")).scalar()
            level = conn.execute(sa.text("SELECT id FROM difficulty_levels WHERE code = 'normal'")).scalar()
            insert(conn, "teams", [{"id": 1000 + t, "name": f"服务队{t}", "community_id": 1000 + t % 20,
                                    "created_at": now} for t in range(200)])
            insert(conn, "team_members", [{"team_id": 1000 + t, "user_id": lead.id, "is_lead": True,
                                           "joined_at": now} for t in range(200)])
            activities = [{"id": 1000 + a, "team_id": 1000 + a % 200, "title": f"活动{a}",
                           "date": today - timedelta(days=rng.randrange(365)), "place": "", "created_at": now,
                           "category": ["敬老爱老", "环境卫生", "文明创建", "扶贫助困"][a % 4], "difficulty_id": level}
                          for a in range(args.activities)]
            insert(conn, "activities", activities)
            accounts = {v: 100000 + i for i, v in enumerate(volunteers)}
            earned = dict.fromkeys(volunteers, 0)
            records, transfers, seen = [], [], set()
            transfer_id = 1000
            while len(records) < args.hours:
                activity = activities[rng.randrange(len(activities))]
                volunteer = volunteers[rng.randrange(len(volunteers))] if len(records) % 50 else resident.id
                if (activity["id"], volunteer) in seen:
                    continue
                seen.add((activity["id"], volunteer))
                minutes = rng.choice((30, 60, 90, 120, 180, 240))
                status = "approved" if rng.random() < 0.9 else rng.choice(("pending", "pending", "rejected"))
                decided = datetime.combine(activity["date"], datetime.min.time(), UTC) + timedelta(days=1)
                record_id = 1000 + len(records)
                row = {"id": record_id, "activity_id": activity["id"], "volunteer_id": volunteer,
                       "minutes": minutes, "service_date": activity["date"], "points": minutes // 6,
                       "points_per_hour": 10, "multiplier": 1, "rule_version": rule, "status": status,
                       "note": "", "logged_by_id": lead.id, "logged_at": decided, "reason": None,
                       "decided_by_id": admin.id if status != "pending" else None,
                       "decided_at": min(decided, now) if status != "pending" else None, "transfer_id": None}
                if status == "approved":
                    transfer_id += 1
                    row["transfer_id"] = transfer_id
                    earned[volunteer] += row["points"]
                    transfers.append(_transfer(transfer_id, 1, accounts[volunteer], row["points"], "hours_award",
                                               row["decided_at"], "hour_records", record_id))
                records.append(row)
            store_accounts = [900 + s for s in range(10)]
            insert(conn, "accounts", [{"id": a, "kind": "store", "user_id": None, "name": f"超市{a}",
                                       "no_overdraft": True, "debits_posted": 0, "credits_posted": 0,
                                       "created_at": now} for a in store_accounts])
            insert(conn, "stores", [{"id": 1000 + s, "name": f"积分超市{s}", "community_id": 1000 + s,
                                     "account_id": store_accounts[s], "active": True, "created_at": now}
                                    for s in range(10)])
            insert(conn, "items", [{"id": 1000 + i, "store_id": 1000 + i // 80, "name": f"商品{i}", "category": "日用",
                                    "price": 10 + i % 40, "stock": i % 30, "active": True, "created_at": now}
                                   for i in range(800)])
            spent = dict.fromkeys(volunteers, 0)
            for _ in range(args.redemptions):
                volunteer = volunteers[rng.randrange(len(volunteers))]
                amount = min(20, earned[volunteer] - spent[volunteer])
                if amount <= 0:
                    continue
                spent[volunteer] += amount
                transfer_id += 1
                transfers.append(_transfer(transfer_id, accounts[volunteer], store_accounts[rng.randrange(10)],
                                           amount, "redemption", now - timedelta(days=rng.randrange(300)),
                                           "redemptions", transfer_id))
            insert(conn, "accounts", [{"id": accounts[v], "kind": "resident", "user_id": v, "name": "",
                                       "no_overdraft": True, "debits_posted": spent[v], "credits_posted": earned[v],
                                       "created_at": now} for v in volunteers])
            issued = sum(earned.values())
            conn.execute(sa.text("UPDATE accounts SET debits_posted = debits_posted + :n WHERE id = 1"), {"n": issued})
            for account in store_accounts:
                taken = sum(t["amount"] for t in transfers if t["credit_account_id"] == account)
                conn.execute(sa.text("UPDATE accounts SET credits_posted = :n WHERE id = :a"), {"n": taken, "a": account})
            insert(conn, "transfers", transfers)
            insert(conn, "hour_records", records)
            head = conn.execute(sa.text("SELECT last_id FROM audit_head WHERE id = 1")).scalar()
            actions = ["auth.signed_in", "hours.logged", "hours.approved", "redemption.created", "user.created"]
            events = [{"id": head + 1 + e, "at": now - timedelta(seconds=args.events - e),
                       "actor_id": (lead.id if e % 3 else admin.id) if e % 5 else volunteers[e % len(volunteers)],
                       "address": "127.0.0.1", "action": actions[e % 5], "subject_type": "hour_records",
                       "subject_id": e, "before": None, "after": "{}", "prev_hash": f"{e:064d}",
                       "hash": f"{e + 1:064d}"} for e in range(args.events)]
            insert(conn, "audit_events", events)
            conn.execute(sa.text("UPDATE audit_head SET last_id = :i, last_hash = :h WHERE id = 1"),
                         {"i": head + args.events, "h": events[-1]["hash"]})
        print(f"filled in {time.perf_counter() - started:.1f} s: {args.residents} residents, {len(records)} hour "
              f"records, {len(transfers)} transfers, {args.events} audit events")
        try:
            from points import stats
        except ImportError:
            stats = None
        if stats is not None:
            started = time.perf_counter()
            stats.rebuild()
            print(f"stats.rebuild() in {time.perf_counter() - started:.1f} s")
        if db.engine.dialect.name == "postgresql":
            with db.engine.connect() as conn:
                conn.execute(sa.text("COMMIT"))
                conn.execute(sa.text("ANALYZE"))
        else:
            with db.engine.connect() as conn:
                conn.execute(sa.text("ANALYZE"))
                conn.commit()
    return people


def _transfer(tid, debit, credit, amount, kind, at, source_type, source_id) -> dict:
    return {"id": tid, "idempotency_key": f"bench:{tid}", "request_hash": "h", "debit_account_id": debit,
            "credit_account_id": credit, "amount": amount, "kind": kind, "reverses_id": None,
            "source_type": source_type, "source_id": source_id, "memo": "", "actor_id": None,
            "debit_balance_after": 0, "credit_balance_after": 0, "created_at": at, "checksum": "c"}


def timed(client, url: str, n: int, headers=None) -> tuple[float, float]:
    for _ in range(3):
        assert client.get(url, headers=headers or {}).status_code == 200, url
    times = []
    for _ in range(n):
        started = time.perf_counter()
        response = client.get(url, headers=headers or {})
        response.get_data()
        times.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, (url, response.status_code)
    times.sort()
    return statistics.median(times), times[max(0, int(len(times) * 0.95) - 1)]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--database", required=True)
    parser.add_argument("--residents", type=int, default=20000)
    parser.add_argument("--activities", type=int, default=5000)
    parser.add_argument("--hours", type=int, default=100000)
    parser.add_argument("--redemptions", type=int, default=20000)
    parser.add_argument("--events", type=int, default=300000)
    parser.add_argument("--requests", type=int, default=30)
    parser.add_argument("--seed", type=int, default=6)
    parser.add_argument("--measure-only", action="store_true", help="an already filled database: only time pages")
    args = parser.parse_args()

    from flask_migrate import upgrade

    from app import create_app

    app = create_app({"SECRET_KEY": "bench", "SQLALCHEMY_DATABASE_URI": args.database, "WTF_CSRF_ENABLED": False,
                      "RATELIMIT_ENABLED": False})
    if args.measure_only:
        with app.app_context():
            from extensions import db
            ids = dict(db.session.execute(sa.text(
                "SELECT username, id FROM users WHERE username IN ('bench-keeper', 'bench-resident')")).all())
            card = db.session.execute(sa.text("SELECT card_code FROM users WHERE id = :i"),
                                      {"i": ids["bench-resident"]}).scalar()
            people = {"keeper": ids["bench-keeper"], "card": card}
    else:
        with app.app_context():
            upgrade()
        people = fill(app, args)

    def client_for(username):
        client = app.test_client()
        client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
        response = client.post("/sign-in", data={"username": username, "password": "bench-pass-1"})
        assert response.status_code in (302, 303), response.status_code
        return client

    admin, resident, keeper = client_for("bench-admin"), client_for("bench-resident"), client_for("bench-keeper")
    pages = [("admin dashboard", admin, "/reports/"), ("approvals queue", admin, "/approvals"),
             ("approvals, page 50", admin, "/approvals?page=50"),
             ("approvals, by team", admin, "/approvals?team_id=1000&decided_page=2"), ("honour roll", app.test_client(), "/reports/honour"),
             ("audit by actor", admin, "/audit/?actor=bench-lead"), ("audit by action", admin, "/audit/?action=hours."),
             ("catalogue", resident, "/store/catalogue"), ("resident home", resident, "/"),
             ("history", resident, "/history"),
             ("card lookup (counter)", keeper, None)]
    print(f"{'page':28} {'p50 ms':>8} {'p95 ms':>8}")
    for name, client, url in pages:
        if url is None:
            from tests.factories import bearer  # noqa: PLC0415 - a token straight from the service
            headers = bearer(app, type("U", (), {"id": people["keeper"]}))
            p50, p95 = timed(client, f"/api/v1/residents/by-card/{people['card']}", args.requests, headers)
        else:
            p50, p95 = timed(client, url, args.requests)
        print(f"{name:28} {p50:8.1f} {p95:8.1f}")


if __name__ == "__main__":
    main()
