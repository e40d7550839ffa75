"""Demo data for expiry: a 36-month policy (as in 黄山) and residents with points expiring soon.

The resident the demo prints as its volunteer sign-in (the one with the most points) gets points
carried over from the paper ledger that expire at the end of this month, so the home page shows
"N 积分将于 DATE 到期"; another gets some expiring in a few weeks and the expiry_soon message.
"""

import json
from calendar import monthrange
from datetime import timedelta

import sqlalchemy as sa


def seed(street, rng) -> None:
    from audit import service as audit
    from core.db import run_write
    from core.timeutil import shanghai_today
    from extensions import db
    from points.expiry import carry_over, warn_soon
    from points.ledger import user_balance
    from policy.current import Policy, forget_cached_policy
    from policy.models import PolicyVersion

    def set_policy():
        settings = Policy(expiry_months=36).settings_json()
        db.session.execute(sa.insert(PolicyVersion).values(settings=json.dumps(settings, sort_keys=True),
                                                           created_by_id=street.admin.id))
        audit.record("policy.changed", actor=street.admin.id, subject_type="policy_versions",
                     after={"expiry_months": 36})

    run_write(set_policy)
    forget_cached_policy()
    today = shanghai_today()
    month_end = today.replace(day=monthrange(today.year, today.month)[1])
    soon = today + timedelta(days=rng.randint(15, 25))  # within the 30 days expiry_soon warns of
    leads = {p.id for p in street.leads}
    residents = sorted((p for p in street.residents if p.id not in leads),
                       key=lambda p: user_balance(p.id), reverse=True)
    plan = [(residents[0], 20 + rng.randint(0, 10), month_end), (residents[1], 12, soon)]
    for person, points, day in plan:
        run_write(lambda person=person, points=points, day=day: carry_over(
            person.id, points, day, key=f"demo-carry-over:{person.id}", actor_id=street.admin.id,
            memo=f"纸质台账转入（{day.isoformat()} 到期）"))
    warn_soon(today)
