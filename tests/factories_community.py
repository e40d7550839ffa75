"""Plain factories for the community features: wishes in a chosen state, units, needs, party members."""

from types import SimpleNamespace

from extensions import db
from tests.factories import bearer, make_user


def _user(user_id: int):
    from accounts.models import User

    return db.session.get(User, user_id)


def make_wish(app, wisher, *, state: str = "published", claimer=None, admin=None, title: str = "一副老花镜",
              commendation_type: str | None = None) -> int:
    """A wish taken through the states up to `state` (submitted … closed) by the services themselves."""
    from community import wishes

    order = ["submitted", "published", "claimed", "fulfilled", "closed"]
    admin = admin or make_user(app, "admin")
    if order.index(state) >= 2 and claimer is None:
        claimer = make_user(app)
    with app.test_request_context():
        wish_id = wishes.post_wish({"title": title, "details": "请帮忙"}, _user(wisher.id)).id
        if order.index(state) >= 1:
            wishes.publish_wish(wish_id, _user(admin.id))
        if order.index(state) >= 2:
            wishes.claim_wish(wish_id, _user(claimer.id))
        if order.index(state) >= 3:
            wishes.fulfil_wish(wish_id, {"note": "已送到"}, _user(claimer.id))
        if order.index(state) >= 4:
            body = {"commendation_type": commendation_type} if commendation_type else {}
            wishes.confirm_wish(wish_id, body, _user(admin.id), key=f"wish:{wish_id}")
        db.session.remove()
    return wish_id


def make_unit(app, name: str = "市税务局", contacts=()) -> int:
    from community import units

    admin = make_user(app, "admin")
    with app.test_request_context():
        unit_id = units.create_unit({"name": name, "contact_ids": [c.id for c in contacts]}, _user(admin.id)).id
        db.session.remove()
    return unit_id


def make_need(app, community_id: int, title: str = "楼道灯维修") -> int:
    from community import needs

    admin = make_user(app, "admin")
    with app.test_request_context():
        need_id = needs.create_need({"title": title, "community_id": community_id, "details": "三号楼"},
                                    _user(admin.id)).id
        db.session.remove()
    return need_id


def make_party_member(app, unit_id: int | None = None, name: str | None = None) -> SimpleNamespace:
    """A resident marked as a party member of a unit (through the admin's PATCH)."""
    person = make_user(app, name=name)
    admin = make_user(app, "admin")
    client = app.test_client()
    response = client.patch(f"/api/v1/users/{person.id}", headers=bearer(app, admin),
                            json={"party_member": True, "unit_id": unit_id})
    assert response.status_code == 200, response.get_json()
    return person
