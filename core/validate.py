"""Checking untrusted values (JSON bodies, CSV rows) into typed ones, collecting every problem.

Wrong types, huge numbers, NUL characters and blank strings become field messages,
never exceptions that could surface as a 500.
"""

import re
from datetime import date
from decimal import Decimal, InvalidOperation

from flask_babel import gettext
from wtforms import IntegerField

from core.errors import ValidationFailed

MAX_SAFE_INT = 2**53 - 1
MAX_ID = 2**31 - 1  # id columns are 32-bit on PostgreSQL; a larger id can name nothing
MAX_PAGE = 10_000  # 10,000 pages of 25-50 rows: past any real list, short of an OFFSET overflow
_MISSING = object()


# ---------------------------------------------------------------- query strings and form fields

_SIGNED_DIGITS = re.compile(r"[+-]?[0-9]{1,15}")


def strict_int(value) -> int:
    """`coerce=` for select fields: ASCII digits only ("١" or "²" are not a choice), else ValueError."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    number = parse_int(value, min_value=0, max_value=MAX_SAFE_INT)
    if number is None:
        raise ValueError("not a whole number in ASCII digits")
    return number


class StrictIntegerField(IntegerField):
    """An IntegerField that takes only ASCII digits (an optional sign), at most 15 of them."""

    def process_formdata(self, valuelist):
        if not valuelist:
            return
        text = (valuelist[0] or "").strip()
        if not text:
            self.data = None
            return
        if not _SIGNED_DIGITS.fullmatch(text):
            self.data = None
            raise ValueError(self.gettext("Not a valid integer value."))
        self.data = int(text)


def parse_int(raw, *, min_value: int = 0, max_value: int = MAX_ID) -> int | None:
    """A whole number written in ASCII digits 0-9, within bounds, or None.

    str.isdigit() accepts "²" (int() then raises) and int() reads "١" or "１" as digits:
    neither belongs in a form field, so only plain ASCII digits count here.
    """
    if raw is None:
        return None
    text = str(raw).strip()
    if not text or not text.isascii() or not text.isdigit() or len(text) > len(str(max_value)):
        return None
    value = int(text)
    return value if min_value <= value <= max_value else None


def parse_id(raw) -> int | None:
    """A database id (1 to 2^31-1) from untrusted text, or None."""
    return parse_int(raw, min_value=1, max_value=MAX_ID)


def parse_page(raw, *, max_page: int = MAX_PAGE) -> int:
    """A page number from the query string; anything bad or past max_page reads as page 1."""
    return parse_int(raw, min_value=1, max_value=max_page) or 1


def parse_ids(values, *, max_items: int = 500) -> list[int] | None:
    """Ids from a multi-valued field; None when any one is not an id (the form was tampered with)."""
    values = list(values)
    if len(values) > max_items:
        return None
    ids = [parse_id(v) for v in values]
    return None if any(i is None for i in ids) else list(dict.fromkeys(ids))


def not_storable(value: str) -> bool:
    """True for text no database column can hold: NUL, or a lone surrogate ("\\ud800" is valid JSON)."""
    if "\x00" in value:
        return True
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


class Checker:
    """Reads fields from a dict; .done() raises ValidationFailed listing every bad field."""

    def __init__(self, data: dict):
        self.data = data
        self.errors: dict[str, str] = {}

    def fail(self, name: str, message: str) -> None:
        self.errors.setdefault(name, message)

    def _get(self, name: str, required: bool):
        value = self.data.get(name, _MISSING)
        if value is _MISSING or value is None:
            if required:
                self.fail(name, gettext("This field is required."))
            return _MISSING
        return value

    def integer(self, name: str, *, required: bool = True, min_value: int | None = None,
                max_value: int | None = None) -> int | None:
        value = self._get(name, required)
        if value is _MISSING:
            return None
        if isinstance(value, bool) or not isinstance(value, int) or abs(value) > MAX_SAFE_INT:
            self.fail(name, gettext("Must be a whole number."))
            return None
        if (min_value is not None and value < min_value) or (max_value is not None and value > max_value):
            self.fail(name, _range_message(min_value, max_value))
            return None
        return value

    def id(self, name: str, *, required: bool = True) -> int | None:
        value = self._get(name, required)
        if value is _MISSING:
            return None
        if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_ID:
            self.fail(name, gettext("Must be an id (a positive whole number)."))
            return None
        return value

    def text(self, name: str, *, required: bool = True, max_length: int = 200,
             min_length: int = 1, pattern: str | None = None) -> str | None:
        value = self._get(name, required)
        if value is _MISSING:
            return None
        if not isinstance(value, str):
            self.fail(name, gettext("Must be text."))
            return None
        value = value.strip()
        if not_storable(value) or any(ord(c) < 32 and c not in "\t\n\r" for c in value):
            self.fail(name, gettext("Contains characters that are not allowed."))
            return None
        if len(value) < min_length:
            self.fail(name, gettext("This field is required.") if not value
                      else gettext("At least %(n)s characters.", n=min_length))
            return None
        if len(value) > max_length:
            self.fail(name, gettext("At most %(n)s characters.", n=max_length))
            return None
        if pattern and not re.fullmatch(pattern, value):
            self.fail(name, gettext("Invalid format."))
            return None
        return value

    def boolean(self, name: str, *, required: bool = False, default: bool = False) -> bool:
        value = self._get(name, required)
        if value is _MISSING:
            return default
        if not isinstance(value, bool):
            self.fail(name, gettext("Must be true or false."))
            return default
        return value

    def day(self, name: str, *, required: bool = True) -> date | None:
        value = self._get(name, required)
        if value is _MISSING:
            return None
        if isinstance(value, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
            try:
                return date.fromisoformat(value)
            except ValueError:
                pass
        self.fail(name, gettext("Must be a date like 2026-05-01."))
        return None

    def multiplier(self, name: str, *, required: bool = True) -> Decimal | None:
        """A decimal in (0, 10] with at most two places, given as a string or a number."""
        value = self._get(name, required)
        if value is _MISSING:
            return None
        if isinstance(value, bool) or not isinstance(value, (str, int, float)) or (
            isinstance(value, str) and len(value) > 20
        ):
            self.fail(name, gettext("Must be a decimal number."))
            return None
        try:
            number = Decimal(str(value).strip())
        except InvalidOperation:
            self.fail(name, gettext("Must be a decimal number."))
            return None
        if not number.is_finite() or number <= 0 or number > 10:
            self.fail(name, gettext("Must be more than 0 and at most 10."))
            return None
        if number != number.quantize(Decimal("0.01")):
            self.fail(name, gettext("At most two decimal places."))
            return None
        return number.quantize(Decimal("0.01"))

    def id_list(self, name: str, *, required: bool = False, max_items: int = 200) -> list[int]:
        value = self._get(name, required)
        if value is _MISSING:
            return []
        if not isinstance(value, list) or len(value) > max_items or not all(
            isinstance(v, int) and not isinstance(v, bool) and 1 <= v <= MAX_ID for v in value
        ):
            self.fail(name, gettext("Must be a list of ids."))
            return []
        return list(dict.fromkeys(value))

    def done(self) -> None:
        if self.errors:
            raise ValidationFailed(self.errors)


def _range_message(min_value, max_value) -> str:
    if min_value is not None and max_value is not None:
        return gettext("Must be from %(min)s to %(max)s.", min=min_value, max=max_value)
    if min_value is not None:
        return gettext("Must be at least %(min)s.", min=min_value)
    return gettext("Must be at most %(max)s.", max=max_value)
