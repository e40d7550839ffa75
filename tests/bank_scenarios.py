"""The bank test's operations (see tests/bank_workload.py for the world and model, tests/bank_checks.py for the end).

Each scenario is a short story a counter or an office really produces: log and approve hours,
adjust ±, redeem and perhaps void, retry with the same Idempotency-Key (same body: same answer;
another body: 409), and races (double approvals, double voids, double spends, twin requests).
"""

import random
import threading
import time

from tests.bank_workload import MINUTES, Model, Op, World, _fail, key, send

RETRY, CONFLICT, VOID, DOUBLE = 0.3, 0.1, 0.35, 0.2


def concurrently(*calls):
    """Run calls at the same moment (a barrier), each in its own thread; their results in order."""
    barrier = threading.Barrier(len(calls))
    results = [None] * len(calls)

    def run(n, call):
        barrier.wait(timeout=60)
        results[n] = call()

    threads = [threading.Thread(target=run, args=(n, call)) for n, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=180)
    return results


def _check_replay(m: Model, op: Op, first) -> None:
    """The same key and body again: the first answer, status and body, and nothing applied twice."""
    again = send(m, op)
    if again.status is not None and (again.status, again.body) != (first.status, first.body):
        _fail(m, f"replay of {op.path} answered {again.status} {again.body}, first {first.status} {first.body}")


def _check_conflict(m: Model, op: Op, other_body: dict) -> None:
    """The same key with another body: 409 idempotency_conflict, nothing applied."""
    answer = send(m, Op(op.api, op.method, op.path, other_body, op.key))
    if answer.status is not None and (answer.status, answer.code) != (409, "idempotency_conflict"):
        _fail(m, f"reused key with another body on {op.path} answered {answer.status} {answer.body}")


def _expect_one_winner(m: Model, answers, what: str, loser_code: str) -> None:
    if any(a.status is None for a in answers):
        return  # a crash cut the race short; the settled outcome is checked by the model
    wins = [a for a in answers if a.ok]
    losers = {(a.status, a.code) for a in answers if not a.ok}
    if len(wins) != 1 or not losers <= {(409, loser_code)}:
        _fail(m, f"{what}: expected one success and 409 {loser_code}, got {[(a.status, a.code) for a in answers]}")


def approve(w: World, m: Model, rng: random.Random) -> None:
    with m.lock:
        if not w.pairs:
            return
        activity_id, volunteer = w.pairs.pop()
    logged = send(m, Op(w.lead, "POST", "/api/v1/hours",
                        {"activity_id": activity_id, "volunteer_id": volunteer, "minutes": MINUTES}, None))
    if logged.status != 201:
        if logged.status is not None:
            _fail(m, f"logging hours answered {logged.status} {logged.body}")
        return
    points = logged.body["points"]

    def credit(_body):
        m.balance[volunteer] += points
        m.kinds[(volunteer, "hours_award")] += 1

    path = f"/api/v1/hours/{logged.body['id']}/approve"
    if rng.random() < DOUBLE:
        answers = concurrently(lambda: send(m, Op(w.admin, "POST", path, None, key()), credit),
                               lambda: send(m, Op(w.admin2, "POST", path, None, key()), credit))
        _expect_one_winner(m, answers, "two concurrent approvals", "already_decided")
        return
    op = Op(rng.choice([w.admin, w.admin2]), "POST", path, None, key())
    first = send(m, op, credit)
    if first.status is None:
        return
    if first.status != 200:
        _fail(m, f"approval answered {first.status} {first.body}")
        return
    if rng.random() < RETRY:
        _check_replay(m, op, first)
    if rng.random() < CONFLICT:
        again = send(m, Op(op.api, "POST", path, None, key()))
        if again.status is not None and (again.status, again.code) != (409, "already_decided"):
            _fail(m, f"a second approval with a new key answered {again.status} {again.body}")


def adjust(w: World, m: Model, rng: random.Random) -> None:
    user = rng.choice(w.resident_ids)
    points = rng.randint(5, 60) * rng.choice((1, 1, -1))

    def apply(_body):
        m.balance[user] += points
        m.kinds[(user, "adjustment")] += 1

    op = Op(rng.choice([w.admin, w.admin2]), "POST", "/api/v1/adjustments",
            {"user_id": user, "points": points, "reason": "bank test"}, key())
    first = send(m, op, apply)
    if first.status is None:
        return
    if first.status == 409 and first.code == "insufficient_points" and points < 0:
        return
    if first.status != 201:
        _fail(m, f"adjustment {points:+} answered {first.status} {first.body}")
        return
    if rng.random() < RETRY:
        _check_replay(m, op, first)
    if rng.random() < CONFLICT:
        _check_conflict(m, op, {**op.body, "points": points + 1})


def _redemption(w: World, m: Model, resident: int, lines: list[tuple[int, int]]):
    """The effect of one acknowledged redemption on the model."""
    def apply(body):
        m.balance[resident] -= body["total_points"]
        for item_id, quantity in lines:
            m.stock[item_id] -= quantity
        m.kinds[(resident, "redemption")] += 1
        m.redemptions[body["id"]] = {"number": body["number"], "status": "completed",
                                     "total": body["total_points"], "resident": resident, "lines": lines}
    return apply


