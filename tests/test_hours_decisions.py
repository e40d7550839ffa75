"""Approving, rejecting and reversing hour records: exact credits, each decision once."""

import pytest
import sqlalchemy as sa

from audit.models import AuditEvent
from core.errors import (
    AlreadyDecided,
    AlreadyReversed,
    Forbidden,
    NotFound,
    PointsAlreadySpent,
    ValidationFailed,
)
from extensions import db
from points import hours
from points.ledger_models import Transfer
from tests.factories_points import approve, balance, crew, load_user, log, make_activity, record, spend


def transfers(app) -> int:
    with app.test_request_context():
        return db.session.execute(sa.select(sa.func.count(Transfer.id))).scalar_one()


def actions(app) -> list[str]:
    with app.test_request_context():
        return list(db.session.execute(sa.select(AuditEvent.action).order_by(AuditEvent.id)).scalars())


def test_approval_credits_exactly_the_logged_points_once(app):
    c = crew(app)
    rid = log(app, c.activity_id, c.a, 45, c.lead)
    approve(app, rid, c.admin)
    assert balance(app, c.a) == 8  # 7.5 → 8
    assert record(app, rid).status == "approved"
    with app.test_request_context(), pytest.raises(AlreadyDecided):
        hours.approve_hours(rid, load_user(c.admin.id))
    assert balance(app, c.a) == 8
    assert transfers(app) == 1
    assert "hours.approved" in actions(app)


def test_approving_again_with_the_same_key_returns_the_record_unchanged(app):
    c = crew(app)
    rid = log(app, c.activity_id, c.a, 60, c.lead)
    with app.test_request_context():
        first = hours.approve_hours(rid, load_user(c.admin.id), key="form:1:abc")
        again = hours.approve_hours(rid, load_user(c.admin.id), key="form:1:abc")
        assert first.id == again.id and again.status == "approved"
    assert balance(app, c.a) == 10
    assert transfers(app) == 1


def test_a_record_worth_zero_points_is_approved_without_a_transfer(app):
    c = crew(app)
    rid = log(app, c.activity_id, c.a, 1, c.lead)
    assert record(app, rid).points == 0
    approve(app, rid, c.admin)
    assert record(app, rid).status == "approved"
    assert transfers(app) == 0
    with app.test_request_context():
        hours.reverse_hours(rid, "mistake", load_user(c.admin.id))
    assert record(app, rid).status == "reversed"


def test_only_admins_decide_and_unknown_records_are_not_found(app):
    c = crew(app)
    rid = log(app, c.activity_id, c.a, 60, c.lead)
    with app.test_request_context():
        for call in (lambda u: hours.approve_hours(rid, u), lambda u: hours.reject_hours(rid, "x", u),
                     lambda u: hours.reverse_hours(rid, "x", u), lambda u: hours.approve_many([rid], u)):
            with pytest.raises(Forbidden):
                call(load_user(c.lead.id))
        with pytest.raises(NotFound):
            hours.approve_hours(999999, load_user(c.admin.id))
    assert record(app, rid).status == "pending"


def test_rejection_needs_a_reason_and_happens_once(app):
    c = crew(app)
    rid = log(app, c.activity_id, c.a, 60, c.lead)
    with app.test_request_context():
        for reason in ("", "   ", None):
            with pytest.raises(ValidationFailed) as caught:
                hours.reject_hours(rid, reason, load_user(c.admin.id))
            assert "reason" in caught.value.fields
        assert hours.reject_hours(rid, "不是本队活动", load_user(c.admin.id)).reason == "不是本队活动"
        with pytest.raises(AlreadyDecided):
            hours.reject_hours(rid, "again", load_user(c.admin.id))
        with pytest.raises(AlreadyDecided):
            hours.approve_hours(rid, load_user(c.admin.id))
    assert balance(app, c.a) == 0
    assert "hours.rejected" in actions(app)


def test_reversal_posts_once_and_only_for_approved_records(app):
    c = crew(app)
    rid = log(app, c.activity_id, c.a, 60, c.lead)
    with app.test_request_context(), pytest.raises(AlreadyDecided):
        hours.reverse_hours(rid, "too early", load_user(c.admin.id))
    approve(app, rid, c.admin)
    with app.test_request_context():
        with pytest.raises(ValidationFailed):
            hours.reverse_hours(rid, "", load_user(c.admin.id))
        hours.reverse_hours(rid, "wrong person", load_user(c.admin.id))
        with pytest.raises(AlreadyReversed):
            hours.reverse_hours(rid, "again", load_user(c.admin.id))
    assert balance(app, c.a) == 0
    assert record(app, rid).status == "reversed"
    assert transfers(app) == 2
    assert "hours.reversed" in actions(app)


def test_reversal_of_spent_points_is_refused_and_changes_nothing(app):
    c = crew(app)
    rid = log(app, c.activity_id, c.a, 60, c.lead)
    approve(app, rid, c.admin)
    spend(app, c.a, 4)
    with app.test_request_context(), pytest.raises(PointsAlreadySpent):
        hours.reverse_hours(rid, "wrong person", load_user(c.admin.id))
    assert record(app, rid).status == "approved"
    assert balance(app, c.a) == 6
    assert transfers(app) == 2


def test_bulk_approval_reports_what_was_approved_and_what_was_refused(app):
    c = crew(app)
    first = log(app, c.activity_id, c.a, 60, c.lead)
    second = log(app, c.activity_id, c.b, 120, c.lead)
    other = make_activity(app, c.team_id, c.lead)
    third = log(app, other, c.a, 30, c.lead)
    approve(app, third, c.admin)
    with app.test_request_context():
        outcome = hours.approve_many([first, second, third, 999999], load_user(c.admin.id))
    assert outcome.approved == [first, second]
    assert set(outcome.refused) == {third, 999999}
    assert outcome.stopped is None and outcome.left == []
    assert balance(app, c.a) == 15 and balance(app, c.b) == 20
    with app.test_request_context(), pytest.raises(ValidationFailed):
        hours.approve_many([], load_user(c.admin.id))
