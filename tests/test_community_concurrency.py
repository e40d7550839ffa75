"""Many volunteers claim one wish, many units one need, at the same instant: exactly one wins.

Real threads, each with its own app context, session and database connection (no mocks).
"""


import pytest
import sqlalchemy as sa

from extensions import db
from tests.factories import make_user
from tests.factories_accounts import make_community
from tests.factories_community import make_need, make_unit, make_wish
from tests.races import race

CLAIMERS = 8


def _race(database_url: str, claim) -> list[str]:
    """Run claim(n) for each claimer at once; the outcomes, one per thread ("ok" or the refusal's code)."""
    def attempt(n: int) -> str:
        claim(n)
        return "ok"

    return race(database_url, attempt, CLAIMERS)


@pytest.mark.slow
def test_concurrent_claims_of_one_wish_have_exactly_one_winner(app, database_url):
    from accounts.models import User
    from community import wishes

    wish_id = make_wish(app, make_user(app), state="published")
    volunteers = [make_user(app) for _ in range(CLAIMERS)]
    outcomes = _race(database_url, lambda n: wishes.claim_wish(wish_id, db.session.get(User, volunteers[n].id)))

    assert sorted(outcomes) == ["already_claimed"] * (CLAIMERS - 1) + ["ok"]
    with app.app_context():
        claimer, status = db.session.execute(
            sa.text("SELECT claimer_id, status FROM wishes WHERE id = :id"), {"id": wish_id}).one()
        claims = db.session.execute(sa.text("SELECT count(*) FROM audit_events WHERE action = 'wish.claimed'")).scalar()
    assert status == "claimed" and claimer in {v.id for v in volunteers}
    assert claims == 1


@pytest.mark.slow
def test_concurrent_claims_of_one_need_by_different_units_have_exactly_one_winner(app, database_url):
    from accounts.models import User
    from community import needs

    contacts = [make_user(app) for _ in range(CLAIMERS)]
    unit_ids = [make_unit(app, f"单位{n}", contacts=[contacts[n]]) for n in range(CLAIMERS)]
    need_id = make_need(app, make_community(app, "阳光骄子社区")["id"])
    outcomes = _race(database_url, lambda n: needs.claim_need(
        need_id, {"unit_id": unit_ids[n]}, db.session.get(User, contacts[n].id)))

    assert sorted(outcomes) == ["already_claimed"] * (CLAIMERS - 1) + ["ok"]
    with app.app_context():
        unit_id = db.session.execute(sa.text("SELECT unit_id FROM needs WHERE id = :id"), {"id": need_id}).scalar()
    assert unit_id in unit_ids


@pytest.mark.slow
def test_concurrent_confirmations_close_a_wish_once_and_credit_the_claimer_once(app, database_url):
    from accounts.models import User
    from community import wishes
    from points import ledger

    claimer = make_user(app)
    wish_id = make_wish(app, make_user(app), state="fulfilled", claimer=claimer)
    admins = [make_user(app, "admin") for _ in range(CLAIMERS)]
    outcomes = _race(database_url, lambda n: wishes.confirm_wish(
        wish_id, {"commendation_type": "excellent_volunteer"}, db.session.get(User, admins[n].id),
        key=f"wish:{wish_id}"))

    assert sorted(outcomes) == ["invalid_state"] * (CLAIMERS - 1) + ["ok"]
    with app.app_context():
        assert ledger.user_balance(claimer.id) == 100
        granted = db.session.execute(sa.text("SELECT count(*) FROM commendations")).scalar()
    assert granted == 1
