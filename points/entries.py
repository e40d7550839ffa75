"""A person's ledger entries, newest first, each signed from that person's side."""

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from core.paging import Page, paged, with_total
from core.timeutil import to_iso
from extensions import db
from notifications.services import unread_subquery
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


_OWNER = sa.bindparam("user_id")
_ACCOUNT_OF = sa.select(
    sa.select(Account.id).where(Account.user_id == _OWNER).scalar_subquery().label("id"),
    sa.select(Account.credits_posted - Account.debits_posted).where(Account.user_id == _OWNER)
    .scalar_subquery().label("balance"),
    unread_subquery(_OWNER).label("unread"),
)


def account_of(user_id: int):
    """One row (id, balance, unread): the person's account (id None before their first entry) and the
    unread messages the page header shows, in one prebuilt statement."""
    return db.session.execute(_ACCOUNT_OF, {"user_id": user_id}).one()


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


# Pages read entries as plain rows, built once: each transfer of the account, newest first, with the day the
# service happened for those that came from an hour record (LEFT JOIN on its primary key, no second query).
_ACCOUNT = sa.bindparam("account_id")
_PAGE_ENTRIES = with_total(
    sa.select(Transfer.id, Transfer.created_at, Transfer.amount, Transfer.kind, Transfer.credit_account_id,
              Transfer.credit_balance_after, Transfer.debit_balance_after, Transfer.memo, Transfer.reverses_id,
              Transfer.source_type, Transfer.source_id, HourRecord.service_date)
    .outerjoin(HourRecord, sa.and_(Transfer.source_type == HourRecord.__tablename__,
                                   HourRecord.id == Transfer.source_id))
    .where(Transfer.id.in_(sa.union_all(sa.select(Transfer.id).where(Transfer.debit_account_id == _ACCOUNT),
                                        sa.select(Transfer.id).where(Transfer.credit_account_id == _ACCOUNT))))
    .order_by(Transfer.id.desc())
)


def recent_entries(user_id: int, limit: int = 10, account_id: int | None = None) -> list[dict]:
    """The person's latest entries, newest first, with the moment kept for display (one statement).

    account_id, when the caller already read it, spares looking it up.
    """
    account_id = account_id if account_id is not None else account_id_of(user_id)
    if account_id is None:
        return []
    rows = db.session.execute(_PAGE_ENTRIES.limit(limit), {"account_id": account_id})
    return [page_entry(row, account_id) for row in rows]


def page_entry(row, account_id: int) -> dict:
    """entry_for_page for a row of _PAGE_ENTRIES (its service date already joined)."""
    entry = entry_for_page(row, account_id)
    entry["service_date"] = row.service_date
    return entry


def entry_for_page(transfer: Transfer, account_id: int) -> dict:
    """render_entry plus what a page shows: the stored moment and a translated kind label."""
    entry = render_entry(transfer, account_id)
    entry["created_at"] = transfer.created_at
    entry["label"] = KIND_LABELS.get(transfer.kind, transfer.kind)
    entry["reverses_id"] = transfer.reverses_id
    entry["source_type"] = transfer.source_type
    entry["source_id"] = transfer.source_id
    return entry


def entries_page(user_id: int, page: int, per_page: int = 20, account_id: int | None = None):
    """A page of entries for the history page: (pagination, [entry dicts]); one statement with its count."""
    account_id = account_id if account_id is not None else account_id_of(user_id)
    if account_id is None:
        return Page(items=[], page=1, per_page=per_page, total=0), []
    pagination = paged(db.session, _PAGE_ENTRIES, page, per_page, {"account_id": account_id})
    return pagination, [page_entry(row, account_id) for row in pagination.items]
