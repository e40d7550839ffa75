"""Lots: every credit to a resident becomes a lot with its expiry date; every debit draws from lots.

The one place this happens is the ledger's posting hook (on_posted, and on_posted_many for the
bulk expiry run), so no caller can move points without moving lots:
- a credit from outside (hours, commendations, adjustments) → a new lot, expiring on the Shanghai
  date `expiry_months` after the credit (NULL: never), fixed now — a later policy change moves nothing;
- a debit takes the soonest-expiring points first (NULL last, then oldest); a reversal of a credit
  takes that credit's own lot first; each draw is a lot_draws row;
- a reversal of a debit (a void) gives each lot back what the debit drew, with its old date;
- a transfer between two residents (a gift) gives the receiver lots with the giver's dates.
Draws are computed in one INSERT … SELECT with a running sum; they run after the ledger's
conditional debit, whose row lock on the account serialises every writer of that account's lots.
Invariant (checked by verify_lots): per resident account, the sum of remaining equals the balance.
"""

from calendar import monthrange
from collections import defaultdict
from datetime import date, datetime

import sqlalchemy as sa

from core.timeutil import shanghai_date
from extensions import db
from points import ledger
from points.ledger_models import Account
from points.lots_models import LotDraw, PointLot
from policy.current import current_policy


class LotsDisagree(RuntimeError):
    """The lots of an account no longer cover its balance: refuse the write rather than drift."""


def add_months(day: date, months: int) -> date:
    """The same day `months` later, or that month's last day (31 Jan + 1 month → 28/29 Feb)."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return date(year, month, min(day.day, monthrange(year, month)[1]))


def expiry_for(credited_at: datetime) -> date | None:
    """The date a credit made at that moment expires under the policy in force (None: never)."""
    months = current_policy().expiry_months
    if not months:
        return None
    return add_months(shanghai_date(credited_at), int(months))


# The soonest-expiring first, NULL (never) last, then the oldest lot; a reversal's own credit first.
_DRAW = """
INSERT INTO lot_draws (transfer_id, lot_id, amount)
SELECT ranked.tid, ranked.id,
       CASE WHEN ranked.before + ranked.remaining <= ranked.want THEN ranked.remaining
            ELSE ranked.want - ranked.before END
FROM (
  SELECT l.id, l.remaining, t.id AS tid, t.amount AS want,
         CAST(COALESCE(SUM(l.remaining) OVER (
           PARTITION BY t.id
           ORDER BY CASE WHEN l.transfer_id = t.reverses_id THEN 0 ELSE 1 END,
                    CASE WHEN l.expires_on IS NULL THEN 1 ELSE 0 END, l.expires_on, l.id
           ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), 0) AS BIGINT) AS before
  FROM transfers t JOIN point_lots l ON l.account_id = t.debit_account_id
  WHERE t.id {tids} AND l.remaining > 0
) ranked
WHERE ranked.before < ranked.want
RETURNING transfer_id, amount
"""

# Give each lot back what the reversed debit drew from it (negative draws of the reversal).
_GIVE_BACK = sa.text("""
INSERT INTO lot_draws (transfer_id, lot_id, amount)
SELECT :reversal_id, d.lot_id, -d.amount FROM lot_draws d
WHERE d.transfer_id = :original_id AND d.amount > 0
RETURNING amount
""")

# Apply the draws (> 0) or the give-backs (< 0) of these transfers to the lots: a reversal between two
# residents has both, applied one side at a time. The CHECK keeps 0 ≤ remaining ≤ amount.
_APPLY = """
UPDATE point_lots SET remaining = point_lots.remaining - s.total
FROM (SELECT lot_id, SUM(amount) AS total FROM lot_draws WHERE transfer_id {tids} AND amount {sign} 0
      GROUP BY lot_id) s
