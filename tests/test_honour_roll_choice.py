"""Residents choose whether the public honour roll lists them; the choice is audited."""

import sqlalchemy as sa

from accounts.models import User
from audit.models import AuditEvent
from extensions import db
from tests.factories import make_user, sign_in


def _opt_out(app, user_id):
    with app.app_context():
        return db.session.get(User, user_id).honour_roll_opt_out


def test_a_resident_hides_and_shows_themselves_on_the_honour_roll(app, client):
    resident = make_user(app)
    sign_in(client, resident)
    page = client.get("/card").get_data(as_text=True)
    assert "Show me on the public honour roll" in page and "checked" in page  # shown by default

    response = client.post("/card/honour-roll", data={})  # box unticked
    assert response.status_code == 302
    assert _opt_out(app, resident.id) is True
    assert "not shown on the honour roll" in client.get("/card").get_data(as_text=True)

    client.post("/card/honour-roll", data={"show": "y"})
    assert _opt_out(app, resident.id) is False
    with app.app_context():
        events = db.session.execute(sa.select(AuditEvent.after).where(
            AuditEvent.action == "user.honour_roll_choice", AuditEvent.subject_id == resident.id)
            .order_by(AuditEvent.id)).scalars().all()
    assert events == ['{"honour_roll_opt_out":true}', '{"honour_roll_opt_out":false}']


def test_the_choice_needs_a_signed_in_person_and_a_csrf_token(app, csrf_app):
    assert app.test_client().post("/card/honour-roll", data={}).status_code in (302, 401)
    resident = make_user(csrf_app)
    client = csrf_app.test_client()
    client.post("/sign-in", data={"username": resident.username, "password": resident.password})
    assert client.post("/card/honour-roll", data={}).status_code == 400
    assert _opt_out(csrf_app, resident.id) is False
