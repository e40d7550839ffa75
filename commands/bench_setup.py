"""The city before its first day: communities, grids, people, teams, stores and goods.

Each row is written with the audit event the service would have recorded, by the admin
(the first admin is created by the command line, actor None), at the city's start.
"""

import random
from datetime import timedelta

from commands.bench_city import ACTIVITIES, GOODS, GRIDS, TEAM_BRANDS, City, Names, community_names
from commands.bench_writer import BulkWriter, Chain, Ledger

KNOWN_RESIDENTS = 5  # resident1 … resident5: volunteers of the first team, for the benchmark


def _user(w: BulkWriter, chain: Chain, names: Names, at, *, roles, actor_id, password_hash, username=None,
          community_id=None, grid_id=None) -> int:
    name = names.name()
    made, initials = names.username(name)
    user_id = w.new_id("users")
    row = {"id": user_id, "username": username or made, "name": name, "phone": names.phone(), "id_number": None,
           "password_hash": password_hash, "community_id": community_id, "grid_id": grid_id, "active": True,
           "card_code": names.card(), "honour_roll_opt_out": False, "name_initials": initials, "created_at": at}
    w.add("users", row)
    for role in roles:
        w.add("user_roles", {"user_id": user_id, "role": role})
    chain.record("user.created", actor_id=actor_id, subject_type="users", subject_id=user_id, at=at, after={
        "username": row["username"], "name": name, "roles": list(roles), "phone": row["phone"],
        "community_id": community_id, "grid_id": grid_id, "active": True})
    return user_id


def _account(w: BulkWriter, ledger: Ledger, at, *, kind: str, user_id=None, name="") -> int:
    account_id = w.new_id("accounts")
    w.add("accounts", {"id": account_id, "kind": kind, "user_id": user_id, "name": name, "no_overdraft": True,
                       "debits_posted": 0, "credits_posted": 0, "created_at": at})
    ledger.open(account_id)
    return account_id