WHERE point_lots.id = s.lot_id
"""


def _with_ids(sql: str) -> dict[str, sa.TextClause]:
    """The statement per database: an expanding IN on SQLite, one array parameter on PostgreSQL."""
    return {"sqlite": sa.text(sql.replace("{tids}", "IN :tids")).bindparams(sa.bindparam("tids", expanding=True)),
            "postgresql": sa.text(sql.replace("{tids}", "= ANY(CAST(:tids AS INTEGER[]))"))}


_DRAWS = _with_ids(_DRAW)
# PostgreSQL: the draws and their application to the lots in ONE statement (the update reads the draws
# from the insert's RETURNING; both see the lots as they were before the statement).
_DRAW_AND_APPLY_PG = sa.text(
    "WITH d AS (" + _DRAW.replace("{tids}", "= ANY(CAST(:tids AS INTEGER[]))")
    .replace("RETURNING transfer_id, amount", "RETURNING transfer_id, lot_id, amount") + "),\n"
    "s AS (SELECT lot_id, SUM(amount) AS total FROM d GROUP BY lot_id),\n"
    "u AS (UPDATE point_lots SET remaining = point_lots.remaining - s.total FROM s WHERE point_lots.id = s.lot_id)\n"
    "SELECT transfer_id, amount FROM d")
_APPLY_DRAWS = _with_ids(_APPLY.replace("{sign}", ">"))
_APPLY_GIVE_BACKS = _with_ids(_APPLY.replace("{sign}", "<"))


def _run(statements: dict[str, sa.TextClause], params: dict):
    return db.session.execute(statements[db.session.get_bind().dialect.name], params)


def draw(wanted: dict[int, int]) -> None:
    """Draw each debit transfer's amount ({transfer id: amount}) from its account's lots."""
    if not wanted:
        return
    drawn: dict[int, int] = defaultdict(int)
    postgres = db.session.get_bind().dialect.name == "postgresql"
    rows = db.session.execute(_DRAW_AND_APPLY_PG, {"tids": list(wanted)}) if postgres else _run(
        _DRAWS, {"tids": list(wanted)})
    for transfer_id, amount in rows:
        drawn[transfer_id] += int(amount)
    short = [t for t, amount in wanted.items() if drawn.get(t, 0) != amount]
    if short:  # refused: the whole write rolls back, the draws applied on PostgreSQL with it
        raise LotsDisagree(f"the lots of the debited accounts do not cover transfers {short[:5]}")
    if not postgres:
        _run(_APPLY_DRAWS, {"tids": list(wanted)})


def give_back(original_id: int, reversal_id: int, amount: int) -> bool:
    """Return a reversed debit's points to the lots it drew from; False if it drew from none."""
    returned = -sum(int(a) for (a,) in db.session.execute(
        _GIVE_BACK, {"reversal_id": reversal_id, "original_id": original_id}))
    if returned == 0:
        return False  # a debit from before lots were kept: the caller opens a fresh lot
    if returned != amount:
        raise LotsDisagree(f"transfer {original_id} drew {returned} from lots, its reversal gives back {amount}")
    _run(_APPLY_GIVE_BACKS, {"tids": [reversal_id]})
    return True


def add_lots(rows: list[dict]) -> None:
    """New lots: {"account_id", "transfer_id", "amount", "expires_on"} (remaining = amount)."""
    if rows:
        db.session.execute(sa.insert(PointLot), [{**row, "remaining": row["amount"]} for row in rows])


def _drawn_by_date(transfer_id: int) -> list[tuple[date | None, int]]:
    return [(day, int(total)) for day, total in db.session.execute(
        sa.select(PointLot.expires_on, sa.func.sum(LotDraw.amount))
        .join(PointLot, PointLot.id == LotDraw.lot_id)
        .where(LotDraw.transfer_id == transfer_id)
        .group_by(PointLot.expires_on))]


def on_posted(posting, transfer_id: int, at: datetime) -> None:
    """The posting hook: keep the lots of the resident accounts this transfer touched."""
    if posting.debit_account_kind and posting.credit_account_kind:  # post() read them already
        kinds = {posting.debit_account_id: posting.debit_account_kind,
                 posting.credit_account_id: posting.credit_account_kind}
    else:
        kinds = dict(db.session.execute(sa.select(Account.id, Account.kind).where(
            Account.id.in_((posting.debit_account_id, posting.credit_account_id)))).all())
    debit_resident = kinds.get(posting.debit_account_id) == "resident"
    if debit_resident:
        draw({transfer_id: posting.amount})
    if kinds.get(posting.credit_account_id) != "resident":
        return
    if posting.reverses_id is not None and give_back(posting.reverses_id, transfer_id, posting.amount):
        return
    if posting.reverses_id is not None:
        dates = [(None, posting.amount)]  # the reversed debit predates lots: no date to restore
    elif debit_resident:
        dates = _drawn_by_date(transfer_id)  # a gift keeps the giver's dates
    else:
        dates = [(expiry_for(at), posting.amount)]
    add_lots([{"account_id": posting.credit_account_id, "transfer_id": transfer_id, "amount": amount,
               "expires_on": day} for day, amount in dates])


