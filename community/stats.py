"""Read-only figures for the admin dashboard: wishes and needs by status and community, units' work,
party members' progress. Grouped counts over small tables; nothing is written here."""

import sqlalchemy as sa

from accounts.models import Community
from community import party
from community.models import NEED_STATES, WISH_STATES, Need, Unit, Wish
from extensions import db


def _by_status_and_community(model, states) -> dict:
    """{"total": {status: n}, "rows": [{"name", "counts": {status: n}, "total"}]} (no community last)."""
    rows = db.session.execute(sa.select(model.community_id, model.status, sa.func.count())
                              .group_by(model.community_id, model.status)).all()
    names = dict(db.session.execute(sa.select(Community.id, Community.name)).all())
    total = dict.fromkeys(states, 0)
    groups: dict = {}
    for community_id, status, count in rows:
        total[status] += count
        groups.setdefault(community_id, dict.fromkeys(states, 0))[status] += count
    ordered = sorted(groups.items(), key=lambda kv: (kv[0] is None, names.get(kv[0], "")))
    return {"total": total, "max": max([sum(c.values()) for _k, c in ordered] or [0]),
            "rows": [{"name": names.get(cid), "counts": counts, "total": sum(counts.values())}
                     for cid, counts in ordered]}


def wishes_summary() -> dict:
    return _by_status_and_community(Wish, WISH_STATES)


def needs_summary() -> dict:
    return _by_status_and_community(Need, NEED_STATES)


def unit_contributions() -> list[dict]:
    """Each unit's needs in hand and done (completed or confirmed), most done first."""
    rows = db.session.execute(sa.select(Unit.id, Unit.name, Need.status, sa.func.count(Need.id))
                              .outerjoin(Need, Need.unit_id == Unit.id).group_by(Unit.id, Unit.name, Need.status)).all()
    units: dict = {}
    for unit_id, name, status, count in rows:
        entry = units.setdefault(unit_id, {"id": unit_id, "name": name, "claimed": 0, "done": 0})
        if status == "claimed":
            entry["claimed"] += count
        elif status in ("completed", "confirmed"):
            entry["done"] += count
    return sorted(units.values(), key=lambda u: (-u["done"], -u["claimed"], u["name"]))


def party_progress(year: int) -> dict:
    """How many party members have done each of the "四个一" this year."""
    records = party.annual_record(year)
    items = ("suggestions", "wishes_claimed", "needs_completed", "service_minutes")
    done = {item: sum(1 for r in records if item not in r.missing()) for item in items}
    return {"year": year, "members": len(records), "done": done,
            "all_four": sum(1 for r in records if not r.missing())}
