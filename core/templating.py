"""Template globals and filters shared by every page.

Every page pays for these, so they are kept cheap (issue 6, "a light request floor"): the
translations are looked up once per request, not once per `_()` in a template; the navigation is
built once per language, set of roles and script root, then only marked active.
"""

from flask import Flask, request, url_for
from flask.globals import _cv_app
from flask_babel import get_locale, get_translations
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from core.privacy import mask_name, mask_phone
from core.timeutil import SHANGHAI, aware

# (endpoint, label, roles that see it; None means every signed-in person)
NAV = [
    ("points.home", _l("My points"), None),
    ("redemption.catalogue", _l("Catalogue"), None),
    ("redemption.my_redemptions", _l("My redemptions"), None),
    ("accounts.my_card", _l("Member card"), None),
    ("households.family", _l("My family"), None),
    ("volunteering.activities", _l("Activities"), None),
    ("community.wish_board", _l("Micro-wishes"), None),
    ("community.needs_list", _l("Needs list"), None),
    ("points.lead_home", _l("Team lead"), ("team_lead", "admin")),
    ("redemption.counter", _l("Counter"), ("store_keeper",)),
    ("points.approvals", _l("Approvals"), ("admin",)),
    ("accounts.people", _l("People"), ("admin",)),
    ("households.households_list", _l("Households"), ("admin",)),
    ("setup.teams", _l("Teams"), ("admin",)),
    ("setup.rules", _l("Rules"), ("admin",)),
    ("policy.settings", _l("Points policy"), ("admin", "auditor")),
    ("redemption.stores", _l("Stores"), ("admin", "store_keeper")),
    ("notices.nominations", _l("Nominations"), ("admin", "auditor")),
    ("notices.public", _l("Public notice"), None),
    ("community.wishes_admin", _l("Community"), ("admin", "auditor")),
    ("reports.dashboard", _l("Reports"), ("admin", "auditor")),
    ("audit.events", _l("Audit"), ("admin", "auditor")),
]


_NAV_CACHE: dict[tuple, tuple[tuple[str, str], ...]] = {}


def current_lang() -> str:
    return "en" if str(get_locale() or "").startswith("en") else "zh"


def request_translations():
    """Flask-Babel's translations for this request, found once and kept beside its locale.

    Flask-Babel resolves the context, the domain and the locale on every call; a page calls
    it a hundred times. The copy is keyed by the locale object Flask-Babel keeps for the
    request, so force_locale() or refresh() (which replace or drop it) are still obeyed.
    """
    app_ctx = _cv_app.get(None)
    ns = getattr(app_ctx.g, "_flask_babel", None) if app_ctx is not None else None
    if ns is not None:
        kept = getattr(ns, "jifen_translations", None)
        if kept is not None and kept[0] is getattr(ns, "babel_locale", None):
            return kept[1]
    translations = get_translations()
    ns = getattr(app_ctx.g, "_flask_babel", None) if app_ctx is not None else None
    if ns is not None:
        ns.jifen_translations = (getattr(ns, "babel_locale", None), translations)
    return translations


def _nav_links(roles: tuple[str, ...]) -> tuple[tuple[str, str], ...]:
    """(url, label) of the links these roles see, in this request's language and script root."""
    key = (str(get_locale()), roles, request.script_root)
    links = _NAV_CACHE.get(key)
    if links is None:
        held = set(roles)
        links = tuple((url_for(endpoint), str(label)) for endpoint, label, wanted in NAV
                      if wanted is None or held.intersection(wanted))
        if len(_NAV_CACHE) < 1000:  # languages × role sets × roots: a handful in practice
            _NAV_CACHE[key] = links
    return links


def nav_items() -> list[dict]:
    """The navigation links this person's roles allow."""
    path = request.path
    return [{"url": url, "label": label, "active": path == url}
            for url, label in _nav_links(tuple(sorted(current_user.roles)))]


def local_time(moment, fmt: str = "%Y-%m-%d %H:%M") -> str:
    """A stored UTC moment as Asia/Shanghai wall-clock time."""
    if moment is None:
        return ""
    return aware(moment).astimezone(SHANGHAI).strftime(fmt)


def signed(points: int) -> str:
    """+10 / −5, for ledger entries."""
    return f"+{points}" if points > 0 else f"−{abs(points)}"


def init_templating(app: Flask) -> None:
    app.jinja_env.globals.update(current_lang=current_lang, nav_items=nav_items)
    if "gettext" in app.jinja_env.globals:  # Flask-Babel's callables, with the translations found once
        app.jinja_env.install_gettext_callables(
            gettext=lambda s: request_translations().ugettext(s),
            ngettext=lambda s, p, n: request_translations().ungettext(s, p, n),
            pgettext=lambda c, s: request_translations().upgettext(c, s),
            npgettext=lambda c, s, p, n: request_translations().unpgettext(c, s, p, n),
            newstyle=True,
        )
    app.jinja_env.filters.update(
        local_time=local_time, mask_name=mask_name, mask_phone=mask_phone, signed=signed
    )
