"""The audit viewer's queries (audit/filters.py): an action prefix spanning several actions pages
newest first exactly as a plain filter would, read per action from the (action, id) index."""

import sqlalchemy as sa

from audit.filters import AuditFilters, actions_with_prefix, newest_first
from audit.models import AuditEvent
from extensions import db
from tests.factories import make_user
from tests.test_audit_api import record_events


def test_a_prefix_pages_through_several_actions_newest_first_without_gaps(app):
    admin = make_user(app, "admin")
    actions = ["test.b", "test.a", "other.x", "test.c", "test.a", "test.b", "tests.z", "test.a", "other.y"]
    record_events(app, [(action, admin.id, None, {"n": n}) for n, action in enumerate(actions)])
    with app.app_context():
        expected = db.session.execute(sa.select(AuditEvent.id).where(AuditEvent.action.like("test.%"))
                                      .order_by(AuditEvent.id.desc())).scalars().all()
        assert actions_with_prefix("test.") == ["test.a", "test.b", "test.c"]  # not "tests.z"
        seen, before = [], None
        while True:
            page = [event.id for event, _ in db.session.execute(
                newest_first(AuditFilters(action="test."), before, 2)).all()]
            if not page:
                break
            seen += page
            before = page[-1]
        assert seen == expected and len(seen) == 6
        assert db.session.execute(newest_first(AuditFilters(action="nothing."), None, 5)).all() == []


def test_a_prefix_combines_with_the_actor_filter(app):
    admin, lead = make_user(app, "admin"), make_user(app, "team_lead")
    record_events(app, [("hours.logged", lead.id, None, None), ("hours.approved", admin.id, None, None),
                        ("hours.logged", admin.id, None, None)])
    with app.app_context():
        rows = db.session.execute(newest_first(
            AuditFilters(action="hours.", actor_username=admin.username.upper()), None, 10)).all()
        assert [(event.action, username) for event, username in rows] == [
            ("hours.logged", admin.username), ("hours.approved", admin.username)]
