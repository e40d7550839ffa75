"""Forms for signing in and for managing people, communities and grids."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import (
    BooleanField,
    HiddenField,
    PasswordField,
    SelectChoice,
    SelectField,
    SelectMultipleField,
    StringField,
)
from wtforms.validators import InputRequired, Length, Optional, Regexp, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from accounts.models import ROLES
from core.validate import parse_id

ROLE_LABELS = {
    "resident": _l("Resident"),
    "team_lead": _l("Team lead"),
    "store_keeper": _l("Store keeper"),
    "admin": _l("Admin"),
    "auditor": _l("Auditor"),
}


def no_control_characters(form, field):
    """Refuse NUL and other control characters (PostgreSQL cannot even store NUL)."""
    if isinstance(field.data, str) and any(ord(ch) < 32 for ch in field.data):
        raise ValidationError(_l("Contains characters that are not allowed."))


def optional_int(value):
    """'' or None → None, digits → int; anything else → None (then refused by the choices)."""
    if value in (None, "", "None"):
        return None
    if isinstance(value, int):
        return value
    number = parse_id(value)
    return number if number is not None else -1


class CheckboxesField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class SignInForm(FlaskForm):
    username = StringField(_l("Username"), validators=[InputRequired(), Length(max=100), no_control_characters],
                           render_kw={"autocomplete": "username", "autocapitalize": "none", "autofocus": True})
    password = PasswordField(_l("Password"), validators=[InputRequired(), Length(max=200), no_control_characters],
                             render_kw={"autocomplete": "current-password"})
    remember = BooleanField(_l("Keep me signed in on this device"))


class SearchForm(FlaskForm):
    class Meta:
        csrf = False

    q = StringField(_l("Search"), validators=[Optional(), Length(max=100), no_control_characters],
                    render_kw={"placeholder": _l("Name, username, phone or pinyin initials")})


class _PersonFields(FlaskForm):
    name = StringField(_l("Name"), validators=[InputRequired(), Length(max=100), no_control_characters])
    roles = CheckboxesField(_l("Roles"), choices=[SelectChoice(r, ROLE_LABELS[r]) for r in ROLES],
                            validators=[InputRequired(message=_l("Choose at least one role."))],
                            default=["resident"])
    community_id = SelectField(_l("Community"), coerce=optional_int, validate_choice=True)
    grid_id = SelectField(_l("Grid"), coerce=optional_int, validate_choice=True)
    phone = StringField(_l("Phone"), validators=[Optional(), Length(max=30), no_control_characters],
                        render_kw={"inputmode": "tel", "autocomplete": "off"})
    id_number = StringField(_l("ID number"), validators=[Optional(), Length(max=30), no_control_characters],
                            render_kw={"autocomplete": "off"})

    def set_places(self, communities) -> None:
        """Fill the community and grid choices from the database rows."""
        none = SelectChoice(None, _l("— none —"))
        self.community_id.choices = [none] + [SelectChoice(c.id, c.name) for c in communities]
        self.grid_id.choices = [none] + [
            SelectChoice(g.id, g.name, optgroup=c.name) for c in communities for g in c.grids
        ]

    def set_units(self, units) -> None:
        """Fill the employer unit choices from (id, name) pairs."""
        self.unit_id.choices = [SelectChoice(None, _l("— none —"))] + [SelectChoice(i, n) for i, n in units]


class NewPersonForm(_PersonFields):
    username = StringField(_l("Username"), validators=[
        InputRequired(), Regexp(r"^[A-Za-z0-9._-]{2,40}$", message=_l("2–40 letters, digits, '.', '_' or '-'."))
    ], render_kw={"autocapitalize": "none", "autocomplete": "off"})
    password = PasswordField(_l("Password"), validators=[InputRequired(), Length(min=8, max=200),
                                                         no_control_characters],
                             render_kw={"autocomplete": "new-password"})


class EditPersonForm(_PersonFields):
    active = BooleanField(_l("Active (may sign in and use the card)"))
    party_member = BooleanField(_l("Party member reporting to the community (双报到)"))
    unit_id = SelectField(_l("Employer unit (co-building unit)"), coerce=optional_int, validate_choice=True)
    in_need = BooleanField(_l("In need (may receive gifts of points)"))
    new_password = PasswordField(_l("New password (leave blank to keep)"),
                                 validators=[Optional(), Length(min=8, max=200), no_control_characters],
                                 render_kw={"autocomplete": "new-password"})


class CommunityForm(FlaskForm):
    name = StringField(_l("Community name"), validators=[InputRequired(), Length(max=100), no_control_characters])


class GridForm(FlaskForm):
    name = StringField(_l("Grid name"), validators=[InputRequired(), Length(max=100), no_control_characters])


class ConfirmForm(FlaskForm):
    """A button-only form; it carries the CSRF token."""


class HonourRollForm(FlaskForm):
    """Whether the public honour roll (光荣榜) may list me (names are masked there)."""

    show = BooleanField(_l("Show me on the public honour roll (my name is masked there)"))


class CareModeForm(FlaskForm):
    """Switch large text on or off; the button says which."""

    on = HiddenField()


class ImportPeopleForm(FlaskForm):
    """An Excel or CSV file of residents and the initial password for rows without one."""

    file = FileField(_l("Excel (.xlsx) or CSV file"), validators=[FileRequired()])
    initial_password = PasswordField(_l("Initial password (for rows without one)"),
                                     validators=[Optional(), Length(min=8, max=200), no_control_characters],
                                     render_kw={"autocomplete": "new-password"})
