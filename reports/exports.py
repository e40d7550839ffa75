"""Row-level CSV exports: one person's entries, hour records, redemption lines, stock movements.

Each takes the same filters as the page it belongs to (dates as YYYY-MM-DD in Shanghai days,
ids as ASCII digits); a bad filter answers 400, never a 500. Rows stream in id order.
"""

from datetime import date

import sqlalchemy as sa
from flask import Blueprint, abort, request
from flask_babel import gettext as _

from accounts.decorators import role_required
from accounts.models import User
from core.csvutil import csv_response
from core.timeutil import shanghai_day_bounds
from core.validate import parse_id
from extensions import db
from points.entries import entries_stmt, render_entry
from points.ledger_models import Account, Transfer
from points.models import Activity, HourRecord, Team
from redemption.models import Item, Redemption, RedemptionLine, StockMovement, Store

bp = Blueprint("person_exports", __name__, url_prefix="/reports/exports")
STREAM_BATCH = 1000
STATUSES = ("pending", "approved", "rejected", "reversed")


def _id_arg(name: str) -> int | None:
    """An optional id from the query string: absent is None, anything but an id is a 400."""
    raw = request.args.get(name, "")
    if raw == "":
        return None
    return parse_id(raw) or abort(400)


def _day_arg(name: str) -> date | None:
    raw = request.args.get(name, "")
    if raw == "":
        return None
    try:
        day = date.fromisoformat(raw) if raw.isascii() and len(raw) == 10 else None
    except ValueError:
        day = None
    if day is None or not 2000 <= day.year <= 2100:
        abort(400)
    return day


def _between(column, since: date | None, until: date | None) -> list:
    """Moments within the Shanghai days [since, until] (both inclusive)."""
    where = []
    if since is not None:
        where.append(column >= shanghai_day_bounds(since)[0])
    if until is not None:
        where.append(column < shanghai_day_bounds(until)[1])
    return where


def _stream(stmt, id_column, id_of=lambda row: row[0]):
    """Rows in id order, a batch at a time by keyset (no server-side cursor to outlive its transaction)."""
    last = 0
    while True:
        rows = db.session.execute(stmt.where(id_column > last).limit(STREAM_BATCH)).all()
        yield from rows
        if len(rows) < STREAM_BATCH:
            return
        last = id_of(rows[-1])


@bp.get("/entries.csv")
@role_required("admin", "auditor")
def person_entries_csv():
    """Every ledger entry of one person, oldest first, with the balance after each."""
    user_id = _id_arg("user_id") or abort(400)
    person = db.session.get(User, user_id) or abort(404)
    account_id = db.session.execute(sa.select(Account.id).where(Account.user_id == user_id)).scalar_one_or_none()

    def rows():
        if account_id is None:
            return
        for (transfer,) in _stream(entries_stmt(account_id).order_by(Transfer.id), Transfer.id,
                                   lambda row: row[0].id):
            e = render_entry(transfer, account_id)
            yield [e["id"], e["at"], e["kind"], e["points"], e["balance_after"], e["memo"]]

    return csv_response(_("entries-%(name)s.csv", name=person.username),
                        [_("Entry"), _("Time"), _("Kind"), _("Points"), _("Balance after"), _("Memo")], rows())


@bp.get("/hours.csv")
@role_required("admin", "auditor")
def hours_csv():
    """Hour records with their computation, filtered by status, team, activity and service dates."""
    status = request.args.get("status", "")
    if status and status not in STATUSES:
        abort(400)
    team_id, activity_id = _id_arg("team_id"), _id_arg("activity_id")
    since, until = _day_arg("since"), _day_arg("until")
    volunteer = sa.orm.aliased(User)
    stmt = (sa.select(HourRecord.id, HourRecord.service_date, volunteer.username, volunteer.name, Team.name,
                      Activity.title, HourRecord.minutes, HourRecord.points_per_hour, HourRecord.multiplier,
                      HourRecord.points, HourRecord.rule_version, HourRecord.status, HourRecord.reason,
                      HourRecord.honour)
            .join(volunteer, volunteer.id == HourRecord.volunteer_id)
            .join(Activity, Activity.id == HourRecord.activity_id).join(Team, Team.id == Activity.team_id)
            .order_by(HourRecord.id))
    if status:
        stmt = stmt.where(HourRecord.status == status)
    if team_id:
        stmt = stmt.where(Activity.team_id == team_id)
    if activity_id:
        stmt = stmt.where(HourRecord.activity_id == activity_id)
    if since:
        stmt = stmt.where(HourRecord.service_date >= since)
    if until:
        stmt = stmt.where(HourRecord.service_date <= until)
    header = [_("Record"), _("Service date"), _("Username"), _("Name"), _("Team"), _("Activity"), _("Minutes"),
              _("Points per hour"), _("Multiplier"), _("Points"), _("Rule version"), _("Status"), _("Reason"),
              _("Honour hours (补录)")]
    honour = _("Honour hours (补录)")
    return csv_response(_("hour-records.csv"), header,
                        ([*r[:8], str(r[8]), *r[9:12], r[12] or "", honour if r[13] else ""]
                         for r in _stream(stmt, HourRecord.id)))


@bp.get("/redemption-lines.csv")
@role_required("admin", "auditor")
def redemption_lines_csv():
    """One row per redemption line, filtered by store and day."""
    store_id, since, until = _id_arg("store_id"), _day_arg("since"), _day_arg("until")
    resident = sa.orm.aliased(User)
    stmt = (sa.select(RedemptionLine.id, Redemption.number, Redemption.created_at, Store.name, resident.username, resident.name,
                      RedemptionLine.item_name, RedemptionLine.quantity, RedemptionLine.unit_price,
                      RedemptionLine.line_points, Redemption.status)
            .join(Redemption, Redemption.id == RedemptionLine.redemption_id)
            .join(Store, Store.id == Redemption.store_id).join(resident, resident.id == Redemption.resident_id)
            .where(*_between(Redemption.created_at, since, until)).order_by(RedemptionLine.id))
    if store_id:
        stmt = stmt.where(Redemption.store_id == store_id)
    header = [_("Receipt"), _("Time"), _("Store"), _("Username"), _("Name"), _("Item"), _("Quantity"),
              _("Unit price"), _("Points"), _("Status")]
    return csv_response(_("redemption-lines.csv"), header,
                        ([r[1], r[2].isoformat(), *r[3:]] for r in _stream(stmt, RedemptionLine.id)))


@bp.get("/stock-movements.csv")
@role_required("admin", "auditor")
def stock_movements_csv():
    """Every stock movement with its kind, reason or donor, filtered by store and day."""
    store_id, since, until = _id_arg("store_id"), _day_arg("since"), _day_arg("until")
    stmt = (sa.select(StockMovement.id, StockMovement.created_at, Store.name, Item.name, StockMovement.kind,
                      StockMovement.delta, StockMovement.stock_after, StockMovement.donor, StockMovement.reason)
            .join(Item, Item.id == StockMovement.item_id).join(Store, Store.id == Item.store_id)
            .where(*_between(StockMovement.created_at, since, until)).order_by(StockMovement.id))
    if store_id:
        stmt = stmt.where(Item.store_id == store_id)
    header = [_("Movement"), _("Time"), _("Store"), _("Item"), _("Kind"), _("Change"), _("Stock after"),
              _("Donor"), _("Reason")]
    return csv_response(_("stock-movements.csv"), header,
                        ([r[0], r[1].isoformat(), *r[2:7], r[7] or "", r[8] or ""]
                         for r in _stream(stmt, StockMovement.id)))
