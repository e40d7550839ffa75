"""Accounts and transfers. Only points/ledger.py writes these tables."""

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from core.timeutil import utcnow
from extensions import db

ACCOUNT_KINDS = ("issuer", "resident", "store")
# The kinds seeded by migration 0004; transfer_kinds is the source of truth (a new kind is one INSERT).
TRANSFER_KINDS = ("hours_award", "commendation", "adjustment", "redemption", "reversal",
                  "expiry", "deduction", "gift")
ISSUER_ACCOUNT_ID = 1  # the street office's issuing account, created by the first migration


class TransferKind(db.Model):
    """Kinds of transfer as data, so adding one never rebuilds the append-only transfers table."""

    __tablename__ = "transfer_kinds"

    code: Mapped[str] = mapped_column(sa.String(20), primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(100))


class Account(db.Model):
    """balance = credits_posted − debits_posted, kept in the same transaction as each transfer."""

    __tablename__ = "accounts"
    __table_args__ = (
        sa.CheckConstraint("kind IN ('issuer', 'resident', 'store')", name="known_kind"),
        sa.CheckConstraint("debits_posted >= 0 AND credits_posted >= 0", name="posted_nonnegative"),
        # A no-overdraft account (every resident) can never go below zero.
        sa.CheckConstraint(
            "NOT no_overdraft OR credits_posted >= debits_posted", name="no_overdraft"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(sa.String(10))
    user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"), unique=True)
    name: Mapped[str] = mapped_column(sa.String(100), default="")
    no_overdraft: Mapped[bool] = mapped_column(default=True)
    debits_posted: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    credits_posted: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)
    household_id: Mapped[int | None] = mapped_column(index=True)  # households come later; no FK yet

    @property
    def balance(self) -> int:
        return self.credits_posted - self.debits_posted


class Transfer(db.Model):
    """One movement of points from the debit account to the credit account. Append-only."""

    __tablename__ = "transfers"
    __table_args__ = (
        sa.CheckConstraint("amount > 0", name="amount_positive"),
        sa.CheckConstraint("debit_account_id <> credit_account_id", name="distinct_accounts"),
        sa.CheckConstraint("(kind = 'reversal') = (reverses_id IS NOT NULL)", name="reversal_link"),
        sa.Index("ix_transfers_debit_account", "debit_account_id", "id"),
        sa.Index("ix_transfers_credit_account", "credit_account_id", "id"),
        sa.Index("ix_transfers_created_at", "created_at"),  # reports by month
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    idempotency_key: Mapped[str] = mapped_column(sa.String(300), unique=True)
    request_hash: Mapped[str] = mapped_column(sa.String(64))
    debit_account_id: Mapped[int] = mapped_column(sa.ForeignKey("accounts.id"))
    credit_account_id: Mapped[int] = mapped_column(sa.ForeignKey("accounts.id"))
    amount: Mapped[int] = mapped_column(sa.BigInteger)
    kind: Mapped[str] = mapped_column(sa.ForeignKey("transfer_kinds.code"))
    reverses_id: Mapped[int | None] = mapped_column(sa.ForeignKey("transfers.id"), unique=True)
    source_type: Mapped[str | None] = mapped_column(sa.String(40))
    source_id: Mapped[int | None] = mapped_column(sa.BigInteger)
    memo: Mapped[str] = mapped_column(sa.String(500), default="")
    actor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    debit_balance_after: Mapped[int] = mapped_column(sa.BigInteger)
    credit_balance_after: Mapped[int] = mapped_column(sa.BigInteger)
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)
    checksum: Mapped[str] = mapped_column(sa.String(64))
