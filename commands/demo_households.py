"""Demo households (户), gifts of points (二次公益) and a proxy (代办人) for `flask demo-data`.

Two households from one community, a gift between members, a resident the office marked in need
(低保户) who received a gift, and a grid worker (网格员) named proxy of an elderly resident.
Every step goes through the services, so it is validated, posted on the ledger and audited.
"""

import random
from types import SimpleNamespace

import click

from accounts import proxies
from accounts.models import User
from accounts.services import EditUser, update_user
from extensions import db
from households import gifts, services
from points import ledger


def _fresh(user_id: int) -> User:
    return db.session.get(User, user_id)


def _richest(people: list, n: int) -> list:
    """The n people with the most points, so the demo gifts never overdraw."""
    return sorted(people, key=lambda p: ledger.user_balance(p.id), reverse=True)[:n]


def _mark_in_need(person, admin) -> None:
    user = _fresh(person.id)
    update_user(EditUser(user_id=user.id, name=user.name, roles=tuple(user.roles), active=user.active,
                         community_id=user.community_id, grid_id=user.grid_id, phone=user.phone,
                         id_number=user.id_number, in_need=True), _fresh(admin.id))


def seed(street, rng: random.Random) -> None:
    """Households, gifts and a proxy among the street's demo residents."""
    admin = street.admin
    by_community: dict[int, list] = {}
    for person in street.residents[1:]:  # not the demo team lead
        by_community.setdefault(person.community_id, []).append(person)
    pool = max(by_community.values(), key=len)
    chosen = _richest(pool, 5)
    first, second = chosen[:3], chosen[3:5]
    made = []
    for members in (first, second):
        name = f"{members[0].name[0]}家"
        household_id = services.create_household(name, [p.id for p in members], _fresh(admin.id),
                                                 community_id=members[0].community_id)
        made.append((household_id, name))
    giver, receiver = first[0], first[2]
    gifts.give(_fresh(giver.id), receiver.id, 20, "给孙女买学习用品", key="demo:gift:household")

    others = [p for p in street.residents[1:] if p not in first + second]
    needy, elder, worker = rng.sample(others, 3)
    _mark_in_need(needy, admin)
    donor = _richest([p for p in others if p not in (needy, elder, worker)], 1)[0]
    gifts.give(_fresh(donor.id), needy.id, 15, "二次公益：一点心意", key="demo:gift:in-need")
    proxies.name_proxy(elder.id, worker.id, _fresh(admin.id))
    db.session.expunge_all()
    street.households = SimpleNamespace(households=made, needy=needy, elder=elder, worker=worker)
    click.echo(f"Households: {', '.join(name for _id, name in made)}; in need: {needy.name}; "
               f"proxy (网格员) {worker.name} for {elder.name}.")
