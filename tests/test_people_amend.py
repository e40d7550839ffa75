"""A lead withdraws or corrects a pending record: confirm steps, the 24-hour cap, the audit trail,
and an admin deciding at the same moment winning or losing cleanly."""

import threading

import pytest

from app import create_app
from core.db import run_write
from core.errors import (
    AlreadyDecided,
    DailyLimitExceeded,
    Forbidden,
    NotTeamLead,
    RecordChanged,
    ValidationFailed,
)
from extensions import db
from points import hours, hours_amend
from points.day_minutes import verify_day_minutes
from points.hours_decide import _write_approval, decision_for, load_for_decision
from tests.factories import bearer, make_user, sign_in
from tests.factories_people import actions_on, read_record
from tests.factories_points import approve, balance, crew, load_user, log, make_activity, make_team


def as_user(app, user, call):
    with app.test_request_context():
        return call(load_user(user.id))


def test_a_lead_withdraws_a_pending_record_and_the_day_minutes_come_back(app):
    c = crew(app)
    record_id = log(app, c.activity_id, c.a, 600, c.lead)

    as_user(app, c.lead, lambda lead: hours_amend.withdraw_hours(record_id, "记错了人", lead))

    after = read_record(app, record_id)
    assert (after.status, after.withdrawn, after.reason, after.day_minutes) == ("rejected", True, "记错了人", 0)
    assert actions_on(app, record_id) == ["hours.logged", "hours.withdrawn"]
    again = log(app, c.activity_id, c.a, 60, c.lead)  # the slot is free again
    assert read_record(app, again).status == "pending"
    with app.app_context():
        assert verify_day_minutes() == []


def test_a_withdrawn_record_can_no_longer_be_approved(app):
    c = crew(app)
    record_id = log(app, c.activity_id, c.a, 60, c.lead)
    as_user(app, c.lead, lambda lead: hours_amend.withdraw_hours(record_id, "重复登记", lead))

    with pytest.raises(AlreadyDecided):
        approve(app, record_id, c.admin)
    assert balance(app, c.a) == 0


def test_a_correction_changes_minutes_and_points_at_the_logged_rate(app):
    c = crew(app)
    record_id = log(app, c.activity_id, c.a, 60, c.lead)

    as_user(app, c.lead, lambda lead: hours_amend.correct_minutes(record_id, 180, lead))

    after = read_record(app, record_id)
    assert (after.status, after.minutes, after.points, after.day_minutes) == ("pending", 180, 30, 180)
    assert actions_on(app, record_id) == ["hours.logged", "hours.corrected"]
    approve(app, record_id, c.admin)
    assert balance(app, c.a) == 30


def test_a_shorter_correction_gives_minutes_back_for_another_record(app):
    c = crew(app)
    first = log(app, c.activity_id, c.a, 1000, c.lead)
    second_activity = make_activity(app, c.team_id, c.lead)
    as_user(app, c.lead, lambda lead: hours_amend.correct_minutes(first, 400, lead))

    second = log(app, second_activity, c.a, 1000, c.lead)

    assert read_record(app, second).day_minutes == 1400


def test_a_correction_past_24_hours_on_the_day_is_refused_and_nothing_changes(app):
    c = crew(app)
    first = log(app, c.activity_id, c.a, 800, c.lead)
    log(app, make_activity(app, c.team_id, c.lead), c.a, 600, c.lead)

    with pytest.raises(DailyLimitExceeded):
        as_user(app, c.lead, lambda lead: hours_amend.correct_minutes(first, 900, lead))

    after = read_record(app, first)
    assert (after.minutes, after.day_minutes) == (800, 1400)
    assert actions_on(app, first) == ["hours.logged"]


@pytest.mark.parametrize("minutes", [0, 1441, -5, "60", True, None, 10**30])
def test_correction_minutes_must_be_a_whole_number_from_1_to_1440(app, minutes):
    c = crew(app)
    record_id = log(app, c.activity_id, c.a, 60, c.lead)
    with pytest.raises(ValidationFailed):
        as_user(app, c.lead, lambda lead: hours_amend.correct_minutes(record_id, minutes, lead))
    assert read_record(app, record_id).minutes == 60


def test_an_approved_record_is_never_withdrawn_or_corrected(app):
    c = crew(app)
    record_id = log(app, c.activity_id, c.a, 60, c.lead)
    approve(app, record_id, c.admin)

    with pytest.raises(AlreadyDecided):
        as_user(app, c.lead, lambda lead: hours_amend.withdraw_hours(record_id, "晚了", lead))
    with pytest.raises(AlreadyDecided):
        as_user(app, c.lead, lambda lead: hours_amend.correct_minutes(record_id, 30, lead))
    assert read_record(app, record_id).status == "approved"


