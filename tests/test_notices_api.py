"""Nominations with public notice through the API: the state machine and every refusal (API.md "Points policy")."""

from datetime import timedelta

from core.timeutil import shanghai_today
from tests.factories import bearer, make_user
from tests.factories_notices import (
    TYPE,
    in_notice,
    nominate,
    object_to,
    people,
    review,
    set_notice_ends,
    status,
)
from tests.factories_points import balance, make_team


def _nominate(client, headers, user_id, **extra):
    body = {"user_id": user_id, "type": TYPE, "reason": "照顾独居老人三年", **extra}
    return client.post("/api/v1/nominations", json=body, headers=headers)


def test_admin_nominates_and_the_nominee_reads_it(app, client):
    admin, _other, nominee, _bystander = people(app)
    response = _nominate(client, bearer(app, admin), nominee.id)
    assert response.status_code == 201
    assert response.get_json() == {"id": response.get_json()["id"], "status": "nominated"}
    nomination_id = response.get_json()["id"]

    seen = client.get(f"/api/v1/nominations/{nomination_id}", headers=bearer(app, nominee))
    assert seen.status_code == 200
    body = seen.get_json()
    assert (body["user_id"], body["type"], body["status"], body["objections"]) == (nominee.id, TYPE, "nominated", [])
    assert body["notice_ends"] is None


def test_others_are_told_not_found_and_auditors_read(app, client):
    admin, _other, nominee, bystander = people(app)
    nomination_id = nominate(app, nominee, admin)
    assert client.get(f"/api/v1/nominations/{nomination_id}", headers=bearer(app, bystander)).status_code == 404
    auditor = make_user(app, "auditor")
    assert client.get(f"/api/v1/nominations/{nomination_id}", headers=bearer(app, auditor)).status_code == 200
    assert client.get("/api/v1/nominations/999999", headers=bearer(app, admin)).status_code == 404
    assert client.get("/api/v1/nominations/99999999999999", headers=bearer(app, admin)).status_code == 404
    assert client.get(f"/api/v1/nominations/{nomination_id}").status_code == 401


def test_nobody_nominates_themselves(app, client):
    admin = make_user(app, "admin", "resident")
    response = _nominate(client, bearer(app, admin), admin.id)
    assert response.status_code == 403
    assert response.get_json()["error"]["code"] == "forbidden"


def test_a_lead_nominates_members_of_their_team_only(app, client):
    lead, member, outsider = make_user(app, "team_lead"), make_user(app), make_user(app)
    make_team(app, leads=[lead], members=[member])
    headers = bearer(app, lead)
    assert _nominate(client, headers, member.id).status_code == 201
    refused = _nominate(client, headers, outsider.id)
    assert refused.status_code == 403
    assert refused.get_json()["error"]["code"] == "not_team_lead"


def test_residents_and_keepers_cannot_nominate(app, client):
    _admin, _other, nominee, bystander = people(app)
    for person in (bystander, make_user(app, "store_keeper"), make_user(app, "auditor")):
        response = _nominate(client, bearer(app, person), nominee.id)
        assert response.status_code == 403


def test_bad_nominations_answer_422_naming_each_field(app, client):
    admin, _other, nominee, _bystander = people(app)
    headers = bearer(app, admin)
    response = client.post("/api/v1/nominations", json={"user_id": "7", "type": "no-such", "reason": " "},
                           headers=headers)
    assert response.status_code == 422
    assert set(response.get_json()["error"]["fields"]) == {"user_id", "type", "reason"}
    for body in ({"user_id": 2**40, "type": TYPE, "reason": "x"}, {"user_id": 999999, "type": TYPE, "reason": "x"},
                 {"user_id": True, "type": [1], "reason": "a\x00b"}, {"user_id": nominee.id, "type": TYPE, "reason": "x" * 501}):
        assert client.post("/api/v1/nominations", json=body, headers=headers).status_code == 422
    assert client.post("/api/v1/nominations", data="[", headers={**headers, "Content-Type": "application/json"}
                       ).status_code == 400


def test_approval_posts_the_notice_for_notice_days(app, client):
    admin, other_admin, nominee, _bystander = people(app)
    nomination_id = nominate(app, nominee, admin)
    response = client.post(f"/api/v1/nominations/{nomination_id}/review", json={"decision": "approve"},
                           headers=bearer(app, other_admin))
    assert response.status_code == 200
    expected_end = (shanghai_today() + timedelta(days=7)).isoformat()
    assert response.get_json()["status"] == "in_notice"
    assert response.get_json()["notice_ends"] == expected_end
    notices = client.get("/api/v1/notices").get_json()["items"]
    assert [(n["id"], n["name"], n["notice_ends"]) for n in notices] == [(nomination_id, "张*伟", expected_end)]
    assert (notices[0]["type"], notices[0]["type_name"]) == (TYPE, "优秀志愿者")
    assert notices[0]["reason"] == "长期照顾独居老人"


