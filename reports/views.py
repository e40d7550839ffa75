"""Reports: the admin dashboard, CSV exports of each of its tables, the public honour roll."""

from flask import Blueprint, abort, current_app, render_template, request, send_from_directory
from flask_babel import gettext
from flask_babel import lazy_gettext as _l

from accounts.decorators import role_required
from core.csvutil import csv_response
from core.timeutil import shanghai_today
from reports import queries

bp = Blueprint("reports", __name__, url_prefix="/reports")

HONOUR_DASHBOARD = 10
HONOUR_PUBLIC = 20
BREAKDOWN_ROWS = 20

BREAKDOWN_TITLES = {
    "team": _l("By team"),
    "community": _l("By community"),
    "grid": _l("By grid"),
    "category": _l("By category"),
}
PERIOD_TITLES = {"month": _l("This month"), "year": _l("This year"), "all": _l("All time")}
COLUMN_TITLES = {
    "team": _l("Team"),
    "community": _l("Community"),
    "grid": _l("Grid"),
    "category": _l("Category"),
}
EMPTY_LABELS = {
    "team": _l("(no team)"),
    "community": _l("(no community)"),
    "grid": _l("(no grid)"),
    "category": _l("(uncategorised)"),
}


def _period() -> str:
    """The period for the breakdown tables: month, year (default) or all; anything else → year."""
    value = request.args.get("period", "year")
    return value if value in queries.PERIODS else "year"


def _breakdown(kind: str, period: str, limit: int | None = None) -> tuple[list[dict], int]:
    """The period's groups, biggest first (the first limit of them), and how many there are in all."""
    start, end = queries.period_days(period, shanghai_today())
    rows, groups = queries.breakdown_top(kind, start, end, limit)
    for row in rows:
        row["name"] = row["name"] or str(EMPTY_LABELS[kind])
    return rows, groups


def _dashboard_breakdown(kind: str, period: str) -> tuple:
    """(kind, title, column, rows, groups) for one dashboard table: its biggest BREAKDOWN_ROWS groups
    (a city has 3,300 teams: all of them made a 640 KB page, most of its time spent rendering);
    the CSV behind the table has them all."""
    rows, groups = _breakdown(kind, period, BREAKDOWN_ROWS)
    return kind, BREAKDOWN_TITLES[kind], COLUMN_TITLES[kind], _table_rows(rows), groups


def _table_rows(rows: list[dict]) -> list[tuple]:
    """(name, parent, hours, points, volunteers) per row: the template unpacks tuples, which costs
    far less than a Jinja attribute lookup per cell over a city's thousands of teams."""
    return [(r["name"], r["parent"], r["hours"], r["points"], r["volunteers"]) for r in rows]


@bp.get("/")
@role_required("admin", "auditor")
def dashboard():
    """Headline figures, breakdowns, the 12-month trend, low stock and the honour roll."""
    today = shanghai_today()
    period = _period()
    month_start, month_end = queries.period_days("month", today)
    year_start, year_end = queries.period_days("year", today)
    month = queries.service_totals(month_start, month_end)
    month["issued"] = queries.points_issued_in(month_start, month_end)
    year = queries.service_totals(year_start, year_end)
    year["issued"] = queries.points_issued_in(year_start, year_end)
    trend = queries.monthly_trend(today)
    chart = {
        "labels": [row["month"] for row in trend],
        "series": [
            {"label": gettext("Hours served"), "data": [float(row["hours"]) for row in trend], "axis": "y1"},
            {"label": gettext("Points issued"), "data": [row["issued"] for row in trend], "axis": "y"},
            {"label": gettext("Points redeemed"), "data": [row["redeemed"] for row in trend], "axis": "y"},
        ],
        "axes": {"y": gettext("Points"), "y1": gettext("Hours")},
    }
    return render_template(
        "reports/dashboard.html",
        today=today, period=period, periods=PERIOD_TITLES,
        residents=queries.residents_count(), volunteers=queries.active_volunteers(today),
        active_days=queries.ACTIVE_DAYS, month=month, year=year, ledger=queries.ledger_totals(),
        breakdowns=[_dashboard_breakdown(kind, period) for kind in queries.BREAKDOWNS],
        trend=trend, chart=chart, low_stock=queries.low_stock(), low_stock_limit=queries.LOW_STOCK,
        honour=queries.honour_roll(year_start, year_end, HONOUR_DASHBOARD),
        community=_community_section(today.year),
    )


def _community_section(year: int) -> dict:
    """Wishes, needs, units and party members for the dashboard (the community package's read queries)."""
    from community import stats

    return {"wishes": stats.wishes_summary(), "needs": stats.needs_summary(),
            "units": stats.unit_contributions(), "party": stats.party_progress(year)}


@bp.get("/export/<name>.csv")
@role_required("admin", "auditor")
def export(name: str):
    """One dashboard table as CSV (UTF-8 with BOM)."""
    today = shanghai_today()
    period = _period()
    if name in queries.BREAKDOWNS:
        rows, _ = _breakdown(name, period)
        header = [str(COLUMN_TITLES[name])] + ([gettext("Community")] if name == "grid" else []) + [
            gettext("Hours"), gettext("Points"), gettext("Volunteers")]
        data = ([r["name"]] + ([r["parent"]] if name == "grid" else []) + [str(r["hours"]), r["points"], r["volunteers"]]
                for r in rows)
        return csv_response(f"{name}-{period}-{today.isoformat()}.csv", header, data)
    if name == "trend":
        header = [gettext("Month"), gettext("Hours served"), gettext("Points issued"), gettext("Points redeemed")]
        data = ([r["month"], str(r["hours"]), r["issued"], r["redeemed"]] for r in queries.monthly_trend(today))
        return csv_response(f"trend-{today.isoformat()}.csv", header, data)
    if name == "low-stock":
        header = [gettext("Store"), gettext("Item"), gettext("Category"), gettext("Stock")]
        data = ([r["store"], r["name"], r["category"], r["stock"]] for r in queries.low_stock())
        return csv_response(f"low-stock-{today.isoformat()}.csv", header, data)
    if name == "honour-roll":
        start, end = queries.period_days("year", today)
        header = [gettext("Rank"), gettext("Name"), gettext("Community"), gettext("Hours")]
        data = ([e.rank, e.masked_name, e.community, str(e.hours)]
                for e in queries.honour_roll(start, end, HONOUR_DASHBOARD))
        return csv_response(f"honour-roll-{today.year}.csv", header, data)
    abort(404)


@bp.get("/honour")
def honour():
    """PUBLIC page, no sign-in: this year's top volunteers, masked names, no phones. One query."""
    today = shanghai_today()
    start, end = queries.period_days("year", today)
    entries = queries.honour_roll(start, end, HONOUR_PUBLIC)
    response = render_template("reports/honour.html", entries=entries, year=today.year)
    headers = {"Cache-Control": "public, max-age=300", "Vary": "Cookie, Accept-Language"}
    return response, 200, headers


def favicon():
    """/favicon.ico for every page (browsers ask for it at the root), cached for a week."""
    return send_from_directory(current_app.static_folder, "favicon.ico", max_age=7 * 24 * 3600,
                               mimetype="image/vnd.microsoft.icon")


bp.record_once(lambda state: state.app.add_url_rule("/favicon.ico", "reports.favicon", favicon))
