"""Demo data for the people branch: on the first team's latest activity, its lead has withdrawn
one pending record (logged twice by mistake) and corrected the minutes of another."""

import random

import sqlalchemy as sa


def seed(street, rng: random.Random) -> None:  # noqa: ARG001  (the demo's shared signature)
    """Withdraw one and correct one of the first team's pending records, as its lead."""
    from commands.demo_data import _step, _user
    from extensions import db
    from points.hours_amend import correct_minutes, withdraw_hours
    from points.models import Activity, HourRecord

    team_id, _name, lead, _members = street.teams[0]
    pending = list(db.session.execute(
        sa.select(HourRecord.id, HourRecord.minutes).join(Activity, Activity.id == HourRecord.activity_id)
        .where(Activity.team_id == team_id, HourRecord.status == "pending").order_by(HourRecord.id).limit(2)
    ).all())
    db.session.rollback()
    if len(pending) < 2:
        return
    (withdrawn, _), (corrected, minutes) = pending
    _step("withdrawing a pending record", withdraw_hours, withdrawn, "同一人重复登记，撤回这一条", _user(lead))
    # half an hour less: the lead wrote the time they left, not the time the work ended (never past 24 h)
    _step("correcting a pending record", correct_minutes, corrected, minutes - 30, _user(lead))
