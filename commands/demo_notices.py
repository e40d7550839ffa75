"""Demo nominations (公示): one in public notice, one awaiting review, one under objection.

Called last by demo-data with its Street (people and teams already made) and its seeded rng.
"""

import random

from accounts.models import User
from extensions import db
from notices import services

REASONS = (
    ("优秀志愿者", "常年坚持独居老人上门探访，风雨无阻"),
    ("最美志愿者", "组织楼道垃圾分类宣传十余次，带动邻里参与"),
    ("好人好事", "拾到钱包主动交还失主"),
)
OBJECTION = "据我所知，上个月的河道清理活动他并未到场，请核实"


def _user(person) -> User:
    return db.session.get(User, person.id if hasattr(person, "id") else person)


def _type(name: str) -> str:
    """The demo's commendation type by name, falling back to the seeded 优秀志愿者."""
    from points.setup_services import commendation_type_by_ref

    kind = commendation_type_by_ref(name)
    return name if kind is not None and kind.active else "excellent_volunteer"


def seed(street, rng: random.Random) -> None:
    """A lead's nomination in notice, an admin's awaiting review, and one a resident objected to."""
    admin = _user(street.admin)
    _team_id, _name, lead, members = street.teams[0]
    in_notice = services.nominate(members[-1], _type(REASONS[0][0]), REASONS[0][1], _user(lead))
    services.review(in_notice, "approve", "材料属实，予以公示", admin)

    waiting_person = street.teams[1][3][-1]
    services.nominate(waiting_person, _type(REASONS[1][0]), REASONS[1][1], admin)

    objected_person = street.teams[2][3][-1]
    objected = services.nominate(objected_person, _type(REASONS[2][0]), REASONS[2][1], admin)
    services.review(objected, "approve", None, admin)
    involved = {members[-1], waiting_person, objected_person}
    objector = rng.choice([p for p in street.residents if p.id not in involved])
    services.object_to(objected, OBJECTION, _user(objector))
