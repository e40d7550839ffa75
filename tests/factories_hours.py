"""Many pending hour records at once (bulk-approval tests and measurements), by bulk inserts."""

from datetime import timedelta

import sqlalchemy as sa

from core.timeutil import shanghai_today, utcnow
from extensions import db
from points.activities import current_rule, level_by_code
from points.day_minutes import rebuild_day_minutes
from points.models import Activity, HourRecord
from tests.factories import make_user
from tests.factories_points import make_team


def many_pending(app, lead, people: int, activities: int, minutes: int = 10) -> list[int]:
    """people × activities pending records of `minutes` each, logged by lead; returns their ids in order."""
    volunteers = [make_user(app) for _ in range(people)]
    team_id = make_team(app, leads=[lead], members=volunteers)
    with app.app_context():
        rule, level = current_rule(), level_by_code("normal")
        day = shanghai_today() - timedelta(days=1)
        activity_ids = db.session.execute(sa.insert(Activity).returning(Activity.id), [
            {"team_id": team_id, "title": f"bulk {n}", "date": day, "place": "", "category": "",
             "difficulty_id": level.id, "created_by_id": lead.id} for n in range(activities)]).scalars().all()
        now = utcnow()
        rows = [{"activity_id": a, "volunteer_id": v.id, "minutes": minutes, "service_date": day,
                 "points": minutes * rule.points_per_hour // 60, "points_per_hour": rule.points_per_hour,
                 "multiplier": level.multiplier, "rule_version": rule.id, "status": "pending", "note": "",
                 "logged_by_id": lead.id, "logged_at": now} for a in activity_ids for v in volunteers]
        for start in range(0, len(rows), 500):
            db.session.execute(sa.insert(HourRecord.__table__), rows[start:start + 500])
        db.session.commit()
        rebuild_day_minutes()
        ids = db.session.execute(sa.select(HourRecord.id).where(HourRecord.status == "pending")
                                 .order_by(HourRecord.id)).scalars().all()
        return list(ids)
