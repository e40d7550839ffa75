"""Gifts of points (二次公益): a resident gives points to a household member or a resident in need.

Plan → write → answer. The plan validates and decides whether the gift is allowed; the write is
the ledger's post() (its conditional debit refuses an overdraft even under concurrency), two
notifications and the audit event. Each gift is one transfer of kind `gift` from the giver's
account to the recipient's, so it shows in both histories. The same idempotency key with the
same request answers the first gift again; with another request, idempotency_conflict.
"""

from dataclasses import dataclass

import sqlalchemy as sa
from flask_babel import gettext
from sqlalchemy.exc import IntegrityError

from accounts.models import User
from audit import service as audit
from core.db import run_write
from core.errors import Forbidden, GiftNotAllowed, IdempotencyConflict, InsufficientPoints, ValidationFailed
from core.privacy import mask_name
from extensions import db
from households.services import same_household
from notifications.services import notify
from points import ledger
from points.entries import account_id_of

MAX_GIFT = 100_000
MAX_NOTE = 200
MAX_DB_ID = 2**31 - 1


@dataclass(frozen=True)
class GiftResult:
    id: int  # the transfer's id
    to_user_id: int
    points: int
    balance_after: int


def _is_whole(value, low: int, high: int) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and low <= value <= high


def clean_note(note) -> tuple[str, str | None]:
    """(stripped note, None) or ("", why it is refused)."""
    if note is None:
        return "", None
    if not isinstance(note, str):
        return "", gettext("Must be text.")
    note = note.strip()
    if any(ord(c) < 32 and c not in "\t\n\r" for c in note):
        return "", gettext("Contains characters that are not allowed.")
    if len(note) > MAX_NOTE:
        return "", gettext("At most %(n)s characters.", n=MAX_NOTE)
    return note, None


def gift_reason(giver_id: int, recipient: User) -> str | None:
    """'household' or 'in_need' when the giver may give to the recipient, else None."""
    if same_household(giver_id, recipient.id):
        return "household"
    if recipient.in_need:
        return "in_need"
    return None


def check_recipient(giver, to_user_id) -> tuple[User | None, str | None]:
    """403s first (oneself, not allowed), then (recipient or None when unknown, reason)."""
    if _is_whole(to_user_id, 1, MAX_DB_ID) and to_user_id == giver.id:
        raise Forbidden(gettext("Nobody gives points to themselves."))
    recipient = db.session.get(User, to_user_id) if _is_whole(to_user_id, 1, MAX_DB_ID) else None
    if recipient is None or not recipient.active:
        return None, None
    reason = gift_reason(giver.id, recipient)
    if reason is None:
        raise GiftNotAllowed()
    return recipient, reason


def give(giver, to_user_id, points, note, key: str) -> GiftResult:
    """Move points from the giver to the recipient, never below zero; audited; both notified."""
    recipient, reason = check_recipient(giver, to_user_id)
    errors = {}
    if recipient is None:
        errors["to_user_id"] = gettext("No such active person.")
    if not _is_whole(points, 1, MAX_GIFT):
        errors["points"] = gettext("Must be from %(min)s to %(max)s.", min=1, max=MAX_GIFT)
    note, problem = clean_note(note)
    if problem:
        errors["note"] = problem
    if errors:
        raise ValidationFailed(errors)
    if not isinstance(key, str) or not 1 <= len(key) <= 300:
        raise ValueError("a gift needs an idempotency key")
    body_hash = ledger.request_hash({"op": "gift", "to_user_id": recipient.id, "points": points, "note": note})
    if (replay := _replay(key, body_hash)) is not None:
        return replay
    giver_account = account_id_of(giver.id)
    if giver_account is None:
        raise InsufficientPoints()  # never credited: nothing to give
    giver_id, giver_name, to_id = giver.id, giver.name, recipient.id
    # Residents in need are shown masked to the giver, and the giver masked to them (二次公益).
    shown_to, shown_from = (recipient.name, giver_name) if reason == "household" else (
        mask_name(recipient.name), mask_name(giver_name))

    attempts = []

    def work() -> GiftResult:
        attempts.append(1)
        if len(attempts) > 1 and (again := _replay(key, body_hash)) is not None:
            return again  # a retry after a concurrent twin with the same key won the race
        posted = ledger.post(ledger.Posting(
            key, body_hash, giver_account, ledger.user_account_id(to_id), points, "gift", giver_id,
            memo=note, source_type="users", source_id=to_id))
        notify(giver_id, "gift_sent", points=points, name=shown_to, balance=posted.debit_balance_after)
        notify(to_id, "gift_received", points=points, name=shown_from, note=note)
        audit.record("gift.given", actor=giver_id, subject_type="transfers", subject_id=posted.id, after={
            "from_user_id": giver_id, "to_user_id": to_id, "points": points, "note": note, "reason": reason,
            "balance_after": posted.debit_balance_after})
        return GiftResult(posted.id, to_id, points, posted.debit_balance_after)

    try:
        return run_write(work)
    except (IntegrityError, IdempotencyConflict, InsufficientPoints):
        db.session.rollback()
        # A twin with the same key may have committed first: then this retry answers like it.
        if (replay := _replay(key, body_hash)) is not None:
            return replay
        raise


def _replay(key: str, body_hash: str) -> GiftResult | None:
    transfer = ledger.find_replay(key, body_hash)
    if transfer is None:
        return None
    if transfer.kind != "gift":
        raise IdempotencyConflict()
    return GiftResult(transfer.id, int(transfer.source_id), transfer.amount, transfer.debit_balance_after)


def in_need_residents(limit: int = 100) -> list[User]:
    """Active residents the office marked in need, for the gift form (shown masked)."""
    return list(db.session.execute(
        sa.select(User).where(User.in_need.is_(True), User.active.is_(True)).order_by(User.id).limit(limit)
    ).scalars())
