"""The expiry run: one entry per resident for what expired by the day, once; what a resident sees."""

from datetime import timedelta

import sqlalchemy as sa

from extensions import db
from notifications.models import Notification
from points import ledger
from points.expiry import expire_due, warn_soon
from points.ledger_models import Transfer
from points.lots_verify import verify_lots
from points.stats import verify_stats
from tests.factories import bearer, make_user, sign_in
from tests.factories_expiry import credit, debit, lots_of, months_from_today, reverse, set_expiry
from tests.factories_points import approve, log, make_activity, make_team


def run(app, day):
    with app.app_context():
        return expire_due(day)


def balance(app, user_id):
    with app.app_context():
        return ledger.user_balance(user_id)


def expiry_entries(app, user_id):
    with app.app_context():
        account_id = ledger.user_account_id(user_id)
        rows = db.session.execute(sa.select(Transfer.amount, Transfer.idempotency_key, Transfer.memo)
                                  .where(Transfer.kind == "expiry", Transfer.debit_account_id == account_id)).all()
        db.session.rollback()
        return rows


def all_agree(app):
    with app.app_context():
        problems = verify_lots() + verify_stats()
        db.session.rollback()
        return problems


def test_the_day_before_nothing_expires_and_on_the_day_it_does(app):
    resident = make_user(app)
    set_expiry(app, 36)
    credit(app, resident.id, 40)
    due = months_from_today(36)

    before = run(app, due - timedelta(days=1))
    assert (before.entries, before.points) == (0, 0)
    assert balance(app, resident.id) == 40

    on_the_day = run(app, due)
    assert (on_the_day.entries, on_the_day.points) == (1, 40)
    assert balance(app, resident.id) == 0
    [(amount, key, memo)] = expiry_entries(app, resident.id)
    assert amount == 40 and key == f"expiry:{resident.id}:{due.isoformat()}" and due.isoformat() in memo
    assert lots_of(app, resident.id) == [(40, 0, due)]
    assert all_agree(app) == []


def test_expiring_twice_posts_once(app):
    resident = make_user(app)
    set_expiry(app, 12)
    credit(app, resident.id, 25)
    due = months_from_today(12)
    assert run(app, due).entries == 1
    again = run(app, due)
    assert (again.entries, again.points) == (0, 0)
    assert run(app, due + timedelta(days=3)).entries == 0
    assert len(expiry_entries(app, resident.id)) == 1


def test_only_what_is_left_of_the_expired_lots_expires_and_later_or_never_expiring_points_stay(app):
    resident, untouched = make_user(app), make_user(app)
    credit(app, untouched.id, 70)           # no policy: never expires
    credit(app, resident.id, 15)            # never expires
    set_expiry(app, 6)
    credit(app, resident.id, 10)
    set_expiry(app, 36)
    credit(app, resident.id, 20)
    debit(app, resident.id, 4)              # from the 6-month lot
    result = run(app, months_from_today(6))
    assert (result.entries, result.points) == (1, 6)
    assert balance(app, resident.id) == 35
    assert balance(app, untouched.id) == 70 and expiry_entries(app, untouched.id) == []
    assert all_agree(app) == []


def test_a_void_after_the_date_restores_the_expired_lot_and_the_next_run_takes_it(app):
    resident = make_user(app)
    set_expiry(app, 6)
    credit(app, resident.id, 10)
    spent = debit(app, resident.id, 10)
    due = months_from_today(6)
    assert run(app, due).entries == 0       # nothing left in the lot
    reverse(app, spent)                      # the points come back with their (past) date
    assert lots_of(app, resident.id) == [(10, 10, due)]
    later = run(app, due + timedelta(days=1))
    assert (later.entries, later.points) == (1, 10)
    assert balance(app, resident.id) == 0
    assert all_agree(app) == []


