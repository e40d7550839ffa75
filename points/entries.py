"""A person's ledger entries, newest first, each signed from that person's side."""

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from core.timeutil import to_iso
from extensions import db
from points.ledger_models import Account, Transfer
from points.models import HourRecord

KIND_LABELS = {
    "hours_award": _l("Service hours"),
    "commendation": _l("Commendation"),
    "adjustment": _l("Manual adjustment"),
    "redemption": _l("Redemption"),
    "reversal": _l("Reversal"),
    "gift": _l("Gift"),
    "expiry": _l("Points expired"),
    "deduction": _l("Deduction"),
}


def account_id_of(user_id: int) -> int | None:
    """The person's account id, or None before their first entry (reads only; opens nothing)."""
    return db.session.execute(sa.select(Account.id).where(Account.user_id == user_id)).scalar_one_or_none()


def entries_stmt(account_id: int):
    """Every transfer touching the account; order and page it by Transfer.id.

    The ids come from the two account indexes (a UNION, not an OR): planners read an OR with
    ORDER BY id … LIMIT along the primary key, which at city scale walks most of the ledger.
    """
    ids = sa.union_all(
        sa.select(Transfer.id).where(Transfer.debit_account_id == account_id),
        sa.select(Transfer.id).where(Transfer.credit_account_id == account_id),
    )
    return sa.select(Transfer).where(Transfer.id.in_(ids))


def render_entry(transfer: Transfer, account_id: int) -> dict:
    """{"id", "at", "points" (+ credited, − debited), "kind", "balance_after", "memo"}."""
    credited = transfer.credit_account_id == account_id
    return {
        "id": transfer.id,
        "at": to_iso(transfer.created_at),
        "points": transfer.amount if credited else -transfer.amount,
        "kind": transfer.kind,
        "balance_after": transfer.credit_balance_after if credited else transfer.debit_balance_after,
        "memo": transfer.memo,
    }


def recent_entries(user_id: int, limit: int = 10) -> list[dict]:
    """The person's latest entries, newest first, with the moment kept for display."""
    account_id = account_id_of(user_id)
    if account_id is None:
        return []
    rows = db.session.execute(entries_stmt(account_id).order_by(Transfer.id.desc()).limit(limit)).scalars()
    return with_service_dates([entry_for_page(t, account_id) for t in rows])


def entry_for_page(transfer: Transfer, account_id: int) -> dict:
    """render_entry plus what a page shows: the stored moment and a translated kind label."""
    entry = render_entry(transfer, account_id)
    entry["created_at"] = transfer.created_at
    entry["label"] = KIND_LABELS.get(transfer.kind, transfer.kind)
    entry["reverses_id"] = transfer.reverses_id
    entry["source_type"] = transfer.source_type
    entry["source_id"] = transfer.source_id
    return entry


def entries_page(user_id: int, page: int, per_page: int = 20):
    """A page of entries for the history page: (pagination, [entry dicts])."""
    account_id = account_id_of(user_id)
    stmt = entries_stmt(account_id if account_id is not None else -1).order_by(Transfer.id.desc())
    pagination = db.paginate(stmt, page=page, per_page=per_page, error_out=False)
    return pagination, with_service_dates([entry_for_page(t, account_id) for t in pagination.items])


def with_service_dates(entries: list[dict]) -> list[dict]:
    """Give entries that came from hour records the day the service happened (one query a page)."""
    ids = {e["source_id"] for e in entries if e.get("source_type") == HourRecord.__tablename__}
    days = dict(db.session.execute(
        sa.select(HourRecord.id, HourRecord.service_date).where(HourRecord.id.in_(ids))).all()) if ids else {}
    for e in entries:
        e["service_date"] = days.get(e.get("source_id")) if e.get("source_type") == HourRecord.__tablename__ else None
    return entries
