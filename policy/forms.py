"""The settings page's form: each policy field as plain text an admin can type, parsed strictly."""

import re

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, StringField
from wtforms.validators import Length, Optional

from policy.current import Policy

_NUMBERS = re.compile(r"[0-9]{1,9}")
_SEPARATORS = re.compile(r"[\s,，、/]+")


class PolicyForm(FlaskForm):
    expiry_months = StringField(_l("Points expire after (months)"), validators=[Optional(), Length(max=9)])
    star_hours = StringField(_l("Hours for each star level"), validators=[Length(max=200)])
    star_points = StringField(_l("Points earned for each star level (0: hours only)"),
                              validators=[Optional(), Length(max=200)])
    redeem_min_star = StringField(_l("Minimum star before redeeming (0: none)"), validators=[Length(max=9)])
    redemptions_per_quarter = StringField(_l("Redemptions per quarter (empty: no cap)"),
                                          validators=[Optional(), Length(max=9)])
    exchange_days = StringField(_l("Exchange days of the month (empty: every day)"),
                                validators=[Optional(), Length(max=120)])
    honour_hours_earn_points = BooleanField(_l("Honour hours (补录) earn points"))
    notice_days = StringField(_l("Days a nomination is publicly posted (公示)"), validators=[Length(max=9)])


def fill(form: PolicyForm, policy: Policy) -> None:
    """The policy in force as the form's starting values."""
    form.expiry_months.data = "" if policy.expiry_months is None else str(policy.expiry_months)
    form.star_hours.data = ", ".join(str(lv.hours) for lv in policy.star_levels)
    form.star_points.data = ", ".join(str(lv.points_earned) for lv in policy.star_levels)
    form.redeem_min_star.data = str(policy.redeem_min_star)
    form.redemptions_per_quarter.data = "" if policy.redemptions_per_quarter is None else str(
        policy.redemptions_per_quarter)
    form.exchange_days.data = "" if policy.exchange_days is None else ", ".join(map(str, policy.exchange_days))
    form.honour_hours_earn_points.data = policy.honour_hours_earn_points
    form.notice_days.data = str(policy.notice_days)


def _number(text: str):
    """ASCII digits only → int; anything else stays text so the service names the field."""
    text = (text or "").strip()
    return int(text) if _NUMBERS.fullmatch(text) else text


def _numbers(text: str) -> list:
    parts = [p for p in _SEPARATORS.split((text or "").strip()) if p]
    return [_number(p) for p in parts]


def changes_from(form: PolicyForm) -> dict:
    """The form's values as the API's fields (set_policy validates every one)."""
    hours = _numbers(form.star_hours.data)
    points = _numbers(form.star_points.data) if (form.star_points.data or "").strip() else [0] * len(hours)
    if len(points) != len(hours):
        levels = "mismatch"  # the service says what is wrong with star_levels
    else:
        levels = [{"star": n, "hours": h, "points_earned": p}
                  for n, (h, p) in enumerate(zip(hours, points, strict=True), start=1)]
    blank = lambda text: not (text or "").strip()  # noqa: E731
    return {
        "expiry_months": None if blank(form.expiry_months.data) else _number(form.expiry_months.data),
        "star_levels": levels,
        "redeem_min_star": _number(form.redeem_min_star.data),
        "redemptions_per_quarter": (None if blank(form.redemptions_per_quarter.data)
                                    else _number(form.redemptions_per_quarter.data)),
        "exchange_days": None if blank(form.exchange_days.data) else _numbers(form.exchange_days.data),
        "honour_hours_earn_points": bool(form.honour_hours_earn_points.data),
        "notice_days": _number(form.notice_days.data),
    }


FIELD_OF = {"star_levels": "star_hours"}  # service field → form field where they differ
