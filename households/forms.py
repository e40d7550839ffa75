"""Forms of the household pages: the gift (with a confirm step), households and proxies (admin)."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, SelectField, StringField
from wtforms.validators import InputRequired, Length, NumberRange, Optional, Regexp, ValidationError

from core.validate import StrictIntegerField
from households.gifts import MAX_GIFT, MAX_NOTE
from redemption.forms import KeyedForm

USERNAMES = r"[A-Za-z0-9._\-,，\s]{0,2000}"


def _no_control_chars(_form, field) -> None:
    if any(ord(ch) < 32 and ch not in "\t\n\r" for ch in field.data or ""):
        raise ValidationError(_l("Contains characters that are not allowed."))


class GiftForm(KeyedForm):
    to_user_id = SelectField(_l("To"), coerce=int, validate_choice=True)
    points = StrictIntegerField(_l("Points to give"), validators=[InputRequired(), NumberRange(1, MAX_GIFT)],
                                render_kw={"inputmode": "numeric", "min": 1, "max": MAX_GIFT})
    note = StringField(_l("Note (optional)"), validators=[Optional(), Length(max=MAX_NOTE), _no_control_chars],
                       render_kw={"maxlength": MAX_NOTE})
    confirmed = HiddenField()


class HouseholdForm(FlaskForm):
    name = StringField(_l("Household name"), validators=[InputRequired(), Length(1, 100), _no_control_chars],
                       render_kw={"maxlength": 100})
    usernames = StringField(_l("Members (usernames, separated by spaces)"),
                            validators=[Optional(), Length(max=2000), Regexp(USERNAMES)])


class UsernameForm(FlaskForm):
    username = StringField(_l("Username"), validators=[InputRequired(), Length(2, 40),
                                                       Regexp(r"[A-Za-z0-9._\-]{2,40}")])
