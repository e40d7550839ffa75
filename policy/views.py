"""The policy settings page (/policy): admins change it, auditors read it; every version listed."""

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext
from flask_login import current_user

from accounts.decorators import role_required
from core.errors import DomainError
from policy import services
from policy.current import Policy, current_policy
from policy.forms import FIELD_OF, PolicyForm, changes_from, fill

bp = Blueprint("policy", __name__)


def _page(form: PolicyForm, status: int = 200):
    return render_template("policy/settings.html", form=form, policy=current_policy(), defaults=Policy(),
                           versions=services.versions(), readable=services.readable), status


@bp.get("/policy")
@role_required("admin")
def settings():
    form = PolicyForm()
    fill(form, current_policy())
    return _page(form)


@bp.post("/policy")
@role_required("admin")
def change():
    form = PolicyForm()
    if not form.validate_on_submit():
        return _page(form, 422)
    try:
        changes = changes_from(form)
        if services.check_changes(changes, current_policy()) == current_policy().settings_json():
            flash(gettext("Nothing was changed."), "info")
            return redirect(url_for("policy.settings"))
        policy = services.set_policy(changes, current_user)
    except DomainError as error:
        placed = False
        for name, message in (error.fields or {}).items():
            field = getattr(form, FIELD_OF.get(name, name), None)
            if field is not None:
                field.errors = [*field.errors, str(message)]
                placed = True
        if not placed:
            flash(str(error.message), "danger")
        return _page(form, error.status)
    flash(gettext("Policy saved as version %(v)s. It applies from now on; what was credited keeps its terms.",
                  v=policy.version), "success")
    return redirect(url_for("policy.settings"))
