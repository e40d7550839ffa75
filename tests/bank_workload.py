"""A bank test after Jepsen's, written against API.md only: a world built through the JSON API,
a mixed load of 32 client threads, a model of every acknowledged answer, and the final checks.

The model is the test's own ledger: each acknowledged (2xx) answer is applied to it (points from
the answer itself: an hour record's `points`, a redemption's `total_points`). Afterwards the
server's state must equal the model exactly: balances, stock, entries per kind, each redemption
by id and number. A request with no answer (a crash) is kept as "unknown" and settled later by
retrying it with the same Idempotency-Key, which must post it at most once.
"""

import random
import threading
import uuid
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo

from tests.load_helpers import Answer, Api

MINUTES = 30  # per hour record; 20 activities × 30 min stays far below the 24-hour daily cap
POINTS_PER_HOUR = 100
PRICES = (10, 15, 25)
RACE_PRICE, RACE_BALANCE, RACERS = 20, 30, 8  # three spends of 20 against 30: exactly one can win
N_RESIDENTS, N_ACTIVITIES, START_STOCK = 12, 20, 400


@dataclass
class World:
    admin: Api
    admin2: Api
    lead: Api
    keepers: list
    resident_ids: list
    racer_ids: list
    store_id: int
    item_ids: list
    race_item_id: int
    pairs: list  # (activity_id, volunteer_id) not logged yet


@dataclass
class Model:
    balance: Counter = field(default_factory=Counter)
    stock: dict = field(default_factory=dict)
    kinds: Counter = field(default_factory=Counter)  # (user_id, entry kind) → acknowledged count
    redemptions: dict = field(default_factory=dict)  # id → {"number", "status", "total", "resident"}
    unknown: list = field(default_factory=list)  # (Op, apply) with no answer
    failures: list = field(default_factory=list)
    twin_mismatches: list = field(default_factory=list)  # twins answered differently (each posted once)
    statuses: Counter = field(default_factory=Counter)
    ops: int = 0
    acked: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)


@dataclass
class Op:
    api: Api
    method: str
    path: str
    body: dict | None
    key: str | None


def _fail(model: Model, text: str) -> None:
    with model.lock:
        model.failures.append(text)


def send(model: Model, op: Op, apply=None) -> Answer:
    """Send op; count it; apply its effect to the model when acknowledged; remember it when unanswered."""
    answer = op.api.call(op.method, op.path, op.body, op.key)
    with model.lock:
        model.ops += 1
        model.statuses[answer.status if answer.status is None or answer.status < 400 else
                       f"{answer.status} {answer.code}"] += 1
        if answer.status is None:
            model.unknown.append((op, apply))
        elif answer.status >= 500:
            model.failures.append(f"{op.method} {op.path} answered {answer.status}: {answer.body}")
        elif answer.ok:
            model.acked += 1
            if apply is not None:
                apply(answer.body)
    return answer


def key() -> str:
    return uuid.uuid4().hex


def _setup_call(client, token, method, path, body=None, status=201) -> dict:
    response = client.open(path, method=method, json=body, headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == status, (path, response.status_code, response.get_json())
    return response.get_json()


def build_world(app, urls: list[str]) -> tuple[World, Model]:
    """People, a team with activities, a store with items, through the API (in-process client).

    The clients it returns send each request to one of urls at random (two app servers: a retry
    may well reach the other one)."""
    from tests.factories import bearer, make_user

    admin = make_user(app, "admin")
    admin_token = bearer(app, admin)["Authorization"].split(" ", 1)[1]
    client = app.test_client()
    model = Model()

    def person(*roles) -> tuple[int, str]:
        name = f"p{uuid.uuid4().hex[:10]}"
        user = _setup_call(client, admin_token, "POST", "/api/v1/users",
                           {"username": name, "name": f"居民{name[-4:]}", "password": "load-test-pw-1",
                            "roles": list(roles)})
        token = _setup_call(client, None, "POST", "/api/v1/tokens",
                            {"username": name, "password": "load-test-pw-1"})["token"]
        return user["id"], token

    _, admin2_token = person("admin")
    lead_id, lead_token = person("team_lead")
    keepers = [person("store_keeper") for _ in range(2)]
    residents = [person("resident")[0] for _ in range(N_RESIDENTS)]
    racers = [person("resident")[0] for _ in range(RACERS)]
    _setup_call(client, admin_token, "PUT", "/api/v1/rules", {"points_per_hour": POINTS_PER_HOUR}, status=200)
    team = _setup_call(client, admin_token, "POST", "/api/v1/teams", {"name": "bank team", "lead_ids": [lead_id]})
    for resident_id in residents:
        _setup_call(client, admin_token, "POST", f"/api/v1/teams/{team['id']}/members", {"user_id": resident_id})
    today = datetime.now(ZoneInfo("Asia/Shanghai")).date().isoformat()
    activities = [_setup_call(client, lead_token, "POST", "/api/v1/activities",
                              {"team_id": team["id"], "title": f"活动{n}", "date": today,
                               "difficulty": "normal"})["id"] for n in range(N_ACTIVITIES)]
    store = _setup_call(client, admin_token, "POST", "/api/v1/stores",
                        {"name": "bank store", "keeper_ids": [k for k, _ in keepers]})
    items = []
    for price in (*PRICES, RACE_PRICE):
        item = _setup_call(client, admin_token, "POST", "/api/v1/items",
                           {"store_id": store["id"], "name": f"商品{price}", "price": price, "stock": START_STOCK})
        items.append(item["id"])
        model.stock[item["id"]] = START_STOCK
    for racer in racers:
        _setup_call(client, admin_token, "POST", "/api/v1/adjustments",
                    {"user_id": racer, "points": RACE_BALANCE, "reason": "race stake"})
        model.balance[racer] += RACE_BALANCE
        model.kinds[(racer, "adjustment")] += 1

    def api(token):
        return Api(lambda: random.choice(urls), token)

    pairs = [(a, r) for a in activities for r in residents]
    random.Random(7).shuffle(pairs)
    world = World(admin=api(admin_token), admin2=api(admin2_token), lead=api(lead_token),
                  keepers=[api(t) for _, t in keepers], resident_ids=residents, racer_ids=racers,
                  store_id=store["id"], item_ids=items[:-1], race_item_id=items[-1], pairs=pairs)
    return world, model
