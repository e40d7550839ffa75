"""Forms for nominating, reviewing, resolving and objecting (Flask-WTF: CSRF on every one)."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import RadioField, SelectChoice, SelectField, TextAreaField
from wtforms.validators import InputRequired, Length, Optional

from points.setup_forms import PersonForm

REASON_ATTRS = {"rows": 3, "maxlength": 500}


class NominateForm(PersonForm):
    type = SelectField(_l("Commendation"), validators=[InputRequired()])
    reason = TextAreaField(_l("Reason (shown on the public notice)"),
                           validators=[InputRequired(), Length(max=500)], render_kw=REASON_ATTRS)


class ReviewForm(FlaskForm):
    decision = RadioField(_l("Decision"), choices=[SelectChoice("approve", _l("Approve: post the public notice")),
                                                   SelectChoice("reject", _l("Reject"))], validators=[InputRequired()])
    reason = TextAreaField(_l("Reason (required to reject)"), validators=[Optional(), Length(max=500)],
                           render_kw=REASON_ATTRS)


class ResolveForm(FlaskForm):
    decision = RadioField(_l("Decision"), choices=[SelectChoice("dismiss", _l("Dismiss the objection: back in notice")),
                                                   SelectChoice("uphold", _l("Uphold the objection: reject the nomination"))],
                          validators=[InputRequired()])
    reason = TextAreaField(_l("Reason (required to uphold)"), validators=[Optional(), Length(max=500)],
                           render_kw=REASON_ATTRS)


class ObjectionForm(FlaskForm):
    reason = TextAreaField(_l("Your objection"), validators=[InputRequired(), Length(max=500)],
                           render_kw={"rows": 3, "maxlength": 500})