def test_reviewing_twice_is_already_decided(app, client):
    admin, other_admin, nominee, _bystander = people(app)
    nomination_id = nominate(app, nominee, admin)
    first = client.post(f"/api/v1/nominations/{nomination_id}/review",
                        json={"decision": "reject", "reason": "材料不全"}, headers=bearer(app, other_admin))
    assert first.get_json() == {"id": nomination_id, "status": "rejected"}
    again = client.post(f"/api/v1/nominations/{nomination_id}/review", json={"decision": "approve"},
                        headers=bearer(app, admin))
    assert again.status_code == 409
    assert again.get_json()["error"]["code"] == "already_decided"
    assert status(app, nomination_id) == "rejected"


def test_review_refusals(app, client):
    admin, _other_admin, nominee, bystander = people(app)
    nominee_admin = make_user(app, "admin")
    nomination_id = nominate(app, nominee_admin, admin)
    own = client.post(f"/api/v1/nominations/{nomination_id}/review", json={"decision": "approve"},
                      headers=bearer(app, nominee_admin))
    assert own.status_code == 403
    lead = make_user(app, "team_lead")
    assert client.post(f"/api/v1/nominations/{nomination_id}/review", json={"decision": "approve"},
                       headers=bearer(app, lead)).status_code == 403
    bad = client.post(f"/api/v1/nominations/{nomination_id}/review", json={"decision": "maybe"},
                      headers=bearer(app, admin))
    assert bad.status_code == 422 and "decision" in bad.get_json()["error"]["fields"]
    no_reason = client.post(f"/api/v1/nominations/{nomination_id}/review", json={"decision": "reject"},
                            headers=bearer(app, admin))
    assert no_reason.status_code == 422 and "reason" in no_reason.get_json()["error"]["fields"]
    assert client.post("/api/v1/nominations/424242/review", json={"decision": "approve"},
                       headers=bearer(app, admin)).status_code == 404
    assert status(app, nomination_id) == "nominated"
    del nominee, bystander


def test_an_objection_withdraws_the_notice_until_resolved(app, client):
    admin, other_admin, nominee, bystander = people(app)
    nomination_id = in_notice(app, nominee, admin, by=other_admin)
    response = client.post(f"/api/v1/nominations/{nomination_id}/objections", json={"reason": "他没去过"},
                           headers=bearer(app, bystander))
    assert response.status_code == 201
    assert status(app, nomination_id) == "objected"
    assert client.get("/api/v1/notices").get_json()["items"] == []
    body = client.get(f"/api/v1/nominations/{nomination_id}", headers=bearer(app, nominee)).get_json()
    assert [o["reason"] for o in body["objections"]] == ["他没去过"]
    assert "objector_id" not in body["objections"][0]  # the nominee learns of the objection, not who made it
    staff = client.get(f"/api/v1/nominations/{nomination_id}", headers=bearer(app, admin)).get_json()
    assert staff["objections"][0]["objector_id"] == bystander.id


def test_objections_need_a_reason_and_sign_in(app, client):
    admin, _other, nominee, bystander = people(app)
    nomination_id = in_notice(app, nominee, admin)
    assert client.post(f"/api/v1/nominations/{nomination_id}/objections", json={"reason": "x"}).status_code == 401
    empty = client.post(f"/api/v1/nominations/{nomination_id}/objections", json={}, headers=bearer(app, bystander))
    assert empty.status_code == 422 and "reason" in empty.get_json()["error"]["fields"]
    assert status(app, nomination_id) == "in_notice"


def test_objection_on_the_last_day_counts_and_after_it_is_notice_closed(app, client):
    admin, _other, nominee, bystander = people(app)
    nomination_id = in_notice(app, nominee, admin)
    set_notice_ends(app, nomination_id, shanghai_today() - timedelta(days=1))
    late = client.post(f"/api/v1/nominations/{nomination_id}/objections", json={"reason": "太晚了"},
                       headers=bearer(app, bystander))
    assert late.status_code == 409
    assert late.get_json()["error"]["code"] == "notice_closed"
    assert status(app, nomination_id) == "in_notice"
    set_notice_ends(app, nomination_id, shanghai_today())
    on_time = client.post(f"/api/v1/nominations/{nomination_id}/objections", json={"reason": "最后一天"},
                          headers=bearer(app, bystander))
    assert on_time.status_code == 201


def test_no_objection_before_the_notice_or_after_a_decision(app, client):
    admin, other_admin, nominee, bystander = people(app)
    waiting = nominate(app, nominee, admin)
    assert client.post(f"/api/v1/nominations/{waiting}/objections", json={"reason": "x"},
                       headers=bearer(app, bystander)).status_code == 404
    review(app, waiting, other_admin, "reject")
    closed = client.post(f"/api/v1/nominations/{waiting}/objections", json={"reason": "x"},
                         headers=bearer(app, bystander))
    assert closed.status_code == 409 and closed.get_json()["error"]["code"] == "notice_closed"


