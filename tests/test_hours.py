"""Logging hours: points computed at logging time, and every refusal of SPEC saving nothing."""

from datetime import timedelta
from decimal import Decimal

import pytest
import sqlalchemy as sa

from audit.models import AuditEvent
from core.errors import (
    DailyLimitExceeded,
    DuplicateRecord,
    Forbidden,
    NotTeamLead,
    NotTeamMember,
    SelfLoggingForbidden,
    ValidationFailed,
)
from core.timeutil import shanghai_today
from extensions import db
from points import activities, hours
from points.models import Activity
from points.setup_services import set_points_per_hour
from tests.factories import make_user
from tests.factories_points import (
    approve,
    count_records,
    crew,
    load_user,
    log,
    make_activity,
    make_team,
    record,
    yesterday,
)


def test_logged_hours_are_pending_with_points_rate_multiplier_and_rule_version(app):
    c = crew(app)
    hard = make_activity(app, c.team_id, c.lead, difficulty="hard")
    rid = log(app, hard, c.a, 45, c.lead)
    r = record(app, rid)
    assert (r.status, r.points, r.points_per_hour, r.multiplier) == ("pending", 11, 10, Decimal("1.50"))
    with app.test_request_context():
        assert r.rule_version == activities.current_rule().id
        assert db.session.execute(sa.select(AuditEvent).where(AuditEvent.action == "hours.logged")).first()


def test_a_rule_change_after_logging_leaves_logged_and_approved_points_unchanged(app):
    c = crew(app)
    rid = log(app, c.activity_id, c.a, 60, c.lead)
    with app.test_request_context():
        set_points_per_hour(50, load_user(c.admin.id))
    approve(app, rid, c.admin)
    r = record(app, rid)
    assert (r.points, r.points_per_hour, r.status) == (10, 10, "approved")
    later = log(app, c.activity_id, c.b, 60, c.lead)
    assert record(app, later).points == 50
    assert record(app, later).rule_version > r.rule_version


@pytest.mark.parametrize("minutes", [0, -5, 1441, 10**9])
def test_minutes_outside_1_to_1440_are_refused(app, minutes):
    c = crew(app)
    with app.test_request_context(), pytest.raises(ValidationFailed) as caught:
        hours.log_hours(c.activity_id, c.a.id, minutes, load_user(c.lead.id))
    assert "minutes" in caught.value.fields
    assert count_records(app) == 0


def test_hours_for_an_activity_dated_in_the_future_are_refused(app):
    c = crew(app)
    tomorrow = make_activity(app, c.team_id, c.lead, day=shanghai_today() + timedelta(days=1))
    with app.test_request_context(), pytest.raises(ValidationFailed) as caught:
        hours.log_hours(tomorrow, c.a.id, 60, load_user(c.lead.id))
    assert "activity_id" in caught.value.fields
    assert count_records(app) == 0


def test_unknown_activity_or_volunteer_is_a_validation_failure(app):
    c = crew(app)
    with app.test_request_context():
        with pytest.raises(ValidationFailed) as caught:
            hours.log_hours(999999, c.a.id, 60, load_user(c.lead.id))
        assert "activity_id" in caught.value.fields
        with pytest.raises(ValidationFailed) as caught:
            hours.log_hours(c.activity_id, 999999, 60, load_user(c.lead.id))
        assert "volunteer_id" in caught.value.fields
    assert count_records(app) == 0


def test_a_second_live_record_for_the_same_person_and_activity_is_refused(app):
    c = crew(app)
    rid = log(app, c.activity_id, c.a, 60, c.lead)
    with app.test_request_context(), pytest.raises(DuplicateRecord):
        hours.log_hours(c.activity_id, c.a.id, 30, load_user(c.lead.id))
    approve(app, rid, c.admin)
    with app.test_request_context(), pytest.raises(DuplicateRecord):
        hours.log_hours(c.activity_id, c.a.id, 30, load_user(c.lead.id))
    assert count_records(app) == 1


def test_a_record_may_be_logged_again_once_the_first_is_rejected_or_reversed(app):
    c = crew(app)
    first = log(app, c.activity_id, c.a, 60, c.lead)
    with app.test_request_context():
        hours.reject_hours(first, "wrong minutes", load_user(c.admin.id))
    second = log(app, c.activity_id, c.a, 50, c.lead)
    approve(app, second, c.admin)
    with app.test_request_context():
        hours.reverse_hours(second, "wrong person", load_user(c.admin.id))
    third = log(app, c.activity_id, c.a, 40, c.lead)
    assert record(app, third).status == "pending"
    assert count_records(app) == 3


def test_pending_and_approved_minutes_on_one_day_across_teams_are_capped_at_24_hours(app):
    c = crew(app)
    other_lead = make_user(app, "team_lead")
    other_team = make_team(app, leads=[other_lead], members=[c.a])
    other_activity = make_activity(app, other_team, other_lead)
    third_activity = make_activity(app, c.team_id, c.lead)
    rid = log(app, c.activity_id, c.a, 1000, c.lead)
    approve(app, rid, c.admin)
    log(app, other_activity, c.a, 400, other_lead)       # 1400 so far
    with app.test_request_context(), pytest.raises(DailyLimitExceeded):
        hours.log_hours(third_activity, c.a.id, 41, load_user(c.lead.id))
    assert count_records(app) == 2
    log(app, third_activity, c.a, 40, c.lead)             # exactly 1440 is fine
    assert count_records(app) == 3


