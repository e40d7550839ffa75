"""Property tests of ledger operations (issue 11), through the JSON API: random sequences of credits,
debits, redemptions, voids, hour approvals and reversals, with replays of earlier requests under
their own Idempotency-Key. After every step each balance equals the test's model and is never
negative; at the end the balances sum to zero and `flask verify` passes. Bounded, on both databases.
"""

import itertools
from datetime import datetime
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from hypothesis import HealthCheck, Phase, given, seed, settings
from hypothesis import strategies as st

from extensions import db
from tests.factories import bearer, make_user

PEOPLE, ACTIVITIES, PRICE = 3, 12, 7
EXAMPLES = 12

who = st.integers(0, PEOPLE - 1)
step = st.one_of(
    st.tuples(st.just("credit"), who, st.integers(1, 40)),
    st.tuples(st.just("debit"), who, st.integers(1, 40)),
    st.tuples(st.just("redeem"), who, st.integers(1, 4)),
    st.tuples(st.just("void"), st.integers(0, 30)),
    st.tuples(st.just("approve"), who),
    st.tuples(st.just("reverse"), st.integers(0, 30)),
    st.tuples(st.just("replay"), st.integers(0, 30)),
)


class Bank:
    """The world, the API calls, and the model of what each acknowledged call did."""

    def __init__(self, app):
        self.app, self.client, self.keys = app, app.test_client(), itertools.count()
        admin, keeper, lead = make_user(app, "admin"), make_user(app, "store_keeper"), make_user(app, "team_lead")
        self.admin, self.keeper, self.lead = bearer(app, admin), bearer(app, keeper), bearer(app, lead)
        self.people = [make_user(app).id for _ in range(PEOPLE)]
        team = self.call(self.admin, "/api/v1/teams", {"name": "t", "lead_ids": [lead.id]})
        for person in self.people:
            self.call(self.admin, f"/api/v1/teams/{team['id']}/members", {"user_id": person})
        today = datetime.now(ZoneInfo("Asia/Shanghai")).date().isoformat()
        self.pending = {person: [] for person in self.people}
        for n in range(ACTIVITIES):
            activity = self.call(self.lead, "/api/v1/activities", {"team_id": team["id"], "title": f"a{n}",
                                                                   "date": today, "difficulty": "normal"})
            for person in self.people:
                record = self.call(self.lead, "/api/v1/hours", {"activity_id": activity["id"],
                                                                "volunteer_id": person, "minutes": 30})
                self.pending[person].append((record["id"], record["points"]))
        self.store = self.call(self.admin, "/api/v1/stores", {"name": "s", "keeper_ids": [keeper.id]})["id"]
        self.item = self.call(self.admin, "/api/v1/items", {"store_id": self.store, "name": "i", "price": PRICE,
                                                             "stock": 100000})["id"]
        self.redemptions, self.approved, self.history = [], [], []

    def call(self, headers, path, body=None, key=None, expect=(200, 201)):
        response = self.client.post(path, json=body, headers={**headers, **({"Idempotency-Key": key} if key else {})})
        assert response.status_code < 500, (path, response.get_data(as_text=True)[:300])
        if expect:
            assert response.status_code in expect, (path, response.get_json())
        return response.get_json()

    def balance(self, person) -> int:
        return self.client.get(f"/api/v1/accounts/{person}", headers=self.admin).get_json()["balance"]

    def send(self, headers, path, body=None):
        """A call under a fresh key; a success is remembered for replays. (status, answer)."""
        key = f"prop-{next(self.keys)}"
        response = self.client.post(path, json=body, headers={**headers, "Idempotency-Key": key})
        assert response.status_code < 500, (path, response.get_data(as_text=True)[:300])
        if 200 <= response.status_code < 300:  # a refusal is not remembered: its replay could post anew
            self.history.append((headers, path, body, key, response.status_code, response.get_json()))
        return response.status_code, response.get_json()


def apply_step(bank: Bank, model: dict, action) -> None:
    kind, arg = action[0], action[1]
    if kind in ("credit", "debit"):
        person, points = bank.people[arg], action[2] * (1 if kind == "credit" else -1)
        status, _ = bank.send(bank.admin, "/api/v1/adjustments", {"user_id": person, "points": points, "reason": "p"})
        assert status == 201 or (status == 409 and model[person] + points < 0)
        model[person] += points if status == 201 else 0
    elif kind == "redeem":
        person, quantity = bank.people[arg], action[2]
        status, answer = bank.send(bank.keeper, "/api/v1/redemptions", {
            "store_id": bank.store, "resident_id": person, "lines": [{"item_id": bank.item, "quantity": quantity}]})
        assert status == 201 or (status == 409 and model[person] < PRICE * quantity), answer
        if status == 201:
            model[person] -= answer["total_points"]
            bank.redemptions.append([answer["id"], person, answer["total_points"], False])
    elif kind == "void" and bank.redemptions:
        entry = bank.redemptions[arg % len(bank.redemptions)]
        status, _ = bank.send(bank.admin, f"/api/v1/redemptions/{entry[0]}/void", {"reason": "p"})
        assert status == (409 if entry[3] else 200)
        if status == 200:
            entry[3], model[entry[1]] = True, model[entry[1]] + entry[2]
    elif kind == "approve" and bank.pending[bank.people[arg]]:
        person = bank.people[arg]
        record_id, points = bank.pending[person].pop()
        status, _ = bank.send(bank.admin, f"/api/v1/hours/{record_id}/approve")
        assert status == 200
        model[person] += points
        bank.approved.append([record_id, person, points, False])
    elif kind == "reverse" and bank.approved:
        entry = bank.approved[arg % len(bank.approved)]
        status, answer = bank.send(bank.admin, f"/api/v1/hours/{entry[0]}/reverse", {"reason": "p"})
        if entry[3]:
            assert (status, answer["error"]["code"]) == (409, "already_reversed")
        elif model[entry[1]] < entry[2]:
            assert (status, answer["error"]["code"]) == (409, "points_already_spent")
        else:
            assert status == 200, answer
            entry[3], model[entry[1]] = True, model[entry[1]] - entry[2]
    elif kind == "replay" and bank.history:
        headers, path, body, key, status, answer = bank.history[arg % len(bank.history)]
        again = bank.client.post(path, json=body, headers={**headers, "Idempotency-Key": key})
        assert (again.status_code, again.get_json()) == (status, answer)  # the first answer; nothing moves


def test_random_ledger_histories_keep_every_promise(app):
    bank = Bank(app)

    @seed(11)
    @settings(max_examples=EXAMPLES, deadline=None, database=None, phases=[Phase.explicit, Phase.generate],
              suppress_health_check=list(HealthCheck))
    @given(st.lists(step, min_size=1, max_size=14))
    def history(actions):
        model = {person: bank.balance(person) for person in bank.people}
        for action in actions:
            apply_step(bank, model, action)
            for person in bank.people:
                assert bank.balance(person) == model[person] >= 0, (action, person)

    history()
    with app.app_context():
        from points.ledger_models import Account

        total = db.session.execute(sa.select(sa.func.sum(Account.credits_posted - Account.debits_posted))).scalar()
        result = app.test_cli_runner().invoke(args=["verify"])
        db.session.remove()
    assert total == 0
    assert result.exit_code == 0, result.output
