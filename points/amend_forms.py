"""Forms for a lead's withdraw and correct steps."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange

from core.validate import StrictIntegerField

MINUTES_RULE = _l("Minutes must be a whole number from 1 to 1440.")


class WithdrawForm(FlaskForm):
    reason = TextAreaField(_l("Why is it withdrawn?"), validators=[DataRequired(), Length(max=500)])


class CorrectForm(FlaskForm):
    minutes = StrictIntegerField(_l("Correct minutes"), validators=[
        InputRequired(message=MINUTES_RULE), NumberRange(min=1, max=1440, message=MINUTES_RULE)])
    confirmed = HiddenField()  # "1" once the lead has seen the before and after
