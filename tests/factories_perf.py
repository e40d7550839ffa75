"""Two identical worlds of hour records in every state, to compare bulk approval with one by one."""

from types import SimpleNamespace

from points import hours
from tests.factories import make_user
from tests.factories_points import approve, load_user, log, make_activity, make_team


def mixed_world(app, lead, checker):
    """An approving admin who also volunteers, three volunteers and records in every state.

    checker: another admin who decides the records that are already decided before the run.
    ids lists the selection in a fixed order: pending ones (several per person, two activities
    of different difficulty), the approver's own, one approved, one rejected, one reversed.
    """
    approver = make_user(app, "admin")
    people = [make_user(app) for _ in range(3)]
    team = make_team(app, leads=[lead], members=[approver, *people])
    easy = make_activity(app, team, lead, title="楼道清扫")
    hard = make_activity(app, team, lead, difficulty="hard", title="防汛巡查")
    meals = make_activity(app, team, lead, title="助老送餐")
    sorting = make_activity(app, team, lead, title="垃圾分类宣传")
    pending = [log(app, activity, person, minutes, lead)
               for person in people for activity, minutes in ((easy, 60), (hard, 90), (meals, 30))]
    own = log(app, easy, approver, 60, lead)
    approved = log(app, sorting, people[1], 45, lead)
    approve(app, approved, checker)
    rejected = log(app, sorting, people[2], 120, lead)
    reversed_ = log(app, sorting, people[0], 75, lead)
    approve(app, reversed_, checker)
    with app.test_request_context():
        hours.reject_hours(rejected, "不符合活动要求", load_user(checker.id))
        hours.reverse_hours(reversed_, "重复登记", load_user(checker.id))
    return SimpleNamespace(approver=approver, people=people, own=own,
                           ids=[*pending, own, approved, rejected, reversed_])
