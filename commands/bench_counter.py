"""The store counters of `flask bench-data`: baskets, restocking, receipts and the odd void.

A basket is only sold to a resident who can pay for it, within each item's monthly limit
and the stock on the shelf (restocked by a purchase or a donation when it runs low); the
points go from the resident's account to the store's, exactly as redemption/redeem.py posts them.
"""

from datetime import timedelta

from commands.bench_city import DONORS
from redemption.redeem import receipt_number

VOID_REASONS = ["居民想换成其他商品，作废重开", "录错商品，作废重开", "居民临时改变主意"]
QUANTITIES = [1, 1, 1, 1, 1, 1, 1, 2, 2, 3]
TRIES = 8  # residents asked before the counter gives up on one basket


def _basket(tl, user_id: int, item_ids: list[int]) -> list[tuple[int, int]]:
    """Up to three goods the resident may still take this month and can afford, cheapest last dropped."""
    rng, items = tl.rng, tl.city.items
    balance = tl.ledger.balance(tl.account_of(user_id))
    lines, total = [], 0
    for item_id in rng.sample(item_ids, rng.randint(1, 3)):
        _name, price, limit, _account = items[item_id]
        quantity = rng.choice(QUANTITIES)
        if limit is not None:
            quantity = min(quantity, limit - tl.month_used.get((user_id, item_id), 0))
        if quantity > 0 and total + price * quantity <= balance:
            lines.append((item_id, quantity))
            total += price * quantity
    return sorted(lines)


def _restock(tl, item_id: int, keeper: int, at) -> None:
    rng, w = tl.rng, tl.w
    delta = rng.randrange(50, 201, 10)
    tl.stock[item_id] += delta
    donor = rng.choice(DONORS) if rng.random() < 0.3 else None
    kind, reason = ("donation", f"爱心捐赠：{donor}") if donor else ("purchase", "街道采购补货")
    movement_id = w.new_id("stock_movements")
    w.add("stock_movements", {"id": movement_id, "item_id": item_id, "delta": delta, "kind": kind, "reason": reason,
                              "donor": donor, "redemption_id": None, "actor_id": keeper, "idempotency_key": None,
                              "request_hash": None, "stock_after": tl.stock[item_id], "created_at": at})
    tl.chain.record("stock.moved", actor_id=keeper, subject_type="items", subject_id=item_id, at=at, after={
        "movement_id": movement_id, "kind": kind, "delta": delta, "stock_after": tl.stock[item_id],
        "reason": reason, "donor": donor})
    tl.made["restocks"] += 1


def _sell(tl, user_id: int, store: tuple, lines: list[tuple[int, int]], at) -> None:
    rng, w, ledger, items = tl.rng, tl.w, tl.ledger, tl.city.items
    store_id, store_account, keeper, _item_ids = store
    for item_id, quantity in lines:
        if tl.stock[item_id] < quantity:
            _restock(tl, item_id, keeper, at)
    redemption_id = w.new_id("redemptions")
    number = receipt_number(redemption_id, at)
    total = sum(items[item_id][1] * quantity for item_id, quantity in lines)
    resident_account = tl.account_of(user_id)
    key = f"bench:redeem:{redemption_id}"
    transfer = ledger.post(key=key, body={"store_id": store_id, "resident_id": user_id, "lines": lines},
                           debit=resident_account, credit=store_account, amount=total, kind="redemption",
                           actor_id=keeper, memo=number, source_type="redemption", source_id=redemption_id, at=at)
    balance_after = ledger.balance(resident_account)
    voided = rng.random() < 0.02
    row = {"id": redemption_id, "number": number, "store_id": store_id, "resident_id": user_id, "keeper_id": keeper,
           "total_points": total, "balance_after": balance_after, "status": "completed", "transfer_id": transfer,
           "void_transfer_id": None, "voided_at": None, "voided_by_id": None, "void_reason": None, "created_at": at}
    void_at, reason = at + timedelta(minutes=3), rng.choice(VOID_REASONS)
    if voided:
        row.update(status="voided", voided_at=void_at, voided_by_id=keeper, void_reason=reason)
        row["void_transfer_id"] = ledger.post(
            key=f"void:{redemption_id}", body={"reverses": transfer}, debit=store_account, credit=resident_account,
            amount=total, kind="reversal", actor_id=keeper, memo=f"void: {reason}", source_type="redemption",
            source_id=redemption_id, at=void_at, reverses_id=transfer)
    w.add("redemptions", row)
    for item_id, quantity in lines:
        name, price, _limit, _account = items[item_id]
        w.add("redemption_lines", {"id": w.new_id("redemption_lines"), "redemption_id": redemption_id,
                                   "item_id": item_id, "item_name": name, "quantity": quantity, "unit_price": price,
                                   "line_points": price * quantity})
        tl.stock[item_id] -= quantity
        w.add("stock_movements", {"id": w.new_id("stock_movements"), "item_id": item_id, "delta": -quantity,
                                  "kind": "redemption", "reason": "", "donor": None, "redemption_id": redemption_id,
                                  "actor_id": keeper, "idempotency_key": None, "request_hash": None,
                                  "stock_after": tl.stock[item_id], "created_at": at})
    tl.chain.record("redemption.created", actor_id=keeper, subject_type="redemptions", subject_id=redemption_id,
                    at=at, after={"number": number, "store_id": store_id, "resident_id": user_id,
                                  "total_points": total,
                                  "lines": [[i, q, items[i][1]] for i, q in lines]})
    if voided:
        for item_id, quantity in lines:
            tl.stock[item_id] += quantity
            w.add("stock_movements", {"id": w.new_id("stock_movements"), "item_id": item_id, "delta": quantity,
                                      "kind": "void", "reason": reason, "donor": None, "redemption_id": redemption_id,
                                      "actor_id": keeper, "idempotency_key": None, "request_hash": None,
                                      "stock_after": tl.stock[item_id], "created_at": void_at})
        tl.chain.record("redemption.voided", actor_id=keeper, subject_type="redemptions", subject_id=redemption_id,
                        at=void_at, after={"status": "voided", "reason": reason, "reversal_id": row["void_transfer_id"]})
        tl.made["voided"] += 1
    else:
        for item_id, quantity in lines:
            tl.month_used[(user_id, item_id)] = tl.month_used.get((user_id, item_id), 0) + quantity
    tl.made["redemptions"] += 1


def run_counter(tl, wanted: int, at) -> int:
    """Sell up to wanted baskets to residents who have earned points; how many were sold."""
    sold = 0
    for _ in range(wanted):
        for _attempt in range(TRIES):
            user_id = tl.rng.choice(tl.earners)
            store = tl.city.stores[tl.city.store_of_community[tl.community_of(user_id)]]
            lines = _basket(tl, user_id, store[3])
            if lines:
                _sell(tl, user_id, store, lines, at)
                sold += 1
                at += timedelta(seconds=20)
                break
    return sold
