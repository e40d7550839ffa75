"""Forms for the store's pages. Quantities in the basket are read by the view (one field per item)."""

import uuid

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import (
    BooleanField,
    HiddenField,
    SelectChoice,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import InputRequired, Length, NumberRange, Optional, Regexp, ValidationError

from core.validate import StrictIntegerField, strict_int

KEY_PATTERN = r"[0-9a-f]{32}"
MAX_QUANTITY = 999


def new_key() -> str:
    """A fresh idempotency key for a form that moves points or stock."""
    return uuid.uuid4().hex


def _no_control_chars(_form, field) -> None:
    value = field.data or ""
    if any(ord(ch) < 32 and ch not in "\t\n\r" for ch in value):
        raise ValidationError(_l("Contains characters that are not allowed."))


class KeyedForm(FlaskForm):
    """A form with a hidden idempotency key, made when the form is first rendered."""

    idempotency_key = HiddenField(validators=[InputRequired(), Regexp(KEY_PATTERN)])

    def __init__(self, *args, **kwargs):
        fresh = "formdata" in kwargs and kwargs["formdata"] is None
        super().__init__(*args, **kwargs)
        if (fresh or not self.is_submitted()) and not self.idempotency_key.data:
            self.idempotency_key.data = new_key()


class StorePickForm(FlaskForm):
    """Which store this counter serves (for keepers of several stores)."""

    store_id = SelectField(_l("Store"), coerce=strict_int, validators=[InputRequired()])


class CardForm(FlaskForm):
    """The card code a USB scanner types (or a camera scan fills in)."""

    code = StringField(_l("Card code"), validators=[InputRequired(), Length(max=64), _no_control_chars])


class RedeemForm(KeyedForm):
    """Confirming a basket; the quantities come as qty-<item id> fields."""

    resident_id = HiddenField(validators=[InputRequired(), Regexp(r"[0-9]{1,9}")])
    store_id = HiddenField(validators=[InputRequired(), Regexp(r"[0-9]{1,9}")])


class VoidForm(KeyedForm):
    reason = TextAreaField(
        _l("Reason for the void"),
        validators=[InputRequired(), Length(min=2, max=500), _no_control_chars],
        render_kw={"rows": 2, "maxlength": 500},
    )


class StoreForm(FlaskForm):
    name = StringField(_l("Store name"), validators=[InputRequired(), Length(max=100), _no_control_chars])
    community_id = SelectField(_l("Community"), coerce=strict_int, validators=[Optional()])
    keeper_ids = SelectMultipleField(_l("Store keepers"), coerce=strict_int, validators=[Optional()])


class ItemForm(KeyedForm):
    name = StringField(_l("Item name"), validators=[InputRequired(), Length(max=100), _no_control_chars])
    category = StringField(_l("Category"), validators=[Optional(), Length(max=40), _no_control_chars])
    price = StrictIntegerField(_l("Price (points)"), validators=[InputRequired(), NumberRange(1, 1_000_000)])
    stock = StrictIntegerField(_l("Opening stock"), default=0, validators=[InputRequired(), NumberRange(0, 100_000)])
    monthly_limit = StrictIntegerField(
        _l("Limit per resident per month (empty: none)"), validators=[Optional(), NumberRange(1, MAX_QUANTITY)]
    )
    active = BooleanField(_l("On sale"), default=True)
    photo = FileField(_l("Photo (JPEG, PNG or WebP)"))


STOCK_KINDS = [
    SelectChoice("donation", _l("Donation in")),
    SelectChoice("purchase", _l("Purchase in")),
    SelectChoice("adjustment", _l("Adjustment (count correction, damage…)")),
]


class StockForm(KeyedForm):
    kind = SelectField(_l("Kind"), choices=STOCK_KINDS, validators=[InputRequired()])
    delta = StrictIntegerField(
        _l("Quantity (negative only for an adjustment)"),
        validators=[InputRequired(), NumberRange(-100_000, 100_000)],
    )
    donor = StringField(_l("Donor"), validators=[Length(max=100), _no_control_chars])
    reason = StringField(_l("Reason"), validators=[Length(max=500), _no_control_chars])
    confirmed = HiddenField()  # "1" once a write-off or a large booking has been confirmed

    def validate_delta(self, field) -> None:
        if field.data == 0:
            raise ValidationError(_l("Must not be zero."))
        if self.kind.data in ("donation", "purchase") and field.data is not None and field.data < 0:
            raise ValidationError(_l("Donations and purchases add stock: enter a positive number."))

    def validate_donor(self, field) -> None:
        if self.kind.data == "donation" and not (field.data or "").strip():
            raise ValidationError(_l("Who gave it?"))

    def validate_reason(self, field) -> None:
        if self.kind.data == "adjustment" and not (field.data or "").strip():
            raise ValidationError(_l("An adjustment needs a reason."))
