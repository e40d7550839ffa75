"""The bank test's final checks: the server's state against the model of acknowledged answers."""

import sqlalchemy as sa

from tests.bank_workload import Model, World


def _entries(w: World, user_id: int) -> list[dict]:
    items, cursor = [], None
    while True:
        page = w.admin.call("GET", f"/api/v1/accounts/{user_id}/entries?limit=200"
                                   + (f"&cursor={cursor}" if cursor else ""))
        assert page.status == 200, page.body
        items += page.body["items"]
        cursor = page.body["next"]
        if not cursor:
            return sorted(items, key=lambda e: e["id"])


def check_world(w: World, m: Model, app) -> list[str]:
    """Every way the server's state could disagree with the acknowledged answers; [] when none."""
    problems = list(m.failures)
    if m.unknown:
        problems.append(f"{len(m.unknown)} requests got no answer")
    for user_id in sorted(set(w.resident_ids) | {u for u, _ in m.kinds}):
        account = w.admin.call("GET", f"/api/v1/accounts/{user_id}")
        if account.body.get("balance") != m.balance[user_id] or m.balance[user_id] < 0:
            problems.append(f"user {user_id}: balance {account.body.get('balance')}, acknowledged {m.balance[user_id]}")
        running, kinds = 0, {}
        for entry in _entries(w, user_id):
            running += entry["points"]
            kinds[entry["kind"]] = kinds.get(entry["kind"], 0) + 1
            if entry["balance_after"] != running or running < 0:
                problems.append(f"user {user_id}: entry {entry['id']} balance_after {entry['balance_after']}, "
                                f"running sum {running}")
        expected = {kind: n for (u, kind), n in m.kinds.items() if u == user_id and n}
        if kinds != expected:
            problems.append(f"user {user_id}: entries by kind {kinds}, acknowledged {expected}")
    catalogue = w.admin.call("GET", f"/api/v1/items?store_id={w.store_id}&limit=200")
    for item in catalogue.body["items"]:
        if item["stock"] != m.stock[item["id"]] or item["stock"] < 0:
            problems.append(f"item {item['id']}: stock {item['stock']}, acknowledged {m.stock[item['id']]}")
    for redemption_id, r in m.redemptions.items():
        got = w.admin.call("GET", f"/api/v1/redemptions/{redemption_id}").body
        if (got.get("number"), got.get("status"), got.get("total_points")) != (r["number"], r["status"], r["total"]):
            problems.append(f"redemption {redemption_id}: {got}, acknowledged {r}")
    problems += _database_totals(app, len(m.redemptions))
    return problems


def _database_totals(app, redemptions: int) -> list[str]:
    """Straight from the tables: the sum of all balances, nobody below zero, no extra redemption."""
    from extensions import db
    from points.ledger_models import Account
    from redemption.models import Redemption

    with app.app_context():
        total = db.session.execute(sa.select(sa.func.sum(Account.credits_posted - Account.debits_posted))).scalar()
        below = db.session.execute(sa.select(sa.func.count(Account.id)).where(
            Account.no_overdraft.is_(True), Account.credits_posted < Account.debits_posted)).scalar()
        stored = db.session.execute(sa.select(sa.func.count(Redemption.id))).scalar()
        db.session.remove()
        db.engine.dispose()
    problems = [] if total == 0 else [f"the balances sum to {total}, not 0"]
    problems += [f"{below} accounts below zero"] if below else []
    problems += [] if stored == redemptions else [f"{stored} redemptions stored, {redemptions} acknowledged"]
    return problems
