"""Admin pages for people, communities and grids."""

import pytest
import sqlalchemy as sa

from accounts import services
from accounts.models import Grid, User
from audit.models import AuditEvent
from core.errors import NotFound, ValidationFailed
from extensions import db
from tests.factories import make_user, sign_in
from tests.factories_accounts import make_community, stub_missing_pages

VALID_ID = "11010519491231002X"


@pytest.fixture(autouse=True)
def _linked_pages(request):
    if "app" in request.fixturenames:
        stub_missing_pages(request.getfixturevalue("app"))


@pytest.fixture
def admin_client(app):
    admin = make_user(app, "admin", name="管理员")
    client = app.test_client()
    sign_in(client, admin)
    client.admin = admin
    return client


def _actions(app) -> list[str]:
    with app.app_context():
        return list(db.session.scalars(sa.select(AuditEvent.action).order_by(AuditEvent.id)))


def test_people_search_finds_by_name_initials_username_and_phone(app, admin_client):
    make_user(app, name="张伟", username="zhangwei", phone="13812341234")
    make_user(app, name="李娜", username="lina", phone="13900001111")
    for q in ("张", "zw", "zhangw", "1234123"):
        page = admin_client.get("/people", query_string={"q": q}).get_data(as_text=True)
        assert "张伟" in page and "李娜" not in page, q
        assert "13812341234" in page  # admins see whole phones
    page = admin_client.get("/people", query_string={"q": "%"}).get_data(as_text=True)
    assert "张伟" not in page and "Nobody matches" in page


def test_people_list_is_paginated_and_bad_queries_do_not_break_it(app, admin_client):
    for i in range(30):
        make_user(app, username=f"p{i:02d}")
    first = admin_client.get("/people").get_data(as_text=True)
    assert "1 / 2" in first
    assert admin_client.get("/people?page=2").status_code == 200
    assert admin_client.get("/people?page=99").status_code == 200
    assert admin_client.get("/people?page=abc").status_code == 200
    assert admin_client.get("/people", query_string={"q": "a\x00b"}).status_code == 200


def test_an_admin_adds_a_person_with_roles_place_and_contacts(app, admin_client):
    place = make_community(app, "阳光社区", grids=("一网格",))
    response = admin_client.post("/people/new", data={
        "username": "wang.fang", "name": "王芳", "password": "secret-pass-1",
        "roles": ["resident", "team_lead"], "community_id": "None",
        "grid_id": str(place["grids"]["一网格"]), "phone": "138 1234 5678", "id_number": VALID_ID.lower(),
    })
    assert response.status_code == 302
    with app.app_context():
        user = db.session.scalar(sa.select(User).where(User.username == "wang.fang"))
        assert user.roles == ["resident", "team_lead"] and user.community_id == place["id"]
        assert user.phone == "13812345678" and user.id_number == VALID_ID and user.name_initials == "wf"
    assert "user.created" in _actions(app)


@pytest.mark.parametrize("change, message", [
    ({"username": "x"}, "2–40 letters"),
    ({"password": "short"}, "at least 8"),
    ({"roles": []}, "Choose at least one role."),
    ({"roles": ["king"]}, "is-invalid"),
    ({"phone": "call me"}, "phone number"),
    ({"id_number": "110105194912310021"}, "valid 18-character ID"),
    ({"community_id": "424242"}, "is-invalid"),
    ({"name": "\x00"}, "not allowed"),
])
def test_adding_a_person_with_bad_values_saves_nothing_and_says_why(app, admin_client, change, message):
    data = {"username": "li.na", "name": "李娜", "password": "secret-pass-1", "roles": ["resident"],
            "community_id": "None", "grid_id": "None"} | change
    response = admin_client.post("/people/new", data=data)
    assert response.status_code == 422
    assert message.lower() in response.get_data(as_text=True).lower()
    with app.app_context():
        assert db.session.scalar(sa.select(User.id).where(User.username == "li.na")) is None


