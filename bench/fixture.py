"""The benchmark's own people inside a city, made through the services (so audited and verifiable).

ensure_actors() adds, once per database, an admin, a keeper with a store and one deep item, a lead
with a team of residents holding points; it returns their ids, kept in a JSON file beside the city.
fresh_activities() and pending_records() make, per run, activities on dates nobody used yet, so
every logged hour is new (one live record per activity and volunteer, 24 h per person and day).
"""

from datetime import date, timedelta

import sqlalchemy as sa

PASSWORD = "bench-password-2026"
RESIDENTS = 200
POINTS_EACH = 100_000  # the largest single adjustment
FIRST_DAY = date(2019, 12, 31)  # bench activities go back in time from here, one day each


def _app(database_url: str):
    from app import create_app
    from bench.servers import SECRET_KEY

    return create_app({"TESTING": True, "SECRET_KEY": SECRET_KEY, "SQLALCHEMY_DATABASE_URI": database_url})


def ensure_actors(database_url: str) -> dict:
    from accounts.models import User
    from accounts.passwords import hash_password
    from accounts.services import NewUser, create_user
    from extensions import db
    from points.awards import adjust_points
    from points.teams import create_team
    from redemption.services import NewItem, create_item, create_store

    app = _app(database_url)
    with app.app_context(), app.test_request_context():
        existing = db.session.execute(sa.select(User.id).where(User.username == "bench-admin")).scalar()
        if existing is None:
            hashed = hash_password(PASSWORD)

            def person(username, name, roles):
                return create_user(NewUser(username, name, PASSWORD, roles, password_hash=hashed), None).id

            admin_id = person("bench-admin", "压测管理员", ("admin",))
            person("bench-keeper", "压测店员", ("store_keeper",))
            lead_id = person("bench-lead", "压测队长", ("team_lead", "resident"))
            residents = [person(f"bench-r{n}", f"压测居民{n}", ("resident",)) for n in range(RESIDENTS)]
            admin = db.session.get(User, admin_id)
            keeper_id = db.session.execute(sa.select(User.id).where(User.username == "bench-keeper")).scalar()
            store = create_store("压测积分超市", None, [keeper_id], admin)
            create_item(NewItem(store_id=store.id, name="压测挂面", price=1, stock=90_000_000),
                        db.session.get(User, admin_id), key="bench:item")
            team = create_team("压测志愿服务队", None, [lead_id], db.session.get(User, admin_id))
            _add_members(team.id, residents, db.session.get(User, admin_id))
            for rid in residents:
                adjust_points(rid, POINTS_EACH, "压测初始积分", db.session.get(User, admin_id), key=f"bench:seed:{rid}")
        return _describe(db)


def _add_members(team_id: int, user_ids: list[int], actor) -> None:
    from points.teams import add_member

    for user_id in user_ids:
        add_member(team_id, user_id, actor)


def _describe(db) -> dict:
    from accounts.models import User
    from points.models import Team
    from redemption.models import Item, Store

    def user_id(name):
        return db.session.execute(sa.select(User.id).where(User.username == name)).scalar_one()

    residents = db.session.execute(
        sa.select(User.id, User.card_code).where(User.username.like("bench-r%")).order_by(User.id)).all()
    store_id = db.session.execute(sa.select(Store.id).where(Store.name == "压测积分超市")).scalar_one()
    cards = db.session.execute(  # card lookups spread over the whole city, not only our residents
        sa.select(User.card_code).where(User.card_code.is_not(None)).order_by(User.id).limit(2000)).scalars().all()
    return {
        "password": PASSWORD, "admin_id": user_id("bench-admin"), "keeper_id": user_id("bench-keeper"),
        "lead_id": user_id("bench-lead"), "residents": [r.id for r in residents],
        "resident_cards": [r.card_code for r in residents], "cards": list(cards) or [r.card_code for r in residents],
        "store_id": store_id,
        "item_id": db.session.execute(sa.select(Item.id).where(Item.store_id == store_id)).scalar_one(),
        "team_id": db.session.execute(sa.select(Team.id).where(Team.name == "压测志愿服务队")).scalar_one(),
    }


def fresh_activities(database_url: str, actors: dict, count: int) -> list[int]:
    """count new activities of the bench team, each on its own day that no bench activity used."""
    from accounts.models import User
    from extensions import db
    from points.activities import create_activity
    from points.models import Activity

    app = _app(database_url)
    with app.app_context(), app.test_request_context():
        lead = db.session.get(User, actors["lead_id"])
        earliest = db.session.execute(
            sa.select(sa.func.min(Activity.date)).where(Activity.team_id == actors["team_id"])).scalar()
        day = min(earliest or FIRST_DAY + timedelta(days=1), FIRST_DAY + timedelta(days=1))
        ids = []
        for _ in range(count):
            day -= timedelta(days=1)
            ids.append(create_activity(actors["team_id"], f"压测活动{day.isoformat()}", day, "normal", lead).id)
            db.session.remove()
            lead = db.session.get(User, actors["lead_id"])
        return ids


def pending_records(database_url: str, actors: dict, count: int, minutes: int = 30) -> list[int]:
    """count pending hour records (whole rosters of the bench team on fresh days); their ids."""
    from accounts.models import User
    from extensions import db
    from points.hours import log_roster

    residents = actors["residents"]
    activities = fresh_activities(database_url, actors, -(-count // len(residents)))
    app = _app(database_url)
    ids: list[int] = []
    with app.app_context(), app.test_request_context():
        for activity_id in activities:
            take = min(len(residents), count - len(ids))
            lead = db.session.get(User, actors["lead_id"])
            records = log_roster(activity_id, [(rid, minutes) for rid in residents[:take]], lead)
            ids.extend(r.id for r in records)
            db.session.remove()
    return ids


def count_rows(database_url: str, table: str) -> int:
    engine = sa.create_engine(database_url.replace("postgresql://", "postgresql+psycopg://", 1))
    try:
        with engine.connect() as conn:
            return int(conn.execute(sa.text(f"SELECT count(*) FROM {table}")).scalar_one())
    finally:
        engine.dispose()


def pending_ids_of(database_url: str, activity_ids: list[int]) -> list[int]:
    engine = sa.create_engine(database_url.replace("postgresql://", "postgresql+psycopg://", 1))
    try:
        with engine.connect() as conn:
            rows = conn.execute(sa.text("SELECT id FROM hour_records WHERE status = 'pending' AND activity_id IN "
                                        f"({','.join(str(int(a)) for a in activity_ids) or '0'}) ORDER BY id"))
            return [r[0] for r in rows]
    finally:
        engine.dispose()
