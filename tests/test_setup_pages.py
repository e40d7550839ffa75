"""The set-up pages: admins manage teams, rules and awards; leads manage their own team's members."""

import re

import pytest
import sqlalchemy as sa

from accounts.models import User
from core.templating import NAV
from extensions import db
from points import ledger, setup_services, teams
from points.models import Adjustment, Commendation, Team
from tests.factories import make_user, sign_in


@pytest.fixture
def web(app):
    """A client for the pages; nav links of areas not built yet get a placeholder so base.html renders."""
    for endpoint, _label, _roles in NAV:
        if endpoint not in app.view_functions:
            app.add_url_rule(f"/_placeholder/{endpoint}", endpoint=endpoint, view_func=lambda: "")
    return app.test_client()


def login(client, user):
    client.post("/sign-out")  # sessions live on the server now: a forged _user_id names none
    sign_in(client, user)


def make_team(app, admin_id, name="敬老服务队", lead_ids=()):
    with app.test_request_context():
        return teams.create_team(name, None, list(lead_ids), db.session.get(User, admin_id)).id


def key_of(html: str) -> str:
    return re.search(r'name="idempotency_key" type="hidden" value="([0-9a-f]{32})"', html).group(1)


@pytest.mark.parametrize("path", ["/teams", "/rules", "/awards", "/awards/commendations/new",
                                  "/awards/adjustments/new", "/rules/levels/1", "/rules/commendation-types/1"])
def test_set_up_pages_render_for_an_admin_and_are_forbidden_to_a_resident(app, web, path):
    admin, resident = make_user(app, "admin"), make_user(app)
    login(web, admin)
    response = web.get(path)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert 'style="' not in html and "<script>" not in html
    login(web, resident)
    assert web.get(path).status_code == 403


def test_pages_need_a_sign_in(web):
    assert web.get("/rules").status_code in (302, 401)


def test_an_admin_creates_a_team_with_leads_by_username(app, web):
    admin, lead = make_user(app, "admin"), make_user(app, username="wang.lead")
    login(web, admin)
    response = web.post("/teams", data={"name": "环境卫生队", "community_id": "0", "leads": "WANG.lead"})
    assert response.status_code == 302
    with app.app_context():
        team = db.session.execute(sa.select(Team)).scalar_one()
        assert teams.lead_ids(team.id) == [lead.id]
    page = web.get(f"/teams/{team.id}").get_data(as_text=True)
    assert "环境卫生队" in page and lead.name in page
    response = web.post("/teams", data={"name": "环境卫生队", "community_id": "0", "leads": "nobody"})
    assert response.status_code == 422 and "nobody" in response.get_data(as_text=True)
    response = web.post("/teams", data={"name": "环境卫生队", "community_id": "0", "leads": ""})
    assert response.status_code == 422


def test_a_lead_adds_members_to_their_team_by_name_and_cannot_open_another(app, web):
    admin, lead, other_lead = make_user(app, "admin"), make_user(app), make_user(app)
    volunteer = make_user(app, name="李秀英")
    mine = make_team(app, admin.id, lead_ids=[lead.id])
    theirs = make_team(app, admin.id, name="文明创建队", lead_ids=[other_lead.id])
    login(web, lead)
    assert web.get(f"/teams/{mine}").status_code == 200
    assert web.get(f"/teams/{theirs}").status_code == 403
    assert web.get("/teams").status_code == 403
    assert web.post(f"/teams/{mine}", data={"person": "李秀英"}).status_code == 302
    with app.app_context():
        assert volunteer.id in teams.team_member_ids(mine)
    assert web.post(f"/teams/{mine}", data={"person": "没有这个人"}).status_code == 422
    assert web.post(f"/teams/{mine}/members/{volunteer.id}/remove").status_code == 302
    assert web.post(f"/teams/{mine}/members/{volunteer.id}/lead", data={"lead": "1"}).status_code == 403
    with app.app_context():
        assert volunteer.id not in teams.team_member_ids(mine)


def test_several_matches_offer_a_choice_and_the_pick_is_used(app, web):
    admin = make_user(app, "admin")
    first, second = make_user(app, name="张伟"), make_user(app, name="张伟")
    team_id = make_team(app, admin.id)
    login(web, admin)
    response = web.post(f"/teams/{team_id}", data={"person": "张伟"})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert f'name="pick" value="{first.id}"' in html and f'name="pick" value="{second.id}"' in html
    assert web.post(f"/teams/{team_id}", data={"person": "张伟", "pick": str(second.id)}).status_code == 302
    with app.app_context():
        assert teams.team_member_ids(team_id) == [second.id]


def test_an_admin_makes_and_unmakes_a_lead(app, web):
    admin, volunteer = make_user(app, "admin"), make_user(app)
    team_id = make_team(app, admin.id)
    login(web, admin)
    web.post(f"/teams/{team_id}", data={"person": volunteer.username})
    assert web.post(f"/teams/{team_id}/members/{volunteer.id}/lead", data={"lead": "1"}).status_code == 302
    with app.app_context():
        assert teams.is_team_lead(volunteer.id, team_id)
    web.post(f"/teams/{team_id}/members/{volunteer.id}/lead", data={"lead": "0"})
    with app.app_context():
        assert not teams.is_team_lead(volunteer.id, team_id)
    assert web.get("/teams/999999").status_code == 404