def test_only_leads_of_the_team_and_admins_may_change_a_record(app):
    c = crew(app)
    other_lead = make_user(app, "team_lead")
    make_team(app, leads=[other_lead], members=[c.a])
    record_id = log(app, c.activity_id, c.a, 60, c.lead)

    with pytest.raises(NotTeamLead):
        as_user(app, other_lead, lambda u: hours_amend.withdraw_hours(record_id, "x", u))
    with pytest.raises(Forbidden):
        as_user(app, c.b, lambda u: hours_amend.correct_minutes(record_id, 30, u))
    with pytest.raises(Forbidden):  # nobody changes their own hours, even a lead of the team
        as_user(app, c.a, lambda u: hours_amend.correct_minutes(record_id, 30, u))
    as_user(app, c.admin, lambda u: hours_amend.correct_minutes(record_id, 90, u))
    assert read_record(app, record_id).minutes == 90


def test_an_approval_planned_before_a_correction_loses_cleanly(app):
    """The admin read 60 minutes; the lead corrected to 120 before the approval was written."""
    c = crew(app)
    record_id = log(app, c.activity_id, c.a, 60, c.lead)
    with app.test_request_context():
        admin = load_user(c.admin.id)
        decision = decision_for(load_for_decision(record_id, admin, ""), admin, f"hours:{record_id}", "t",
                                status="approved")
        db.session.rollback()
    as_user(app, c.lead, lambda lead: hours_amend.correct_minutes(record_id, 120, lead))
    with app.test_request_context():
        assert run_write(lambda: _write_approval(decision)) is False
    assert read_record(app, record_id).status == "pending"
    assert balance(app, c.a) == 0
    approve(app, record_id, c.admin)  # approved again on the fresh page: the corrected points
    assert balance(app, c.a) == 20


@pytest.mark.slow
def test_correcting_while_an_admin_approves_never_does_both(app, database_url):
    c = crew(app)
    records = [log(app, make_activity(app, c.team_id, c.lead), person, 60, c.lead)
               for person in (c.a, c.b) for _ in range(3)]
    workers = create_app({"TESTING": True, "SECRET_KEY": "t", "SQLALCHEMY_DATABASE_URI": database_url,
                          "SQLALCHEMY_ENGINE_OPTIONS": {"pool_size": 4, "max_overflow": 0}
                          if database_url.startswith("postgresql") else {}})
    outcomes, lock = {}, threading.Lock()

    def run(name: str, record_id: int, call, user, start) -> None:
        with workers.test_request_context():
            actor = load_user(user.id)
            start.wait()
            try:
                call(record_id, actor)
                result = "ok"
            except (AlreadyDecided, RecordChanged) as refused:
                result = refused.code
            finally:
                db.session.remove()
            with lock:
                outcomes[(record_id, name)] = result

    for record_id in records:
        start = threading.Barrier(2)
        pair = [threading.Thread(target=run, args=("approve", record_id, lambda r, u: hours.approve_hours(r, u),
                                                   c.admin, start)),
                threading.Thread(target=run, args=("correct", record_id,
                                                   lambda r, u: hours_amend.correct_minutes(r, 120, u), c.lead, start))]
        for thread in pair:
            thread.start()
        for thread in pair:
            thread.join(timeout=60)
    with workers.app_context():
        db.engine.dispose()

    credited = 0
    for record_id in records:
        approved, corrected = outcomes[(record_id, "approve")], outcomes[(record_id, "correct")]
        after = read_record(app, record_id)
        assert "ok" in (approved, corrected)
        if corrected == "ok" and approved == "ok":  # the correction came first, the approval read it after
            assert (after.status, after.minutes) == ("approved", 120)
        elif approved == "ok":
            assert (after.status, after.minutes, corrected) == ("approved", 60, "already_decided")
        else:
            assert (after.status, after.minutes, approved) == ("pending", 120, "record_changed")
        credited += after.points if after.status == "approved" else 0
    assert balance(app, c.a) + balance(app, c.b) == credited
    with app.app_context():
        assert verify_day_minutes() == []


# Pages --------------------------------------------------------------------------------------

