"""The counter's reports: the keeper's end-of-shift report (交班) and the admins' list of redemptions
whose resident was found by search instead of a scanned card (with CSV)."""

import re
from datetime import date

import sqlalchemy as sa
from flask import abort, render_template, request
from flask_babel import gettext as _
from flask_login import current_user

from accounts.decorators import role_required
from accounts.models import User
from core.csvutil import csv_response
from core.templating import local_time
from core.timeutil import shanghai_today, utcnow
from extensions import db
from redemption import counter_reads
from redemption.models import Store
from redemption.views.blueprint import bp, parse_id

DAY_PATTERN = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
PER_PAGE = 50
CSV_MAX_ROWS = 100_000


def parse_day(raw: str | None) -> tuple[date | None, bool]:
    """(the day, True) for an ASCII YYYY-MM-DD between 2000 and 2099; (None, True) when empty; (None, False) when bad."""
    text = (raw or "").strip()
    if not text:
        return None, True
    if not DAY_PATTERN.fullmatch(text) or not text.isascii():
        return None, False
    try:
        day = date.fromisoformat(text)
    except ValueError:
        return None, False
    return (day, True) if 2000 <= day.year <= 2099 else (None, False)


def _page_number() -> int:
    raw = request.args.get("page", "1")
    return int(raw) if raw.isascii() and raw.isdigit() and len(raw) < 6 and int(raw) > 0 else 1


@bp.get("/shift")
@role_required("store_keeper", "admin", "auditor")
def shift_report():
    """交班: a keeper's redemptions, points, goods out and voids of a day, printable on A4 and 58 mm."""
    day, day_ok = parse_day(request.args.get("day"))
    keeper_id = current_user.id
    if "keeper_id" in request.args:
        if not current_user.has_role("admin", "auditor"):
            abort(403)  # a keeper reads only their own shift
        keeper_id = parse_id(request.args.get("keeper_id"))
    keeper = db.session.get(User, keeper_id) if keeper_id else None
    if keeper is None:
        abort(404)
    if not day_ok:
        return render_template("redemption/shift.html", report=None, keeper=keeper,
                               error=_("The day must be a date like 2026-05-01."), day_text=""), 422
    report = counter_reads.shift_report(keeper.id, day or shanghai_today())
    return render_template("redemption/shift.html", report=report, keeper=keeper, error=None,
                           day_text=report.day.isoformat(), now=utcnow())


def _filters():
    """(store id, since, until, problems) from the query string, strictly parsed."""
    problems = []
    store_id = None
    if request.args.get("store_id"):
        store_id = parse_id(request.args.get("store_id"))
        if store_id is None or db.session.get(Store, store_id) is None:
            problems.append(_("No such store."))
            store_id = None
    since, since_ok = parse_day(request.args.get("from"))
    until, until_ok = parse_day(request.args.get("to"))
    if not (since_ok and until_ok):
        problems.append(_("Dates must look like 2026-05-01."))
    elif since and until and since > until:
        problems.append(_("The first day is after the last day."))
    return store_id, since, until, problems


@bp.get("/found-by-search")
@role_required("admin", "auditor")
def found_by_search():
    """Redemptions where the resident was identified by search, not by a scanned card; filters and CSV."""
    store_id, since, until, problems = _filters()
    stores = list(db.session.execute(sa.select(Store).order_by(Store.name)).scalars())
    args = {k: request.args.get(k, "") for k in ("store_id", "from", "to")}
    if problems:
        return render_template("redemption/found_by_search.html", page=None, stores=stores, args=args,
                               problems=problems), 422
    page = db.paginate(counter_reads.found_by_search_query(store_id, since, until), page=_page_number(), per_page=PER_PAGE,
                       error_out=False)
    return render_template("redemption/found_by_search.html", page=page, stores=stores, args=args, problems=[])


@bp.get("/found-by-search.csv")
@role_required("admin", "auditor")
def found_by_search_csv():
    """The same list as CSV (UTF-8 with BOM, formula-safe), filtered as on screen."""
    store_id, since, until, problems = _filters()
    if problems:
        return " ".join(problems), 422, {"Content-Type": "text/plain; charset=utf-8"}
    stmt = counter_reads.found_by_search_query(store_id, since, until).limit(CSV_MAX_ROWS)

    def rows():
        for r in db.session.execute(stmt).scalars():
            yield [r.number, local_time(r.created_at), r.store.name, r.keeper.name,
                   r.resident.name, r.total_points,
                   _("Voided") if r.status == "voided" else _("Completed")]

    header = [_("Number"), _("Time"), _("Store"), _("Store keeper"), _("Resident"), _("Points"), _("Status")]
    return csv_response("redemptions-found-by-search.csv", header, rows())
