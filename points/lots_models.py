"""Lots: which credit each point came from and when it expires. Only points/lots.py writes these."""

from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from extensions import db


class PointLot(db.Model):
    """The points of one credit into a resident account, with the expiry fixed when credited.

    transfer_id is NULL only for the opening lots of migration 0013 (balances from before lots).
    """

    __tablename__ = "point_lots"
    __table_args__ = (
        sa.CheckConstraint("amount > 0", name="amount_positive"),
        sa.CheckConstraint("remaining >= 0 AND remaining <= amount", name="remaining_within_amount"),
        sa.Index("ix_point_lots_account_expires", "account_id", "expires_on"),
        sa.Index("ix_point_lots_expires_account", "expires_on", "account_id"),
        sa.Index("ix_point_lots_transfer", "transfer_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(sa.ForeignKey("accounts.id"))
    transfer_id: Mapped[int | None] = mapped_column(sa.ForeignKey("transfers.id"))
    amount: Mapped[int] = mapped_column(sa.BigInteger)
    remaining: Mapped[int] = mapped_column(sa.BigInteger)
    expires_on: Mapped[date | None] = mapped_column(sa.Date)  # NULL: never expires


class LotDraw(db.Model):
    """How much one transfer took from (positive) or gave back to (negative) one lot."""

    __tablename__ = "lot_draws"
    __table_args__ = (sa.CheckConstraint("amount <> 0", name="amount_nonzero"),)

    transfer_id: Mapped[int] = mapped_column(sa.ForeignKey("transfers.id"), primary_key=True)
    lot_id: Mapped[int] = mapped_column(sa.ForeignKey("point_lots.id"), primary_key=True)
    amount: Mapped[int] = mapped_column(sa.BigInteger)


class LotStart(db.Model):
    """One row: the newest transfer before lots were kept (older ones are covered by opening lots)."""

    __tablename__ = "lot_start"
    __table_args__ = (sa.CheckConstraint("id = 1", name="single_row"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    after_transfer_id: Mapped[int] = mapped_column(sa.BigInteger)


class ExpiryNotice(db.Model):
    """An expiry_soon message sent for one account's lots of one date (at most once each)."""

    __tablename__ = "expiry_notices"

    account_id: Mapped[int] = mapped_column(sa.ForeignKey("accounts.id"), primary_key=True)
    expires_on: Mapped[date] = mapped_column(sa.Date, primary_key=True)
