"""Pages for party members' annual "四个一" record (page and CSV) and suggestions."""

import sqlalchemy as sa
from flask import abort, render_template, request
from flask_babel import gettext as _
from flask_login import current_user, login_required

from accounts.decorators import role_required
from accounts.models import User
from community import party
from community.models import Suggestion
from community.pages import act, back_to, bp, form_data
from core.csvutil import csv_response
from core.errors import ValidationFailed
from core.timeutil import shanghai_today
from extensions import db

ITEMS = ("suggestions", "wishes_claimed", "needs_completed", "service_minutes")


def _year() -> int:
    """?year=, or this year when it is absent or not a year (a page never answers 422)."""
    try:
        return party.parse_year(request.args.get("year"))
    except ValidationFailed:
        return shanghai_today().year


@bp.get("/community/party")
@role_required("admin")
def party_annual():
    """Each party member's "四个一" of the year, by unit, with what is not yet done marked."""
    year = _year()
    records = party.annual_record(year)
    groups = party.by_unit(records)
    totals = {item: sum(1 for r in records if item not in r.missing()) for item in ITEMS}
    return render_template("community/party.html", year=year, groups=groups, totals=totals, count=len(records),
                           items=ITEMS, this_year=shanghai_today().year)


@bp.get("/community/party.csv")
@role_required("admin")
def party_annual_csv():
    """The same record as CSV (UTF-8 with BOM), one row per member."""
    year = _year()
    header = [_("Unit"), _("Name"), _("Suggestions"), _("Wishes claimed"), _("Needs completed"),
              _("Service minutes"), _("Not yet done")]
    labels = {"suggestions": _("Suggestion"), "wishes_claimed": _("Wish"), "needs_completed": _("Practical matter"),
              "service_minutes": _("Volunteer service")}
    rows = ([r.unit or "", r.name, r.suggestions, r.wishes_claimed, r.needs_completed, r.service_minutes,
             "、".join(str(labels[m]) for m in r.missing())]
            for _unit, members, _done in party.by_unit(party.annual_record(year)) for r in members)
    return csv_response(f"party-members-{year}.csv", header, rows)


@bp.get("/community/suggestions")
@login_required
def suggestions():
    """Make a suggestion; one's own list (admins and auditors read everyone's)."""
    stmt = sa.select(Suggestion, User.name).join(User, User.id == Suggestion.user_id)
    if not current_user.has_role("admin", "auditor"):
        stmt = stmt.where(Suggestion.user_id == current_user.id)
    rows = db.session.execute(stmt.order_by(Suggestion.id.desc()).limit(200)).all()
    return render_template("community/suggestions.html", rows=rows)


@bp.post("/community/suggestions")
@login_required
def make_suggestion():
    """A signed-in person makes a 合理化建议."""
    return act(lambda: party.make_suggestion(form_data("text"), current_user), _("Thank you for your suggestion."),
               back_to("community.suggestions"))


@bp.get("/community/export/<name>.csv")
@role_required("admin")
def export(name: str):
    """The dashboard's community tables as CSV: wishes or needs by community and status, units' work."""
    from community import stats
    from community.models import NEED_STATES, WISH_STATES

    if name in ("wishes", "needs"):
        summary, states = (stats.wishes_summary(), WISH_STATES) if name == "wishes" else \
            (stats.needs_summary(), NEED_STATES)
        rows = ([r["name"] or _("(no community)")] + [r["counts"][s] for s in states] + [r["total"]]
                for r in summary["rows"])
        return csv_response(f"{name}-{shanghai_today().isoformat()}.csv",
                            [_("Community"), *states, _("Total")], rows)
    if name == "units":
        rows = ([u["name"], u["claimed"], u["done"]] for u in stats.unit_contributions())
        return csv_response(f"units-{shanghai_today().isoformat()}.csv", [_("Unit"), _("In hand"), _("Done")], rows)
    abort(404)
