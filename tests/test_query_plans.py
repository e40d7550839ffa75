"""Every query the hot pages run uses an index: none scans hour_records, transfers, audit_events,
users or accounts whole.

The statements are not copied here: each page is requested for real and every SELECT it
sends is captured from the engine, then explained — `EXPLAIN QUERY PLAN` on SQLite, `EXPLAIN`
on PostgreSQL with sequential scans, hash and merge joins off (with a few test rows the planner
would rightly prefer whole scans; switched off, it still scans when no index can serve the query,
and an index walked whole, with no Index Cond, counts as a scan too).
So the test follows the code: a page that gains a scanning query fails here.
"""

import re
from datetime import timedelta

import pytest
import sqlalchemy as sa

from core.timeutil import shanghai_today
from extensions import db
from tests.conftest import db_kind
from tests.factories import bearer, sign_in
from tests.factories_points import approve, crew, log, make_activity
from tests.factories_reports import stub_missing_endpoints
from tests.factories_store import counter_setup

BIG_TABLES = ("hour_records", "transfers", "audit_events", "users", "accounts")
SQLITE_SCAN = re.compile(rf"^SCAN ({'|'.join(BIG_TABLES)})\b")  # SEARCH … USING INDEX is fine
# A Bitmap Heap Scan is always fed by a Bitmap Index Scan with a condition: not a whole-table read.
PG_NODE = re.compile(rf"(Seq Scan|Index Scan|Index Only Scan)(?: Backward)?(?: using \S+)? on "
                     rf"({'|'.join(BIG_TABLES)})\b")


def pg_scans(lines: list[str]) -> list[str]:
    """Big tables read whole: a Seq Scan, or an index scan with no condition (a full index walk)."""
    found = []
    for n, line in enumerate(lines):
        match = PG_NODE.search(line)
        if not match:
            continue
        depth = len(line) - len(line.lstrip(" ->"))  # indentation of the node, arrow included
        details = []
        for following in lines[n + 1:]:
            if "->" in following or len(following) - len(following.lstrip()) <= depth:
                break
            details.append(following)
        bounded = any("Index Cond" in d for d in details)
        if match.group(1) == "Seq Scan" or not bounded:
            found.append(match.group(2))
    return found


class Captured:
    """The SELECT statements (with their parameters) an engine runs while capturing."""

    def __init__(self, engine):
        self.engine, self.statements = engine, []

    def __enter__(self):
        sa.event.listen(self.engine, "before_cursor_execute", self._seen)
        return self

    def __exit__(self, *_):
        sa.event.remove(self.engine, "before_cursor_execute", self._seen)

    def _seen(self, _conn, _cursor, statement, parameters, _context, _executemany):
        if statement.lstrip().upper().startswith(("SELECT", "WITH")):
            self.statements.append((statement, parameters))


CROWD = [  # thousands of rows in the big tables, so both planners see realistic row counts
    "INSERT INTO users (id, username, name, password_hash, active, honour_roll_opt_out, name_initials, created_at)"
    " SELECT 100000 + i, 'crowd' || i, '居民' || i, 'x', NOT (i % 50 = 0), FALSE, 'jm', CURRENT_TIMESTAMP FROM n",
    "INSERT INTO accounts (id, kind, user_id, name, no_overdraft, debits_posted, credits_posted, created_at)"
    " SELECT 100000 + i, 'resident', 100000 + i, '', TRUE, 0, 0, CURRENT_TIMESTAMP FROM n",
    "INSERT INTO transfers (id, idempotency_key, request_hash, debit_account_id, credit_account_id, amount, kind,"
    " memo, debit_balance_after, credit_balance_after, created_at, checksum)"
    " SELECT 100000 + i + 3000 * k, 'crowd:' || i || ':' || k, 'h', CASE k WHEN 2 THEN 100000 + i ELSE 1 END,"
    " CASE k WHEN 2 THEN 1 ELSE 100000 + i END, 10, CASE k WHEN 2 THEN 'redemption' ELSE 'hours_award' END,"
    " '', 0, 0, CURRENT_TIMESTAMP, 'c' FROM n, (SELECT 0 AS k UNION ALL SELECT 1 UNION ALL SELECT 2) AS ks",
    "INSERT INTO hour_records (id, activity_id, volunteer_id, minutes, service_date, points, points_per_hour,"
    " multiplier, rule_version, status, note, logged_by_id, logged_at, decided_at)"
    " SELECT 100000 + i, (SELECT min(id) FROM activities), 100000 + i, 60, CURRENT_DATE, 10, 10, 1,"
    " (SELECT max(id) FROM points_rules), CASE WHEN i % 10 = 0 THEN 'pending' ELSE 'approved' END, '',"
    " (SELECT min(id) FROM users), CURRENT_TIMESTAMP, CURRENT_TIMESTAMP FROM n",
    "INSERT INTO audit_events (id, at, actor_id, action, prev_hash, hash)"
    " SELECT 100000 + i + 3000 * k, CURRENT_TIMESTAMP, 100000 + i,"
    " CASE WHEN i % 100 = 0 THEN 'hours.approved' WHEN k = 2 THEN 'redemption.created' ELSE 'auth.signed_in' END,"
    " 'p', 'crowd:' || i || ':' || k FROM n, (SELECT 0 AS k UNION ALL SELECT 1 UNION ALL SELECT 2) AS ks",
]