def build_city(w: BulkWriter, ledger: Ledger, chain: Chain, rng: random.Random, *, residents: int,
               start, password_hash: str) -> City:
    city = City()
    names = Names(rng)
    names.taken.update({"admin", "auditor", "lead", "keeper"} | {f"resident{n}" for n in range(1, 6)})
    tick = iter(range(10**9))

    def at():
        return start + timedelta(milliseconds=next(tick))

    hashed = {"password_hash": password_hash}
    admin = _user(w, chain, names, at(), roles=("admin", "resident"), actor_id=None, username="admin", **hashed)
    city.admin_ids = [admin] + [_user(w, chain, names, at(), roles=("admin",), actor_id=admin, **hashed)
                                for _ in range(3)]
    city.auditor_id = _user(w, chain, names, at(), roles=("auditor",), actor_id=admin, username="auditor", **hashed)
    city.usernames.update({admin: "admin", city.auditor_id: "auditor"})

    grids: dict[int, list[int]] = {}
    for community_name in community_names(max(3, min(84, residents // 8000))):
        community_id = w.new_id("communities")
        w.add("communities", {"id": community_id, "name": community_name, "created_at": at()})
        chain.record("community.created", actor_id=admin, subject_type="communities", subject_id=community_id,
                     at=at(), after={"name": community_name})
        city.communities.append(community_id)
        grids[community_id] = []
        for grid_name in GRIDS[:rng.randint(4, 8)]:
            grid_id = w.new_id("grids")
            w.add("grids", {"id": grid_id, "community_id": community_id, "name": grid_name})
            chain.record("grid.created", actor_id=admin, subject_type="grids", subject_id=grid_id, at=at(),
                         after={"community_id": community_id, "name": grid_name})
            grids[community_id].append(grid_id)

    city.first_resident = w.next_ids["users"]
    city.first_resident_account = w.next_ids["accounts"]
    # the known sign-ins live in the first community and join its first team
    known = {0: "lead"} | {n * len(city.communities): f"resident{n}" for n in range(1, KNOWN_RESIDENTS + 1)}
    for index in range(residents):
        community_id = city.communities[index % len(city.communities)]
        user_id = _user(w, chain, names, at(), roles=("resident",), actor_id=admin, community_id=community_id,
                        grid_id=rng.choice(grids[community_id]), username=known.get(index), **hashed)
        if index in known:
            city.usernames[user_id] = known[index]
        _account(w, ledger, at(), kind="resident", user_id=user_id)
        city.resident_community.append(community_id)
    _teams(w, chain, rng, city, at)
    _stores(w, ledger, chain, rng, city, at, names, hashed)
    return city


def _teams(w: BulkWriter, chain: Chain, rng: random.Random, city: City, at) -> None:
    """About one team per 100 residents, 25–115 members from its community, one or two leads."""
    residents = len(city.resident_community)
    by_community: dict[int, list[int]] = {}
    for index, community_id in enumerate(city.resident_community):
        by_community.setdefault(community_id, []).append(city.first_resident + index)
    lead_roles: set[int] = set()
    categories = list(ACTIVITIES)
    for number in range(max(2, residents // 100)):
        community_id = city.communities[number % len(city.communities)]
        pool = by_community[community_id]
        brand = TEAM_BRANDS[number % len(TEAM_BRANDS)]
        name = f"{brand}第{number // len(TEAM_BRANDS) + 1}分队" if number >= len(TEAM_BRANDS) else brand
        team_id = w.new_id("teams")
        chosen = rng.sample(pool, min(len(pool), rng.randint(25, 115)))
        if number == 0:  # "lead" leads it, resident1 … resident5 volunteer in it
            first = [user_id for user_id in sorted(city.usernames) if user_id >= city.first_resident]
            chosen = first + [user_id for user_id in chosen if user_id not in first]
        leads, members = chosen[:1 if number == 0 else rng.randint(1, 2)], chosen
        w.add("teams", {"id": team_id, "name": name, "community_id": community_id, "created_at": at()})
        for user_id in members:
            w.add("team_members", {"team_id": team_id, "user_id": user_id, "is_lead": user_id in leads,
                                   "joined_at": at()})
        granted = [user_id for user_id in leads if user_id not in lead_roles]
        for user_id in granted:
            w.add("user_roles", {"user_id": user_id, "role": "team_lead"})
        lead_roles.update(granted)
        chain.record("team.created", actor_id=city.admin_ids[0], subject_type="teams", subject_id=team_id, at=at(),
                     after={"name": name, "community_id": community_id, "lead_ids": leads,
                            "granted_team_lead_role": granted})
        for user_id in members:
            if user_id not in leads:
                chain.record("team.member_added", actor_id=city.admin_ids[0], subject_type="teams",
                             subject_id=team_id, at=at(), after={"user_id": user_id})
        city.teams.append((team_id, leads, [m for m in members if m not in leads], rng.sample(categories, 3)))


def _stores(w: BulkWriter, ledger: Ledger, chain: Chain, rng: random.Random, city: City, at, names: Names,
            hashed: dict) -> None:
    """Up to 20 community stores of 40 goods each (~800 items), each with a keeper and opening stock."""
    admin = city.admin_ids[0]
    for number, community_id in enumerate(city.communities[:20]):
        keeper = _user(w, chain, names, at(), roles=("store_keeper", "resident"), actor_id=admin,
                       community_id=community_id, username="keeper" if number == 0 else None, **hashed)
        if number == 0:
            city.usernames[keeper] = "keeper"
        _account(w, ledger, at(), kind="resident", user_id=keeper)
        store_id = w.new_id("stores")
        store_name = f"社区积分超市{number + 1}号店"
        account_id = _account(w, ledger, at(), kind="store", name=store_name)
        w.add("stores", {"id": store_id, "name": store_name, "community_id": community_id, "account_id": account_id,
                         "active": True, "created_at": at()})
        w.add("store_keepers", {"store_id": store_id, "user_id": keeper})
        chain.record("store.created", actor_id=admin, subject_type="stores", subject_id=store_id, at=at(), after={
            "name": store_name, "community_id": community_id, "keeper_ids": [keeper], "account_id": account_id})
        item_ids = []
        for name, category, price, limit in rng.sample(GOODS, 40):
            item_id = w.new_id("items")
            w.add("items", {"id": item_id, "store_id": store_id, "name": name, "category": category, "photo": None,
                            "price": price, "stock": 0, "active": True, "monthly_limit": limit, "created_at": at()})
            city.items[item_id] = (name, price, limit, account_id)
            city.stock[item_id] = stock = rng.randrange(20, 201, 10)
            item_ids.append(item_id)
            w.add("stock_movements", {"id": w.new_id("stock_movements"), "item_id": item_id, "delta": stock,
                                      "kind": "opening", "reason": "", "donor": None, "redemption_id": None,
                                      "actor_id": admin, "idempotency_key": None, "request_hash": None,
                                      "stock_after": stock, "created_at": at()})
            chain.record("item.created", actor_id=admin, subject_type="items", subject_id=item_id, at=at(), after={
                "store_id": store_id, "name": name, "category": category, "price": price, "stock": stock,
                "monthly_limit": limit, "active": True})
        city.stores.append((store_id, account_id, keeper, item_ids))
        city.store_of_community[community_id] = number
    for index, community_id in enumerate(city.communities):
        city.store_of_community.setdefault(community_id, index % len(city.stores))