def test_the_rules_page_changes_the_rate_and_adds_levels_and_types(app, web):
    admin = make_user(app, "admin")
    login(web, admin)
    confirm = web.post("/rules", data={"rule-points_per_hour": "15"})
    assert confirm.status_code == 200 and 'id="confirm-rate">15<' in confirm.get_data(as_text=True)
    with app.app_context():
        assert setup_services.current_rule().points_per_hour == 10  # nothing changes before the confirmation
    assert web.post("/rules", data={"rule-points_per_hour": "15", "rule-confirmed": "1"}).status_code == 302
    assert web.post("/rules", data={"rule-points_per_hour": "0"}).status_code == 422
    assert web.post("/rules/levels", data={"level-code": "night", "level-name": "夜间",
                                           "level-multiplier": "1.25"}).status_code == 302
    for bad in ("0", "10.01", "1.234", "abc", ""):
        response = web.post("/rules/levels", data={"level-code": "x", "level-name": "x", "level-multiplier": bad})
        assert response.status_code == 422, bad
    assert web.post("/rules/levels", data={"level-code": "night", "level-name": "又",
                                           "level-multiplier": "1"}).status_code == 422
    assert web.post("/rules/commendation-types", data={"ctype-code": "helper", "ctype-name": "热心帮手",
                                                      "ctype-points": "30"}).status_code == 302
    page = web.get("/rules").get_data(as_text=True)
    assert "夜间" in page and "×1.25" in page and "热心帮手" in page and ">15<" in page
    with app.app_context():
        level = setup_services.level_by_code("night")
    response = web.post(f"/rules/levels/{level.id}", data={"name": "夜间服务", "multiplier": "1.3"})
    assert response.status_code == 302
    assert web.post(f"/rules/levels/{level.id}", data={"name": "夜间服务", "multiplier": "11"}).status_code == 422
    with app.app_context():
        level = setup_services.level_by_code("night")
        assert (level.name, setup_services.format_multiplier(level.multiplier), level.active) == ("夜间服务", "1.3", False)
        assert setup_services.current_rule().points_per_hour == 15
    assert web.get("/rules/levels/999999").status_code == 404


def test_granting_a_commendation_from_the_page_shows_the_new_balance_and_posts_once(app, web):
    admin, resident = make_user(app, "admin"), make_user(app, name="刘芳")
    login(web, admin)
    form = web.get("/awards/commendations/new").get_data(as_text=True)
    assert "data-once" in form
    data = {"person": resident.username, "type": "good_deed", "reason": "拾金不昧",
            "idempotency_key": key_of(form)}
    confirm = web.post("/awards/commendations/new", data=data).get_data(as_text=True)
    assert "刘芳" in confirm and 'id="confirm-points">+50<' in confirm and 'id="confirm-after">50<' in confirm
    with app.app_context():
        assert ledger.user_balance(resident.id) == 0  # nothing granted before the confirmation
    data["confirmed"] = "1"
    response = web.post("/awards/commendations/new", data=data)
    assert response.status_code == 302
    again = web.post("/awards/commendations/new", data=data)  # a double click
    assert again.headers["Location"] == response.headers["Location"]
    done = web.get(response.headers["Location"]).get_data(as_text=True)
    assert "刘芳" in done and "+50" in done and "拾金不昧" in done
    with app.app_context():
        assert ledger.user_balance(resident.id) == 50
        assert db.session.execute(sa.select(sa.func.count(Commendation.id))).scalar() == 1
    response = web.post("/awards/commendations/new", data={**data, "reason": ""})
    assert response.status_code == 422


def test_an_adjustment_page_deducts_but_never_below_zero(app, web):
    admin, resident = make_user(app, "admin"), make_user(app)
    login(web, admin)
    key = key_of(web.get("/awards/adjustments/new").get_data(as_text=True))
    data = {"person": resident.username, "points": "20", "reason": "补录", "idempotency_key": key, "confirmed": "1"}
    assert web.post("/awards/adjustments/new", data=data).status_code == 302
    key = key_of(web.get("/awards/adjustments/new").get_data(as_text=True))
    refused = web.post("/awards/adjustments/new", data={**data, "points": "-21", "idempotency_key": key})
    assert refused.status_code == 409
    for bad in ("0", "abc", "100001", ""):
        assert web.post("/awards/adjustments/new", data={**data, "points": bad}).status_code == 422
    assert web.post("/awards/adjustments/new", data={**data, "idempotency_key": "x"}).status_code == 422
    reused = web.post("/awards/adjustments/new", data={**data, "points": "-5", "idempotency_key": data["idempotency_key"]})
    assert reused.status_code == 409  # the first form's key already posted +20
    with app.app_context():
        assert ledger.user_balance(resident.id) == 20
        [record] = db.session.execute(sa.select(Adjustment)).scalars().all()
    page = web.get(f"/awards/adjustments/{record.id}").get_data(as_text=True)
    assert "Manual adjustment" in page
    assert "补录" in web.get("/awards").get_data(as_text=True)


def test_the_people_picker_suggests_by_name(app, web):
    admin = make_user(app, "admin")
    make_user(app, name="陈静", username="chenjing")
    login(web, admin)
    items = web.get("/setup/people?q=陈").json["items"]
    assert {"username": "chenjing", "name": "陈静"} in items
    assert web.get("/setup/people?q=%25").json["items"] == []


def test_a_deduction_is_confirmed_first_and_warns_when_it_would_go_below_zero(app, web):
    admin, resident = make_user(app, "admin"), make_user(app, name="赵强")
    login(web, admin)
    key = key_of(web.get("/awards/adjustments/new").get_data(as_text=True))
    page = web.post("/awards/adjustments/new", data={"person": resident.username, "points": "-15",
                                                     "reason": "报损", "idempotency_key": key})
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "赵强" in html and 'id="confirm-after">-15<' in html
    assert "below zero" in html
    with app.app_context():
        assert db.session.execute(sa.select(sa.func.count(Adjustment.id))).scalar() == 0
