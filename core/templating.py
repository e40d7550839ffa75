"""Template globals and filters shared by every page."""

from flask import Flask, request, url_for
from flask_babel import get_locale
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


def current_lang() -> str:
    return "en" if str(get_locale() or "").startswith("en") else "zh"


def nav_items() -> list[dict]:
    """The navigation links this person's roles allow."""
    items = []
    for endpoint, label, roles in NAV:
        if roles is None or current_user.has_role(*roles):
            url = url_for(endpoint)
            items.append({"url": url, "label": label, "active": request.path == url})
    return items


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
    app.jinja_env.filters.update(
        local_time=local_time, mask_name=mask_name, mask_phone=mask_phone, signed=signed
    )