def test_the_withdraw_page_asks_first_then_names_the_person_and_activity(app, client):
    c = crew(app)
    record_id = log(app, c.activity_id, c.a, 180, c.lead)
    sign_in(client, c.lead)

    roster = client.get(f"/lead/activities/{c.activity_id}").get_data(as_text=True)
    assert f"/lead/hours/{record_id}/withdraw" in roster and f"/lead/hours/{record_id}/correct" in roster
    confirm = client.get(f"/lead/hours/{record_id}/withdraw")
    assert confirm.status_code == 200 and c.a.name in confirm.get_data(as_text=True)
    assert read_record(app, record_id).status == "pending"
    missing = client.post(f"/lead/hours/{record_id}/withdraw", data={"reason": "  "})
    assert missing.status_code == 422 and read_record(app, record_id).status == "pending"

    done = client.post(f"/lead/hours/{record_id}/withdraw", data={"reason": "记错了活动"}, follow_redirects=True)

    text = done.get_data(as_text=True)
    assert f"{c.a.name}" in text and "3-hour" in text and "Withdrawn" in text
    assert read_record(app, record_id).withdrawn


def test_the_correct_page_shows_the_change_before_saving_it(app, client):
    c = crew(app)
    record_id = log(app, c.activity_id, c.a, 60, c.lead)
    sign_in(client, c.lead)

    step = client.post(f"/lead/hours/{record_id}/correct", data={"minutes": "150"})
    assert step.status_code == 200 and "→" in step.get_data(as_text=True)
    assert read_record(app, record_id).minutes == 60
    bad = client.post(f"/lead/hours/{record_id}/correct", data={"minutes": "٣"})
    assert bad.status_code == 422

    done = client.post(f"/lead/hours/{record_id}/correct", data={"minutes": "150", "confirmed": "1"},
                       follow_redirects=True)

    assert c.a.name in done.get_data(as_text=True)
    assert (read_record(app, record_id).minutes, read_record(app, record_id).points) == (150, 25)


def test_another_teams_lead_gets_404_and_a_decided_record_goes_back_to_the_roster(app, client):
    c = crew(app)
    other_lead = make_user(app, "team_lead")
    make_team(app, leads=[other_lead])
    record_id = log(app, c.activity_id, c.a, 60, c.lead)
    sign_in(client, other_lead)
    assert client.get(f"/lead/hours/{record_id}/withdraw").status_code == 404
    assert client.get("/lead/hours/99999999999/correct").status_code == 404
    client.post("/sign-out")

    approve(app, record_id, c.admin)
    sign_in(client, c.lead)
    response = client.get(f"/lead/hours/{record_id}/correct", follow_redirects=True)
    assert "no longer waiting" in response.get_data(as_text=True)


# API ----------------------------------------------------------------------------------------

def test_api_withdraw_and_correct(app, client):
    c = crew(app)
    first = log(app, c.activity_id, c.a, 60, c.lead)
    second = log(app, c.activity_id, c.b, 60, c.lead)
    headers = bearer(app, c.lead)

    assert client.patch(f"/api/v1/hours/{first}", json={"minutes": "x"}, headers=headers).status_code == 422
    patched = client.patch(f"/api/v1/hours/{first}", json={"minutes": 90}, headers=headers)
    assert patched.status_code == 200 and patched.json["minutes"] == 90 and patched.json["points"] == 15
    withdrawn = client.post(f"/api/v1/hours/{second}/withdraw", json={"reason": "没来"}, headers=headers)
    assert withdrawn.status_code == 200 and withdrawn.json["withdrawn"] is True
    again = client.post(f"/api/v1/hours/{second}/withdraw", json={"reason": "没来"}, headers=headers)
    assert again.status_code == 409 and again.json["error"]["code"] == "already_decided"
    resident = client.post(f"/api/v1/hours/{first}/withdraw", json={"reason": "x"}, headers=bearer(app, c.b))
    assert resident.status_code == 403
    assert client.patch("/api/v1/hours/424242", json={"minutes": 5}, headers=headers).status_code == 404


def test_the_audit_trail_reads_the_withdrawal_and_the_correction_in_words(app, client):
    c = crew(app)
    first = log(app, c.activity_id, c.a, 60, c.lead)
    second = log(app, c.activity_id, c.b, 120, c.lead)
    as_user(app, c.lead, lambda lead: hours_amend.correct_minutes(first, 90, lead))
    as_user(app, c.lead, lambda lead: hours_amend.withdraw_hours(second, "没有到场", lead))
    sign_in(client, c.admin)

    text = client.get("/audit/?action=hours.").get_data(as_text=True)

    lead_name = c.lead.name
    assert f"{lead_name} corrected the hours of {c.a.name} from 1 to 1.5 hours (15 points)." in text
    assert f"{lead_name} withdrew 2 hours of {c.b.name} before approval: 没有到场" in text
