"""Prove the lots agree with the transfers (part of `flask verify`); set-based SQL, reads only.

- per resident account, the lots' remaining points sum to its balance (and no other account has lots);
- each lot's remaining equals its amount minus what transfers drew from it (plus what voids gave back);
- each credit into a resident since lots began is explained by its new lots and give-backs, to the point;
- each debit of a resident since lots began drew exactly its amount from that account's lots.
"""

import sqlalchemy as sa

from extensions import db

DEFAULT_LIMIT = 100

_BALANCES = sa.text("""
SELECT a.id, a.kind, a.credits_posted - a.debits_posted AS balance, COALESCE(s.total, 0) AS lots
FROM accounts a LEFT JOIN (SELECT account_id, SUM(remaining) AS total FROM point_lots GROUP BY account_id) s
  ON s.account_id = a.id
WHERE (a.kind = 'resident' AND a.credits_posted - a.debits_posted <> COALESCE(s.total, 0))
   OR (a.kind <> 'resident' AND s.total IS NOT NULL)
ORDER BY a.id LIMIT :limit
""")

_LOTS = sa.text("""
SELECT l.id, l.account_id, l.amount, l.remaining, COALESCE(d.net, 0) AS net
FROM point_lots l LEFT JOIN (SELECT lot_id, SUM(amount) AS net FROM lot_draws GROUP BY lot_id) d ON d.lot_id = l.id
WHERE l.remaining <> l.amount - COALESCE(d.net, 0)
ORDER BY l.id LIMIT :limit
""")

_TRANSFERS = sa.text("""
SELECT t.id, t.kind, t.amount, da.kind = 'resident' AS from_resident, ca.kind = 'resident' AS to_resident,
       COALESCE(dr.drawn, 0) AS drawn, COALESCE(dr.given, 0) AS given, COALESCE(nl.lots, 0) AS lots
FROM transfers t
JOIN accounts da ON da.id = t.debit_account_id
JOIN accounts ca ON ca.id = t.credit_account_id
LEFT JOIN (
  SELECT d.transfer_id,
         SUM(CASE WHEN d.amount > 0 AND l.account_id = x.debit_account_id THEN d.amount ELSE 0 END) AS drawn,
         SUM(CASE WHEN d.amount < 0 AND l.account_id = x.credit_account_id THEN -d.amount ELSE 0 END) AS given,
         SUM(CASE WHEN (d.amount > 0 AND l.account_id <> x.debit_account_id)
                    OR (d.amount < 0 AND l.account_id <> x.credit_account_id) THEN 1 ELSE 0 END) AS stray
  FROM lot_draws d JOIN point_lots l ON l.id = d.lot_id JOIN transfers x ON x.id = d.transfer_id
  GROUP BY d.transfer_id
) dr ON dr.transfer_id = t.id
LEFT JOIN (
  SELECT l.transfer_id, SUM(l.amount) AS lots, SUM(CASE WHEN l.account_id <> x.credit_account_id THEN 1 ELSE 0 END) AS stray
  FROM point_lots l JOIN transfers x ON x.id = l.transfer_id GROUP BY l.transfer_id
) nl ON nl.transfer_id = t.id
WHERE (t.id > :start OR dr.transfer_id IS NOT NULL OR nl.transfer_id IS NOT NULL)
  AND (COALESCE(dr.stray, 0) > 0 OR COALESCE(nl.stray, 0) > 0
       OR COALESCE(dr.drawn, 0) <> CASE WHEN da.kind = 'resident' THEN t.amount ELSE 0 END
       OR COALESCE(dr.given, 0) + COALESCE(nl.lots, 0) <> CASE WHEN ca.kind = 'resident' THEN t.amount ELSE 0 END)
ORDER BY t.id LIMIT :limit
""")


def lot_counts() -> tuple[int, int]:
    """How many lots and draws there are (for the verify summary)."""
    lots = db.session.execute(sa.text("SELECT COUNT(*) FROM point_lots")).scalar_one()
    draws = db.session.execute(sa.text("SELECT COUNT(*) FROM lot_draws")).scalar_one()
    return int(lots), int(draws)


def _start() -> int:
    """Transfers up to this id predate lots (covered by the opening lots of migration 0013)."""
    return int(db.session.execute(sa.text("SELECT MAX(after_transfer_id) FROM lot_start")).scalar() or 0)


def verify_lots(limit: int = DEFAULT_LIMIT) -> list[str]:
    """Every disagreement between lots, draws and transfers; [] when all agree (lists are capped)."""
    problems = []
    for account_id, kind, balance, lots in db.session.execute(_BALANCES, {"limit": limit}):
        if kind == "resident":
            problems.append(f"account {account_id}: its lots hold {int(lots)} points but its balance is {int(balance)}")
        else:
            problems.append(f"account {account_id} ({kind}) has lots, but only resident accounts keep lots")
    for lot_id, account_id, amount, remaining, net in db.session.execute(_LOTS, {"limit": limit}):
        problems.append(f"lot {lot_id} (account {account_id}): {int(remaining)} remaining, but its amount "
                        f"{int(amount)} less its draws {int(net)} leaves {int(amount) - int(net)}")
    rows = db.session.execute(_TRANSFERS, {"start": _start(), "limit": limit})
    for t_id, kind, amount, from_resident, to_resident, drawn, given, lots in rows:
        parts = []
        if from_resident and int(drawn) != int(amount) or not from_resident and int(drawn):
            parts.append(f"drew {int(drawn)} from the debited account's lots")
        if int(given) + int(lots) != (int(amount) if to_resident else 0):
            parts.append(f"gave the credited account {int(lots)} in new lots and {int(given)} back to old ones")
        problems.append(f"transfer {t_id} ({kind}, {int(amount)} points): "
                        + ("; ".join(parts) or "draws or lots on an account it does not touch"))
    return problems