def test_reversing_approved_hours_takes_back_their_lot_before_others(app, client):
    set_expiry(app, 6)
    lead, admin, volunteer = make_user(app, "team_lead"), make_user(app, "admin"), make_user(app)
    credit(app, volunteer.id, 30)            # expires in 6 months, sooner than nothing else
    set_expiry(app, 36)
    team = make_team(app, leads=[lead], members=[volunteer])
    activity = make_activity(app, team, lead)
    record_id = log(app, activity, volunteer, 120, lead)
    approve(app, record_id, admin)
    earned = [lot for lot in lots_of(app, volunteer.id) if lot[2] == months_from_today(36)]
    assert len(earned) == 1 and earned[0][1] > 0
    response = client.post(f"/api/v1/hours/{record_id}/reverse", headers=bearer(app, admin),
                           json={"reason": "记录有误"})
    assert response.status_code == 200, response.json
    assert lots_of(app, volunteer.id) == [(30, 30, months_from_today(6)), (earned[0][0], 0, months_from_today(36))]
    assert all_agree(app) == []


def test_the_api_and_the_home_page_show_the_next_expiry(app, client):
    resident, other = make_user(app), make_user(app)
    set_expiry(app, 6)
    credit(app, resident.id, 10)
    credit(app, resident.id, 5)
    set_expiry(app, 36)
    credit(app, resident.id, 20)
    credit(app, other.id, 3)
    due = months_from_today(6)
    answer = client.get(f"/api/v1/accounts/{resident.id}", headers=bearer(app, resident)).json
    assert answer["next_expiry"] == {"on": due.isoformat(), "points": 15}
    assert answer["balance"] == 35 and "service_minutes" in answer
    assert client.get(f"/api/v1/accounts/{resident.id}", headers=bearer(app, other)).status_code == 404

    sign_in(client, resident)
    page = client.get("/", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert f"15 points expire on {due.isoformat()}" in page


def test_nothing_expiring_means_no_next_expiry_and_no_notice(app, client):
    resident = make_user(app)
    credit(app, resident.id, 10)
    answer = client.get(f"/api/v1/accounts/{resident.id}", headers=bearer(app, resident)).json
    assert answer["next_expiry"] is None
    sign_in(client, resident)
    assert 'id="next-expiry"' not in client.get("/").get_data(as_text=True)


def test_history_names_an_expiry_plainly(app, client):
    resident = make_user(app)
    set_expiry(app, 6)
    credit(app, resident.id, 10)
    run(app, months_from_today(6))
    sign_in(client, resident)
    page = client.get("/history", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "Points expired" in page
    entries = client.get(f"/api/v1/accounts/{resident.id}/entries", headers=bearer(app, resident)).json["items"]
    assert entries[0]["kind"] == "expiry" and entries[0]["points"] == -10 and entries[0]["balance_after"] == 0


def test_residents_are_warned_once_per_date_of_points_expiring_within_30_days(app):
    resident, later = make_user(app), make_user(app)
    set_expiry(app, 6)
    credit(app, resident.id, 10)
    credit(app, resident.id, 2)
    set_expiry(app, 36)
    credit(app, later.id, 10)
    day = months_from_today(6) - timedelta(days=10)
    with app.app_context():
        assert warn_soon(day) == 1
        assert warn_soon(day) == 0
        assert warn_soon(day + timedelta(days=1)) == 0
        rows = db.session.execute(sa.select(Notification.user_id, Notification.kind, Notification.params)).all()
    assert [(u, k) for u, k, _ in rows] == [(resident.id, "expiry_soon")]
    assert '"points":12' in rows[0][2].replace(" ", "")


def test_many_residents_in_several_chunks_each_get_one_entry(app):
    set_expiry(app, 6)
    people = [make_user(app) for _ in range(5)]
    for n, person in enumerate(people, start=1):
        credit(app, person.id, n)
    with app.app_context():
        result = expire_due(months_from_today(6), chunk=2)
    assert (result.entries, result.points) == (5, 15)
    assert all(balance(app, p.id) == 0 for p in people)
    assert all_agree(app) == []