def test_a_taken_username_is_shown_on_the_form(app, admin_client):
    make_user(app, username="taken")
    response = admin_client.post("/people/new", data={
        "username": "TAKEN", "name": "某人", "password": "secret-pass-1", "roles": ["resident"],
        "community_id": "None", "grid_id": "None"})
    assert response.status_code == 422 and "This username is taken." in response.get_data(as_text=True)


def test_editing_a_person_records_before_and_after(app, admin_client):
    person = make_user(app, name="赵敏")
    page = admin_client.get(f"/people/{person.id}/edit").get_data(as_text=True)
    assert "赵敏" in page and person.card_code in page
    response = admin_client.post(f"/people/{person.id}/edit", data={
        "name": "赵敏敏", "roles": ["resident", "store_keeper"], "community_id": "None", "grid_id": "None",
        "phone": "13700000000", "id_number": "", "active": "", "new_password": "another-pass-2",
    })
    assert response.status_code == 302
    with app.app_context():
        user = db.session.get(User, person.id)
        assert (user.name, user.roles, user.active) == ("赵敏敏", ["resident", "store_keeper"], False)
        event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "user.updated"))
        assert "赵敏" in event.before and "赵敏敏" in event.after and "password_changed" in event.after
        assert "another-pass-2" not in event.after
    assert admin_client.get("/people/999999/edit").status_code == 404


def test_an_admin_cannot_lock_themselves_out(app, admin_client):
    me = admin_client.admin
    response = admin_client.post(f"/people/{me.id}/edit", data={
        "name": me.name, "roles": ["resident"], "community_id": "None", "grid_id": "None"})
    assert response.status_code == 422
    text = response.get_data(as_text=True)
    assert "You cannot remove your own admin role." in text and "You cannot deactivate yourself." in text


def test_a_grid_from_another_community_is_refused(app):
    a = make_community(app, "甲社区", grids=("一网格",))
    b = make_community(app, "乙社区")
    person = make_user(app)
    with app.test_request_context():
        with pytest.raises(ValidationFailed) as refused:
            services.update_user(services.EditUser(
                user_id=person.id, name="某人", roles=("resident",), community_id=b["id"],
                grid_id=a["grids"]["一网格"]), None)
        assert "grid_id" in refused.value.fields
        with pytest.raises(NotFound):
            services.update_user(services.EditUser(user_id=999999, name="x", roles=("resident",)), None)


def test_communities_and_grids_are_added_once_each(app, admin_client):
    response = admin_client.post("/communities", data={"community-name": "和平社区"})
    assert response.status_code == 302
    again = admin_client.post("/communities", data={"community-name": " 和平社区 "})
    assert again.status_code == 422 and "already exists" in again.get_data(as_text=True)
    with app.app_context():
        community_id = db.session.scalar(sa.text("SELECT id FROM communities"))
    assert admin_client.post(f"/communities/{community_id}/grids", data={"grid-name": "一网格"}).status_code == 302
    response = admin_client.post(f"/communities/{community_id}/grids", data={"grid-name": "一网格"},
                                 follow_redirects=True)
    assert "already has a grid" in response.get_data(as_text=True)
    assert admin_client.post("/communities/999999/grids", data={"grid-name": "x"}).status_code == 404
    page = admin_client.get("/communities").get_data(as_text=True)
    assert "和平社区" in page and "一网格" in page
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(Grid.id))) == 1
    actions = _actions(app)
    assert actions.count("community.created") == 1 and actions.count("grid.created") == 1


def test_an_admin_can_print_someone_elses_card(app, admin_client):
    person = make_user(app, name="孙丽")
    page = admin_client.get(f"/people/{person.id}/card").get_data(as_text=True)
    assert "孙丽" in page and "data:image/svg+xml" in page
    assert admin_client.get("/people/999999/card").status_code == 404
