"""Demo street, the rulebook at work: a policy version set by the admin, star volunteers of several
levels from honour hours (补录 of the paper register), a deduction with its reason."""

from datetime import timedelta

HONOUR_TITLE = "历史服务补录（纸质登记册）"
HONOUR_MINUTES = 480  # a full day of service per register page
STAR_TARGETS = (600, 300, 300, 100, 100, 100)  # hours: one three-star, two two-star, three one-star volunteers


def seed(street, rng) -> None:
    """Run after the rest of the demo street (it needs the teams, the store and balances)."""
    from commands.demo_data import _step, _user
    from core.timeutil import shanghai_today
    from points.activities import create_activity
    from points.deductions import create_type, deduct
    from points.hours import approve_many, log_hours
    from points.ledger import user_balance
    from policy.services import set_policy

    admin = street.admin
    _step("setting the points policy", set_policy, {"redemptions_per_quarter": 3, "notice_days": 7},
          _user(admin))

    team_id, _name, lead, member_ids = street.teams[0]
    people = [m for m in member_ids if m not in (admin.id, lead.id)][:len(STAR_TARGETS)]
    needed = {person: hours * 60 - minutes_served(person) for person, hours in zip(people, STAR_TARGETS,
                                                                                   strict=False)}
    today, ids, day = shanghai_today(), [], 0
    while any(left > 0 for left in needed.values()):
        day += 1
        activity = _step("creating a register page to honour", create_activity, team_id, HONOUR_TITLE,
                         today - timedelta(days=120 + day), "normal", _user(admin), category="敬老爱老",
                         place="纸质登记册")
        for person, left in needed.items():
            if left > 0:
                minutes = min(HONOUR_MINUTES, left)
                record = _step("recording honour hours", log_hours, activity.id, person, minutes, _user(admin),
                               note="据2023年纸质登记册补录", honour=True)
                ids.append(record.id)
                needed[person] = left - minutes
    _step("approving honour hours", approve_many, ids, _user(admin))

    _step("adding a deduction type", create_type, "clutter", "乱堆乱放", 2, _user(admin))
    debtor = max((p for p in street.residents if p.id not in {x.id for x in street.leads}),
                 key=lambda p: user_balance(p.id))
    _step("recording a deduction", deduct, debtor.id, "no_show", "重阳节慰问养老院活动报名后无故未到场",
          _user(admin), key="demo:deduction:1")
    rng.random()  # the street's random stream stays in step for whoever seeds after this


def minutes_served(user_id: int) -> int:
    from points import stats

    return stats.service_minutes(user_id)

