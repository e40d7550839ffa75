"""The family pages, the gift form with its confirm step, and the admin's households and proxies pages."""

import sqlalchemy as sa

from extensions import db
from households.models import Household, HouseholdMember
from tests.factories import make_user, sign_in
from tests.factories_households import make_household, make_proxy, mark_in_need
from tests.factories_points import balance
from tests.factories_store import give_points

KEY = "c" * 32


def test_a_member_sees_the_family_totals_and_each_members_balance(app, client):
    mother, son = make_user(app, name="李秀英"), make_user(app, name="王浩")
    give_points(app, mother.id, 60)
    give_points(app, son.id, 15)
    make_household(app, "王家", mother.id, son.id)
    sign_in(client, son)
    page = client.get("/family").get_data(as_text=True)
    assert "王家" in page and "李秀英" in page and 'id="family-balance">75<' in page


def test_someone_without_a_household_is_told_so(app, client):
    loner = make_user(app)
    sign_in(client, loner)
    page = client.get("/family")
    assert page.status_code == 200
    assert "not in a household" in page.get_data(as_text=True)


def _gift(client, to_id, points, **extra):
    return client.post("/family/gift", data={"to_user_id": str(to_id), "points": str(points),
                                             "idempotency_key": KEY, **extra})


def test_the_gift_form_asks_for_confirmation_before_giving(app, client):
    mother, son = make_user(app, name="李秀英"), make_user(app, name="王浩")
    give_points(app, mother.id, 60)
    make_household(app, "王家", mother.id, son.id)
    sign_in(client, mother)
    form = client.get(f"/family/gift?to={son.id}").get_data(as_text=True)
    assert "王浩" in form
    check = _gift(client, son.id, 20, note="零花钱")
    assert check.status_code == 200 and 'id="gift-confirm"' in check.get_data(as_text=True)
    assert balance(app, son) == 0  # nothing moves before the confirmation
    done = _gift(client, son.id, 20, note="零花钱", confirmed="1")
    assert done.status_code == 303
    assert (balance(app, mother), balance(app, son)) == (40, 20)
    twice = _gift(client, son.id, 20, note="零花钱", confirmed="1")  # a double click: same key
    assert twice.status_code == 303
    assert balance(app, son) == 20


def test_the_gift_form_refuses_clearly_and_moves_nothing(app, client):
    mother, son, stranger = make_user(app), make_user(app), make_user(app)
    give_points(app, mother.id, 10)
    make_household(app, "王家", mother.id, son.id)
    sign_in(client, mother)
    assert _gift(client, stranger.id, 5, confirmed="1").status_code == 422  # not a choice offered
    assert _gift(client, son.id, "１０", confirmed="1").status_code == 422  # ASCII digits only
    assert _gift(client, son.id, 0, confirmed="1").status_code == 422
    assert _gift(client, son.id, 5, note="坏\x00", confirmed="1").status_code == 422
    over = _gift(client, son.id, 11, confirmed="1")
    assert over.status_code == 409 and "Not enough points" in over.get_data(as_text=True)
    assert (balance(app, mother), balance(app, son)) == (10, 0)


def test_anyone_may_give_to_a_resident_in_need_shown_masked(app, client):
    giver, needy = make_user(app), make_user(app, name="孙桂兰")
    give_points(app, giver.id, 30)
    mark_in_need(app, needy.id)
    sign_in(client, giver)
    form = client.get("/family/gift").get_data(as_text=True)
    assert "孙*兰" in form and "孙桂兰" not in form
    assert _gift(client, needy.id, 30, confirmed="1").status_code == 303
    assert balance(app, needy) == 30


def test_nobody_to_give_to_is_refused(app, client):
    loner = make_user(app)
    sign_in(client, loner)
    assert "nobody you can give" in client.get("/family/gift").get_data(as_text=True)
    assert _gift(client, loner.id, 1, confirmed="1").status_code == 403


def test_an_admin_creates_a_household_on_the_page(app, client):
    admin, a, b = make_user(app, "admin"), make_user(app), make_user(app)
    sign_in(client, admin)
    made = client.post("/households", data={"name": "陈家", "usernames": f"{a.username} {b.username}"})
    assert made.status_code == 303
    unknown = client.post("/households", data={"name": "赵家", "usernames": "nobody-here"})
    assert unknown.status_code == 422
    again = client.post("/households", data={"name": "赵家", "usernames": a.username})
    assert again.status_code == 409 and "Already in a household" in again.get_data(as_text=True)
    with app.app_context():
        assert db.session.execute(sa.select(sa.func.count()).select_from(Household)).scalar() == 1
        assert db.session.execute(sa.select(sa.func.count()).select_from(HouseholdMember)).scalar() == 2
    page = client.get(made.headers["Location"]).get_data(as_text=True)
    assert a.name in page and b.name in page


def test_auditors_read_the_households_page_but_change_nothing(app, client):
    auditor, a = make_user(app, "auditor"), make_user(app)
    sign_in(client, auditor)
    page = client.get("/households").get_data(as_text=True)
    assert 'name="usernames"' not in page
    assert client.post("/households", data={"name": "陈家", "usernames": a.username}).status_code == 403


def test_an_admin_names_and_ends_a_proxy_on_the_page(app, client):
    admin, elder, worker = make_user(app, "admin"), make_user(app), make_user(app, name="刘网格")
    sign_in(client, admin)
    assert client.post(f"/proxies/{elder.id}", data={"username": worker.username}).status_code == 303
    page = client.get(f"/proxies/{elder.id}").get_data(as_text=True)
    assert "刘网格" in page
    assert client.post(f"/proxies/{elder.id}/{worker.id}/end").status_code == 303
    assert "刘网格" not in client.get(f"/proxies/{elder.id}").get_data(as_text=True)
    assert client.post(f"/proxies/{elder.id}/{worker.id}/end").status_code == 404


def test_a_proxy_is_refused_the_page_of_someone_they_do_not_act_for(app, client):
    admin, elder, worker, other = make_user(app, "admin"), make_user(app), make_user(app), make_user(app)
    make_proxy(app, elder.id, worker.id, admin)
    sign_in(client, worker)
    assert client.get(f"/family/acting-for/{elder.id}").status_code == 200
    assert client.get(f"/family/acting-for/{other.id}").status_code == 404
    assert client.get("/family/acting-for/99999999999").status_code == 404


def test_a_proxy_switches_large_text_on_for_the_elder_and_the_audit_names_the_proxy(app, client):
    from accounts.models import User
    from audit.models import AuditEvent

    admin, elder, worker, other = make_user(app, "admin"), make_user(app), make_user(app), make_user(app)
    make_proxy(app, elder.id, worker.id, admin)
    sign_in(client, worker)
    assert client.post(f"/family/acting-for/{other.id}/care-mode", data={"on": "1"}).status_code == 404
    assert client.post(f"/family/acting-for/{elder.id}/care-mode", data={"on": "yes"}).status_code == 400
    response = client.post(f"/family/acting-for/{elder.id}/care-mode", data={"on": "1"})
    assert response.status_code == 303
    with app.app_context():
        assert db.session.get(User, elder.id).care_mode is True
        assert db.session.get(User, other.id).care_mode is False
        event = db.session.execute(sa.select(AuditEvent).where(AuditEvent.action == "user.care_mode")
                                   .order_by(AuditEvent.id.desc())).scalars().first()
        assert event.actor_id == worker.id and event.subject_id == elder.id
    page = client.get(f"/family/acting-for/{elder.id}").get_data(as_text=True)
    assert 'id="proxy-care-mode"' in page and 'name="on" value="0"' in page  # the button now switches it off
