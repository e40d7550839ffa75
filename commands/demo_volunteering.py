"""Demo volunteering: two open activities in the coming days with sign-ups, one today whose
attendance was completed by code into a pending hour record, and one issued certificate."""

import random
from datetime import datetime, time, timedelta

import sqlalchemy as sa

from core.db import run_write
from core.timeutil import SHANGHAI, shanghai_today
from extensions import db

UPCOMING = [  # (days ahead, title, category, place, 09:00-style start, hours, capacity)
    (2, "河道清理", "环境卫生", "汶河沿岸（罗山社区段）", time(8, 30), 3, 20),
    (5, "独居老人上门探访", "敬老爱老", "民生社区服务站集合", time(14, 0), 2, 12),
]
TODAY = ("垃圾分类宣传", "环境卫生", "朝阳社区广场", time(9, 0))


def _user(person):
    from accounts.models import User

    return db.session.get(User, person.id)


def _open_activity(team_id, lead, day, title, category, place, start, hours, capacity):
    from points.activities import create_activity

    starts = datetime.combine(day, start, SHANGHAI)
    return create_activity(team_id, title, day, "normal", _user(lead), category=category, place=place,
                           open_=True, capacity=capacity, starts_at=starts, ends_at=starts + timedelta(hours=hours))


def seed(street, rng: random.Random) -> None:
    """Add the volunteering part of the demo street (every step through the services)."""
    from volunteering import attendance, certificates, codes, services
    from volunteering.models import Attendance

    today = shanghai_today()
    leads = {p.id for p in street.leads}
    # Leave the demo's best-off resident free to sign up by hand (the one printed as "resident").
    from points.ledger import user_balance

    ranked = sorted((p for p in street.residents if p.id not in leads), key=lambda p: -user_balance(p.id))
    residents = ranked[1:]
    for index, (ahead, title, category, place, start, hours, capacity) in enumerate(UPCOMING):
        team_id, _, lead, _ = street.teams[index]
        activity = _open_activity(team_id, lead, today + timedelta(days=ahead), title, category, place, start,
                                  hours, capacity)
        street.activities += 1
        for person in rng.sample(residents, 5 if index == 0 else 3):
            services.sign_up(activity.id, _user(person))

    # Today: a volunteer from outside the team signed up, checked in at nine with the lead's code
    # and out now; the check-out proposed the pending record an admin will approve.
    team_id, _, lead, member_ids = street.teams[2]
    title, category, place, start = TODAY
    activity = _open_activity(team_id, lead, today, title, category, place, start, 2, 10)
    street.activities += 1
    volunteer = next(p for p in residents if p.id not in member_ids)
    services.sign_up(activity.id, _user(volunteer))
    attendance.attend(activity.id, "in", _user(volunteer), code=codes.current_code(activity.id)[0])

    def morning() -> None:  # as if the check-in had been at 09:00 (or two hours ago, early in the day)
        began = min(datetime.combine(today, start, SHANGHAI), datetime.now(SHANGHAI) - timedelta(minutes=1))
        began = max(began, datetime.now(SHANGHAI) - timedelta(hours=2))
        db.session.execute(sa.update(Attendance).where(
            Attendance.activity_id == activity.id, Attendance.user_id == volunteer.id).values(checked_in_at=began))

    run_write(morning, audited=False)
    attendance.attend(activity.id, "out", _user(volunteer), code=codes.current_code(activity.id)[0])

    # One certificate: the street office issues it to the demo resident for their last 90 days.
    certificates.issue_certificate(ranked[0].id, today - timedelta(days=90), today, _user(street.admin))
    street.hours["pending"] = street.hours.get("pending", 0) + 1
