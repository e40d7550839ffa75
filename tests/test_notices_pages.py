"""The pages: the public notice (masked, open to anyone, objections for the signed in), nominating, reviewing."""

from tests.factories import make_user, sign_in
from tests.factories_notices import in_notice, nominate, object_to, people, status
from tests.factories_points import make_team


def test_anyone_sees_the_notice_with_masked_names_and_no_contact_details(app, client):
    admin, other_admin, _nominee, _bystander = people(app)
    nominee = make_user(app, name="欧阳小明", phone="13812345678")
    in_notice(app, nominee, admin, by=other_admin)
    page = client.get("/notices")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "欧**明" in html
    assert "欧阳小明" not in html and "13812345678" not in html and "1234" not in html
    assert "长期照顾独居老人" in html
    assert "Sign in to object" in html and 'name="reason"' not in html


def test_the_notice_page_speaks_chinese_by_default(app):
    admin, other_admin, nominee, _bystander = people(app)
    in_notice(app, nominee, admin, by=other_admin)
    chinese = app.test_client()
    chinese.environ_base["HTTP_ACCEPT_LANGUAGE"] = "zh-CN"
    html = chinese.get("/notices").get_data(as_text=True)
    assert "张*伟" in html and 'lang="zh-CN"' in html


def test_a_signed_in_resident_objects_from_the_page(app, client):
    admin, other_admin, nominee, bystander = people(app)
    nomination_id = in_notice(app, nominee, admin, by=other_admin)
    sign_in(client, bystander)
    assert 'name="reason"' in client.get("/notices").get_data(as_text=True)
    empty = client.post(f"/notices/{nomination_id}/objections", data={"reason": "  "})
    assert empty.status_code == 422
    assert status(app, nomination_id) == "in_notice"
    sent = client.post(f"/notices/{nomination_id}/objections", data={"reason": "他上个月没来"})
    assert sent.status_code == 302
    assert status(app, nomination_id) == "objected"
    assert "他上个月没来" not in client.get("/notices").get_data(as_text=True)


def test_objecting_anonymously_sends_to_sign_in(app, client):
    admin, other_admin, nominee, _bystander = people(app)
    nomination_id = in_notice(app, nominee, admin, by=other_admin)
    response = client.post(f"/notices/{nomination_id}/objections", data={"reason": "x"})
    assert response.status_code == 302 and "/sign-in" in response.headers["Location"]
    assert client.post("/notices/999999/objections", data={"reason": "x"}).status_code == 302


def test_the_commendation_page_offers_nomination_first(app, client):
    admin = make_user(app, "admin")
    sign_in(client, admin)
    html = client.get("/awards/commendations/new").get_data(as_text=True)
    assert html.index("/nominations/new") < html.index("Grant a commendation</h1>")


def test_an_admin_nominates_reviews_and_resolves_on_the_pages(app, client):
    admin, other_admin, nominee, bystander = people(app)
    sign_in(client, admin)
    created = client.post("/nominations/new", data={"person": nominee.username, "type": "excellent_volunteer",
                                                     "reason": "组织垃圾分类宣传"})
    assert created.status_code == 302
    nomination_id = int(created.headers["Location"].rsplit("/", 1)[1])
    client.post("/sign-out")
    sign_in(client, other_admin)
    assert "Awaiting review" in client.get("/nominations?status=nominated").get_data(as_text=True)
    assert client.post(f"/nominations/{nomination_id}/review", data={"decision": "reject"}).status_code == 422
    assert client.post(f"/nominations/{nomination_id}/review", data={"decision": "approve"}).status_code == 302
    assert status(app, nomination_id) == "in_notice"
    again = client.post(f"/nominations/{nomination_id}/review", data={"decision": "approve"})
    assert again.status_code == 409
    object_to(app, nomination_id, bystander)
    assert "此人并未参加活动" in client.get(f"/nominations/{nomination_id}").get_data(as_text=True)
    assert client.post(f"/nominations/{nomination_id}/resolve",
                       data={"decision": "uphold", "reason": "属实"}).status_code == 302
    assert status(app, nomination_id) == "rejected"


def test_an_admin_cannot_review_their_own_nomination_on_the_page(app, client):
    admin, nominee_admin = make_user(app, "admin"), make_user(app, "admin")
    nomination_id = nominate(app, nominee_admin, admin)
    sign_in(client, nominee_admin)
    assert 'action="/nominations/' not in client.get(f"/nominations/{nomination_id}").get_data(as_text=True)
    assert client.post(f"/nominations/{nomination_id}/review", data={"decision": "approve"}).status_code == 403
    assert status(app, nomination_id) == "nominated"


def test_a_lead_nominates_a_member_from_the_team_view_but_not_an_outsider(app, client):
    lead, member, outsider = make_user(app, "team_lead"), make_user(app, name="赵丽"), make_user(app)
    team_id = make_team(app, leads=[lead], members=[member])
    sign_in(client, lead)
    team_page = client.get(f"/lead/teams/{team_id}").get_data(as_text=True)
    assert f"/nominations/new?user_id={member.id}" in team_page
    form = client.get(f"/nominations/new?user_id={member.id}").get_data(as_text=True)
    assert member.username in form
    done = client.post("/nominations/new", data={"person": member.username, "type": "excellent_volunteer",
                                                  "reason": "带队清理河道"})
    assert done.status_code == 302
    refused = client.post("/nominations/new", data={"person": outsider.username, "type": "excellent_volunteer",
                                                     "reason": "x"})
    assert refused.status_code == 403
    assert "You can only nominate members of a team you lead." in refused.get_data(as_text=True)
