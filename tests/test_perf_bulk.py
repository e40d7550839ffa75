"""Set-based bulk approval (ledger.post_many) ends exactly where approving one by one ends."""

import json
import threading

import pytest
import sqlalchemy as sa

from app import create_app
from audit.models import AuditEvent
from audit.service import verify_chain
from core.db import run_write
from core.errors import AlreadyDecided, DomainError, InsufficientPoints
from extensions import db
from notifications.models import Notification
from points import hours, ledger, stats
from points.ledger_models import ISSUER_ACCOUNT_ID, Transfer
from points.ledger_verify import verify_ledger
from points.models import HourRecord
from tests.factories import make_user
from tests.factories_hours import many_pending
from tests.factories_perf import mixed_world
from tests.factories_points import load_user

IGNORED = {"id", "volunteer_id", "activity_id", "logged_by_id", "decided_by_id", "logged_at", "decided_at",
           "transfer_id", "reversal_transfer_id"}


def one_by_one(ids, actor) -> dict[int, str]:
    """What approving each record on its own answers: "approved" or the refusal's message."""
    results = {}
    for record_id in ids:
        try:
            hours.approve_hours(record_id, actor)
            results[record_id] = "approved"
        except DomainError as error:
            results[record_id] = str(error.message)
    return results


def world_state(app, world) -> dict:
    """Everything a person or an auditor could see of one world, with ids replaced by positions."""
    person_no = {p.id: n for n, p in enumerate([*world.people, world.approver])}
    record_no = {record_id: n for n, record_id in enumerate(world.ids)}
    with app.app_context():
        records = {r.id: r for r in db.session.scalars(sa.select(HourRecord).where(HourRecord.id.in_(world.ids)))}
        transfers = db.session.scalars(sa.select(Transfer).where(
            Transfer.source_type == "hour_records", Transfer.source_id.in_(world.ids)).order_by(Transfer.id)).all()
        events = db.session.scalars(sa.select(AuditEvent).where(
            AuditEvent.subject_type == "hour_records", AuditEvent.subject_id.in_(world.ids),
            AuditEvent.action == "hours.approved").order_by(AuditEvent.subject_id)).all()
        notes = db.session.execute(sa.select(Notification.user_id, Notification.kind, Notification.params).where(
            Notification.user_id.in_(person_no)).order_by(Notification.id)).all()
        return {
            "statuses": [records[i].status for i in world.ids],
            "balances": [ledger.user_balance(p.id) for p in [*world.people, world.approver]],
            "minutes": [stats.service_minutes(p.id) for p in [*world.people, world.approver]],
            # the resident's balance after each transfer (the issuer's depends on the other world too)
            "transfers": sorted((record_no[t.source_id], t.kind, t.amount, t.memo, t.idempotency_key.split(":")[0],
                                 t.credit_balance_after if t.debit_account_id == ISSUER_ACCOUNT_ID
                                 else t.debit_balance_after) for t in transfers),
            "links": [records[i].transfer_id is not None for i in world.ids],
            "events": [(record_no[e.subject_id], {k: v for k, v in json.loads(e.before).items() if k not in IGNORED},
                        {k: v for k, v in json.loads(e.after).items() if k not in IGNORED}) for e in events],
            "notifications": sorted((person_no[u], kind, params) for u, kind, params in notes),
        }


def running_balances_agree() -> bool:
    """Every transfer's stored balances after equal a running sum over the transfers in id order."""
    running: dict[int, int] = {}
    for debit, credit, amount, debit_after, credit_after in db.session.execute(sa.select(
            Transfer.debit_account_id, Transfer.credit_account_id, Transfer.amount, Transfer.debit_balance_after,
            Transfer.credit_balance_after).order_by(Transfer.id)):
        running[debit] = running.get(debit, 0) - amount
        running[credit] = running.get(credit, 0) + amount
        if (running[debit], running[credit]) != (debit_after, credit_after):
            return False
    return True


def test_bulk_of_mixed_records_ends_like_one_by_one_approval(app):
    lead, checker = make_user(app, "team_lead"), make_user(app, "admin")
    bulk_world, single_world = mixed_world(app, lead, checker), mixed_world(app, lead, checker)
    with app.test_request_context():
        outcome = hours.approve_many(bulk_world.ids, load_user(bulk_world.approver.id), budget_seconds=600)
        singles = one_by_one(single_world.ids, load_user(single_world.approver.id))
        decided = str(AlreadyDecided().message)
    bulk = {i: "approved" for i in outcome.approved} | outcome.refused
    assert [bulk[i] for i in bulk_world.ids] == [singles[i] for i in single_world.ids]
    assert len(outcome.approved) == 9 and outcome.stopped is None and outcome.left == []
    assert bulk[bulk_world.own] == singles[single_world.own] != "approved"  # the same message, per record
    assert list(outcome.refused.values()).count(decided) == 3  # approved, rejected and reversed before the run
    assert world_state(app, bulk_world) == world_state(app, single_world)
    with app.app_context():
        assert verify_ledger() == [] and stats.verify_stats() == [] and hours.verify_day_minutes() == []
        assert verify_chain().ok and running_balances_agree()


