"""An item's barcode, scanned or typed at the counter to add one to the basket."""

import re

import sqlalchemy as sa
from flask_babel import gettext
from sqlalchemy.exc import IntegrityError

from audit import service as audit
from core.db import run_write
from core.errors import ValidationFailed
from extensions import db
from redemption.models import Item
from redemption.requests import get_item, require_store_manager

BARCODE = re.compile(r"[0-9]{6,14}")  # EAN-8, UPC-A, EAN-13, GTIN-14, and shop-made codes of 6+ digits


def set_barcode(item_id, raw: str | None, actor) -> Item:
    """Give an item a barcode (ASCII digits, 6–14, unique in its store) or remove it (empty)."""
    item = get_item(item_id)
    require_store_manager(item.store_id, actor)
    code = (raw or "").strip() if isinstance(raw, str) or raw is None else None
    if code is None or (code and not (code.isascii() and BARCODE.fullmatch(code))):
        raise ValidationFailed({"barcode": gettext("A barcode is 6 to 14 digits.")})
    code = code or None
    taken = code is not None and db.session.execute(
        sa.select(Item.id).where(Item.store_id == item.store_id, Item.barcode == code, Item.id != item.id)).first()
    if taken:
        raise ValidationFailed({"barcode": gettext("Another item of this store has this barcode.")})
    item_id, before = item.id, item.barcode
    if before == code:
        return item

    def work() -> Item:
        db.session.execute(sa.update(Item).where(Item.id == item_id).values(barcode=code)
                           .execution_options(synchronize_session=False))
        audit.record("item.barcode_set", actor=actor, subject_type="items", subject_id=item_id,
                     before={"barcode": before}, after={"barcode": code})
        return db.session.get(Item, item_id)

    try:
        result = run_write(work)
    except IntegrityError:  # a concurrent twin took the code between the check and the write
        db.session.rollback()
        raise ValidationFailed({"barcode": gettext("Another item of this store has this barcode.")}) from None
    db.session.refresh(result)
    return result
