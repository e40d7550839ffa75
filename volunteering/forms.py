"""Forms for sign-up, check-in, a lead's check-in by hand and certificate requests."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, HiddenField, StringField
from wtforms.validators import DataRequired, InputRequired, Length, Optional, Regexp


class PlainForm(FlaskForm):
    """CSRF only: sign up, cancel."""


class AttendForm(FlaskForm):
    activity_id = HiddenField(validators=[DataRequired()])
    code = StringField(_l("Attendance code"), validators=[
        DataRequired(), Regexp(r"^[0-9]{6}$", message=_l("Type the 6 digits the lead shows."))])
    # action (in / out) comes from the button pressed; the view reads and checks it.


class HandForm(FlaskForm):
    user_id = HiddenField(validators=[DataRequired()])  # the action comes from the button pressed


class CertificateForm(FlaskForm):
    start = DateField(_l("From"), validators=[InputRequired()])
    end = DateField(_l("To"), validators=[InputRequired()])
    username = StringField(_l("Username (admins: for someone else)"), validators=[
        Optional(), Length(max=40), Regexp(r"^[A-Za-z0-9._-]{2,40}$", message=_l("No such person."))])
