"""Forms for the activity, hours and approval pages."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import (
    BooleanField,
    DateField,
    HiddenField,
    SelectChoice,
    SelectField,
    StringField,
    TextAreaField,
    TimeField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from core.timeutil import shanghai_today
from core.validate import StrictIntegerField, strict_int
from points.models import ACTIVITY_CATEGORIES


class ActivityForm(FlaskForm):
    team_id = SelectField(_l("Team"), coerce=strict_int, validators=[InputRequired()])
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=200)])
    day = DateField(_l("Date"), validators=[InputRequired()], default=shanghai_today)  # most activities are logged the same day
    difficulty = SelectField(_l("Difficulty"), validators=[DataRequired()])
    category = SelectField(_l("Category"), choices=[SelectChoice("", "—")] + [SelectChoice(c, c) for c in ACTIVITY_CATEGORIES],
                           validators=[Optional()])
    place = StringField(_l("Place"), validators=[Optional(), Length(max=200)])
    start_time = TimeField(_l("Starts at"), validators=[Optional()])
    end_time = TimeField(_l("Ends at"), validators=[Optional()])
    open = BooleanField(_l("Open to residents outside the team (sign-up)"))
    capacity = StrictIntegerField(_l("Capacity (places)"), validators=[Optional(), NumberRange(min=1, max=10000)])


class LogOneForm(FlaskForm):
    volunteer_id = SelectField(_l("Volunteer"), coerce=strict_int, validators=[InputRequired()])
    minutes = StrictIntegerField(_l("Minutes"), validators=[InputRequired(), NumberRange(min=1, max=1440)])
    note = StringField(_l("Note"), validators=[Optional(), Length(max=200)])
    honour = BooleanField(_l("Honour hours (补录): service recorded after the fact; admins only"))


def log_one_form(is_admin: bool) -> LogOneForm:
    """The honour-hours box is there for admins only (a lead cannot record 补录)."""
    form = LogOneForm()
    if not is_admin:
        del form.honour
    return form


class RosterForm(FlaskForm):
    """CSRF only: the minutes inputs are named m-<volunteer id> and read by the view."""


class CsvForm(FlaskForm):
    file = FileField(_l("CSV file"), validators=[FileRequired()])


class KeyForm(FlaskForm):
    """A decision that moves points: carries the idempotency key made when the page was drawn."""

    idempotency_key = HiddenField(validators=[DataRequired(), Length(max=64)])


class ReasonForm(KeyForm):
    reason = TextAreaField(_l("Reason"), validators=[DataRequired(), Length(max=500)])


class BulkForm(FlaskForm):
    """CSRF only: the chosen record ids come as repeated `ids` values."""