def _voided(m: Model, redemption_id: int):
    def apply(_body):
        r = m.redemptions[redemption_id]
        r["status"] = "voided"
        m.balance[r["resident"]] += r["total"]
        for item_id, quantity in r["lines"]:
            m.stock[item_id] += quantity
        m.kinds[(r["resident"], "reversal")] += 1
    return apply


def redeem(w: World, m: Model, rng: random.Random) -> None:
    keeper, resident = rng.choice(w.keepers), rng.choice(w.resident_ids)
    lines = [(item, rng.randint(1, 2)) for item in rng.sample(w.item_ids, rng.randint(1, 2))]
    body = {"store_id": w.store_id, "resident_id": resident,
            "lines": [{"item_id": i, "quantity": q} for i, q in lines]}
    op = Op(keeper, "POST", "/api/v1/redemptions", body, key())
    first = send(m, op, _redemption(w, m, resident, lines))
    if first.status is None:
        return
    if first.status == 409 and first.code in ("insufficient_points", "out_of_stock"):
        return
    if first.status != 201:
        _fail(m, f"redemption answered {first.status} {first.body}")
        return
    if rng.random() < RETRY:
        _check_replay(m, op, first)
    if rng.random() < CONFLICT:
        _check_conflict(m, op, {**body, "lines": [{"item_id": lines[0][0], "quantity": lines[0][1] + 1}]})
    if rng.random() < VOID:
        void(w, m, rng, keeper, first.body["id"])


def void(w: World, m: Model, rng: random.Random, keeper, redemption_id: int) -> None:
    path = f"/api/v1/redemptions/{redemption_id}/void"
    apply = _voided(m, redemption_id)
    if rng.random() < DOUBLE:
        answers = concurrently(lambda: send(m, Op(keeper, "POST", path, {"reason": "顾客退货"}, key()), apply),
                               lambda: send(m, Op(w.admin, "POST", path, {"reason": "重复录入"}, key()), apply))
        _expect_one_winner(m, answers, "two concurrent voids", "already_voided")
        return
    op = Op(rng.choice([keeper, w.admin]), "POST", path, {"reason": "顾客退货"}, key())
    first = send(m, op, apply)
    if first.status is not None and first.status != 200:
        _fail(m, f"void answered {first.status} {first.body}")
    elif first.ok and rng.random() < RETRY:
        _check_replay(m, op, first)


def double_spend(w: World, m: Model, rng: random.Random) -> None:
    """Three counters spend 20 of a resident's 30 points at the same moment: exactly one wins."""
    with m.lock:
        if not w.racer_ids:
            return
        racer = w.racer_ids.pop()
    lines = [(w.race_item_id, 1)]
    body = {"store_id": w.store_id, "resident_id": racer, "lines": [{"item_id": w.race_item_id, "quantity": 1}]}
    apply = _redemption(w, m, racer, lines)
    answers = concurrently(*(lambda k=k: send(m, Op(w.keepers[k % 2], "POST", "/api/v1/redemptions", body, key()),
                                              apply) for k in range(3)))
    _expect_one_winner(m, answers, "three concurrent spends", "insufficient_points")


def twins(w: World, m: Model, rng: random.Random) -> None:
    """The same request twice at once (a double click): one redemption, the same answer twice."""
    keeper, resident = rng.choice(w.keepers), rng.choice(w.resident_ids)
    item = rng.choice(w.item_ids)
    op = Op(keeper, "POST", "/api/v1/redemptions",
            {"store_id": w.store_id, "resident_id": resident, "lines": [{"item_id": item, "quantity": 1}]}, key())
    apply, once = _redemption(w, m, resident, [(item, 1)]), []

    def apply_once(body):
        if not once:
            once.append(body)
            apply(body)

    a, b = concurrently(lambda: send(m, op, apply_once), lambda: send(m, op, apply_once))
    if a.status is None or b.status is None:
        return
    if (a.status, a.body) != (b.status, b.body):
        # Posted once all the same (the model proves it); the answers' equality has its own test,
        # tests/test_bank.py::test_twin_requests_with_one_key_get_the_same_answer_when_points_cover_one.
        with m.lock:
            m.twin_mismatches.append((a.status, a.code, b.status, b.code))


SCENARIOS = [(approve, 30), (adjust, 18), (redeem, 40), (double_spend, 4), (twins, 8)]


def run_load(w: World, m: Model, *, target_ops: int, seconds: float, threads: int = 32,
             stop: threading.Event | None = None, seed: int = 11) -> float:
    """threads clients run scenarios until target_ops requests were sent, time is up or stop is set."""
    stop = stop or threading.Event()
    deadline = time.monotonic() + seconds
    functions, weights = zip(*SCENARIOS, strict=True)
    started = time.monotonic()

    def client(n: int) -> None:
        rng = random.Random(seed * 1000 + n)
        while not stop.is_set() and m.ops < target_ops and time.monotonic() < deadline:
            rng.choices(functions, weights)[0](w, m, rng)

    workers = [threading.Thread(target=client, args=(n,), daemon=True) for n in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=seconds + 240)
    return time.monotonic() - started


def settle_unknown(m: Model) -> int:
    """Retry every unanswered request with its own key: applied at most once, now answered."""
    pending, m.unknown = m.unknown, []
    for op, apply in pending:
        if op.key is None:
            continue  # logging hours moves no points; an unanswered log leaves at most a pending record
        answer = send(m, op, apply)
        if answer.status is None:
            _fail(m, f"{op.method} {op.path} still has no answer after the restart")
    return len(pending)
