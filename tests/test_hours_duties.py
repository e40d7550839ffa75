"""Separation of duties: nobody approves, rejects or reverses their own hours, commends themselves
or adjusts their own account — 403 forbidden with a clear message, on pages and API alike."""

import re

import pytest
import sqlalchemy as sa

from core.errors import Forbidden
from extensions import db
from points import awards, hours
from points.ledger_models import Transfer
from points.models import Adjustment, Commendation
from tests.factories import bearer, make_user, sign_in
from tests.factories_points import approve, balance, load_user, log, make_activity, make_team, record


def two_admins_one_logged(app):
    """Admin `me` is a team member whose hours a lead logged; `other` is a second admin."""
    me, other, lead = make_user(app, "admin"), make_user(app, "admin"), make_user(app, "team_lead")
    team = make_team(app, leads=[lead], members=[me])
    rid = log(app, make_activity(app, team, lead), me, 60, lead)
    return me, other, rid


def transfers(app) -> int:
    with app.app_context():
        return db.session.scalar(sa.select(sa.func.count()).select_from(Transfer))


def error_of(response) -> tuple[int, str, str]:
    body = response.get_json()["error"]
    return response.status_code, body["code"], body["message"]


@pytest.mark.parametrize(("verb", "body", "wording"), [
    ("approve", {}, "approve their own hours"),
    ("reject", {"reason": "不对"}, "reject their own hours"),
])
def test_an_admin_cannot_decide_their_own_pending_hours_through_the_api(app, client, verb, body, wording):
    me, other, rid = two_admins_one_logged(app)
    status, code, message = error_of(client.post(f"/api/v1/hours/{rid}/{verb}", json=body, headers=bearer(app, me)))
    assert (status, code) == (403, "forbidden") and wording in message
    assert record(app, rid).status == "pending" and balance(app, me) == 0
    assert client.post(f"/api/v1/hours/{rid}/{verb}", json=body, headers=bearer(app, other)).status_code == 200


def test_an_admin_cannot_reverse_their_own_approved_hours(app, client):
    me, other, rid = two_admins_one_logged(app)
    approve(app, rid, other)
    status, code, message = error_of(client.post(f"/api/v1/hours/{rid}/reverse", json={"reason": "x"},
                                                 headers=bearer(app, me)))
    assert (status, code) == (403, "forbidden") and "reverse their own hours" in message
    assert record(app, rid).status == "approved" and balance(app, me) == 10
    with app.test_request_context(), pytest.raises(Forbidden):
        hours.reverse_hours(rid, "x", load_user(me.id))
    assert record(app, rid).status == "approved"


def test_the_approvals_page_refuses_ones_own_record_and_says_why(app, client):
    me, _other, rid = two_admins_one_logged(app)
    sign_in(client, me)
    response = client.post(f"/approvals/{rid}/approve", data={"idempotency_key": "k1"})
    assert response.status_code == 302
    assert "Nobody may approve their own hours" in client.get(response.headers["Location"]).get_data(as_text=True)
    assert record(app, rid).status == "pending" and transfers(app) == 0
    client.post(f"/approvals/{rid}/reject", data={"idempotency_key": "k2", "reason": "我自己"})
    assert record(app, rid).status == "pending"


def test_an_admin_cannot_commend_or_adjust_themselves_through_the_api(app, client):
    me, other = make_user(app, "admin"), make_user(app, "admin")
    commend = {"user_id": me.id, "type": "good_deed", "reason": "好事"}
    status, code, message = error_of(client.post("/api/v1/commendations", json=commend, headers=bearer(app, me)))
    assert (status, code) == (403, "forbidden") and "commendation" in message
    adjust = {"user_id": me.id, "points": 50, "reason": "补录"}
    status, code, message = error_of(client.post("/api/v1/adjustments", json=adjust, headers=bearer(app, me)))
    assert (status, code) == (403, "forbidden") and "their own account" in message
    assert transfers(app) == 0 and balance(app, me) == 0
    assert client.post("/api/v1/commendations", json=commend, headers=bearer(app, other)).status_code == 201
    assert client.post("/api/v1/adjustments", json=adjust, headers=bearer(app, other)).status_code == 201
    assert balance(app, me) == 100


def test_the_award_pages_refuse_a_self_commendation_and_a_self_adjustment(app, client):
    me = make_user(app, "admin")
    sign_in(client, me)
    for path, extra, wording in (("/awards/commendations/new", {"type": "good_deed"}, "commendation"),
                                 ("/awards/adjustments/new", {"points": "-5"}, "their own account")):
        form = client.get(path).get_data(as_text=True)
        key = re.search(r'name="idempotency_key" type="hidden" value="([0-9a-f]{32})"', form).group(1)
        response = client.post(path, data={"person": me.username, "reason": "自己", "idempotency_key": key, **extra})
        assert response.status_code == 403 and wording in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Commendation)) == 0
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Adjustment)) == 0


def test_the_services_refuse_self_awards_before_looking_at_anything_else(app):
    me = make_user(app, "admin")
    with app.test_request_context():
        with pytest.raises(Forbidden):
            awards.grant_commendation(me.id, "no-such-type", "", load_user(me.id), key="k1")
        with pytest.raises(Forbidden):
            awards.adjust_points(me.id, -5, "扣", load_user(me.id), key="k2")
    assert transfers(app) == 0


def test_a_former_lead_whose_role_was_taken_away_can_no_longer_log_or_create(app, client):
    from accounts.models import UserRole
    from core.timeutil import shanghai_today
    from tests.factories_points import crew

    c = crew(app)
    with app.app_context():
        db.session.execute(sa.delete(UserRole).where(UserRole.user_id == c.lead.id, UserRole.role == "team_lead"))
        db.session.commit()  # still marked is_lead on the team: the mark alone gives no power
    h = bearer(app, c.lead)
    logged = client.post("/api/v1/hours", headers=h, json={"activity_id": c.activity_id, "volunteer_id": c.a.id,
                                                           "minutes": 30})
    made = client.post("/api/v1/activities", headers=h, json={"team_id": c.team_id, "title": "t",
                                                              "date": shanghai_today().isoformat(),
                                                              "difficulty": "normal"})
    assert error_of(logged)[:2] == (403, "forbidden") and error_of(made)[:2] == (403, "forbidden")
