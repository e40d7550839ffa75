"""close-notices: grant every unopposed nomination whose public notice has passed, once.

"Passed" means notice_ends < today: notice_ends is the last day objections are accepted, so a
run on that day grants nothing and a run on any later day grants it. Each nomination is its own
short write: a conditional UPDATE … WHERE status = 'in_notice' AND notice_ends < today (an
objection or a second run makes it match nothing), then the commendation is credited through
the same path as a direct grant (points.awards.post_commendation) under the idempotency key
nomination:<id>. A second run finds nothing left to grant.
"""

from datetime import date

import sqlalchemy as sa

from audit import service as audit
from core.db import run_write
from core.timeutil import utcnow
from extensions import db
from notices.models import Nomination
from notifications.services import notify
from points import ledger
from points.awards import post_commendation
from points.models import CommendationType

CHUNK = 500  # ids read per query; each grant is still its own transaction


def due_ids(today: date, after_id: int = 0) -> list[int]:
    """Nominations in notice whose last day is before today, by id."""
    return list(db.session.execute(
        sa.select(Nomination.id).where(Nomination.status == "in_notice", Nomination.notice_ends < today,
                                       Nomination.id > after_id)
        .order_by(Nomination.id).limit(CHUNK)).scalars())


def grant_one(nomination_id: int, today: date) -> bool:
    """Grant one nomination if it is still due; False when someone (or a run before) got there first."""
    table = Nomination.__table__

    def work() -> bool:
        row = db.session.execute(
            sa.update(table).where(table.c.id == nomination_id, table.c.status == "in_notice",
                                   table.c.notice_ends < today)
            .values(status="granted", decided_at=utcnow())
            .returning(table.c.user_id, table.c.type_id, table.c.points, table.c.reason, table.c.reviewed_by_id,
                       table.c.notice_ends)).first()
        if row is None:
            return False
        kind = db.session.execute(sa.select(CommendationType.code, CommendationType.name)
                                  .where(CommendationType.id == row.type_id)).one()
        key = f"nomination:{nomination_id}"
        body_hash = ledger.request_hash({"op": "nomination", "nomination_id": nomination_id})
        # The reviewing admin decided the grant; the notice only waited for objections.
        commendation_id = post_commendation(
            user_id=row.user_id, type_id=row.type_id, type_code=kind.code, type_name=kind.name, points=row.points,
            reason=row.reason, actor_id=row.reviewed_by_id, key=key, body_hash=body_hash, notify_person=False)
        db.session.execute(sa.update(table).where(table.c.id == nomination_id)
                           .values(commendation_id=commendation_id))
        notify(row.user_id, "nomination", nomination_id=nomination_id, type=kind.name, status="granted",
               points=row.points)
        audit.record("nomination.granted", actor=None, subject_type="nominations", subject_id=nomination_id,
                     before={"status": "in_notice"},
                     after={"status": "granted", "commendation_id": commendation_id, "points": row.points,
                            "notice_ends": row.notice_ends.isoformat(), "run_day": today.isoformat()})
        return True

    return run_write(work)


def close_notices(today: date) -> list[int]:
    """Grant every due nomination; the ids granted by this run (none on a second run)."""
    granted, last = [], 0
    while True:
        ids = due_ids(today, last)
        if not ids:
            return granted
        for nomination_id in ids:
            if grant_one(nomination_id, today):
                granted.append(nomination_id)
        last = ids[-1]