def test_resolve_uphold_rejects(app, client):
    admin, other_admin, nominee, bystander = people(app)
    nomination_id = in_notice(app, nominee, admin, by=other_admin)
    object_to(app, nomination_id, bystander)
    response = client.post(f"/api/v1/nominations/{nomination_id}/resolve",
                           json={"decision": "uphold", "reason": "核实属实"}, headers=bearer(app, admin))
    assert response.status_code == 200 and response.get_json()["status"] == "rejected"
    assert status(app, nomination_id) == "rejected"
    again = client.post(f"/api/v1/nominations/{nomination_id}/resolve", json={"decision": "dismiss"},
                        headers=bearer(app, admin))
    assert again.status_code == 409 and again.get_json()["error"]["code"] == "already_decided"


def test_resolve_dismiss_puts_it_back_with_the_same_end(app, client):
    admin, other_admin, nominee, bystander = people(app)
    nomination_id = in_notice(app, nominee, admin, by=other_admin)
    ends = client.get(f"/api/v1/nominations/{nomination_id}", headers=bearer(app, admin)).get_json()["notice_ends"]
    object_to(app, nomination_id, bystander)
    response = client.post(f"/api/v1/nominations/{nomination_id}/resolve",
                           json={"decision": "dismiss", "reason": "经核实无问题"}, headers=bearer(app, admin))
    assert response.get_json() == {"id": nomination_id, "status": "in_notice", "notice_ends": ends}
    assert [n["id"] for n in client.get("/api/v1/notices").get_json()["items"]] == [nomination_id]


def test_resolve_refusals(app, client):
    admin, other_admin, nominee, bystander = people(app)
    nomination_id = in_notice(app, nominee, admin, by=other_admin)
    not_objected = client.post(f"/api/v1/nominations/{nomination_id}/resolve", json={"decision": "dismiss"},
                               headers=bearer(app, admin))
    assert not_objected.status_code == 409
    object_to(app, nomination_id, bystander)
    assert client.post(f"/api/v1/nominations/{nomination_id}/resolve", json={"decision": "dismiss"},
                       headers=bearer(app, bystander)).status_code == 403
    assert client.post(f"/api/v1/nominations/{nomination_id}/resolve", json={"decision": "uphold"},
                       headers=bearer(app, admin)).status_code == 422  # upholding needs a reason
    assert status(app, nomination_id) == "objected"


def test_the_nominee_is_told_at_each_step(app, client):
    admin, other_admin, nominee, bystander = people(app)
    nomination_id = in_notice(app, nominee, admin, by=other_admin)
    object_to(app, nomination_id, bystander)
    client.post(f"/api/v1/nominations/{nomination_id}/resolve", json={"decision": "dismiss"},
                headers=bearer(app, admin))
    inbox = client.get("/api/v1/notifications", headers=bearer(app, nominee)).get_json()["items"]
    assert [n["kind"] for n in inbox] == ["nomination"] * 4
    ends = (shanghai_today() + timedelta(days=7)).isoformat()
    assert f"on public notice until {ends}" in inbox[2]["text"]
    assert "objected" in inbox[1]["text"] and bystander.name not in inbox[1]["text"]


def test_nothing_moves_points_before_the_notice_ends(app, client):
    admin, other_admin, nominee, _bystander = people(app)
    in_notice(app, nominee, admin, by=other_admin)
    assert balance(app, nominee) == 0


def test_admins_list_nominations_by_status(app, client):
    admin, other_admin, nominee, bystander = people(app)
    posted = in_notice(app, nominee, admin, by=other_admin)
    waiting = nominate(app, bystander, admin)
    headers = bearer(app, admin)
    assert [n["id"] for n in client.get("/api/v1/nominations", headers=headers).get_json()["items"]] == [waiting, posted]
    assert [n["id"] for n in client.get("/api/v1/nominations?status=in_notice", headers=headers
                                        ).get_json()["items"]] == [posted]
    assert client.get("/api/v1/nominations?status=bogus", headers=headers).status_code == 422
    assert client.get("/api/v1/nominations", headers=bearer(app, bystander)).status_code == 403


def test_every_step_is_in_the_audit_trail(app, client):
    from datetime import timedelta as _td

    from tests.factories_notices import close, notice_ends

    admin, other_admin, nominee, bystander = people(app)
    nomination_id = in_notice(app, nominee, admin, by=other_admin)
    object_to(app, nomination_id, bystander)
    client.post(f"/api/v1/nominations/{nomination_id}/resolve", json={"decision": "dismiss"},
                headers=bearer(app, admin))
    close(app, notice_ends(app, nomination_id) + _td(days=1))
    events = client.get("/api/v1/audit?action=nomination.", headers=bearer(app, admin)).get_json()["items"]
    assert [e["action"] for e in reversed(events)] == [
        "nomination.created", "nomination.reviewed", "nomination.objected", "nomination.resolved",
        "nomination.granted"]
    assert status(app, nomination_id) == "granted" and balance(app, nominee) == 100