def _kinds_of(pairs: list[tuple]) -> dict[int, str]:
    """{account id: kind} of a batch's accounts: from the postings when the ledger filled them in, else one query."""
    if all(p.debit_account_kind and p.credit_account_kind for p, _ in pairs):
        return {a: k for p, _ in pairs for a, k in ((p.debit_account_id, p.debit_account_kind),
                                                    (p.credit_account_id, p.credit_account_kind))}
    accounts = {a for posting, _ in pairs for a in (posting.debit_account_id, posting.credit_account_id)}
    return dict(db.session.execute(sa.select(Account.id, Account.kind).where(Account.id.in_(accounts))).all())


def on_posted_batch(pairs: list[tuple], at: datetime) -> None:
    """The batch hook: set-based for the two bulk shapes (the expiry run's debits of residents into
    another account; bulk approval's fresh credits to residents), else transfer by transfer."""
    if len(pairs) > 1:
        kinds = _kinds_of(pairs)
        if all(kinds.get(p.debit_account_id) == "resident" and kinds.get(p.credit_account_id) != "resident"
               for p, _ in pairs):
            draw({transfer_id: posting.amount for posting, transfer_id in pairs})
            return
        if all(kinds.get(p.debit_account_id) != "resident" and kinds.get(p.credit_account_id) == "resident"
               and p.reverses_id is None for p, _ in pairs):
            expires_on = expiry_for(at)
            add_lots([{"account_id": p.credit_account_id, "transfer_id": transfer_id, "amount": p.amount,
                       "expires_on": expires_on} for p, transfer_id in pairs])
            return
    for posting, transfer_id in pairs:
        on_posted(posting, transfer_id, at)


ledger.register_batch_posting_hook(on_posted_batch)


def next_expiry(user_id: int) -> dict | None:
    """{"on", "points"}: the soonest date on which some of the person's points expire, or None."""
    soonest = (
        sa.select(PointLot.account_id, sa.func.min(PointLot.expires_on).label("on"))
        .join(Account, Account.id == PointLot.account_id)
        .where(Account.user_id == user_id, PointLot.remaining > 0, PointLot.expires_on.is_not(None))
        .group_by(PointLot.account_id)
        .subquery()
    )
    row = db.session.execute(
        sa.select(soonest.c.on, sa.func.sum(PointLot.remaining))
        .join(PointLot, sa.and_(PointLot.account_id == soonest.c.account_id, PointLot.expires_on == soonest.c.on))
        .where(PointLot.remaining > 0)
        .group_by(soonest.c.on)
    ).first()
    if row is None or row[0] is None:
        return None
    return {"on": row[0].isoformat() if isinstance(row[0], date) else str(row[0]), "points": int(row[1])}


def open_lots_for_balances() -> None:
    """Opening lots (never expiring) for balances written in bulk past the posting hook (bench-data).

    The same as migration 0013's backfill, for a database that has no lots yet; refuses otherwise."""
    from core.db import run_write

    def work() -> None:
        if db.session.execute(sa.select(PointLot.id).limit(1)).first() is not None:
            raise LotsDisagree("lots exist already: opening lots are only for a database without any")
        db.session.execute(sa.text("DELETE FROM lot_start"))
        db.session.execute(sa.text(
            "INSERT INTO lot_start (id, after_transfer_id) SELECT 1, COALESCE(MAX(id), 0) FROM transfers"))
        db.session.execute(sa.text(
            "INSERT INTO point_lots (account_id, transfer_id, amount, remaining, expires_on) "
            "SELECT id, NULL, credits_posted - debits_posted, credits_posted - debits_posted, NULL "
            "FROM accounts WHERE kind = 'resident' AND credits_posted > debits_posted ORDER BY id"))

    run_write(work, audited=False)