def test_several_chunks_credit_each_person_once_per_record_and_the_issuer_by_the_total(app):
    admin, lead = make_user(app, "admin"), make_user(app, "team_lead")
    ids = many_pending(app, lead, people=21, activities=30, minutes=30)  # 630 records: several chunks
    with app.app_context():
        issuer_before = ledger.account_balance(ISSUER_ACCOUNT_ID)
        points = dict(db.session.execute(sa.select(HourRecord.id, HourRecord.points)).all())
    with app.test_request_context():
        outcome = hours.approve_many(ids, load_user(admin.id), budget_seconds=600)
    assert outcome.approved == ids and outcome.chunks >= 3
    with app.app_context():
        assert ledger.account_balance(ISSUER_ACCOUNT_ID) == issuer_before - sum(points[i] for i in ids)
        keys = set(db.session.scalars(sa.select(Transfer.idempotency_key).where(Transfer.kind == "hours_award")))
        assert keys == {f"hours:{i}" for i in ids}
        assert db.session.scalar(sa.select(sa.func.count()).where(AuditEvent.action == "hours.approved")) == 630
        assert verify_ledger() == [] and stats.verify_stats() == [] and verify_chain().ok
        assert running_balances_agree()


def test_a_batch_that_would_overdraw_one_account_posts_nothing(app):
    rich, poor, store = make_user(app), make_user(app), make_user(app)
    with app.app_context():
        run_write(lambda: ledger.issue_to_user(user_id=rich.id, amount=50, kind="adjustment", key="seed-rich",
                                               body_hash="x", actor_id=None, memo="", source_type="test",
                                               source_id=1))
        to = run_write(lambda: ledger.user_account_id(store.id))
        accounts = run_write(lambda: ledger.user_account_ids([rich.id, poor.id]))
        postings = [ledger.Posting(f"take-{n}", "x", accounts[who.id], to, 10, "adjustment", None)
                    for n, who in enumerate([rich, poor])]
        with pytest.raises(InsufficientPoints):
            run_write(lambda: ledger.post_many(postings))
        assert ledger.user_balance(rich.id) == 50 and ledger.user_balance(store.id) == 0
        assert db.session.scalar(sa.select(sa.func.count()).where(Transfer.idempotency_key.like("take-%"))) == 0
        with pytest.raises(ValueError):  # the store would be credited and debited in one batch
            ledger.post_many([postings[0], ledger.Posting("back", "x", to, accounts[rich.id], 5, "adjustment", None)])
        db.session.rollback()


def test_every_hook_sees_every_posting_of_a_batch(app):
    people = [make_user(app) for _ in range(3)]
    singles, batches = [], []

    def single(posting, transfer_id, at):
        singles.append((posting.key, transfer_id))

    def batch(pairs, at):
        batches.append([(p.key, transfer_id) for p, transfer_id in pairs])

    ledger.register_posting_hook(single)
    ledger.register_batch_posting_hook(batch)
    try:
        with app.app_context():
            accounts = run_write(lambda: ledger.user_account_ids([p.id for p in people]))
            posted = run_write(lambda: ledger.post_many([
                ledger.Posting(f"gift-{n}", "x", ISSUER_ACCOUNT_ID, accounts[p.id], n + 1, "adjustment", None)
                for n, p in enumerate(people)]))
            one = run_write(lambda: ledger.issue_to_user(user_id=people[0].id, amount=4, kind="adjustment",
                                                         key="gift-one", body_hash="x", actor_id=None, memo="",
                                                         source_type="test", source_id=1))
            assert [ledger.user_balance(p.id) for p in people] == [5, 2, 3]
            assert verify_ledger() == [] and stats.verify_stats() == []
    finally:
        ledger._posting_hooks.remove(single)
        ledger._batch_posting_hooks.remove(batch)
    expected = [(f"gift-{n}", t.id) for n, t in enumerate(posted)]
    assert singles == [*expected, ("gift-one", one.id)]
    assert batches == [expected, [("gift-one", one.id)]]


@pytest.mark.slow
def test_bulk_racing_single_approvals_credits_each_record_exactly_once(app, database_url):
    admin, other_admin, lead = make_user(app, "admin"), make_user(app, "admin"), make_user(app, "team_lead")
    ids = many_pending(app, lead, people=6, activities=50)  # 300 records
    workers_app = create_app({"TESTING": True, "SECRET_KEY": "t", "SQLALCHEMY_DATABASE_URI": database_url})
    start, results = threading.Barrier(2), {}

    def bulk():
        with workers_app.test_request_context():
            start.wait()
            try:
                results["bulk"] = hours.approve_many(ids, load_user(admin.id), budget_seconds=600)
            finally:
                db.session.remove()

    def singles():
        with workers_app.test_request_context():
            start.wait()
            try:
                results["singles"] = one_by_one(list(reversed(ids)), load_user(other_admin.id))
            finally:
                db.session.remove()

    threads = [threading.Thread(target=bulk), threading.Thread(target=singles)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)
    with workers_app.app_context():
        db.engine.dispose()
    by_bulk = set(results["bulk"].approved)
    by_singles = {i for i, answer in results["singles"].items() if answer == "approved"}
    assert by_bulk.isdisjoint(by_singles) and by_bulk | by_singles == set(ids)
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).where(Transfer.kind == "hours_award")) == 300
        assert verify_ledger() == [] and stats.verify_stats() == [] and verify_chain().ok
        assert running_balances_agree()