def test_rejected_minutes_do_not_count_toward_the_daily_cap(app):
    c = crew(app)
    rid = log(app, c.activity_id, c.a, 1440, c.lead)
    with app.test_request_context():
        hours.reject_hours(rid, "typo", load_user(c.admin.id))
    second = make_activity(app, c.team_id, c.lead)
    assert log(app, second, c.a, 1440, c.lead) > rid  # a full day again: the rejected one is not counted


def test_the_daily_cap_counts_the_activity_date_not_the_logging_day(app):
    c = crew(app)
    old = make_activity(app, c.team_id, c.lead, day=yesterday())
    log(app, old, c.a, 1440, c.lead)
    log(app, c.activity_id, c.a, 1440, c.lead)
    assert count_records(app) == 2


def test_nobody_logs_their_own_hours_admins_included(app):
    c = crew(app)
    admin_member = make_user(app, "admin")
    team = make_team(app, leads=[c.lead], members=[admin_member])
    activity = make_activity(app, team, c.lead)
    with app.test_request_context():
        with pytest.raises(SelfLoggingForbidden):
            hours.log_hours(activity, c.lead.id, 60, load_user(c.lead.id))
        with pytest.raises(SelfLoggingForbidden):
            hours.log_hours(activity, admin_member.id, 60, load_user(admin_member.id))
    assert count_records(app) == 0


def test_a_lead_cannot_log_hours_for_a_team_they_do_not_lead(app):
    c = crew(app)
    other_lead = make_user(app, "team_lead")
    make_team(app, leads=[other_lead])
    with app.test_request_context(), pytest.raises(NotTeamLead):
        hours.log_hours(c.activity_id, c.a.id, 60, load_user(other_lead.id))
    assert count_records(app) == 0


def test_a_plain_resident_or_keeper_cannot_log_hours(app):
    c = crew(app)
    keeper = make_user(app, "store_keeper")
    with app.test_request_context():
        for person in (c.b, keeper):
            with pytest.raises(Forbidden):
                hours.log_hours(c.activity_id, c.a.id, 60, load_user(person.id))
    assert count_records(app) == 0


def test_a_volunteer_outside_the_team_is_refused(app):
    c = crew(app)
    with app.test_request_context(), pytest.raises(NotTeamMember):
        hours.log_hours(c.activity_id, c.outsider.id, 60, load_user(c.lead.id))
    assert count_records(app) == 0


def test_an_admin_may_log_for_any_team(app):
    c = crew(app)
    rid = log(app, c.activity_id, c.a, 30, c.admin)
    assert record(app, rid).points == 5


def test_activities_need_a_known_difficulty_and_a_lead_of_the_team(app):
    c = crew(app)
    other_lead = make_user(app, "team_lead")
    make_team(app, leads=[other_lead])
    with app.test_request_context():
        with pytest.raises(ValidationFailed) as caught:
            activities.create_activity(c.team_id, "清扫", shanghai_today(), "nope", load_user(c.lead.id))
        assert "difficulty" in caught.value.fields
        with pytest.raises(NotTeamLead):
            activities.create_activity(c.team_id, "清扫", shanghai_today(), "normal", load_user(other_lead.id))
        with pytest.raises(Forbidden):
            activities.create_activity(c.team_id, "清扫", shanghai_today(), "normal", load_user(c.a.id))
        with pytest.raises(ValidationFailed) as caught:
            activities.create_activity(c.team_id, "  ", shanghai_today(), "normal", load_user(c.lead.id))
        assert "title" in caught.value.fields
        assert db.session.execute(sa.select(sa.func.count(Activity.id))).scalar_one() == 1
        made = activities.create_activity(c.team_id, "清扫", shanghai_today(), "hard", load_user(c.admin.id),
                                          category="环境卫生", place="小区东门")
        assert (made.difficulty.code, made.place) == ("hard", "小区东门")
        assert db.session.execute(sa.select(AuditEvent).where(AuditEvent.action == "activity.created")).first()


def test_a_roster_saves_every_entry_or_none(app):
    c = crew(app)
    with app.test_request_context():
        with pytest.raises(ValidationFailed) as caught:
            hours.log_roster(c.activity_id, [(c.a.id, 60), (c.outsider.id, 60), (c.b.id, 0)],
                             load_user(c.lead.id))
        assert set(caught.value.fields) == {str(c.outsider.id), str(c.b.id)}
    assert count_records(app) == 0
    with app.test_request_context():
        made = hours.log_roster(c.activity_id, [(c.a.id, 60), (c.b.id, 120)], load_user(c.lead.id))
        assert [r.points for r in made] == [10, 20]
    assert count_records(app) == 2


def test_a_roster_refuses_the_same_volunteer_twice_and_nothing_is_saved(app):
    c = crew(app)
    with app.test_request_context(), pytest.raises(ValidationFailed) as caught:
        hours.log_roster(c.activity_id, [(c.a.id, 60), (c.a.id, 30)], load_user(c.lead.id))
    assert str(c.a.id) in caught.value.fields
    assert count_records(app) == 0


def test_total_service_minutes_counts_approved_hours_only(app):
    c = crew(app)
    rid = log(app, c.activity_id, c.a, 90, c.lead)
    other = make_activity(app, c.team_id, c.lead)
    log(app, other, c.a, 30, c.lead)
    with app.test_request_context():
        assert hours.total_service_minutes(c.a.id) == 0
    approve(app, rid, c.admin)
    with app.test_request_context():
        assert hours.total_service_minutes(c.a.id) == 90
