"""Signing in and out, the language switch and the member card (HTML)."""

from urllib.parse import urlsplit

from flask import Blueprint, abort, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from accounts import people_views
from accounts.cards import card_context
from accounts.forms import CareModeForm, HonourRollForm, SignInForm
from accounts.models import User
from accounts.preferences import set_care_mode, set_honour_roll_opt_out
from accounts.sessions import close_session, open_session
from accounts.signin import authenticate
from audit.service import client_address
from core.errors import InvalidCredentials, RateLimited
from extensions import db

bp = Blueprint("accounts", __name__)

LANGUAGES = {"zh": "zh_Hans_CN", "en": "en"}

for _rule, _endpoint, _view, _methods in people_views.ROUTES:
    bp.add_url_rule(_rule, _endpoint, _view, methods=_methods)


def safe_next(target: str | None) -> str | None:
    """target when it is a path on this site ("/history?x=1"), else None.

    Absolute URLs, scheme-relative ("//evil") and backslash tricks ("/\\evil") are refused.
    """
    if not target or len(target) > 2000 or not target.startswith("/") or target.startswith("//"):
        return None
    if "\\" in target or any(ord(ch) < 32 or ord(ch) == 127 for ch in target):
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return None
    return target


def _home() -> str:
    return url_for("points.home")


@bp.route("/sign-in", methods=["GET", "POST"])
def sign_in():
    """The sign-in form; on success go to a safe `next` or the start page."""
    target = safe_next(request.args.get("next")) or _home()
    if current_user.is_authenticated:
        return redirect(target)
    form = SignInForm()
    status = 200
    if request.method == "POST":
        status = 422
        if form.validate_on_submit():
            try:
                user, token = authenticate(form.username.data, form.password.data, client_address(),
                                           on_success=open_session)
            except RateLimited:
                form.password.errors.append(_("Too many failed attempts. Wait 15 minutes, then try again."))
                status = 429
            except InvalidCredentials:
                form.password.errors.append(_("Wrong username or password."))
                status = 401
            else:
                lang = session.get("lang")
                session.clear()  # nothing from before sign-in carries over
                if lang:
                    session["lang"] = lang
                user.web_session_token = token  # the cookies name this server-side session
                login_user(user, remember=form.remember.data)
                return redirect(target)
    form.password.data = ""
    return render_template("accounts/sign_in.html", form=form), status


@bp.post("/sign-out")
def sign_out():
    """End this session on the server and drop its cookies; keep the language choice."""
    lang = session.get("lang")
    if current_user.is_authenticated:
        close_session(current_user.get_id(), current_user.id)
    session.clear()
    logout_user()  # after clear(): it leaves the flag that deletes the remember cookie
    if lang:
        session["lang"] = lang
    return redirect(url_for("accounts.sign_in"))


@bp.get("/lang/<lang>")
def set_language(lang: str):
    """Remember the chosen language (zh or en) and go back where the person was."""
    if lang not in LANGUAGES:
        abort(404)
    session["lang"] = LANGUAGES[lang]
    target = safe_next(request.args.get("next"))
    if target is None:
        target = _home() if current_user.is_authenticated else url_for("accounts.sign_in")
    return redirect(target)


@bp.get("/card")
@login_required
def my_card():
    """The signed-in person's own member card, printable at ID-card size."""
    user = db.session.get(User, current_user.id)
    form = HonourRollForm(show=not user.honour_roll_opt_out)
    return render_template("accounts/card.html", back_url=None, honour_form=form, **card_context(user))


@bp.get("/card/show")
@login_required
def show_card():
    """The member QR code full screen, to hold up at the counter."""
    user = db.session.get(User, current_user.id)
    return render_template("accounts/card_show.html", **card_context(user))


@bp.post("/care-mode")
@login_required
def care_mode():
    """Switch large text (关怀模式) on or off for oneself; it stays on until switched off."""
    form = CareModeForm()
    if not form.validate_on_submit() or form.on.data not in ("0", "1"):
        abort(400)
    set_care_mode(current_user.id, form.on.data == "1", current_user)
    return redirect(safe_next(request.form.get("next")) or url_for("points.home"))


@bp.post("/card/honour-roll")
@login_required
def set_honour_roll():
    """The person chooses whether the public honour roll may list them."""
    form = HonourRollForm()
    if form.validate_on_submit():
        set_honour_roll_opt_out(current_user.id, not form.show.data, current_user)
        flash(_("Saved: you are shown on the honour roll.") if form.show.data
              else _("Saved: you are not shown on the honour roll."), "success")
    return redirect(url_for("accounts.my_card"))