def crowd(conn, postgres: bool) -> None:
    """Add the crowd inside the caller's transaction (rolled back after explaining)."""
    numbers = "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 3000) "
    for statement in CROWD:
        conn.exec_driver_sql(numbers + (statement.replace("%", "%%") if postgres else statement))
    conn.exec_driver_sql("ANALYZE")


def full_scans(app, statements) -> list[str]:
    """Each (table scanned whole, statement) found by explaining the statements."""
    found = []
    with app.app_context():
        with db.engine.connect() as conn:
            postgres = db_kind(app) == "postgresql"
            crowd(conn, postgres)
            if postgres:  # plan as for big tables: no whole-table scans, nested loops into indexes
                for setting in ("enable_seqscan", "enable_hashjoin", "enable_mergejoin"):
                    conn.exec_driver_sql(f"SET {setting} = off")
            for statement, parameters in statements:
                prefix = "EXPLAIN " if postgres else "EXPLAIN QUERY PLAN "
                rows = conn.exec_driver_sql(prefix + statement, parameters).all()
                if postgres:
                    tables = pg_scans([row[0] for row in rows])
                else:
                    tables = [m.group(1) for row in rows if (m := SQLITE_SCAN.search(row[-1].strip()))]
                plan = "\n    ".join(str(row[0] if postgres else row[-1]) for row in rows)
                found += [f"{table}: {' '.join(statement.split())[:400]}\n    {plan}" for table in tables]
            conn.rollback()
    return found


@pytest.fixture
def city(app):
    """A little of everything the hot pages read: approved, pending and reversed hours, a store."""
    stub_missing_endpoints(app)
    c = crew(app)
    older = make_activity(app, c.team_id, c.lead, day=shanghai_today() - timedelta(days=40))
    for activity_id in (c.activity_id, older):
        approve(app, log(app, activity_id, c.a, 60, c.lead), c.admin)
    log(app, older, c.b, 30, c.lead)  # stays pending
    setup = counter_setup(app, points=50)
    with app.app_context():
        from accounts.models import User
        code = db.session.get(User, setup.resident.id).card_code
    return {"crew": c, "store": setup, "card": code}


def pages_scan(app, client, urls) -> list[str]:
    with app.app_context():
        engine = db.engine
    with Captured(engine) as captured:
        for url, headers in urls:
            response = client.get(url, headers=headers or {})
            response.get_data()  # streamed CSV runs its queries while being read
            assert response.status_code == 200, (url, response.status_code)
    assert captured.statements, "nothing was captured"
    return full_scans(app, captured.statements)


def test_admin_pages_dashboard_approvals_audit_and_honour_roll_use_indexes(app, client, city):
    admin = city["crew"].admin
    sign_in(client, admin)
    urls = [("/reports/", None), ("/reports/?period=all", None), ("/reports/?period=month", None),
            ("/reports/export/honour-roll.csv", None), ("/reports/export/trend.csv", None),
            ("/reports/honour", None), ("/approvals", None), ("/approvals?page=2", None),
            (f"/audit/?actor={admin.username}", None), ("/audit/?action=hours.", None),
            ("/audit/?action=hours.approved", None), (f"/audit/?actor={admin.username}&action=hours.", None)]
    scans = pages_scan(app, client, urls)
    assert scans == [], "\n".join(scans)


def test_resident_pages_home_history_entries_and_catalogue_use_indexes(app, client, city):
    volunteer = city["crew"].a
    sign_in(client, volunteer)
    store_id = city["store"].store.id
    urls = [("/", None), ("/history", None), (f"/store/catalogue?store={store_id}", None),
            ("/store/catalogue", None),
            (f"/api/v1/accounts/{volunteer.id}/entries", bearer(app, volunteer))]
    scans = pages_scan(app, client, urls)
    assert scans == [], "\n".join(scans)


def test_card_lookup_uses_the_card_index(app, client, city):
    keeper = city["store"].keeper
    urls = [(f"/api/v1/residents/by-card/{city['card']}", bearer(app, keeper))]
    scans = pages_scan(app, client, urls)
    assert scans == [], "\n".join(scans)


def test_the_check_catches_a_scan(app, city):
    """The detector itself: a query with no usable index is reported."""
    statement = "SELECT count(*) FROM hour_records WHERE note = 'x'"
    assert [line.split(":")[0] for line in full_scans(app, [(statement, {} if db_kind(app) == "postgresql" else ())])] \
        == ["hour_records"]


def test_a_keeper_finds_a_resident_by_card_at_the_counter_using_the_index(app, city):
    client = app.test_client()
    sign_in(client, city["store"].keeper)
    with app.app_context():
        engine = db.engine
    with Captured(engine) as captured:
        response = client.post("/store/counter/identify", data={"code": city["card"]})
    assert response.status_code in (302, 303)
    assert full_scans(app, captured.statements) == []
