"""Forms for the set-up pages (teams, rules, levels, commendation types, awards)."""

import uuid

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, SelectField, StringField, TextAreaField
from wtforms.validators import InputRequired, Length, NumberRange, Optional, Regexp, ValidationError

from accounts.models import User
from core.validate import StrictIntegerField, parse_id, strict_int
from extensions import db
from points import awards, setup_services

KEY_PATTERN = r"^[0-9a-f]{32}$"


def _multiplier(form, field):
    problem = setup_services.multiplier_problem(field.data or "")
    if problem:
        raise ValidationError(problem)


def _reason(form, field):
    problem = awards.reason_problem(field.data)
    if problem:
        raise ValidationError(problem)


def _nonzero(form, field):
    if field.data == 0:
        raise ValidationError(awards.nonzero_message())


class TeamForm(FlaskForm):
    name = StringField(_l("Team name"), validators=[InputRequired(), Length(max=100)])
    community_id = SelectField(_l("Community"), coerce=strict_int, default=0)
    leads = StringField(_l("Leads (usernames, separated by commas)"), validators=[Optional(), Length(max=1000)])


class PersonForm(FlaskForm):
    """A person picked by username or name; `pick` carries the id chosen among several matches."""

    person = StringField(_l("Person (username or name)"), validators=[InputRequired(), Length(max=100)],
                         render_kw={"autocomplete": "off", "list": "people-options"})
    pick = HiddenField()


class RuleForm(FlaskForm):
    points_per_hour = StrictIntegerField(_l("Points per hour"), validators=[
        InputRequired(), NumberRange(min=1, max=setup_services.MAX_POINTS_PER_HOUR)])
    confirmed = HiddenField()  # "1" once the admin saw what changes and confirmed it


class LevelForm(FlaskForm):
    code = StringField(_l("Code"), validators=[InputRequired(), Regexp(
        "^" + setup_services.CODE_PATTERN + "$",
        message=_l("1–40 lower-case letters, digits, '_' or '-', starting with a letter or digit."))])
    name = StringField(_l("Level name"), validators=[InputRequired(), Length(max=60)])
    multiplier = StringField(_l("Multiplier"), validators=[InputRequired(), _multiplier],
                             render_kw={"inputmode": "decimal"})
    active = BooleanField(_l("Active"), default=True)


class CommendationTypeForm(FlaskForm):
    code = LevelForm.code
    name = StringField(_l("Commendation name"), validators=[InputRequired(), Length(max=60)])
    points = StrictIntegerField(_l("Points"), validators=[
        InputRequired(), NumberRange(min=1, max=setup_services.MAX_COMMENDATION_POINTS)])
    active = BooleanField(_l("Active"), default=True)


class AwardForm(PersonForm):
    """Moves points: carries a hidden idempotency key made when the form is first shown."""

    idempotency_key = HiddenField(validators=[Regexp(KEY_PATTERN, message=_l(
        "The form has expired. Reload the page and try again."))])
    reason = TextAreaField(_l("Reason"), validators=[_reason], render_kw={"rows": 3, "maxlength": 500})
    confirmed = HiddenField()  # "1" once the admin saw the person and the points and confirmed

    def ensure_key(self) -> None:
        if not self.idempotency_key.data:
            self.idempotency_key.data = uuid.uuid4().hex

    def new_key(self) -> None:
        self.idempotency_key.data = uuid.uuid4().hex


class CommendationForm(AwardForm):
    type = SelectField(_l("Commendation"), validators=[InputRequired()])


class AdjustmentForm(AwardForm):
    points = StrictIntegerField(_l("Points (negative to deduct)"), validators=[
        InputRequired(), NumberRange(min=-awards.MAX_ADJUSTMENT, max=awards.MAX_ADJUSTMENT), _nonzero],
        render_kw={"inputmode": "numeric"})


def search_people(q: str, limit: int = 20) -> list[User]:
    """Active people whose username, name or pinyin initials match q; exact username first."""
    q = (q or "").strip()
    if not q or len(q) > 100 or any(ord(c) < 32 for c in q):
        return []
    pattern = "%" + q.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    exact = sa.func.lower(User.username) == q.lower()
    matches = [exact, sa.func.lower(User.username).like(pattern, escape="\\"),
               User.name.like(pattern, escape="\\")]
    if q.isascii() and q.isalpha():  # pinyin initials: "zw" finds 张伟
        matches.append(User.name_initials.like(q.lower() + "%"))
    stmt = (
        sa.select(User).where(User.active.is_(True), sa.or_(*matches))
        .order_by(sa.case((exact, 0), else_=1), User.name, User.id).limit(limit)
    )
    return list(db.session.execute(stmt).scalars())


def resolve_person(form: PersonForm) -> tuple[User | None, list[User]]:
    """The person the form names: the picked id, an exact username, or the only match.

    Several matches → (None, candidates) so the page can offer them; none → a field error.
    """
    picked = parse_id(form.pick.data)
    if picked is not None:
        user = db.session.get(User, picked)
        if user is not None and user.active:
            return user, []
    matches = search_people(form.person.data or "")
    if matches and matches[0].username.lower() == (form.person.data or "").strip().lower():
        return matches[0], []
    if len(matches) == 1:
        return matches[0], []
    if not matches:
        form.person.errors = [*form.person.errors, _l("Nobody matches; try a username or a name.")]
        return None, []
    form.person.errors = [*form.person.errors, _l("Several people match; choose one below.")]
    return None, matches
