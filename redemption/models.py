"""Spending: stores, items, stock movements, redemptions."""

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from accounts.models import User
from core.timeutil import utcnow
from extensions import db

MOVEMENT_KINDS = ("opening", "donation", "purchase", "adjustment", "redemption", "void")


class Store(db.Model):
    __tablename__ = "stores"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(100), unique=True)
    community_id: Mapped[int | None] = mapped_column(sa.ForeignKey("communities.id"), index=True)
    account_id: Mapped[int] = mapped_column(sa.ForeignKey("accounts.id"), unique=True)
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)

    keepers: Mapped[list["StoreKeeper"]] = relationship(cascade="all, delete-orphan", back_populates="store")


class StoreKeeper(db.Model):
    __tablename__ = "store_keepers"

    store_id: Mapped[int] = mapped_column(sa.ForeignKey("stores.id"), primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), primary_key=True, index=True)

    store: Mapped[Store] = relationship(back_populates="keepers")
    user: Mapped[User] = relationship()


class Item(db.Model):
    __tablename__ = "items"
    __table_args__ = (
        sa.CheckConstraint("price > 0 AND price <= 1000000", name="price_range"),
        sa.CheckConstraint("stock >= 0", name="stock_nonnegative"),
        sa.CheckConstraint("monthly_limit IS NULL OR monthly_limit > 0", name="limit_positive"),
        sa.UniqueConstraint("store_id", "name", name="uq_items_store_name"),
        sa.Index("uq_items_store_barcode", "store_id", "barcode", unique=True),  # trust-counter
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    store_id: Mapped[int] = mapped_column(sa.ForeignKey("stores.id"), index=True)
    name: Mapped[str] = mapped_column(sa.String(100))
    category: Mapped[str] = mapped_column(sa.String(40), default="")
    photo: Mapped[str | None] = mapped_column(sa.String(100))  # file name under instance/uploads
    price: Mapped[int]
    stock: Mapped[int] = mapped_column(default=0)
    active: Mapped[bool] = mapped_column(default=True)
    monthly_limit: Mapped[int | None]
    barcode: Mapped[str | None] = mapped_column(sa.String(64))  # trust-counter: scanned at the counter
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)

    store: Mapped[Store] = relationship()


class StockMovement(db.Model):
    """The only way stock changes; items.stock always equals the sum of these deltas."""

    __tablename__ = "stock_movements"
    __table_args__ = (
        sa.CheckConstraint("delta <> 0", name="delta_nonzero"),
        sa.CheckConstraint(
            "kind IN ('opening', 'donation', 'purchase', 'adjustment', 'redemption', 'void')",
            name="known_kind",
        ),
        sa.Index("ix_stock_movements_item", "item_id", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(sa.ForeignKey("items.id"))
    delta: Mapped[int]
    kind: Mapped[str] = mapped_column(sa.String(12))
    reason: Mapped[str] = mapped_column(sa.String(500), default="")
    donor: Mapped[str | None] = mapped_column(sa.String(100), index=True)
    redemption_id: Mapped[int | None] = mapped_column(sa.ForeignKey("redemptions.id"), index=True)
    actor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    idempotency_key: Mapped[str | None] = mapped_column(sa.String(300), unique=True)
    request_hash: Mapped[str | None] = mapped_column(sa.String(64))
    stock_after: Mapped[int]
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)

    item: Mapped[Item] = relationship()


class Redemption(db.Model):
    __tablename__ = "redemptions"
    __table_args__ = (
        sa.CheckConstraint("total_points > 0", name="total_positive"),
        sa.CheckConstraint("status IN ('completed', 'voided')", name="known_status"),
        sa.CheckConstraint("found_by IN ('card', 'search')", name="known_found_by"),
        sa.Index("ix_redemptions_resident_at", "resident_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str | None] = mapped_column(sa.String(30), unique=True)
    store_id: Mapped[int] = mapped_column(sa.ForeignKey("stores.id"), index=True)
    resident_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    keeper_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    total_points: Mapped[int]
    balance_after: Mapped[int]
    status: Mapped[str] = mapped_column(sa.String(10), default="completed")
    transfer_id: Mapped[int | None] = mapped_column(sa.ForeignKey("transfers.id"))
    void_transfer_id: Mapped[int | None] = mapped_column(sa.ForeignKey("transfers.id"))
    voided_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    voided_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    void_reason: Mapped[str | None] = mapped_column(sa.String(500))
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)
    # "card": the keeper scanned the resident's card; "search": picked by name or id (flagged on the receipt)
    found_by: Mapped[str] = mapped_column(sa.String(6), default="card", server_default="card")
    # The proxy (代办人) who presented the resident's card; no foreign key: added in place (no rebuild).
    proxy_id: Mapped[int | None] = mapped_column()

    store: Mapped[Store] = relationship()
    resident: Mapped[User] = relationship(foreign_keys=[resident_id])
    keeper: Mapped[User] = relationship(foreign_keys=[keeper_id])
    proxy: Mapped[User | None] = relationship(primaryjoin="foreign(Redemption.proxy_id) == User.id", viewonly=True)
    lines: Mapped[list["RedemptionLine"]] = relationship(
        back_populates="redemption", order_by="RedemptionLine.id", cascade="all, delete-orphan"
    )


class RedemptionLine(db.Model):
    __tablename__ = "redemption_lines"
    __table_args__ = (
        sa.CheckConstraint("quantity BETWEEN 1 AND 999", name="quantity_range"),
        sa.CheckConstraint("line_points = quantity * unit_price", name="line_total"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    redemption_id: Mapped[int] = mapped_column(sa.ForeignKey("redemptions.id"), index=True)
    item_id: Mapped[int] = mapped_column(sa.ForeignKey("items.id"), index=True)
    item_name: Mapped[str] = mapped_column(sa.String(100))
    quantity: Mapped[int]
    unit_price: Mapped[int]
    line_points: Mapped[int]

    redemption: Mapped[Redemption] = relationship(back_populates="lines")
    item: Mapped[Item] = relationship()


class ItemMonthUsage(db.Model):
    """How many of an item a resident took in a Shanghai month (completed redemptions only).

    Redemptions add to it with a conditional upsert (quantity + q <= the item's monthly limit),
    voids take it back, so the monthly limit holds under concurrency without any other lock.
    """

    __tablename__ = "item_month_usage"
    __table_args__ = (sa.CheckConstraint("quantity >= 0", name="quantity_nonnegative"),)

    resident_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), primary_key=True)
    item_id: Mapped[int] = mapped_column(sa.ForeignKey("items.id"), primary_key=True, index=True)
    month: Mapped[str] = mapped_column(sa.String(7), primary_key=True)  # YYYY-MM in Asia/Shanghai
    quantity: Mapped[int]


class QuarterUsage(db.Model):
    """How many completed redemptions a resident made in a Shanghai calendar quarter (YYYYQ, e.g. 20262).

    Every redemption adds one with a conditional upsert (redemptions + 1 <= the policy's cap when
    one is set) and a void takes it back, so the quarterly cap holds under concurrency.
    """

    __tablename__ = "redemption_quarter_usage"
    __table_args__ = (sa.CheckConstraint("redemptions >= 0", name="redemptions_nonnegative"),)

    resident_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), primary_key=True)
    quarter: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    redemptions: Mapped[int]
